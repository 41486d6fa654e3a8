"""The tables of converters and constant folders, keyed by ONNX op type (default domain).

A converter maps one node onto builder calls: ``converter(node) -> Value | list[Value]``
(``converter(node, scope)`` for the ops in :data:`SUBGRAPH_OPS`).  A folder computes a node
whose inputs are all constants with NumPy: ``folder(node, arrays) -> array | list[array]``;
its cost estimate ``cost(node, arrays) -> Cost`` says, before it runs, how many bytes it will
make and how much arithmetic it will do (:mod:`.costs`; element-wise by default).
The op modules in :mod:`.ops` fill both tables when :func:`load_all` imports them.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import costs

Converter = Callable[..., Any]
Folder = Callable[..., Any]
CostEstimate = Callable[..., costs.Cost]


@dataclass(frozen=True)
class Fold:
    """A constant folder and the estimate of what it costs (an upper bound, see :mod:`.costs`)."""

    fold: Folder
    cost: CostEstimate


CONVERTERS: dict[str, Converter] = {}
FOLDERS: dict[str, Fold] = {}
#: Ops with sub-graphs: their converter also receives the scope, and they are never folded whole.
SUBGRAPH_OPS = frozenset({"If"})

#: The op family modules under ``ops``.
MODULES = (
    "constant", "elementwise", "activation", "conv", "pool", "normalization", "linalg", "shape",
    "indexing", "reduce", "resize", "recurrent", "quantization", "integer", "control",
)


def converter(*op_types: str) -> Callable[[Converter], Converter]:
    """``@converter("Relu", ...)`` registers a converter for op types."""

    def register(func: Converter) -> Converter:
        for op_type in op_types:
            if op_type in CONVERTERS:
                raise AssertionError(f"converter for {op_type} defined twice")
            CONVERTERS[op_type] = func
        return func

    return register


def folder(*op_types: str, cost: CostEstimate = costs.elementwise) -> Callable[[Folder], Folder]:
    """``@folder("MatMul", cost=matmul_cost)`` registers a constant folder and its cost estimate for
    op types; the default estimate is element-wise (the broadcast shape of the inputs)."""

    def register(func: Folder) -> Folder:
        for op_type in op_types:
            if op_type in FOLDERS:
                raise AssertionError(f"folder for {op_type} defined twice")
            FOLDERS[op_type] = Fold(func, cost)
        return func

    return register


_loaded = False


def load_all() -> None:
    global _loaded
    if not _loaded:
        for name in MODULES:
            importlib.import_module(f"{__package__}.ops.{name}")
        _loaded = True
