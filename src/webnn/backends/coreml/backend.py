"""The CoreML backend: one ML Program per graph, compiled and loaded by CoreML at build()
(macOS only: elsewhere the backend is refused, and ``graph.convert_to_coreml(path)`` writes the
``.mlpackage`` all the same)."""

from __future__ import annotations

import os
import platform
import sys
import threading
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from ...errors import NotSupportedError
from ...ir import Graph, OperandDescriptor
from ..base import HostStorage, RunsASubset, UsesPersistentCache, artifact_signature
from .pipeline import DECOMPOSE, LAYOUT, PIPELINE

#: The file of a compiled artifact: the compiled model (a folder, ``.mlmodelc``) as a zip archive.
ARTIFACT_MODEL = "model.mlmodelc.zip"
ARTIFACT_FORMAT = "coreml-mlmodelc"

#: (accelerated, device type or power preference) -> CoreML's compute units.
COMPUTE_UNITS = {
    "cpu": "CPU_ONLY", "gpu": "CPU_AND_GPU", "npu": "CPU_AND_NE",
    "low-power": "CPU_AND_NE", "high-performance": "CPU_AND_GPU", "default": "ALL",
}

UNAVAILABLE = ("create_context: CoreML runs only on macOS (this is {system}); graph.convert_to_coreml(path) "
               "and 'webnn convert IN OUT.mlpackage' write CoreML models on every system")


def runs_here() -> bool:
    """Whether CoreML can run models on this system (macOS)."""
    return sys.platform == "darwin"


def compute_units(power_preference: str, accelerated: bool, device_type: str | None) -> str:
    """The name of CoreML's compute units for a context's hints."""
    if not accelerated:
        return "CPU_ONLY"
    return COMPUTE_UNITS[device_type or power_preference]


def coremltools_version() -> str:
    from .. import package_version

    return package_version("coremltools")


class CoreMlBackend(RunsASubset, UsesPersistentCache):
    """Lowers graphs to CoreML ML Programs and runs them with CoreML (macOS)."""

    name = "coreml"
    pipeline = PIPELINE
    lowerings = "webnn.backends.coreml.lowering"
    decompose = DECOMPOSE
    layout = LAYOUT
    #: CoreML's tensors have rank 5 at most (op_support_limits' rank ranges say so).
    max_rank = 5

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
            raise TypeError("create_context: provider_options are onnxruntime's; the coreml backend takes none")
        if not runs_here():
            raise NotSupportedError(UNAVAILABLE.format(system=platform.system() or sys.platform))
        self.compute_units = compute_units(power_preference, accelerated, device_type)
        # (ALL: CoreML chooses per op; the Neural Engine takes float16 only, float32 programs go to the GPU)
        self.device = {"CPU_ONLY": "cpu", "CPU_AND_GPU": "gpu", "CPU_AND_NE": "npu", "ALL": "gpu"}[self.compute_units]
        self.accelerated = self.compute_units != "CPU_ONLY"
        self._use_cache = cache

    def cache_identity(self) -> str:
        """What, besides the graph, decides the compiled model: coremltools, macOS and the
        machine (the compute units are chosen when the compiled model is loaded)."""
        import json

        return json.dumps({"engine": "coreml", "version": coremltools_version(),
                           "os": platform.mac_ver()[0], "machine": platform.machine()}, sort_keys=True)

    def compile(self, graph: Graph, artifact_dir: str | None = None) -> CompiledCoreMl:
        """Convert ``graph`` to an ML Program and have CoreML compile and load it, once.

        With ``artifact_dir``, the compiled graph's ``write_artifact()`` writes the compiled
        model there, which :meth:`load_compiled` loads without converting or compiling again."""
        import tempfile

        from .lowering._mil import coremltools
        from .model import convert, save

        converted = convert(graph)
        ct = coremltools()
        folder = tempfile.TemporaryDirectory(prefix="webnn-coreml-")
        path = save(converted, os.path.join(folder.name, "model.mlpackage"))
        model = ct.models.MLModel(path, compute_units=getattr(ct.ComputeUnit, self.compute_units))
        inputs, outputs = list(converted.inputs.items()), list(converted.outputs.items())
        types = [graph.operands[graph.outputs[n]].data_type for n, _ in outputs]
        shapes = [list(graph.operands[graph.outputs[n]].shape) for n, _ in outputs]
        result = CompiledCoreMl(model, inputs, outputs, types, shapes, keep=folder)
        if artifact_dir is not None:
            result.write_artifact = lambda: result.export(artifact_dir, model.get_compiled_model_path())
        return result

    def load_compiled(self, folder: str, meta: Mapping[str, Any], output_names: list[str]) -> CompiledCoreMl:
        """A compiled graph from the compiled model :meth:`compile` wrote (now in ``folder``,
        described by ``meta``)."""
        import tempfile
        import zipfile

        from .lowering._mil import coremltools

        if meta.get("format") != ARTIFACT_FORMAT:
            raise ValueError("the compiled model is not one this backend wrote")
        inputs, names, types = artifact_signature(meta, output_names)
        model_names, shapes = meta.get("model_names"), meta.get("shapes")
        if not isinstance(model_names, dict) or not isinstance(shapes, list) or len(shapes) != len(names):
            raise ValueError("the compiled model is not one this backend wrote")
        scratch = tempfile.TemporaryDirectory(prefix="webnn-coreml-")
        with zipfile.ZipFile(os.path.join(folder, ARTIFACT_MODEL)) as archive:
            archive.extractall(scratch.name)
        ct = coremltools()
        model = ct.models.CompiledMLModel(os.path.join(scratch.name, "model.mlmodelc"),
                                          compute_units=getattr(ct.ComputeUnit, self.compute_units))
        return CompiledCoreMl(model, [(n, model_names[n]) for n in inputs], [(n, model_names[n]) for n in names],
                              types, shapes, keep=scratch)

    def create_storage(self, desc: OperandDescriptor, data: np.ndarray | None = None) -> HostStorage:
        return HostStorage(desc, data)

    def info(self) -> dict[str, Any]:
        return {
            "backend": self.name,
            "device": self.device,
            "accelerated": self.accelerated,
            "compute_units": self.compute_units,
            "coremltools": coremltools_version(),
        }


