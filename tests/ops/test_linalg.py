"""Validation and numerics of matmul and gemm beyond the WPT cases."""

from __future__ import annotations

import numpy as np
import pytest

import webnn

from ..helpers import onnx_op_types

# Numeric tests use the shared ``context`` fixture (every backend); validation tests use
# ``builder``, on the reference backend (the builder's checks do not depend on the backend).


@pytest.fixture
def builder() -> webnn.MLGraphBuilder:
    return webnn.ML().create_context(backend="reference").create_graph_builder()


def run(context, name, arrays, options=None):
    builder = context.create_graph_builder()
    operands = {k: builder.input(k, list(v.shape), v.dtype.name) for k, v in arrays.items()}
    extra = {"c": operands["c"]} if "c" in operands else {}
    graph = builder.build({"y": getattr(builder, name)(operands["a"], operands["b"],
                                                        extra | (options or {}))})
    return context.compute(graph, arrays)["y"]


def random(shape, dtype=np.float32, seed=0):
    return np.random.default_rng(seed).uniform(-2.0, 2.0, shape).astype(dtype)


TOLERANCE = {np.float32: dict(rtol=1e-5, atol=1e-5), np.float16: dict(rtol=5e-3, atol=2e-2)}


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    "a_shape, b_shape, message",
    [
        ([3], [3, 4], r"a rank 1 is not allowed \(allowed: 2 to 8\)"),
        ([2, 3], [3], r"b rank 1 is not allowed"),
        ([2, 3], [4, 5], r"a's columns 3 != b's rows 4"),
        ([2, 2, 3], [3, 3, 4], r"batch dimensions \[2\] and \[3\] are not broadcastable"),
        ([4, 1, 2, 3], [2, 5, 3, 4], r"batch dimensions \[4, 1\] and \[2, 5\] are not broadcastable"),
    ],
)
def test_matmul_rejects_shapes(builder, a_shape, b_shape, message) -> None:
    a = builder.input("a", a_shape)
    b = builder.input("b", b_shape)
    with pytest.raises(TypeError, match=rf"^matmul 'mm': {message}"):
        builder.matmul(a, b, label="mm")


@pytest.mark.parametrize("name", ["matmul", "gemm"])
@pytest.mark.parametrize(
    "a_type, b_type, message",
    [("int32", "int32", r"a data type int32 is not allowed"),
     ("float32", "float16", r"b data type float16 is not allowed")],
)
def test_linalg_rejects_data_types(builder, name, a_type, b_type, message) -> None:
    a = builder.input("a", [2, 2], a_type)
    b = builder.input("b", [2, 2], b_type)
    with pytest.raises(TypeError, match=rf"^{name}: {message}"):
        getattr(builder, name)(a, b)


@pytest.mark.parametrize(
    "a_shape, b_shape, c_shape, options, message",
    [
        ([2, 3, 4], [4, 5], None, {}, r"a rank 3 is not allowed"),
        ([2, 3], [4, 5], None, {}, r"K of a \(3\) != K of b \(4\)"),
        ([3, 2], [3, 4], None, {}, r"K of a \(2\) != K of b \(3\)"),
        ([2, 3], [4, 3], None, {"aTranspose": True}, r"K of a \(2\) != K of b \(4\)"),
        ([2, 3], [3, 4], [3, 4], {}, r"c shape \[3, 4\] is not unidirectionally broadcastable to \[2, 4\]"),
        ([2, 3], [3, 4], [1, 1, 4], {}, r"c rank 3 is not allowed"),
        ([2, 3], [3, 4], None, {"alpha": float("nan")}, r"alpha must be a finite number"),
        ([2, 3], [3, 4], None, {"beta": "2"}, r"beta must be a number"),
        ([2, 3], [3, 4], None, {"aTranspose": 1}, r"a_transpose must be a bool"),
        ([2, 3], [3, 4], None, {"bTranspose": "yes"}, r"b_transpose must be a bool"),
    ],
)
def test_gemm_rejects(builder, a_shape, b_shape, c_shape, options, message) -> None:
    a = builder.input("a", a_shape)
    b = builder.input("b", b_shape)
    if c_shape is not None:
        options = {**options, "c": builder.input("c", c_shape)}
    with pytest.raises(TypeError, match=rf"^gemm 'g': {message}"):
        builder.gemm(a, b, {**options, "label": "g"})


def test_gemm_rejects_c_data_type(builder) -> None:
    a = builder.input("a", [2, 2], "float16")
    c = builder.input("c", [2], "float32")
    with pytest.raises(TypeError, match=r"^gemm: c data type float32 is not allowed"):
        builder.gemm(a, a, {"c": c})


# --------------------------------------------------------------------------- numerics


@pytest.mark.parametrize("dtype", [np.float32, np.float16])
@pytest.mark.parametrize(
    "a_shape, b_shape, out_shape",
    [
        ([3, 4], [4, 5], [3, 5]),
        ([2, 3, 4], [4, 5], [2, 3, 5]),
        ([4, 5], [2, 3, 5, 6], [2, 3, 4, 6]),
        ([2, 1, 3, 4], [5, 4, 2], [2, 5, 3, 2]),
        ([1, 7, 16], [3, 16, 9], [3, 7, 9]),
        ([1, 1], [1, 1], [1, 1]),
    ],
)
def test_matmul_broadcasts_batches(context, dtype, a_shape, b_shape, out_shape) -> None:
    a = random(a_shape, dtype, 1)
    b = random(b_shape, dtype, 2)
    y = run(context, "matmul", {"a": a, "b": b})
    assert y.dtype == dtype and list(y.shape) == out_shape
    batch = out_shape[:-2]
    a64 = np.broadcast_to(a.astype(np.float64), (*batch, *a_shape[-2:]))
    b64 = np.broadcast_to(b.astype(np.float64), (*batch, *b_shape[-2:]))
    expected = np.einsum("...ik,...kj->...ij", a64, b64)
    np.testing.assert_allclose(y, expected, **TOLERANCE[dtype])


