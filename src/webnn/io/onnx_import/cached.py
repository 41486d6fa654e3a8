"""``load_onnx`` through the persistent cache: a second import of the same file skips everything.

The key is the SHA-256 of the model's bytes, the import options (input shapes, fixed input
values, limits) and
the backend's identity (engine, version, providers, machine, pass pipeline, webnn version).
An entry holds the engine's compiled model and the graph's input and output descriptors, so a
hit parses nothing, folds nothing, lowers nothing and imports no ONNX package: it hashes the
file and loads the compiled model.  The graph's IR (``graph.ir``) is imported again from the
model only if someone asks for it.

Models with external data (tensors in other files) are not cached: their bytes are not the
whole model.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ...context import MLContext
    from ...graph import MLGraph
    from ...ir import Graph
    from ...limits import Limits

#: Smaller model files import in a few milliseconds: they bypass the cache.
MIN_CACHED_BYTES = 64 * 1024
#: The bytes of an external-data reference (the key of its ``location`` entry): a model that
#: may hold one is not cached.  (Any model with the word ``location`` in it, in a name say,
#: is conservatively treated the same.)
_EXTERNAL_MARK = b"location"


def _model_bytes(model: Any) -> bytes | None:
    """The model's bytes when it is a path or bytes (an ``onnx.ModelProto`` is not cached)."""
    if isinstance(model, bytes | bytearray | memoryview):
        return bytes(model)
    if isinstance(model, str | os.PathLike):
        try:
            with open(model, "rb") as file:
                return file.read()
        except OSError:
            return None  # the importer reports it
    return None


def import_key(data: bytes | str, context: MLContext, input_shapes: Any, limits: Limits | None,
               input_values: Any = None, backend: Any = None) -> str | None:
    """The cache key of this import (``data``: the model's bytes, or their SHA-256 in hex)
    compiled by ``backend`` (default: the context's); None when the backend has no compiled
    artifacts."""
    from ...compile import backend_identity

    identity = backend_identity(context._backend if backend is None else backend)
    if identity is None:
        return None
    return hashlib.sha256(f"onnx import\n{_import_text(data, input_shapes, limits, input_values)}\n{identity}".encode()
                          ).hexdigest()


def _import_text(data: bytes | str, input_shapes: Any, limits: Limits | None, input_values: Any) -> str:
    """What, besides the engine, decides an import: the model's digest and the options."""
    from .values import input_values_key

    shapes = None if input_shapes is None else {str(k): [int(d) for d in v] for k, v in dict(input_shapes).items()}
    values = input_values_key(input_values)
    options = json.dumps({"input_shapes": shapes, "input_values": values, "limits": repr(limits)}, sort_keys=True)
    digest = data if isinstance(data, str) else hashlib.sha256(data).hexdigest()
    return f"{digest}\n{options}"


def _descriptors(meta: Mapping[str, Any], field: str) -> dict[str, Any]:
    from ...ir import OperandDescriptor

    return {n: OperandDescriptor(d["dataType"], tuple(d["shape"])) for n, d in meta[field].items()}


