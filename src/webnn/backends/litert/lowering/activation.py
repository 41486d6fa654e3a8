"""LiteRT lowerings: relu, clamp, softmax."""

from __future__ import annotations

from ..types import FLOATS
from . import OpLowering, lowering


@lowering("relu", types=FLOATS)
def relu(e: OpLowering) -> int:
    return e.emit("RELU", [e.input("input")], e.out().shape, e.out_type())


@lowering("clamp", types=FLOATS)
def clamp(e: OpLowering) -> int:
    x = e.input("input")
    low, high = float(e.attrs["min_value"]), float(e.attrs["max_value"])
    if (low, high) == (0.0, 6.0):
        return e.emit("RELU6", [x], e.out().shape, e.out_type())
    tensor_type = e.out_type()
    if low != float("-inf"):
        x = e.emit("MAXIMUM", [x, e.constant(low, tensor_type)], e.out().shape, tensor_type)
    if high != float("inf"):
        x = e.emit("MINIMUM", [x, e.constant(high, tensor_type)], e.out().shape, tensor_type)
    return x


@lowering("softmax", types=FLOATS)
def softmax(e: OpLowering) -> int:
    shape = e.out().shape
    axis = int(e.attrs["axis"])
    x = e.input("input")
    last = len(shape) - 1
    if axis == last:
        return e.emit("SOFTMAX", [x], shape, e.out_type(), e.options("SoftmaxOptions", beta=1.0))
    perm = list(range(len(shape)))
    perm[axis], perm[last] = last, axis
    moved = [shape[p] for p in perm]
    x = e.emit("TRANSPOSE", [x, e.i32(perm)], moved, e.out_type())
    x = e.emit("SOFTMAX", [x], moved, e.out_type(), e.options("SoftmaxOptions", beta=1.0))
    return e.emit("TRANSPOSE", [x, e.i32(perm)], shape, e.out_type())
