"""``AsyncMLContext``: the asyncio face of an ``MLContext``, with the names ``pywebnn`` code uses."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from .builder import MLGraphBuilder
from .context import MLContext
from .graph import MLGraph
from .tensor import MLTensor


class AsyncMLContext:
    """Wraps an :class:`MLContext`.

    The awaitable methods (``dispatch``, ``compute_async``, ``build``, ``read_tensor_async``,
    ``write_tensor_async``) run in worker threads and never block the event loop; the others
    are the wrapped context's, unchanged (``compute``, ``read_tensor`` and ``write_tensor``
    stay synchronous, as in pywebnn).
    """

    def __init__(self, context: MLContext) -> None:
        if not isinstance(context, MLContext):
            raise TypeError(f"AsyncMLContext wraps an MLContext, got {type(context).__name__}")
        self._context = context

    @property
    def context(self) -> MLContext:
        return self._context

    async def dispatch(
        self, graph: MLGraph, inputs: Mapping[str, MLTensor], outputs: Mapping[str, MLTensor]
    ) -> None:
        await self._context.dispatch_async(graph, inputs, outputs)

    async def compute_async(
        self, graph: MLGraph, inputs: Mapping[str, Any], outputs: Mapping[str, np.ndarray] | None = None
    ) -> dict[str, np.ndarray]:
        return await self._context.compute_async(graph, inputs, outputs)

    async def build(self, builder: MLGraphBuilder, outputs: Mapping[str, Any]) -> MLGraph:
        return await self._context.build_async(builder, outputs)

    async def read_tensor_async(self, tensor: MLTensor, out: np.ndarray | None = None) -> np.ndarray:
        return await self._context.read_tensor_async(tensor, out)

    async def write_tensor_async(self, tensor: MLTensor, data: Any) -> None:
        await self._context.write_tensor_async(tensor, data)

    def create_tensor(
        self, descriptor: Any, data_type: str | None = None, readable: bool | None = None,
        writable: bool | None = None, exportable_to_gpu: bool = False,
    ) -> MLTensor:
        """``MLContext.create_tensor``, except that a tensor given by shape (pywebnn's form) is
        readable and writable unless told otherwise, as pywebnn's ``AsyncMLContext`` makes it.
        The spec's descriptor dict keeps the spec's defaults (neither)."""
        if not isinstance(descriptor, Mapping):
            readable = True if readable is None else readable
            writable = True if writable is None else writable
        return self._context.create_tensor(descriptor, data_type, readable, writable, exportable_to_gpu)

    def __getattr__(self, name: str) -> Any:
        # create_graph_builder, create_tensor, compute, read_tensor, write_tensor, accelerated, ...
        return getattr(self._context, name)

    def __repr__(self) -> str:
        return f"AsyncMLContext({self._context!r})"
