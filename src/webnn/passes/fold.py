"""Constant folding: operations whose inputs are all constants become constants.

Values are computed by the reference backend's kernels, so a folded value is exactly
what the reference backend computes at run time.  What folding may make is bounded by the
pipeline's budget (as for an import of a file the size of the graph's constants), and a
result larger than its inputs (an ``expand`` of a scalar, say) is left to run time beyond
:data:`MAX_GROWTH_BYTES`, so that folding never turns a small graph into a large one.
Graph outputs are not folded: an output stays the result of an operation.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..ir import Graph, Operation
from .pipeline import PassContext, register
from .rewrite import Rewriter

#: A folded result may exceed the bytes of its inputs by this much.
MAX_GROWTH_BYTES = 64 * 1024


def work(graph: Graph, op: Operation) -> int:
    """An estimate of the arithmetic of ``op`` (multiply-adds or elements made)."""
    out = sum(graph.operands[o].element_count for o in op.outputs)
    ins = sum(graph.operands[i].element_count for i in op.input_ids())
    if op.type in ("conv2d", "conv_transpose2d"):
        filt = graph.operands[op.inputs["filter"]]  # type: ignore[index]
        return out * max(1, filt.element_count // max(1, filt.shape[0])) + ins
    if op.type in ("matmul", "gemm"):
        a = graph.operands[op.inputs["a"]]  # type: ignore[index]
        return out * max(1, a.shape[-1] if a.shape else 1) + ins
    return out + ins


@register("fold")
def fold_constants(graph: Graph, context: PassContext) -> Graph:
    constants = graph.constants
    outputs = set(graph.outputs.values())
    foldable = [
        op for op in graph.operations
        if op.input_ids() and all(i in constants for i in op.input_ids()) and outputs.isdisjoint(op.outputs)
    ]
    if not foldable:
        return graph
    from ..backends.reference import kernels  # noqa: F401  (registers the kernels)
    from ..backends.reference.registry import KERNELS

    budget = context.budget
    rw = Rewriter(graph)
    changed = False
    with np.errstate(all="ignore"):
        for op in graph.operations:
            values = _fold(rw, graph, op, budget, KERNELS)
            if values is None:
                rw.copy(op)
                continue
            for operand, array in zip(op.outputs, values):
                rw.alias(operand, rw.constant(array, graph.operands[operand].data_type))
            changed = True
    return rw.finish() if changed else graph


def _fold(rw: Rewriter, graph: Graph, op: Operation, budget: Any, kernels: dict[str, Any]) -> list[np.ndarray] | None:
    """The values of ``op``'s outputs when its inputs are (now) constants and it fits, else None."""
    if not op.input_ids() or set(op.outputs) & set(graph.outputs.values()):
        return None
    inputs: dict[str, Any] = {}
    for name, ref in op.inputs.items():
        new = rw.ref(ref)
        if new is None:
            inputs[name] = None
        elif isinstance(new, tuple):
            if any(r not in rw.constants for r in new):
                return None
            inputs[name] = [rw.constants[r] for r in new]
        else:
            if new not in rw.constants:
                return None
            inputs[name] = rw.constants[new]
    made = sum(graph.operands[o].byte_length for o in op.outputs)
    read = sum(graph.operands[i].byte_length for i in op.input_ids())
    cost = work(graph, op)
    if made > read + MAX_GROWTH_BYTES or (budget is not None and not budget.fits(made, cost)):
        return None
    kernel = kernels.get(op.type)
    if kernel is None:
        return None
    try:
        result = kernel(**inputs, **op.attrs)
    except Exception:  # (e.g. out of memory): left to run time, where the backend reports it
        return None
    results = list(result) if isinstance(result, list | tuple) else [result]
    values = []
    for operand, array in zip(op.outputs, results):
        desc = graph.operands[operand]
        array = np.asarray(array)
        if array.shape != desc.shape or len(results) != len(op.outputs):
            raise AssertionError(f"fold {op.type}: the kernel returned {array.shape}, expected {desc.shape}")
        values.append(np.array(array, dtype=desc.numpy_dtype, order="C"))  # (ascontiguousarray makes 0-D 1-D)
    if budget is not None:
        budget.spend(made, cost)
    return values
