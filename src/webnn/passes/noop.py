"""No-op removal: operations whose result is their input, and pairs that undo each other.

- ``identity``; ``reshape`` / ``expand`` to the input's own shape; ``cast`` to its own type;
  ``transpose`` by the identity permutation; ``slice`` of the whole input; ``pad`` by zero;
  ``concat`` of one input: each is replaced by its input.
- ``transpose`` of a ``transpose``: one transpose by the composed permutation, or none when
  they cancel; ``reshape`` of a ``reshape``: one reshape.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..ir import Graph, Operation
from .pipeline import PassContext, register
from .rewrite import Rewriter

#: A rule looks at an operation (inputs already in new ids) and returns the new operand that
#: replaces its output, or None to keep it.
Rule = Callable[[Rewriter, Operation, dict[str, Any]], "int | None"]
RULES: dict[str, Rule] = {}


def rule(*op_types: str) -> Callable[[Rule], Rule]:
    def add(func: Rule) -> Rule:
        for op_type in op_types:
            RULES[op_type] = func
        return func

    return add


@rule("identity")
def _identity(rw: Rewriter, op: Operation, inputs: dict[str, Any]) -> int | None:
    return int(inputs["input"])


@rule("reshape")
def _reshape(rw: Rewriter, op: Operation, inputs: dict[str, Any]) -> int | None:
    x = inputs["input"]
    if rw.desc(x).shape == tuple(op.attrs["new_shape"]):
        return int(x)
    inner = rw.producer(x)
    if inner is not None and inner.type == "reshape":
        source = inner.inputs["input"]
        if rw.desc(source).shape == tuple(op.attrs["new_shape"]):  # type: ignore[arg-type]
            return int(source)  # type: ignore[arg-type]
        return rw.emit1("reshape", {"input": source}, {"new_shape": op.attrs["new_shape"]}, op.label)
    return None


@rule("expand")
def _expand(rw: Rewriter, op: Operation, inputs: dict[str, Any]) -> int | None:
    x = inputs["input"]
    return int(x) if rw.desc(x).shape == tuple(op.attrs["new_shape"]) else None


@rule("cast")
def _cast(rw: Rewriter, op: Operation, inputs: dict[str, Any]) -> int | None:
    x = inputs["input"]
    return int(x) if rw.desc(x).data_type == op.attrs["data_type"] else None


@rule("transpose")
def _transpose(rw: Rewriter, op: Operation, inputs: dict[str, Any]) -> int | None:
    x = inputs["input"]
    perm = tuple(op.attrs["permutation"])
    if perm == tuple(range(len(perm))):
        return int(x)
    inner = rw.producer(x)
    if inner is None or inner.type != "transpose":
        return None
    first = tuple(inner.attrs["permutation"])
    composed = tuple(first[p] for p in perm)
    source = inner.inputs["input"]
    if composed == tuple(range(len(composed))):
        return int(source)  # type: ignore[arg-type]
    return rw.emit1("transpose", {"input": source}, {"permutation": composed}, op.label)


@rule("slice")
def _slice(rw: Rewriter, op: Operation, inputs: dict[str, Any]) -> int | None:
    x = inputs["input"]
    a = op.attrs
    whole = not any(a["starts"]) and tuple(a["sizes"]) == rw.desc(x).shape and all(s == 1 for s in a["strides"])
    return int(x) if whole else None


@rule("pad")
def _pad(rw: Rewriter, op: Operation, inputs: dict[str, Any]) -> int | None:
    a = op.attrs
    return int(inputs["input"]) if not any(a["beginning_padding"]) and not any(a["ending_padding"]) else None


@rule("concat")
def _concat(rw: Rewriter, op: Operation, inputs: dict[str, Any]) -> int | None:
    parts = inputs["inputs"]
    return int(parts[0]) if len(parts) == 1 else None


@register("noop")
def remove_noops(graph: Graph, context: PassContext) -> Graph:
    if not any(op.type in RULES for op in graph.operations):
        return graph
    rw = Rewriter(graph)
    outputs = set(graph.outputs.values())
    changed = False
    for op in graph.operations:
        fn = RULES.get(op.type)
        replacement = None
        if fn is not None:
            inputs = {name: rw.ref(ref) for name, ref in op.inputs.items()}
            replacement = fn(rw, op, inputs)
            if (
                replacement is not None
                and op.outputs[0] in outputs
                and (replacement in rw.constants or replacement in rw.inputs.values())
            ):
                replacement = None  # an output must stay computed: keep the op (identity may lack the type)
        if replacement is None:
            rw.copy(op)
        else:
            rw.alias(op.outputs[0], replacement)
            changed = True
    return rw.finish() if changed else graph
