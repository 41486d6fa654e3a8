"""Validation and numerics of the pooling ops beyond the WPT cases."""

from __future__ import annotations

import numpy as np
import pytest

import webnn

from ..helpers import onnx_op_types

POOLS = ["average_pool2d", "l2_pool2d", "max_pool2d"]


# Numeric tests use the shared ``context`` fixture (every backend); validation tests use
# ``builder``, on the reference backend (the builder's checks do not depend on the backend).


@pytest.fixture
def builder() -> webnn.MLGraphBuilder:
    return webnn.ML().create_context(backend="reference").create_graph_builder()


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize("name", POOLS)
@pytest.mark.parametrize(
    "shape, options, message",
    [
        ([1, 2, 5], {}, r"input rank 3 is not allowed"),
        ([1, 2, 5, 5], {"window_dimensions": [3, 3, 3]}, r"window_dimensions must have 2 items"),
        ([1, 2, 5, 5], {"window_dimensions": [0, 3]}, r"window_dimensions \[0, 3\] contains 0"),
        ([1, 2, 5, 5], {"windowDimensions": [-1, 3]}, r"window_dimensions\[0\] -1 is out of range"),
        ([1, 2, 5, 5], {"padding": [1, 1]}, r"padding must have 4 items"),
        ([1, 2, 5, 5], {"padding": [1, 1, 1, True]}, r"padding\[3\] must be an integer"),
        ([1, 2, 5, 5], {"strides": [0, 1]}, r"strides \[0, 1\] contains 0"),
        ([1, 2, 5, 5], {"strides": [1]}, r"strides must have 2 items"),
        ([1, 2, 5, 5], {"dilations": [1, 0]}, r"dilations \[1, 0\] contains 0"),
        ([1, 2, 5, 5], {"dilations": 2}, r"dilations must be a sequence"),
        ([1, 2, 5, 5], {"layout": "hwcn"}, r"layout must be one of 'nchw', 'nhwc'"),
        ([1, 2, 5, 5], {"output_shape_rounding": "round"}, r"output_shape_rounding must be one of"),
        ([1, 2, 5, 5], {"window_dimensions": [6, 3]}, r"output height 0 is not a valid dimension"),
        ([1, 2, 5, 5], {"window_dimensions": [3, 8]}, r"output width -2 is not a valid dimension"),
        ([1, 2, 5, 5], {"window_dimensions": [3, 3], "dilations": [1, 3]}, r"output width -1 is not"),
        ([1, 2, 5, 5], {"padding": [0, 0, 2**32 - 1, 2**32 - 1]}, r"output width \d+ is not a valid"),
        # output_sizes: 2 items, equal to the floor or the ceil sizes
        ([1, 2, 7, 7], {"window_dimensions": [2, 2], "strides": [4, 4], "output_sizes": [3]},
         r"output_sizes must have 2 items"),
        ([1, 2, 7, 7], {"window_dimensions": [2, 2], "strides": [4, 4], "output_sizes": [2, 3]},
         r"output_sizes \[2, 3\] match neither the floor sizes \[2, 2\] nor the ceil sizes \[3, 3\]"),
        ([1, 2, 7, 7], {"window_dimensions": [2, 2], "strides": [4, 4], "output_sizes": [1, 1]},
         r"output_sizes \[1, 1\] match neither"),
    ],
)
def test_pool_rejects_invalid_calls(builder, name, shape, options, message) -> None:
    x = builder.input("x", shape)
    with pytest.raises(TypeError, match=rf"^{name} 'lbl': {message}"):
        getattr(builder, name)(x, {**options, "label": "lbl"})


@pytest.mark.parametrize("name, data_type", [
    ("average_pool2d", "int32"), ("average_pool2d", "uint8"),
    ("l2_pool2d", "int64"), ("l2_pool2d", "int8"),
])
def test_float_pools_reject_integer_inputs(builder, name, data_type) -> None:
    x = builder.input("x", [1, 2, 4, 4], data_type)
    with pytest.raises(TypeError, match=rf"^{name}: input data type {data_type} is not allowed"):
        getattr(builder, name)(x)


def test_pool_rejects_unknown_option(builder) -> None:
    x = builder.input("x", [1, 2, 4, 4])
    with pytest.raises(TypeError, match=r"^max_pool2d: unknown options argument 'roundingType'"):
        builder.max_pool2d(x, {"roundingType": "ceil"})


