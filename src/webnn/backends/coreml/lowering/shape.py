"""Shape and data-movement ops: MIL's reshape, transpose, concat, split, slice_by_index, pad, tile
and reverse; expand is a reshape to the output's rank and a tile; triangular a select against a
constant mask; resample2d gathers the input rows and columns the spec's half-pixel coordinates
name (nearest-neighbor), or blends the two neighbours with the spec's weights (linear), along each
of its two axes, so that any sizes, scales and axes compute exactly as the reference does."""

from __future__ import annotations

from typing import Any

import numpy as np

from . import ALL, NUMPY_TYPES, OpLowering, lowering, type_name
from .elementwise import round_half_even


@lowering("reshape", types=ALL)
def reshape(e: OpLowering) -> Any:
    """MIL's reshape; to and from scalars (which it does not take), expand_dims / squeeze."""
    x, shape = e.input("input"), list(e.out().shape)
    if not x.shape:
        return e.mb.expand_dims(x=x, axes=list(range(len(shape)))) if shape else e.mb.identity(x=x)
    if not shape:
        return e.mb.squeeze(x=x, axes=list(range(len(x.shape))))
    return e.mb.reshape(x=x, shape=shape)


@lowering("expand", types=ALL)
def expand(e: OpLowering) -> Any:
    x = e.input("input")
    result = e.broadcast(x, e.out().shape)
    return e.mb.identity(x=x) if result is x else result


@lowering("transpose", types=ALL)
def transpose(e: OpLowering) -> Any:
    x, perm = e.input("input"), [int(p) for p in e.attrs["permutation"]]
    if perm == list(range(len(perm))):
        return e.mb.identity(x=x)
    return e.mb.transpose(x=x, perm=perm)


@lowering("concat", types=ALL)
def concat(e: OpLowering) -> Any:
    values = e.inputs("inputs")
    if len(values) == 1:
        return e.mb.identity(x=values[0])
    return e.mb.concat(values=values, axis=int(e.attrs["axis"]))


@lowering("split", types=ALL)
def split(e: OpLowering) -> list[Any]:
    x, sizes = e.input("input"), [int(s) for s in e.attrs["splits"]]
    if len(sizes) == 1:
        return [e.mb.identity(x=x)]
    return list(e.mb.split(x=x, split_sizes=sizes, axis=int(e.attrs["axis"])))


@lowering("slice", types=ALL)
def slice_(e: OpLowering) -> Any:
    x = e.input("input")
    starts, sizes, strides = e.attrs["starts"], e.attrs["sizes"], e.attrs["strides"]
    if not starts:
        return e.mb.identity(x=x)
    ends = [int(s) + (int(n) - 1) * int(k) + 1 for s, n, k in zip(starts, sizes, strides)]
    return e.mb.slice_by_index(x=x, begin=[int(s) for s in starts], end=ends, stride=[int(k) for k in strides])


@lowering("pad", types=ALL)
def pad(e: OpLowering) -> Any:
    """constant: MIL's pad; edge and reflection: a gather along each padded axis of the input
    positions the spec's mode names (MIL's own replicate / reflect pad the last two axes only)."""
    x = e.input("input")
    begins, ends = e.attrs["beginning_padding"], e.attrs["ending_padding"]
    if not any(begins) and not any(ends):
        return e.mb.identity(x=x)
    mode = e.attrs["mode"]
    if mode == "constant":
        x = e.wide("input")
        amounts = [int(v) for pair in zip(begins, ends) for v in pair]
        return e.cast(e.mb.pad(x=x, pad=amounts, mode="constant", constant_val=_pad_value(e, x)), e.mil_type())
    for axis, (begin, end) in enumerate(zip(begins, ends)):
        if begin or end:
            x = _take(e, x, _pad_positions(int(x.shape[axis]), int(begin), int(end), mode), axis)
    return x


