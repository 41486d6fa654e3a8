"""The fusion analysis (webnn.passes.fusion) and the reference backend's optimized executor.

The executor runs conv groups in one buffer, element-wise chains in place and outputs
straight into dispatch tensors; its results must be bit for bit those of the plain path
(every op by its kernel, ``optimize=False``) and of NumPy formulas written here, op by op
(float16 computing each op in float32 and rounding once, integers wrapping).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import webnn
from webnn.backends.reference.conv import Conv2dPlan, _conv2d_taps
from webnn.backends.reference.executor import CompiledReference
from webnn.passes.fusion import ConvGroup, ElementwiseGroup, analyze, conv_groups, elementwise_groups

CONTEXT = webnn.ML().create_context(backend="reference")


def builder() -> webnn.MLGraphBuilder:
    return CONTEXT.create_graph_builder()


def operation_types(graph, indices) -> list[str]:
    return [graph.operations[i].type for i in indices]


# --------------------------------------------------------------------------- the analysis


def test_conv_bias_add_and_clamp_form_one_group() -> None:
    b = builder()
    x = b.input("x", [1, 2, 5, 5], "float32")
    w = b.constant(np.ones((4, 2, 3, 3), np.float32))
    y = b.clamp(b.add(b.conv2d(x, w), b.constant(np.ones((1, 4, 1, 1), np.float32))), min_value=0.0, max_value=6.0)
    ir = b.build({"y": y}).ir
    (group,) = analyze(ir)
    assert isinstance(group, ConvGroup) and group.kind == "conv"
    assert operation_types(ir, group.operations) == ["conv2d", "add", "clamp"]
    assert group.bias is not None and group.bias in ir.constants
    assert ir.operands[group.bias].shape == (1, 4, 1, 1)
    assert group.output == ir.outputs["y"]


def test_conv_with_its_own_bias_and_relu_in_nhwc() -> None:
    b = builder()
    x = b.input("x", [1, 5, 5, 2], "float32")
    w = b.constant(np.ones((3, 3, 2, 4), np.float32))
    conv = b.conv2d(x, w, input_layout="nhwc", filter_layout="hwio", bias=b.constant(np.ones(4, np.float32)))
    ir = b.build({"y": b.relu(b.add(conv, b.constant(np.ones(4, np.float32))))}).ir
    (group,) = conv_groups(ir)
    assert (group.bias_add, group.activation) == (1, 2)


@pytest.mark.parametrize("case", ["conv output is a graph output", "conv output read twice",
                                  "added value is not a constant", "bias broadcasts the output"])
def test_conv_groups_need_intermediates_and_a_per_channel_constant(case: str) -> None:
    b = builder()
    x = b.input("x", [1, 2, 5, 5], "float32")
    conv = b.conv2d(x, b.constant(np.ones((4, 2, 3, 3), np.float32)))
    if case == "conv output is a graph output":
        outputs = {"y": b.relu(conv), "conv": conv}
    elif case == "conv output read twice":
        outputs = {"y": b.add(b.relu(conv), conv)}
    elif case == "added value is not a constant":
        outputs = {"y": b.relu(b.add(conv, b.input("c", [1, 4, 1, 1], "float32")))}
    else:
        outputs = {"y": b.relu(b.add(conv, b.constant(np.ones((2, 4, 1, 1), np.float32))))}
    assert conv_groups(b.build(outputs).ir) == ()


def test_elementwise_tree_stops_at_values_read_twice_and_at_type_changes() -> None:
    b = builder()
    x, y = b.input("x", [2, 3], "float32"), b.input("y", [2, 3], "float32")
    shared = b.add(x, y)                          # 0: read twice: a group of its own (not listed)
    tree = b.mul(b.relu(shared), b.neg(shared))   # 1 relu, 2 neg, 3 mul
    chain = b.sqrt(b.abs(b.cast(tree, "float16")))  # 4 cast (not element-wise here), 5 abs, 6 sqrt
    ir = b.build({"tree": tree, "chain": chain}).ir
    groups = elementwise_groups(ir)
    assert groups == (
        ElementwiseGroup((1, 2, 3), (ir.operations[0].outputs[0],), ir.outputs["tree"]),
        ElementwiseGroup((5, 6), (ir.operations[4].outputs[0],), ir.outputs["chain"]),
    )
    assert all(g.kind == "elementwise" for g in groups)


def test_an_intermediate_graph_output_splits_a_chain() -> None:
    b = builder()
    x = b.input("x", [4], "float32")
    middle = b.relu(b.add(x, x))
    ir = b.build({"middle": middle, "y": b.neg(b.mul(middle, x))}).ir
    assert [g.operations for g in elementwise_groups(ir)] == [(0, 1), (2, 3)]


def test_analyze_puts_every_operation_in_at_most_one_group() -> None:
    b = builder()
    x = b.input("x", [1, 3, 8, 8], "float32")
    w = b.constant(np.full((3, 1, 3, 3), 0.1, np.float32))
    y = b.relu(b.conv2d(x, w, padding=[1, 1, 1, 1], groups=3))
    z = b.sigmoid(b.mul(b.add(y, x), x))
    ir = b.build({"z": z}).ir
    groups = analyze(ir)
    assert [g.kind for g in groups] == ["conv", "elementwise"]
    members = [i for g in groups for i in g.operations]
    assert sorted(members) == list(range(len(ir.operations))) and len(set(members)) == len(members)


# --------------------------------------------------------------------------- element-wise chains

SPECIAL = [0.0, -0.0, 1.0, -1.0, 0.5, -2.5, 6.0, 7.0, math.inf, -math.inf, math.nan, 1e-40, 3e38, -3e38]
SHAPE = (2, 3, 4)


def ieee_extreme(a: np.ndarray, b: np.ndarray, maximum: bool) -> np.ndarray:
    """IEEE 754-2019 maximum / minimum: NaN wins, -0 < +0."""
    if a.dtype.kind != "f":
        return np.maximum(a, b) if maximum else np.minimum(a, b)
    a, b = np.broadcast_arrays(a, b)
    pick_a = (a > b) if maximum else (a < b)
    zeros = (a == 0) & (b == 0)
    pick_a |= zeros & ((~np.signbit(a)) if maximum else np.signbit(a))
    result = np.where(pick_a, a, b)
    return np.where(np.isnan(a) | np.isnan(b), np.array(np.nan, a.dtype), result)


def clamp_formula(x: np.ndarray, low: float, high: float) -> np.ndarray:
    lo, hi = x.dtype.type(low), x.dtype.type(high)
    return np.where(x < lo, lo, np.where(x > hi, hi, x))


#: op -> (arity, NumPy formula on arrays of the computing dtype, data type kinds)
FORMULAS: dict[str, tuple[int, Callable[..., Any], str]] = {
    "add": (2, np.add, "fi"), "sub": (2, np.subtract, "fi"), "mul": (2, np.multiply, "fi"),
    "div": (2, np.divide, "f"),
    "max": (2, lambda a, b: ieee_extreme(a, b, True), "fi"), "min": (2, lambda a, b: ieee_extreme(a, b, False), "fi"),
    "relu": (1, lambda x: np.where(x < 0, x.dtype.type(0), x), "fi"),
    "clamp": (1, lambda x: clamp_formula(x, 0, 6), "fi"),
    "clamp_neg_zero": (1, lambda x: clamp_formula(x, -1, -0.0), "f"),
    "neg": (1, np.negative, "fi"), "abs": (1, np.abs, "fi"), "sqrt": (1, np.sqrt, "f"),
    "round_trip": (1, lambda x: x, "fi"),  # reshape to 1-D and back: views of the buffer
}


def build_op(b, name: str, args):
    if name == "clamp":
        return b.clamp(args[0], min_value=0, max_value=6)
    if name == "clamp_neg_zero":
        return b.clamp(args[0], min_value=-1.0, max_value=-0.0)
    if name == "round_trip":
        return b.reshape(b.reshape(args[0], [math.prod(SHAPE)]), list(SHAPE))
    return getattr(b, name)(*args)


@st.composite
def programs(draw, data_type: str):
    kind = "f" if data_type.startswith("float") else "i"
    names = sorted(n for n, (_, _, kinds) in FORMULAS.items() if kind in kinds)
    steps = []
    count = 3  # values 0, 1, 2: inputs x and y, constant c (shape [3, 1]: broadcast)
    for _ in range(draw(st.integers(1, 10))):
        name = draw(st.sampled_from(names))
        arity = FORMULAS[name][0]
        # Mostly the latest value (chains), sometimes any earlier one (trees, values read twice);
        # the constant only as a second operand, so that every value has the inputs' shape.
        first = draw(st.one_of(st.just(count - 1), st.integers(0, count - 1)).filter(lambda i: i != 2))
        operands = [first, *(draw(st.integers(0, count - 1)) for _ in range(arity - 1))]
        steps.append((name, operands))
        count += 1
    extra = draw(st.lists(st.integers(3, count - 1), max_size=2, unique=True))
    return steps, sorted({count - 1, *extra})


def draw_array(draw, data_type: str, shape: tuple[int, ...]) -> np.ndarray:
    if data_type == "int32":
        values = st.one_of(st.integers(-5, 5), st.sampled_from([2**31 - 1, -(2**31), 65536]))
    else:
        values = st.one_of(st.sampled_from(SPECIAL), st.floats(-100, 100, width=32))
    drawn = draw(st.lists(values, min_size=math.prod(shape), max_size=math.prod(shape)))
    with np.errstate(over="ignore"):  # 3e38 is inf in float16
        return np.array(drawn, data_type).reshape(shape)


def expected_values(steps, inputs: list[np.ndarray], data_type: str) -> list[np.ndarray]:
    """Each op by its formula: float16 computes in float32 and rounds once per op."""
    values = list(inputs)
    compute = np.float32 if data_type == "float16" else data_type
    with np.errstate(all="ignore"):
        for name, operands in steps:
            args = [values[i].astype(compute) for i in operands]
            result = np.asarray(FORMULAS[name][1](*args))
            values.append(np.broadcast_to(result, SHAPE).astype(data_type))
    return values


def same_bits(actual: np.ndarray, expected: np.ndarray) -> bool:
    if actual.dtype.kind != "f":
        return bool((actual == expected).all())
    nan = np.isnan(expected)
    width = f"u{actual.dtype.itemsize}"
    return bool((np.isnan(actual) == nan).all()
                and (actual[~nan].view(width) == expected[~nan].view(width)).all())


@pytest.mark.parametrize("data_type", ["float32", "float16", "int32"])
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_elementwise_chains_match_numpy_formulas_bit_for_bit(data_type: str, data) -> None:
    steps, outputs = data.draw(programs(data_type))
    x, y = (draw_array(data.draw, data_type, SHAPE) for _ in range(2))
    c = draw_array(data.draw, data_type, (3, 1))
    b = builder()
    values = [b.input("x", list(SHAPE), data_type), b.input("y", list(SHAPE), data_type), b.constant(c)]
    for name, operands in steps:
        values.append(build_op(b, name, [values[i] for i in operands]))
    graph = b.build({f"v{i}": values[i] for i in outputs})
    expected = expected_values(steps, [x, y, c], data_type)
    feeds = {name: value for name, value in (("x", x), ("y", y)) if name in graph.input_names}
    plain = CompiledReference(graph.ir, optimize=False).run(feeds)
    fast = CompiledReference(graph.ir).run(feeds)
    through_context = CONTEXT.compute(graph, feeds)
    for i in outputs:
        name = f"v{i}"
        assert same_bits(plain[name], expected[i]), name
        assert same_bits(fast[name], expected[i]), name
        assert same_bits(through_context[name], expected[i]), name
    assert all(same_bits(feeds[name], value) for name, value in (("x", x), ("y", y)) if name in feeds)


def test_a_buffer_viewed_by_a_live_value_is_not_overwritten() -> None:
    b = builder()
    x = b.input("x", [2, 3], "float32")
    a = b.add(x, x)
    flat = b.reshape(a, [6])            # a view of a's buffer, read after a dies
    r = b.neg(a)                        # a's last use: must not be computed into a's buffer
    y = b.add(b.reshape(flat, [2, 3]), r)
    graph = b.build({"y": y, "flat": flat})
    x_value = np.arange(6, dtype=np.float32).reshape(2, 3)
    result = CompiledReference(graph.ir).run({"x": x_value})
    np.testing.assert_array_equal(result["y"], np.zeros((2, 3), np.float32))
    np.testing.assert_array_equal(result["flat"], (2 * x_value).reshape(6))


def test_dispatch_computes_outputs_into_their_tensors() -> None:
    b = builder()
    x = b.input("x", [1, 2, 6, 6], "float32")
    w = b.constant(np.linspace(-1, 1, 2 * 2 * 3 * 3, dtype=np.float32).reshape(2, 2, 3, 3))
    conv = b.relu(b.conv2d(x, w, padding=[1, 1, 1, 1]))
    chain = b.relu(b.add(b.mul(x, x), x))
    graph = b.build({"conv": conv, "chain": chain, "same": chain})
    x_value = np.random.default_rng(0).standard_normal((1, 2, 6, 6)).astype(np.float32)
    expected = CONTEXT.compute(graph, {"x": x_value})
    assert not np.may_share_memory(expected["chain"], expected["same"])  # each output its own array
    tensors = {name: CONTEXT.create_tensor(desc, readable=True, writable=True)
               for name, desc in graph.output_descriptors.items()}
    source = CONTEXT.create_tensor(graph.input_descriptors["x"], readable=True, writable=True)
    CONTEXT.write_tensor(source, x_value)
    for _ in range(2):
        CONTEXT.dispatch(graph, {"x": source}, tensors)
        for name, tensor in tensors.items():
            np.testing.assert_array_equal(CONTEXT.read_tensor(tensor), expected[name])
    np.testing.assert_array_equal(CONTEXT.read_tensor(source), x_value)


# --------------------------------------------------------------------------- convolutions


def conv_formula(x, w, bias, padding, strides, dilations, groups) -> np.ndarray:
    """conv2d (NCHW, OIHW) in float64, one filter tap at a time."""
    x, w = x.astype(np.float64), w.astype(np.float64)
    xp = np.pad(x, ((0, 0), (0, 0), (padding[0], padding[1]), (padding[2], padding[3])))
    n, c, h, wd = xp.shape
    o, cg, kh, kw = w.shape
    oh = (h - (kh - 1) * dilations[0] - 1) // strides[0] + 1
    ow = (wd - (kw - 1) * dilations[1] - 1) // strides[1] + 1
    y = np.zeros((n, o, oh, ow))
    go = o // groups
    for g in range(groups):
        for i in range(kh):
            for j in range(kw):
                r, q = i * dilations[0], j * dilations[1]
                window = xp[:, g * cg:(g + 1) * cg, r:r + (oh - 1) * strides[0] + 1:strides[0],
                            q:q + (ow - 1) * strides[1] + 1:strides[1]]
                y[:, g * go:(g + 1) * go] += np.einsum("nchw,oc->nohw", window, w[g * go:(g + 1) * go, :, i, j])
    return y + (0 if bias is None else bias.astype(np.float64)[:, None, None])


#: (input shape NCHW, filter shape OIHW, padding, strides, dilations, groups)
CONVS = [
    ((1, 16, 9, 9), (24, 16, 1, 1), (0, 0, 0, 0), (1, 1), (1, 1), 1),    # pointwise
    ((2, 8, 9, 7), (4, 8, 1, 1), (0, 0, 0, 0), (2, 2), (1, 1), 1),      # pointwise, strided
    ((1, 12, 10, 11), (12, 1, 3, 3), (1, 1, 1, 1), (1, 1), (1, 1), 12),  # depthwise, channels first
    ((1, 6, 11, 10), (6, 1, 3, 3), (1, 0, 2, 1), (2, 2), (1, 1), 6),     # depthwise, strided
    ((2, 40, 3, 4), (40, 1, 3, 2), (1, 1, 0, 1), (1, 2), (1, 2), 40),    # depthwise, channels last
    ((1, 3, 12, 12), (8, 3, 3, 3), (1, 1, 1, 1), (2, 2), (1, 1), 1),     # one product per tap
    ((1, 6, 8, 9), (4, 3, 2, 3), (0, 1, 2, 0), (1, 2), (2, 1), 2),       # per tap, grouped, dilated
]
#: (input layout, filter layout): the filter as OIHW transposed to it
LAYOUTS = [("nchw", "oihw"), ("nhwc", "ohwi"), ("nchw", "hwio"), ("nhwc", "ihwo")]


@pytest.mark.parametrize("layouts", LAYOUTS)
@pytest.mark.parametrize("conv", CONVS)
def test_conv_bias_clamp_matches_a_float64_formula(conv, layouts) -> None:
    input_shape, filter_shape, padding, strides, dilations, groups = conv
    input_layout, filter_layout = layouts
    rng = np.random.default_rng(len(input_shape) + sum(filter_shape))
    x = rng.standard_normal(input_shape).astype(np.float32)
    w = rng.standard_normal(filter_shape).astype(np.float32)
    bias = rng.standard_normal(filter_shape[0]).astype(np.float32)
    x_given = x if input_layout == "nchw" else x.transpose(0, 2, 3, 1).copy()
    w_given = w.transpose(["oihw".index(a) for a in filter_layout]).copy()
    b = builder()
    xi = b.input("x", list(x_given.shape), "float32")
    y = b.conv2d(xi, b.constant(w_given), padding=list(padding), strides=list(strides),
                 dilations=list(dilations), groups=groups, input_layout=input_layout, filter_layout=filter_layout)
    channel_shape = [1, -1, 1, 1] if input_layout == "nchw" else [-1]
    y = b.clamp(b.add(y, b.constant(bias.reshape(channel_shape))), min_value=-1.0, max_value=1.5)
    graph = b.build({"y": y})
    expected = np.clip(conv_formula(x, w, bias, padding, strides, dilations, groups), -1.0, 1.5)
    if input_layout == "nhwc":
        expected = expected.transpose(0, 2, 3, 1)
    for compiled in (CompiledReference(graph.ir), CompiledReference(graph.ir, optimize=False)):
        actual = compiled.run({"x": x_given})["y"]
        np.testing.assert_allclose(actual, expected, rtol=1e-5, atol=1e-5)
    # The plan against the tap-by-tap kernel that float16 uses, in float32.
    attrs = graph.ir.operations[0].attrs
    args = (None, attrs["padding"], attrs["strides"], attrs["dilations"], groups, input_layout, filter_layout)
    plan = Conv2dPlan(x_given.shape, w_given.shape, *args[1:])
    np.testing.assert_allclose(plan.run(x_given, plan.prepare(w_given), None), _conv2d_taps(x_given, w_given, *args),
                               rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("conv", [CONVS[0], CONVS[3], CONVS[6]])
def test_conv_with_filter_and_bias_given_at_run_time(conv) -> None:
    input_shape, filter_shape, padding, strides, dilations, groups = conv
    rng = np.random.default_rng(5)
    x, w = rng.standard_normal(input_shape).astype(np.float32), rng.standard_normal(filter_shape).astype(np.float32)
    bias = rng.standard_normal(filter_shape[0]).astype(np.float32)
    b = builder()
    xi, wi, bi = (b.input(name, list(v.shape), "float32") for name, v in (("x", x), ("w", w), ("b", bias)))
    y = b.relu(b.conv2d(xi, wi, padding=list(padding), strides=list(strides), dilations=list(dilations),
                        groups=groups, bias=bi))
    graph = b.build({"y": y})
    expected = np.maximum(conv_formula(x, w, bias, padding, strides, dilations, groups), 0)
    for _ in range(2):
        actual = CONTEXT.compute(graph, {"x": x, "w": w, "b": bias})["y"]
        np.testing.assert_allclose(actual, expected, rtol=1e-5, atol=1e-5)


def test_conv_relu_keeps_zero_signs_and_nan() -> None:
    b = builder()
    x = b.input("x", [1, 2, 4, 4], "float32")
    w = np.zeros((2, 2, 1, 1), np.float32)
    w[1, 0] = -1.0
    graph = b.build({"y": b.relu(b.conv2d(x, b.constant(w)))})
    x_value = np.zeros((1, 2, 4, 4), np.float32)
    x_value[0, 0, 0, 0] = np.nan
    y = CompiledReference(graph.ir).run({"x": x_value})["y"]
    assert np.isnan(y[0, 1, 0, 0]) and np.isnan(y).sum() == 2  # NaN * 0 is NaN in both channels
    assert not np.signbit(y[~np.isnan(y)]).any()  # -0 products sum to +0 (never -0)


@pytest.mark.parametrize("conv", CONVS[2:6])
def test_float16_conv_groups_run_as_before(conv) -> None:
    input_shape, filter_shape, padding, strides, dilations, groups = conv
    rng = np.random.default_rng(7)
    b = builder()
    x = b.input("x", list(input_shape), "float16")
    w = b.constant(rng.standard_normal(filter_shape).astype(np.float16))
    y = b.conv2d(x, w, padding=list(padding), strides=list(strides), dilations=list(dilations), groups=groups)
    y = b.relu(b.add(y, b.constant(rng.standard_normal((1, filter_shape[0], 1, 1)).astype(np.float16))))
    graph = b.build({"y": y})
    feeds = {"x": rng.standard_normal(input_shape).astype(np.float16)}
    fast = CompiledReference(graph.ir).run(feeds)["y"]
    plain = CompiledReference(graph.ir, optimize=False).run(feeds)["y"]
    assert same_bits(fast, plain)


# --------------------------------------------------------------------------- global pooling


@pytest.mark.parametrize("layout", ["nchw", "nhwc"])
@pytest.mark.parametrize("shape", [(1, 3, 40, 36), (2, 16, 7, 7), (1, 4, 1, 9), (1, 5, 9, 1), (1, 2, 300, 1)])
def test_global_average_pool_adds_rows_then_columns_in_order(shape, layout) -> None:
    """The windows-wide sum keeps the order of the windowed loop: bit for bit the same."""
    rng = np.random.default_rng(3)
    x = (rng.standard_normal(shape) * 10.0 ** rng.uniform(-3, 3, shape)).astype(np.float32)
    rows = x[:, :, 0].copy()
    for i in range(1, shape[2]):
        rows += x[:, :, i]
    total = rows[:, :, 0].copy()
    for j in range(1, shape[3]):
        total += rows[:, :, j]
    expected = (total / np.float32(shape[2] * shape[3]))[:, :, None, None]
    given = x if layout == "nchw" else x.transpose(0, 2, 3, 1).copy()
    b = builder()
    xi = b.input("x", list(given.shape), "float32")
    graph = b.build({"y": b.average_pool2d(xi, layout=layout)})
    y = CompiledReference(graph.ir).run({"x": given})["y"]
    assert same_bits(y if layout == "nchw" else y.transpose(0, 3, 1, 2), expected)