@pytest.mark.parametrize("name", POOLS)
def test_pool_output_descriptor(builder, name) -> None:
    x = builder.input("x", [2, 9, 9, 3], "float16")
    y = getattr(builder, name)(x, {"windowDimensions": [3, 2], "strides": [2, 3], "padding": [1, 0, 0, 2],
                                   "layout": "nhwc", "outputShapeRounding": "ceil"})
    # height: (9 - 3 + 1) / 2 + 1 = 4.5 -> 5; width: (9 - 2 + 2) / 3 + 1 = 4
    assert y.shape == [2, 5, 4, 3]
    assert y.data_type == "float16"


# --------------------------------------------------------------------------- numerics


def naive_pool(x, kind, window, padding, strides, dilations, out_sizes, layout):
    """Each output element from the list of real input elements its window covers (float64)."""
    if layout == "nhwc":
        x = x.transpose(0, 3, 1, 2)
    x = x.astype(np.float64)
    n, c, h, w = x.shape
    out = np.zeros((n, c, *out_sizes))
    for oy in range(out_sizes[0]):
        rows = [oy * strides[0] - padding[0] + i * dilations[0] for i in range(window[0])]
        rows = [r for r in rows if 0 <= r < h]
        for ox in range(out_sizes[1]):
            cols = [ox * strides[1] - padding[2] + j * dilations[1] for j in range(window[1])]
            cols = [q for q in cols if 0 <= q < w]
            if not rows or not cols:
                continue  # a window over padding only gives 0
            patch = x[:, :, rows][:, :, :, cols].reshape(n, c, -1)
            if kind == "average_pool2d":
                out[:, :, oy, ox] = patch.mean(axis=-1)
            elif kind == "l2_pool2d":
                out[:, :, oy, ox] = np.sqrt((patch**2).sum(axis=-1))
            else:
                out[:, :, oy, ox] = patch.max(axis=-1)
    return out.transpose(0, 2, 3, 1) if layout == "nhwc" else out


def run_pool(context, name, x, data_type, options):
    builder = context.create_graph_builder()
    operand = builder.input("x", list(x.shape), data_type)
    graph = builder.build({"y": getattr(builder, name)(operand, options)})
    return context.compute(graph, {"x": x})["y"]


GEOMETRIES = [
    # (input spatial, options, expected output spatial)
    ((5, 5), {}, (1, 1)),
    ((8, 7), {"windowDimensions": [3, 3]}, (6, 5)),
    ((9, 8), {"windowDimensions": [3, 2], "strides": [2, 3], "padding": [1, 0, 2, 1]}, (4, 4)),
    ((9, 9), {"windowDimensions": [3, 3], "dilations": [2, 3], "padding": [2, 1, 0, 3]}, (8, 6)),
    ((10, 7), {"windowDimensions": [2, 3], "dilations": [3, 1], "strides": [2, 2]}, (4, 3)),
    # ceil: the last windows run past the end padding
    ((6, 7), {"windowDimensions": [3, 3], "strides": [2, 2], "padding": [0, 1, 1, 0],
              "outputShapeRounding": "ceil"}, (3, 4)),
    ((5, 5), {"windowDimensions": [3, 3], "strides": [3, 3], "padding": [1, 1, 1, 1],
              "outputShapeRounding": "ceil"}, (3, 3)),
    # ceil with a window larger than the padded input
    ((4, 5), {"windowDimensions": [5, 6], "strides": [2, 2], "outputShapeRounding": "ceil"}, (1, 1)),
    # windows that cover begin padding only
    ((3, 4), {"windowDimensions": [2, 2], "padding": [3, 0, 0, 3], "strides": [1, 2]}, (5, 3)),
    # output_sizes: the padding applies, the rounding follows the sizes
    ((7, 7), {"windowDimensions": [2, 2], "strides": [4, 4], "padding": [3, 3, 3, 3],
              "outputSizes": [4, 4]}, (4, 4)),
    ((7, 7), {"windowDimensions": [3, 3], "strides": [1, 1], "padding": [1, 1, 1, 1],
              "outputSizes": [7, 7]}, (7, 7)),
    ((7, 7), {"windowDimensions": [2, 2], "strides": [4, 4], "outputSizes": [2, 2],
              "outputShapeRounding": "ceil"}, (2, 2)),
]


def _geometry(options, in_sizes):
    window = options.get("windowDimensions", list(in_sizes))
    padding = options.get("padding", [0] * 4)
    strides = options.get("strides", [1, 1])
    dilations = options.get("dilations", [1, 1])
    return window, padding, strides, dilations


