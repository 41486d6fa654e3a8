"""Atomic file writes: a reader sees a file's old bytes or its new bytes, never a part of them.

Each file is written to a temporary file in the same folder (``.NAME.XXXXXXXX.tmp``), flushed
and fsynced, and only then put in place with ``os.replace``; on any failure the temporary is
removed and the previous file is left as it was.  :class:`AtomicFiles` does this for several
files that belong together (a graph file and its weights, an ONNX model and its external data):
every file is written first, then they are put in place in the order they were written, so a
failure while writing any of them leaves all the previous files intact::

    with AtomicFiles() as files:
        with files.create("model.webnn.safetensors") as f:
            f.write(weights)
        with files.create("model.webnn") as f:
            f.write(graph)
    # both in place here, the weights first

:func:`write_atomic` writes one file.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import BinaryIO

_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0)


def _create_temporary(path: str) -> tuple[str, BinaryIO]:
    """A new, empty file beside ``path`` (permissions as ``open`` gives them) and its name."""
    folder, name = os.path.split(os.path.abspath(path))
    while True:
        temporary = os.path.join(folder, f".{name[:120]}.{secrets.token_hex(4)}.tmp")
        try:
            fd = os.open(temporary, _FLAGS, 0o666)
        except FileExistsError:
            continue
        return temporary, os.fdopen(fd, "wb")


def _remove(path: str) -> None:
    try:
        os.remove(path)
    except FileNotFoundError:
        pass


class AtomicFiles:
    """Files written to temporaries by :meth:`create`, put in place together by :meth:`commit`
    (as a context manager: on leaving without an exception) in the order they were created."""

    def __init__(self) -> None:
        #: (temporary, final path) of each file written so far.
        self._written: list[tuple[str, str]] = []

    @contextmanager
    def create(self, path: str | os.PathLike[str]) -> Iterator[BinaryIO]:
        """A binary file to write ``path``'s new bytes to; flushed and fsynced when the block ends."""
        path = os.fspath(path)
        temporary, f = _create_temporary(path)
        try:
            with f:
                yield f
                f.flush()
                os.fsync(f.fileno())
        except BaseException:
            _remove(temporary)
            raise
        self._written.append((temporary, path))

    def commit(self) -> None:
        """Put every written file in place, in order; a failure removes the temporaries left."""
        written, self._written = self._written, []
        try:
            while written:
                temporary, path = written[0]
                os.replace(temporary, path)
                written.pop(0)
        finally:
            for temporary, _ in written:
                _remove(temporary)

    def discard(self) -> None:
        """Remove every temporary written so far; the files in place stay as they were."""
        written, self._written = self._written, []
        for temporary, _ in written:
            _remove(temporary)

    def __enter__(self) -> AtomicFiles:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if kind is None:
            self.commit()
        else:
            self.discard()


def write_atomic(path: str | os.PathLike[str], data: bytes | bytearray | memoryview) -> None:
    """Write ``data`` to ``path`` atomically."""
    with AtomicFiles() as files, files.create(path) as f:
        f.write(data)
