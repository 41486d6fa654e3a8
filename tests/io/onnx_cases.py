"""Small ONNX models, one per converter feature, built with ``onnx.helper``.

Each case is ``(id, nodes, inputs, initializers, opset)``: ``inputs`` maps input names to NumPy
arrays (their dtype and shape become the graph inputs), ``initializers`` maps names to arrays.
Every node output named in ``outputs`` (default: the last node's first output) is a graph output.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from onnx import TensorProto, helper, numpy_helper

rng = np.random.default_rng(7)


def f32(*shape: int, low: float = -2.0, high: float = 2.0) -> np.ndarray:
    return rng.uniform(low, high, shape).astype(np.float32)


def i64(*values: int) -> np.ndarray:
    return np.array(values, np.int64)


@dataclass
class Case:
    id: str
    nodes: list
    inputs: dict[str, np.ndarray]
    initializers: dict[str, np.ndarray] = field(default_factory=dict)
    opset: int = 17
    outputs: list[str] | None = None
    input_shapes: dict[str, list] | None = None  # declared shapes (None entries are free)
    reference: Case | None = None  # an equivalent model ONNX Runtime runs, where it lacks the feature
    #: uint8 x int8 products: ONNX Runtime's x86 kernels without VNNI add them in pairs into
    #: saturating 16-bit sums (wrong results on AVX2-only CPUs), so ONNX's reference evaluator
    #: gives the expected values
    u8s8: bool = False

    def model(self):  # type: ignore[no-untyped-def]
        def info(name: str, array: np.ndarray, shape=None):  # type: ignore[no-untyped-def]
            elem = helper.np_dtype_to_tensor_dtype(array.dtype)
            return helper.make_tensor_value_info(name, elem, list(array.shape) if shape is None else shape)

        declared = self.input_shapes or {}
        inputs = [info(n, a, declared.get(n)) for n, a in self.inputs.items()]
        outputs = self.outputs or [self.nodes[-1].output[0]]
        graph = helper.make_graph(
            self.nodes, self.id, inputs,
            [helper.make_empty_tensor_value_info(name) for name in outputs],
            [numpy_helper.from_array(a, n) for n, a in self.initializers.items()],
        )
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", self.opset)])
        model.ir_version = 8
        return model


N = helper.make_node


def unary(op: str, x: np.ndarray, opset: int = 17, **attrs) -> Case:  # type: ignore[no-untyped-def]
    suffix = "".join(f"-{k}={v}" for k, v in attrs.items()) + (f"-opset{opset}" if opset != 17 else "")
    return Case(f"{op}{suffix}",
                [N(op, ["x"], ["y"], **attrs)], {"x": x}, opset=opset)


def lstm_case(direction: str, layout: int, with_states: bool, outputs: list[str]) -> Case:
    dirs, hidden, inp, steps, batch = (2 if direction == "bidirectional" else 1), 4, 3, 5, 2
    x = f32(batch, steps, inp) if layout else f32(steps, batch, inp)
    inits = {"W": f32(dirs, 4 * hidden, inp, low=-0.5, high=0.5), "R": f32(dirs, 4 * hidden, hidden, low=-0.5, high=0.5),
             "B": f32(dirs, 8 * hidden, low=-0.3, high=0.3)}
    names = ["x", "W", "R", "B"]
    if with_states:
        state = [batch, dirs, hidden] if layout else [dirs, batch, hidden]
        inits["h0"], inits["c0"] = f32(*state, low=-0.5, high=0.5), f32(*state, low=-0.5, high=0.5)
        names += ["", "h0", "c0"]
    node = N("LSTM", names, ["Y", "Y_h", "Y_c"], hidden_size=hidden, direction=direction, layout=layout)
    case = Case(f"LSTM-{direction}-layout{layout}-states{int(with_states)}-{'+'.join(outputs)}", [node], {"x": x},
                inits, opset=14, outputs=outputs)
    if layout:
        case.reference = batch_major_reference(case)
    return case


def batch_major_reference(case: Case) -> Case:
    """``case`` (an LSTM / GRU with layout = 1, which ONNX Runtime lacks) as layout 0 between transposes."""
    (node,) = case.nodes
    nodes = [N("Transpose", ["x"], ["x_t"], perm=[1, 0, 2])]
    inputs = ["x_t" if n == "x" else n for n in node.input]
    for i, name in enumerate(node.input):
        if i >= 5 and name:
            nodes.append(N("Transpose", [name], [name + "_t"], perm=[1, 0, 2]))
            inputs[i] = name + "_t"
    attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute if a.name != "layout"}
    attrs = {k: v.decode() if isinstance(v, bytes) else v for k, v in attrs.items()}
    nodes.append(N(node.op_type, inputs, [o + "_t" for o in node.output], **attrs))
    for i, name in enumerate(node.output):
        nodes.append(N("Transpose", [name + "_t"], [name], perm=[2, 0, 1, 3] if i == 0 else [1, 0, 2]))
    return Case(case.id + "-reference", nodes, case.inputs, case.initializers, case.opset, case.outputs)


def lstm_peephole_case() -> Case:
    """Input- and forget-gate peepholes (the output gate's is zero: see the LSTM converter) and
    sequence_lens that cover the whole sequence."""
    hidden, inp, steps, batch = 3, 2, 4, 2
    p = f32(1, 3 * hidden, low=-0.5, high=0.5)
    p[:, hidden:2 * hidden] = 0
    inits = {"W": f32(1, 4 * hidden, inp, low=-0.5, high=0.5), "R": f32(1, 4 * hidden, hidden, low=-0.5, high=0.5),
             "L": np.full(batch, steps, np.int32), "P": p}
    node = N("LSTM", ["x", "W", "R", "", "L", "", "", "P"], ["Y", "Y_h", "Y_c"], hidden_size=hidden)
    return Case("LSTM-peephole-sequence_lens", [node], {"x": f32(steps, batch, inp)}, inits, opset=14,
                outputs=["Y", "Y_c"])


def gru_case(direction: str, linear_before_reset: int, layout: int) -> Case:
    dirs, hidden, inp, steps, batch = (2 if direction == "bidirectional" else 1), 4, 3, 5, 2
    x = f32(batch, steps, inp) if layout else f32(steps, batch, inp)
    state = [batch, dirs, hidden] if layout else [dirs, batch, hidden]
    inits = {"W": f32(dirs, 3 * hidden, inp, low=-0.5, high=0.5), "R": f32(dirs, 3 * hidden, hidden, low=-0.5, high=0.5),
             "B": f32(dirs, 6 * hidden, low=-0.3, high=0.3), "h0": f32(*state, low=-0.5, high=0.5)}
    node = N("GRU", ["x", "W", "R", "B", "", "h0"], ["Y", "Y_h"], hidden_size=hidden, direction=direction,
             linear_before_reset=linear_before_reset, layout=layout)
    case = Case(f"GRU-{direction}-lbr{linear_before_reset}-layout{layout}", [node], {"x": x}, inits, opset=14,
                outputs=["Y", "Y_h"])
    if layout:
        case.reference = batch_major_reference(case)
    return case


def rnn_case(direction: str, layout: int) -> Case:
    dirs, hidden, inp, steps, batch = (2 if direction == "bidirectional" else 1), 4, 3, 5, 2
    x = f32(batch, steps, inp) if layout else f32(steps, batch, inp)
    state = [batch, dirs, hidden] if layout else [dirs, batch, hidden]
    inits = {"W": f32(dirs, hidden, inp, low=-0.5, high=0.5), "R": f32(dirs, hidden, hidden, low=-0.5, high=0.5),
             "B": f32(dirs, 2 * hidden, low=-0.3, high=0.3), "h0": f32(*state, low=-0.5, high=0.5)}
    node = N("RNN", ["x", "W", "R", "B", "", "h0"], ["Y", "Y_h"], hidden_size=hidden, direction=direction, layout=layout)
    case = Case(f"RNN-{direction}-layout{layout}", [node], {"x": x}, inits, opset=14, outputs=["Y", "Y_h"])
    if layout:
        case.reference = batch_major_reference(case)
    return case


def resize_case(name: str, shape: tuple, opset: int = 19, scales=None, sizes=None, **attrs) -> Case:  # type: ignore[no-untyped-def]
    inits = {"roi": np.zeros(0, np.float32)}
    names = ["x", "roi"]
    if scales is not None:
        inits["scales"] = np.array(scales, np.float32)
        names.append("scales")
    else:
        inits["sizes"] = np.array(sizes, np.int64)
        names += ["", "sizes"]
    return Case(f"Resize-{name}", [N("Resize", names, ["y"], **attrs)], {"x": f32(*shape)}, inits, opset=opset)


def shape_subgraph() -> Case:
    """Flatten all but the batch dimension through Shape -> Gather -> Unsqueeze -> Concat -> Reshape."""
    nodes = [
        N("Shape", ["x"], ["s"]),
        N("Gather", ["s", "zero"], ["batch"], axis=0),
        N("Unsqueeze", ["batch", "axes0"], ["batch1"]),
        N("Concat", ["batch1", "minus1"], ["target"], axis=0),
        N("Reshape", ["x", "target"], ["flat"]),
        N("Shape", ["flat"], ["fs"], start=-1),
        N("Cast", ["fs"], ["fsf"], to=TensorProto.FLOAT),
        N("Div", ["flat", "fsf"], ["y"]),
    ]
    return Case("shape-subgraph", nodes, {"x": f32(2, 3, 4, 5)},
                {"zero": np.array(0, np.int64), "axes0": i64(0), "minus1": i64(-1)},
                input_shapes={"x": ["batch", 3, 4, 5]})


def range_mask() -> Case:
    """An attention-style mask: Range over a Shape-derived length, compared and used by Where."""
    nodes = [
        N("Shape", ["x"], ["s"], start=1, end=2),
        N("Squeeze", ["s", "axes0"], ["n"]),
        N("Range", ["zero", "n", "one"], ["r"]),
        N("Unsqueeze", ["r", "axes0"], ["row"]),
        N("Unsqueeze", ["r", "axes1"], ["col"]),
        N("GreaterOrEqual", ["col", "row"], ["lower"]),
        N("ConstantOfShape", ["s2"], ["fill"], value=numpy_helper.from_array(np.array([-1e4], np.float32))),
        N("Concat", ["s", "s"], ["s2"], axis=0),
        N("Where", ["lower", "x", "fill"], ["y"]),
    ]
    return Case("range-mask", nodes, {"x": f32(6, 6)},
                {"zero": np.array(0, np.int64), "one": np.array(1, np.int64), "axes0": i64(0), "axes1": i64(1)})


def if_case(condition: bool) -> Case:
    then = helper.make_graph([N("Relu", ["x"], ["t"])], "then", [],
                             [helper.make_tensor_value_info("t", TensorProto.FLOAT, None)])
    other = helper.make_graph([N("Neg", ["x"], ["e"])], "else", [],
                              [helper.make_tensor_value_info("e", TensorProto.FLOAT, None)])
    nodes = [
        N("Shape", ["x"], ["s"]),
        N("ReduceProd", ["s"], ["n"], keepdims=0),
        N("Greater", ["n", "limit"], ["big"]),
        N("If", ["big"], ["y"], then_branch=then, else_branch=other),
    ]
    return Case(f"If-{condition}", nodes, {"x": f32(2, 3)}, {"limit": np.array(5 if condition else 50, np.int64)})


def if_runtime_case(sign: float) -> Case:
    """An If on a condition computed from the data: both branches run, where() picks."""
    then = helper.make_graph([N("Relu", ["x"], ["t"]), N("Mul", ["t", "two"], ["t2"])], "then", [],
                             [helper.make_tensor_value_info("t2", TensorProto.FLOAT, None)],
                             [numpy_helper.from_array(np.array(2, np.float32), "two")])
    other = helper.make_graph([N("Neg", ["x"], ["e"])], "else", [],
                              [helper.make_tensor_value_info("e", TensorProto.FLOAT, None)])
    nodes = [
        N("ReduceSum", ["x"], ["total"], keepdims=0),
        N("Greater", ["total", "zero"], ["positive"]),
        N("If", ["positive"], ["y"], then_branch=then, else_branch=other),
    ]
    x = (sign * np.abs(f32(2, 3)) + np.float32(0.1 * sign)).astype(np.float32)
    return Case(f"If-runtime-condition-{'then' if sign > 0 else 'else'}", nodes, {"x": x}, {"zero": np.array(0, np.float32)})


CASES: list[Case] = [
    # element-wise
    *[Case(op, [N(op, ["a", "b"], ["y"])], {"a": f32(2, 3, 4), "b": f32(3, 1, low=0.5, high=2)})
      for op in ("Add", "Sub", "Mul", "Div", "Max", "Min")],
    Case("Div-int-truncates", [N("Div", ["a", "b"], ["y"])], {"a": np.array([7, -7, 7, -7, 0], np.int32)},
         {"b": np.array([2, 2, -2, -2, 3], np.int32)}),
    Case("Pow-int-exponent", [N("Pow", ["a", "b"], ["y"])], {"a": f32(2, 3, low=0.5, high=2)}, {"b": np.array(3, np.int64)}),
    Case("Sum-3", [N("Sum", ["a", "b", "c"], ["y"])], {"a": f32(2, 3), "b": f32(2, 3), "c": f32(3)}),
    Case("Mean-2", [N("Mean", ["a", "b"], ["y"])], {"a": f32(2, 3), "b": f32(2, 3)}),
    *[Case(op, [N(op, ["a", "b"], ["c"]), N("Cast", ["c"], ["y"], to=TensorProto.FLOAT)],
           {"a": np.array([1, 2, 3, 4], np.float32), "b": np.array([2, 2, 2, 2], np.float32)})
      for op in ("Equal", "Greater", "Less", "GreaterOrEqual", "LessOrEqual")],
    Case("And-Or-Xor-Not", [N("Greater", ["a", "zero"], ["p"]), N("Less", ["b", "zero"], ["q"]),
                            N("And", ["p", "q"], ["r1"]), N("Or", ["p", "q"], ["r2"]), N("Xor", ["r1", "r2"], ["r3"]),
                            N("Not", ["r3"], ["r4"]), N("Where", ["r4", "a", "b"], ["y"])],
         {"a": f32(3, 4), "b": f32(3, 4)}, {"zero": np.array(0, np.float32)}),
    *[unary(op, f32(2, 3, low=0.1, high=1.5)) for op in
      ("Abs", "Neg", "Ceil", "Floor", "Sqrt", "Reciprocal", "Exp", "Log", "Sin", "Cos", "Tan", "Erf", "Sign",
       "Relu", "Sigmoid", "Tanh", "Softplus", "Softsign", "HardSwish", "Identity")],
    unary("Round", np.array([0.5, 1.5, 2.5, -0.5, -1.5, 2.4, 2.6], np.float32)),
    Case("Neg-Abs-negative", [N("Neg", ["x"], ["n"]), N("Abs", ["x"], ["a"]), N("Add", ["n", "a"], ["y"])], {"x": f32(2, 3)}),
    unary("LeakyRelu", f32(2, 5), alpha=0.2), unary("Elu", f32(2, 5), alpha=0.7), unary("Selu", f32(2, 5)),
    unary("Celu", f32(2, 5), alpha=1.3), unary("HardSigmoid", f32(2, 5), alpha=0.3, beta=0.4),
    unary("ThresholdedRelu", f32(2, 5), alpha=0.5), unary("Shrink", f32(3, 5), bias=0.3, lambd=0.6), unary("Mish", f32(2, 5), opset=18),
    unary("Gelu", f32(2, 5), opset=20), unary("Gelu", f32(2, 5), opset=20, approximate="tanh"),
    unary("Softmax", f32(2, 3, 4), opset=11, axis=1), unary("Softmax", f32(2, 3, 4), opset=13, axis=1),
    unary("LogSoftmax", f32(2, 3, 4), opset=13), unary("LogSoftmax", f32(2, 3, 4), opset=11),
    unary("Clip", f32(2, 5), opset=7, min=-0.5, max=0.5),
    Case("Clip-inputs", [N("Clip", ["x", "lo", "hi"], ["y"])], {"x": f32(2, 5)},
         {"lo": np.array(-0.5, np.float32), "hi": np.array(1.0, np.float32)}),
    Case("Clip-min-only", [N("Clip", ["x", "lo"], ["y"])], {"x": f32(2, 5)}, {"lo": np.array(0, np.float32)}),
    Case("PRelu", [N("PRelu", ["x", "s"], ["y"])], {"x": f32(1, 3, 2, 2)}, {"s": f32(3, 1, 1, low=0, high=0.5)}),
    Case("IsInf-IsNaN", [N("IsInf", ["x"], ["a"], detect_negative=0), N("IsNaN", ["x"], ["b"]), N("Or", ["a", "b"], ["c"]),
                         N("Cast", ["c"], ["y"], to=TensorProto.INT32)],
         {"x": np.array([1, np.inf, -np.inf, np.nan, 0], np.float32)}),
    Case("Cast-to-bool-and-back", [N("Cast", ["x"], ["b"], to=TensorProto.BOOL), N("Cast", ["b"], ["y"], to=TensorProto.INT64)],
         {"x": np.array([0, 1.5, -2, 0, 3], np.float32)}),
    Case("CastLike", [N("CastLike", ["x", "like"], ["y"])], {"x": np.array([1.7, -2.2, 3.9], np.float32)},
         {"like": np.array([0], np.int32)}),
    Case("Clip-int32", [N("Clip", ["x", "lo", "hi"], ["y"])], {"x": np.array([-5, 0, 3, 9], np.int32)},
         {"lo": np.array(-2, np.int32), "hi": np.array(4, np.int32)}),
    # convolution and pooling
    Case("Conv-bias-pads-strides", [N("Conv", ["x", "w", "b"], ["y"], pads=[1, 0, 2, 1], strides=[2, 1])],
         {"x": f32(1, 3, 9, 8)}, {"w": f32(4, 3, 3, 3), "b": f32(4)}),
    Case("Conv-SAME_UPPER", [N("Conv", ["x", "w"], ["y"], auto_pad="SAME_UPPER", strides=[2, 2])],
         {"x": f32(1, 2, 9, 10)}, {"w": f32(3, 2, 3, 2)}),
    Case("Conv-dilated-VALID", [N("Conv", ["x", "w"], ["y"], auto_pad="VALID", dilations=[2, 3])],
         {"x": f32(1, 2, 9, 10)}, {"w": f32(3, 2, 3, 2)}),
    Case("Conv-SAME_LOWER", [N("Conv", ["x", "w"], ["y"], auto_pad="SAME_LOWER", strides=[2, 2])],
         {"x": f32(1, 2, 8, 7)}, {"w": f32(3, 2, 4, 4)}),
    Case("Conv-depthwise", [N("Conv", ["x", "w"], ["y"], group=4, pads=[1, 1, 1, 1])], {"x": f32(2, 4, 6, 6)}, {"w": f32(4, 1, 3, 3)}),
    Case("Conv-1d", [N("Conv", ["x", "w", "b"], ["y"], pads=[1, 2], strides=[2], dilations=[2])],
         {"x": f32(2, 3, 11)}, {"w": f32(5, 3, 3), "b": f32(5)}),
    Case("ConvTranspose", [N("ConvTranspose", ["x", "w", "b"], ["y"], strides=[2, 2], pads=[1, 0, 1, 1], output_padding=[1, 0])],
         {"x": f32(1, 3, 4, 5)}, {"w": f32(3, 2, 3, 3), "b": f32(2)}),
    Case("ConvTranspose-output_shape", [N("ConvTranspose", ["x", "w"], ["y"], strides=[2, 2], output_shape=[9, 10])],
         {"x": f32(1, 2, 4, 5)}, {"w": f32(2, 3, 3, 3)}),
    Case("ConvTranspose-SAME_UPPER-groups", [N("ConvTranspose", ["x", "w"], ["y"], strides=[2, 2], auto_pad="SAME_UPPER", group=2)],
         {"x": f32(1, 4, 3, 3)}, {"w": f32(4, 1, 3, 3)}),
    Case("ConvTranspose-1d", [N("ConvTranspose", ["x", "w"], ["y"], strides=[3])], {"x": f32(1, 2, 5)}, {"w": f32(2, 3, 4)}),
    Case("MaxPool-ceil", [N("MaxPool", ["x"], ["y"], kernel_shape=[3, 3], strides=[2, 2], ceil_mode=1)], {"x": f32(1, 2, 8, 9)}),
    Case("MaxPool-ceil-last-window-in-pad", [N("MaxPool", ["x"], ["y"], kernel_shape=[2, 2], strides=[2, 2], pads=[1, 1, 1, 1], ceil_mode=1)],
         {"x": f32(1, 1, 4, 4)}),
    Case("MaxPool-SAME_UPPER", [N("MaxPool", ["x"], ["y"], kernel_shape=[3, 2], auto_pad="SAME_UPPER", strides=[2, 2])],
         {"x": f32(1, 2, 7, 6)}, opset=12),
    Case("MaxPool-dilated", [N("MaxPool", ["x"], ["y"], kernel_shape=[3, 2], pads=[1, 0, 2, 1], dilations=[2, 1])],
         {"x": f32(1, 2, 7, 6)}, opset=12),
    Case("MaxPool-1d", [N("MaxPool", ["x"], ["y"], kernel_shape=[3], strides=[2], pads=[1, 1])], {"x": f32(2, 3, 10)}),
    Case("AveragePool-exclude-pad", [N("AveragePool", ["x"], ["y"], kernel_shape=[3, 3], pads=[1, 1, 1, 1])], {"x": f32(1, 2, 5, 5)}),
    Case("AveragePool-include-pad", [N("AveragePool", ["x"], ["y"], kernel_shape=[3, 3], pads=[1, 1, 1, 1], count_include_pad=1)],
         {"x": f32(1, 2, 5, 5)}),
    Case("AveragePool-ceil", [N("AveragePool", ["x"], ["y"], kernel_shape=[3, 2], strides=[3, 2], ceil_mode=1)], {"x": f32(1, 2, 8, 7)}),
    Case("AveragePool-1d-include-pad", [N("AveragePool", ["x"], ["y"], kernel_shape=[3], pads=[2, 1], count_include_pad=1)],
         {"x": f32(1, 2, 6)}),
    Case("LpPool", [N("LpPool", ["x"], ["y"], kernel_shape=[2, 2], strides=[2, 2], p=2)], {"x": f32(1, 2, 4, 6)}),
    *[Case(op, [N(op, ["x"], ["y"])], {"x": f32(2, 3, 4, 5)}) for op in ("GlobalAveragePool", "GlobalMaxPool", "GlobalLpPool")],
    Case("GlobalAveragePool-1d", [N("GlobalAveragePool", ["x"], ["y"])], {"x": f32(2, 3, 7)}),
    # normalization
    Case("BatchNormalization", [N("BatchNormalization", ["x", "s", "b", "m", "v"], ["y"], epsilon=1e-3)],
         {"x": f32(2, 3, 4, 4)}, {"s": f32(3), "b": f32(3), "m": f32(3), "v": f32(3, low=0.5, high=2)}),
    Case("BatchNormalization-2d", [N("BatchNormalization", ["x", "s", "b", "m", "v"], ["y"])],
         {"x": f32(4, 3)}, {"s": f32(3), "b": f32(3), "m": f32(3), "v": f32(3, low=0.5, high=2)}),
    Case("InstanceNormalization", [N("InstanceNormalization", ["x", "s", "b"], ["y"])], {"x": f32(2, 3, 4, 5)},
         {"s": f32(3), "b": f32(3)}),
    Case("InstanceNormalization-1d", [N("InstanceNormalization", ["x", "s", "b"], ["y"])], {"x": f32(2, 3, 7)},
         {"s": f32(3), "b": f32(3)}),
    Case("LayerNormalization", [N("LayerNormalization", ["x", "s", "b"], ["y"], axis=-2, epsilon=1e-3)], {"x": f32(2, 3, 4, 5)},
         {"s": f32(4, 5), "b": f32(4, 5)}),
    Case("LayerNormalization-broadcast-scale", [N("LayerNormalization", ["x", "s"], ["y"], axis=1)], {"x": f32(2, 3, 4)},
         {"s": f32(4)}),
    Case("GroupNormalization", [N("GroupNormalization", ["x", "s", "b"], ["y"], num_groups=2)], {"x": f32(2, 4, 3, 3)},
         {"s": f32(4), "b": f32(4)}, opset=21),
    Case("LpNormalization", [N("LpNormalization", ["x"], ["y"], axis=1, p=2)], {"x": f32(3, 4)}),
    Case("LpNormalization-p1", [N("LpNormalization", ["x"], ["y"], axis=-1, p=1)], {"x": f32(3, 4)}),
    Case("MeanVarianceNormalization", [N("MeanVarianceNormalization", ["x"], ["y"])], {"x": f32(2, 3, 4, 5)}),
    Case("LRN", [N("LRN", ["x"], ["y"], size=3, alpha=1e-3, beta=0.75, bias=2.0)], {"x": f32(2, 5, 3, 3)}),
    # matrix products
    Case("MatMul-batched", [N("MatMul", ["a", "b"], ["y"])], {"a": f32(2, 1, 3, 4)}, {"b": f32(3, 4, 5)}),
    Case("MatMul-1d-left", [N("MatMul", ["a", "b"], ["y"])], {"a": f32(4)}, {"b": f32(2, 4, 3)}),
    Case("MatMul-1d-right", [N("MatMul", ["a", "b"], ["y"])], {"a": f32(2, 3, 4)}, {"b": f32(4)}),
    Case("MatMul-1d-both", [N("MatMul", ["a", "b"], ["y"])], {"a": f32(4)}, {"b": f32(4)}),
    Case("Gemm", [N("Gemm", ["a", "b", "c"], ["y"], alpha=0.5, beta=2.0, transA=1, transB=1)],
         {"a": f32(4, 3)}, {"b": f32(5, 4), "c": f32(5)}),
    Case("Gemm-C-column", [N("Gemm", ["a", "b", "c"], ["y"], beta=0.5)], {"a": f32(3, 2)}, {"b": f32(2, 4), "c": f32(3, 1)}),
    *[Case(f"Einsum-{eq.replace(',', '_').replace('->', '_to_').replace('...', 'E')}", [N("Einsum", list(ins), ["y"], equation=eq)],
           {n: f32(*shape) for n, shape in zip(ins, shapes)})
      for eq, ins, shapes in (
          ("bhqd,bhkd->bhqk", "ab", [(2, 3, 4, 5), (2, 3, 6, 5)]),
          ("ij,jk", "ab", [(3, 4), (4, 5)]),
          ("i,j->ij", "ab", [(3,), (4,)]),
          ("...ij,...jk->...ik", "ab", [(2, 1, 3, 4), (2, 5, 4, 2)]),
          ("ij->ji", "a", [(3, 4)]),
          ("ijk->j", "a", [(2, 3, 4)]),
          ("bi,bij,bj->b", "abc", [(2, 3), (2, 3, 4), (2, 4)]),
          ("abc,cd->abd", "ab", [(2, 3, 4), (4, 5)]),
          ("ij,ij->i", "ab", [(3, 4), (3, 4)]),
          ("nchw,oc->nohw", "ab", [(1, 3, 2, 2), (5, 3)]),
      )],
    Case("Gemm-no-C", [N("Gemm", ["a", "b"], ["y"])], {"a": f32(2, 3)}, {"b": f32(3, 4)}),
    # shape
    Case("Reshape-zero-and-minus-one", [N("Reshape", ["x", "s"], ["y"])], {"x": f32(2, 3, 4)}, {"s": i64(0, -1, 2)}),
    Case("Flatten", [N("Flatten", ["x"], ["y"], axis=2)], {"x": f32(2, 3, 4, 5)}),
    Case("Squeeze-Unsqueeze-11", [N("Unsqueeze", ["x"], ["u"], axes=[0, -1]), N("Squeeze", ["u"], ["y"], axes=[0])],
         {"x": f32(2, 3)}, opset=11),
    Case("Squeeze-all", [N("Squeeze", ["x"], ["y"])], {"x": f32(1, 3, 1, 2)}),
    Case("Transpose", [N("Transpose", ["x"], ["y"], perm=[2, 0, 1])], {"x": f32(2, 3, 4)}),
    Case("Transpose-default", [N("Transpose", ["x"], ["y"])], {"x": f32(2, 3, 4)}),
    Case("Concat", [N("Concat", ["a", "b", "c"], ["y"], axis=-1)], {"a": f32(2, 3), "b": f32(2, 1)}, {"c": f32(2, 2)}),
    Case("Split-sizes", [N("Split", ["x", "s"], ["p", "q"], axis=1), N("Mul", ["p", "p"], ["y"])], {"x": f32(2, 5)},
         {"s": i64(2, 3)}, outputs=["y", "q"]),
    Case("Split-equal-11", [N("Split", ["x"], ["p", "q", "r"], axis=0)], {"x": f32(6, 2)}, opset=11, outputs=["p", "q", "r"]),
    Case("Split-num_outputs", [N("Split", ["x"], ["p", "q", "r"], axis=1, num_outputs=3)], {"x": f32(2, 7)}, opset=18,
         outputs=["p", "q", "r"]),
    Case("Slice", [N("Slice", ["x", "st", "en", "ax", "sp"], ["y"])], {"x": f32(5, 6, 7)},
         {"st": i64(1, -1), "en": i64(100, -8), "ax": i64(0, 2), "sp": i64(2, -2)}),
    Case("Slice-reverse-all", [N("Slice", ["x", "st", "en", "ax", "sp"], ["y"])], {"x": f32(3, 4)},
         {"st": i64(-1), "en": i64(-(2**63)), "ax": i64(1), "sp": i64(-1)}),
    Case("Slice-9", [N("Slice", ["x"], ["y"], starts=[1, 0], ends=[-1, 2], axes=[1, 0])], {"x": f32(4, 5)}, opset=9),
    Case("Expand-bidirectional", [N("Expand", ["x", "s"], ["y"])], {"x": f32(3, 1)}, {"s": i64(2, 1, 4)}),
    Case("Tile", [N("Tile", ["x", "r"], ["y"])], {"x": f32(2, 3)}, {"r": i64(2, 3)}),
    Case("Pad-constant", [N("Pad", ["x", "p", "v"], ["y"])], {"x": f32(2, 3)}, {"p": i64(1, 0, 2, 3), "v": np.array(1.5, np.float32)}),
    Case("Pad-reflect", [N("Pad", ["x", "p"], ["y"], mode="reflect")], {"x": f32(1, 2, 4, 5)}, {"p": i64(0, 0, 2, 1, 0, 0, 1, 3)}),
    Case("Pad-edge-axes", [N("Pad", ["x", "p", "", "a"], ["y"], mode="edge")], {"x": f32(2, 3, 4)}, {"p": i64(1, 2, 3, 0), "a": i64(0, -1)},
         opset=18),
    Case("Pad-int64", [N("Pad", ["x", "p", "v"], ["y"])], {"x": np.arange(6, dtype=np.int64).reshape(2, 3)},
         {"p": i64(0, 1, 1, 0), "v": np.array(-7, np.int64)}),
    Case("Pad-negative", [N("Pad", ["x", "p"], ["y"])], {"x": f32(4, 5)}, {"p": i64(-1, 2, 1, -2)}),
    Case("Pad-2", [N("Pad", ["x"], ["y"], pads=[0, 1, 1, 0], value=2.0)], {"x": f32(2, 3)}, opset=7),
    Case("DepthToSpace-DCR", [N("DepthToSpace", ["x"], ["y"], blocksize=2)], {"x": f32(1, 8, 2, 3)}),
    Case("DepthToSpace-CRD", [N("DepthToSpace", ["x"], ["y"], blocksize=2, mode="CRD")], {"x": f32(1, 8, 2, 3)}),
    Case("SpaceToDepth", [N("SpaceToDepth", ["x"], ["y"], blocksize=2)], {"x": f32(1, 2, 4, 6)}),
    Case("Trilu", [N("Trilu", ["x", "k"], ["y"], upper=0)], {"x": f32(2, 4, 5)}, {"k": np.array(1, np.int64)}),
    Case("Dropout", [N("Dropout", ["x"], ["y"])], {"x": f32(2, 3)}),
    # indexing
    Case("Gather-negative", [N("Gather", ["x", "i"], ["y"], axis=1)], {"x": f32(3, 5)}, {"i": np.array([[0, -1], [2, -5]], np.int64)}),
    Case("Gather-scalar-index", [N("Gather", ["x", "i"], ["y"])], {"x": f32(3, 5)}, {"i": np.array(-2, np.int64)}),
    Case("Gather-computed-indices", [N("Gather", ["t", "i"], ["y"])], {"i": np.array([[3, 0, 1]], np.int64)}, {"t": f32(4, 6)}),
    Case("GatherElements", [N("GatherElements", ["x", "i"], ["y"], axis=1)], {"x": f32(3, 4)},
         {"i": np.array([[0, 3], [1, -1], [2, 2]], np.int64)}),
    Case("GatherND", [N("GatherND", ["x", "i"], ["y"])], {"x": f32(3, 4, 2)}, {"i": np.array([[0, 1], [2, 3]], np.int64)}),
    Case("ScatterElements", [N("ScatterElements", ["x", "i", "u"], ["y"], axis=0)], {"x": f32(3, 3)},
         {"i": np.array([[1, 0, 2], [0, 2, 1]], np.int64), "u": f32(2, 3)}),
    Case("ScatterND", [N("ScatterND", ["x", "i", "u"], ["y"])], {"x": f32(4, 3)},
         {"i": np.array([[1], [3]], np.int64), "u": f32(2, 3)}),
    Case("ScatterND-negative-index", [N("ScatterND", ["x", "i", "u"], ["y"])], {"x": f32(4, 3)},
         {"i": np.array([[-1], [0]], np.int64), "u": f32(2, 3)}),
    Case("OneHot", [N("OneHot", ["i", "d", "v"], ["y"], axis=1)], {"i": np.array([[0, 2], [-1, 1]], np.int64)},
         {"d": np.array(3, np.int64), "v": np.array([-1, 5], np.float32)}),
    Case("TopK-1", [N("TopK", ["x", "k"], ["v", "i"], axis=1)], {"x": np.array([[1, 3, 3, 0], [2, 2, -1, 5]], np.float32)},
         {"k": i64(1)}, outputs=["v", "i"]),
    Case("TopK-1-smallest", [N("TopK", ["x", "k"], ["v", "i"], axis=0, largest=0)], {"x": f32(4, 3)}, {"k": i64(1)},
         outputs=["v", "i"]),
    Case("ArgMax", [N("ArgMax", ["x"], ["y"], axis=1, keepdims=0)], {"x": f32(3, 5)}),
    Case("ArgMin-last", [N("ArgMin", ["x"], ["y"], axis=0, select_last_index=1)],
         {"x": np.array([[1, 2, 0], [0, 2, 3], [1, 1, 0]], np.float32)}),
    # reductions
    *[Case(f"{op}-18", [N(op, ["x", "a"], ["y"], keepdims=0)], {"x": f32(2, 3, 4, low=0.1, high=2)}, {"a": i64(0, -1)}, opset=18)
      for op in ("ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2",
                 "ReduceLogSum", "ReduceLogSumExp", "ReduceSumSquare")],
    Case("CumSum", [N("CumSum", ["x", "a"], ["y"])], {"x": f32(3, 4)}, {"a": np.array(1, np.int64)}),
    Case("CumSum-exclusive-reverse", [N("CumSum", ["x", "a"], ["y"], exclusive=1, reverse=1)],
         {"x": np.arange(12, dtype=np.int32).reshape(3, 4)}, {"a": np.array(-2, np.int32)}),
    Case("CumSum-folded", [N("CumSum", ["c", "a"], ["s"], exclusive=1), N("Add", ["x", "s"], ["y"])], {"x": f32(4)},
         {"c": np.array([1, 2, 3, 4], np.float32), "a": np.array(0, np.int64)}),
    Case("ReduceMax-13-keepdims", [N("ReduceMax", ["x"], ["y"], axes=[-1, 0])], {"x": f32(2, 3, 4)}, opset=13),
    Case("ReduceMean-11", [N("ReduceMean", ["x"], ["y"], axes=[1])], {"x": f32(2, 3, 4)}, opset=11),
    Case("ReduceSum-all", [N("ReduceSum", ["x"], ["y"])], {"x": f32(2, 3, 4)}),
    Case("ReduceSum-noop", [N("ReduceSum", ["x", "a"], ["y"], noop_with_empty_axes=1)], {"x": f32(2, 3)},
         {"a": np.zeros(0, np.int64)}),
    # resizing
    resize_case("nearest-asymmetric-floor-x2", (1, 2, 3, 4), scales=[1, 1, 2, 2], mode="nearest",
                coordinate_transformation_mode="asymmetric", nearest_mode="floor"),
    resize_case("nearest-default-sizes", (1, 2, 4, 5), sizes=[1, 2, 7, 3], mode="nearest"),
    resize_case("nearest-round_prefer_ceil-1.5", (1, 1, 4, 6), scales=[1, 1, 1.5, 1.5], mode="nearest",
                coordinate_transformation_mode="asymmetric", nearest_mode="round_prefer_ceil"),
    resize_case("nearest-align_corners", (1, 1, 4, 6), sizes=[1, 1, 7, 4], mode="nearest",
                coordinate_transformation_mode="align_corners"),
    resize_case("linear-half_pixel", (1, 2, 4, 5), scales=[1, 1, 2, 1.5], mode="linear"),
    resize_case("linear-sizes-down", (1, 2, 8, 9), sizes=[1, 2, 3, 4], mode="linear"),
    resize_case("linear-align_corners", (1, 2, 4, 5), sizes=[1, 2, 7, 9], mode="linear",
                coordinate_transformation_mode="align_corners"),
    resize_case("linear-asymmetric", (1, 2, 4, 5), scales=[1, 1, 2, 2], mode="linear",
                coordinate_transformation_mode="asymmetric"),
    resize_case("linear-pytorch_half_pixel", (1, 2, 4, 5), sizes=[1, 2, 1, 8], mode="linear",
                coordinate_transformation_mode="pytorch_half_pixel"),
    resize_case("cubic", (1, 2, 5, 6), scales=[1, 1, 2, 1.5], mode="cubic"),
    resize_case("cubic-exclude_outside", (1, 2, 5, 6), sizes=[1, 2, 8, 4], mode="cubic", exclude_outside=1,
                cubic_coeff_a=-0.5),
    resize_case("nearest-tf_half_pixel_for_nn", (1, 1, 5, 7), scales=[1, 1, 1.6, 0.6], mode="nearest",
                coordinate_transformation_mode="tf_half_pixel_for_nn"),
    resize_case("linear-half_pixel_symmetric", (1, 2, 4, 5), sizes=[1, 2, 7, 3], mode="linear",
                coordinate_transformation_mode="half_pixel_symmetric"),
    resize_case("nearest-keep-aspect-not_larger", (1, 2, 4, 6), sizes=[9, 9], axes=[2, 3], mode="nearest",
                keep_aspect_ratio_policy="not_larger"),
    resize_case("linear-keep-aspect-not_smaller", (1, 2, 4, 6), sizes=[9, 9], axes=[2, 3], mode="linear",
                keep_aspect_ratio_policy="not_smaller"),
    resize_case("nearest-axes", (1, 2, 3, 4), sizes=[6, 8], axes=[2, 3], mode="nearest"),
    resize_case("nearest-3-axes", (2, 3, 4), scales=[2, 0.5, 1.5], mode="nearest", nearest_mode="floor"),
    Case("Resize-10", [N("Resize", ["x", "s"], ["y"], mode="nearest")], {"x": f32(1, 1, 3, 4)},
         {"s": np.array([1, 1, 2, 3], np.float32)}, opset=10),
    Case("Upsample-9-linear", [N("Upsample", ["x", "s"], ["y"], mode="linear")], {"x": f32(1, 1, 3, 4)},
         {"s": np.array([1, 1, 2, 2], np.float32)}, opset=9),
    # recurrent
    lstm_case("forward", 0, False, ["Y", "Y_h", "Y_c"]),
    lstm_case("bidirectional", 0, True, ["Y", "Y_h", "Y_c"]),
    lstm_case("reverse", 1, True, ["Y_h"]),
    lstm_case("bidirectional", 1, False, ["Y", "Y_c"]),
    *[rnn_case(direction, layout) for direction, layout in (("forward", 0), ("bidirectional", 0), ("reverse", 1))],
    lstm_peephole_case(),
    Case("GRU-relu-activation", [N("GRU", ["x", "W", "R"], ["Y", "Y_h"], hidden_size=3, activations=["Sigmoid", "Relu"])],
         {"x": f32(4, 2, 3)}, {"W": f32(1, 9, 3, low=-0.5, high=0.5), "R": f32(1, 9, 3, low=-0.5, high=0.5)}, opset=14,
         outputs=["Y_h"]),
    gru_case("forward", 0, 0), gru_case("bidirectional", 1, 0), gru_case("reverse", 1, 1),
    # quantization
    Case("QuantizeLinear-per-tensor", [N("QuantizeLinear", ["x", "s", "z"], ["y"])], {"x": f32(2, 5, low=-3, high=3)},
         {"s": np.array(0.02, np.float32), "z": np.array(128, np.uint8)}),
    Case("QuantizeLinear-per-axis-int8", [N("QuantizeLinear", ["x", "s", "z"], ["y"], axis=1)], {"x": f32(2, 3, 4)},
         {"s": np.array([0.01, 0.02, 0.05], np.float32), "z": np.array([0, -3, 5], np.int8)}),
    Case("QuantizeLinear-no-zero-point", [N("QuantizeLinear", ["x", "s"], ["y"])], {"x": f32(3, 4, low=0, high=2)},
         {"s": np.array(0.01, np.float32)}),
    Case("DequantizeLinear-per-axis", [N("DequantizeLinear", ["x", "s", "z"], ["y"], axis=0)],
         {"x": rng.integers(0, 255, (3, 4)).astype(np.uint8)},
         {"s": np.array([0.1, 0.2, 0.3], np.float32), "z": np.array([10, 128, 0], np.uint8)}),
    Case("DequantizeLinear-blocked", [N("DequantizeLinear", ["x", "s", "z"], ["y"], axis=1, block_size=2)],
         {"x": rng.integers(-128, 127, (2, 6)).astype(np.int8)},
         {"s": np.array([[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]], np.float32), "z": np.array([[1, 2, 3], [-1, -2, -3]], np.int8)},
         opset=21),
    Case("DequantizeLinear-int4-blocked", [N("DequantizeLinear", ["w", "s", "z"], ["wf"], axis=0, block_size=4),
                                           N("MatMul", ["x", "wf"], ["y"])],
         {"x": f32(2, 8)},
         {"w": rng.integers(-8, 8, (8, 3)).astype(np.int8).astype("int4"), "s": f32(2, 3, low=0.01, high=0.1),
          "z": rng.integers(-2, 3, (2, 3)).astype(np.int8).astype("int4")}, opset=21),
    Case("Cast-uint4-weights", [N("Cast", ["w"], ["wf"], to=TensorProto.FLOAT), N("Mul", ["x", "wf"], ["y"])],
         {"x": f32(2, 5)}, {"w": rng.integers(0, 16, (5,)).astype(np.uint8).astype("uint4")}, opset=21),
    Case("Q-DQ-int4", [N("QuantizeLinear", ["x", "s", "z"], ["q"]), N("DequantizeLinear", ["q", "s", "z"], ["y"])],
         {"x": f32(3, 4, low=-3, high=3)}, {"s": np.array(0.3, np.float32), "z": np.array(1, np.int8).astype("int4")},
         opset=21),
    Case("Q-DQ-round-trip", [N("QuantizeLinear", ["x", "s", "z"], ["q"]), N("DequantizeLinear", ["q", "s", "z"], ["y"])],
         {"x": f32(4, 4)}, {"s": np.array(0.05, np.float32), "z": np.array(3, np.int8)}),
    # integer arithmetic
    Case("MatMulInteger", [N("MatMulInteger", ["a", "b", "az", "bz"], ["y"])],
         {"a": rng.integers(0, 256, (3, 5, 64)).astype(np.uint8)},
         {"b": rng.integers(-128, 128, (64, 7)).astype(np.int8), "az": np.array(131, np.uint8),
          "bz": rng.integers(-5, 5, 7).astype(np.int8)}, u8s8=True),
    Case("MatMulInteger-no-zero-points", [N("MatMulInteger", ["a", "b"], ["y"])],
         {"a": rng.integers(-128, 128, (4, 300)).astype(np.int8)}, {"b": rng.integers(-128, 128, (300, 6)).astype(np.int8)}),
    Case("MatMulInteger-long-sums", [N("MatMulInteger", ["a", "b", "az", "bz"], ["y"])],
         {"a": rng.choice(np.array([0, 255], np.uint8), (2, 9000))},
         {"b": rng.choice(np.array([0, 255], np.uint8), (9000, 3)), "az": np.array(255, np.uint8),
          "bz": np.array(0, np.uint8)}),
    Case("ConvInteger-long-sums", [N("ConvInteger", ["x", "w", "xz"], ["y"])],
         {"x": np.zeros((1, 600, 3, 3), np.uint8)},
         {"w": np.full((2, 600, 3, 3), 255, np.uint8), "xz": np.array(255, np.uint8)}),
    Case("QLinearMatMul", [N("QLinearMatMul", ["a", "as", "az", "b", "bs", "bz", "ys", "yz"], ["y"])],
         {"a": rng.integers(0, 256, (2, 4, 32)).astype(np.uint8)},
         {"as": np.array(0.02, np.float32), "az": np.array(120, np.uint8), "b": rng.integers(0, 256, (32, 5)).astype(np.uint8),
          "bs": np.array(0.01, np.float32), "bz": np.array(128, np.uint8), "ys": np.array(0.05, np.float32),
          "yz": np.array(100, np.uint8)}),
    Case("ConvInteger", [N("ConvInteger", ["x", "w", "xz"], ["y"], pads=[1, 1, 1, 1])],
         {"x": rng.integers(0, 256, (1, 3, 6, 6)).astype(np.uint8)},
         {"w": rng.integers(0, 256, (4, 3, 3, 3)).astype(np.uint8), "xz": np.array(128, np.uint8)}),
    Case("QLinearConv-per-channel", [N("QLinearConv", ["x", "xs", "xz", "w", "ws", "wz", "ys", "yz", "B"], ["y"],
                                       pads=[1, 1, 1, 1], strides=[2, 2])],
         {"x": rng.integers(0, 256, (1, 8, 9, 9)).astype(np.uint8)},
         {"xs": np.array(0.03, np.float32), "xz": np.array(110, np.uint8),
          "w": rng.integers(-127, 128, (6, 8, 3, 3)).astype(np.int8),
          "ws": rng.uniform(0.005, 0.02, 6).astype(np.float32), "wz": np.zeros(6, np.int8),
          "ys": np.array(0.2, np.float32), "yz": np.array(128, np.uint8), "B": rng.integers(-500, 500, 6).astype(np.int32)},
         u8s8=True),
    Case("QLinearConv-depthwise-int8", [N("QLinearConv", ["x", "xs", "xz", "w", "ws", "wz", "ys", "yz"], ["y"],
                                          group=4, auto_pad="SAME_UPPER")],
         {"x": rng.integers(-128, 128, (1, 4, 7, 7)).astype(np.int8)},
         {"xs": np.array(0.05, np.float32), "xz": np.array(-3, np.int8),
          "w": rng.integers(-127, 128, (4, 1, 3, 3)).astype(np.int8), "ws": np.array(0.01, np.float32),
          "wz": np.array(0, np.int8), "ys": np.array(0.1, np.float32), "yz": np.array(5, np.int8)}),
    Case("DynamicQuantizeLinear-MatMulInteger", [
        N("DynamicQuantizeLinear", ["x"], ["xq", "xs", "xz"]),
        N("MatMulInteger", ["xq", "w", "xz", "wz"], ["acc"]),
        N("Cast", ["acc"], ["accf"], to=TensorProto.FLOAT),
        N("Mul", ["xs", "wsc"], ["scale"]),
        N("Mul", ["accf", "scale"], ["y"]),
    ], {"x": f32(2, 3, 48)}, {"w": rng.integers(-127, 128, (48, 5)).astype(np.int8), "wz": np.array(0, np.int8),
                              "wsc": np.array(0.004, np.float32)}, outputs=["y", "xq", "xs", "xz"], u8s8=True),
    # shape sub-graphs and control flow
    shape_subgraph(), range_mask(), if_case(True), if_case(False), if_runtime_case(1.0), if_runtime_case(-1.0),
    Case("Constant-and-Size", [N("Constant", [], ["c"], value_floats=[1.0, 2.0, 3.0]), N("Size", ["x"], ["n"]),
                               N("Cast", ["n"], ["nf"], to=TensorProto.FLOAT), N("Mul", ["c", "nf"], ["cn"]),
                               N("Add", ["x", "cn"], ["y"])], {"x": f32(2, 3)}),
    Case("NonZero-folded", [N("NonZero", ["m"], ["nz"]), N("Transpose", ["nz"], ["idx"]), N("GatherND", ["x", "idx"], ["y"])],
         {"x": f32(3, 4)}, {"m": np.array([[1, 0, 0, 2], [0, 0, 3, 0], [4, 0, 0, 0]], np.float32)}),
    Case("EyeLike-folded", [N("EyeLike", ["x"], ["e"], k=1), N("Add", ["x", "e"], ["y"])], {"x": f32(3, 4)}),
]