@pytest.mark.parametrize("name", POOLS)
@pytest.mark.parametrize("layout", ["nchw", "nhwc"])
@pytest.mark.parametrize("in_sizes, options, out_sizes", GEOMETRIES)
def test_pool_matches_naive_windows(context, name, layout, in_sizes, options, out_sizes) -> None:
    rng = np.random.default_rng(7)
    shape = (2, 3, *in_sizes) if layout == "nchw" else (2, *in_sizes, 3)
    x = rng.uniform(-10, 10, shape).astype(np.float32)
    y = run_pool(context, name, x, "float32", {**options, "layout": layout})
    expected = naive_pool(x, name, *_geometry(options, in_sizes), out_sizes, layout)
    assert y.dtype == np.float32
    np.testing.assert_allclose(y, expected, rtol=2e-6, atol=1e-6)


@pytest.mark.parametrize("name", POOLS)
def test_pool_float16_accumulates_in_float32(context, name) -> None:
    rng = np.random.default_rng(3)
    # a global pool over 900 values: a float16 running sum would be far off
    x = rng.uniform(0, 60, (1, 4, 30, 30)).astype(np.float16)
    y = run_pool(context, name, x, "float16", {})
    expected = naive_pool(x, name, (30, 30), (0, 0, 0, 0), (1, 1), (1, 1), (1, 1), "nchw")
    assert y.dtype == np.float16
    np.testing.assert_allclose(y.astype(np.float64), expected, rtol=1e-3)


@pytest.mark.parametrize("data_type", ["int8", "uint8", "int32", "uint32", "int64", "uint64"])
@pytest.mark.parametrize("layout", ["nchw", "nhwc"])
def test_max_pool_integers_exact(context, data_type, layout) -> None:
    info = np.iinfo(data_type)
    rng = np.random.default_rng(5)
    shape = (1, 2, 6, 7) if layout == "nchw" else (1, 6, 7, 2)
    x = rng.integers(info.min, info.max, shape, dtype=data_type, endpoint=True)
    x.flat[:3] = [info.min, info.max, info.max - 1]
    options = {"windowDimensions": [3, 2], "strides": [2, 2], "padding": [1, 3, 0, 1],
               "outputShapeRounding": "ceil", "layout": layout}
    y = run_pool(context, "max_pool2d", x, data_type, options)
    assert y.dtype == np.dtype(data_type)
    # height: (6 - 3 + 4) / 2 + 1 = 4.5 -> 5; width: (7 - 2 + 1) / 2 + 1 = 4
    # The windows are checked exactly against Python integers (no float64 rounding of int64).
    xs = x if layout == "nchw" else x.transpose(0, 3, 1, 2)
    expected = np.zeros((1, 2, 5, 4), dtype=object)
    for oy in range(5):
        rows = [r for r in range(oy * 2 - 1, oy * 2 + 2) if 0 <= r < 6]
        for ox in range(4):
            cols = [q for q in range(ox * 2, ox * 2 + 2) if 0 <= q < 7]
            for ch in range(2):
                values = [int(xs[0, ch, r, q]) for r in rows for q in cols]
                expected[0, ch, oy, ox] = max(values) if values else 0
    if layout == "nhwc":
        expected = expected.transpose(0, 2, 3, 1)
    assert [int(v) for v in y.flat] == list(expected.flat)


def test_max_pool_keeps_infinities_and_empty_windows_give_zero(context) -> None:
    x = np.full((1, 1, 2, 2), -np.inf, np.float32)
    y = run_pool(context, "max_pool2d", x, "float32",
                 {"windowDimensions": [2, 2], "padding": [3, 0, 0, 0], "strides": [2, 2]})
    # windows: rows -3..-2 (padding only) and -1..0 (one real row)
    np.testing.assert_array_equal(y, np.array([[[[0.0]], [[-np.inf]]]], np.float32).reshape(1, 1, 2, 1))


def test_average_pool_excludes_padding_from_count(context) -> None:
    x = np.arange(1, 10, dtype=np.float32).reshape(1, 1, 3, 3)
    y = run_pool(context, "average_pool2d", x, "float32", {"windowDimensions": [3, 3], "padding": [1, 1, 1, 1]})
    assert y[0, 0, 0, 0] == np.float32((1 + 2 + 4 + 5) / 4)
    assert y[0, 0, 1, 1] == np.float32(5)


