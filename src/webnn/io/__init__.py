"""Model I/O: ONNX import and export, the webnn-graph formats, graph pictures.

- ``load(path, context, weights=None)``: a webnn-graph file (``.webnn`` text or ``.json``) as an MLGraph;
- ``MLGraph.save(path, weights=...)``, ``MLGraph.to_onnx(path)``, ``MLGraph.to_dot()``, ``MLGraph.render(path)``.

The modules behind them are imported on first use: ``import webnn`` stays light.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from .errors import GraphFormatError, WeightsFormatError

if TYPE_CHECKING:
    from ..context import MLContext
    from ..graph import MLGraph
    from ..limits import Limits


def load(
    path: str | os.PathLike[str],
    context: MLContext | None = None,
    weights: str | os.PathLike[str] | Mapping[str, Any] | None = None,
    *,
    progress: Callable[[int, int], None] | None = None,
    limits: Limits | None = None,
    verify_weights: bool = True,
) -> MLGraph:
    """Read a webnn-graph file (``.webnn`` text form or ``.json`` JSON form) and build its graph.

    ``context`` defaults to ``webnn.ML().create_context()``.  ``weights`` is a ``.safetensors``
    file, a ``.manifest.json`` (with its ``.weights``) or a dict of key -> array; by default the
    weights file the graph file names (``model.webnn.safetensors`` for ``model.webnn``), else the
    ``<name>.safetensors`` or ``<name>.manifest.json`` beside the graph file (the whole name,
    then the stem, as earlier files and other tools name them).  The SHA-256 the graph file
    records of its weights is checked, also against a ``weights`` file given here:
    :class:`WeightsFormatError` names both files when they do not belong together
    (``verify_weights=False`` skips the check, for weights rewritten for this graph by another
    tool).  ``limits`` (a :class:`webnn.Limits`) bounds what the reader makes from few bytes
    (``@scalar`` constants) in proportion to the graph file's size.  The graph is rebuilt with the
    builder, so every rule of the spec is checked.  A malformed, truncated or inconsistent file
    raises :class:`GraphFormatError` (a ``ValueError``) saying where: file:line:column, JSON path,
    or tensor key.
    """
    from .files import load as _load

    return _load(path, context, weights, progress=progress, limits=limits, verify_weights=verify_weights)


def _save(graph: MLGraph, *args: Any, **kwargs: Any) -> list[str]:
    from .files import save

    return save(graph, *args, **kwargs)


def _to_onnx(graph: MLGraph, path: Any = None) -> bytes:
    from .onnx_export import export_onnx

    return export_onnx(graph, path)


def _to_dot(graph: MLGraph, compact: bool | None = None) -> str:
    from .dot import to_dot

    return to_dot(graph, compact)


def _render(graph: MLGraph, path: Any, compact: bool | None = None) -> None:
    from .dot import render

    render(graph, path, compact)


def _read_graph(path: str, context: MLContext | None, weights: Any = None) -> Any:
    from .files import read_graph

    return read_graph(path, context, weights)


def _register() -> None:
    from ..graph import FORMATS, READERS

    FORMATS.update({"webnn-graph": _save, "onnx": _to_onnx, "dot": _to_dot, "picture": _render})
    READERS["webnn-graph"] = _read_graph


_register()

__all__ = ["GraphFormatError", "WeightsFormatError", "load"]
