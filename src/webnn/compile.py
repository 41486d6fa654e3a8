"""From a built graph to a compiled one: the pass pipeline, the persistent cache, compiled packages.

``compile_graph`` is what ``builder.build()`` does after validation: look the graph up in the
persistent cache (:mod:`webnn.cache`) and load the engine's compiled artifact, or run the
backend's pass pipeline, compile, and store the artifact for the next process.

A *compiled package* (``webnn compile``, :func:`save_compiled` / :func:`load_compiled`) is a folder
holding the same artifact for deployment: ``manifest.json`` (format, webnn version, the backend's
identity, the graph's input and output descriptors, each file's size and SHA-256), the engine's
files (``model.onnx`` + ``weights.bin`` for ONNX Runtime) and the graph itself as a webnn-graph
file (``graph.webnn`` + its weights), from which :attr:`MLGraph.ir` is read on first use.  Loading
refuses a package made for another engine, engine version, device or machine.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from .errors import NotSupportedError, OperationError, WebNNError
from .ir import Graph, OperandDescriptor

if TYPE_CHECKING:
    from .context import MLContext
    from .graph import MLGraph

PACKAGE_FORMAT = "webnn-compiled"
PACKAGE_VERSION = 1
MANIFEST = "manifest.json"
GRAPH_FILE = "graph.webnn"
#: A manifest is small; a larger one is not a manifest.
MAX_MANIFEST_BYTES = 1 << 20


def passes_off() -> bool:
    """Whether ``WEBNN_PASSES=0`` turns optimization off."""
    return os.environ.get("WEBNN_PASSES", "1").lower() in ("0", "off", "false", "no")


def optimize(graph: Graph, backend: Any) -> Graph:
    """``graph`` after ``backend``'s pass pipeline (:func:`webnn.passes.pipeline.optimize`)."""
    from .passes.pipeline import optimize as run

    return run(graph, backend)


def backend_identity(backend: Any) -> str | None:
    """What, besides the graph, decides what ``backend`` compiles (None: it has no artifacts)."""
    identity = getattr(backend, "cache_identity", None)
    if identity is None:
        return None
    import json

    from . import __version__

    pipeline = "off" if passes_off() else ",".join(getattr(backend, "pipeline", ()))
    return json.dumps({"webnn": __version__, "pipeline": pipeline, "backend": json.loads(identity())}, sort_keys=True)


#: Graphs smaller than this (operations, and bytes of constants) compile in a millisecond or
#: two: looking them up and storing them would cost more than it saves, so they bypass the cache.
MIN_CACHED_OPERATIONS = 16
MIN_CACHED_CONSTANT_BYTES = 64 * 1024


def worth_caching(graph: Graph) -> bool:
    return len(graph.operations) >= MIN_CACHED_OPERATIONS or (
        sum(a.nbytes for a in graph.constants.values()) >= MIN_CACHED_CONSTANT_BYTES)


def compiled_key(graph: Graph, backend: Any) -> str | None:
    """The persistent-cache key of ``graph`` compiled by ``backend``."""
    identity = backend_identity(backend)
    if identity is None:
        return None
    import hashlib

    from .fingerprint import graph_digest

    return hashlib.sha256(f"compiled graph\n{graph_digest(graph)}\n{identity}".encode()).hexdigest()


def _descriptors(descs: Mapping[str, OperandDescriptor]) -> dict[str, Any]:
    return {name: d.to_dict() for name, d in descs.items()}


