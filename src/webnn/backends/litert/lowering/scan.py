"""LiteRT lowerings: cumulative_sum.

A CUMSUM (its exclusive / reverse options are the op's).  float16 sums in float32, rounded once
(the reference's rounding); uint32 / uint64 sum as int32 / int64, the same bits in two's
complement, wrapping around alike.
"""

from __future__ import annotations

from . import OpLowering, lowering
from .shape import movable, result


@lowering("cumulative_sum", types=("float32", "float16", "int32", "uint32", "int64", "uint64"))
def cumulative_sum(e: OpLowering) -> int:
    x = movable(e, e.input("input"))
    opts = e.options("CumsumOptions", exclusive=bool(e.attrs["exclusive"]), reverse=bool(e.attrs["reversed"]))
    return result(e, e.emit("CUMSUM", [x, e.i32([int(e.attrs["axis"])])], e.out().shape, e.writer.type(x), opts))
