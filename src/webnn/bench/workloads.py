"""The benchmark workloads, each written once and built two ways.

A workload's ``forward(ops, x)`` describes its graph against a small set of
operations (``conv``, ``clamp``, ``add``, ...).  Two implementations of that set
exist: :class:`WebNNOps` calls an ``MLGraphBuilder``, :class:`OnnxOps` writes a
hand-made ONNX model with ``onnx.helper`` (the "direct ONNX Runtime" baseline).
So both sides compute the same graph by construction, and the ONNX side is what
someone using ONNX Runtime directly would write (``GlobalAveragePool``,
``Flatten``, ``Clip``, ``Gemm`` with ``transB``).

This module imports nothing from :mod:`webnn` at import time, and ``onnx`` only when
an ONNX model is built or read: the bench's direct-ONNX-Runtime processes load it by file
path, so that they run without the webnn package.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

#: ONNX opset and IR version of the hand-made models (the same as the webnn backend's).
OPSET = 21
IR_VERSION = 10


class WeightsError(ValueError):
    """A weights directory that does not match the model (missing file, wrong shape)."""


# ---------------------------------------------------------------------------------------- ops


class WebNNOps:
    """The workload operations on an ``MLGraphBuilder``."""

    def __init__(self, builder: Any) -> None:
        self.b = builder

    def input(self, name: str, shape: Sequence[int]) -> Any:
        return self.b.input(name, list(shape), "float32")

    def add(self, a: Any, c: Any, label: str = "") -> Any:
        return self.b.add(a, c, label=label)

    def mul(self, a: Any, c: Any, label: str = "") -> Any:
        return self.b.mul(a, c, label=label)

    def relu(self, a: Any, label: str = "") -> Any:
        return self.b.relu(a, label=label)

    def clamp(self, a: Any, lo: float, hi: float, label: str = "") -> Any:
        return self.b.clamp(a, min_value=lo, max_value=hi, label=label)

    def conv(self, a: Any, weight: np.ndarray, bias: np.ndarray, stride: int, groups: int, label: str = "") -> Any:
        pad = weight.shape[2] // 2
        return self.b.conv2d(
            a, self.b.constant(weight), padding=[pad] * 4, strides=[stride, stride], groups=groups,
            bias=self.b.constant(bias), label=label,
        )

    def global_average_pool(self, a: Any, label: str = "") -> Any:
        # average_pool2d over the whole spatial extent (NCHW)
        return self.b.average_pool2d(a, window_dimensions=list(a.shape[2:]), label=label)

    def flatten(self, a: Any, label: str = "") -> Any:
        return self.b.reshape(a, [a.shape[0], int(np.prod(a.shape[1:]))], label=label)

    def gemm(self, a: Any, weight: np.ndarray, bias: np.ndarray, label: str = "") -> Any:
        return self.b.gemm(a, self.b.constant(weight), c=self.b.constant(bias), b_transpose=True, label=label)

    def softmax(self, a: Any, label: str = "") -> Any:
        return self.b.softmax(a, 1, label=label)


class OnnxOps:
    """The workload operations as ``onnx.helper`` nodes; ``model()`` makes the ModelProto."""

    def __init__(self) -> None:
        import onnx
        from onnx import helper, numpy_helper

        self.onnx, self.helper, self.numpy_helper = onnx, helper, numpy_helper
        self.nodes: list[Any] = []
        self.initializers: list[Any] = []
        self.inputs: list[Any] = []
        self._count = 0

    def _name(self, what: str) -> str:
        self._count += 1
        return f"{what}_{self._count}"

    def _node(self, op: str, inputs: Sequence[str], label: str = "", **attrs: Any) -> str:
        out = self._name(op.lower())
        self.nodes.append(self.helper.make_node(op, list(inputs), [out], name=label or None, **attrs))
        return out

    def _const(self, array: np.ndarray, what: str = "w") -> str:
        name = self._name(what)
        self.initializers.append(self.numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def input(self, name: str, shape: Sequence[int]) -> str:
        self.inputs.append(self.helper.make_tensor_value_info(name, self.onnx.TensorProto.FLOAT, list(shape)))
        return name

    def add(self, a: str, c: str, label: str = "") -> str:
        return self._node("Add", [a, c], label)

    def mul(self, a: str, c: str, label: str = "") -> str:
        return self._node("Mul", [a, c], label)

    def relu(self, a: str, label: str = "") -> str:
        return self._node("Relu", [a], label)

    def clamp(self, a: str, lo: float, hi: float, label: str = "") -> str:
        bounds = [self._const(np.array(lo, np.float32), "min"), self._const(np.array(hi, np.float32), "max")]
        return self._node("Clip", [a, *bounds], label)

    def conv(self, a: str, weight: np.ndarray, bias: np.ndarray, stride: int, groups: int, label: str = "") -> str:
        k = weight.shape[2]
        return self._node(
            "Conv", [a, self._const(weight), self._const(bias, "b")], label,
            kernel_shape=[k, k], pads=[k // 2] * 4, strides=[stride, stride], group=groups,
        )

    def global_average_pool(self, a: str, label: str = "") -> str:
        return self._node("GlobalAveragePool", [a], label)

    def flatten(self, a: str, label: str = "") -> str:
        return self._node("Flatten", [a], label, axis=1)

    def gemm(self, a: str, weight: np.ndarray, bias: np.ndarray, label: str = "") -> str:
        return self._node("Gemm", [a, self._const(weight), self._const(bias, "b")], label, transB=1)

    def softmax(self, a: str, label: str = "") -> str:
        return self._node("Softmax", [a], label, axis=1)

    def model(self, output: str, output_shape: Sequence[int], name: str) -> Any:
        """The model computing ``output`` (the last node's result) as its output "y"."""
        if not self.nodes or self.nodes[-1].output[0] != output:
            raise ValueError("the output must be the last node's result")
        self.nodes[-1].output[0] = "y"
        graph = self.helper.make_graph(
            self.nodes, name, self.inputs,
            [self.helper.make_tensor_value_info("y", self.onnx.TensorProto.FLOAT, list(output_shape))],
            initializer=self.initializers,
        )
        return self.helper.make_model(
            graph, opset_imports=[self.helper.make_opsetid("", OPSET)], ir_version=IR_VERSION,
            producer_name="webnn-bench",
        )


# ---------------------------------------------------------------------------------------- workloads


class Workload:
    """One benchmark graph: input ``x`` [1, 3, size, size] float32, output ``y``."""

    name = ""
    description = ""
    #: output check tolerance: |ours - reference| <= atol + rtol * |reference|
    rtol = 1e-5
    atol = 1e-6

    def __init__(self, size: int = 224, *, seed: int = 0, weights: str | None = None) -> None:
        self.size = size
        self.seed = seed
        self.notes: list[str] = []

    @property
    def input_shape(self) -> tuple[int, int, int, int]:
        return (1, 3, self.size, self.size)

    #: The output that is timed and checked; ``direct_outputs`` is what direct ONNX Runtime runs.
    output_name = "y"
    direct_outputs: list[str] | None = ["y"]

    def make_input(self) -> np.ndarray:
        return np.random.default_rng(self.seed + 1).standard_normal(self.input_shape).astype(np.float32)

    def make_feeds(self) -> dict[str, np.ndarray]:
        """The graph inputs by name."""
        return {"x": self.make_input()}

    @property
    def input_label(self) -> str:
        """The inputs, for the report: ``[1, 3, 224, 224] float32``."""
        return f"[{', '.join(map(str, self.input_shape))}] float32"

    def forward(self, ops: Any, x: Any) -> Any:
        raise NotImplementedError

    def op_count(self) -> int:
        counter = _CountingOps()
        self.forward(counter, counter.input("x", self.input_shape))
        return counter.count

    def build_webnn(self, builder: Any) -> dict[str, Any]:
        """The graph's outputs on ``builder`` (pass them to ``builder.build``)."""
        ops = WebNNOps(builder)
        return {"y": self.forward(ops, ops.input("x", self.input_shape))}

    #: What :meth:`load_webnn` does, for the bench's progress lines.
    load_label = "builder + build()"

    def load_webnn(self, context: Any) -> Any:
        """The ``MLGraph`` on ``context``, made the way a user makes it (the bench times this as
        "build"): here a builder, :meth:`build_webnn` and ``build()``."""
        builder = context.create_graph_builder()
        return builder.build(self.build_webnn(builder))

    def build_onnx(self) -> Any:
        """The equivalent hand-made ONNX model (an ``onnx.ModelProto``)."""
        ops = OnnxOps()
        y = self.forward(ops, ops.input("x", self.input_shape))
        return ops.model(y, self.output_shape, self.name)

    @property
    def output_shape(self) -> tuple[int, ...]:
        raise NotImplementedError


class _CountingOps:
    """Counts the operations of ``forward`` (and records conv groups) without building anything."""

    def __init__(self) -> None:
        self.count = 0
        self.convs: list[tuple[tuple[int, ...], int]] = []

    def input(self, name: str, shape: Sequence[int]) -> tuple[int, ...]:
        return tuple(shape)

    def __getattr__(self, op: str) -> Any:
        def record(a: Any, *args: Any, label: str = "") -> Any:
            self.count += 1
            if op == "conv":
                weight, groups = args[0], args[3]
                self.convs.append((weight.shape, groups))
            return a

        return record


class Simple(Workload):
    name = "simple"
    description = "y = x; 10 times y = relu(y + x)"

    def forward(self, ops: Any, x: Any) -> Any:
        y = x
        for _ in range(10):
            y = ops.relu(ops.add(y, x))
        return y

    @property
    def output_shape(self) -> tuple[int, ...]:
        return self.input_shape


class Complex(Workload):
    name = "complex"
    description = "50 times y = relu(relu(y + y) * relu(y + y)) (200 ops), global average pool"

    def make_input(self) -> np.ndarray:
        # One iteration maps y to relu(relu(2y)^2) = 4y^2 for y > 0, and to 0 for y <= 0.  The
        # positive fixed point y = 1/4 is repelling (the derivative there is 2): any other positive
        # float32 value is pushed away from it by a factor 2 per iteration and ends, well within 50
        # iterations, at inf or at 0 through denormals.  No band of values stays bounded; the only
        # values that do are exactly 0.25 (2 * 0.25 = 0.5, 0.5 * 0.5 = 0.25, all exact in float32)
        # and everything <= 0 (0 after the first relu).  So the input is exactly 0.25 in a random
        # half of the elements and negative elsewhere: no inf, no denormals, exact results on every
        # backend, and the pooled output (0.25 times the per-channel fraction of 0.25s) is nontrivial.
        rng = np.random.default_rng(self.seed + 1)
        keep = rng.random(self.input_shape) < 0.5
        return np.where(keep, np.float32(0.25), -rng.uniform(0.1, 1.0, self.input_shape)).astype(np.float32)

    def forward(self, ops: Any, x: Any) -> Any:
        y = x
        for _ in range(50):
            y = ops.add(y, y)
            y = ops.relu(y)
            y = ops.mul(y, y)
            y = ops.relu(y)
        return ops.global_average_pool(y)

    @property
    def output_shape(self) -> tuple[int, ...]:
        return (1, 3, 1, 1)


# ---------------------------------------------------------------------------------------- MobileNetV2

#: (expansion t, output channels c, repeats n, first stride s), from the MobileNetV2 paper, table 2.
MOBILENET_BLOCKS = ((1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1),
                    (6, 160, 3, 2), (6, 320, 1, 1))
#: Layer number of the classifier in the published weight files (conv_N / gemm_N).  Layers are
#: numbered in order over conv, clamp and residual add; the last conv is 95 (its clamp 96), and the
#: original model's weightless ops between it and the classifier take the numbers up to 103.
GEMM_INDEX = 104
NUM_CLASSES = 1000
LAST_CHANNELS = 1280


class ConvLayer(NamedTuple):
    index: int  # type: ignore[assignment]  # (the layer number; it hides tuple.index)
    cin: int
    cout: int
    kernel: int
    stride: int
    groups: int
    clamp: bool
    role: str

    @property
    def weight_shape(self) -> tuple[int, int, int, int]:
        return (self.cout, self.cin // self.groups, self.kernel, self.kernel)


class Block(NamedTuple):
    convs: tuple[ConvLayer, ...]
    residual: bool


def mobilenet_plan() -> tuple[ConvLayer, list[Block], ConvLayer]:
    """The stem conv, the 17 inverted residual blocks and the last conv, with their layer numbers."""
    n = 0

    def conv(cin: int, cout: int, kernel: int, stride: int, groups: int, clamp: bool, role: str) -> ConvLayer:
        nonlocal n
        layer = ConvLayer(n, cin, cout, kernel, stride, groups, clamp, role)
        n += 2 if clamp else 1
        return layer

    stem = conv(3, 32, 3, 2, 1, True, "stem")
    blocks = []
    cin = 32
    for t, c, repeats, first_stride in MOBILENET_BLOCKS:
        for i in range(repeats):
            stride = first_stride if i == 0 else 1
            hidden = cin * t
            convs = []
            if t != 1:
                convs.append(conv(cin, hidden, 1, 1, 1, True, "expand"))
            convs.append(conv(hidden, hidden, 3, stride, hidden, True, "depthwise"))
            convs.append(conv(hidden, c, 1, 1, 1, False, "project"))
            residual = stride == 1 and cin == c
            if residual:
                n += 1  # the add
            blocks.append(Block(tuple(convs), residual))
            cin = c
    last = conv(cin, LAST_CHANNELS, 1, 1, 1, True, "last")
    return stem, blocks, last


def mobilenet_conv_layers() -> list[ConvLayer]:
    stem, blocks, last = mobilenet_plan()
    return [stem, *(c for b in blocks for c in b.convs), last]


def expected_weight_files() -> dict[str, tuple[int, ...]]:
    """File name -> shape of every MobileNetV2 weight file (gemm weight included)."""
    files: dict[str, tuple[int, ...]] = {}
    for layer in mobilenet_conv_layers():
        files[f"conv_{layer.index}_weight.npy"] = layer.weight_shape
        files[f"conv_{layer.index}_bias.npy"] = (layer.cout,)
    files[f"gemm_{GEMM_INDEX}_weight.npy"] = (NUM_CLASSES, LAST_CHANNELS)
    files[f"gemm_{GEMM_INDEX}_bias.npy"] = (NUM_CLASSES,)
    return files


def load_weights(directory: str, seed: int = 0) -> tuple[dict[str, np.ndarray], list[str]]:
    """The MobileNetV2 weights from ``directory``'s .npy files, checked; and notes to print.

    A missing ``gemm_104_weight.npy`` is replaced by a seeded random array (with a note);
    any other missing file, a shape mismatch or an unreadable file raises :class:`WeightsError`.
    """
    if not os.path.isdir(directory):
        raise WeightsError(f"weights directory {directory!r} does not exist")
    expected = expected_weight_files()
    present = {f for f in os.listdir(directory) if f.endswith(".npy")}
    gemm_weight = f"gemm_{GEMM_INDEX}_weight.npy"
    missing = sorted(set(expected) - present - {gemm_weight}, key=_file_order)
    if missing:
        more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        raise WeightsError(
            f"weights directory {directory!r} lacks {len(missing)} MobileNetV2 weight file(s): "
            f"{', '.join(missing[:5])}{more}"
        )
    notes = []
    unknown = sorted(present - set(expected), key=_file_order)
    if unknown:
        notes.append(f"ignoring {len(unknown)} unexpected file(s) in {directory}: {', '.join(unknown[:5])}")
    weights: dict[str, np.ndarray] = {}
    for name in sorted(present & set(expected), key=_file_order):
        path = os.path.join(directory, name)
        try:
            array = np.load(path, allow_pickle=False)
        except (OSError, ValueError) as exc:
            raise WeightsError(f"cannot read {path}: {exc}") from None
        if tuple(array.shape) != expected[name]:
            raise WeightsError(
                f"{path} has shape {list(array.shape)}, MobileNetV2 layer {name[:-4]} needs {list(expected[name])}"
            )
        if array.dtype.kind != "f":
            raise WeightsError(f"{path} has dtype {array.dtype}, expected float32")
        weights[name[:-4]] = np.ascontiguousarray(array, dtype=np.float32)
    if gemm_weight not in present:
        weights[gemm_weight[:-4]] = _random_gemm_weight(seed)
        notes.append(
            f"{gemm_weight} is missing in {directory}: using a seeded random [{NUM_CLASSES}, {LAST_CHANNELS}] "
            "array instead (timings are valid, classification results are meaningless)"
        )
    return weights, notes


def _file_order(name: str) -> tuple[int, str]:
    parts = name.split("_")
    return (int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 10**6, name)


def _random_gemm_weight(seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed + GEMM_INDEX)
    return (rng.standard_normal((NUM_CLASSES, LAST_CHANNELS)) * np.sqrt(1 / LAST_CHANNELS)).astype(np.float32)


def random_weights(seed: int = 0) -> dict[str, np.ndarray]:
    """Seeded He-initialised weights (small biases), so that activations neither vanish nor saturate."""
    rng = np.random.default_rng(seed)
    weights = {}
    for layer in mobilenet_conv_layers():
        cout, cin, kh, kw = layer.weight_shape
        std = np.sqrt(2.0 / (cin * kh * kw))
        weights[f"conv_{layer.index}_weight"] = (rng.standard_normal(layer.weight_shape) * std).astype(np.float32)
        weights[f"conv_{layer.index}_bias"] = (rng.standard_normal(cout) * 0.01).astype(np.float32)
    weights[f"gemm_{GEMM_INDEX}_weight"] = _random_gemm_weight(seed)
    weights[f"gemm_{GEMM_INDEX}_bias"] = (rng.standard_normal(NUM_CLASSES) * 0.01).astype(np.float32)
    return weights


class MobileNetV2(Workload):
    name = "mobilenetv2"
    description = "MobileNetV2 1.0 NCHW: 52 conv2d (17 depthwise), clamp(0, 6), residual adds, gemm, softmax"
    rtol = 1e-3
    atol = 1e-5

    def __init__(self, size: int = 224, *, seed: int = 0, weights: str | None = None) -> None:
        super().__init__(size, seed=seed)
        if size % 32:
            raise ValueError(f"mobilenetv2: the input size must be a multiple of 32, got {size}")
        if weights is None:
            self.weights = random_weights(seed)
            self.notes.append(f"seeded random weights (seed {seed})")
        else:
            self.weights, notes = load_weights(weights, seed)
            self.notes.extend(notes)
        self.stem, self.blocks, self.last = mobilenet_plan()

    def make_input(self) -> np.ndarray:
        return np.random.default_rng(self.seed + 1).uniform(-1, 1, self.input_shape).astype(np.float32)

    def _conv(self, ops: Any, x: Any, layer: ConvLayer, block: str) -> Any:
        w = self.weights[f"conv_{layer.index}_weight"]
        b = self.weights[f"conv_{layer.index}_bias"]
        label = f"{block}.{layer.role}" if block else layer.role
        y = ops.conv(x, w, b, layer.stride, layer.groups, label=label)
        return ops.clamp(y, 0.0, 6.0, label=f"{label}_relu6") if layer.clamp else y

    def forward(self, ops: Any, x: Any) -> Any:
        """The network; each op labelled with its part: ``stem``, ``block3.expand``, ``block3.expand_relu6``,
        ``block3.depthwise``, ``block3.project``, ``block3.add``, ``last``, ``head.pool`` ... (the
        blocks numbered from 0; graph pictures box each block)."""
        y = self._conv(ops, x, self.stem, "")
        for number, block in enumerate(self.blocks):
            block_input = y
            for layer in block.convs:
                y = self._conv(ops, y, layer, f"block{number}")
            if block.residual:
                y = ops.add(y, block_input, label=f"block{number}.add")
        y = self._conv(ops, y, self.last, "")
        y = ops.global_average_pool(y, label="head.pool")
        y = ops.flatten(y, label="head.flatten")
        y = ops.gemm(y, self.weights[f"gemm_{GEMM_INDEX}_weight"], self.weights[f"gemm_{GEMM_INDEX}_bias"],
                     label="head.classifier")
        return ops.softmax(y, label="head.softmax")

    @property
    def output_shape(self) -> tuple[int, ...]:
        return (1, NUM_CLASSES)

    def conv_stats(self) -> tuple[int, int]:
        """(conv2d count, depthwise count) of the graph as built."""
        counter = _CountingOps()
        self.forward(counter, counter.input("x", self.input_shape))
        depthwise = sum(1 for shape, groups in counter.convs if groups > 1 and shape[1] == 1)
        return len(counter.convs), depthwise


# ---------------------------------------------------------------------------------------- ONNX files

#: The prefix of a workload that is an ONNX file: ``onnx:/path/to/model.onnx``.
ONNX_PREFIX = "onnx:"
#: ONNX element types the inputs of an ONNX-file workload may have, as NumPy dtypes.
_ONNX_INPUT_TYPES = {1: "float32", 10: "float16", 6: "int32", 7: "int64", 2: "uint8", 3: "int8", 9: "bool",
                     12: "uint32", 13: "uint64"}


class OnnxFile(Workload):
    """An ONNX model file: loaded into WebNN with ``webnn.load_onnx`` (as users load models, so
    that its persistent-cache fast path is what is timed) on one side, the file itself run by ONNX
    Runtime on the other.  Free input dimensions come from ``input_shapes``.  Inputs are seeded
    random: standard normal floats, integers and booleans 0 or 1 (valid token ids, attention masks
    and segment ids alike).

    Reading the model's inputs needs the ``onnx`` package.  The bench does that once, in its own
    process, and gives the result (:meth:`info`) to the measured processes as ``info``: a webnn
    process then never imports ``onnx`` outside the timed ``load_onnx``, so the timing shows
    whether ``load_onnx`` itself imports it."""

    rtol = 1e-3
    atol = 1e-4
    direct_outputs = None  # every output, as our graph computes every output
    load_label = "webnn.load_onnx"

    def __init__(self, path: str, input_shapes: dict[str, list[int]] | None = None, *, seed: int = 0,
                 info: dict[str, Any] | None = None) -> None:
        super().__init__(seed=seed)
        self.path = path
        self.name = ONNX_PREFIX + path
        self.input_shapes = dict(input_shapes or {})
        if info is None:
            info = read_onnx_info(path, self.input_shapes)
        self.inputs: dict[str, tuple[tuple[int, ...], str]] = {
            name: (tuple(int(d) for d in shape), str(dtype)) for name, (shape, dtype) in info["inputs"].items()
        }
        self.output_name = info["output"]
        self.nodes = int(info["nodes"])
        self.description = f"ONNX model {os.path.basename(path)} ({self.nodes} nodes)"

    def info(self) -> dict[str, Any]:
        """What the constructor read from the file, as JSON-able data (its ``info`` argument)."""
        return {"inputs": {name: [list(shape), dtype] for name, (shape, dtype) in self.inputs.items()},
                "output": self.output_name, "nodes": self.nodes}

    @property
    def input_shape(self) -> tuple[int, ...]:  # type: ignore[override]
        return next(iter(self.inputs.values()))[0]

    @property
    def input_label(self) -> str:
        return ", ".join(f"{name} [{', '.join(map(str, shape))}] {dtype}" for name, (shape, dtype) in self.inputs.items())

    def make_feeds(self) -> dict[str, np.ndarray]:
        rng = np.random.default_rng(self.seed + 1)
        feeds = {}
        for name, (shape, dtype) in self.inputs.items():
            if dtype.startswith("float"):
                feeds[name] = rng.standard_normal(shape).astype(dtype)
            else:
                feeds[name] = rng.integers(0, 2, shape).astype(dtype)
        return feeds

    def op_count(self) -> int:
        return self.nodes

    def build_webnn(self, builder: Any) -> dict[str, Any]:
        from webnn.io.onnx_import import import_onnx

        return import_onnx(self.path, builder, self.load_shapes())

    def load_shapes(self) -> dict[str, list[int]]:
        """The ``input_shapes`` given to the importer: every input's full shape."""
        return {n: list(s) for n, (s, _) in self.inputs.items()}

    def load_webnn(self, context: Any) -> Any:
        import webnn

        return webnn.load_onnx(self.path, context, self.load_shapes())

    def build_onnx(self) -> Any:
        import onnx

        return onnx.load(self.path)

    @property
    def output_shape(self) -> tuple[int, ...]:
        return ()


WORKLOADS: dict[str, type[Workload]] = {w.name: w for w in (Simple, Complex, MobileNetV2)}


def read_onnx_info(path: str, input_shapes: dict[str, list[int]] | None = None) -> dict[str, Any]:
    """An ONNX file's inputs ({name: [shape, dtype]}, free dimensions from ``input_shapes``), its
    first output's name and its node count (Constant nodes left out).  Imports ``onnx``."""
    import onnx

    given_shapes = dict(input_shapes or {})
    model = onnx.load(path, load_external_data=False)
    graph = model.graph
    initializers = {t.name for t in graph.initializer}
    inputs: dict[str, list[Any]] = {}
    for value in graph.input:
        if value.name in initializers:
            continue
        tensor = value.type.tensor_type
        dtype = _ONNX_INPUT_TYPES.get(tensor.elem_type)
        if dtype is None:
            raise ValueError(f"{path}: input {value.name!r} has an ONNX type the bench cannot feed")
        given = given_shapes.get(value.name)
        dims = [d.dim_value if d.HasField("dim_value") and d.dim_value > 0 else None for d in tensor.shape.dim]
        if given is not None:
            if len(given) != len(dims):
                raise ValueError(f"{path}: the shape given for input {value.name} has {len(given)} dimensions, "
                                 f"the input {len(dims)}")
            dims = list(given)
        if any(d is None for d in dims):
            raise ValueError(f"{path}: input {value.name!r} has free dimensions {dims}: give them with "
                             f"--input-shape {value.name}=D0,D1,... or --onnx FILE:{value.name}=D0,D1,...")
        inputs[value.name] = [[int(d) for d in dims if d is not None], dtype]  # none is None here
    if not inputs:
        raise ValueError(f"{path}: the model has no inputs to feed")
    return {"inputs": inputs, "output": graph.output[0].name,
            "nodes": sum(1 for node in graph.node if node.op_type != "Constant")}


def make_workload(name: str, size: int = 224, *, seed: int = 0, weights: str | None = None,
                  input_shapes: dict[str, list[int]] | None = None, info: dict[str, Any] | None = None) -> Workload:
    """The workload ``name``; ``info``: an ONNX-file workload's :meth:`OnnxFile.info`, so that the
    file is not read (nor ``onnx`` imported) again."""
    if name.startswith(ONNX_PREFIX):
        return OnnxFile(name[len(ONNX_PREFIX):], input_shapes, seed=seed, info=info)
    try:
        cls = WORKLOADS[name]
    except KeyError:
        raise ValueError(f"unknown workload {name!r} (known: {', '.join(WORKLOADS)})") from None
    return cls(size, seed=seed, weights=weights if cls is MobileNetV2 else None)
