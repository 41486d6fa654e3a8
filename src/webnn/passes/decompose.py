"""Shared decompositions: ops a backend lacks, rewritten in other spec ops, once for all backends.

A backend lists the ops it wants decomposed (its ``decompose`` set); this pass replaces each
by the registered decomposition, built through the spec layer like user code.  float16
decompositions compute in float32 and round once at the end, as the reference does, so a
decomposed op gives the reference's results within the WPT tolerances.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..ir import Graph, Operation
from .pipeline import PassContext, register
from .rewrite import Rewriter

#: A decomposition gets the rewriter, the operation and its input (new id, already float32
#: for float16 ops) and returns the new operand holding the op's result (in that type).
Decomposition = Callable[[Rewriter, Operation, int], int]
DECOMPOSITIONS: dict[str, Decomposition] = {}
#: op -> the spec ops its decomposition writes (with the casts of a float16 one): a backend runs
#: a decomposed op on the data types all of them run on.
WRITES: dict[str, tuple[str, ...]] = {}


def decomposition(op_type: str, writes: tuple[str, ...]) -> Callable[[Decomposition], Decomposition]:
    def add(func: Decomposition) -> Decomposition:
        DECOMPOSITIONS[op_type] = func
        WRITES[op_type] = (*writes, "cast")
        return func

    return add


def _scalar(rw: Rewriter, value: float, like: int) -> int:
    desc = rw.desc(like)
    return rw.constant(np.array(value, dtype=desc.numpy_dtype), desc.data_type)


def _affine(rw: Rewriter, op: Operation, x: int, alpha: float, beta: float) -> int:
    scaled = rw.emit1("mul", {"a": x, "b": _scalar(rw, alpha, x)}, label=op.label)
    return rw.emit1("add", {"a": scaled, "b": _scalar(rw, beta, x)}, label=op.label)


@decomposition("linear", ("mul", "add"))
def _linear(rw: Rewriter, op: Operation, x: int) -> int:
    return _affine(rw, op, x, op.attrs["alpha"], op.attrs["beta"])


@decomposition("hard_sigmoid", ("mul", "add", "clamp"))
def _hard_sigmoid(rw: Rewriter, op: Operation, x: int) -> int:
    y = _affine(rw, op, x, op.attrs["alpha"], op.attrs["beta"])
    return rw.emit1("clamp", {"input": y}, {"min_value": 0.0, "max_value": 1.0}, op.label)


@decomposition("hard_swish", ("add", "clamp", "mul", "div"))
def _hard_swish(rw: Rewriter, op: Operation, x: int) -> int:
    shifted = rw.emit1("add", {"a": x, "b": _scalar(rw, 3.0, x)}, label=op.label)
    gate = rw.emit1("clamp", {"input": shifted}, {"min_value": 0.0, "max_value": 6.0}, op.label)
    product = rw.emit1("mul", {"a": x, "b": gate}, label=op.label)
    return rw.emit1("div", {"a": product, "b": _scalar(rw, 6.0, x)}, label=op.label)


@register("decompose")
def decompose(graph: Graph, context: PassContext) -> Graph:
    wanted = context.decompose
    if not wanted or not any(op.type in wanted for op in graph.operations):
        return graph
    missing = sorted({op.type for op in graph.operations if op.type in wanted} - DECOMPOSITIONS.keys())
    if missing:
        raise AssertionError(f"decompose: no decomposition of {', '.join(missing)}")
    rw = Rewriter(graph)
    for op in graph.operations:
        if op.type not in wanted:
            rw.copy(op)
            continue
        x = rw.value(op.inputs["input"])  # type: ignore[arg-type]
        data_type = rw.desc(x).data_type
        if data_type == "float16":
            x = rw.emit1("cast", {"input": x}, {"data_type": "float32"}, op.label)
        y = DECOMPOSITIONS[op.type](rw, op, x)
        if data_type == "float16":
            y = rw.emit1("cast", {"input": y}, {"data_type": "float16"}, op.label)
        rw.alias(op.outputs[0], y)
    return rw.finish()
