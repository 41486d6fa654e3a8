"""WebNN operations as TFLite operators: one lowering function per op, registered by op name
with the data types it computes exactly.

A lowering receives an :class:`OpLowering` (the operation, its inputs as tensors of the model
being written, its output descriptors) and returns the tensor of each of the operation's
outputs (a list for multi-output ops).  Attributes are the normalized ones of the graph IR:
nothing is re-validated.  The graph has been through the backend's pass pipeline
(:mod:`..pipeline`): convolutions and pools come in NHWC, filters in OHWI.

``@lowering("add", types=SPEC)`` declares the data types the lowering is exact for: an
operation whose operands or outputs have another type is refused at ``build()`` (and the type
is left out of ``op_support_limits()``).

float16: TFLite's kernels compute in float32, so a lowering registered with ``widen=True``
(the default) sees float16 operands as float32 tensors (a CAST, or a float32 copy of a
constant, made once per operand) and makes float32 results, which are rounded to float16 once
per operation: the reference backend's rounding.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ....ir import Graph, OperandDescriptor, Operation
from ...lowering_table import LoweringTable
from ..flatbuffer import ModelWriter, options
from ..types import FLOAT16, FLOAT32, INT32, NUMPY_TYPES, TENSOR_TYPES


class LoweringError(Exception):
    """A valid WebNN operation that this backend cannot express (names the op)."""


#: TFLite's fused activations (ActivationFunctionType).
ACT_NONE, ACT_RELU, ACT_RELU_N1_TO_1, ACT_RELU6 = 0, 1, 2, 3
#: clamp's (min, max) -> the fused activation that computes it.
_CLAMP_ACTIVATIONS = {(0.0, float("inf")): ACT_RELU, (0.0, 6.0): ACT_RELU6, (-1.0, 1.0): ACT_RELU_N1_TO_1}


@dataclass
class ModelState:
    """The model being written, and what is known of the graph's operands in it."""

    graph: Graph
    writer: ModelWriter = field(default_factory=ModelWriter)
    #: operand -> its tensor (of the operand's own data type)
    values: dict[int, int] = field(default_factory=dict)
    #: operand -> its float32 tensor (a float16 operand widened once)
    wide: dict[int, int] = field(default_factory=dict)
    #: operation index -> the tensor of its output, computed by the operation before it
    #: (a relu / clamp fused into it as its activation)
    fused: dict[int, int] = field(default_factory=dict)
    #: operations fused into the one being lowered (their result is its result)
    pending: list[int] = field(default_factory=list)


