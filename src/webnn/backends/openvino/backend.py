"""The OpenVINO backend: one compiled model per graph, created at build()."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import openvino as ov

from ...errors import NotSupportedError
from ...ir import Graph, OperandDescriptor
from ..base import HostStorage, RunsASubset, UsesPersistentCache, artifact_signature
from .pipeline import DECOMPOSE, LAYOUT, PIPELINE

#: The files of a compiled artifact: the model OpenVINO compiled (``export_model``), and the
#: constants fed as inputs on every run (only when the graph has some).
ARTIFACT_BLOB = "model.blob"
ARTIFACT_FED = "fed.npz"
ARTIFACT_FORMAT = "openvino-compiled"

#: OpenVINO device name prefixes -> the spec's device kinds.
_KINDS = {"CPU": "cpu", "GPU": "gpu", "NPU": "npu"}
_CORE: Any = None
_CORE_LOCK = threading.Lock()


def core() -> Any:
    """The process's OpenVINO ``Core`` (created on first use)."""
    global _CORE
    with _CORE_LOCK:
        if _CORE is None:
            _CORE = ov.Core()
        return _CORE


def choose_device(available: list[str], *, accelerated: bool, power_preference: str,
                  device_type: str | None) -> tuple[str, str]:
    """(OpenVINO device, its kind) for the spec's hints, as the onnxruntime backend reads them:
    ``device_type`` asks for a kind (the CPU when there is none); otherwise ``accelerated=False``
    means the CPU unless ``power_preference`` is "high-performance"; "low-power" prefers an NPU,
    the others a GPU."""
    by_kind: dict[str, str] = {}
    for name in available:
        kind = _KINDS.get(name.split(".")[0])
        if kind is not None and kind not in by_kind:
            by_kind[kind] = name
    if device_type is not None:
        wanted = [device_type]
    elif not accelerated and power_preference != "high-performance":
        wanted = ["cpu"]
    elif power_preference == "low-power":
        wanted = ["npu", "cpu"]
    else:
        wanted = ["gpu", "cpu"]
    for kind in [*wanted, "cpu"]:
        if kind in by_kind:
            return by_kind[kind], kind
    return "CPU", "cpu"


class OpenVinoBackend(RunsASubset, UsesPersistentCache):
    """Lowers graphs to OpenVINO models and runs them on an OpenVINO device."""

    name = "openvino"
    pipeline = PIPELINE
    lowerings = "webnn.backends.openvino.lowering"
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
        cache: bool = True,
    ) -> None:
        if provider_options:
            raise TypeError("create_context: provider_options are onnxruntime's; the openvino backend takes none")
        self.ov_device, self.device = choose_device(
            core().available_devices, accelerated=accelerated, power_preference=power_preference,
            device_type=device_type)
        self.accelerated = self.device != "cpu"
        self.num_threads = num_threads
        self._use_cache = cache

    def target(self) -> Any:
        """What the lowerings may rely on of the device (:class:`.lowering.Target`)."""
        import platform

        from .lowering import Target

        x86 = platform.machine().lower() in ("x86_64", "amd64", "i386", "i686", "x86")
        return Target(ordered_max=self.device == "cpu" and x86)

    def cache_identity(self) -> str:
        """What, besides the graph, decides the compiled model: the OpenVINO version, the device
        and the compile options, and the machine."""
        import json

        from ...fingerprint import machine_digest

        return json.dumps({
            "engine": "openvino", "version": ov.__version__, "device": self.ov_device, "config": self.config(),
            "machine": machine_digest(),
        }, sort_keys=True)

    def config(self, graph: Graph | None = None) -> dict[str, str]:
        """The compile options: full precision (f32 graphs never run in bf16 / f16), accuracy first."""
        options = {"INFERENCE_PRECISION_HINT": "f32", "EXECUTION_MODE_HINT": "ACCURACY"}
        if self.num_threads is not None and self.device == "cpu":
            options["INFERENCE_NUM_THREADS"] = str(self.num_threads)
        return options

    def compile(self, graph: Graph, artifact_dir: str | None = None) -> CompiledOpenVino:
        """Lower ``graph`` to an OpenVINO model and compile it for the device.

        With ``artifact_dir``, the compiled graph's ``write_artifact()`` writes there the compiled
        model as OpenVINO exports it (``model.blob``, and ``fed.npz`` with the constants fed as
        inputs), which :meth:`load_compiled` imports without compiling again."""
        from .lowering import LoweringError, lower

        try:
            model, names, fed = lower(graph, self.target())
        except LoweringError as exc:
            raise NotSupportedError(f"build: {exc}") from None
        compiled = core().compile_model(model, self.ov_device, self.config(graph))
        descs = [graph.operands[graph.outputs[n]] for n in names]
        result = CompiledOpenVino(compiled, list(graph.inputs), names, [d.data_type for d in descs], fed)
        if artifact_dir is not None:
            result.write_artifact = lambda: result.export(artifact_dir)
        return result

    def load_compiled(self, folder: str, meta: Mapping[str, Any], output_names: list[str]) -> CompiledOpenVino:
        """A compiled graph from the files :meth:`compile` wrote (now in ``folder``, described by
        ``meta``), imported by OpenVINO without compiling again."""
        import os

        fed = meta.get("fed", [])
        if meta.get("format") != ARTIFACT_FORMAT or not isinstance(fed, list):
            raise ValueError("the compiled model is not one this backend wrote")
        inputs, names, types = artifact_signature(meta, output_names)
        fed_arrays: dict[int, np.ndarray] = {}
        if fed:
            with np.load(os.path.join(folder, ARTIFACT_FED), allow_pickle=False) as saved:
                for position in fed:
                    if type(position) is not int or position < len(inputs):
                        raise ValueError("the compiled model's fed constants are malformed")
                    fed_arrays[position] = saved[f"p{position}"]
        blob = np.fromfile(os.path.join(folder, ARTIFACT_BLOB), dtype=np.uint8)
        compiled = core().import_model(ov.Tensor(blob, shared_memory=True), self.ov_device, self.config())
        result = CompiledOpenVino(compiled, inputs, names, types, fed_arrays)
        result.blob = blob  # (the imported model reads its weights from this memory)
        return result

    def create_storage(self, desc: OperandDescriptor, data: np.ndarray | None = None) -> HostStorage:
        return HostStorage(desc, data)

    def info(self) -> dict[str, Any]:
        return {
            "backend": self.name,
            "device": self.device,
            "accelerated": self.accelerated,
            "openvino_device": self.ov_device,
            "openvino": ov.__version__,
            "num_threads": self.num_threads,
        }


