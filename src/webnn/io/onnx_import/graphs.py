"""Walking an ONNX graph, its sub-graphs (``If`` branches, ``Loop`` bodies, ...) and its tensors,
without recursion: a file may nest graphs deeper than Python's recursion limit."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def subgraphs(node: Any) -> Iterator[Any]:
    """The graphs held by ``node``'s attributes."""
    for attr in node.attribute:
        if attr.HasField("g"):
            yield attr.g
        yield from attr.graphs


def walk_graphs(graph: Any) -> Iterator[Any]:
    """``graph`` and every graph nested in it, at any depth."""
    stack = [graph]
    while stack:
        current = stack.pop()
        yield current
        for node in current.node:
            stack.extend(subgraphs(node))


def walk_nodes(graph: Any) -> Iterator[Any]:
    """Every node of ``graph`` and of its sub-graphs."""
    for current in walk_graphs(graph):
        yield from current.node


#: AttributeProto.AttributeType values of the attributes that hold tensors.
TENSOR, TENSORS, SPARSE_TENSOR, SPARSE_TENSORS = 4, 9, 11, 12


def walk_tensors(graph: Any) -> Iterator[Any]:
    """Every TensorProto of ``graph`` and its sub-graphs: initializers, the values and indices of
    sparse initializers, and tensor-valued attributes (``Constant``'s ``value``, ...), found by
    the attribute's declared type."""
    for current in walk_graphs(graph):
        yield from current.initializer
        for sparse in current.sparse_initializer:
            yield sparse.values
            yield sparse.indices
        for node in current.node:
            for attr in node.attribute:
                kind = attr.type
                if kind == TENSOR:
                    yield attr.t
                elif kind == TENSORS:
                    yield from attr.tensors
                elif kind in (SPARSE_TENSOR, SPARSE_TENSORS):
                    for sparse in [attr.sparse_tensor] if kind == SPARSE_TENSOR else attr.sparse_tensors:
                        yield sparse.values
                        yield sparse.indices
