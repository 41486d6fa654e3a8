"""LiteRT lowerings: reshape, expand, transpose, concat, split, slice, pad, tile, reverse,
triangular, resample2d.

Data movement keeps the data type (``widen=False``): float16 is moved as float16, bit for bit.
Where a TFLite kernel lacks a type, the tensor is moved as the signed type of its size (a
BITCAST there and back: uint32 as int32, uint64 as int64, float16 as int16 for SPLIT_V).
Ranks above what a kernel takes are merged away (concat over [before, axis, after], pad over
runs of unpadded dimensions).

expand is a TILE (the interpreter has no BROADCAST_TO of the version the model writer
declares), edge padding a GATHER per padded axis, triangular a SELECT_V2 with a constant mask.
resample2d gathers along each resized axis with constant indices: nearest-neighbor picks the
spec's (half-pixel, ties down) element; linear blends the two neighbours in float32 with
constant weights, as the reference does (integers rounded to even), which TFLite's RESIZE_*
kernels, that round coordinates their own way, do not.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from ..types import BOOL, FLOAT16, FLOAT32, FLOATS, INT16, INT32, INT64, SPEC, UINT32, UINT64
from . import OpLowering, lowering, numpy_of

#: The same-size signed type a kernel lacking a type moves it as.
_SAME_SIZE = {UINT32: INT32, UINT64: INT64, FLOAT16: INT16}
#: The types most data-moving kernels (GATHER, PAD, REVERSE_V2 ...) lack.
UNSIGNED = frozenset({UINT32, UINT64})
#: MirrorPadMode: REFLECT (the edge is not repeated).
_REFLECT = 0
#: The highest rank PAD / PADV2 take, and CONCATENATION (of floats).
_PAD_RANK, _CONCAT_RANK = 5, 6


def bitcast(e: OpLowering, tensor: int, tensor_type: int) -> int:
    """``tensor``'s bits as ``tensor_type`` (of the same size); itself when it has that type."""
    if e.writer.type(tensor) == tensor_type:
        return tensor
    return e.emit("BITCAST", [tensor], e.writer.shape(tensor), tensor_type)


def movable(e: OpLowering, tensor: int, lacking: frozenset[int] = UNSIGNED) -> int:
    """``tensor`` as a type the kernel moves: a same-size signed type when it is in ``lacking``."""
    tensor_type = e.writer.type(tensor)
    return bitcast(e, tensor, _SAME_SIZE[tensor_type]) if tensor_type in lacking else tensor


def reshaped(e: OpLowering, tensor: int, shape: Sequence[int]) -> int:
    """``tensor`` with ``shape`` (itself when it has it)."""
    if e.writer.shape(tensor) == tuple(shape):
        return tensor
    return e.emit("RESHAPE", [tensor, e.i32(list(shape))], shape, e.writer.type(tensor))


def copy(e: OpLowering, tensor: int, shape: Sequence[int]) -> int:
    """A new tensor holding ``tensor``'s values with ``shape``."""
    return e.emit("RESHAPE", [tensor, e.i32(list(shape))], shape, e.writer.type(tensor))


def result(e: OpLowering, tensor: int, index: int = 0) -> int:
    """``tensor`` (moved maybe as another type) as output ``index``: its type and shape."""
    return reshaped(e, bitcast(e, tensor, e.out_type(index)), e.out(index).shape)


def around(shape: Sequence[int], axis: int) -> list[int]:
    """``shape`` as [before ``axis``, along it, after it]."""
    return [math.prod(shape[:axis]), shape[axis], math.prod(shape[axis + 1:])]


@lowering("reshape", types=SPEC, widen=False)
def reshape(e: OpLowering) -> int:
    return copy(e, e.input("input"), e.out().shape)


