"""What reading an untrusted model may cost.

A model file is data, and reading it must not cost much more than its own size: every reader
(ONNX import, the webnn-graph text and JSON forms with their weights) checks each size before it
allocates.  Most of what a reader holds comes straight from the file (initializers, weights,
inline bytes) and is bounded by the file; the rest is *made* by the reader from a few bytes: the
constants that ONNX import folds (``ConstantOfShape``, ``Expand``, ``Tile``, broadcasting
arithmetic, ``MatMul``, ...), sparse tensors made dense, ``@scalar`` constants of the text form.
:class:`Limits` bounds what is made: bytes (the *expansion*) and arithmetic (the *work*, one unit
per multiply-add or element produced), each in proportion to the file's size, with a floor that
lets small files do ordinary things and a cap that no file passes.

The defaults suit models of any real size; raise them for a trusted model that needs more::

    webnn.load_onnx("model.onnx", limits=webnn.Limits(max_expansion=16 * 2**30))
"""

from __future__ import annotations

from dataclasses import dataclass

MiB = 2**20
GiB = 2**30


@dataclass(frozen=True)
class Limits:
    """Bounds on what a reader may make beyond the bytes it reads (see the module's text)."""

    #: Bytes a reader may make per byte of the file it reads ...
    expansion_per_byte: int = 16
    #: ... but at least this many ...
    min_expansion: int = 256 * MiB
    #: ... and never more than this.
    max_expansion: int = 4 * GiB
    #: Arithmetic units (multiply-adds, elements produced) per byte of the file ...
    work_per_byte: int = 1024
    #: ... at least this many (a second or two of NumPy) ...
    min_work: int = 2**31
    #: ... and never more than this.
    max_work: int = 2**36

    def __post_init__(self) -> None:
        for name in ("expansion_per_byte", "min_expansion", "max_expansion", "work_per_byte", "min_work", "max_work"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise TypeError(f"Limits: {name} must be an integer >= 0, got {value!r}")

    def expansion(self, file_bytes: int) -> int:
        """The bytes a reader may make for a file of ``file_bytes`` bytes."""
        return min(self.max_expansion, max(self.min_expansion, self.expansion_per_byte * file_bytes))

    def work(self, file_bytes: int) -> int:
        """The arithmetic a reader may do for a file of ``file_bytes`` bytes."""
        return min(self.max_work, max(self.min_work, self.work_per_byte * file_bytes))

    def budget(self, file_bytes: int) -> Budget:
        """A fresh budget for reading one file of ``file_bytes`` bytes."""
        return Budget(self.expansion(file_bytes), self.work(file_bytes))


DEFAULT_LIMITS = Limits()


def check_limits(what: str, limits: object) -> Limits:
    """``limits`` as given to a reader: None for the defaults, else a :class:`Limits`."""
    if limits is None:
        return DEFAULT_LIMITS
    if not isinstance(limits, Limits):
        raise TypeError(f"{what}: limits must be a webnn.Limits, got {type(limits).__name__}")
    return limits


class Budget:
    """What is left of one read's expansion and work; callers ask before they allocate."""

    __slots__ = ("bytes_total", "work_total", "bytes_left", "work_left")

    def __init__(self, nbytes: int, work: int) -> None:
        self.bytes_total = self.bytes_left = nbytes
        self.work_total = self.work_left = work

    def fits(self, nbytes: int, work: int = 0) -> bool:
        """Whether making ``nbytes`` bytes with ``work`` units of arithmetic stays within the budget."""
        return nbytes <= self.bytes_left and work <= self.work_left

    def spend(self, nbytes: int, work: int = 0) -> None:
        self.bytes_left -= nbytes
        self.work_left -= work

    def describe(self) -> str:
        """The budget's totals, for messages."""
        return (f"{size_text(self.bytes_total)} and {self.work_total:.2g} arithmetic operations "
                "(raise them with limits=webnn.Limits(...))")


def size_text(nbytes: int) -> str:
    """``nbytes`` as a short human-readable size (``4 GiB``)."""
    for unit, scale in (("TiB", 2**40), ("GiB", GiB), ("MiB", MiB), ("KiB", 2**10)):
        if nbytes >= scale:
            return f"{nbytes / scale:.3g} {unit}"
    return f"{nbytes} bytes"
