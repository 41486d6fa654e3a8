"""``MLTensor``: a buffer owned by a context, for ``dispatch``."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Self

import numpy as np

from .errors import TensorStateError
from .ir import OperandDescriptor

if TYPE_CHECKING:
    from .backends import TensorStorage
    from .context import MLContext


class MLTensor:
    """A tensor created by ``MLContext.create_tensor`` or ``create_constant_tensor``.

    ``destroy()`` may be called on any thread at any time: it waits for the calls already
    using the tensor (``dispatch``, ``read_tensor``, ``write_tensor``) to finish, then frees
    the memory; later calls raise ``TypeError`` as the spec says.
    """

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
        #: Guards ``_destroyed``, ``_users`` (the calls using the storage now) and ``_idle``.
        self._lock = threading.Lock()
        self._users = 0
        #: Set when the last user leaves; made only by a destroy() that has to wait.
        self._idle: threading.Event | None = None
        #: The host copy of a constant tensor's data, for ``builder.constant(tensor)``.
        self._constant_data: np.ndarray | None = None
        self._exportable_to_gpu = False

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
    def shape(self) -> list[int]:
        """The dimensions, as a new list (the spec's sequence; compare with ``== [2, 3]``)."""
        return list(self._desc.shape)

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
    def exportable_to_gpu(self) -> bool:
        """As given to ``create_tensor`` (pywebnn's flag; no WebGPU here, so it changes nothing)."""
        return self._exportable_to_gpu

    @property
    def destroyed(self) -> bool:
        return self._destroyed

    def destroy(self) -> None:
        """Release the tensor's memory (idempotent), once the calls using it now have finished.
        Graphs built from it as a constant keep working."""
        with self._lock:
            if self._destroyed:
                return
            self._destroyed = True
            if self._users:
                self._idle = threading.Event()
            idle = self._idle
        if idle is not None:
            idle.wait()
        self._storage.release()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        """``with`` destroys it at the end of the block."""
        self.destroy()

    def _acquire(self, what: str) -> None:
        """Count a call that uses the storage; TypeError if the tensor is destroyed."""
        with self._lock:
            if self._destroyed:
                raise TensorStateError(f"{what}: the tensor is destroyed")
            self._users += 1

    def _release(self) -> None:
        with self._lock:
            self._users -= 1
            if not self._users and self._idle is not None:
                self._idle.set()

    @contextmanager
    def _in_use(self, what: str) -> Iterator[None]:
        """The storage stays alive (``destroy`` waits) for the duration of the block."""
        self._acquire(what)
        try:
            yield
        finally:
            self._release()

    def __repr__(self) -> str:
        flags = [f for f, on in (("readable", self._readable), ("writable", self._writable),
                                 ("constant", self._constant), ("destroyed", self._destroyed)) if on]
        return (f"{type(self).__name__}(shape={list(self._desc.shape)}, dtype={self._desc.data_type}"
                f"{''.join(', ' + f for f in flags)})")


class MLDeviceTensor(MLTensor):
    """pywebnn's device tensor (``context.create_device_tensor``): a readable and writable
    :class:`MLTensor` in the memory the context's engine computes in, with pywebnn's
    ``read()`` / ``write(data)`` and the ``device`` / ``backend`` it lives on."""

    @property
    def device(self) -> str:
        return self._context.device_type

    @property
    def backend(self) -> str:
        return self._context.backend

    def read(self) -> np.ndarray:
        """``context.read_tensor(self)``."""
        return self._context.read_tensor(self)

    def write(self, data: object) -> None:
        """``context.write_tensor(self, data)``."""
        self._context.write_tensor(self, data)

    def __repr__(self) -> str:
        return (f"MLDeviceTensor(shape={list(self._desc.shape)}, dtype={self._desc.data_type}, "
                f"device={self.device!r}{', destroyed' if self._destroyed else ''})")
