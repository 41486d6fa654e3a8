"""OpenVINO lowerings: shape and data-movement ops.

Data movement is exact in every type the CPU plugin carries without loss.  The plugin runs
int64 and uint64 tensors as 32-bit integers (values outside the int32 range lose their high
bits), so those two types are left out here and in every other family.  An op that leaves its
input unchanged (an identity permutation, a full slice, no padding) returns the input itself.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import openvino.opset16 as ops

from ...geometry import sliced_axes
from ..types import FLOATS
from . import OpLowering, lowering

#: The data types whose values the CPU plugin moves bit for bit.
MOVABLE = frozenset({"float32", "float16", "int32", "uint32", "int8", "uint8", "int4", "uint4"})
_INT64_MIN = -(2**63)


# --------------------------------------------------------------------------- reshape, expand, transpose


@lowering("reshape", types=MOVABLE)
def reshape(e: OpLowering) -> Any:
    x = e.input("input")
    shape = tuple(e.attrs["new_shape"])
    if shape == e.desc("input").shape:
        return x
    return e.reshape(x, shape)


@lowering("expand", types=MOVABLE)
def expand(e: OpLowering) -> Any:
    x = e.input("input")
    shape = e.out().shape
    if shape == e.desc("input").shape:
        return x
    return ops.broadcast(x, e.i64(list(shape)))


@lowering("transpose", types=MOVABLE)
def transpose(e: OpLowering) -> Any:
    x = e.input("input")
    perm = list(e.attrs["permutation"])
    if perm == sorted(perm):
        return x
    return ops.transpose(x, e.i64(perm))


# --------------------------------------------------------------------------- concat, split


@lowering("concat", types=MOVABLE)
def concat(e: OpLowering) -> Any:
    inputs = e.inputs("inputs")
    if len(inputs) == 1:
        return inputs[0]
    return ops.concat(inputs, e.attrs["axis"])


@lowering("split", types=MOVABLE)
def split(e: OpLowering) -> list[Any]:
    x = e.input("input")
    sizes = list(e.attrs["splits"])
    if len(sizes) == 1:
        return [x]
    node = ops.variadic_split(x, e.i64(e.attrs["axis"]), e.i64(sizes))
    return [node.output(i) for i in range(len(sizes))]


# --------------------------------------------------------------------------- slice, pad, tile, reverse


@lowering("slice", types=MOVABLE)
def slice_(e: OpLowering) -> Any:
    x = e.input("input")
    axes, starts, ends, steps = sliced_axes(
        e.desc("input").shape, e.attrs["starts"], e.attrs["sizes"], e.attrs["strides"])
    if not axes:
        return x
    return ops.slice(x, e.i64(starts), e.i64(ends), e.i64(steps), e.i64(axes))


_PAD_MODES = {"constant": "constant", "edge": "edge", "reflection": "reflect"}


@lowering("pad", types=MOVABLE)
def pad(e: OpLowering) -> Any:
    x = e.input("input")
    begin, end = list(e.attrs["beginning_padding"]), list(e.attrs["ending_padding"])
    if not any(begin) and not any(end):
        return x
    mode = e.attrs["mode"]
    if mode == "constant":
        data_type = e.desc("input").data_type
        if data_type == "uint32" and int(e.attrs["value"]) >= 2**31:
            # The CPU plugin saturates uint32 constants to the int32 range: pad the same bits as
            # int32 (Convert between the two keeps the bits).
            value = ops.constant(np.asarray(e.attrs["value"], np.uint32).view(np.int32))
            padded = ops.pad(ops.convert(x, "i32"), e.i64(begin), e.i64(end), "constant", value)
            return ops.convert(padded, "u32")
        value = e.constant(e.attrs["value"], data_type)
        return ops.pad(x, e.i64(begin), e.i64(end), "constant", value)
    return ops.pad(x, e.i64(begin), e.i64(end), _PAD_MODES[mode])


@lowering("tile", types=MOVABLE)
def tile(e: OpLowering) -> Any:
    x = e.input("input")
    reps = list(e.attrs["repetitions"])
    if all(r == 1 for r in reps):
        return x
    return ops.tile(x, e.i64(reps))


@lowering("reverse", types=MOVABLE)
def reverse(e: OpLowering) -> Any:
    x = e.input("input")
    shape = e.desc("input").shape
    axes = sorted(a for a in e.attrs["axes"] if shape[a] > 1)
    if not axes:
        return x
    n = len(axes)
    return ops.slice(x, e.i64([-1] * n), e.i64([_INT64_MIN] * n), e.i64([-1] * n), e.i64(axes))


# --------------------------------------------------------------------------- triangular


@lowering("triangular", types=MOVABLE)
def triangular(e: OpLowering) -> Any:
    x = e.input("input")
    desc = e.desc("input")
    rows, cols = desc.shape[-2:]
    upper, diagonal = e.attrs["upper"], e.attrs["diagonal"]
    # Kept: column - row >= diagonal (upper) or <= diagonal (lower).
    if (upper and 1 - rows >= diagonal) or (not upper and cols - 1 <= diagonal):
        return x
    offset = np.arange(cols)[None, :] - np.arange(rows)[:, None]
    keep = offset >= diagonal if upper else offset <= diagonal
    return ops.select(ops.constant(keep), x, e.constant(0, desc.data_type))


# --------------------------------------------------------------------------- resample2d


def _coordinates(in_size: int, out_size: int) -> np.ndarray:
    """The clamped half-pixel input coordinate (float64) of each output coordinate."""
    scale = out_size / in_size
    coords = (np.arange(out_size, dtype=np.float64) + 0.5) / scale - 0.5
    return np.clip(coords, 0.0, in_size - 1)


def _take(e: OpLowering, x: Any, indices: np.ndarray, axis: int) -> Any:
    return ops.gather(x, ops.constant(indices.astype(np.int32)), e.i64(axis))


@lowering("resample2d", types=FLOATS | {"int8", "uint8"})
def resample2d(e: OpLowering) -> Any:
    """Gathers of the elements the coordinates pick (nearest), or of both neighbours weighted
    with float32 weights computed here (linear, along axes[1] then axes[0], as lo * (1 - t) +
    hi * t in float32; integer results rounded half to even)."""
    x = e.input("input")
    desc = e.desc("input")
    shape, data_type = desc.shape, desc.data_type
    axes, sizes = list(e.attrs["axes"]), list(e.attrs["sizes"])
    if all(shape[a] == s for a, s in zip(axes, sizes)):
        return x
    if e.attrs["mode"] == "nearest-neighbor":
        for axis, size in zip(axes, sizes):
            if shape[axis] != size:
                x = _take(e, x, np.ceil(_coordinates(shape[axis], size) - 0.5).astype(np.int64), axis)
        return x
    y = x if data_type == "float32" else ops.convert(x, "f32")
    rank = len(shape)
    for axis, size in reversed(list(zip(axes, sizes))):
        if shape[axis] == size:
            continue
        coords = _coordinates(shape[axis], size)
        lo = np.floor(coords).astype(np.int64)
        hi = np.ceil(coords).astype(np.int64)
        t = (coords - lo).astype(np.float32)
        weight_shape = [1] * rank
        weight_shape[axis] = size
        w_lo = ops.constant((np.float32(1) - t).reshape(weight_shape))
        w_hi = ops.constant(t.reshape(weight_shape))
        y = ops.add(ops.multiply(_take(e, y, lo, axis), w_lo), ops.multiply(_take(e, y, hi, axis), w_hi))
    if data_type in ("int8", "uint8"):
        y = ops.round(y, "half_to_even")
    return y if data_type == "float32" else ops.convert(y, ELEMENT_NAMES[data_type])


ELEMENT_NAMES = {"float16": "f16", "int8": "i8", "uint8": "u8", "float32": "f32"}