@pytest.mark.parametrize("layout", ["nchw", "nhwc"])
def test_global_pools(context, layout) -> None:
    rng = np.random.default_rng(11)
    shape = (2, 16, 7, 5) if layout == "nchw" else (2, 7, 5, 16)
    axes = (2, 3) if layout == "nchw" else (1, 2)
    x = rng.standard_normal(shape).astype(np.float32)
    builder = context.create_graph_builder()
    operand = builder.input("x", list(shape))
    graph = builder.build({
        "avg": builder.global_average_pool(operand, layout=layout),
        "max": builder.global_max_pool(operand, layout=layout),
    })
    result = context.compute(graph, {"x": x})
    np.testing.assert_allclose(result["avg"], x.astype(np.float64).mean(axis=axes, keepdims=True), rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(result["max"], x.max(axis=axes, keepdims=True))


def test_large_pools_are_vectorised(context) -> None:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((1, 32, 112, 112)).astype(np.float32)
    y = run_pool(context, "max_pool2d", x, "float32",
                 {"windowDimensions": [3, 3], "strides": [2, 2], "padding": [1, 1, 1, 1]})
    assert y.shape == (1, 32, 56, 56)
    padded = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)), constant_values=-np.inf)
    windows = np.lib.stride_tricks.sliding_window_view(padded, (3, 3), axis=(2, 3))[:, :, ::2, ::2]
    np.testing.assert_array_equal(y, windows.max(axis=(-2, -1))[:, :, :56, :56])


# --------------------------------------------------------------------------- more geometries and types

# Geometries that need more than a pool with padding on ONNX Runtime: padding at least as large
# as the window, windows over padding only (also past a 'ceil' end), dilated windows past the end.
AWKWARD = [
    ((3, 4), {"windowDimensions": [2, 2], "padding": [3, 0, 0, 3], "strides": [1, 2]}),
    ((4, 4), {"windowDimensions": [1, 1], "padding": [1, 2, 2, 1], "strides": [2, 1]}),
    ((5, 6), {"windowDimensions": [2, 3], "padding": [2, 4, 3, 0], "strides": [3, 2], "dilations": [2, 1],
              "outputShapeRounding": "ceil"}),
    ((2, 3), {"windowDimensions": [2, 2], "dilations": [4, 3], "padding": [1, 4, 2, 2]}),
    ((7, 5), {"windowDimensions": [3, 2], "strides": [3, 2], "padding": [0, 2, 1, 1], "outputShapeRounding": "ceil"}),
    # padding smaller than the window, yet the dilated window skips the whole input
    ((4, 6), {"windowDimensions": [2, 2], "dilations": [5, 2], "padding": [1, 1, 1, 1]}),
]


def _out_sizes(in_sizes, options):
    window, padding, strides, dilations = _geometry(options, in_sizes)
    rounding = np.ceil if options.get("outputShapeRounding") == "ceil" else np.floor
    return tuple(
        int(rounding((in_sizes[i] - (window[i] - 1) * dilations[i] - 1 + padding[2 * i] + padding[2 * i + 1])
                     / strides[i])) + 1
        for i in range(2)
    )


@pytest.mark.parametrize("name", POOLS)
@pytest.mark.parametrize("layout", ["nchw", "nhwc"])
@pytest.mark.parametrize("dtype", ["float32", "float16"])
@pytest.mark.parametrize("case", range(len(AWKWARD)))
def test_pool_awkward_geometries(context, name, layout, dtype, case) -> None:
    in_sizes, options = AWKWARD[case]
    rng = np.random.default_rng(case)
    shape = (2, 3, *in_sizes) if layout == "nchw" else (2, *in_sizes, 3)
    x = rng.uniform(-10, 10, shape).astype(dtype)
    out_sizes = _out_sizes(in_sizes, options)
    y = run_pool(context, name, x, dtype, {**options, "layout": layout})
    expected = naive_pool(x, name, *_geometry(options, in_sizes), out_sizes, layout)
    assert y.dtype == np.dtype(dtype)
    assert (y.shape[2:] if layout == "nchw" else y.shape[1:3]) == out_sizes
    tolerance = dict(rtol=2e-6, atol=1e-6) if dtype == "float32" else dict(rtol=2e-3, atol=1e-3)
    np.testing.assert_allclose(y.astype(np.float64), expected, **tolerance)