class CompiledCoreMl:
    """A loaded CoreML model (``MLModel`` or ``CompiledMLModel``) and the graph's names for its
    inputs and outputs."""

    def __init__(self, model: Any, inputs: list[tuple[str, str]], outputs: list[tuple[str, str]],
                 types: list[str], shapes: list[list[int]], keep: Any = None) -> None:
        from ...dtypes import to_numpy

        self.model = model
        self.inputs = inputs
        self.outputs = outputs
        self.types = types
        self.dtypes = [to_numpy(t) for t in types]
        self.shapes = [tuple(s) for s in shapes]
        self._keep = keep  # (the folder the model was loaded from lives as long as the model)
        self._lock = threading.Lock()
        #: Writes the compiled artifact (set by compile when given a folder for it).
        self.write_artifact: Callable[[], dict[str, Any] | None] | None = None

    def export(self, folder: str, compiled: str) -> dict[str, Any]:
        """Write the compiled model (the ``.mlmodelc`` folder ``compiled``) into ``folder``;
        what describes it."""
        import zipfile

        with zipfile.ZipFile(os.path.join(folder, ARTIFACT_MODEL), "w", zipfile.ZIP_STORED) as archive:
            for root, _, files in os.walk(compiled):
                for name in sorted(files):
                    path = os.path.join(root, name)
                    archive.write(path, os.path.join("model.mlmodelc", os.path.relpath(path, compiled)))
        return {"files": [ARTIFACT_MODEL], "format": ARTIFACT_FORMAT, "inputs": [n for n, _ in self.inputs],
                "outputs": [[n, t] for (n, _), t in zip(self.outputs, self.types)],
                "model_names": dict([*self.inputs, *self.outputs]), "shapes": [list(s) for s in self.shapes]}

    def run(self, inputs: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        feeds = {}
        for name, model_name in self.inputs:
            array = inputs[name]
            if array.dtype in (np.int8, np.uint8):  # (int32 at the model's inputs: see lowering.IO_TYPES)
                array = array.astype(np.int32)
            if array.ndim == 0:  # (a scalar is [1] at the model's inputs: see lowering.io_shape)
                array = array.reshape(1)
            feeds[model_name] = np.require(array, requirements="C")
        with self._lock:
            results = self.model.predict(feeds)
        return {name: np.asarray(results[model_name]).astype(dtype, copy=False).reshape(shape)
                for (name, model_name), dtype, shape in zip(self.outputs, self.dtypes, self.shapes)}

    def dispatch(self, inputs: Mapping[str, Any], outputs: Mapping[str, Any]) -> None:
        results = self.run({name: storage.array for name, storage in inputs.items()})
        for name, storage in outputs.items():
            storage.array[...] = results[name]
