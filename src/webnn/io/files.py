"""``save`` and ``load``: graphs as webnn-graph files (text or JSON) with their weights."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from .document import Document, MappingWeights, WeightSource, build, from_graph, packed_length
from .errors import GraphFormatError, WeightsFormatError
from .json_format import encode_json, parse_json
from .text_format import format_text, parse_text
from .weights import (
    ManifestWeights,
    SafetensorsWeights,
    open_weights,
    weights_paths,
    write_manifest,
    write_safetensors,
)

if TYPE_CHECKING:
    from ..context import MLContext
    from ..graph import MLGraph

WEIGHT_FORMS = ("safetensors", "manifest", "inline")
#: Constants of at most this many bytes are written in the graph file by default.
INLINE_THRESHOLD = 64


def graph_form(path: str) -> str:
    """"text" for ``.webnn``, "json" for ``.json``."""
    lower = path.lower()
    if lower.endswith(".webnn"):
        return "text"
    if lower.endswith(".json"):
        return "json"
    raise ValueError(f"{path}: the file name must end in .webnn (text form) or .json (JSON form)")


def save(
    graph: MLGraph, path: str | os.PathLike[str], weights: str = "safetensors", *,
    inline_threshold: int = INLINE_THRESHOLD,
) -> list[str]:
    """Write ``graph`` to ``path`` (``.webnn``: text form, ``.json``: JSON form); returns the files written.

    ``weights``: "safetensors" (``<stem>.safetensors``, keys = constant names), "manifest"
    (``<stem>.manifest.json`` + ``<stem>.weights``) or "inline" (every constant in the graph
    file).  Constants of at most ``inline_threshold`` bytes are written inline anyway
    (``@scalar`` when all their values are the same, ``@bytes`` otherwise); 0 sends every
    constant to the weights file.  Nothing is lost: every attribute, operand option and label.
    Weights files of the other form left beside ``path`` by an earlier save are removed (``load``
    would find them first).
    """
    path = os.fspath(path)
    if weights not in WEIGHT_FORMS:
        raise ValueError(f"save: weights must be one of {', '.join(WEIGHT_FORMS)}, got {weights!r}")
    if isinstance(inline_threshold, bool) or not isinstance(inline_threshold, int) or inline_threshold < 0:
        raise ValueError(f"save: inline_threshold must be an integer >= 0, got {inline_threshold!r}")
    form = graph_form(path)
    name = os.path.splitext(os.path.basename(path))[0] or "graph"

    def external(desc: Any, array: Any) -> bool:
        return weights != "inline" and packed_length(desc) > inline_threshold

    doc, tensors = from_graph(graph.ir, name, external=external)
    written: list[str] = []
    paths = weights_paths(path)
    # Weights files of the other form (or of a graph that now has none) would be read instead.
    stale = {"safetensors": ("manifest", "weights"), "manifest": ("safetensors",)}.get(
        weights if tensors else "", ("safetensors", "manifest", "weights")
    )
    for kind in stale:
        if os.path.isfile(paths[kind]):
            os.remove(paths[kind])
    if tensors:
        if weights == "safetensors":
            write_safetensors(paths["safetensors"], tensors)
            written.append(paths["safetensors"])
        else:
            write_manifest(paths["manifest"], paths["weights"], tensors)
            written += [paths["manifest"], paths["weights"]]
    if form == "text":
        from .. import __version__

        where = {"safetensors": os.path.basename(paths["safetensors"]),
                 "manifest": os.path.basename(paths["manifest"])}.get(weights, "")
        header = f"written by webnn {__version__}" + (f"; weights: {where}" if tensors else "")
        data = format_text(doc, header).encode("utf-8")
    else:
        data = encode_json(doc)
    with open(path, "wb") as f:
        f.write(data)
    written.insert(0, path)
    return written


def read_document(path: str | os.PathLike[str], data: bytes | None = None) -> Document:
    """The parsed graph file (text or JSON form, by extension, else by content)."""
    path = os.fspath(path)
    if data is None:
        with open(path, "rb") as f:
            data = f.read()
    lower = path.lower()
    if lower.endswith(".webnn"):
        return parse_text(data, path)
    if lower.endswith(".json"):
        return parse_json(data, path)
    if data.lstrip()[:1] == b"{":
        return parse_json(data, path)
    return parse_text(data, path)


def _weights_for(doc: Document, path: str, weights: Any) -> WeightSource | None:
    if isinstance(weights, Mapping):
        return MappingWeights(weights)
    if weights is not None:
        return open_weights(os.fspath(weights))
    if not doc.weight_keys():
        return None
    paths = weights_paths(path)
    if os.path.exists(paths["safetensors"]):
        return SafetensorsWeights(paths["safetensors"])
    if os.path.exists(paths["manifest"]):
        return ManifestWeights(paths["manifest"], paths["weights"])
    raise WeightsFormatError(
        f"the graph refers to external weights ({len(doc.weight_keys())} tensors), but neither "
        f"{os.path.basename(paths['safetensors'])} nor {os.path.basename(paths['manifest'])} is beside it "
        "(pass weights=...)",
        file=path,
    )


def load(
    path: str | os.PathLike[str],
    context: MLContext | None = None,
    weights: str | os.PathLike[str] | Mapping[str, Any] | None = None,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> MLGraph:
    """Read a webnn-graph file (``.webnn`` text or ``.json``) and build its graph on ``context``.

    ``weights``: a ``.safetensors`` file, a ``.manifest.json`` (with its ``.weights``), or a
    dict of key -> array; by default ``<stem>.safetensors`` or ``<stem>.manifest.json``
    beside the graph file, when the graph refers to external weights.  The graph is
    rebuilt with the builder, so every rule is checked.  A malformed, truncated or
    inconsistent file raises :class:`GraphFormatError` (a ``ValueError``) saying where.
    """
    path = os.fspath(path)
    doc = read_document(path)
    source = _weights_for(doc, path, weights)
    if context is None:
        from ..context import ML

        context = ML().create_context()
    try:
        return build(doc, context, source, progress)
    finally:
        if source is not None:
            source.close()


__all__ = ["GraphFormatError", "WeightsFormatError", "load", "read_document", "save"]
