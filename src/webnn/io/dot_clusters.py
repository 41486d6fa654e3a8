"""Boxes around the parts of a large graph picture: the operations grouped by the prefixes of their
labels (``block3.expand`` and ``block3.add`` in a box ``block3``; ``/encoder/layer.0/attn/MatMul``
in ``layer.0`` inside ``encoder``), as DOT ``subgraph cluster_N`` blocks.

A prefix becomes a box only when it groups at least ``MIN_OPS`` operations that are connected among
themselves (a block of the network, not a kind of operation: ``p2o.Conv.3`` and ``p2o.Conv.4``, far
apart, share the prefix ``p2o.Conv`` but no edge), and when it groups fewer than its enclosing box
does (a prefix every operation has draws no box).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from ..ir import Graph

#: What separates the parts of a label's path.
SEPARATORS = re.compile(r"[./]")
#: The fewest operations a box holds.
MIN_OPS = 3


class Cluster(NamedTuple):
    label: str  # the prefix, as the labels write it
    ops: tuple[int, ...]  # the operations directly in it (not in a box inside it)
    children: tuple[Cluster, ...]


def _prefixes(label: str) -> list[str]:
    """The label's proper prefixes that end at a separator, outermost first, without a leading
    separator: ``a.b/c`` gives ``a`` and ``a.b``; ``/enc/layer.0/MatMul`` gives ``enc``, ``enc/layer``
    and ``enc/layer.0``."""
    out: list[str] = []
    for match in SEPARATORS.finditer(label):
        text = label[:match.start()].lstrip("./")
        if text and (not out or out[-1] != text):
            out.append(text)
    return out


def clusters(graph: Graph) -> list[Cluster]:
    """The boxes of ``graph``, outermost first (each with the boxes inside it)."""
    members: dict[str, list[int]] = {}
    for index, op in enumerate(graph.operations):
        for text in _prefixes(op.label):
            members.setdefault(text, []).append(index)
    if not members:
        return []
    links = _links(graph)
    kept = {text: ops for text, ops in members.items() if len(ops) >= MIN_OPS and _connected(ops, links)}
    # each operation in its deepest kept prefix; a prefix holding as many as its parent draws no box
    parent: dict[str, str | None] = {}
    home: dict[int, str] = {}
    for index, op in enumerate(graph.operations):
        above: str | None = None
        for text in _prefixes(op.label):
            if text not in kept:
                continue
            if above is not None and len(kept[text]) == len(kept[above]):
                continue  # the same operations as the box around it
            if above is None and len(kept[text]) == len(graph.operations):
                continue  # every operation
            parent.setdefault(text, above)
            above = text
        if above is not None:
            home[index] = above
    direct: dict[str, list[int]] = {}
    for index, text in home.items():
        direct.setdefault(text, []).append(index)
    inner: dict[str | None, list[str]] = {}
    for text, above in parent.items():
        inner.setdefault(above, []).append(text)

    def build(text: str) -> Cluster:
        return Cluster(text, tuple(direct.get(text, ())), tuple(build(child) for child in inner.get(text, ())))

    return [build(text) for text in inner.get(None, ())]


def _links(graph: Graph) -> dict[int, set[int]]:
    """Which operations an edge joins (either way)."""
    producer = {operand: index for index, op in enumerate(graph.operations) for operand in op.outputs}
    links: dict[int, set[int]] = {index: set() for index in range(len(graph.operations))}
    for index, op in enumerate(graph.operations):
        for operand in op.input_ids():
            source = producer.get(operand)
            if source is not None:
                links[index].add(source)
                links[source].add(index)
    return links


def _connected(ops: list[int], links: dict[int, set[int]]) -> bool:
    """Whether the operations are joined by edges among themselves."""
    inside = set(ops)
    seen = {ops[0]}
    todo = [ops[0]]
    while todo:
        for other in links[todo.pop()] & inside:
            if other not in seen:
                seen.add(other)
                todo.append(other)
    return len(seen) == len(inside)


def dot_lines(graph: Graph, quote: Callable[[str], str]) -> list[str]:
    """The ``subgraph cluster_N`` blocks of ``graph``'s boxes (node ids as ``graph_to_dot`` names
    them), indented two spaces a level; ``quote`` writes a DOT string."""
    lines: list[str] = []
    counter = iter(range(1 << 30))

    def emit(cluster: Cluster, depth: int) -> None:
        pad = "  " * depth
        lines.append(f"{pad}subgraph cluster_{next(counter)} {{")
        lines.append(f'{pad}  label={quote(cluster.label)}; style="rounded,filled"; fillcolor="{_fill(depth)}"; '
                     'color="#9aa5b1"; fontname="Helvetica"; fontsize=10;')
        if cluster.ops:
            lines.append(f"{pad}  {'; '.join(f'op_{index}' for index in cluster.ops)};")
        for child in cluster.children:
            emit(child, depth + 1)
        lines.append(f"{pad}}}")

    for cluster in clusters(graph):
        emit(cluster, 1)
    return lines


def _fill(depth: int) -> str:
    """Nested boxes a shade darker each level."""
    return FILLS[min(depth, len(FILLS)) - 1]


#: The boxes' fill colours, outermost first.
FILLS = ("#f6f8fa", "#eceff3", "#e2e7ed", "#d8dfe7")