class CompiledOpenVino:
    """A compiled OpenVINO model with one infer request per thread that runs it."""

    def __init__(self, compiled: Any, inputs: list[str], names: list[str], types: list[str],
                 fed: Mapping[int, np.ndarray]) -> None:
        from ...dtypes import to_numpy

        self.compiled = compiled
        # parameter position -> the constant fed to it on every run (a writable copy: the
        # request reads it in place, and writes 0-d values into the memory it holds)
        self.fed = {k: np.array(v, copy=True) for k, v in fed.items()}
        self.inputs = {name: i for i, name in enumerate(inputs)}  # (the model's parameters, in this order)
        self.names = names
        self.types = types  # the outputs' data types
        self.dtypes = [to_numpy(t) for t in types]
        self._local = threading.local()
        #: Writes the compiled artifact (set by compile when given a folder for it).
        self.write_artifact: Callable[[], dict[str, Any] | None] | None = None
        #: The exported model an imported one was read from (kept alive with it).
        self.blob: np.ndarray | None = None

    def export(self, folder: str) -> dict[str, Any]:
        """Write the compiled model (and the fed constants) into ``folder``; what describes them."""
        import os

        with open(os.path.join(folder, ARTIFACT_BLOB), "wb") as file:
            file.write(self.compiled.export_model().getbuffer())
        files = [ARTIFACT_BLOB]
        if self.fed:
            arrays: dict[str, Any] = {f"p{k}": v for k, v in self.fed.items()}
            np.savez(os.path.join(folder, ARTIFACT_FED), **arrays)
            files.append(ARTIFACT_FED)
        return {"files": files, "format": ARTIFACT_FORMAT, "inputs": list(self.inputs),
                "outputs": [[n, t] for n, t in zip(self.names, self.types)], "fed": sorted(self.fed)}

    def _request(self) -> Any:
        request = getattr(self._local, "request", None)
        if request is None:
            request = self._local.request = self.compiled.create_infer_request()
        return request

    def run(self, inputs: Mapping[str, np.ndarray], share_inputs: bool = True) -> dict[str, np.ndarray]:
        request = self._request()
        # With ``share_inputs`` the request reads the input arrays in place (and holds them until
        # its next run); the outputs are copied once out of its own buffers, which the next run
        # overwrites.
        # (a 0-d value is copied into the memory the request holds from the previous run: that
        # must be the request's own, never a caller's array)
        feeds = {self.inputs[name]: np.require(a, requirements="C") if a.ndim else np.array(a, copy=True)
                 for name, a in inputs.items()}
        results = request.infer({**feeds, **self.fed}, share_inputs=share_inputs, share_outputs=True)
        return {name: np.array(results[i], dtype=dtype, copy=True)
                for i, (name, dtype) in enumerate(zip(self.names, self.dtypes))}

    def dispatch(self, inputs: Mapping[str, Any], outputs: Mapping[str, Any]) -> None:
        # (copied in: a tensor's memory must go when the tensor is destroyed, not at the next run)
        results = self.run({name: storage.array for name, storage in inputs.items()}, share_inputs=False)
        for name, storage in outputs.items():
            storage.array[...] = results[name]
