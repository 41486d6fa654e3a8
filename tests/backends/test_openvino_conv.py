"""The OpenVINO backend's convolution, pool, normalization and matrix lowerings: grouped and
depthwise convolutions, transposed convolution sizes, pool geometry and special values,
normalizations against their NumPy formulas."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import webnn

pytest.importorskip("openvino")


@pytest.fixture(scope="module")
def openvino() -> webnn.MLContext:
    return webnn.ML().create_context(backend="openvino")


def run(context: webnn.MLContext, build: Callable[..., Any], **inputs: np.ndarray) -> np.ndarray:
    builder = context.create_graph_builder()
    operands = {name: builder.input(name, list(a.shape), str(a.dtype)) for name, a in inputs.items()}
    graph = builder.build({"y": build(builder, **operands)})
    return context.compute(graph, inputs)["y"]


def both(openvino: webnn.MLContext, reference: webnn.MLContext, build: Callable[..., Any],
         **inputs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return run(openvino, build, **inputs), run(reference, build, **inputs)


def tolerance(dtype: Any) -> dict[str, float]:
    return {"rtol": 2e-3, "atol": 2e-3} if np.dtype(dtype) == np.float16 else {"rtol": 1e-5, "atol": 1e-5}


def naive_conv(x: np.ndarray, w: np.ndarray, groups: int, padding: list[int], strides: list[int],
               dilations: list[int]) -> np.ndarray:
    """NCHW / OIHW convolution, one output element at a time (float64)."""
    x = np.pad(x.astype(np.float64), [(0, 0), (0, 0), (padding[0], padding[1]), (padding[2], padding[3])])
    n, c, h, wd = x.shape
    o, ig, kh, kw = w.shape
    out_h = (h - (kh - 1) * dilations[0] - 1) // strides[0] + 1
    out_w = (wd - (kw - 1) * dilations[1] - 1) // strides[1] + 1
    y = np.zeros((n, o, out_h, out_w))
    per_group = o // groups
    for oc in range(o):
        g = oc // per_group
        for i in range(out_h):
            for j in range(out_w):
                window = x[:, g * ig:(g + 1) * ig,
                           i * strides[0]:i * strides[0] + (kh - 1) * dilations[0] + 1:dilations[0],
                           j * strides[1]:j * strides[1] + (kw - 1) * dilations[1] + 1:dilations[1]]
                y[:, oc, i, j] = (window * w[oc]).sum(axis=(1, 2, 3))
    return y


# ----------------------------------------------------------------------------- convolutions


@pytest.mark.parametrize("dtype", [np.float32, np.float16])
@pytest.mark.parametrize("groups, out_channels", [(1, 6), (2, 6), (4, 4), (4, 8)])
def test_grouped_and_depthwise_conv2d(openvino, dtype, groups, out_channels) -> None:
    rng = np.random.default_rng(groups)
    x = rng.standard_normal((2, 4, 7, 6)).astype(dtype)
    w = rng.standard_normal((out_channels, 4 // groups, 3, 2)).astype(dtype)
    bias = rng.standard_normal(out_channels).astype(dtype)
    options = {"groups": groups, "padding": [1, 2, 0, 1], "strides": [2, 1], "dilations": [1, 2]}
    y = run(openvino, lambda b, x, w, bias: b.conv2d(x, w, {**options, "bias": bias}), x=x, w=w, bias=bias)
    expected = naive_conv(x, w, groups, options["padding"], options["strides"], options["dilations"])
    expected += bias.astype(np.float64)[None, :, None, None]
    assert y.dtype == dtype
    np.testing.assert_allclose(y.astype(np.float64), expected, **tolerance(dtype))


def test_depthwise_conv2d_nhwc(openvino, reference) -> None:
    rng = np.random.default_rng(1)
    x = rng.standard_normal((1, 5, 5, 8)).astype(np.float32)
    w = rng.standard_normal((1, 3, 3, 8)).astype(np.float32)  # ihwo
    y, expected = both(openvino, reference, lambda b, x, w: b.conv2d(
        x, w, {"groups": 8, "padding": [1, 1, 1, 1], "input_layout": "nhwc", "filter_layout": "ihwo"}), x=x, w=w)
    np.testing.assert_allclose(y, expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("dtype", [np.float32, np.float16])
@pytest.mark.parametrize("groups", [1, 2])
@pytest.mark.parametrize("options, sizes", [
    ({}, (14, 11)),
    ({"output_padding": [1, 0]}, (15, 11)),
    ({"output_sizes": [15, 12]}, (15, 12)),  # output_sizes above the calculated sizes
    ({"output_sizes": [14, 11], "output_padding": [1, 1]}, (14, 11)),  # output_padding then ignored
])
def test_conv_transpose2d_output_sizes(openvino, reference, dtype, groups, options, sizes) -> None:
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 4, 7, 6)).astype(dtype)
    w = rng.standard_normal((4, 6 // groups, 3, 2)).astype(dtype)
    bias = rng.standard_normal(6 // groups * groups).astype(dtype)
    y, expected = both(openvino, reference, lambda b, x, w, bias: b.conv_transpose2d(
        x, w, {"groups": groups, "padding": [1, 0, 0, 1], "strides": [2, 2], "bias": bias, **options}),
        x=x, w=w, bias=bias)
    assert y.shape == expected.shape == (2, 6 // groups * groups, *sizes)
    np.testing.assert_allclose(y.astype(np.float64), expected.astype(np.float64), **tolerance(dtype))


def test_conv_transpose2d_dilated_with_output_padding(openvino, reference) -> None:
    rng = np.random.default_rng(4)
    x = rng.standard_normal((1, 4, 5, 4)).astype(np.float32)
    w = rng.standard_normal((4, 2, 3, 2)).astype(np.float32)
    y, expected = both(openvino, reference, lambda b, x, w: b.conv_transpose2d(
        x, w, {"groups": 2, "padding": [3, 1, 2, 2], "strides": [3, 2], "dilations": [2, 3],
               "output_padding": [2, 1]}), x=x, w=w)
    assert y.shape == expected.shape
    np.testing.assert_allclose(y, expected, rtol=1e-5, atol=1e-5)


# ----------------------------------------------------------------------------- pools

GEOMETRIES = [
    {},
    {"window_dimensions": [3, 2], "strides": [2, 1], "padding": [1, 0, 0, 1]},
    {"window_dimensions": [3, 3], "strides": [2, 2], "output_shape_rounding": "ceil"},
    {"window_dimensions": [2, 2], "strides": [3, 3], "padding": [0, 1, 0, 1], "output_shape_rounding": "ceil"},
    {"window_dimensions": [2, 2], "strides": [2, 2], "padding": [2, 2, 3, 3]},  # windows of padding only
    {"window_dimensions": [2, 3], "dilations": [2, 2], "padding": [1, 1, 1, 2]},
    {"window_dimensions": [2, 2], "strides": [4, 4], "padding": [1, 1, 1, 1], "output_sizes": [3, 3]},
]


@pytest.mark.parametrize("name", ["average_pool2d", "l2_pool2d", "max_pool2d"])
@pytest.mark.parametrize("dtype", [np.float32, np.float16])
@pytest.mark.parametrize("options", GEOMETRIES)
def test_pool_geometries(openvino, reference, name, dtype, options) -> None:
    x = np.random.default_rng(5).uniform(-10, 10, (2, 3, 7, 8)).astype(dtype)
    y, expected = both(openvino, reference, lambda b, x: getattr(b, name)(x, options), x=x)
    assert y.shape == expected.shape and y.dtype == dtype
    np.testing.assert_allclose(y.astype(np.float64), expected.astype(np.float64), **tolerance(dtype))


@pytest.mark.parametrize("name", ["average_pool2d", "l2_pool2d"])
def test_windows_wholly_in_a_padding_wider_than_the_window_give_zero(openvino, name) -> None:
    """AVX2's depthwise convolution (the window sums) gives some of these the sum of another
    window; WebNN gives 0 (no elements).  Checked with a NumPy formula."""
    x = np.random.default_rng(9).uniform(-4, 4, (4, 1, 4, 3)).astype(np.float32)
    y = run(openvino, lambda b, x: getattr(b, name)(x, {"window_dimensions": [4, 3], "padding": [4, 1, 4, 3]}),
            x=x)
    padded = np.pad(x.astype(np.float64) ** (2 if name == "l2_pool2d" else 1), [(0, 0), (0, 0), (4, 1), (4, 3)])
    present = np.pad(np.ones((4, 3)), [(4, 1), (4, 3)])
    sums = np.array([[padded[:, :, i:i + 4, j:j + 3].sum(axis=(2, 3)) for j in range(8)] for i in range(6)])
    counts = np.array([[present[i:i + 4, j:j + 3].sum() for j in range(8)] for i in range(6)])
    expected = np.sqrt(sums) if name == "l2_pool2d" else sums / np.maximum(counts, 1)[:, :, None, None]
    np.testing.assert_allclose(y, expected.transpose(2, 3, 0, 1), rtol=1e-5, atol=1e-6)
    assert (y[:, :, :, :2] == 0).all() and (y[:, :, :1, :] == 0).all()


@pytest.mark.parametrize("dtype", [np.float32, np.float16])
def test_max_pool2d_nan_and_minus_infinity(openvino, dtype) -> None:
    x = np.arange(2 * 6 * 6, dtype=dtype).reshape(1, 2, 6, 6)
    x[0, 0, 0, 0] = np.nan  # the first element of a window
    x[0, 0, 3, 5] = np.nan  # the last element of a window
    x[0, 1, :2, :2] = -np.inf  # a window of -inf values only
    y = run(openvino, lambda b, x: b.max_pool2d(x, {"window_dimensions": [2, 2], "strides": [2, 2],
                                                   "padding": [0, 2, 0, 2]}), x=x)
    assert y.shape == (1, 2, 4, 4)
    assert np.isnan(y[0, 0, 0, 0]) and np.isnan(y[0, 0, 1, 2])
    assert y[0, 1, 0, 0] == -np.inf
    assert (y[:, :, 3, :] == 0).all() and (y[:, :, :, 3] == 0).all()  # windows over padding only
    assert y[0, 1, 1, 1] == x[0, 1, 2:4, 2:4].max()


def test_max_pool2d_int32_exact(openvino) -> None:
    info = np.iinfo(np.int32)
    x = np.random.default_rng(6).integers(info.min, info.max, (1, 2, 5, 6), dtype=np.int32, endpoint=True)
    x[0, 0, 0, 0] = info.min
    y = run(openvino, lambda b, x: b.max_pool2d(x, {"window_dimensions": [2, 3], "padding": [1, 1, 1, 1],
                                                   "strides": [2, 2]}), x=x)
    padded = np.pad(x, [(0, 0), (0, 0), (1, 1), (1, 1)], constant_values=info.min)
    expected = np.array([[[[padded[n, c, i:i + 2, j:j + 3].max() for j in range(0, 6, 2)]
                           for i in range(0, 6, 2)] for c in range(2)] for n in range(1)])
    np.testing.assert_array_equal(y, expected)


def test_max_pool2d_data_types_declared(openvino) -> None:
    types = set(openvino.op_support_limits()["maxPool2d"]["input"]["dataTypes"])
    assert {"float32", "float16", "int8", "uint8", "int32"} <= types
    assert not types & {"uint32", "int64", "uint64"}  # OpenVINO's CPU plugin computes them in int32


# ----------------------------------------------------------------------------- normalizations


def test_batch_normalization_constant_statistics_far_from_zero(openvino) -> None:
    rng = np.random.default_rng(7)
    x = (1000.0 + rng.uniform(-0.01, 0.01, (3, 4, 8))).astype(np.float32)
    mean, variance = np.full(4, 1000.0, np.float32), np.full(4, 1e-4, np.float32)
    scale, bias = rng.uniform(0.5, 2.0, 4).astype(np.float32), rng.uniform(-1, 1, 4).astype(np.float32)
    y = run(openvino, lambda b, x: b.batch_normalization(
        x, b.constant(mean), b.constant(variance),
        {"scale": b.constant(scale), "bias": b.constant(bias), "epsilon": 1e-6}), x=x)
    at = (slice(None), None)
    expected = (x - mean[at]) / np.sqrt(variance[at] + np.float32(1e-6)) * scale[at] + bias[at]
    np.testing.assert_allclose(y, expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("dtype", [np.float32, np.float16])
def test_instance_normalization_formula(openvino, dtype) -> None:
    rng = np.random.default_rng(8)
    x = (5.0 + 3.0 * rng.standard_normal((2, 3, 4, 5))).astype(dtype)
    scale, bias = rng.standard_normal(3).astype(dtype), rng.standard_normal(3).astype(dtype)
    y = run(openvino, lambda b, x, s, c: b.instance_normalization(x, {"scale": s, "bias": c, "epsilon": 1e-3}),
            x=x, s=scale, c=bias)
    x64 = x.astype(np.float64)
    mean = x64.mean(axis=(2, 3), keepdims=True)
    variance = ((x64 - mean) ** 2).mean(axis=(2, 3), keepdims=True)
    at = (None, slice(None), None, None)
    expected = scale.astype(np.float64)[at] * (x64 - mean) / np.sqrt(variance + 1e-3) + bias.astype(np.float64)[at]
    np.testing.assert_allclose(y.astype(np.float64), expected, **tolerance(dtype))


@pytest.mark.parametrize("dtype", [np.float32, np.float16])
@pytest.mark.parametrize("axes", [None, [3, 1], [0, 2], []])
def test_layer_normalization_formula(openvino, dtype, axes) -> None:
    rng = np.random.default_rng(9)
    x = (2.0 + rng.standard_normal((2, 3, 4, 5))).astype(dtype)
    reduced = [1, 2, 3] if axes is None else axes
    options: dict[str, Any] = {} if axes is None else {"axes": axes}
    inputs = {"x": x}
    if reduced:  # (scale and bias of an empty axes list are 0-D)
        inputs["s"] = rng.standard_normal([x.shape[a] for a in reduced]).astype(dtype)
        inputs["c"] = rng.standard_normal([x.shape[a] for a in reduced]).astype(dtype)
        y = run(openvino, lambda b, x, s, c: b.layer_normalization(x, {**options, "scale": s, "bias": c}),
                **inputs)
    else:
        y = run(openvino, lambda b, x: b.layer_normalization(x, options), **inputs)
    x64 = x.astype(np.float64)
    mean = x64.mean(axis=tuple(reduced), keepdims=True)
    variance = ((x64 - mean) ** 2).mean(axis=tuple(reduced), keepdims=True)
    expected = (x64 - mean) / np.sqrt(variance + 1e-5)
    if reduced:
        order = np.argsort(reduced)
        shape = [x.shape[a] if a in reduced else 1 for a in range(4)]
        expected = (inputs["s"].astype(np.float64).transpose(order).reshape(shape) * expected
                    + inputs["c"].astype(np.float64).transpose(order).reshape(shape))
    np.testing.assert_allclose(y.astype(np.float64), expected, **tolerance(dtype))


# ----------------------------------------------------------------------------- matmul, gemm


@pytest.mark.parametrize("dtype", [np.float32, np.float16])
@pytest.mark.parametrize("shape_a, shape_b", [((3, 4), (4, 5)), ((2, 1, 3, 4), (3, 4, 6)), ((1, 3, 4), (2, 1, 4, 5))])
def test_matmul_broadcasts_batches(openvino, dtype, shape_a, shape_b) -> None:
    rng = np.random.default_rng(10)
    a, b_ = rng.standard_normal(shape_a).astype(dtype), rng.standard_normal(shape_b).astype(dtype)
    y = run(openvino, lambda b, a, c: b.matmul(a, c), a=a, c=b_)
    expected = np.matmul(a.astype(np.float64), b_.astype(np.float64))
    assert y.dtype == dtype
    np.testing.assert_allclose(y.astype(np.float64), expected, **tolerance(dtype))


@pytest.mark.parametrize("a_transpose", [False, True])
@pytest.mark.parametrize("b_transpose", [False, True])
@pytest.mark.parametrize("c_shape", [None, (5,), (3, 1), (3, 5)])
def test_gemm(openvino, a_transpose, b_transpose, c_shape) -> None:
    rng = np.random.default_rng(11)
    a = rng.standard_normal((4, 3) if a_transpose else (3, 4)).astype(np.float32)
    b_ = rng.standard_normal((5, 4) if b_transpose else (4, 5)).astype(np.float32)
    options: dict[str, Any] = {"a_transpose": a_transpose, "b_transpose": b_transpose, "alpha": 0.7, "beta": -1.5}
    expected = 0.7 * ((a.T if a_transpose else a) @ (b_.T if b_transpose else b_)).astype(np.float64)
    if c_shape is None:
        y = run(openvino, lambda b, a, d: b.gemm(a, d, options), a=a, d=b_)
    else:
        c = rng.standard_normal(c_shape).astype(np.float32)
        y = run(openvino, lambda b, a, d, c: b.gemm(a, d, {**options, "c": c}), a=a, d=b_, c=c)
        expected = expected - 1.5 * c
    np.testing.assert_allclose(y, expected, rtol=1e-5, atol=1e-5)
