"""compute(graph, inputs, outputs): results land in the caller's arrays, on every backend; where
the backend can, without an intermediate allocation (all outputs given, none overlapping an input)."""

from __future__ import annotations

import numpy as np


def two_outputs(context):
    b = context.create_graph_builder()
    x = b.input("x", [64, 32], "float32")
    w = b.constant(np.linspace(-1, 1, 32 * 16, dtype=np.float32).reshape(32, 16))
    h = b.matmul(x, w)
    return b.build({"h": h, "s": b.softmax(b.relu(h), 1)})


def expected(x):
    """NumPy's own formula (float64)."""
    h = x.astype(np.float64) @ np.linspace(-1, 1, 32 * 16, dtype=np.float32).reshape(32, 16)
    r = np.maximum(h, 0)
    e = np.exp(r - r.max(1, keepdims=True))
    return h, e / e.sum(1, keepdims=True)


X = np.random.default_rng(0).standard_normal((64, 32)).astype(np.float32)


def test_every_output_given(context):
    graph = two_outputs(context)
    outputs = {"h": np.full((64, 16), np.nan, np.float32), "s": np.full((64, 16), np.nan, np.float32)}
    kept = dict(outputs)
    for _ in range(3):  # the same arrays call after call
        results = context.compute(graph, {"x": X}, outputs)
        assert results["h"] is kept["h"] and results["s"] is kept["s"]
    h, s = expected(X)
    np.testing.assert_allclose(kept["h"], h, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(kept["s"], s, rtol=1e-5, atol=1e-6)


def test_some_outputs_given(context):
    graph = two_outputs(context)
    s_out = np.zeros((64, 16), np.float32)
    results = context.compute(graph, {"x": X}, {"s": s_out})
    assert results["s"] is s_out
    h, s = expected(X)
    np.testing.assert_allclose(results["h"], h, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(s_out, s, rtol=1e-5, atol=1e-6)


def test_an_output_that_is_the_input_array(context):
    b = context.create_graph_builder()
    x = b.input("x", [4, 8], "float32")
    graph = b.build({"y": b.relu(b.neg(x))})
    data = np.linspace(-2, 2, 32, dtype=np.float32).reshape(4, 8)
    want = np.maximum(-data, 0)
    results = context.compute(graph, {"x": data}, {"y": data})  # in place, by the caller's choice
    assert results["y"] is data
    np.testing.assert_array_equal(data, want)


def test_non_contiguous_input_and_output(context):
    graph = two_outputs(context)
    wide = np.zeros((64, 64), np.float32)
    wide[:, ::2] = X
    h_out = np.zeros((64, 32), np.float32)[:, ::2]  # not contiguous: filled by a copy
    s_out = np.zeros((64, 16), np.float32)
    results = context.compute(graph, {"x": wide[:, ::2]}, {"h": h_out, "s": s_out})
    assert results["h"] is h_out and results["s"] is s_out
    h, s = expected(X)
    np.testing.assert_allclose(h_out, h, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(s_out, s, rtol=1e-5, atol=1e-6)
