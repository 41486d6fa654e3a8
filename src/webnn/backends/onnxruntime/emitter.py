"""Building the ONNX model of a WebNN graph, node by node.

An :class:`Emitter` holds the model being built (value names, nodes, initializers); it only
grows.  Each lowering function (``lowering/``) gets an :class:`OpEmitter`, an immutable view
bound to the emitter and to the one operation it lowers: it reads that operation's inputs and
adds nodes named after its label.  Each node is encoded to protobuf bytes as it is added
(:mod:`.onnxproto`), constant data goes in as raw bytes, and large constants
are not copied into the model at all: they are declared as external data and
handed to the session as ``OrtValue``s that share the graph's NumPy memory.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ...ir import Graph, OperandDescriptor, Operation
from . import onnxproto as proto
from .kernels import supports
from .pipeline import OPSET  # (re-exported: the lowerings import it from here)

IR_VERSION = 10
#: Constants at least this large are shared with the session instead of serialized.
SHARED_CONSTANT_BYTES = 1024

#: ONNX element types by name.  WebNN int4 / uint4 values travel as int8 / uint8 (one per
#: byte, as stored); the 4-bit ONNX types appear only inside the model where an op needs them.
ONNX_TYPES: dict[str, int] = {
    "float32": proto.FLOAT, "float16": proto.FLOAT16, "float64": proto.DOUBLE, "int32": proto.INT32,
    "uint32": proto.UINT32, "int64": proto.INT64, "uint64": proto.UINT64, "int8": proto.INT8,
    "uint8": proto.UINT8, "bool": proto.BOOL, "int4": proto.INT4, "uint4": proto.UINT4,
}
#: How each WebNN data type is stored in ONNX values (graph inputs, outputs, initializers).
STORAGE: dict[str, str] = {
    "float32": "float32", "float16": "float16", "int32": "int32", "uint32": "uint32", "int64": "int64",
    "uint64": "uint64", "int8": "int8", "uint8": "uint8", "int4": "int8", "uint4": "uint8",
}
#: Wider types that compute a WebNN type's results exactly (then cast back), in order of
#: preference, for ops whose ONNX Runtime CPU kernel lacks the type.  Two's complement wrap-around
#: is kept: casting back keeps the low bits, and uint64 arithmetic is int64 arithmetic bit for bit.
PROMOTIONS: dict[str, tuple[str, ...]] = {
    "float32": (), "float16": ("float32",), "int32": ("int64",), "uint32": ("int64",), "int64": (),
    "uint64": ("int64",), "int8": ("int32", "int64"), "uint8": ("int32", "int64"),
    "int4": ("int8", "int32"), "uint4": ("uint8", "int32"),
}

#: (op type, storage type, constraint) found supported: the fast path of OpEmitter.compute.
_SUPPORTED: dict[tuple[str, str, str], bool] = {}
_HINTS: dict[str, str] = {}


class LoweringError(Exception):
    """A valid WebNN operation that this backend cannot express (names the op)."""


class Emitter:
    """Accumulates the ONNX graph of one WebNN graph: value names, nodes and initializers.

    Append-only while the graph is lowered.  Lowerings do not use it directly: each gets an
    :class:`OpEmitter`, a view bound to the one operation it lowers, which adds nodes here.
    """

    def __init__(self, graph: Graph, *, share_constants: bool = True) -> None:
        self.graph = graph
        #: False: every constant is written into the model (raw_data), as an exported model
        #: needs; True (the backend): large constants are handed to the session instead.
        self.share_constants = share_constants
        #: Encoded NodeProtos, in order.
        self.nodes: list[bytes] = []
        #: Encoded TensorProtos of the initializers, by value name.
        self.initializers: dict[str, bytes] = {}
        #: Large constants handed to the session as OrtValues: value name -> array.
        self.shared: dict[str, np.ndarray] = {}
        self._inputs = [
            proto.value_info(name, ONNX_TYPES[STORAGE[graph.operands[i].data_type]], graph.operands[i].shape)
            for name, i in graph.inputs.items()
        ]
        self._outputs: list[bytes] = []
        self._read: set[str] = set()  # values some node reads
        self._names: dict[int, str] = dict(zip(graph.inputs.values(), graph.inputs))
        self._reserved = frozenset(graph.inputs)
        self._counter = 0
        self._small_constants: dict[tuple[Any, ...], str] = {}
        for operand, array in graph.constants.items():
            self._names[operand] = self.constant(array, STORAGE[graph.operands[operand].data_type])

    # ------------------------------------------------------------------ names and values
    def fresh(self, hint: str = "t") -> str:
        """A new value name (unique: each ends in its own counter value; graph input names,
        which the user chose, are skipped)."""
        while True:
            self._counter += 1
            name = f"{hint}_{self._counter}"
            if name not in self._reserved:
                return name

    def value(self, operand: int) -> str:
        """The ONNX value name of a WebNN operand."""
        return self._names[operand]

    def bind(self, operand: int, name: str) -> None:
        self._names[operand] = name

    def desc(self, operand: int) -> OperandDescriptor:
        return self.graph.operands[operand]

    # ------------------------------------------------------------------ nodes
    def add(
        self,
        op_type: str,
        inputs: Sequence[str | None],
        attrs: Mapping[str, Any],
        *,
        outputs: int = 1,
        label: str = "",
    ) -> list[str]:
        """Add a node; returns its output names.  The node is named after ``label`` (the
        operation it lowers) when there is one.

        ``None`` inputs are omitted optional inputs: trailing ones are dropped, others become "".
        Attribute values may be bool, int, float, str, sequences of int / float, or NumPy arrays
        (tensors); None values are left out.
        """
        present = list(inputs)
        while present and present[-1] is None:  # omitted trailing optional inputs are left out
            present.pop()
        names_in = ["" if i is None else i for i in present]
        self._read.update(names_in)
        hint = _HINTS.get(op_type) or _HINTS.setdefault(op_type, op_type.lower())
        names = [self.fresh(hint) for _ in range(outputs)]
        attributes = [
            proto.tensor_attribute(key, self._tensor("", value, STORAGE.get(str(value.dtype), str(value.dtype))))
            if isinstance(value, np.ndarray) else proto.attribute(key, value)
            for key, value in attrs.items()
            if value is not None
        ] if attrs else ()
        self.nodes.append(
            proto.node(op_type, names_in, names, attributes, name=self.fresh(label) if label else "")
        )
        return names

    # ------------------------------------------------------------------ constants
    def constant(self, array: np.ndarray, data_type: str | None = None) -> str:
        """An initializer holding ``array`` (as ``data_type``, default its own dtype)."""
        array = np.asarray(array, order="C")  # (np.ascontiguousarray would make 0-D arrays 1-D)
        data_type = data_type or str(array.dtype)
        if data_type == "bool":
            array = array.astype(np.bool_)
        name = self.fresh("const")
        if (
            self.share_constants
            and array.nbytes >= SHARED_CONSTANT_BYTES
            and data_type not in ("int4", "uint4", "bool")
        ):
            # Declared as external data; the session gets the array itself (no copy here).
            self.initializers[name] = proto.tensor(
                name, ONNX_TYPES[data_type], array.shape, None, external_length=array.nbytes
            )
            self.shared[name] = array
        else:
            self.initializers[name] = self._tensor(name, array, data_type)
        return name

    @staticmethod
    def _tensor(name: str, array: np.ndarray, data_type: str) -> bytes:
        if data_type in ("int4", "uint4"):
            # Two values a byte, the first in the low nibble.
            flat = (array.reshape(-1).astype(np.int16) & 0xF).astype(np.uint8)
            if flat.size % 2:
                flat = np.append(flat, np.uint8(0))
            raw = (flat[0::2] | (flat[1::2] << 4)).tobytes()
        else:
            raw = np.asarray(array, dtype=_numpy_type(data_type), order="C").tobytes()
        return proto.tensor(name, ONNX_TYPES[data_type], array.shape, raw)

    def const(self, values: Any, data_type: str) -> str:
        """A small constant of ``data_type`` (shared between uses with the same value)."""
        array = np.asarray(values, dtype=_numpy_type(data_type))
        key = (data_type, array.shape, array.tobytes())
        name = self._small_constants.get(key)
        if name is None:
            name = self._small_constants[key] = self.constant(array, data_type)
        return name

    def i64(self, values: Sequence[int] | int) -> str:
        """An int64 constant (shapes, axes, pads), 1-D for a sequence, a scalar for an int."""
        return self.const(values, "int64")

    # ------------------------------------------------------------------ finish
    def finish(self) -> dict[str, str]:
        """Declare the graph outputs; returns WebNN output name -> ONNX output value name.

        An output that is a graph input or a constant, or the same value as an earlier
        output, goes through an Identity node (ONNX outputs are distinct node outputs).
        """
        names: dict[str, str] = {}
        declared: set[str] = set()
        for name, operand in self.graph.outputs.items():
            value = self.value(operand)
            if value in self._reserved or value in self.initializers or value in declared:
                (value,) = self.add("Identity", [value], {})
            declared.add(value)
            desc = self.graph.operands[operand]
            self._outputs.append(proto.value_info(value, ONNX_TYPES[STORAGE[desc.data_type]], desc.shape))
            names[name] = value
        # Initializers no node reads (e.g. a weight a lowering replaced by a transposed copy)
        # are dropped: ONNX Runtime rejects unused shared ones, and they would waste memory.
        for unused in [n for n in self.initializers if n not in self._read]:
            del self.initializers[unused]
            self.shared.pop(unused, None)
        return names

    def model_bytes(self) -> bytes:
        """The serialized ModelProto (call :meth:`finish` first)."""
        return proto.model(
            self.nodes, self.initializers.values(), self._inputs, self._outputs, opset=OPSET, ir_version=IR_VERSION
        )

    @property
    def model(self) -> Any:
        """The model as an ``onnx.ModelProto`` (parsed with the onnx package; for tests and tools)."""
        import onnx

        return onnx.load_from_string(self.model_bytes())


@dataclass(frozen=True, slots=True, eq=False)
class OpEmitter:
    """The emitter as the lowering of one operation sees it (immutable).

    It reads the operation's inputs and output descriptors, and adds nodes to the shared
    :class:`Emitter`, named after the operation's label; errors name the operation.  Constants
    and value names are the shared emitter's.
    """

    emitter: Emitter
    op: Operation

    @property
    def graph(self) -> Graph:
        return self.emitter.graph

    # ------------------------------------------------------------------ the operation's operands
    def ref(self, name: str) -> int | None:
        """The operand id of the single input ``name`` (None if absent)."""
        ref = self.op.inputs.get(name)
        if isinstance(ref, tuple):
            raise AssertionError(f"{self.op.type}: input {name} is a sequence")
        return ref

    def input(self, name: str) -> str:
        """The ONNX value of the required input ``name``."""
        ref = self.ref(name)
        if ref is None:
            raise AssertionError(f"{self.op.type}: input {name} is absent")
        return self.emitter.value(ref)

    def optional(self, name: str) -> str | None:
        """The ONNX value of the optional input ``name`` (None if absent)."""
        ref = self.ref(name)
        return None if ref is None else self.emitter.value(ref)

    def inputs(self, name: str) -> list[str]:
        """The ONNX values of a sequence input (``concat``'s ``inputs``)."""
        refs = self.op.inputs[name]
        if not isinstance(refs, tuple):
            raise AssertionError(f"{self.op.type}: input {name} is not a sequence")
        return [self.emitter.value(r) for r in refs]

    def input_desc(self, name: str) -> OperandDescriptor:
        """The descriptor of input ``name`` (of its first operand for a sequence)."""
        ref = self.op.inputs.get(name)
        if isinstance(ref, tuple):
            ref = ref[0]
        if ref is None:
            raise AssertionError(f"{self.op.type}: input {name} is absent")
        return self.graph.operands[ref]

    def output_desc(self, index: int = 0) -> OperandDescriptor:
        return self.graph.operands[self.op.outputs[index]]

    def constant_value(self, name: str) -> np.ndarray | None:
        """The array of input ``name`` when it is a graph constant (None otherwise or if absent)."""
        ref = self.ref(name)
        return None if ref is None else self.graph.constants.get(ref)

    # ------------------------------------------------------------------ the shared store
    def fresh(self, hint: str = "t") -> str:
        return self.emitter.fresh(hint)

    def value(self, operand: int) -> str:
        return self.emitter.value(operand)

    def desc(self, operand: int) -> OperandDescriptor:
        return self.graph.operands[operand]

    def constant(self, array: np.ndarray, data_type: str | None = None) -> str:
        return self.emitter.constant(array, data_type)

    def const(self, values: Any, data_type: str) -> str:
        return self.emitter.const(values, data_type)

    def i64(self, values: Sequence[int] | int) -> str:
        return self.emitter.i64(values)

    # ------------------------------------------------------------------ nodes
    def node(self, op_type: str, inputs: Sequence[str | None], **attrs: Any) -> str:
        """Add a node with one output (see :meth:`Emitter.add`); returns its name."""
        return self.emitter.add(op_type, inputs, attrs, label=self.op.label)[0]

    def nodes(self, op_type: str, inputs: Sequence[str | None], count: int, **attrs: Any) -> list[str]:
        """Add a node with ``count`` outputs; returns their names."""
        return self.emitter.add(op_type, inputs, attrs, outputs=count, label=self.op.label)

    def cast(self, value: str, to: str) -> str:
        return self.node("Cast", [value], to=ONNX_TYPES[to])

    def compute(
        self,
        op_type: str,
        inputs: Sequence[str | None],
        data_type: str,
        *,
        typed: Sequence[int] | None = None,
        result_type: str | None = None,
        promote: Sequence[str] | None = None,
        constraint: str = "T",
        **attrs: Any,
    ) -> str:
        """``op_type`` on values of WebNN type ``data_type``.

        When ONNX Runtime's CPU kernel lacks ``data_type``, the inputs at positions ``typed``
        (default: all) are cast to the first type of ``promote`` (default
        ``PROMOTIONS[data_type]``) that it has, and the result is cast back to
        ``result_type`` (default ``data_type``).
        """
        storage = STORAGE[data_type]
        if _SUPPORTED.get((op_type, storage, constraint)) or supports(OPSET, op_type, storage, constraint) is not False:
            _SUPPORTED[(op_type, storage, constraint)] = True
            out = self.node(op_type, inputs, **attrs)
            if result_type is None or result_type == data_type or result_type == storage:
                return out
            return self.cast(out, result_type)
        result_type = result_type or data_type
        candidates = PROMOTIONS[data_type] if promote is None else promote
        wide = next((t for t in candidates if supports(OPSET, op_type, t, constraint)), None)
        if wide is None:
            raise LoweringError(
                f"{self.op.type}: ONNX Runtime has no {op_type} kernel for {data_type} "
                f"(nor for {', '.join(candidates) or 'a wider type'})"
            )
        positions = range(len(inputs)) if typed is None else typed
        cast_inputs = [
            self.cast(v, wide) if i in positions and v is not None else v for i, v in enumerate(inputs)
        ]
        out = self.node(op_type, cast_inputs, **attrs)
        return self.cast(out, STORAGE.get(result_type, result_type))


def _numpy_type(data_type: str) -> np.dtype:
    return np.dtype({"float32": "float32", "float64": "float64", "bool": "bool", "int4": "int8",
                     "uint4": "uint8"}.get(data_type, data_type))
