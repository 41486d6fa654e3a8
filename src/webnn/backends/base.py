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
