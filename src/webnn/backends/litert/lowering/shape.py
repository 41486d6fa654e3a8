"""LiteRT lowerings: reshape, transpose, concat."""

from __future__ import annotations

from ..types import SPEC
from . import OpLowering, lowering


@lowering("reshape", types=SPEC, widen=False)
def reshape(e: OpLowering) -> int:
    shape = e.out().shape
    return e.emit("RESHAPE", [e.input("input"), e.i32(shape)], shape, e.out_type())


@lowering("transpose", types=SPEC, widen=False)
def transpose(e: OpLowering) -> int:
    permutation = list(e.attrs["permutation"])
    if permutation == sorted(permutation):  # (TFLite's TRANSPOSE of a 0-D tensor writes garbage)
        return reshape(e)
    return e.emit("TRANSPOSE", [e.input("input"), e.i32(e.attrs["permutation"])], e.out().shape, e.out_type())


@lowering("concat", types=SPEC, widen=False)
def concat(e: OpLowering) -> int:
    return e.emit("CONCATENATION", e.inputs("inputs"), e.out().shape, e.out_type(),
                  e.options("ConcatenationOptions", axis=int(e.attrs["axis"])))
