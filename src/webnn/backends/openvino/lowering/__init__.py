"""WebNN operations as OpenVINO nodes: one lowering function per op, registered by op name
with the data types it computes exactly.

A lowering receives an :class:`OpLowering` (the operation being lowered, its inputs as
OpenVINO outputs, its output descriptors) and returns the OpenVINO output of each of the
operation's outputs (a list for multi-output ops).  Attributes are the normalized ones of the
graph IR: nothing is re-validated.  The graph has been through the backend's pass pipeline
(:mod:`..pipeline`): convolutions, pools and instance normalization come in NCHW / OIHW only.

``@lowering("add", "sub", types=SPEC)`` declares the data types the lowering is exact for:
an operation whose operands or outputs have another type is refused at ``build()`` (and the
type is left out of ``op_support_limits()``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import openvino as ov
import openvino.opset16 as ops

from ....ir import Graph, OperandDescriptor, Operation
from ...lowering_table import LoweringTable
from ..types import ELEMENT_TYPES


class LoweringError(Exception):
    """A valid WebNN operation that this backend cannot express (names the op)."""


@dataclass(frozen=True)
class Target:
    """What the lowerings may rely on of the device that compiles the model.

    ``ordered_max``: the device's float Maximum(a, b) returns ``b`` when either is NaN or both
    are zeros (x86's MAXPS, which the CPU plugin's kernels use), so that Maximum(bound, x) keeps
    a NaN or -0 ``x`` as WebNN's reference does, and relu / clamp need no compare-and-select.
    """

    ordered_max: bool = False


@dataclass(frozen=True)
class OpLowering:
    """One operation being lowered: its inputs (OpenVINO outputs), attributes, descriptors."""

    op: Operation
    graph: Graph
    values: Mapping[int, Any]
    target: Target = Target()

    @property
    def attrs(self) -> Mapping[str, Any]:
        return self.op.attrs

    def has(self, name: str) -> bool:
        return self.op.inputs.get(name) is not None

    def input(self, name: str) -> Any:
        """The OpenVINO output of operand parameter ``name``."""
        ref = self.op.inputs[name]
        assert isinstance(ref, int)
        return self.values[ref]

    def inputs(self, name: str) -> list[Any]:
        """The OpenVINO outputs of a sequence parameter (``concat``'s ``inputs``)."""
        ref = self.op.inputs[name]
        assert isinstance(ref, tuple)
        return [self.values[i] for i in ref]

    def desc(self, name: str) -> OperandDescriptor:
        """The descriptor of operand parameter ``name``."""
        ref = self.op.inputs[name]
        assert isinstance(ref, int)
        return self.graph.operands[ref]

    def out(self, index: int = 0) -> OperandDescriptor:
        """The descriptor of output ``index``."""
        return self.graph.operands[self.op.outputs[index]]

    def constant(self, value: Any, data_type: str) -> Any:
        """A constant of ``data_type`` (its storage type) holding ``value``."""
        return ops.constant(np.asarray(value, dtype=_NUMPY[data_type]))

    def reshape(self, value: Any, shape: Iterable[int]) -> Any:
        """``value`` reshaped to ``shape``; to 0-D with a Squeeze (a Reshape to [] after some ops,
        MatMul among them, crashes the CPU plugin's compile)."""
        dims = list(shape)
        value = value.output(0) if hasattr(value, "output") else value
        if dims:
            return ops.reshape(value, self.i64(dims), special_zero=False).output(0)
        rank = len(value.get_partial_shape())
        return ops.squeeze(value, self.i64(list(range(rank)))).output(0) if rank else value

    def i64(self, values: Iterable[int] | int) -> Any:
        """An int64 constant (shapes, axes, pads)."""
        return ops.constant(np.asarray(values if isinstance(values, int) else list(values), dtype=np.int64))


_NUMPY = {name: np.dtype(t.to_dtype()) for name, t in ELEMENT_TYPES.items()}

#: The op families with lowerings (modules of this package); ops of other families are refused.
FAMILIES = ("activation", "conv", "elementwise", "indexing", "linalg", "normalization", "pool", "quantization",
            "reduce", "scan", "shape")
#: op name -> its lowering
TABLE = LoweringTable("openvino", __name__, FAMILIES)
LOWERINGS = TABLE.entries
lowering = TABLE.lowering
load = TABLE.load
refusal = TABLE.refusal


def lower(graph: Graph, target: Target = Target()) -> tuple[Any, list[str], dict[int, np.ndarray]]:
    """The OpenVINO model of ``graph`` for a device described by ``target``, the names of its outputs in the model's order, and the
    arrays to feed to the model's parameters after the graph's inputs (by position): constants
    that the CPU plugin would change if they were constants (uint32 values of 2**31 and more
    are capped at 2**31 - 1 by its constant folding)."""
    load()
    values: dict[int, Any] = {}
    parameters = []
    for name, operand in graph.inputs.items():
        desc = graph.operands[operand]
        parameter = ops.parameter(list(desc.shape), ELEMENT_TYPES[desc.data_type], name=name)
        parameters.append(parameter)
        values[operand] = parameter.output(0)
    fed: dict[int, np.ndarray] = {}
    for operand, array in graph.constants.items():
        if array.dtype == np.uint32 and array.size and int(array.max()) >= 2**31:
            parameter = ops.parameter(list(array.shape), ov.Type.u32, name=f"webnn_constant_{operand}")
            fed[len(parameters)] = array
            parameters.append(parameter)
            values[operand] = parameter.output(0)
            continue
        values[operand] = ops.constant(array).output(0)  # (copied: OpenVINO shares writable arrays only)
    for op in graph.operations:
        why = refusal(graph, op)
        if why is not None:
            raise LoweringError(why)
        result = LOWERINGS[op.type].func(OpLowering(op, graph, values, target))
        results = result if isinstance(result, list) else [result]
        if len(results) != len(op.outputs):
            raise AssertionError(f"{op.type}: lowering returned {len(results)} outputs, expected {len(op.outputs)}")
        for operand, value in zip(op.outputs, results):
            value = value.output(0) if hasattr(value, "output") else value
            desc = graph.operands[operand]
            if value.get_element_type() != ELEMENT_TYPES[desc.data_type]:
                raise AssertionError(f"{op.type}: lowering made {value.get_element_type()}, expected {desc.data_type}")
            values[operand] = value
    names = list(graph.outputs)  # (outputs are read by position: no tensor names needed)
    results = [ops.result(values[graph.outputs[name]]) for name in names]
    return ov.Model(results, parameters, "webnn"), names, fed