def _pad_positions(size: int, begin: int, end: int, mode: str) -> np.ndarray:
    """The input position of each output position along one axis ("edge": clamped;
    "reflection": mirrored about the first and last element)."""
    positions = np.arange(-begin, size + end)
    if mode == "edge":
        return np.clip(positions, 0, size - 1).astype(np.int32)
    period = 2 * (size - 1)
    folded = np.abs(positions) % period if period else np.zeros_like(positions)
    return np.where(folded >= size, period - folded, folded).astype(np.int32)


def _pad_value(e: OpLowering, x: Any) -> Any:
    """The padding value in the input's type (as the reference converts it), as ``x``'s."""
    with np.errstate(invalid="ignore", over="ignore"):
        fill = np.asarray(e.attrs["value"]).astype(e.desc("input").numpy_dtype)
    return fill.astype(NUMPY_TYPES[type_name(x)])[()]


@lowering("tile", types=ALL)
def tile(e: OpLowering) -> Any:
    reps = [int(r) for r in e.attrs["repetitions"]]
    if all(r == 1 for r in reps):
        return e.mb.identity(x=e.input("input"))
    return e.mb.tile(x=e.input("input"), reps=reps)


@lowering("reverse", types=ALL)
def reverse(e: OpLowering) -> Any:
    axes = [int(a) for a in e.attrs["axes"]]
    if not axes:
        return e.mb.identity(x=e.input("input"))
    return e.mb.reverse(x=e.input("input"), axes=axes)


@lowering("triangular", types=ALL)
def triangular(e: OpLowering) -> Any:
    x = e.wide("input")
    rows, cols = e.out().shape[-2:]
    offset = np.arange(cols)[None, :] - np.arange(rows)[:, None]
    diagonal = int(e.attrs["diagonal"])
    keep = offset >= diagonal if e.attrs["upper"] else offset <= diagonal
    result = e.mb.select(cond=e.mb.const(val=keep), a=x, b=e.like(0, x))
    return e.cast(result, e.mil_type())


def _source_coordinates(in_size: int, out_size: int) -> np.ndarray:
    """The clamped input coordinate of each output coordinate, with half-pixel centres (the
    reference backend's)."""
    scale = out_size / in_size
    coords = (np.arange(out_size, dtype=np.float64) + 0.5) / scale - 0.5
    return np.clip(coords, 0.0, in_size - 1)


def _take(e: OpLowering, x: Any, indices: np.ndarray, axis: int) -> Any:
    return e.mb.gather(x=x, indices=e.const(indices, "int32"), axis=axis)


@lowering("resample2d", types=ALL)
def resample2d(e: OpLowering) -> Any:
    x = e.input("input")
    axes, sizes = [int(a) for a in e.attrs["axes"]], [int(s) for s in e.attrs["sizes"]]
    if e.attrs["mode"] == "nearest-neighbor":
        for axis, size in zip(axes, sizes):
            coords = _source_coordinates(int(x.shape[axis]), size)
            x = _take(e, x, np.ceil(coords - 0.5).astype(np.int32), axis)
        return x
    integer = type_name(x) not in ("fp32", "fp16")
    if integer:  # (the reference blends in float32 and rounds halves to even)
        x = e.mb.cast(x=x, dtype="fp32")
    for axis, size in zip(axes[::-1], sizes[::-1]):
        x = _linear_along(e, x, axis, size)
    if integer:
        x = e.mb.cast(x=round_half_even(e, x), dtype=e.mil_type())
    return x


def _linear_along(e: OpLowering, x: Any, axis: int, size: int) -> Any:
    coords = _source_coordinates(int(x.shape[axis]), size)
    low, high = np.floor(coords).astype(np.int32), np.ceil(coords).astype(np.int32)
    numpy_type = {"fp32": np.float32, "fp16": np.float16}[type_name(x)]
    shape = [1] * len(x.shape)
    shape[axis] = size
    t = (coords - low).astype(numpy_type).reshape(shape)
    mb = e.mb
    return mb.add(x=mb.mul(x=_take(e, x, low, axis), y=mb.const(val=(numpy_type(1) - t).astype(numpy_type))),
                  y=mb.mul(x=_take(e, x, high, axis), y=mb.const(val=t)))
