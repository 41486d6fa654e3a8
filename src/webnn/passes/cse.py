"""Common-subexpression elimination: an operation that repeats an earlier one (same type,
same inputs, same attributes) reads the earlier one's results instead; small constants
with the same bytes become one."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from ..ir import Graph
from .pipeline import PassContext, register
from .rewrite import Rewriter

#: Constants up to this size are compared by value (larger ones are rarely equal, and
#: comparing them would cost a hash of every weight).
SMALL_CONSTANT_BYTES = 4096


def attrs_key(value: Any) -> Any:
    """A hashable form of an attribute value in which -0.0 differs from 0.0 and NaN equals NaN."""
    if isinstance(value, float):
        return ("f", "nan" if math.isnan(value) else value.hex())
    if isinstance(value, tuple | list):
        return tuple(attrs_key(v) for v in value)
    if isinstance(value, Mapping):
        return tuple(sorted((k, attrs_key(v)) for k, v in value.items()))
    return (type(value).__name__, value)


@register("cse")
def eliminate_common_subexpressions(graph: Graph, context: PassContext) -> Graph:
    same: dict[int, int] = {}  # operand -> the earlier operand with the same value
    constants: dict[tuple[Any, ...], int] = {}
    for operand, array in graph.constants.items():
        if array.nbytes <= SMALL_CONSTANT_BYTES:
            key = (graph.operands[operand], array.tobytes())
            first = constants.setdefault(key, operand)
            if first != operand:
                same[operand] = first
    seen: dict[tuple[Any, ...], tuple[int, ...]] = {}
    replaced: list[int] = []
    for index, op in enumerate(graph.operations):
        inputs = tuple(
            (name, tuple(same.get(r, r) for r in ref) if isinstance(ref, tuple) else same.get(ref, ref) if ref is not None else None)
            for name, ref in op.inputs.items()
        )
        op_key = (op.type, inputs, attrs_key(op.attrs))
        earlier = seen.get(op_key)
        if earlier is None:
            seen[op_key] = op.outputs
        else:
            same.update(zip(op.outputs, earlier))
            replaced.append(index)
    if not same:
        return graph
    rewriter = Rewriter(graph)
    for operand, first in same.items():
        if operand in graph.constants:
            rewriter.alias(operand, rewriter.value(first))
    skip = set(replaced)
    for index, op in enumerate(graph.operations):
        if index in skip:
            for operand in op.outputs:
                rewriter.alias(operand, rewriter.value(same[operand]))
        else:
            rewriter.copy(op)
    return rewriter.finish()
