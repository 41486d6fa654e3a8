"""Building the next graph inside a pass.

The IR is immutable, so a pass that changes something writes a new graph with a
:class:`Rewriter`: it walks the old operations, copies each one it keeps
(:meth:`Rewriter.copy`), replaces others by new operations that go through the spec layer
exactly like user code (:meth:`Rewriter.emit`: the op's validation steps, output
descriptors and normalized attributes), and says where old operands now live
(:meth:`Rewriter.alias`).  Operand ids are renumbered densely in definition order.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import numpy as np

from ..ir import Graph, InputRef, OperandDescriptor, Operation, freeze
from ..ops import OPS
from ..ops.base import Check

_NO_ATTRS = freeze({})


class Rewriter:
    """The next graph of ``old``, built one definition at a time (graph inputs come first)."""

    def __init__(self, old: Graph) -> None:
        self.old = old
        self.operands: list[OperandDescriptor] = []
        self.constants: dict[int, np.ndarray] = {}
        self.operations: list[Operation] = []
        self.inputs: dict[str, int] = {}
        #: old operand id -> new operand id
        self.map: dict[int, int] = {}
        #: new operand id -> the new operation that computes it
        self.producers: dict[int, Operation] = {}
        for name, operand in old.inputs.items():
            self.inputs[name] = self.map[operand] = self._new(old.operands[operand])
        for operand, array in old.constants.items():
            self.map[operand] = self._new(old.operands[operand])
            self.constants[self.map[operand]] = array

    # ------------------------------------------------------------------ operands
    def _new(self, desc: OperandDescriptor) -> int:
        self.operands.append(desc)
        return len(self.operands) - 1

    def value(self, old: int) -> int:
        """The new id of old operand ``old`` (KeyError if it is not defined yet)."""
        return self.map[old]

    def ref(self, old: InputRef) -> InputRef:
        """An old operation input (an id, a tuple of ids or None) in new ids."""
        if old is None:
            return None
        if isinstance(old, tuple):
            return tuple(self.map[r] for r in old)
        return self.map[old]

    def desc(self, new: int) -> OperandDescriptor:
        return self.operands[new]

    def constant_value(self, new: int) -> np.ndarray | None:
        """The array of new operand ``new`` when it is a constant, else None."""
        return self.constants.get(new)

    def alias(self, old: int, new: int) -> None:
        """Old operand ``old`` is now computed by new operand ``new`` (same descriptor)."""
        if self.operands[new] != self.old.operands[old]:
            raise AssertionError(
                f"alias: operand {old} is {self.old.operands[old]}, its replacement {self.operands[new]}"
            )
        self.map[old] = new

    def constant(self, array: np.ndarray, data_type: str) -> int:
        """A new constant operand holding ``array`` (of the storage dtype of ``data_type``)."""
        array = np.asarray(array)
        desc = OperandDescriptor(data_type, tuple(int(d) for d in array.shape))
        if array.dtype != desc.numpy_dtype:
            raise AssertionError(f"constant: array dtype {array.dtype} is not the storage of {data_type}")
        if array.flags.writeable:
            array = array.copy() if array.base is not None else array
            array.flags.writeable = False
        operand = self._new(desc)
        self.constants[operand] = array
        return operand

    # ------------------------------------------------------------------ operations
    def copy(self, op: Operation) -> tuple[int, ...]:
        """Keep ``op`` as it is (inputs renumbered); returns its new output ids."""
        outputs = tuple(self._new(self.old.operands[o]) for o in op.outputs)
        for old, new in zip(op.outputs, outputs):
            self.map[old] = new
        inputs = {name: self.ref(ref) for name, ref in op.inputs.items()}
        self._append(Operation(op.type, MappingProxyType(inputs), op.attrs, outputs, op.label))
        return outputs

    def _append(self, op: Operation) -> None:
        self.operations.append(op)
        for output in op.outputs:
            self.producers[output] = op

    def producer(self, new: int) -> Operation | None:
        """The new operation computing new operand ``new`` (None for inputs and constants)."""
        return self.producers.get(new)

    def emit(
        self, op_type: str, inputs: Mapping[str, InputRef], attrs: Mapping[str, Any] | None = None, label: str = ""
    ) -> tuple[int, ...]:
        """A new ``op_type`` operation on new operands ``inputs`` with options ``attrs``,
        validated and inferred by the spec layer; returns its output ids."""
        opdef = OPS[op_type]
        attrs = dict(attrs or {})
        c = Check(op_type, label, {n: self.constants[r] for n, r in inputs.items() if type(r) is int and r in self.constants})
        call: dict[str, Any] = {}
        descs: dict[str, Any] = {}
        refs: dict[str, InputRef] = {}
        for name, kind, _ in opdef.param_kinds:
            if kind == "value":
                call[name] = attrs[name] if name in attrs else next(p.default for p in opdef.params if p.name == name)
                continue
            ref = inputs.get(name)
            refs[name] = ref
            if ref is None:
                call[name] = descs[name] = None
            elif isinstance(ref, tuple):
                call[name] = descs[name] = tuple(self.operands[r] for r in ref)
            else:
                call[name] = descs[name] = self.operands[ref]
        unknown = set(inputs) - set(refs)
        if unknown:
            raise AssertionError(f"emit {op_type}: unknown operand parameters {sorted(unknown)}")
        result = opdef.infer(c, descs, call)
        values = {name: call[name] for name, kind, _ in opdef.param_kinds if kind == "value"}
        values.update(result.attrs)
        outputs = result.outputs if isinstance(result.outputs, list) else [result.outputs]
        ids = tuple(self._new(d) for d in outputs)
        self._append(Operation(op_type, MappingProxyType(refs), freeze(values) if values else _NO_ATTRS, ids, label))
        return ids

    def emit1(
        self, op_type: str, inputs: Mapping[str, InputRef], attrs: Mapping[str, Any] | None = None, label: str = ""
    ) -> int:
        """:meth:`emit` of a single-output op: its output id."""
        (output,) = self.emit(op_type, inputs, attrs, label)
        return output

    # ------------------------------------------------------------------ result
    def finish(self) -> Graph:
        """The new graph, with the old graph's output names.

        Graph outputs stay operands computed by operations (as the builder makes them): an
        output that became a graph input or a constant gets an ``identity``.  (Two outputs
        may name one operand, as in the builder.)
        """
        outputs: dict[str, int] = {}
        for name, old in self.old.outputs.items():
            new = self.map[old]
            if new in self.constants or new in self.inputs.values():
                new = self.emit1("identity", {"input": new})
            outputs[name] = new
        return Graph(
            operands=tuple(self.operands),
            inputs=self.inputs,
            constants=self.constants,
            operations=tuple(self.operations),
            outputs=outputs,
        )