class Artifact:
    """A private temporary folder the backend writes its compiled artifact into: in ``cache``'s
    staging folder when there is one (no ``tempfile`` import on the way to a first result),
    else in the system's temporary folder."""

    def __init__(self, cache: Any = None) -> None:
        self.path = ""
        if cache is not None:
            try:
                self.path = cache.staging_folder("artifact-")
            except OSError:
                pass
        if not self.path:
            import tempfile

            self.path = tempfile.mkdtemp(prefix="webnn-artifact-")

    def cleanup(self) -> None:
        """Delete the folder and what is in it."""
        from .cache import remove_tree

        remove_tree(self.path)

    def files(self, meta: Mapping[str, Any]) -> dict[str, str]:
        return {name: os.path.join(self.path, name) for name in meta.get("files", ())}

    def write(self, compiled: Any) -> dict[str, Any] | None:
        """The artifact written by the compiled graph (None when the backend has none)."""
        writer = getattr(compiled, "write_artifact", None)
        return writer() if writer is not None else None

    def store_later(self, cache: Any, key: str, compiled: Any,
                    describe: Callable[[dict[str, Any]], dict[str, Any]] | None = None) -> None:
        """Write the artifact and put it in ``cache`` from a background thread, then delete the
        folder; ``describe`` turns the backend's description into the entry's metadata.

        Not a daemon thread: the interpreter waits for it at exit, so that a short-lived
        process still leaves its entry for the next one; the build does not wait for it.
        """
        if getattr(compiled, "write_artifact", None) is None:
            self.cleanup()
            return

        def put() -> None:
            _lower_priority()
            try:
                meta = self.write(compiled)
                if meta is not None:
                    cache.put(key, self.files(meta), describe(meta) if describe else meta)
            except Exception:  # the cache warns about its own failures; a build never fails here
                pass
            finally:
                self.cleanup()

        from .cache import STORE_THREAD

        threading.Thread(target=put, name=STORE_THREAD).start()


def load_checked(cache: Any, entry: Any, load: Callable[[], Any]) -> Any:
    """``load()`` of a cache entry whose checksums are checked meanwhile, in another thread (the
    check reads and sums the files while the engine loads them); None when the entry is damaged
    or the engine cannot load it (the entry is then removed, and the caller compiles again)."""
    verdict: list[bool] = []
    checker = threading.Thread(target=lambda: verdict.append(cache.check(entry)), name="webnn-cache-check")
    checker.start()
    try:
        compiled = load()
    except Exception:  # an entry this engine cannot load: compile again, and replace it
        compiled = None
    checker.join()
    if not verdict or not verdict[0]:
        return None  # (check() removed the damaged entry)
    if compiled is None:
        cache.discard(entry.key)
    return compiled


def _lower_priority() -> None:
    """Run the calling thread at the lowest CPU priority where the system allows it per thread
    (Linux): writing a cache entry must not slow the computations that follow the build."""
    setpriority = getattr(os, "setpriority", None)
    if setpriority is None or not hasattr(threading, "get_native_id"):
        return
    try:
        setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)
    except OSError:
        pass


def compile_graph(context: MLContext, graph: Graph, *, store: Callable[[Artifact, Any], None] | None = None) -> MLGraph:
    """``graph`` compiled on ``context``: from the persistent cache when it has it, else by the
    backend after its pass pipeline (the artifact then goes to the cache, or to ``store``).  A
    backend that chooses an engine per graph (``auto``) compiles it its own way."""
    chooser = getattr(context._backend, "compile_graph", None)
    if chooser is not None and store is None:
        return chooser(context, graph, compile_on, worth_caching(graph))  # type: ignore[no-any-return]
    return compile_on(context, graph, context._backend, store=store)


class HeldStore:
    """A compiled graph's cache write, held back until the caller decides whether it is worth
    making (``auto`` keeps only the engines it may run the graph on)."""

    def __init__(self, artifact: Artifact, cache: Any, key: str, compiled: Any) -> None:
        self._artifact, self._cache, self._key, self._compiled = artifact, cache, key, compiled

    def store(self) -> None:
        """Write it, in the background (:meth:`Artifact.store_later`)."""
        self._artifact.store_later(self._cache, self._key, self._compiled)

    def drop(self) -> None:
        self._artifact.cleanup()


