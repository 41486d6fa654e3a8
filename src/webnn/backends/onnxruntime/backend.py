"""The ONNX Runtime backend: one InferenceSession per graph, created at build()."""

from __future__ import annotations

import os
import threading
import weakref
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import onnxruntime as ort

from ...errors import NotSupportedError
from ...ir import Graph, OperandDescriptor
from ..base import HostStorage, UsesPersistentCache
from . import providers as provider_choice
from .pipeline import DECOMPOSE, LAYOUT, OPSET, PIPELINE

#: The files of a compiled artifact: the optimized model and its external weights.
ARTIFACT_MODEL = "model.onnx"
ARTIFACT_WEIGHTS = "weights.bin"
#: I/O bindings kept per compiled graph (one per distinct set of tensors dispatched).
_MAX_BINDINGS = 16
#: The oldest ONNX Runtime whose results the tests check (older CPU kernels quantize, pool and
#: gather some integer and special values differently).
MIN_VERSION = (1, 32)


def check_version(version: str) -> None:
    """NotSupportedError when ``version`` of ONNX Runtime is older than :data:`MIN_VERSION`."""
    parts = []
    for part in version.split(".")[:2]:
        digits = "".join(c for c in part if c.isdigit()) if part[:1].isdigit() else ""
        parts.append(int(digits) if digits else 0)
    if tuple(parts) < MIN_VERSION:
        raise NotSupportedError(
            f"create_context: onnxruntime {version} is installed; the onnxruntime backend needs "
            f"{'.'.join(map(str, MIN_VERSION))} or newer (older versions compute some cases differently)"
        )