@dataclass
class OpLowering:
    """One operation being lowered: its inputs (tensors of the model), attributes, descriptors."""

    op: Operation
    index: int
    state: ModelState
    #: float16 operands are seen as float32, and results are made in float32
    widened: bool

    @property
    def graph(self) -> Graph:
        return self.state.graph

    @property
    def writer(self) -> ModelWriter:
        return self.state.writer

    @property
    def attrs(self) -> Any:
        return self.op.attrs

    @property
    def label(self) -> str:
        return f"{self.op.type}" + (f" '{self.op.label}'" if self.op.label else "")

    def has(self, name: str) -> bool:
        return self.op.inputs.get(name) is not None

    def _tensor_of(self, operand: int) -> int:
        tensor = self.state.values[operand]
        if self.widened and self.graph.operands[operand].data_type == "float16":
            wide = self.state.wide.get(operand)
            if wide is None:
                array = self.graph.constants.get(operand)
                shape = self.graph.operands[operand].shape
                if array is not None:
                    wide = self.writer.tensor(shape, FLOAT32, array.astype(np.float32))
                else:
                    wide = self.writer.tensor(shape, FLOAT32)
                    self.writer.operator("CAST", [tensor], [wide])
                self.state.wide[operand] = wide
            return wide
        return tensor

    def input(self, name: str) -> int:
        """The tensor of operand parameter ``name`` (float32 for a widened float16 one)."""
        ref = self.op.inputs[name]
        assert isinstance(ref, int)
        return self._tensor_of(ref)

    def inputs(self, name: str) -> list[int]:
        """The tensors of a sequence parameter (``concat``'s ``inputs``)."""
        ref = self.op.inputs[name]
        assert isinstance(ref, tuple)
        return [self._tensor_of(i) for i in ref]

    def desc(self, name: str) -> OperandDescriptor:
        """The descriptor of operand parameter ``name`` (its own data type)."""
        ref = self.op.inputs[name]
        assert isinstance(ref, int)
        return self.graph.operands[ref]

    def constant_value(self, name: str) -> np.ndarray | None:
        """The value of operand parameter ``name`` when it is a constant of the graph."""
        ref = self.op.inputs[name]
        return self.graph.constants.get(ref) if isinstance(ref, int) else None

    def out(self, index: int = 0) -> OperandDescriptor:
        """The descriptor of output ``index`` (its own data type)."""
        return self.graph.operands[self.op.outputs[index]]

    def type_of(self, data_type: str) -> int:
        """The tensor type this lowering computes ``data_type`` in (float32 for a widened float16)."""
        if self.widened and data_type == "float16":
            return FLOAT32
        return TENSOR_TYPES[data_type]

    def out_type(self, index: int = 0) -> int:
        """The tensor type output ``index`` is made in."""
        return self.type_of(self.out(index).data_type)

    def tensor(self, shape: Sequence[int], tensor_type: int) -> int:
        """A new tensor (for an operator's result)."""
        return self.writer.tensor(shape, tensor_type)

    def emit(self, name: str, inputs: Sequence[int], shape: Sequence[int], tensor_type: int,
             opts: Any = None) -> int:
        """Operator ``name`` on ``inputs``, making one new tensor of ``shape`` / ``tensor_type``."""
        result = self.writer.tensor(shape, tensor_type)
        self.writer.operator(name, inputs, [result], opts)
        return result

    def options(self, name: str, **fields: Any) -> Any:
        """The builtin options table ``name`` ("AddOptions" ...) with ``fields`` set."""
        return options(name, **fields)

    def constant(self, value: Any, tensor_type: int) -> int:
        """A constant tensor of ``tensor_type`` holding ``value``."""
        array = np.asarray(value, dtype=numpy_of(tensor_type))
        return self.writer.tensor(array.shape, tensor_type, array)

    def i32(self, values: Any) -> int:
        """An int32 constant (shapes, axes, pads: an int or nested sequences of ints)."""
        array = np.asarray(values, dtype=np.int32)
        return self.writer.tensor(array.shape, INT32, array)

    def cast(self, tensor: int, tensor_type: int) -> int:
        """``tensor`` cast to ``tensor_type`` (itself when it has that type)."""
        if self.writer.type(tensor) == tensor_type:
            return tensor
        return self.emit("CAST", [tensor], self.writer.shape(tensor), tensor_type)

    def fuse_activation(self) -> int:
        """The fused activation (``ACT_*``) that computes the one operation reading this one's
        result, when that is a relu or a clamp TFLite fuses: that operation is then done by this
        one (its result is this one's).  ``ACT_NONE`` otherwise."""
        if len(self.op.outputs) != 1:
            return ACT_NONE
        operand = self.op.outputs[0]
        consumers = self.graph.consumers(operand)
        if len(consumers) != 1 or operand in self.graph.outputs.values():
            return ACT_NONE
        after = self.graph.operations[consumers[0]]
        if self.graph.operands[after.outputs[0]].data_type not in ("float32", "float16"):
            return ACT_NONE
        if after.type == "relu":
            activation = ACT_RELU
        elif after.type == "clamp":
            low, high = float(after.attrs["min_value"]), float(after.attrs["max_value"])
            # (a bound of -0 is no fused activation's: clamp(-1, -0, 6) is -0)
            positive_zeros = all(math.copysign(1.0, b) > 0 for b in (low, high) if b == 0)
            activation = _CLAMP_ACTIVATIONS.get((low, high), ACT_NONE) if positive_zeros else ACT_NONE
        else:
            return ACT_NONE
        if activation != ACT_NONE:
            self.state.pending.append(consumers[0])  # (the tensor is known once this op is done)
        return activation


def numpy_of(tensor_type: int) -> Any:
    """The NumPy dtype of a TFLite tensor type."""
    return NUMPY_TYPES[tensor_type]