def compile_on(context: MLContext, graph: Graph, backend: Any, *,
               store: Callable[[Artifact, Any], None] | None = None,
               held: dict[str, HeldStore] | None = None) -> MLGraph:
    """``graph`` compiled for ``context`` by ``backend`` (the context's, or the engine its
    ``auto`` backend chose): see :func:`compile_graph`.  With ``held``, a compiled graph's
    cache write is not started but put there under the backend's name."""
    from .graph import MLGraph

    cache: Any = getattr(backend, "cache", None) if store is None and worth_caching(graph) else None
    key = compiled_key(graph, backend) if cache is not None else None
    if key is not None:
        entry = cache.get(key, checksums=False)
        if entry is not None:
            compiled = load_checked(cache, entry, lambda: backend.load_compiled(
                str(entry.path), entry.meta, list(graph.outputs)))
            if compiled is not None:
                return MLGraph(context, graph, compiled, lowered=None, engine=backend)
    try:
        lowered = optimize(graph, backend)
    except WebNNError:
        raise
    except Exception as exc:  # a pass failed on a valid graph: a bug here, reported as the spec's error
        raise OperationError(f"build: the graph passes failed: {type(exc).__name__}: {exc}") from exc
    artifact = Artifact(getattr(backend, "cache", None)) if key is not None or store is not None else None
    try:
        compiled = backend.compile(lowered, artifact.path) if artifact is not None else backend.compile(lowered)
    except WebNNError:
        if artifact is not None:
            artifact.cleanup()
        raise
    except Exception as exc:  # the backend could not compile a valid graph
        if artifact is not None:
            artifact.cleanup()
        raise OperationError(f"build: the {backend.name} backend failed to compile the graph: {exc}") from exc
    if artifact is not None:
        if store is not None:
            store(artifact, compiled)
        elif key is not None and held is not None:
            held[backend.name] = HeldStore(artifact, cache, key, compiled)
        elif key is not None:
            artifact.store_later(cache, key, compiled)
    return MLGraph(context, graph, compiled, lowered=lowered, engine=backend)


# ------------------------------------------------------------------ compiled packages


def _sha256_file(path: str) -> tuple[int, str]:
    import hashlib

    h = hashlib.sha256()
    size = 0
    with open(path, "rb") as file:
        while chunk := file.read(1 << 20):
            h.update(chunk)
            size += len(chunk)
    return size, h.hexdigest()


