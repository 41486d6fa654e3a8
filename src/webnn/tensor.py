"""``MLTensor``: a buffer owned by a context, for ``dispatch``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .ir import OperandDescriptor

if TYPE_CHECKING:
    from .backends import TensorStorage
    from .context import MLContext


class MLTensor:
    """A tensor created by ``MLContext.create_tensor`` or ``create_constant_tensor``."""

    def __init__(
        self,
        context: MLContext,
        descriptor: OperandDescriptor,
        *,
        readable: bool,
        writable: bool,
        constant: bool = False,
        storage: TensorStorage,
    ) -> None:
        self._context = context
        self._desc = descriptor
        self._readable = readable
        self._writable = writable
        self._constant = constant
        self._storage = storage
        self._destroyed = False
        #: The host copy of a constant tensor's data, for ``builder.constant(tensor)``.
        self._constant_data: np.ndarray | None = None

    @property
    def context(self) -> MLContext:
        return self._context

    @property
    def descriptor(self) -> OperandDescriptor:
        return self._desc

    @property
    def data_type(self) -> str:
        return self._desc.data_type

    @property
    def shape(self) -> tuple[int, ...]:
        return self._desc.shape

    @property
    def size(self) -> int:
        """Number of elements."""
        return self._desc.element_count

    @property
    def readable(self) -> bool:
        return self._readable

    @property
    def writable(self) -> bool:
        return self._writable

    @property
    def constant(self) -> bool:
        return self._constant

    @property
    def destroyed(self) -> bool:
        return self._destroyed

    def destroy(self) -> None:
        """Release the tensor's memory (idempotent).  Graphs built from it as a constant keep working."""
        if not self._destroyed:
            self._destroyed = True
            self._storage.release()

    def __repr__(self) -> str:
        flags = [f for f, on in (("readable", self._readable), ("writable", self._writable),
                                 ("constant", self._constant), ("destroyed", self._destroyed)) if on]
        return f"MLTensor({self._desc}{', ' if flags else ''}{', '.join(flags)})"
