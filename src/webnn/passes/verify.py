"""The graph verifier: what every graph must satisfy, checked after each pass.

A pass that produces an invalid graph fails here, at the pass, not three layers later in
an engine error.  ``verify`` checks the structure (every operand defined exactly once and
before use, no dangling ids, inputs / constants / outputs consistent, outputs distinct
and computed by operations) and re-infers every operation through the spec layer: its
output descriptors and normalized attributes must be the ones the graph claims.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from ..ir import Graph, Operation
from ..ops import OPS
from ..ops.base import Check


class VerificationError(AssertionError):
    """A graph breaks an invariant of the IR (a bug in the pass that produced it)."""


def verify(graph: Graph, after: str = "") -> None:
    """Raise :class:`VerificationError` (naming the pass ``after``) if ``graph`` is invalid."""
    where = f"after pass {after}: " if after else ""

    def fail(message: str) -> None:
        raise VerificationError(where + message)

    count = len(graph.operands)
    defined: dict[int, str] = {}

    def define(operand: int, what: str) -> None:
        if not 0 <= operand < count:
            fail(f"{what} defines operand {operand}, which does not exist ({count} operands)")
        if operand in defined:
            fail(f"operand {operand} is defined twice: by {defined[operand]} and by {what}")
        defined[operand] = what

    for name, operand in graph.inputs.items():
        define(operand, f"input {name!r}")
    for operand, array in graph.constants.items():
        define(operand, "a constant")
        desc = graph.operands[operand]
        if not isinstance(array, np.ndarray) or array.dtype != desc.numpy_dtype or array.shape != desc.shape:
            got = f"{getattr(array, 'dtype', type(array).__name__)}{list(getattr(array, 'shape', ()))}"
            fail(f"constant {operand} holds {got}, its descriptor says {desc}")
    for index, op in enumerate(graph.operations):
        what = f"operation {index} ({op.type}{f' {op.label!r}' if op.label else ''})"
        for operand in op.input_ids():
            if operand not in defined:
                fail(f"{what} reads operand {operand} before it is defined (or it is never defined)")
        for operand in op.outputs:
            define(operand, what)
        _check_operation(graph, op, what, fail)
    undefined = sorted(set(range(count)) - defined.keys())
    if undefined:
        fail(f"operands {undefined[:8]} are never defined")
    if not graph.outputs:
        fail("the graph has no outputs")
    for name, operand in graph.outputs.items():
        origin = defined.get(operand)
        if origin is None:
            fail(f"output {name!r} is operand {operand}, which is not defined")
        elif not origin.startswith("operation"):
            fail(f"output {name!r} is {origin}, not the result of an operation")


def _check_operation(graph: Graph, op: Operation, what: str, fail: Any) -> None:
    opdef = OPS.get(op.type)
    if opdef is None:
        fail(f"{what}: {op.type!r} is not a WebNN operation")
        return
    descs: dict[str, Any] = {}
    call: dict[str, Any] = {}
    for name, kind, required in opdef.param_kinds:
        if kind == "value":
            if name not in op.attrs:
                fail(f"{what}: attribute {name!r} is missing")
            call[name] = op.attrs[name]
            continue
        ref = op.inputs.get(name)
        if ref is None:
            if required:
                fail(f"{what}: required input {name!r} is missing")
            call[name] = descs[name] = None
        elif isinstance(ref, tuple):
            call[name] = descs[name] = tuple(graph.operands[r] for r in ref)
        else:
            call[name] = descs[name] = graph.operands[ref]
    unknown = set(op.inputs) - {name for name, kind, _ in opdef.param_kinds if kind != "value"}
    if unknown:
        fail(f"{what}: unknown inputs {sorted(unknown)}")
    constants = {
        name: graph.constants[ref] for name, ref in op.inputs.items() if type(ref) is int and ref in graph.constants
    }
    try:
        result = opdef.infer(Check(op.type, op.label, constants), descs, call)
    except TypeError as exc:
        fail(f"{what} is not valid: {exc}")
        return
    outputs = result.outputs if isinstance(result.outputs, list) else [result.outputs]
    claimed = [graph.operands[o] for o in op.outputs]
    if outputs != claimed:
        fail(f"{what} outputs {', '.join(map(str, claimed))}; the spec infers {', '.join(map(str, outputs))}")
    extra = set(op.attrs) - set(call) - set(result.attrs)
    if extra:
        fail(f"{what}: unknown attributes {sorted(extra)}")
    for name, value in result.attrs.items():
        if not _same(op.attrs.get(name, _MISSING), value):
            fail(f"{what}: attribute {name} is {op.attrs.get(name, '(missing)')!r}; normalized it is {value!r}")


_MISSING = object()


def _same(a: Any, b: Any) -> bool:
    """Equality of attribute values, where NaN equals NaN and -0.0 differs from 0.0."""
    if isinstance(a, float) and isinstance(b, float):
        return a.hex() == b.hex() or (math.isnan(a) and math.isnan(b))
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return bool(a == b) and type(a) is type(b) or (isinstance(a, int | float) and isinstance(b, int | float) and a == b)
