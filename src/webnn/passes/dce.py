"""Dead-code elimination: operations and constants that no output depends on go.

Graph inputs always stay: they are the graph's signature, whatever the graph reads.
"""

from __future__ import annotations

from types import MappingProxyType

from ..ir import Graph, InputRef, Operation
from .pipeline import PassContext, register


@register("dce")
def eliminate_dead_code(graph: Graph, context: PassContext) -> Graph:
    needed = set(graph.outputs.values())
    live: list[bool] = [False] * len(graph.operations)
    for index in range(len(graph.operations) - 1, -1, -1):
        op = graph.operations[index]
        if not needed.isdisjoint(op.outputs):
            live[index] = True
            needed.update(op.input_ids())
    unused_constants = [c for c in graph.constants if c not in needed]
    if all(live) and not unused_constants:
        return graph
    needed.update(graph.inputs.values())
    for index, op in enumerate(graph.operations):
        if live[index]:
            needed.update(op.outputs)  # every output of a live multi-output op stays defined
    order = sorted(needed)
    new_id = {old: new for new, old in enumerate(order)}

    def remap(ref: InputRef) -> InputRef:
        if ref is None:
            return None
        if isinstance(ref, tuple):
            return tuple(new_id[r] for r in ref)
        return new_id[ref]

    operations = tuple(
        Operation(op.type, MappingProxyType({k: remap(v) for k, v in op.inputs.items()}), op.attrs,
                  tuple(new_id[o] for o in op.outputs), op.label)
        for index, op in enumerate(graph.operations)
        if live[index]
    )
    return Graph(
        operands=tuple(graph.operands[i] for i in order),
        inputs={n: new_id[i] for n, i in graph.inputs.items()},
        constants={new_id[i]: a for i, a in graph.constants.items() if i in needed},
        operations=operations,
        outputs={n: new_id[i] for n, i in graph.outputs.items()},
    )
