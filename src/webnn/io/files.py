"""``save`` and ``load``: graphs as webnn-graph files (text or JSON) with their weights.

A graph file and its weights are a pair that must never come apart:

- each graph file has its own weights files, named after its whole name (``m.webnn`` ->
  ``m.webnn.safetensors``, or ``m.webnn.manifest.json`` + ``m.webnn.weights``), and records
  their name and the SHA-256 of their bytes (a ``# weights:`` comment in the text form, a
  ``"weights"`` key in the JSON form);
- ``load`` reads the weights file the graph file names and checks the digest (also of weights
  given with ``weights=``), so a graph never runs with weights written by another save;
- ``save`` only ever replaces or removes the graph file's own weights files, refuses to replace
  one that records another graph file as its owner, and writes atomically: every file to a
  temporary first, then the weights put in place before the graph file, so a reader sees the
  old pair, or the new graph file with a digest checked against what it finds.

Graph files without a weights record (written before, or by other tools) keep loading: their
weights are looked for as ``<whole name>.safetensors`` / ``<whole name>.manifest.json``, then
as ``<stem>.safetensors`` / ``<stem>.manifest.json``, without a digest check.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from ..limits import DEFAULT_LIMITS, Limits, check_limits
from .atomic import AtomicFiles
from .document import Document, MappingWeights, WeightSource, WeightsRecord, build, from_graph, packed_length
from .errors import GraphFormatError, WeightsFormatError
from .json_format import encode_json, parse_json
from .text_format import format_text, parse_text
from .weights import (
    Expected,
    ManifestWeights,
    SafetensorsWeights,
    legacy_weights_paths,
    manifest_bytes,
    manifest_data_path,
    open_weights,
    recorded_graph,
    weights_paths,
    write_manifest_data,
    write_safetensors,
)

if TYPE_CHECKING:
    from ..context import MLContext
    from ..graph import MLGraph

WEIGHT_FORMS = ("safetensors", "manifest", "inline")
#: Constants of at most this many bytes are written in the graph file by default.
INLINE_THRESHOLD = 64
#: The weights files each weights form writes (keys of weights_paths).
_FORM_FILES: dict[str, tuple[str, ...]] = {"safetensors": ("safetensors",), "manifest": ("manifest", "weights")}


def graph_form(path: str) -> str:
    """"text" for ``.webnn``, "json" for ``.json``."""
    lower = path.lower()
    if lower.endswith(".webnn"):
        return "text"
    if lower.endswith(".json"):
        return "json"
    raise ValueError(f"{path}: the file name must end in .webnn (text form) or .json (JSON form)")


def _owner(paths: Mapping[str, str], kind: str) -> str | None:
    """The graph file that the weights file ``paths[kind]`` records as its owner (a ``.weights``
    file records nothing itself: its manifest does)."""
    return recorded_graph(paths["manifest" if kind == "weights" else kind])


def _check_own(paths: Mapping[str, str], kinds: tuple[str, ...], graph_name: str) -> None:
    """Refuse (FileExistsError) when a weights file about to be replaced belongs to another graph file."""
    for kind in kinds:
        path = paths[kind]
        owner = _owner(paths, kind) if os.path.exists(path) else None
        if owner is not None and owner != graph_name:
            raise FileExistsError(
                f"{path} belongs to the graph file {owner!r}, not {graph_name!r} (its record says so): "
                "not replaced; nothing was written"
            )


def _write_weights(
    files: AtomicFiles, paths: Mapping[str, str], weights: str, tensors: Mapping[str, Any], graph_name: str
) -> WeightsRecord:
    """Write the weights (to temporaries of ``files``); the record the graph file keeps of them."""
    if weights == "safetensors":
        with files.create(paths["safetensors"]) as f:
            digest = write_safetensors(f, tensors, graph_name)
        return WeightsRecord(os.path.basename(paths["safetensors"]), digest)
    with files.create(paths["weights"]) as f:
        entries, data_digest = write_manifest_data(f, tensors)
    manifest = manifest_bytes(entries, graph_name)
    with files.create(paths["manifest"]) as f:
        f.write(manifest)
    return WeightsRecord(os.path.basename(paths["manifest"]), hashlib.sha256(manifest).hexdigest(),
                         os.path.basename(paths["weights"]), data_digest)


def save(
    graph: MLGraph, path: str | os.PathLike[str], weights: str = "safetensors", *,
    inline_threshold: int = INLINE_THRESHOLD, quantized: bool = False,
) -> list[str]:
    """Write ``graph`` to ``path`` (``.webnn``: text form, ``.json``: JSON form); returns the files written.

    ``weights``: "safetensors" (``<path>.safetensors``, keys = constant names), "manifest"
    (``<path>.manifest.json`` + ``<path>.weights``) or "inline" (every constant in the graph
    file).  Constants of at most ``inline_threshold`` bytes are written inline anyway
    (``@scalar`` when all their values are the same, ``@bytes`` otherwise); 0 sends every
    constant to the weights file.

    What inline costs: the webnn-graph format keeps inline constants as lists of byte values
    (``@bytes([...])``, JSON ``"inlineBytes"``), with no binary, hex or base64 encoding, so
    each byte takes its decimal digits and a comma, about 3.5 times the constant's size, and
    writing or reading takes about 0.1 s per MB of weights (a weights file: milliseconds).
    Inline suits small graphs, tests and graphs read by eye in one file; real weights belong
    in a weights file.  Nothing is lost: every attribute, operand option and label.
    The graph file records its weights file and the file's SHA-256.  Every file is written
    atomically, the weights before the graph file; this graph file's weights files of another
    form left by an earlier save are removed afterwards.  A weights file that records another
    graph file as its owner is never replaced: FileExistsError, and nothing is written.
    """
    path = os.fspath(path)
    if weights not in WEIGHT_FORMS:
        raise ValueError(f"save: weights must be one of {', '.join(WEIGHT_FORMS)}, got {weights!r}")
    if isinstance(inline_threshold, bool) or not isinstance(inline_threshold, int) or inline_threshold < 0:
        raise ValueError(f"save: inline_threshold must be an integer >= 0, got {inline_threshold!r}")
    form = graph_form(path)
    graph_name = os.path.basename(path)
    name = os.path.splitext(graph_name)[0] or "graph"

    def external(desc: Any, array: Any) -> bool:
        return weights != "inline" and packed_length(desc) > inline_threshold

    doc, tensors = from_graph(graph.ir, name, external=external)
    if not isinstance(quantized, bool):
        raise ValueError(f"save: quantized must be True or False, got {quantized!r}")
    doc.quantized = quantized
    paths = weights_paths(path)
    kinds = _FORM_FILES[weights] if tensors else ()
    _check_own(paths, kinds, graph_name)
    with AtomicFiles() as files:
        if tensors:
            doc.weights = _write_weights(files, paths, weights, tensors, graph_name)
        with files.create(path) as f:
            f.write(_graph_bytes(doc, form))
    written = [path] + [paths[kind] for kind in kinds]
    # This graph file's weights of another form (or of a graph that now has none) are stale.
    for kind in ("safetensors", "manifest", "weights"):
        if kind not in kinds and os.path.isfile(paths[kind]) and _owner(paths, kind) in (None, graph_name):
            os.remove(paths[kind])
    return written


def _graph_bytes(doc: Document, form: str) -> bytes:
    if form == "json":
        return encode_json(doc)
    from .. import __version__

    return format_text(doc, f"written by webnn {__version__}").encode("utf-8")


def read_document(path: str | os.PathLike[str], data: bytes | None = None) -> Document:
    """The parsed graph file (text or JSON form, by extension, else by content)."""
    path = os.fspath(path)
    if data is None:
        data = _read_graph_file(path)
    if data.lstrip()[:1] == b"{":  # the JSON form, whatever the extension (pywebnn writes it as .webnn)
        return parse_json(data, path)
    if path.lower().endswith(".json"):
        return parse_json(data, path)
    return parse_text(data, path)


def _read_graph_file(path: str) -> bytes:
    with open(path, "rb") as f:
        try:
            return f.read()
        except MemoryError:
            raise GraphFormatError("not enough memory to read the file", file=path) from None


def _expected(doc: Document, path: str, data: bool, hint: str = "") -> Expected | None:
    """What the graph file records of its weights file (``data``: of the manifest's data file)."""
    record = doc.weights
    digest = None if record is None else record.data_sha256 if data else record.sha256
    if record is None or digest is None:
        return None
    name = record.data_file if data else record.file
    assert name is not None
    return Expected(os.path.basename(path), name, digest, hint)


def _recorded_weights(doc: Document, path: str, record: WeightsRecord, verify: bool) -> WeightSource:
    """The weights file the graph file names (beside it), checked against its digests."""
    folder = os.path.dirname(path)
    main = os.path.join(folder, record.file)
    if not os.path.exists(main):
        raise WeightsFormatError(
            f"{os.path.basename(path)} names its weights file {record.file}, which does not exist", file=main
        )
    expected = _expected(doc, path, False) if verify else None
    if record.kind == "safetensors":
        return SafetensorsWeights(main, expected)
    data = os.path.join(folder, record.data_file) if record.data_file else manifest_data_path(main)
    return ManifestWeights(main, data, expected, _expected(doc, path, True) if verify else None)


def _weights_for(doc: Document, path: str, weights: Any, verify: bool) -> WeightSource | None:
    if isinstance(weights, Mapping):
        return MappingWeights(weights)
    if isinstance(weights, tuple):  # (manifest, its weights data file)
        manifest, data = (os.fspath(w) for w in weights)
        if not verify or doc.weights is None or doc.weights.kind != "manifest":
            return ManifestWeights(manifest, data)
        hint = " (load with verify_weights=False to use it anyway)"
        return ManifestWeights(manifest, data, _expected(doc, path, False, hint), _expected(doc, path, True, hint))
    if weights is not None:
        if not verify or doc.weights is None:
            return open_weights(os.fspath(weights))
        hint = " (load with verify_weights=False to use it anyway)"
        expected_data = _expected(doc, path, True, hint) if doc.weights.kind == "manifest" else None
        return open_weights(os.fspath(weights), _expected(doc, path, False, hint), expected_data)
    if not doc.weight_keys():
        return None
    if doc.weights is not None:
        return _recorded_weights(doc, path, doc.weights, verify)
    for paths in (weights_paths(path), legacy_weights_paths(path)):
        if os.path.exists(paths["safetensors"]):
            return SafetensorsWeights(paths["safetensors"])
        if os.path.exists(paths["manifest"]):
            return ManifestWeights(paths["manifest"], paths["weights"])
    names = [os.path.basename(p[kind]) for p in (weights_paths(path), legacy_weights_paths(path))
             for kind in ("safetensors", "manifest")]
    raise WeightsFormatError(
        f"the graph refers to external weights ({len(doc.weight_keys())} tensors), but none of "
        f"{', '.join(names)} is beside it (pass weights=...)",
        file=path,
    )


def load(
    path: str | os.PathLike[str],
    context: MLContext | None = None,
    weights: str | os.PathLike[str] | Mapping[str, Any] | None = None,
    *,
    progress: Callable[[int, int], None] | None = None,
    limits: Limits | None = None,
    verify_weights: bool = True,
) -> MLGraph:
    """Read a webnn-graph file (``.webnn`` text or ``.json``) and build its graph on ``context``.

    ``weights``: a ``.safetensors`` file, a ``.manifest.json`` (with its ``.weights``), or a
    dict of key -> array; by default the weights file the graph file names, else
    ``<name>.safetensors`` / ``<name>.manifest.json`` beside it (``name``: the whole file name,
    then its stem).  The SHA-256 the graph file records of its weights is checked (of a
    ``weights=`` file too; ``verify_weights=False`` skips that, for weights rewritten for this
    graph by another tool).  ``limits`` bounds what the reader makes from few bytes
    (``@scalar`` constants), in proportion to the graph file's size.  The graph is rebuilt with
    the builder, so every rule is checked.  A malformed, truncated or inconsistent file raises
    :class:`GraphFormatError` (a ``ValueError``) saying where.
    """
    limits = check_limits("load", limits)
    if not isinstance(verify_weights, bool):
        raise TypeError(f"load: verify_weights must be True or False, got {type(verify_weights).__name__}")
    path = os.fspath(path)
    data = _read_graph_file(path)
    doc = read_document(path, data)
    try:
        source = _weights_for(doc, path, weights, verify_weights)
    except MemoryError:
        raise WeightsFormatError("not enough memory to read the weights", file=path) from None
    try:
        if context is None:
            from ..context import ML

            context = ML().create_context()
        return build(doc, context, source, progress, limits.budget(len(data)))
    finally:
        if source is not None:
            source.close()


def read_graph(path: str | os.PathLike[str], context: MLContext | None, weights: Any = None) -> Any:
    """The validated graph (``webnn.ir.Graph``) of a webnn-graph file, checked as ``load``
    checks it, without compiling it (default limits; the recorded weights digest verified).
    ``weights`` as for ``load``, or a (manifest, data file) pair; ``context`` None: a default
    one (the graph is only validated there)."""
    if context is None:
        from ..context import default_context

        context = default_context()
    path = os.fspath(path)
    data = _read_graph_file(path)
    doc = read_document(path, data)
    source = _weights_for(doc, path, weights, True)
    try:
        return build(doc, context, source, None, DEFAULT_LIMITS.budget(len(data)), compile=False)
    finally:
        if source is not None:
            source.close()


__all__ = ["GraphFormatError", "WeightsFormatError", "load", "read_document", "read_graph", "save"]