def load_onnx_cached(
    model: Any,
    context: MLContext,
    input_shapes: Mapping[str, Sequence[int]] | None,
    limits: Limits | None,
    external_data_dir: Any,
    input_values: Mapping[str, Any] | None = None,
) -> MLGraph | None:
    """The graph from the cache, or imported and compiled (and cached); None when this import
    cannot go through the cache (the caller imports as usual)."""
    backend: Any = context._backend
    cache = getattr(backend, "cache", None)
    if cache is None or external_data_dir is not None:
        return None
    data = _model_bytes(model)
    if data is None or len(data) < MIN_CACHED_BYTES or _EXTERNAL_MARK in data:
        return None
    auto = backend if getattr(backend, "compile_graph", None) is not None else None
    switch_to = None
    digest = hashlib.sha256(data).hexdigest()
    try:
        if input_values is not None:  # a copy: the graph's IR, read later, must see the same values
            from .values import check_input_values

            input_values = {n: a.copy() for n, a in check_input_values(input_values).items()}
        if auto is not None:  # backend="auto": the engine it chose for this import before, if any
            text = _import_text(digest, input_shapes, limits, input_values)
            choice = auto.import_choice(text)
            if choice is None:
                values = input_values
                return _import_and_choose(
                    auto, auto.import_choice_key(text), model, context, input_shapes, limits, input_values,
                    lambda engine: import_key(digest, context, input_shapes, limits, values, engine))
            backend, switch_to = choice
        key = import_key(digest, context, input_shapes, limits, input_values, backend)
    except (TypeError, ValueError):
        return None  # malformed options: the importer reports them
    if key is None:
        return None
    from ...compile import compile_graph
    from ...graph import MLGraph

    source = data if isinstance(model, bytes | bytearray | memoryview) else os.fspath(model)
    del data

    def read_ir() -> Graph:
        again = _model_bytes(source)
        if again is None or hashlib.sha256(again).hexdigest() != digest:
            what = "the model bytes" if isinstance(source, bytes) else source
            raise FileNotFoundError(f"{what}: the model file changed or went away since it was loaded")
        return import_ir(again, context, input_shapes, limits, input_values)

    entry = cache.get(key, checksums=False)
    if entry is not None:
        from ...compile import load_checked

        inputs: dict[str, Any] | None
        outputs: dict[str, Any] | None
        try:
            inputs, outputs = _descriptors(entry.meta, "inputs"), _descriptors(entry.meta, "outputs")
        except (KeyError, TypeError, AttributeError):
            inputs = outputs = None
        compiled = None if outputs is None else load_checked(
            cache, entry, lambda: backend.load_compiled(str(entry.path), entry.meta["engine"], list(outputs)))
        if compiled is not None and inputs is not None and outputs is not None:
            counts = entry.meta.get("counts")
            known = (counts[0], counts[1]) if isinstance(counts, list) and len(counts) == 2 and all(
                type(c) is int and c >= 0 for c in counts) else None
            loaded = MLGraph(context, read_ir, compiled, lowered=None, signature=(inputs, outputs), counts=known,
                             engine=backend)
            if switch_to is not None and auto is not None:
                from ...compile import compile_on

                auto.switch_later(loaded, switch_to, compile_on)
            return loaded
        if outputs is None:
            cache.discard(key)
    graph = import_ir(source, context, input_shapes, limits, input_values)

    def describe(engine: dict[str, Any]) -> dict[str, Any]:
        return _entry_meta(graph, engine)

    def store(artifact: Any, compiled: Any) -> None:
        artifact.store_later(cache, key, compiled, describe)

    if auto is None:
        return compile_graph(context, graph, store=store)
    from ...compile import compile_on

    built = compile_on(context, graph, backend, store=store)
    if switch_to is not None:
        auto.switch_later(built, switch_to, compile_on)
    return built


def _import_and_choose(auto: Any, choice_key: str, source: Any, context: MLContext, input_shapes: Any,
                       limits: Limits | None, input_values: Any, key_for: Any) -> MLGraph:
    """The first import of a model on an ``auto`` context: import it, let ``auto`` choose and
    compile (see :mod:`webnn.backends.auto`), and remember its choice for this import.  Once the
    compiled graphs are in the cache (written in the background), a background thread files
    them under this import's keys too (for the chosen engine and the start engine, which loads
    first when the chosen one is not imported yet), so that the next import parses nothing."""
    from ...compile import compile_on, worth_caching

    graph = import_ir(source, context, input_shapes, limits, input_values)
    built = auto.compile_graph(context, graph, compile_on, worth_caching(graph))
    _, start = auto.remembered(auto.choice_key(graph, auto.engines))
    auto.remember(choice_key, built.backend, {}, start)
    names = [n for n in dict.fromkeys((start, built.backend)) if n in auto.engines]
    cache = auto.cache

    def file_under_import_keys() -> None:
        from ...cache import wait_for_stores
        from ...compile import compiled_key

        wait_for_stores()  # (the stores of the compiled graphs)
        for name in names:
            try:
                engine = auto.engine(name)
                key, compiled = key_for(engine), compiled_key(graph, engine)
                entry = cache.get(compiled) if compiled is not None else None
                if key is None or entry is None or cache.get(key, checksums=False) is not None:
                    continue
                cache.put(key, {f: entry.file(f) for f in entry.meta.get("files", ())}, _entry_meta(graph, entry.meta))
            except Exception:  # the cache warns about its own failures; the next import just parses
                continue

    import threading

    from ...cache import STORE_THREAD

    threading.Thread(target=file_under_import_keys, name=STORE_THREAD).start()
    return built


def _entry_meta(graph: Graph, engine: Mapping[str, Any]) -> dict[str, Any]:
    """An import entry's metadata: the engine's description of its files, and the graph's
    input and output descriptors and counts."""
    return {
        "files": list(engine.get("files", ())), "engine": dict(engine),
        "inputs": {n: d.to_dict() for n, d in graph.input_descriptors.items()},
        "outputs": {n: d.to_dict() for n, d in graph.output_descriptors.items()},
        "counts": [len(graph.operands), len(graph.operations)],
    }


def import_ir(model: Any, context: MLContext, input_shapes: Any, limits: Limits | None,
              input_values: Any = None) -> Graph:
    """The validated graph of an ONNX model, a path or bytes (imported, not compiled)."""
    from ...limits import check_limits
    from .core import _convert, read_model

    limits = check_limits("load_onnx", limits)
    proto, size = read_model(model, None)
    builder = context.create_graph_builder()
    outputs = _convert(proto, builder, input_shapes, limits.budget(size), wrap_outputs=True, input_values=input_values)
    return builder.graph_ir(outputs, what="load_onnx")
