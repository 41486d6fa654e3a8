"""Runs a graph op by op with the registered NumPy kernels."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ...errors import UnknownError, op_prefix
from ...ir import Graph, OperandDescriptor, Operation
from ..base import HostStorage
from . import kernels  # noqa: F401  (registers the kernels)
from .registry import KERNELS


class ReferenceBackend:
    name = "reference"
    accelerated = False
    device = "cpu"

    def __init__(
        self,
        *,
        power_preference: str = "default",
        accelerated: bool = True,
        device_type: str | None = None,
        num_threads: int | None = None,
        provider_options: Mapping[str, Any] | None = None,
    ) -> None:
        # The reference backend always runs on the CPU, in NumPy: device hints and the thread
        # count do not apply to it.
        if provider_options:
            raise TypeError("create_context: the reference backend has no execution providers to configure")

    def compile(self, graph: Graph) -> CompiledReference:
        return CompiledReference(graph)

    def create_storage(self, desc: OperandDescriptor, data: np.ndarray | None = None) -> HostStorage:
        return HostStorage(desc, data)

    def info(self) -> dict[str, Any]:
        return {"backend": self.name, "device": self.device, "accelerated": self.accelerated,
                "numpy": np.__version__}


class CompiledReference:
    """A graph prepared for execution: kernels looked up, last uses computed."""

    def __init__(self, graph: Graph) -> None:
        missing = sorted({op.type for op in graph.operations} - KERNELS.keys())
        if missing:
            raise NotImplementedError(f"no reference kernel for {', '.join(missing)}")
        self._graph = graph
        self._steps = []
        last_use: dict[int, int] = {}
        for index, op in enumerate(graph.operations):
            for operand in op.input_ids():
                last_use[operand] = index
        keep = set(graph.outputs.values()) | set(graph.constants)
        for index, op in enumerate(graph.operations):
            free = tuple(
                o for o in set(op.input_ids()) if last_use.get(o) == index and o not in keep
            )
            self._steps.append((op, KERNELS[op.type], free))

    def run(self, inputs: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        graph = self._graph
        values: dict[int, Any] = dict(graph.constants)
        for name, operand in graph.inputs.items():
            view = inputs[name].view()
            view.flags.writeable = False  # kernels must not write into the caller's arrays
            values[operand] = view
        with np.errstate(all="ignore"):
            for op, fn, free in self._steps:
                args = {name: _resolve(values, ref) for name, ref in op.inputs.items()}
                try:
                    result = fn(**args, **op.attrs)
                except Exception as exc:
                    raise UnknownError(
                        f"reference backend failed in {op_prefix(op.type, op.label)}: {exc}"
                    ) from exc
                _store(values, graph, op, result)
                for operand in free:
                    del values[operand]
        return {name: _own(values[operand]) for name, operand in graph.outputs.items()}

    def dispatch(self, inputs: Mapping[str, HostStorage], outputs: Mapping[str, HostStorage]) -> None:
        results = self.run({name: storage.array for name, storage in inputs.items()})
        for name, storage in outputs.items():
            storage.array[...] = results[name]


def _resolve(values: dict[int, Any], ref: Any) -> Any:
    if ref is None:
        return None
    if isinstance(ref, tuple):
        return [values[r] for r in ref]
    return values[ref]


def _store(values: dict[int, Any], graph: Graph, op: Operation, result: Any) -> None:
    results = result if isinstance(result, list | tuple) else (result,)
    if len(results) != len(op.outputs):
        raise UnknownError(f"{op_prefix(op.type, op.label)}: kernel returned {len(results)} outputs, expected {len(op.outputs)}")
    for operand, array in zip(op.outputs, results):
        desc = graph.operands[operand]
        array = np.asarray(array)
        if array.shape != desc.shape:
            raise UnknownError(
                f"{op_prefix(op.type, op.label)}: kernel returned shape {array.shape}, expected {desc.shape}"
            )
        values[operand] = array.astype(desc.numpy_dtype, copy=False)


def _own(array: np.ndarray) -> np.ndarray:
    """A writable C-contiguous array the caller owns (never an input, a constant or a view of one)."""
    if array.base is None and array.flags.writeable and array.flags.c_contiguous:
        return array
    return np.array(array, order="C", copy=True)