class OnnxRuntimeBackend(UsesPersistentCache):
    """Lowers graphs to ONNX and runs them with ONNX Runtime on the chosen execution provider."""

    name = "onnxruntime"
    pipeline = PIPELINE
    decompose = DECOMPOSE
    layout = LAYOUT

    def __init__(
        self,
        *,
        power_preference: str = "default",
        accelerated: bool = True,
        device_type: str | None = None,
        num_threads: int | None = None,
        provider_options: Mapping[str, Mapping[str, Any]] | None = None,
        available_providers: list[str] | None = None,
        cache: bool = True,
    ) -> None:
        check_version(ort.__version__)
        available = ort.get_available_providers() if available_providers is None else available_providers
        self.choice = provider_choice.choose(
            available, accelerated=accelerated, power_preference=power_preference, device_type=device_type
        )
        provider_options = dict(provider_options or {})
        unknown = sorted(set(provider_options) - set(available))
        if unknown:
            raise TypeError(
                f"create_context: provider_options for {', '.join(unknown)}, which ONNX Runtime does not "
                f"have here (available: {', '.join(available)})"
            )
        self.providers = [
            (p, {str(k): str(v) for k, v in provider_options.get(p, {}).items()}) for p in self.choice.providers
        ]
        self.num_threads = num_threads
        self._use_cache = cache
        self.accelerated = self.choice.accelerated
        self.device = self.choice.device
        # ONNX Runtime's kernel table (which types each CPU kernel takes) is read now, from the
        # persistent cache after the first process; the lowering modules load on the first build
        # that compiles, only the families its graph uses.
        from .kernels import cpu_kernel_types

        cpu_kernel_types(OPSET)

    def operations(self) -> dict[str, Any]:
        """Op name -> its lowering: every op this backend lowers itself (the others, if any, are
        in ``decompose``)."""
        from .lowering import LOWERINGS, load

        load()
        return dict(LOWERINGS)

    def session_options(self) -> ort.SessionOptions:
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3
        if self.num_threads is not None:
            options.intra_op_num_threads = self.num_threads
            options.inter_op_num_threads = 1
        return options

    def cache_identity(self) -> str:
        """What, besides the graph, decides the compiled model: engine version, providers and
        their options, the optimization level and the machine."""
        import json

        from ...fingerprint import machine_digest

        return json.dumps({
            "engine": "onnxruntime", "version": ort.__version__, "opset": OPSET, "providers": self.providers,
            "optimization": "all", "machine": machine_digest(),
        }, sort_keys=True)

    def compile(self, graph: Graph, artifact_dir: str | None = None) -> CompiledOnnx:
        """Lower ``graph`` to ONNX and create its session.

        With ``artifact_dir``, the compiled graph's ``write_artifact()`` writes there the model
        ONNX Runtime optimized (``model.onnx`` + ``weights.bin``), which :meth:`load_compiled`
        loads without optimizing again, and returns what describes it.  Writing it means
        optimizing once more in a second session (ONNX Runtime saves only while it creates a
        session, which would add a third to the build), so it is left to the caller to do it
        off the build's critical path."""
        from .emitter import Emitter, LoweringError
        from .lowering import lower

        emitter = Emitter(graph)
        try:
            output_names = lower(emitter)
        except LoweringError as exc:
            raise NotSupportedError(f"build: the onnxruntime backend cannot run {exc}") from None
        shared = {name: ort.OrtValue.ortvalue_from_numpy(array) for name, array in emitter.shared.items()}
        model = emitter.model_bytes()
        del emitter
        session = self._session(model, self._options(shared))
        compiled = CompiledOnnx(session, output_names, shared)
        if artifact_dir is not None:

            def write_artifact() -> dict[str, Any] | None:
                options = self._options(shared)
                options.intra_op_num_threads = 1  # (the saved model does not depend on it)
                options.optimized_model_filepath = os.path.join(artifact_dir, ARTIFACT_MODEL)
                options.add_session_config_entry(
                    "session.optimized_model_external_initializers_file_name", ARTIFACT_WEIGHTS)
                options.add_session_config_entry(
                    "session.optimized_model_external_initializers_min_size_in_bytes", "1024")
                self._session(model, options)
                files = [f for f in (ARTIFACT_MODEL, ARTIFACT_WEIGHTS) if os.path.exists(os.path.join(artifact_dir, f))]
                if ARTIFACT_MODEL not in files:
                    return None
                return {"files": files, "outputs": dict(output_names), "format": "onnx-optimized"}

            compiled.write_artifact = write_artifact
        return compiled

    def _options(self, shared: Mapping[str, Any]) -> ort.SessionOptions:
        options = self.session_options()
        if shared:
            options.add_external_initializers(list(shared), list(shared.values()))
        return options

    def load_compiled(self, folder: str, meta: Mapping[str, Any], output_names: list[str]) -> CompiledOnnx:
        """A compiled graph from the files :meth:`compile` wrote (now in ``folder``, described
        by ``meta``): the optimized model, loaded with graph optimization off."""
        outputs = meta.get("outputs")
        # (outputs in any order: the cache's metadata keeps its keys sorted)
        if meta.get("format") != "onnx-optimized" or not isinstance(outputs, dict) or sorted(outputs) != sorted(output_names):
            raise ValueError("the compiled model is not one this backend wrote for this graph")
        options = self.session_options()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
        session = self._session(os.path.join(folder, ARTIFACT_MODEL), options)
        return CompiledOnnx(session, outputs, {})

    def _session(self, model: bytes | str, options: ort.SessionOptions) -> ort.InferenceSession:
        return ort.InferenceSession(
            model,
            options,
            providers=[p for p, _ in self.providers],
            provider_options=[o for _, o in self.providers],
        )

    def create_storage(self, desc: OperandDescriptor, data: np.ndarray | None = None) -> OrtStorage:
        return OrtStorage(desc, data)

    def info(self) -> dict[str, Any]:
        return {
            "backend": self.name,
            "device": self.device,
            "accelerated": self.accelerated,
            "providers": [p for p, _ in self.providers],
            "onnxruntime": ort.__version__,
            "num_threads": self.num_threads,
        }