@pytest.mark.parametrize("data_type", ["int8", "uint8", "int32", "uint32", "int64", "uint64", "float16"])
@pytest.mark.parametrize("layout", ["nchw", "nhwc"])
@pytest.mark.parametrize("case", [0, 2, 3, 4, 5])
def test_max_pool_awkward_geometries_exact(context, data_type, layout, case) -> None:
    in_sizes, options = AWKWARD[case]
    shape = (1, 2, *in_sizes) if layout == "nchw" else (1, *in_sizes, 2)
    rng = np.random.default_rng(case)
    if data_type == "float16":
        x = rng.uniform(-60000, 60000, shape).astype(np.float16)
    else:
        info = np.iinfo(data_type)
        x = rng.integers(info.min, info.max, shape, dtype=data_type, endpoint=True)
        x.flat[0] = info.min
    y = run_pool(context, "max_pool2d", x, data_type, {**options, "layout": layout})
    assert y.dtype == np.dtype(data_type)
    window, padding, strides, dilations = _geometry(options, in_sizes)
    out_sizes = _out_sizes(in_sizes, options)
    xs = x if layout == "nchw" else x.transpose(0, 3, 1, 2)
    expected = np.zeros((1, 2, *out_sizes), dtype=object)
    for oy, ox in np.ndindex(*out_sizes):
        rows = [r for r in (oy * strides[0] - padding[0] + i * dilations[0] for i in range(window[0]))
                if 0 <= r < in_sizes[0]]
        cols = [q for q in (ox * strides[1] - padding[2] + j * dilations[1] for j in range(window[1]))
                if 0 <= q < in_sizes[1]]
        for ch in range(2):
            values = [xs[0, ch, r, q].item() for r in rows for q in cols]
            expected[0, ch, oy, ox] = max(values) if values else 0
    if layout == "nhwc":
        expected = expected.transpose(0, 2, 3, 1)
    assert [v.item() for v in y.flat] == list(expected.flat)


@pytest.mark.parametrize("data_type", ["int8", "uint8", "int32", "uint32", "int64", "uint64", "float16"])
def test_global_max_pool_all_types(context, data_type) -> None:
    rng = np.random.default_rng(9)
    if data_type == "float16":
        x = rng.uniform(-100, 100, (2, 3, 5, 4)).astype(np.float16)
    else:
        info = np.iinfo(data_type)
        x = rng.integers(info.min, info.max, (2, 3, 5, 4), dtype=data_type, endpoint=True)
    y = run_pool(context, "max_pool2d", x, data_type, {})
    assert y.dtype == np.dtype(data_type)
    np.testing.assert_array_equal(y, x.max(axis=(2, 3), keepdims=True))


@pytest.mark.parametrize("name", ["average_pool2d", "l2_pool2d"])
@pytest.mark.parametrize("layout", ["nchw", "nhwc"])
def test_float16_pools_with_layouts(context, name, layout) -> None:
    rng = np.random.default_rng(12)
    shape = (1, 4, 9, 8) if layout == "nchw" else (1, 9, 8, 4)
    x = rng.uniform(0, 30, shape).astype(np.float16)
    options = {"windowDimensions": [3, 3], "strides": [2, 2], "padding": [1, 1, 0, 2], "layout": layout,
               "outputShapeRounding": "ceil"}
    y = run_pool(context, name, x, "float16", options)
    expected = naive_pool(x, name, *_geometry(options, (9, 8)), _out_sizes((9, 8), options), layout)
    assert y.dtype == np.float16
    np.testing.assert_allclose(y.astype(np.float64), expected, rtol=2e-3)


@pytest.mark.parametrize("name, onnx_op", [("average_pool2d", "AveragePool"), ("l2_pool2d", "LpPool")])
def test_float32_nchw_pools_are_single_nodes(name, onnx_op) -> None:
    context = webnn.ML().create_context(backend="reference")
    builder = context.create_graph_builder()
    x = builder.input("x", [1, 8, 13, 13])
    # ceil rounding is expressed as end padding, never as ONNX's ceil_mode
    y = getattr(builder, name)(x, {"windowDimensions": [3, 3], "strides": [2, 2], "padding": [1, 1, 1, 1],
                                   "outputShapeRounding": "ceil"})
    assert onnx_op_types(builder.build({"y": y})) == [onnx_op]
    builder = context.create_graph_builder()
    global_pool = getattr(builder, name)(builder.input("x", [1, 8, 13, 13]))
    assert onnx_op_types(builder.build({"y": global_pool})) == ["Global" + onnx_op]


@pytest.mark.parametrize("options, pool", [
    ({"windowDimensions": [3, 3], "strides": [2, 2], "padding": [1, 1, 1, 1], "outputShapeRounding": "ceil"}, "MaxPool"),
    ({}, "GlobalMaxPool"),
])
def test_float32_max_pool_corrects_special_values_only_on_demand(options, pool) -> None:
    # One pool of the input itself; the NaN / -inf correction (a second pool of a code of the
    # input) runs on a slice of the batches that is empty unless the input's sum is not finite.
    builder = webnn.ML().create_context(backend="reference").create_graph_builder()
    y = builder.max_pool2d(builder.input("x", [1, 8, 13, 13]), options)
    types = onnx_op_types(builder.build({"y": y}))
    assert types[0] == pool and types.count(pool) == 2
    assert types[1:4] == ["ReduceSum", "Sub", "IsNaN"]
    assert "Slice" in types and "Transpose" not in types
