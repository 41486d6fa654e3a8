"""What a backend provides: compilation of the graph IR, and storage for MLTensors."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

import numpy as np

from ..ir import Graph, OperandDescriptor


class TensorStorage(Protocol):
    """The memory behind an ``MLTensor``."""

    def read(self) -> np.ndarray:
        """A host copy of the data (the storage dtype, the tensor's shape)."""
        ...

    def write(self, array: np.ndarray) -> None:
        """Replace the data with ``array`` (already of the storage dtype and the tensor's shape)."""
        ...

    def release(self) -> None: ...


class CompiledGraph(Protocol):
    def run(self, inputs: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Inputs are arrays of the declared dtype and shape; outputs likewise, owned by the caller."""
        ...

    def dispatch(self, inputs: Mapping[str, TensorStorage], outputs: Mapping[str, TensorStorage]) -> None:
        """Run reading and writing tensor storage (of this backend, with the right descriptors)."""
        ...


class Backend(Protocol):
    name: str
    accelerated: bool
    device: str

    def compile(self, graph: Graph) -> CompiledGraph: ...

    def create_storage(self, desc: OperandDescriptor, data: np.ndarray | None = None) -> TensorStorage: ...

    def info(self) -> dict[str, Any]: ...


class HostStorage:
    """Tensor storage in host memory: a C-contiguous NumPy array."""

    __slots__ = ("array",)

    def __init__(self, desc: OperandDescriptor, data: np.ndarray | None = None) -> None:
        self.array = np.zeros(desc.shape, desc.numpy_dtype) if data is None else data

    def read(self) -> np.ndarray:
        return self.array.copy()

    def write(self, array: np.ndarray) -> None:
        self.array[...] = array

    def release(self) -> None:
        self.array = np.empty(0, self.array.dtype)


class UsesPersistentCache:
    """For backends whose compiled graphs go to the persistent cache (:mod:`webnn.cache`)."""

    _use_cache: bool

    @property
    def cache(self) -> Any:
        """The persistent cache of compiled graphs (None when off: ``cache=False`` or the
        ``WEBNN_CACHE`` environment variable)."""
        if not self._use_cache:
            return None
        from ..cache import default_cache

        return default_cache()


class RunsASubset:
    """For backends that run a subset of the ops, each lowering declaring the data types it
    computes exactly (:meth:`lowered_types`), in the :class:`~.lowering_table.LoweringTable`
    ``TABLE`` of module ``lowerings`` (imported on first use); an op the passes decompose
    (``decompose``) runs on the data types every op its decomposition writes runs on."""

    decompose: frozenset[str]
    #: The module (a package of lowerings) whose ``TABLE`` holds the backend's lowerings.
    lowerings: str

    def _table(self) -> Any:
        from importlib import import_module

        return import_module(self.lowerings).TABLE

    def operations(self) -> dict[str, Any]:
        """Op name -> its lowering: every op this backend lowers itself."""
        return self._table().functions()  # type: ignore[no-any-return]

    def lowered_types(self, op: str, output: bool | None) -> frozenset[str] | None:
        """The data types the lowering of ``op`` takes for its operands (``output`` False), makes
        for its outputs (True) or both (None); None: no lowering."""
        return self._table().lowered_types(op, output)  # type: ignore[no-any-return]

    def data_types(self, op: str) -> frozenset[str] | None:
        """The data types this backend computes ``op`` on exactly (None: not at all)."""
        if op in self.decompose:
            from ..passes.decompose import WRITES

            parts = [self.lowered_types(part, None) for part in WRITES[op]]
            if any(p is None for p in parts):
                return None
            return frozenset.intersection(*parts)  # type: ignore[arg-type]
        return self.lowered_types(op, None)

    def operand_types(self, op: str, output: bool) -> frozenset[str] | None:
        """The data types ``op`` takes for its operands (``output`` False) or makes for its outputs
        here (None: the op does not run here)."""
        if op in self.decompose:
            return self.data_types(op)
        return self.lowered_types(op, output)


def artifact_signature(meta: Mapping[str, Any], output_names: list[str]) -> tuple[list[str], list[str], list[str]]:
    """(input names, output names, output data types), each in the compiled model's own order, of
    an artifact's metadata (``"inputs"``: the names; ``"outputs"``: [name, data type] pairs);
    ValueError unless its outputs are ``output_names`` (in any order: the cache's metadata and an
    imported graph's signature need not keep the order)."""
    inputs, outputs = meta.get("inputs"), meta.get("outputs")
    if (not isinstance(inputs, list) or not all(isinstance(n, str) for n in inputs)
            or not isinstance(outputs, list)
            or not all(isinstance(o, list) and len(o) == 2 and all(isinstance(v, str) for v in o) for o in outputs)
            or sorted(o[0] for o in outputs) != sorted(output_names)):
        raise ValueError("the compiled model is not one this backend wrote for this graph")
    return list(inputs), [o[0] for o in outputs], [o[1] for o in outputs]