class OrtStorage(HostStorage):
    """Host memory shared with an ``OrtValue``, so that dispatch binds it without copies.

    The I/O bindings that compiled graphs cache point at this memory (and, in recent ONNX
    Runtime versions, keep it alive): ``release`` drops them before the memory goes, so no
    binding is left pointing at freed memory and the memory is really freed.
    """

    __slots__ = ("value", "_bound_in", "_bound_lock")

    def __init__(self, desc: OperandDescriptor, data: np.ndarray | None = None) -> None:
        super().__init__(desc, data)
        self.value = ort.OrtValue.ortvalue_from_numpy(self.array)
        #: The compiled graphs that may hold a binding of this storage.
        self._bound_in: weakref.WeakSet[CompiledOnnx] = weakref.WeakSet()
        self._bound_lock = threading.Lock()

    def bound_by(self, graph: CompiledOnnx) -> None:
        with self._bound_lock:
            self._bound_in.add(graph)

    def release(self) -> None:
        """Free the memory; the caller guarantees that no run is using it."""
        with self._bound_lock:
            graphs = list(self._bound_in)
            self._bound_in = weakref.WeakSet()
        for graph in graphs:
            graph.forget(self)
        self.value = None
        super().release()


class CompiledOnnx:
    """A session and what running it needs: output names, the shared constants, I/O bindings."""

    def __init__(
        self,
        session: ort.InferenceSession,
        output_names: Mapping[str, str],
        shared: Mapping[str, ort.OrtValue],
    ) -> None:
        self.session = session
        self._run = session._sess.run  # the C++ entry point, without the Python wrapper's checks
        self._names = list(output_names)
        self._onnx_names = list(output_names.values())
        self._shared = shared  # keeps the OrtValues (and the arrays they share) alive
        self._bindings: dict[tuple[tuple[str, int], ...], Any] = {}
        self._lock = threading.Lock()
        #: Writes the compiled artifact (set by compile when given a folder for it).
        self.write_artifact: Callable[[], dict[str, Any] | None] | None = None

    def run(self, inputs: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        return dict(zip(self._names, self._run(self._onnx_names, inputs, None)))

    def run_into(self, inputs: Mapping[str, np.ndarray], outputs: Mapping[str, np.ndarray]) -> None:
        """Run writing every output straight into the given arrays (C-contiguous, of the declared
        dtype and shape, sharing no memory with the inputs): nothing is allocated for them."""
        binding = self.session.io_binding()
        for name, array in inputs.items():
            binding.bind_cpu_input(name, array if array.flags.c_contiguous else np.ascontiguousarray(array))
        for name, onnx_name in zip(self._names, self._onnx_names):
            binding.bind_ortvalue_output(onnx_name, ort.OrtValue.ortvalue_from_numpy(outputs[name]))
        self.session.run_with_iobinding(binding)

    def dispatch(self, inputs: Mapping[str, OrtStorage], outputs: Mapping[str, OrtStorage]) -> None:
        """Run with I/O binding: the same tensors reuse their binding, so nothing is allocated."""
        storages = (*inputs.values(), *outputs.values())
        key = tuple((name, id(s)) for name, s in (*inputs.items(), ("", None), *outputs.items()))
        with self._lock:
            cached = self._bindings.pop(key, None)
            if cached is None:
                binding = self.session.io_binding()
                for name, storage in inputs.items():
                    binding.bind_ortvalue_input(name, storage.value)
                onnx_names = dict(zip(self._names, self._onnx_names))
                for name, storage in outputs.items():
                    binding.bind_ortvalue_output(onnx_names[name], storage.value)
                for storage in storages:
                    storage.bound_by(self)
                # The cache holds the storages too, so their ids cannot be reused while cached.
                cached = (binding, storages)
            self._bindings[key] = cached  # most recent last
            while len(self._bindings) > _MAX_BINDINGS:
                del self._bindings[next(iter(self._bindings))]
            self.session.run_with_iobinding(cached[0])

    def forget(self, storage: OrtStorage) -> None:
        """Drop the cached bindings that use ``storage`` (waits for a run in progress)."""
        with self._lock:
            for key in [k for k, (_, storages) in self._bindings.items() if any(s is storage for s in storages)]:
                del self._bindings[key]
