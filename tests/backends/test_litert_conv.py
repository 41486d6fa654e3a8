"""The LiteRT backend's convolutions, pools, gemm / matmul and recurrent ops against the
reference backend, on what the WPT cases leave out: filters that are graph inputs, grouped and
depthwise convolutions with multipliers, transposed convolution sizes, dilations and groups,
pool geometries with padding / "ceil" / dilations, gemm and matmul shapes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import webnn

pytest.importorskip("ai_edge_litert")

#: name -> (shape, data type, is a constant)
Operands = dict[str, tuple[list[int], str, bool]]


@pytest.fixture(scope="module")
def contexts() -> tuple[webnn.MLContext, webnn.MLContext]:
    ml = webnn.ML()
    return ml.create_context(backend="litert", cache=False), ml.create_context(backend="reference")


def _run(context: webnn.MLContext, operands: Operands, values: dict[str, np.ndarray],
         make: Callable[..., Any]) -> list[np.ndarray]:
    b = context.create_graph_builder()
    made = {}
    for name, (shape, data_type, constant) in operands.items():
        if constant:
            made[name] = b.constant({"dataType": data_type, "shape": shape}, values[name])
        else:
            made[name] = b.input(name, shape, data_type)
    result = make(b, **made)
    results = result if isinstance(result, list) else [result]
    graph = b.build({f"y{i}": r for i, r in enumerate(results)})
    feeds = {name: values[name] for name, (_, _, constant) in operands.items() if not constant}
    out = context.compute(graph, feeds)
    return [out[f"y{i}"] for i in range(len(results))]


def check(contexts: tuple[webnn.MLContext, webnn.MLContext], operands: Operands, make: Callable[..., Any],
          seed: int = 0) -> None:
    """The litert backend's results equal the reference backend's (float32: to 1e-5; float16: 2 ULP)."""
    rng = np.random.default_rng(seed)
    values = {name: rng.standard_normal(shape).astype(data_type)
              for name, (shape, data_type, _) in operands.items()}
    litert, reference = contexts
    got, expected = _run(litert, operands, values, make), _run(reference, operands, values, make)
    for g, x in zip(got, expected):
        assert g.shape == x.shape and g.dtype == x.dtype
        if x.dtype == np.float16:
            np.testing.assert_allclose(g.astype(np.float32), x.astype(np.float32), rtol=2e-3, atol=2e-3)
        else:
            np.testing.assert_allclose(g, x, rtol=1e-5, atol=1e-5)


def _operands(x: list[int], w: list[int], data_type: str = "float32", constant_filter: bool = False,
              bias: int = 0) -> Operands:
    operands: Operands = {"x": (x, data_type, False), "w": (w, data_type, constant_filter)}
    if bias:
        operands["bias"] = ([bias], data_type, False)
    return operands


# --------------------------------------------------------------------------- conv2d

CONV2D = [  # (input nchw, filter oihw, options)
    ([1, 4, 7, 7], [6, 2, 3, 3], {"groups": 2}),
    ([2, 6, 8, 6], [6, 2, 3, 2], {"groups": 3, "strides": [2, 1], "padding": [1, 0, 0, 2]}),
    ([1, 3, 9, 9], [6, 1, 3, 3], {"groups": 3, "padding": [1, 1, 1, 1]}),  # depthwise, multiplier 2
    ([1, 4, 9, 9], [4, 1, 3, 3], {"groups": 4, "dilations": [2, 3], "padding": [2, 1, 0, 3]}),
    ([1, 3, 10, 9], [5, 3, 3, 2], {"dilations": [2, 2], "strides": [2, 3], "padding": [1, 2, 3, 0]}),
]


@pytest.mark.parametrize("constant_filter", [False, True])
@pytest.mark.parametrize("x, w, options", CONV2D)
def test_conv2d(contexts, x, w, options, constant_filter) -> None:
    check(contexts, _operands(x, w, constant_filter=constant_filter, bias=w[0]),
          lambda b, x, w, bias: b.conv2d(x, w, {**options, "bias": bias}))


def test_conv2d_nhwc_float16_grouped(contexts) -> None:
    check(contexts, _operands([1, 6, 6, 4], [4, 3, 3, 2], "float16", bias=4),
          lambda b, x, w, bias: b.conv2d(x, w, {"groups": 2, "inputLayout": "nhwc", "filterLayout": "ohwi",
                                                "bias": bias, "padding": [0, 1, 1, 0]}))


# --------------------------------------------------------------------------- conv_transpose2d

CONV_TRANSPOSE2D = [  # (input nchw, filter iohw, options)
    ([1, 2, 4, 5], [2, 3, 3, 3], {"strides": [2, 2], "padding": [1, 1, 1, 1]}),  # SAME's cropping
    ([2, 3, 3, 4], [3, 2, 3, 2], {"strides": [1, 2]}),  # VALID's, no cropping
    # (the whole size, but shifted: cropped at the beginning, padded at the end)
    ([1, 2, 8, 2], [2, 1, 3, 3], {"strides": [3, 2], "dilations": [3, 2], "padding": [2, 0, 0, 0],
                                  "outputPadding": [2, 0]}),
    ([1, 2, 4, 5], [2, 3, 3, 3], {"strides": [2, 3], "padding": [0, 2, 1, 0], "outputPadding": [1, 2]}),
    ([1, 2, 3, 3], [2, 1, 2, 2], {"strides": [3, 3], "outputSizes": [8, 7], "padding": [0, 0, 1, 0]}),
    ([2, 4, 3, 4], [4, 3, 3, 2], {"groups": 2, "strides": [2, 1], "padding": [1, 0, 0, 1]}),
    ([1, 3, 4, 4], [3, 2, 3, 2], {"dilations": [2, 3], "strides": [2, 2], "outputPadding": [1, 0]}),
    ([1, 4, 3, 3], [4, 1, 2, 3], {"groups": 4, "dilations": [2, 1], "padding": [1, 2, 2, 1]}),
    # (rows past the transposed convolution's: the bias only)
    ([1, 1, 2, 2], [1, 2, 1, 1], {"strides": [2, 2], "padding": [3, 0, 1, 0], "outputPadding": [1, 1]}),
]


@pytest.mark.parametrize("constant_filter", [False, True])
@pytest.mark.parametrize("x, w, options", CONV_TRANSPOSE2D)
def test_conv_transpose2d(contexts, x, w, options, constant_filter) -> None:
    channels = w[1] * options.get("groups", 1)
    check(contexts, _operands(x, w, constant_filter=constant_filter, bias=channels),
          lambda b, x, w, bias: b.conv_transpose2d(x, w, {**options, "bias": bias}))


def test_conv_transpose2d_nhwc_float16_without_bias(contexts) -> None:
    check(contexts, _operands([1, 3, 4, 2], [3, 3, 3, 2], "float16"),
          lambda b, x, w: b.conv_transpose2d(x, w, {"strides": [2, 2], "padding": [1, 0, 0, 1],
                                                    "inputLayout": "nhwc", "filterLayout": "ohwi"}))


@pytest.mark.parametrize("padding", [[1, 1, 1, 1], [0, 0, 0, 0]])
@pytest.mark.parametrize("constant_filter", [False, True])
def test_conv_transpose2d_same_or_valid_padding_fuses_a_clamp(contexts, constant_filter, padding) -> None:
    def make(b, x, w, bias):
        return b.clamp(b.conv_transpose2d(x, w, {"strides": [2, 2], "padding": padding, "bias": bias}),
                       {"minValue": 0, "maxValue": 6})

    operands = _operands([1, 2, 4, 5], [2, 3, 3, 3], constant_filter=constant_filter, bias=3)
    check(contexts, operands, make)
    b = contexts[0].create_graph_builder()
    y = make(b, b.input("x", [1, 2, 4, 5], "float32"), b.input("w", [2, 3, 3, 3], "float32"),
             b.input("bias", [3], "float32"))
    ops = _operators(b.build({"y": y})._compiled.model)
    assert "TRANSPOSE_CONV" in ops and not {"RELU6", "MINIMUM", "MAXIMUM", "ADD"} & set(ops), ops


def _operators(model: bytes) -> list[str]:
    from ai_edge_litert import schema_py_generated as schema

    names = {v: k for k, v in vars(schema.BuiltinOperator).items() if not k.startswith("_")}
    parsed = schema.ModelT.InitFromPackedBuf(model, 0)
    codes = [names[c.builtinCode] for c in parsed.operatorCodes]
    return [codes[op.opcodeIndex] for op in parsed.subgraphs[0].operators]


# --------------------------------------------------------------------------- pools

POOLS = [
    {"windowDimensions": [3, 3], "padding": [1, 0, 2, 1], "strides": [2, 2]},
    {"windowDimensions": [3, 2], "strides": [2, 2], "outputShapeRounding": "ceil"},
    {"windowDimensions": [2, 2], "padding": [3, 3, 0, 0]},  # windows entirely in the padding
    {"windowDimensions": [2, 3], "dilations": [2, 2], "padding": [1, 1, 2, 0], "strides": [1, 2]},
    {"windowDimensions": [3, 3], "strides": [2, 2], "padding": [1, 1, 1, 1]},  # SAME (for 7 x 9)
    {"windowDimensions": [2, 2], "strides": [3, 3], "outputSizes": [3, 3], "dilations": [1, 2]},
]


@pytest.mark.parametrize("name", ["average_pool2d", "l2_pool2d", "max_pool2d"])
@pytest.mark.parametrize("options", POOLS)
def test_pools(contexts, name, options) -> None:
    check(contexts, {"x": ([2, 3, 7, 9], "float32", False)}, lambda b, x: getattr(b, name)(x, options))


@pytest.mark.parametrize("data_type", ["int8", "uint8", "int32", "int64"])
@pytest.mark.parametrize("options", POOLS[:4])
def test_max_pool2d_integers(contexts, data_type, options) -> None:
    info = np.iinfo(data_type)
    x = np.random.default_rng(5).integers(info.min, info.max, (1, 2, 7, 9), endpoint=True).astype(data_type)
    results = []
    for context in contexts:
        b = context.create_graph_builder()
        graph = b.build({"y": b.max_pool2d(b.input("x", [1, 2, 7, 9], data_type), options)})
        results.append(context.compute(graph, {"x": x})["y"])
    assert results[0].dtype == data_type
    np.testing.assert_array_equal(results[0], results[1])


@pytest.mark.parametrize("options", POOLS)
def test_max_pool2d_nans_and_infinities(contexts, options) -> None:
    """A window holding a NaN gives NaN (IEEE 754-2019's maximum), one of -inf values -inf."""
    x = np.random.default_rng(6).standard_normal((1, 2, 7, 9)).astype(np.float32)
    x[0, 0, 1:4, 2:5], x[0, 1, 5, 1], x[0, 1, 0, 0] = np.nan, np.nan, np.inf
    x[0, 0, 4:, 5:] = -np.inf
    results = []
    for context in contexts:
        b = context.create_graph_builder()
        graph = b.build({"y": b.max_pool2d(b.input("x", [1, 2, 7, 9], "float32"), options)})
        results.append(context.compute(graph, {"x": x})["y"])
    assert np.isnan(results[1]).any()
    np.testing.assert_array_equal(results[0], results[1])


def test_pools_float16_nhwc(contexts) -> None:
    options = {"windowDimensions": [3, 2], "padding": [1, 2, 0, 1], "layout": "nhwc",
               "outputShapeRounding": "ceil"}
    check(contexts, {"x": ([1, 6, 5, 4], "float16", False)},
          lambda b, x: [b.average_pool2d(x, options), b.l2_pool2d(x, options), b.max_pool2d(x, options)])


# --------------------------------------------------------------------------- gemm, matmul

GEMM = [  # (a, b, c, options)
    ([3, 4], [4, 5], None, {}),
    ([4, 3], [5, 4], [5], {"aTranspose": True, "bTranspose": True, "alpha": 0.5}),
    ([3, 4], [4, 5], [3, 1], {"beta": 2.0}),
    ([3, 4], [5, 4], [3, 5], {"bTranspose": True, "alpha": -1.5, "beta": 0.25}),
    ([3, 4], [4, 5], [], {"beta": 3.0}),
    ([2, 4], [4, 5], [1, 5], {}),
    ([2, 4], [4, 5], [1, 5], {"beta": -2.0}),
    ([2, 4], [4, 5], [5], {"beta": 0.0}),
]


@pytest.mark.parametrize("constants", ["", "b", "bc"])
@pytest.mark.parametrize("a, b_, c, options", GEMM)
def test_gemm(contexts, a, b_, c, options, constants) -> None:
    operands: Operands = {"p": (a, "float32", False), "q": (b_, "float32", "b" in constants)}
    if c is not None:
        operands["r"] = (c, "float32", "c" in constants)
    check(contexts, operands,
          lambda b, p, q, r=None: b.gemm(p, q, {**options, **({"c": r} if r is not None else {})}))


@pytest.mark.parametrize("a, b_", [([2, 3], [3, 4]), ([2, 1, 3, 4], [3, 4, 2]), ([5, 3, 4], [4, 2]),
                                   ([3, 4], [2, 1, 4, 5]), ([2, 3, 5, 4], [4, 3]),
                                   ([2, 1, 2, 1, 2, 2, 3], [1, 2, 1, 2, 1, 3, 2])])  # (rank 7, alternating)
@pytest.mark.parametrize("constant_b", [False, True])
@pytest.mark.parametrize("data_type", ["float32", "float16"])
def test_matmul(contexts, a, b_, data_type, constant_b) -> None:
    check(contexts, {"p": (a, data_type, False), "q": (b_, data_type, constant_b)},
          lambda b, p, q: b.matmul(p, q))


def test_matmul_by_a_constant_with_a_fused_relu(contexts) -> None:
    check(contexts, {"p": ([2, 3, 4], "float32", False), "q": ([4, 5], "float32", True)},
          lambda b, p, q: b.relu(b.matmul(p, q)))


# --------------------------------------------------------------------------- recurrent


def _recurrent_operands(gates: int, steps: int | None, directions: int, constant: bool,
                        data_type: str = "float32", states: int = 1, peephole: bool = False) -> Operands:
    batch, inputs, hidden = 2, 3, 4
    lead = [] if steps is None else [directions]
    operands: Operands = {
        "x": ([batch, inputs] if steps is None else [steps, batch, inputs], data_type, False),
        "w": ([*lead, gates * hidden, inputs], data_type, constant),
        "r": ([*lead, gates * hidden, hidden], data_type, constant),
        "bias": ([*lead, gates * hidden], data_type, constant),
        "rbias": ([*lead, gates * hidden], data_type, False),
    }
    for k in range(states):
        operands[f"s{k}"] = ([*lead, batch, hidden], data_type, False)
    if peephole:
        operands["p"] = ([*lead, 3 * hidden], data_type, constant)
    return operands


@pytest.mark.parametrize("options", [
    {},
    {"direction": "both", "returnSequence": True, "layout": "rzn", "resetAfter": False},
    {"direction": "backward", "returnSequence": True, "activations": ["relu", "tanh"]},
])
@pytest.mark.parametrize("constant", [False, True])
def test_gru(contexts, options, constant) -> None:
    directions = 2 if options.get("direction") == "both" else 1
    check(contexts, _recurrent_operands(3, 3, directions, constant),
          lambda b, x, w, r, bias, rbias, s0: b.gru(x, w, r, 3, 4, {
              **options, "bias": bias, "recurrentBias": rbias, "initialHiddenState": s0}))


@pytest.mark.parametrize("options", [
    {},
    {"direction": "both", "returnSequence": True, "layout": "ifgo"},
    {"direction": "backward", "activations": ["sigmoid", "relu", "tanh"]},
])
@pytest.mark.parametrize("constant", [False, True])
def test_lstm(contexts, options, constant) -> None:
    directions = 2 if options.get("direction") == "both" else 1
    check(contexts, _recurrent_operands(4, 2, directions, constant, states=2, peephole=True),
          lambda b, x, w, r, bias, rbias, s0, s1, p: b.lstm(x, w, r, 2, 4, {
              **options, "bias": bias, "recurrentBias": rbias, "initialHiddenState": s0,
              "initialCellState": s1, "peepholeWeight": p}))


def test_cells_float16(contexts) -> None:
    check(contexts, _recurrent_operands(3, None, 1, False, "float16"),
          lambda b, x, w, r, bias, rbias, s0: b.gru_cell(x, w, r, s0, 4, {
              "bias": bias, "recurrentBias": rbias, "resetAfter": False}))
    check(contexts, _recurrent_operands(4, None, 1, False, "float16", states=2, peephole=True),
          lambda b, x, w, r, bias, rbias, s0, s1, p: b.lstm_cell(x, w, r, s0, s1, 4, {
              "bias": bias, "recurrentBias": rbias, "peepholeWeight": p, "layout": "ifgo"}))


def test_lstm_without_options(contexts) -> None:
    check(contexts, {"x": ([3, 1, 2], "float32", False), "w": ([1, 8, 2], "float32", False),
                     "r": ([1, 8, 2], "float32", False)},
          lambda b, x, w, r: b.lstm(x, w, r, 3, 2, {"returnSequence": True}))