def test_matmul_float16_accumulates_in_float32(context) -> None:
    # 2048 + 1 + 1 + ... is exact in float32 but stalls at 2048 in float16
    a = np.ones([1, 65], np.float16)
    a[0, 0] = 2048
    b = np.ones([65, 1], np.float16)
    y = run(context, "matmul", {"a": a, "b": b})
    assert y.dtype == np.float16 and y[0, 0] == np.float16(2112)


@pytest.mark.parametrize("dtype", [np.float32, np.float16])
@pytest.mark.parametrize("a_transpose", [False, True])
@pytest.mark.parametrize("b_transpose", [False, True])
@pytest.mark.parametrize("c_shape", [None, [], [1], [5], [3, 1], [3, 5]])
def test_gemm_numerics(context, dtype, a_transpose, b_transpose, c_shape) -> None:
    m, k, n = 3, 4, 5
    a = random([k, m] if a_transpose else [m, k], dtype, 1)
    b = random([n, k] if b_transpose else [k, n], dtype, 2)
    arrays = {"a": a, "b": b}
    if c_shape is not None:
        arrays["c"] = random(c_shape, dtype, 3)
    options = {"alpha": 0.5, "beta": -2.0, "aTranspose": a_transpose, "bTranspose": b_transpose}
    y = run(context, "gemm", arrays, options)
    assert y.dtype == dtype and y.shape == (m, n)
    a64 = a.astype(np.float64).T if a_transpose else a.astype(np.float64)
    b64 = b.astype(np.float64).T if b_transpose else b.astype(np.float64)
    expected = 0.5 * np.einsum("ik,kj->ij", a64, b64)
    if c_shape is not None:
        expected = expected - 2.0 * arrays["c"].astype(np.float64)
    np.testing.assert_allclose(y, expected, **TOLERANCE[dtype])


def test_gemm_defaults(context) -> None:
    a = random([2, 3], seed=4)
    b = random([3, 2], seed=5)
    c = random([2, 2], seed=6)
    y = run(context, "gemm", {"a": a, "b": b, "c": c})
    expected = a.astype(np.float64) @ b.astype(np.float64) + c
    np.testing.assert_allclose(y, expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("dtype", [np.float32, np.float16])
def test_matmul_and_gemm_with_constant_weights(context, dtype) -> None:
    # 64 x 48 weights: large enough to be shared with the session rather than serialized
    a = random([5, 64], dtype, 7)
    w = random([64, 48], dtype, 8)
    c = random([48], dtype, 9)
    builder = context.create_graph_builder()
    x = builder.input("a", [5, 64], np.dtype(dtype).name)
    wc = builder.constant(w)
    graph = builder.build({
        "mm": builder.matmul(x, wc),
        "gemm": builder.gemm(x, builder.constant(np.ascontiguousarray(w.T)), c=builder.constant(c), b_transpose=True,
                             alpha=2.0, beta=0.5),
    })
    out = context.compute(graph, {"a": a})
    product = a.astype(np.float64) @ w.astype(np.float64)
    tolerance = dict(rtol=1e-5, atol=1e-4) if dtype == np.float32 else dict(rtol=5e-3, atol=5e-2)
    assert out["mm"].dtype == dtype and out["gemm"].dtype == dtype
    np.testing.assert_allclose(out["mm"], product, **tolerance)
    np.testing.assert_allclose(out["gemm"], 2.0 * product + 0.5 * c.astype(np.float64), **tolerance)


def test_gemm_float16_accumulates_in_float32(context) -> None:
    a = np.ones([1, 65], np.float16)
    a[0, 0] = 2048
    b = np.ones([65, 2], np.float16)
    y = run(context, "gemm", {"a": a, "b": b, "c": np.zeros([2], np.float16)})
    assert y.dtype == np.float16 and y.tolist() == [[2112, 2112]]


def test_matmul_same_operand_twice(context) -> None:
    a = random([4, 4], seed=10)
    builder = context.create_graph_builder()
    ac = builder.constant(a.astype(np.float16))
    graph = builder.build({"y": builder.matmul(ac, ac)})
    y = context.compute(graph, {})["y"]
    a16 = a.astype(np.float16).astype(np.float64)
    np.testing.assert_allclose(y, a16 @ a16, **TOLERANCE[np.float16])


def test_float32_linalg_are_single_nodes() -> None:
    context = webnn.ML().create_context(backend="reference")
    builder = context.create_graph_builder()
    a = builder.input("a", [2, 3, 4])
    assert onnx_op_types(builder.build({"y": builder.matmul(a, builder.constant(random([4, 5])))})) == ["MatMul"]
    builder = context.create_graph_builder()
    a = builder.input("a", [4, 3])
    c = builder.input("c", [1, 5])
    y = builder.gemm(a, builder.constant(random([5, 4])), c=c, a_transpose=True, b_transpose=True, alpha=3.0)
    assert onnx_op_types(builder.build({"y": y})) == ["Gemm"]
