"""Validation and numerics of conv2d and conv_transpose2d beyond the WPT cases."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import webnn

from ..helpers import onnx_nodes

# Numeric tests use the shared ``context`` fixture (every backend); validation tests use
# ``spec_builder`` (the builder's checks do not depend on the backend).


@pytest.fixture
def builder(context) -> webnn.MLGraphBuilder:
    return context.create_graph_builder()


@pytest.fixture
def spec_builder() -> webnn.MLGraphBuilder:
    return webnn.ML().create_context(backend="reference").create_graph_builder()


# --------------------------------------------------------------------------- naive formulas


def naive_conv2d(x, w, bias, padding, strides, dilations, groups):
    """Direct convolution, nchw input and oihw filter, in float64, one output pixel at a time."""
    n, c, h, wd = x.shape
    o, cg, kh, kw = w.shape
    xp = np.zeros((n, c, h + padding[0] + padding[1], wd + padding[2] + padding[3]))
    xp[:, :, padding[0]:padding[0] + h, padding[2]:padding[2] + wd] = x
    oh = (xp.shape[2] - (kh - 1) * dilations[0] - 1) // strides[0] + 1
    ow = (xp.shape[3] - (kw - 1) * dilations[1] - 1) // strides[1] + 1
    og = o // groups
    out = np.zeros((n, o, oh, ow))
    for b, oc, y, xx in itertools.product(range(n), range(o), range(oh), range(ow)):
        g = oc // og
        total = 0.0
        for ic, i, j in itertools.product(range(cg), range(kh), range(kw)):
            total += (
                xp[b, g * cg + ic, y * strides[0] + i * dilations[0], xx * strides[1] + j * dilations[1]]
                * w[oc, ic, i, j]
            )
        out[b, oc, y, xx] = total
    if bias is not None:
        out += np.asarray(bias, np.float64)[None, :, None, None]
    return out


def naive_conv_transpose2d(x, w, bias, padding, strides, dilations, groups, out_sizes):
    """Scatter-add formulation, nchw input and iohw filter, in float64: every input element adds
    input * filter to the output pixels its filter taps reach, then the padding is cropped."""
    n, c, h, wd = x.shape
    _, og, kh, kw = w.shape
    cg = c // groups
    full = np.zeros((n, og * groups, padding[0] + out_sizes[0] + h * strides[0] + kh * dilations[0],
                     padding[2] + out_sizes[1] + wd * strides[1] + kw * dilations[1]))
    for ic, y, xx, i, j in itertools.product(range(c), range(h), range(wd), range(kh), range(kw)):
        g = ic // cg
        full[:, g * og:(g + 1) * og, y * strides[0] + i * dilations[0], xx * strides[1] + j * dilations[1]] += (
            x[:, ic, y, xx][:, None] * w[ic, :, i, j][None, :]
        )
    out = full[:, :, padding[0]:padding[0] + out_sizes[0], padding[2]:padding[2] + out_sizes[1]]
    if bias is not None:
        out = out + np.asarray(bias, np.float64)[None, :, None, None]
    return out


def to_layout(array, canonical, layout):
    """Permute a 4-D array from the axis letters ``canonical`` to ``layout``."""
    return np.ascontiguousarray(array.transpose([canonical.index(a) for a in layout]))


def run(context, builder, name, x, w, options, bias=None, dtype="float32"):
    xi = builder.input("x", {"dataType": dtype, "shape": list(x.shape)})
    wi = builder.input("w", {"dataType": dtype, "shape": list(w.shape)})
    inputs = {"x": x, "w": w}
    if bias is not None:
        options = {**options, "bias": builder.input("b", {"dataType": dtype, "shape": list(bias.shape)})}
        inputs["b"] = bias
    out = getattr(builder, name)(xi, wi, options)
    graph = builder.build({"y": out})
    return context.compute(graph, inputs)["y"], graph


# --------------------------------------------------------------------------- conv2d numerics

CONV2D_CASES = [
    # in_shape (n, c, h, w), (o, kh, kw), options (groups, padding, strides, dilations)
    ((2, 3, 6, 7), (4, 3, 3), {}),
    ((1, 4, 7, 6), (6, 3, 2), {"groups": 2, "padding": [1, 0, 2, 1]}),
    ((2, 2, 9, 8), (4, 3, 3), {"strides": [2, 3], "dilations": [2, 1], "padding": [0, 2, 1, 0]}),
    ((1, 5, 6, 6), (5, 3, 3), {"groups": 5, "padding": [1, 1, 1, 1], "strides": [2, 2]}),  # depthwise
    ((1, 3, 5, 5), (6, 2, 2), {"groups": 3, "dilations": [2, 2]}),  # depthwise, multiplier 2
    ((1, 6, 5, 5), (3, 1, 1), {"groups": 3}),  # grouped 1x1, 2 in / 1 out per group
]


@pytest.mark.parametrize("input_layout", ["nchw", "nhwc"])
@pytest.mark.parametrize("filter_layout", ["oihw", "hwio", "ohwi", "ihwo"])
@pytest.mark.parametrize("case", range(len(CONV2D_CASES)))
def test_conv2d_matches_direct_formula(context, builder, input_layout, filter_layout, case) -> None:
    shape, (o, kh, kw), options = CONV2D_CASES[case]
    groups = options.get("groups", 1)
    rng = np.random.default_rng(case)
    x = rng.standard_normal(shape).astype(np.float32)
    w = rng.standard_normal((o, shape[1] // groups, kh, kw)).astype(np.float32)
    bias = rng.standard_normal(o).astype(np.float32) if case % 2 else None
    expected = naive_conv2d(x, w, bias, options.get("padding", [0] * 4), options.get("strides", [1, 1]),
                            options.get("dilations", [1, 1]), groups)
    actual, _ = run(
        context, builder, "conv2d", to_layout(x, "nchw", input_layout), to_layout(w, "oihw", filter_layout),
        {**options, "inputLayout": input_layout, "filterLayout": filter_layout}, bias,
    )
    np.testing.assert_allclose(actual, to_layout(expected, "nchw", input_layout), rtol=1e-5, atol=1e-5)


def test_conv2d_float16_accumulates_in_float32(context, builder) -> None:
    rng = np.random.default_rng(7)
    x = rng.standard_normal((1, 8, 10, 10)).astype(np.float16)
    w = rng.standard_normal((4, 8, 3, 3)).astype(np.float16)
    bias = rng.standard_normal(4).astype(np.float16)
    actual, _ = run(context, builder, "conv2d", x, w, {"padding": [1, 1, 1, 1]}, bias, dtype="float16")
    assert actual.dtype == np.float16
    expected = naive_conv2d(x.astype(np.float64), w.astype(np.float64), bias, [1] * 4, [1, 1], [1, 1], 1)
    np.testing.assert_allclose(actual.astype(np.float64), expected.astype(np.float16), rtol=2e-3, atol=2e-3)


def test_conv2d_large_random_nhwc(context, builder) -> None:
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 17, 19, 12)).astype(np.float32)
    w = rng.standard_normal((3, 3, 4, 9)).astype(np.float32)  # hwio, groups 3
    options = {"inputLayout": "nhwc", "filterLayout": "hwio", "groups": 3, "strides": [2, 1],
               "padding": [2, 1, 0, 3], "dilations": [1, 2]}
    actual, _ = run(context, builder, "conv2d", x, w, options)
    expected = naive_conv2d(x.transpose(0, 3, 1, 2), w.transpose(3, 2, 0, 1), None, [2, 1, 0, 3],
                            [2, 1], [1, 2], 3)
    np.testing.assert_allclose(actual, expected.transpose(0, 2, 3, 1), rtol=1e-4, atol=1e-4)


def test_conv2d_window_entirely_in_padding(context, builder) -> None:
    x = np.ones((1, 1, 2, 2), np.float32)
    w = np.ones((1, 1, 1, 1), np.float32)
    actual, _ = run(context, builder, "conv2d", x, w, {"padding": [3, 0, 0, 3], "strides": [2, 2]},
                    np.array([0.5], np.float32))
    np.testing.assert_array_equal(actual, naive_conv2d(x, w, [0.5], [3, 0, 0, 3], [2, 2], [1, 1], 1))


def test_conv2d_normalizes_attributes(context, builder) -> None:
    _, graph = run(context, builder, "conv2d", np.zeros((1, 2, 4, 4), np.float32),
                   np.zeros((2, 2, 1, 1), np.float32), {})
    attrs = dict(graph.ir.operations[0].attrs)
    assert attrs == {"padding": (0, 0, 0, 0), "strides": (1, 1), "dilations": (1, 1), "groups": 1,
                     "input_layout": "nchw", "filter_layout": "oihw"}


# --------------------------------------------------------------------------- conv_transpose2d numerics

TRANSPOSE_CASES = [
    # in_shape (n, c, h, w), (o / groups, kh, kw), options
    ((2, 3, 4, 5), (2, 3, 3), {}),
    ((1, 4, 3, 4), (3, 3, 2), {"groups": 2, "strides": [2, 3], "padding": [1, 0, 0, 2]}),
    ((1, 2, 3, 3), (2, 2, 3), {"strides": [3, 2], "dilations": [2, 1], "outputPadding": [2, 1]}),
    ((1, 3, 4, 4), (1, 3, 3), {"groups": 3, "strides": [2, 2], "padding": [1, 1, 1, 1],
                               "outputSizes": [8, 8]}),  # depthwise
    ((2, 2, 3, 3), (2, 3, 3), {"strides": [2, 2], "padding": [2, 0, 0, 1], "outputSizes": [6, 6]}),
    ((1, 4, 2, 3), (1, 2, 2), {"groups": 2, "dilations": [3, 2], "padding": [0, 3, 1, 1]}),
]


def _transpose_sizes(shape, kernel, options):
    if "outputSizes" in options:
        return options["outputSizes"]
    pad = options.get("padding", [0] * 4)
    strides = options.get("strides", [1, 1])
    dil = options.get("dilations", [1, 1])
    op = options.get("outputPadding", [0, 0])
    return [(shape[2 + k] - 1) * strides[k] + (kernel[k] - 1) * dil[k] + 1 - pad[2 * k] - pad[2 * k + 1] + op[k]
            for k in range(2)]


@pytest.mark.parametrize("input_layout", ["nchw", "nhwc"])
@pytest.mark.parametrize("filter_layout", ["iohw", "hwoi", "ohwi"])
@pytest.mark.parametrize("case", range(len(TRANSPOSE_CASES)))
def test_conv_transpose2d_matches_scatter_add(context, builder, input_layout, filter_layout, case) -> None:
    shape, (og, kh, kw), options = TRANSPOSE_CASES[case]
    groups = options.get("groups", 1)
    rng = np.random.default_rng(100 + case)
    x = rng.standard_normal(shape).astype(np.float32)
    w = rng.standard_normal((shape[1], og, kh, kw)).astype(np.float32)
    bias = rng.standard_normal(og * groups).astype(np.float32) if case % 2 == 0 else None
    sizes = _transpose_sizes(shape, (kh, kw), options)
    expected = naive_conv_transpose2d(x, w, bias, options.get("padding", [0] * 4),
                                      options.get("strides", [1, 1]), options.get("dilations", [1, 1]),
                                      groups, sizes)
    # "o" and "i" name the filter's own axes: iohw is [input channels, output channels / groups, h, w].
    actual, _ = run(
        context, builder, "conv_transpose2d", to_layout(x, "nchw", input_layout),
        to_layout(w, "iohw", filter_layout),
        {**options, "inputLayout": input_layout, "filterLayout": filter_layout}, bias,
    )
    np.testing.assert_allclose(actual, to_layout(expected, "nchw", input_layout), rtol=1e-5, atol=1e-5)


def test_conv_transpose2d_float16(context, builder) -> None:
    rng = np.random.default_rng(11)
    x = rng.standard_normal((1, 6, 5, 5)).astype(np.float16)
    w = rng.standard_normal((6, 2, 3, 3)).astype(np.float16)
    actual, _ = run(context, builder, "conv_transpose2d", x, w, {"strides": [2, 2], "groups": 2},
                    dtype="float16")
    assert actual.dtype == np.float16 and actual.shape == (1, 4, 11, 11)
    expected = naive_conv_transpose2d(x.astype(np.float64), w.astype(np.float64), None, [0] * 4, [2, 2],
                                      [1, 1], 2, [11, 11])
    np.testing.assert_allclose(actual.astype(np.float64), expected.astype(np.float16), rtol=2e-3, atol=2e-3)


def test_conv_transpose2d_output_sizes_ignore_output_padding(context, builder) -> None:
    x = np.arange(4, dtype=np.float32).reshape(1, 1, 2, 2)
    w = np.ones((1, 1, 2, 2), np.float32)
    # output_padding 5 >= strides would be rejected, but output_sizes makes it ignored.
    actual, graph = run(context, builder, "conv_transpose2d", x, w,
                        {"strides": [2, 2], "outputPadding": [5, 5], "outputSizes": [5, 4]})
    assert actual.shape == (1, 1, 5, 4)
    attrs = graph.ir.operations[0].attrs
    assert attrs["output_sizes"] == (5, 4) and attrs["output_padding"] == (1, 0)
    np.testing.assert_array_equal(
        actual, naive_conv_transpose2d(x, w, None, [0] * 4, [2, 2], [1, 1], 1, [5, 4]))


# --------------------------------------------------------------------------- constant filters


def run_constant(context, name, x, w, options, bias=None, dtype="float32"):
    """Like :func:`run`, with the filter and the bias as graph constants."""
    builder = context.create_graph_builder()
    xi = builder.input("x", {"dataType": dtype, "shape": list(x.shape)})
    if bias is not None:
        options = {**options, "bias": builder.constant({"dataType": dtype, "shape": list(bias.shape)}, bias)}
    wc = builder.constant({"dataType": dtype, "shape": list(w.shape)}, w)
    graph = builder.build({"y": getattr(builder, name)(xi, wc, options)})
    return context.compute(graph, {"x": x})["y"], graph


@pytest.mark.parametrize("dtype", ["float32", "float16"])
@pytest.mark.parametrize("input_layout", ["nchw", "nhwc"])
@pytest.mark.parametrize("filter_layout", ["oihw", "hwio", "ohwi", "ihwo"])
def test_conv2d_constant_filter_layouts(context, dtype, input_layout, filter_layout) -> None:
    rng = np.random.default_rng(21)
    # 32 x 3 x 3 x 3 float32 weights: large enough to be shared with the session, not serialized.
    x = rng.standard_normal((2, 6, 9, 8)).astype(dtype)
    w = rng.standard_normal((32, 3, 3, 3)).astype(dtype)
    bias = rng.standard_normal(32).astype(dtype)
    options = {"groups": 2, "padding": [1, 2, 0, 1], "strides": [2, 1], "dilations": [1, 2]}
    expected = naive_conv2d(x.astype(np.float64), w.astype(np.float64), bias, [1, 2, 0, 1], [2, 1], [1, 2], 2)
    actual, _ = run_constant(
        context, "conv2d", to_layout(x, "nchw", input_layout), to_layout(w, "oihw", filter_layout),
        {**options, "inputLayout": input_layout, "filterLayout": filter_layout}, bias, dtype,
    )
    assert actual.dtype == np.dtype(dtype)
    tolerance = dict(rtol=1e-5, atol=1e-5) if dtype == "float32" else dict(rtol=2e-3, atol=1e-2)
    np.testing.assert_allclose(actual.astype(np.float64), to_layout(expected, "nchw", input_layout), **tolerance)


@pytest.mark.parametrize("dtype", ["float32", "float16"])
@pytest.mark.parametrize("input_layout", ["nchw", "nhwc"])
@pytest.mark.parametrize("filter_layout", ["iohw", "hwoi", "ohwi"])
def test_conv_transpose2d_constant_filter_layouts(context, dtype, input_layout, filter_layout) -> None:
    rng = np.random.default_rng(22)
    x = rng.standard_normal((1, 8, 4, 5)).astype(dtype)
    w = rng.standard_normal((8, 4, 3, 3)).astype(dtype)  # iohw, groups 2: 8 output channels
    bias = rng.standard_normal(8).astype(dtype)
    options = {"groups": 2, "strides": [2, 3], "padding": [1, 0, 2, 1], "dilations": [2, 1],
               "outputSizes": [10, 13]}
    expected = naive_conv_transpose2d(x.astype(np.float64), w.astype(np.float64), bias, [1, 0, 2, 1], [2, 3],
                                      [2, 1], 2, [10, 13])
    actual, _ = run_constant(
        context, "conv_transpose2d", to_layout(x, "nchw", input_layout), to_layout(w, "iohw", filter_layout),
        {**options, "inputLayout": input_layout, "filterLayout": filter_layout}, bias, dtype,
    )
    assert actual.dtype == np.dtype(dtype) and actual.shape == to_layout(expected, "nchw", input_layout).shape
    tolerance = dict(rtol=1e-5, atol=1e-5) if dtype == "float32" else dict(rtol=2e-3, atol=1e-2)
    np.testing.assert_allclose(actual.astype(np.float64), to_layout(expected, "nchw", input_layout), **tolerance)


def test_constant_filter_shared_by_two_convs(context) -> None:
    rng = np.random.default_rng(23)
    x = rng.standard_normal((1, 4, 6, 6)).astype(np.float32)
    w = rng.standard_normal((3, 3, 4, 16)).astype(np.float32)  # hwio
    builder = context.create_graph_builder()
    xi = builder.input("x", [1, 4, 6, 6])
    wc = builder.constant(w)
    a = builder.conv2d(xi, wc, filter_layout="hwio")
    b = builder.conv2d(xi, wc, filter_layout="hwio", padding=[1, 1, 1, 1])
    graph = builder.build({"a": a, "b": b, "w": builder.identity(wc)})
    out = context.compute(graph, {"x": x})
    oihw = w.transpose(3, 2, 0, 1)
    np.testing.assert_allclose(out["a"], naive_conv2d(x, oihw, None, [0] * 4, [1, 1], [1, 1], 1), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(out["b"], naive_conv2d(x, oihw, None, [1] * 4, [1, 1], [1, 1], 1), rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(out["w"], w)


def test_conv_transpose2d_float16_nhwc(context, builder) -> None:
    rng = np.random.default_rng(24)
    x = rng.standard_normal((2, 4, 3, 4)).astype(np.float16)
    w = rng.standard_normal((4, 3, 2, 3)).astype(np.float16)  # iohw, depthwise-like: 4 groups
    bias = rng.standard_normal(12).astype(np.float16)
    options = {"groups": 4, "strides": [2, 2], "outputPadding": [1, 0], "inputLayout": "nhwc",
               "filterLayout": "ohwi"}
    actual, _ = run(context, builder, "conv_transpose2d", to_layout(x, "nchw", "nhwc"),
                    to_layout(w, "iohw", "ohwi"), options, bias, dtype="float16")
    expected = naive_conv_transpose2d(x.astype(np.float64), w.astype(np.float64), bias, [0] * 4, [2, 2], [1, 1],
                                      4, [7, 9])
    assert actual.dtype == np.float16
    np.testing.assert_allclose(actual.astype(np.float64), to_layout(expected, "nchw", "nhwc"), rtol=2e-3, atol=1e-2)


# --------------------------------------------------------------------------- ONNX graphs


def _mobilenet_block(builder, layout):
    """An inverted residual block of MobileNetV2 (expand 1x1, depthwise 3x3, project 1x1)."""
    rng = np.random.default_rng(25)
    filter_layout = {"nchw": "oihw", "nhwc": "ohwi"}[layout]
    depthwise_layout = {"nchw": "oihw", "nhwc": "ihwo"}[layout]
    shape = [1, 16, 14, 14] if layout == "nchw" else [1, 14, 14, 16]
    x = builder.input("x", shape)

    def weights(o, i, k, layout_):
        return builder.constant(to_layout(rng.standard_normal((o, i, k, k)).astype(np.float32), "oihw", layout_))

    def bias(o):
        return builder.constant(rng.standard_normal(o).astype(np.float32))

    common = {"input_layout": layout}
    y = builder.conv2d(x, weights(96, 16, 1, filter_layout), bias=bias(96), filter_layout=filter_layout, **common)
    y = builder.conv2d(y, weights(96, 1, 3, depthwise_layout), bias=bias(96), groups=96, padding=[1, 1, 1, 1],
                       strides=[2, 2], filter_layout=depthwise_layout, **common)
    y = builder.conv2d(y, weights(24, 96, 1, filter_layout), bias=bias(24), filter_layout=filter_layout, **common)
    return builder.build({"y": y})


def test_nchw_oihw_float32_convs_are_plain_conv_nodes() -> None:
    builder = webnn.ML().create_context(backend="reference").create_graph_builder()
    nodes = onnx_nodes(_mobilenet_block(builder, "nchw"))
    assert [n.op_type for n in nodes] == ["Conv"] * 3
    assert all(len(n.input) == 3 for n in nodes)  # the bias is the Conv's third input


def test_constant_filters_in_other_layouts_are_permuted_at_build() -> None:
    builder = webnn.ML().create_context(backend="reference").create_graph_builder()
    graph = _mobilenet_block(builder, "nhwc")
    nodes = onnx_nodes(graph)
    assert [n.op_type for n in nodes].count("Conv") == 3
    # Only the activations are transposed, never the weights; the pairs between the convs
    # cancel: one transpose into NCHW at the input, one back at the output.
    assert [n.op_type for n in nodes].count("Transpose") == 2
    assert not any(n.op_type == "Cast" for n in nodes)
    conv_inputs = {i for n in nodes if n.op_type == "Conv" for i in n.input[1:]}
    assert not conv_inputs & {n.output[0] for n in nodes}


def test_mobilenet_block_nhwc_matches_nchw(context) -> None:
    x = np.random.default_rng(26).standard_normal((1, 16, 14, 14)).astype(np.float32)
    nchw = context.compute(_mobilenet_block(context.create_graph_builder(), "nchw"), {"x": x})["y"]
    nhwc = context.compute(_mobilenet_block(context.create_graph_builder(), "nhwc"),
                           {"x": np.ascontiguousarray(x.transpose(0, 2, 3, 1))})["y"]
    np.testing.assert_allclose(nhwc, nchw.transpose(0, 2, 3, 1), rtol=1e-4, atol=1e-4)


# --------------------------------------------------------------------------- validation


def _operands(builder, in_shape, filter_shape, in_type="float32", filter_type=None):
    x = builder.input("x", {"dataType": in_type, "shape": in_shape})
    w = builder.input("w", {"dataType": filter_type or in_type, "shape": filter_shape})
    return x, w


@pytest.mark.parametrize(
    "in_shape, filter_shape, options, message",
    [
        ([1, 3, 5], [4, 3, 3, 3], {}, r"input rank 3 is not allowed"),
        ([1, 3, 5, 5], [4, 3, 3], {}, r"filter rank 3 is not allowed"),
        ([1, 3, 5, 5], [4, 3, 3, 3], {"bias": ("float32", [4, 1])}, r"bias rank 2 is not allowed"),
        ([1, 3, 5, 5], [4, 3, 3, 3], {"bias": ("float16", [4])}, r"bias data type float16 is not allowed"),
        ([1, 3, 5, 5], [4, 3, 3, 3], {"bias": ("float32", [3])}, r"bias shape \[3\] != \[output channels 4\]"),
        ([1, 3, 5, 5], [4, 4, 3, 3], {}, r"input channels 3 != filter channels 4 \* groups 1"),
        ([1, 4, 5, 5], [4, 2, 3, 3], {"groups": 3}, r"input channels 4 is not divisible by groups 3"),
        ([1, 4, 5, 5], [3, 2, 3, 3], {"groups": 2}, r"output channels 3 is not divisible by groups 2"),
        ([1, 5, 5, 3], [4, 2, 3, 3], {"inputLayout": "nhwc"}, r"input channels 3 != filter channels 2 \* groups 1"),
        ([1, 3, 5, 5], [3, 3, 2, 4], {"filterLayout": "hwio"}, r"input channels 3 != filter channels 2 \* groups 1"),
        ([1, 3, 5, 5], [4, 3, 3, 3], {"padding": [1, 1]}, r"padding must have 4 items, got 2"),
        ([1, 3, 5, 5], [4, 3, 3, 3], {"padding": [0, 0, 0, -1]}, r"padding\[3\] -1 is out of range"),
        ([1, 3, 5, 5], [4, 3, 3, 3], {"padding": "1111"}, r"padding must be a sequence"),
        ([1, 3, 5, 5], [4, 3, 3, 3], {"strides": [1, 0]}, r"strides \[1, 0\] contains 0"),
        ([1, 3, 5, 5], [4, 3, 3, 3], {"strides": [1, 1, 1]}, r"strides must have 2 items"),
        ([1, 3, 5, 5], [4, 3, 3, 3], {"dilations": [0, 1]}, r"dilations \[0, 1\] contains 0"),
        ([1, 3, 5, 5], [4, 3, 3, 3], {"dilations": [2]}, r"dilations must have 2 items"),
        ([1, 3, 5, 5], [4, 3, 3, 3], {"groups": 0}, r"groups must not be 0"),
        ([1, 3, 5, 5], [4, 3, 3, 3], {"groups": 1.5}, r"groups must be an integer"),
        ([1, 3, 5, 5], [4, 3, 3, 3], {"inputLayout": "nhcw"}, r"input_layout must be one of 'nchw', 'nhwc'"),
        ([1, 3, 5, 5], [4, 3, 3, 3], {"filterLayout": "iohw"}, r"filter_layout must be one of 'oihw', 'hwio'"),
        ([1, 3, 5, 5], [4, 3, 6, 3], {}, r"output height 0 is not a valid dimension"),
        ([1, 3, 5, 5], [4, 3, 3, 3], {"dilations": [1, 4]}, r"output width -3 is not a valid dimension"),
        ([1, 3, 5, 5], [4, 3, 3, 3], {"padding": [0, 0, 2**32 - 1, 2**32 - 1]},
         r"output width \d+ is not a valid dimension"),
    ],
)
def test_conv2d_rejects_invalid_calls(spec_builder, in_shape, filter_shape, options, message) -> None:
    x, w = _operands(spec_builder, in_shape, filter_shape)
    if "bias" in options:
        dtype, shape = options["bias"]
        options = {**options, "bias": spec_builder.input("b", {"dataType": dtype, "shape": shape})}
    with pytest.raises(TypeError, match=rf"^conv2d 'stem': {message}"):
        spec_builder.conv2d(x, w, {**options, "label": "stem"})


@pytest.mark.parametrize(
    "in_type, filter_type, message",
    [("int32", "int32", r"input data type int32 is not allowed"),
     ("float32", "float16", r"filter data type float16 is not allowed")],
)
@pytest.mark.parametrize("name", ["conv2d", "conv_transpose2d"])
def test_convs_reject_data_types(spec_builder, name, in_type, filter_type, message) -> None:
    x, w = _operands(spec_builder, [1, 2, 3, 3], [2, 2, 1, 1], in_type, filter_type)
    with pytest.raises(TypeError, match=rf"^{name}: {message}"):
        getattr(spec_builder, name)(x, w)


@pytest.mark.parametrize(
    "in_shape, filter_shape, options, message",
    [
        ([1, 3, 5, 5, 1], [3, 4, 3, 3], {}, r"input rank 5 is not allowed"),
        ([1, 3, 5, 5], [3, 4, 3, 3, 1], {}, r"filter rank 5 is not allowed"),
        ([1, 3, 5, 5], [4, 3, 3, 3], {}, r"input channels 3 != filter input channels 4"),
        ([1, 4, 5, 5], [4, 3, 3, 3], {"groups": 3}, r"input channels 4 is not divisible by groups 3"),
        ([1, 3, 5, 5], [3, 4, 3, 3], {"bias": ("float32", [3])}, r"bias shape \[3\] != \[output channels 4\]"),
        ([1, 4, 5, 5], [4, 3, 3, 3], {"groups": 2, "bias": ("float32", [3])},
         r"bias shape \[3\] != \[output channels 6\]"),
        ([1, 4, 1, 1], [4, 2, 1, 1], {"groups": 2**30}, r"output channels 2 \* groups 1073741824 = 2147483648 is not"),
        ([1, 3, 5, 5], [3, 4, 3, 3], {"outputPadding": [1, 0]},
         r"output_padding \[1, 0\] must be less than strides \[1, 1\]"),
        ([1, 3, 5, 5], [3, 4, 3, 3], {"strides": [2, 2], "outputPadding": [1, 2]},
         r"output_padding \[1, 2\] must be less than strides \[2, 2\]"),
        ([1, 3, 5, 5], [3, 4, 3, 3], {"outputPadding": [0, 0, 0]}, r"output_padding must have 2 items"),
        ([1, 3, 5, 5], [3, 4, 3, 3], {"outputSizes": [7]}, r"output_sizes must have 2 items"),
        ([1, 3, 5, 5], [3, 4, 3, 3], {"outputSizes": [6, 7]}, r"output_sizes height 6 must be in \[7, 8\)"),
        ([1, 3, 5, 5], [3, 4, 3, 3], {"strides": [2, 2], "outputSizes": [11, 13]},
         r"output_sizes width 13 must be in \[11, 13\)"),
        ([1, 3, 5, 5], [3, 4, 3, 3], {"padding": [1, 1]}, r"padding must have 4 items"),
        ([1, 3, 5, 5], [3, 4, 3, 3], {"strides": [0, 1]}, r"strides \[0, 1\] contains 0"),
        ([1, 3, 5, 5], [3, 4, 3, 3], {"dilations": [1, 0]}, r"dilations \[1, 0\] contains 0"),
        ([1, 3, 5, 5], [3, 4, 3, 3], {"groups": 0}, r"groups must not be 0"),
        ([1, 3, 5, 5], [3, 4, 3, 3], {"inputLayout": "chwn"}, r"input_layout must be one of"),
        ([1, 3, 5, 5], [3, 4, 3, 3], {"filterLayout": "oihw"},
         r"filter_layout must be one of 'iohw', 'hwoi', 'ohwi'"),
        ([1, 3, 5, 5], [3, 4, 3, 3], {"padding": [4, 4, 0, 0]}, r"output height -1 is not a valid dimension"),
    ],
)
def test_conv_transpose2d_rejects_invalid_calls(spec_builder, in_shape, filter_shape, options, message) -> None:
    x, w = _operands(spec_builder, in_shape, filter_shape)
    if "bias" in options:
        dtype, shape = options["bias"]
        options = {**options, "bias": spec_builder.input("b", {"dataType": dtype, "shape": shape})}
    with pytest.raises(TypeError, match=rf"^conv_transpose2d 'up': {message}"):
        spec_builder.conv_transpose2d(x, w, {**options, "label": "up"})
