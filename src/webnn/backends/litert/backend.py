"""The LiteRT backend: one TFLite model per graph, and the interpreter (with XNNPACK) that runs
it, created at build()."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
from ai_edge_litert.interpreter import Interpreter  # (the engine: loaded with the context, as the others are)

from ...errors import NotSupportedError
from ...ir import Graph, OperandDescriptor
from .. import package_version
from ..base import HostStorage, RunsASubset, UsesPersistentCache, artifact_signature
from .pipeline import DECOMPOSE, LAYOUT, PIPELINE

#: The file of a compiled artifact: the TFLite model.
ARTIFACT_MODEL = "model.tflite"
ARTIFACT_FORMAT = "litert-tflite"


def default_threads() -> int:
    """The CPUs this process may run on (TFLite's own default is one thread)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def litert_version() -> str:
    return package_version("ai_edge_litert")


class LiteRtBackend(RunsASubset, UsesPersistentCache):
    """Lowers graphs to TFLite models and runs them in LiteRT's interpreter (XNNPACK on the CPU)."""

    name = "litert"
    pipeline = PIPELINE
    lowerings = "webnn.backends.litert.lowering"
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
            raise TypeError("create_context: provider_options are onnxruntime's; the litert backend takes none")
        if device_type not in (None, "cpu"):
            raise NotSupportedError(f"create_context: the litert backend runs on the CPU only, not on {device_type!r}")
        self.device = "cpu"
        self.accelerated = False
        self.num_threads = num_threads if num_threads is not None else default_threads()
        self._use_cache = cache

    def cache_identity(self) -> str:
        """What, besides the graph, decides the compiled model: the LiteRT version (the model
        itself does not depend on the thread count or the machine)."""
        import json

        return json.dumps({"engine": "litert", "version": litert_version()}, sort_keys=True)

    def lower(self, graph: Graph, *, inline: bool = False) -> tuple[bytes, list[str], list[str]]:
        """The TFLite model of ``graph`` (after the pipeline): its bytes, its inputs' and its
        outputs' names in the model's order.  ``inline``: the constants inside the flatbuffer
        where they fit (the form every TFLite runtime reads), not after it."""
        pieces, inputs, outputs = self._lower(graph, inline)
        return b"".join(pieces), inputs, outputs

    def _lower(self, graph: Graph, inline: bool = False) -> tuple[list[bytes | memoryview], list[str], list[str]]:
        from .lowering import LoweringError, lower

        try:
            return lower(graph, inline=inline)
        except LoweringError as exc:
            raise NotSupportedError(f"build: {exc}") from None

    def compile(self, graph: Graph, artifact_dir: str | None = None) -> CompiledLiteRt:
        """Lower ``graph`` to a TFLite model and create its interpreter.

        With ``artifact_dir``, the model is written there (``model.tflite``) and the interpreter
        maps the file (the weights are not copied into one more buffer first); the compiled
        graph's ``write_artifact()`` then describes it, for :meth:`load_compiled`."""
        pieces, inputs, outputs = self._lower(graph)
        types = [graph.operands[graph.outputs[n]].data_type for n in outputs]
        if artifact_dir is None:
            return CompiledLiteRt(b"".join(pieces), inputs, outputs, types, self.num_threads)
        path = os.path.join(artifact_dir, ARTIFACT_MODEL)
        with open(path, "wb") as file:
            for piece in pieces:
                file.write(piece)
        result = CompiledLiteRt(path, inputs, outputs, types, self.num_threads)
        result.write_artifact = result.describe
        return result

    def load_compiled(self, folder: str, meta: Mapping[str, Any], output_names: list[str]) -> CompiledLiteRt:
        """A compiled graph from the model :meth:`compile` wrote (now in ``folder``, described by
        ``meta``): the interpreter maps the file."""
        if meta.get("format") != ARTIFACT_FORMAT:
            raise ValueError("the compiled model is not one this backend wrote")
        inputs, names, types = artifact_signature(meta, output_names)
        return CompiledLiteRt(os.path.join(folder, ARTIFACT_MODEL), inputs, names, types, self.num_threads)

    def create_storage(self, desc: OperandDescriptor, data: np.ndarray | None = None) -> HostStorage:
        return HostStorage(desc, data)

    def info(self) -> dict[str, Any]:
        return {
            "backend": self.name,
            "device": self.device,
            "accelerated": self.accelerated,
            "litert": litert_version(),
            "num_threads": self.num_threads,
        }


_QUIET_LOCK = threading.Lock()
_ANNOUNCED = False


def _interpreter(model: bytes | str, num_threads: int) -> Any:
    """LiteRT's interpreter of ``model``, its tensors allocated.  The first one in a process is
    created with the C-level stderr closed: TFLite announces its XNNPACK delegate there once per
    process ("INFO: Created TensorFlow Lite XNNPACK delegate for CPU."), which is not ours to
    print into a user's output."""
    global _ANNOUNCED
    source = {"model_path": model} if isinstance(model, str) else {"model_content": model}
    if _ANNOUNCED:
        interpreter = Interpreter(**source, num_threads=num_threads)
        interpreter.allocate_tensors()
    else:
        with _QUIET_LOCK:
            saved = os.dup(2)
            try:
                null = os.open(os.devnull, os.O_WRONLY)
                try:
                    os.dup2(null, 2)
                    interpreter = Interpreter(**source, num_threads=num_threads)
                    interpreter.allocate_tensors()  # (where the delegate is applied)
                finally:
                    os.dup2(saved, 2)
                    os.close(null)
            finally:
                os.close(saved)
            _ANNOUNCED = True
    return interpreter


class CompiledLiteRt:
    """A TFLite model and the interpreter that runs it (one run at a time: the interpreter holds
    the tensors)."""

    def __init__(self, model: bytes | str, inputs: list[str], names: list[str], types: list[str],
                 num_threads: int) -> None:
        """``model``: the model's bytes, or the path of its file (which LiteRT maps: a file that
        is removed or replaced later stays mapped as it was)."""
        from ...dtypes import to_numpy

        self.model = model
        self.interpreter = _interpreter(model, num_threads)
        self.inputs = {name: d["index"] for name, d in zip(inputs, self.interpreter.get_input_details())}
        self.outputs = [d["index"] for d in self.interpreter.get_output_details()]
        self.names = names
        self.types = types
        self.dtypes = [to_numpy(t) for t in types]
        self._lock = threading.Lock()
        #: Writes the compiled artifact (set by compile when given a folder for it).
        self.write_artifact: Callable[[], dict[str, Any] | None] | None = None

    def describe(self) -> dict[str, Any]:
        """What describes the model that :meth:`LiteRtBackend.compile` wrote as the artifact."""
        return {"files": [ARTIFACT_MODEL], "format": ARTIFACT_FORMAT, "inputs": list(self.inputs),
                "outputs": [[n, t] for n, t in zip(self.names, self.types)]}

    def run(self, inputs: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        interpreter = self.interpreter
        with self._lock:
            for name, array in inputs.items():
                interpreter.set_tensor(self.inputs[name], np.require(array, requirements="C"))
            interpreter.invoke()
            return {name: interpreter.get_tensor(index).astype(dtype, copy=False)
                    for name, index, dtype in zip(self.names, self.outputs, self.dtypes)}

    def dispatch(self, inputs: Mapping[str, Any], outputs: Mapping[str, Any]) -> None:
        results = self.run({name: storage.array for name, storage in inputs.items()})
        for name, storage in outputs.items():
            storage.array[...] = results[name]