#: The op families with lowerings (modules of this package); ops of other families are refused.
FAMILIES = ("activation", "conv", "elementwise", "indexing", "linalg", "normalization", "pool", "quantization",
            "reduce", "recurrent", "scan", "shape")
#: op name -> its lowering
TABLE = LoweringTable("litert", __name__, FAMILIES)
LOWERINGS = TABLE.entries
load = TABLE.load
refusal = TABLE.refusal


def lowering(*names: str, types: Iterable[str], output_types: Iterable[str] | None = None,
             widen: bool = True) -> Callable[[Callable[[OpLowering], Any]], Callable[[OpLowering], Any]]:
    """Register a lowering of ops ``names``, exact for operands of ``types`` and outputs of
    ``output_types`` (default: ``types``); with ``widen`` (the default) float16 operands come
    as float32 tensors and results are made in float32."""
    return TABLE.lowering(*names, types=types, output_types=output_types, widen=widen)


def lower(graph: Graph, *, inline: bool = False) -> tuple[list[bytes | memoryview], list[str], list[str]]:
    """The TFLite model of ``graph``: its bytes in pieces (:meth:`ModelWriter.pieces`), the
    names of its inputs and of its outputs in the model's order.  ``inline``: the constants
    inside the flatbuffer where they fit."""
    load()
    for op in graph.operations:
        why = refusal(graph, op)
        if why is not None:
            raise LoweringError(why)
    state = ModelState(graph)
    writer = state.writer
    model_inputs = []
    for name, operand in graph.inputs.items():
        desc = graph.operands[operand]
        tensor = writer.tensor(desc.shape, TENSOR_TYPES[desc.data_type], name=name)
        state.values[operand] = tensor
        model_inputs.append(tensor)
    for operand, array in graph.constants.items():
        desc = graph.operands[operand]
        state.values[operand] = writer.tensor(desc.shape, TENSOR_TYPES[desc.data_type], array)
    for index, op in enumerate(graph.operations):
        fused = state.fused.get(index)
        if fused is not None:
            state.values[op.outputs[0]] = fused
            continue
        entry = LOWERINGS[op.type]
        widened = entry.widen and any(graph.operands[o].data_type == "float16"
                                      for o in (*op.input_ids(), *op.outputs))
        e = OpLowering(op, index, state, widened)
        result = entry.func(e)
        results = result if isinstance(result, list) else [result]
        if len(results) != len(op.outputs):
            raise AssertionError(f"{op.type}: lowering returned {len(results)} outputs, expected {len(op.outputs)}")
        for operand, tensor in zip(op.outputs, results):
            desc = graph.operands[operand]
            made = writer.type(tensor)
            if widened and desc.data_type == "float16" and made == FLOAT32:
                state.wide[operand] = tensor
                tensor = e.emit("CAST", [tensor], desc.shape, FLOAT16)
            if writer.type(tensor) != TENSOR_TYPES[desc.data_type] or writer.shape(tensor) != desc.shape:
                raise AssertionError(f"{op.type}: lowering made {writer.type(tensor)} {writer.shape(tensor)}, "
                                     f"expected {desc.data_type} {desc.shape}")
            state.values[operand] = tensor
        for consumer in state.pending:  # (fused into this op: the consumer's result is this op's)
            state.fused[consumer] = state.values[op.outputs[0]]
        state.pending.clear()
    names = list(graph.outputs)
    outputs = []
    for name in names:
        operand = graph.outputs[name]
        tensor = state.values[operand]
        if tensor in model_inputs or operand in graph.constants or tensor in outputs:
            # (a model output is a tensor an operator writes, once)
            desc = graph.operands[operand]
            tensor = _copy(writer, tensor, desc)
        outputs.append(tensor)
    return writer.pieces(model_inputs, outputs, inline=inline), list(graph.inputs), names


def _copy(writer: ModelWriter, tensor: int, desc: OperandDescriptor) -> int:
    """A new tensor holding ``tensor``'s values (a RESHAPE to its own shape)."""
    result = writer.tensor(desc.shape, writer.type(tensor))
    shape = np.asarray(desc.shape, dtype=np.int32)
    writer.operator("RESHAPE", [tensor, writer.tensor(shape.shape, INT32, shape)], [result])
    return result