def save_compiled(graph: MLGraph, path: str | os.PathLike[str]) -> str:
    """Write ``graph`` compiled for its context's backend as a package folder at ``path``.

    The folder is written beside its final place and renamed into it; an existing folder at
    ``path`` is replaced only if it is a compiled package itself.  Returns the folder's path.
    """
    import json
    import shutil
    import tempfile

    backend: Any = graph._engine
    identity = backend_identity(backend)
    if identity is None:
        raise NotSupportedError(f"compile: the {backend.name} backend has no compiled form to save")
    target = os.path.abspath(os.fspath(path))
    if os.path.exists(target) and not os.path.isfile(os.path.join(target, MANIFEST)):
        raise FileExistsError(f"{target} exists and is not a compiled package: not replaced")
    parent = os.path.dirname(target) or "."
    os.makedirs(parent, exist_ok=True)
    staging = tempfile.mkdtemp(prefix=".webnn-compile-", dir=parent)
    try:
        artifact = Artifact()
        try:
            meta = artifact.write(backend.compile(graph.lowered_ir, artifact.path))
            if meta is None:
                raise NotSupportedError(f"compile: the {backend.name} backend wrote no compiled model")
            for name, source in artifact.files(meta).items():
                shutil.copyfile(source, os.path.join(staging, name))
        finally:
            artifact.cleanup()
        graph.save(os.path.join(staging, GRAPH_FILE))
        files = {}
        for name in sorted(os.listdir(staging)):
            size, digest = _sha256_file(os.path.join(staging, name))
            files[name] = {"size": size, "sha256": digest}
        manifest = {
            "format": PACKAGE_FORMAT, "version": PACKAGE_VERSION, "identity": json.loads(identity),
            "inputs": _descriptors(graph.input_descriptors), "outputs": _descriptors(graph.output_descriptors),
            "engine": meta, "graph": GRAPH_FILE, "files": files,
            "counts": [graph.operand_count, graph.operation_count],
        }
        with open(os.path.join(staging, MANIFEST), "w", encoding="utf-8") as file:
            json.dump(manifest, file, indent=1, sort_keys=True)
        if os.path.exists(target):
            old = target + f".old-{os.getpid()}"
            os.rename(target, old)
            os.rename(staging, target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.rename(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target


class PackageError(ValueError):
    """A compiled package that is malformed, damaged or not a package."""


def _read_manifest(folder: str) -> dict[str, Any]:
    import json

    path = os.path.join(folder, MANIFEST)
    try:
        if os.path.getsize(path) > MAX_MANIFEST_BYTES:
            raise PackageError(f"{path}: too large to be a compiled package's manifest")
        with open(path, encoding="utf-8") as file:
            manifest = json.load(file)
    except FileNotFoundError:
        raise PackageError(f"{folder}: not a compiled package (no {MANIFEST})") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PackageError(f"{path}: unreadable manifest: {exc}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != PACKAGE_FORMAT:
        raise PackageError(f"{path}: not a webnn compiled package manifest")
    if manifest.get("version") != PACKAGE_VERSION:
        raise PackageError(f"{path}: package version {manifest.get('version')!r}; this webnn reads {PACKAGE_VERSION}")
    for field in ("identity", "inputs", "outputs", "engine", "files"):
        if not isinstance(manifest.get(field), dict):
            raise PackageError(f"{path}: the manifest's {field!r} is missing or not an object")
    return manifest


def _check_files(folder: str, files: Mapping[str, Any]) -> None:
    for name, info in files.items():
        if not isinstance(name, str) or os.sep in name or "/" in name or name.startswith(".") or name == MANIFEST:
            raise PackageError(f"{folder}: the manifest names an invalid file {name!r}")
        if not isinstance(info, dict):
            raise PackageError(f"{folder}: the manifest's entry for {name!r} is not an object")
        path = os.path.join(folder, name)
        try:
            size, digest = _sha256_file(path)
        except OSError as exc:
            raise PackageError(f"{path}: {exc.strerror or exc}") from None
        if size != info.get("size") or digest != info.get("sha256"):
            raise PackageError(f"{path}: damaged (its size or SHA-256 is not the one the manifest records)")


def _identity_mismatch(saved: Mapping[str, Any], here: Mapping[str, Any]) -> str | None:
    """Why a package compiled for ``saved`` cannot run where the identity is ``here``."""
    saved_backend, here_backend = saved.get("backend", {}), here.get("backend", {})
    problems = []
    for name, what in (("engine", "engine"), ("version", "engine version"), ("providers", "execution providers"),
                       ("machine", "machine (CPU)"), ("opset", "ONNX opset"), ("optimization", "optimization")):
        if saved_backend.get(name) != here_backend.get(name):
            problems.append(f"{what} {saved_backend.get(name)!r}, here {here_backend.get(name)!r}")
    for name in ("webnn", "pipeline"):
        if saved.get(name) != here.get(name):
            problems.append(f"{name} {saved.get(name)!r}, here {here.get(name)!r}")
    if not problems and saved != here:
        problems.append("the backend's options differ")
    return "; ".join(problems) or None


def load_compiled(path: str | os.PathLike[str], context: MLContext | None = None) -> MLGraph:
    """The :class:`MLGraph` of a compiled package (:func:`save_compiled`, ``webnn compile``) on
    ``context`` (default: a new context of the package's backend), with nothing lowered or
    optimized again.  A package for another engine, engine version, device or machine is a
    ``NotSupportedError`` saying what differs; a damaged one a ``ValueError``."""
    import json

    from .context import ML
    from .graph import MLGraph

    folder = os.fspath(path)
    manifest = _read_manifest(folder)
    if context is None:
        backend_name = manifest["identity"].get("backend", {}).get("engine")
        context = ML().create_context(backend=backend_name if isinstance(backend_name, str) else None)
    backend: Any = context._backend
    engine = manifest["identity"].get("backend", {}).get("engine")
    if getattr(backend, "compile_graph", None) is not None and engine in getattr(backend, "engines", ()):
        backend = backend.engine(engine)  # (an auto context runs the package on its engine)
    identity = backend_identity(backend)
    if identity is None:
        raise NotSupportedError(f"load_compiled: the {backend.name} backend does not load compiled packages")
    mismatch = _identity_mismatch(manifest["identity"], json.loads(identity))
    if mismatch:
        raise NotSupportedError(f"load_compiled: {folder} was compiled for another setup: {mismatch}; compile it again here")
    _check_files(folder, manifest["files"])
    try:
        inputs = {n: OperandDescriptor(d["dataType"], tuple(d["shape"])) for n, d in manifest["inputs"].items()}
        outputs = {n: OperandDescriptor(d["dataType"], tuple(d["shape"])) for n, d in manifest["outputs"].items()}
    except (KeyError, TypeError) as exc:
        raise PackageError(f"{folder}: malformed input or output descriptors in the manifest: {exc}") from None
    compiled = backend.load_compiled(folder, manifest["engine"], list(outputs))
    graph_file = os.path.join(folder, GRAPH_FILE)

    def read_ir() -> Graph:
        from .graph import READERS

        graph = READERS["webnn-graph"](graph_file, context)
        if graph.input_descriptors != inputs or graph.output_descriptors != outputs:
            raise PackageError(f"{graph_file}: the graph's inputs or outputs are not the package's")
        return graph

    counts = manifest.get("counts")
    known = (counts[0], counts[1]) if isinstance(counts, list) and len(counts) == 2 and all(
        type(c) is int and c >= 0 for c in counts) else None
    return MLGraph(context, read_ir, compiled, lowered=None, signature=(inputs, outputs), counts=known,
                   engine=backend)


# ------------------------------------------------------------------ TFLite models


def export_tflite(graph: MLGraph, path: str | os.PathLike[str] | None = None) -> bytes:
    """The graph as the TFLite model the litert backend runs (the litert pipeline's graph, NHWC
    inside, the graph's own inputs and outputs): its bytes, written atomically to ``path`` too
    when given.  The constants are inside the flatbuffer, the form every TFLite runtime reads,
    up to 2 GB of them; beyond, after it (the schema's form for large models).  Any graph, whatever its context's backend; NotSupportedError (naming the op, its
    label and the data type) for what LiteRT cannot compute exactly."""
    from .backends import load_backend
    from .errors import NotSupportedError

    backend: Any = graph._engine
    if getattr(backend, "name", None) != "litert":
        try:
            backend = load_backend("litert", cache=False)
        except ImportError as exc:
            raise NotSupportedError(f"export_tflite: the litert backend is not installed ({exc}): "
                                    "pip install 'webnn[litert]'") from None
    model, _, _ = backend.lower(optimize(graph.ir, backend), inline=True)
    if path is not None:
        from .io.atomic import write_atomic

        write_atomic(path, model)
    return model


# ------------------------------------------------------------------ CoreML models


def convert_to_coreml(graph: MLGraph, path: str | os.PathLike[str], precision: str = "auto") -> str:
    """Write the graph as a CoreML ML Program (``.mlpackage``; the coreml pipeline's graph, the
    iOS 17 / macOS 14 opset), on any system and whatever the graph's backend; returns the folder's
    path.  ``precision="float16"`` computes float32 operations in float16 (the model's inputs and
    outputs stay float32).  Needs coremltools (the ``coreml`` extra); NotSupportedError (naming
    the op, its label and the data type) for what CoreML cannot compute exactly."""
    from .backends.coreml.backend import CoreMlBackend
    from .backends.coreml.model import convert, save

    return save(convert(optimize(graph.ir, CoreMlBackend), precision), path)


def _register() -> None:
    from .graph import FORMATS

    FORMATS["compiled"] = save_compiled
    FORMATS["tflite"] = export_tflite
    FORMATS["coreml"] = convert_to_coreml


_register()
