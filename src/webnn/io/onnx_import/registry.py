"""The tables of converters and constant folders, keyed by ONNX op type (default domain).

A converter maps one node onto builder calls: ``converter(node) -> Value | list[Value]``
(``converter(node, scope)`` for the ops in :data:`SUBGRAPH_OPS`).  A folder computes a node
whose inputs are all constants with NumPy: ``folder(node, arrays) -> array | list[array]``.
The op modules in :mod:`.ops` fill both tables when :func:`load_all` imports them.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

Converter = Callable[..., Any]
Folder = Callable[..., Any]

CONVERTERS: dict[str, Converter] = {}
FOLDERS: dict[str, Folder] = {}
#: Ops with sub-graphs: their converter also receives the scope, and they are never folded whole.
SUBGRAPH_OPS = frozenset({"If"})

#: The op family modules under ``ops``.
MODULES = (
    "constant", "elementwise", "activation", "conv", "pool", "normalization", "linalg", "shape",
    "indexing", "reduce", "resize", "recurrent", "quantization", "integer", "control",
)


def _registrar(table: dict[str, Callable[..., Any]], kind: str) -> Callable[..., Callable[[Converter], Converter]]:
    """A decorator factory that enters a function in ``table`` under each ONNX op type given."""

    def decorator(*op_types: str) -> Callable[[Converter], Converter]:
        def register(func: Converter) -> Converter:
            for op_type in op_types:
                if op_type in table:
                    raise AssertionError(f"{kind} for {op_type} defined twice")
                table[op_type] = func
            return func

        return register

    return decorator


#: ``@converter("Relu", ...)`` and ``@folder("Shape", ...)`` register a function for op types.
converter = _registrar(CONVERTERS, "converter")
folder = _registrar(FOLDERS, "folder")


_loaded = False


def load_all() -> None:
    global _loaded
    if not _loaded:
        for name in MODULES:
            importlib.import_module(f"{__package__}.ops.{name}")
        _loaded = True
