"""Control flow: ``If`` with a condition that is constant once the input shapes are known (the
taken branch is converted in place; the other is never looked at)."""

from __future__ import annotations

from ....errors import sanitize
from ..core import Node, Scope, Value
from ..registry import converter


@converter("If")
def convert_if(node: Node, scope: Scope) -> list[Value | None]:
    condition = node.need_const(0, "the condition")
    node.check(condition.size == 1, f"the condition has {condition.size} elements, not 1")
    name = "then_branch" if bool(condition.reshape(-1)[0]) else "else_branch"
    branch = node.attr_proto(name)
    node.check(branch is not None, f"{name} is missing")
    graph = branch.g
    inner = Scope(scope)
    importer = node.importer
    importer.check_ops(graph)
    importer.add_initializers(graph, inner)
    importer.run_graph(graph, inner, where=f" in {name} of {node.describe()}")
    results: list[Value | None] = []
    for out in graph.output:
        value = inner.get(out.name)
        node.check(value is not None, f"{name} output {sanitize(out.name)!r} is produced by no node")
        results.append(value)
    node.check(len(results) == node.output_count,
               f"{name} has {len(results)} outputs, the node {node.output_count}")
    return results
