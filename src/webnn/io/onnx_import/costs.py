"""What folding a node would cost, estimated before it runs: the bytes it makes and its arithmetic.

Every constant folder (:data:`.registry.FOLDERS`) comes with an estimate worked out from the
shapes of its constant inputs, the few values that decide its output's size (a shape, repeats,
pads, a range's bounds) and its attributes, without allocating anything.  An estimate is an upper
bound of the bytes of the arrays the folder returns and of its work: one unit per element it
produces, plus one per multiply-add for products, per element read for reductions.  The importer
checks each estimate against the import's :class:`webnn.limits.Budget` before it folds.

Sizes are Python integers: a shape whose element count overflows int64 is just a large number.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

if TYPE_CHECKING:
    from .core import Node

#: The widest element any folder makes (int64, float64): the bound where a type is not known yet.
WIDEST = 8


class Cost(NamedTuple):
    """Bytes made and arithmetic units spent by one fold (or by one converter's NumPy work)."""

    nbytes: int
    work: int


FREE = Cost(0, 0)


def count(shape: Sequence[int]) -> int:
    """The number of elements of ``shape`` (exact, however large)."""
    return math.prod(int(d) for d in shape)


def made(shape: Sequence[int], itemsize: int, work: int | None = None) -> Cost:
    """Making one array of ``shape``; the work defaults to one unit per element."""
    elements = count(shape)
    return Cost(elements * int(itemsize), elements if work is None else int(work))


def broadcast_shape(shapes: Sequence[Sequence[int]]) -> tuple[int, ...] | None:
    """NumPy's broadcast of ``shapes`` (None when they do not broadcast), in Python integers."""
    rank = max((len(s) for s in shapes), default=0)
    result = []
    for axis in range(rank):
        size = 1
        for shape in shapes:
            offset = axis - (rank - len(shape))
            d = int(shape[offset]) if offset >= 0 else 1
            if d != 1:
                if size not in (1, d):
                    return None
                size = d
        result.append(size)
    return tuple(result)


def present(arrays: Sequence[np.ndarray | None]) -> list[np.ndarray]:
    return [a for a in arrays if a is not None]


def elementwise(node: Node, arrays: Sequence[np.ndarray | None]) -> Cost:
    """The default estimate: one element per element of the inputs' broadcast shape, as wide as
    the widest input (comparisons, logic and casts to the input's type make no wider results)."""
    inputs = present(arrays)
    shape = broadcast_shape([a.shape for a in inputs])
    if shape is None:
        node.fail(f"the input shapes {[list(a.shape) for a in inputs]} do not broadcast")
    itemsize = max((a.dtype.itemsize for a in inputs), default=WIDEST)
    return made(shape, itemsize, count(shape) * max(len(inputs) - 1, 1))


def free(node: Node, arrays: Sequence[np.ndarray | None]) -> Cost:
    """Folders that return their input (or a view of it) make nothing."""
    return FREE


def like_first_input(node: Node, arrays: Sequence[np.ndarray | None]) -> Cost:
    """Folders whose result has at most the first input's elements, of its type (permutations,
    reductions, splits, cumulative sums): read and written once."""
    first = arrays[0]
    if first is None:
        node.fail("input 0 is missing")
    return Cost(first.nbytes, first.size)
