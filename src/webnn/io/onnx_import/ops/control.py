"""Control flow: ``If``.

A branch is a graph like the model's own: it is converted by the same importer (its
initializers, ``Constant`` nodes and every op alike), in a scope nested in the node's, so it
reads the values of the graphs around it.

With a condition that is constant once the input shapes (and the fixed input values) are known,
the taken branch is converted in place and the other is never looked at.  With a condition
computed at run time, both branches are converted (they have no side effects) and each output
is chosen with ``where``: this needs the two branches' outputs to agree in shape and type, and
both branches to be importable for the model's input shapes.  The condition may have any shape
holding one element.
"""

from __future__ import annotations

import math

from ....errors import NotSupportedError, sanitize
from .. import types as T
from ..core import Node, Scope, Value, inputs_text
from ..registry import converter

#: How deep ``If`` nodes may nest (far deeper than real models; each level costs Python stack).
MAX_DEPTH = 64


def _branch(node: Node, scope: Scope, name: str) -> list[Value]:
    """The outputs of branch ``name``, converted in a scope nested in ``scope``."""
    branch = node.attr_proto(name)
    node.check(branch is not None, f"{name} is missing")
    node.check(scope.depth < MAX_DEPTH, f"the If nodes nest more than {MAX_DEPTH} deep")
    graph = branch.g
    inner = Scope(scope)
    importer = node.importer
    importer.check_ops(graph)
    importer.add_initializers(graph, inner)
    importer.run_graph(graph, inner, where=f" in {name} of {node.describe()}")
    results: list[Value] = []
    for out in graph.output:
        value = inner.get(out.name)
        node.check(value is not None, f"{name} output {sanitize(out.name)!r} is produced by no node")
        assert value is not None
        results.append(value)
    node.check(len(results) == node.output_count, f"{name} has {len(results)} outputs, the node {node.output_count}")
    return results


def _why_both(node: Node, scope: Scope, who: str) -> str:
    """Why the node (``who``) imports both branches, and how to make it import one."""
    sources = node.importer.sources(node.proto.input[0], scope)
    text = f"{who} imports both of its branches, as its condition is only known at run time"
    if sources:
        text += (f" (it is computed from {inputs_text(sources)}); if such an input is a setting rather than "
                 "data, fixing its value with input_values= (command line: --input-value NAME=V) imports only "
                 "the branch it takes")
    return text


def _both_branches(node: Node, scope: Scope) -> tuple[list[Value], list[Value]]:
    """Both branches, converted; a branch that cannot be converted (for the model's input shapes,
    say) fails saying why it was converted at all."""
    try:
        return _branch(node, scope, "then_branch"), _branch(node, scope, "else_branch")
    except NotSupportedError as exc:
        raise NotSupportedError(f"{exc}. {_why_both(node, scope, node.describe())}") from None


@converter("If")
def convert_if(node: Node, scope: Scope) -> list[Value | None]:
    condition = node.input(0)
    node.check(math.prod(condition.shape) == 1,
               f"the condition has shape {list(condition.shape)}, not one element")
    if condition.const is not None:
        taken = "then_branch" if bool(condition.const.reshape(-1)[0]) else "else_branch"
        return list(_branch(node, scope, taken))
    then, other = _both_branches(node, scope)
    flag = node.x(0)
    if condition.elem != T.BOOL:
        flag = node.b.not_equal(flag, node.scalar(0, flag))
    if condition.shape:
        flag = node.b.reshape(flag, [])
    results: list[Value | None] = []
    for i, (a, b) in enumerate(zip(then, other)):
        node.check(a.shape == b.shape and a.elem == b.elem,
                   f"output {i} differs between the branches ({T.name(a.elem)} {list(a.shape)} and "
                   f"{T.name(b.elem)} {list(b.shape)}), so it cannot be chosen at run time: {_why_both(node, scope, 'the If')}")
        chosen = node.b.where(flag, node.operand_of(a), node.operand_of(b), label=node.label())
        results.append(node.out(chosen, a.elem))
    return results