@lowering("transpose", types=SPEC, widen=False)
def transpose(e: OpLowering) -> int:
    permutation = list(e.attrs["permutation"])
    if permutation == sorted(permutation):  # (TFLite's TRANSPOSE of a 0-D tensor writes garbage)
        return reshape(e)
    return e.emit("TRANSPOSE", [e.input("input"), e.i32(permutation)], e.out().shape, e.out_type())


@lowering("concat", types=SPEC, widen=False)
def concat(e: OpLowering) -> int:
    axis = int(e.attrs["axis"])
    inputs = [movable(e, x, frozenset({UINT64})) for x in e.inputs("inputs")]
    shape = e.out().shape
    if len(shape) > _CONCAT_RANK:
        inputs = [reshaped(e, x, around(e.writer.shape(x), axis)) for x in inputs]
        merged = around(shape, axis)
        return result(e, e.emit("CONCATENATION", inputs, merged, e.writer.type(inputs[0]),
                                e.options("ConcatenationOptions", axis=1)))
    return result(e, e.emit("CONCATENATION", inputs, shape, e.writer.type(inputs[0]),
                            e.options("ConcatenationOptions", axis=axis)))


@lowering("expand", types=SPEC, widen=False)
def expand(e: OpLowering) -> int:
    shape = e.out().shape
    own = (1,) * (len(shape) - len(e.desc("input").shape)) + tuple(e.desc("input").shape)
    x = reshaped(e, e.input("input"), own)
    repetitions = [o // i for o, i in zip(shape, own)]
    if all(r == 1 for r in repetitions):
        return copy(e, x, shape)
    return e.emit("TILE", [x, e.i32(repetitions)], shape, e.out_type())


@lowering("split", types=SPEC, widen=False)
def split(e: OpLowering) -> list[int]:
    sizes, axis = list(e.attrs["splits"]), int(e.attrs["axis"])
    if len(sizes) == 1:
        return [copy(e, e.input("input"), e.out().shape)]
    x = movable(e, e.input("input"), frozenset(_SAME_SIZE))
    pieces = [e.tensor(e.out(i).shape, e.writer.type(x)) for i in range(len(sizes))]
    e.writer.operator("SPLIT_V", [x, e.i32(sizes), e.i32(axis)], pieces,
                      e.options("SplitVOptions", numSplits=len(sizes)))
    return [bitcast(e, piece, e.out_type(i)) for i, piece in enumerate(pieces)]


@lowering("slice", types=SPEC, widen=False)
def slice_(e: OpLowering) -> int:
    starts, sizes, strides = (list(e.attrs[k]) for k in ("starts", "sizes", "strides"))
    if not starts:
        return copy(e, e.input("input"), e.out().shape)
    ends = [s + n for s, n in zip(starts, sizes)]
    return e.emit("STRIDED_SLICE", [e.input("input"), e.i32(starts), e.i32(ends), e.i32(strides)],
                  e.out().shape, e.out_type(), e.options("StridedSliceOptions"))


# --------------------------------------------------------------------------- pad


def _pad_constant(e: OpLowering, x: int, pads: list[tuple[int, int]], value: int | None) -> int:
    """``x`` padded with the constant tensor ``value`` (None: zeros), by PAD / PADV2 of rank 5 at
    most: unpadded dimensions are merged, and the padded ones done in two steps when still too many."""
    shape = e.writer.shape(x)
    merged: list[int] = []
    merged_pads: list[tuple[int, int]] = []
    for size, pad in zip(shape, pads):
        if pad == (0, 0) and merged_pads and merged_pads[-1] == (0, 0):
            merged[-1] *= size
        else:
            merged.append(size)
            merged_pads.append(pad)
    padded = [d for d, pad in enumerate(pads) if pad != (0, 0)]
    if len(merged) > _PAD_RANK:
        half = set(padded[:len(padded) // 2])
        first = [pad if d in half else (0, 0) for d, pad in enumerate(pads)]
        second = [(0, 0) if d in half else pad for d, pad in enumerate(pads)]
        return _pad_constant(e, _pad_constant(e, x, first, value), second, value)
    out_shape = [size + b + a for size, (b, a) in zip(shape, pads)]
    y_merged = [size + b + a for size, (b, a) in zip(merged, merged_pads)]
    inputs = [reshaped(e, x, merged), e.i32([list(p) for p in merged_pads])]
    operator = "PAD" if value is None else "PADV2"
    y = e.emit(operator, inputs + ([] if value is None else [value]), y_merged, e.writer.type(x))
    return reshaped(e, y, out_shape)


def _pad_edge(e: OpLowering, x: int, pads: list[tuple[int, int]]) -> int:
    """``x`` padded by repeating its edge: a GATHER of clamped positions along each padded axis."""
    for axis, (before, after) in enumerate(pads):
        if before or after:
            shape = list(e.writer.shape(x))
            positions = np.clip(np.arange(-before, shape[axis] + after), 0, shape[axis] - 1)
            shape[axis] += before + after
            x = e.emit("GATHER", [x, e.i32(positions)], shape, e.writer.type(x),
                       e.options("GatherOptions", axis=axis))
    return x


@lowering("pad", types=SPEC, widen=False)
def pad(e: OpLowering) -> int:
    pads = list(zip(e.attrs["beginning_padding"], e.attrs["ending_padding"]))
    mode = e.attrs["mode"]
    x = e.input("input")
    if not any(b or a for b, a in pads):
        return copy(e, x, e.out().shape)
    if mode == "reflection":
        return e.emit("MIRROR_PAD", [x, e.i32([list(p) for p in pads])], e.out().shape, e.out_type(),
                      e.options("MirrorPadOptions", mode=_REFLECT))
    x = movable(e, x)
    if mode == "edge":
        return result(e, _pad_edge(e, x, pads))
    fill = np.asarray(e.attrs["value"]).astype(numpy_of(e.out_type())).reshape(1)
    if fill[0] == 0 and np.signbit(fill[0]):
        return _pad_negative_zero(e, x, pads, fill)
    value = None if not fill.view(np.uint8).any() else e.constant(fill.view(numpy_of(e.writer.type(x))),
                                                                   e.writer.type(x))
    return result(e, _pad_constant(e, x, pads, value))


def _pad_negative_zero(e: OpLowering, x: int, pads: list[tuple[int, int]], fill: np.ndarray) -> int:
    """``x`` padded with -0.0, which PADV2 writes as +0.0: padded with zeros, which a SELECT_V2
    (flattened) then replaces by -0.0."""
    shape = e.out().shape
    inside = np.zeros(shape, np.bool_)
    inside[tuple(slice(b, b + n) for (b, _), n in zip(pads, e.writer.shape(x)))] = True
    flat = [inside.size]
    zeros = reshaped(e, _pad_constant(e, x, pads, None), flat)
    selected = e.emit("SELECT_V2", [e.constant(inside.reshape(flat), BOOL), zeros, e.constant(fill, e.out_type())],
                      flat, e.out_type())
    return reshaped(e, selected, shape)


@lowering("tile", types=SPEC, widen=False)
def tile(e: OpLowering) -> int:
    repetitions = list(e.attrs["repetitions"])
    if not repetitions:
        return copy(e, e.input("input"), e.out().shape)
    return e.emit("TILE", [e.input("input"), e.i32(repetitions)], e.out().shape, e.out_type())


@lowering("reverse", types=SPEC, widen=False)
def reverse(e: OpLowering) -> int:
    axes = sorted(a for a in e.attrs["axes"] if e.desc("input").shape[a] > 1)
    if not axes:
        return copy(e, e.input("input"), e.out().shape)
    x = movable(e, e.input("input"))
    runs: list[list[int]] = []  # (REVERSE_V2 takes contiguous axes only)
    for axis in axes:
        if runs and runs[-1][-1] == axis - 1:
            runs[-1].append(axis)
        else:
            runs.append([axis])
    for run in runs:
        x = e.emit("REVERSE_V2", [x, e.i32(run)], e.out().shape, e.writer.type(x))
    return result(e, x)


@lowering("triangular", types=SPEC, widen=False)
def triangular(e: OpLowering) -> int:
    shape = e.out().shape
    rows, cols = shape[-2:]
    offset = np.arange(cols)[None, :] - np.arange(rows)[:, None]  # column - row
    diagonal = int(e.attrs["diagonal"])
    keep = offset >= diagonal if e.attrs["upper"] else offset <= diagonal
    x = reshaped(e, e.input("input"), [math.prod(shape[:-2]), rows, cols])
    tensor_type = e.out_type()
    zero = e.constant(np.zeros(1, numpy_of(tensor_type)), tensor_type)
    mask = e.constant(keep, BOOL)
    return reshaped(e, e.emit("SELECT_V2", [mask, x, zero], e.writer.shape(x), tensor_type), shape)


# --------------------------------------------------------------------------- resample2d


def _source_coordinates(in_size: int, out_size: int) -> np.ndarray:
    """The clamped input coordinate of each output one (half-pixel centres), in float64."""
    scale = out_size / in_size
    return np.clip((np.arange(out_size, dtype=np.float64) + 0.5) / scale - 0.5, 0.0, in_size - 1)


def _gather(e: OpLowering, x: int, positions: np.ndarray, axis: int) -> int:
    shape = list(e.writer.shape(x))
    shape[axis] = len(positions)
    return e.emit("GATHER", [x, e.i32(positions)], shape, e.writer.type(x), e.options("GatherOptions", axis=axis))


def _linear_along(e: OpLowering, x: int, axis: int, out_size: int) -> int:
    """``x`` (float32) interpolated linearly along ``axis`` to ``out_size``."""
    coords = _source_coordinates(e.writer.shape(x)[axis], out_size)
    low, high = np.floor(coords).astype(np.int32), np.ceil(coords).astype(np.int32)
    weight = (coords - low).astype(np.float32)
    shape = [1] * len(e.writer.shape(x))
    shape[axis] = out_size
    lo, hi = _gather(e, x, low, axis), _gather(e, x, high, axis)
    out_shape = e.writer.shape(lo)
    lo = e.emit("MUL", [lo, e.constant((np.float32(1) - weight).reshape(shape), FLOAT32)], out_shape, FLOAT32,
                e.options("MulOptions"))
    hi = e.emit("MUL", [hi, e.constant(weight.reshape(shape), FLOAT32)], out_shape, FLOAT32, e.options("MulOptions"))
    return e.emit("ADD", [lo, hi], out_shape, FLOAT32, e.options("AddOptions"))


@lowering("resample2d", types=FLOATS | {"int8", "uint8"}, widen=False)
def resample2d(e: OpLowering) -> int:
    axes, sizes = list(e.attrs["axes"]), list(e.attrs["sizes"])
    x = e.input("input")
    in_shape = e.desc("input").shape
    if e.attrs["mode"] == "nearest-neighbor":
        for axis, size in zip(axes, sizes):
            if size != in_shape[axis]:
                nearest = np.ceil(_source_coordinates(in_shape[axis], size) - 0.5).astype(np.int32)
                x = _gather(e, x, nearest, axis)
        return copy(e, x, e.out().shape) if x == e.input("input") else x
    tensor_type = e.out_type()
    x = e.cast(x, FLOAT32)
    for axis, size in zip(axes[::-1], sizes[::-1]):
        x = _linear_along(e, x, axis, size)
    if tensor_type in (FLOAT32, FLOAT16):  # (float16 rounded once)
        return e.cast(x, tensor_type)
    return e.cast(e.emit("ROUND", [x], e.writer.shape(x), FLOAT32), tensor_type)
