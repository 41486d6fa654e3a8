"""Dead-code elimination: operations and constants that no output depends on go.

Graph inputs always stay: they are the graph's signature, whatever the graph reads.
"""

from __future__ import annotations

from ..ir import Graph, compact
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
    live_operations = {index for index, alive in enumerate(live) if alive}
    return compact(graph.operands, graph.inputs, graph.constants, graph.operations, graph.outputs,
                   live_operations, needed)
