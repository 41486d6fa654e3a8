"""Memory for the constants a graph builder copies, in chunks backed by huge pages.

``MLGraphBuilder.constant`` copies every buffer it is given (the spec's rule: later changes to
the caller's buffer do not reach the graph).  Copying a model's weights into freshly allocated
arrays costs more in page faults than in copying: 14 MB of MobileNetV2 weights in 106 arrays
take 3500 faults of 4 KiB pages, about 11 ms here against 4 ms into memory the kernel backs with
2 MiB pages.  A :class:`ConstantArena` hands out 64-byte-aligned pieces of anonymous memory
mappings advised ``MADV_HUGEPAGE`` (Linux); elsewhere, or for arrays outside its size range, it
hands out nothing and the caller allocates as usual.

Each chunk lives as long as any array cut from it (the arrays are views that hold it).  Pages
of a chunk that no array reaches are never touched, so they cost address space, not memory: at
most the last huge page of a chunk is partly unused.  So that this 2 MiB stays small next to
what it holds, an arena takes arrays only once its builder has copied ``START_BYTES`` of
constants (a graph with small weights never uses it).
"""

from __future__ import annotations

import math
import mmap

import numpy as np

#: Arrays smaller than this are left to NumPy (they gain little, and a graph with only small
#: constants should not take a huge page); arrays of NUMPY_HUGE_BYTES or more too (NumPy advises
#: huge pages for those itself).
MIN_BYTES = 64 * 1024
NUMPY_HUGE_BYTES = 4 << 20
#: The constant bytes a builder copies before its arena takes arrays.
START_BYTES = 4 << 20
#: Address space reserved per chunk (only the pages written are backed by memory).
CHUNK_BYTES = 32 << 20
ALIGNMENT = 64

_ADVICE = getattr(mmap, "MADV_HUGEPAGE", None)
_ANONYMOUS = getattr(mmap, "MAP_ANONYMOUS", None)
#: Whether this system has what the arena needs (anonymous mappings and huge-page advice).
AVAILABLE = _ADVICE is not None and _ANONYMOUS is not None and hasattr(mmap, "MAP_PRIVATE")


class ConstantArena:
    """Hands out pieces of huge-page-backed chunks to one builder's constant copies."""

    __slots__ = ("_chunk", "_offset", "_waiting")

    def __init__(self, start_bytes: int = START_BYTES) -> None:
        self._chunk: np.ndarray | None = None  # the current chunk's bytes
        self._offset = 0
        self._waiting = start_bytes  # bytes still to copy before the arena takes arrays

    def empty(self, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray | None:
        """A new writable C-contiguous array of ``shape`` and ``dtype`` in the arena, or None
        when the arena does not take it (too small or too large, before ``START_BYTES``, or no
        memory mapping here): the caller allocates it itself."""
        nbytes = math.prod(shape) * dtype.itemsize
        if self._waiting > 0:
            self._waiting -= nbytes
            return None
        if not AVAILABLE or not MIN_BYTES <= nbytes < NUMPY_HUGE_BYTES:
            return None
        start = -(-self._offset // ALIGNMENT) * ALIGNMENT
        if self._chunk is None or start + nbytes > self._chunk.nbytes:
            chunk = _new_chunk(CHUNK_BYTES)
            if chunk is None:
                return None
            self._chunk, start = chunk, 0
        self._offset = start + nbytes
        return self._chunk[start:start + nbytes].view(dtype).reshape(shape)


def _new_chunk(size: int) -> np.ndarray | None:
    try:
        memory = mmap.mmap(-1, size, flags=mmap.MAP_PRIVATE | _ANONYMOUS)  # type: ignore[operator]
    except (OSError, ValueError):
        return None
    try:
        memory.madvise(_ADVICE)  # type: ignore[arg-type]
    except OSError:
        pass  # (no huge pages here: still memory, with 4 KiB pages)
    return np.frombuffer(memory, dtype=np.uint8)
