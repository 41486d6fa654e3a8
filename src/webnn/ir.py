"""The immutable graph representation that backends consume.

The builder validates every operation and infers its output descriptors when
the operation is added; a :class:`Graph` therefore only holds valid operations,
in topological order, with normalized attributes.  Backends never re-validate.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from types import MappingProxyType
from typing import Any, NamedTuple

import numpy as np

from . import dtypes

#: Highest rank this implementation supports where the spec allows any rank.
MAX_RANK = 8
#: A valid dimension is a positive integer in the range of ``long`` (int32).
MAX_DIMENSION = 2**31 - 1
#: The largest tensor, in bytes (``MLOpSupportLimits.maxTensorByteLength``).
MAX_TENSOR_BYTE_LENGTH = 2**31 - 1


class OperandDescriptor(NamedTuple):
    """Data type and shape of an operand (the spec's ``MLOperandDescriptor``)."""

    data_type: str
    shape: tuple[int, ...]

    @property
    def rank(self) -> int:
        return len(self.shape)

    @property
    def element_count(self) -> int:
        return math.prod(self.shape)

    @property
    def byte_length(self) -> int:
        return self.element_count * dtypes.info(self.data_type).byte_size

    @property
    def numpy_dtype(self) -> np.dtype:
        return dtypes.to_numpy(self.data_type)

    def to_dict(self) -> dict[str, Any]:
        """The spec's dictionary form: ``{"dataType": ..., "shape": [...]}``."""
        return {"dataType": self.data_type, "shape": list(self.shape)}

    def __str__(self) -> str:
        return f"{self.data_type}[{', '.join(map(str, self.shape))}]"


#: An operation input: one operand id, a tuple of ids (``concat``), or None (absent option).
InputRef = int | tuple[int, ...] | None


class Operation(NamedTuple):
    """One operator application.

    ``type`` is the snake_case op name (``"conv2d"``); ``inputs`` maps the op's
    operand parameter names (``"input"``, ``"filter"``, ``"bias"``) to operand
    ids; ``attrs`` maps its other parameter names to normalized values (tuples,
    not lists; defaults filled in).
    """

    type: str
    inputs: Mapping[str, InputRef]
    attrs: Mapping[str, Any]
    outputs: tuple[int, ...]
    label: str = ""

    def input_ids(self) -> tuple[int, ...]:
        ids: list[int] = []
        for ref in self.inputs.values():
            if isinstance(ref, tuple):
                ids.extend(ref)
            elif ref is not None:
                ids.append(ref)
        return tuple(ids)


class Graph:
    """A validated computational graph (immutable).

    Operand ids index ``operands``.  ``constants`` holds read-only arrays whose
    dtype is the storage dtype of the operand's data type.
    """

    __slots__ = ("operands", "inputs", "constants", "operations", "outputs", "_consumers", "_digest")
    operands: tuple[OperandDescriptor, ...]
    inputs: Mapping[str, int]
    constants: Mapping[int, np.ndarray]
    operations: tuple[Operation, ...]
    outputs: Mapping[str, int]
    _consumers: Mapping[int, tuple[int, ...]]
    _digest: str | None

    def __init__(
        self,
        operands: tuple[OperandDescriptor, ...],
        inputs: Mapping[str, int],
        constants: Mapping[int, np.ndarray],
        operations: tuple[Operation, ...],
        outputs: Mapping[str, int],
    ) -> None:
        consumers: dict[int, list[int]] = {}
        for index, op in enumerate(operations):
            for operand in op.input_ids():
                consumers.setdefault(operand, []).append(index)
        for name, value in (
            ("operands", tuple(operands)),
            ("inputs", MappingProxyType(dict(inputs))),
            ("constants", MappingProxyType(dict(constants))),
            ("operations", tuple(operations)),
            ("outputs", MappingProxyType(dict(outputs))),
            ("_consumers", MappingProxyType({k: tuple(v) for k, v in consumers.items()})),
            ("_digest", None),  # (webnn.fingerprint.graph_digest, computed once)
        ):
            object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("Graph is immutable")

    def consumers(self, operand: int) -> tuple[int, ...]:
        """Indices (into ``operations``) of the operations that read ``operand``."""
        return self._consumers.get(operand, ())

    @property
    def input_descriptors(self) -> dict[str, OperandDescriptor]:
        return {name: self.operands[i] for name, i in self.inputs.items()}

    @property
    def output_descriptors(self) -> dict[str, OperandDescriptor]:
        return {name: self.operands[i] for name, i in self.outputs.items()}


def compact(
    operands: Sequence[OperandDescriptor],
    inputs: Mapping[str, int],
    constants: Mapping[int, np.ndarray],
    operations: Sequence[Operation],
    outputs: Mapping[str, int],
    live_operations: Collection[int],
    keep: Collection[int],
) -> Graph:
    """The graph of the operations at indices ``live_operations`` and the operands ``keep``
    (which holds every operand they read or define), operand ids renumbered densely in their
    order; inputs and constants not kept are left out."""
    order = sorted(keep)
    new_id = {old: new for new, old in enumerate(order)}

    def remap(ref: InputRef) -> InputRef:
        if ref is None:
            return None
        if isinstance(ref, tuple):
            return tuple(new_id[r] for r in ref)
        return new_id[ref]

    return Graph(
        operands=tuple(operands[i] for i in order),
        inputs={n: new_id[i] for n, i in inputs.items() if i in new_id},
        constants={new_id[i]: a for i, a in constants.items() if i in new_id},
        operations=tuple(
            Operation(op.type, MappingProxyType({k: remap(v) for k, v in op.inputs.items()}), op.attrs,
                      tuple(new_id[o] for o in op.outputs), op.label)
            for index, op in enumerate(operations)
            if index in live_operations
        ),
        outputs={n: new_id[i] for n, i in outputs.items()},
    )


_ATOMS = frozenset({int, float, str, bool, type(None)})


def freeze(value: Any) -> Any:
    """Lists become tuples, dicts read-only mappings, recursively."""
    if type(value) in _ATOMS:
        return value
    if isinstance(value, list | tuple):
        return tuple(freeze(v) for v in value)
    if isinstance(value, dict):
        if not value:
            return _EMPTY
        return MappingProxyType({k: freeze(v) for k, v in value.items()})
    return value


_EMPTY: Mapping[str, Any] = MappingProxyType({})
