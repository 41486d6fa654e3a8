"""ONNX lowerings: shape and data-movement ops.

Pure data movement is exact in any type, so these lowerings only cast (or
decompose) where ONNX Runtime's CPU kernel lacks the type.  An op that leaves
its input unchanged (an identity permutation, a full slice, no padding) returns
the input's value itself: no node at all.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

from ....ir import Operation
from ...geometry import sliced_axes
from ..emitter import OPSET, STORAGE, OpEmitter
from ..kernels import supports
from . import lowering
from .canonical import onnx_pads

_INT64_MIN = -(2**63)
#: The largest constant mask triangular stores in the model (elements); larger go through Trilu.
_MAX_MASK = 1 << 16


# --------------------------------------------------------------------------- reshape, expand, transpose


@lowering("reshape")
def reshape(e: OpEmitter, op: Operation) -> str:
    x = e.input("input")
    shape = tuple(op.attrs["new_shape"])
    if shape == e.input_desc("input").shape:
        return x
    return e.node("Reshape", [x, e.i64(list(shape))])


@lowering("expand")
def expand(e: OpEmitter, op: Operation) -> str:
    x = e.input("input")
    shape = e.output_desc().shape
    if shape == e.input_desc("input").shape:
        return x
    if math.prod(shape) == e.input_desc("input").element_count:  # only size-1 dimensions added
        return e.node("Reshape", [x, e.i64(list(shape))])
    return e.node("Expand", [x, e.i64(list(shape))])


@lowering("transpose")
def transpose(e: OpEmitter, op: Operation) -> str:
    perm = list(op.attrs["permutation"])
    x = e.input("input")
    if perm == sorted(perm):
        return x
    return e.node("Transpose", [x], perm=perm)


# --------------------------------------------------------------------------- concat, split


@lowering("concat")
def concat(e: OpEmitter, op: Operation) -> str:
    inputs = e.inputs("inputs")
    if len(inputs) == 1:
        return inputs[0]
    return e.node("Concat", inputs, axis=op.attrs["axis"])


@lowering("split")
def split(e: OpEmitter, op: Operation) -> list[str]:
    sizes = list(op.attrs["splits"])
    x = e.input("input")
    if len(sizes) == 1:
        return [x]
    return e.nodes("Split", [x, e.i64(sizes)], len(sizes), axis=op.attrs["axis"])


# --------------------------------------------------------------------------- slice, pad, tile, reverse


@lowering("slice")
def slice_(e: OpEmitter, op: Operation) -> str:
    x = e.input("input")
    axes, starts, ends, steps = sliced_axes(
        e.input_desc("input").shape, op.attrs["starts"], op.attrs["sizes"], op.attrs["strides"])
    if not axes:
        return x
    inputs = [x, e.i64(starts), e.i64(ends), e.i64(axes)]
    if any(s != 1 for s in steps):
        inputs.append(e.i64(steps))
    return e.node("Slice", inputs)


_ONNX_PAD_MODES = {"constant": "constant", "edge": "edge", "reflection": "reflect"}


@lowering("pad")
def pad(e: OpEmitter, op: Operation) -> str:
    x = e.input("input")
    begin, end = op.attrs["beginning_padding"], op.attrs["ending_padding"]
    if not any(begin) and not any(end):
        return x
    data_type = e.input_desc("input").data_type
    storage = STORAGE[data_type]
    # float16 has no Pad kernel: float32 holds every float16 value exactly, so pad there.
    work = storage if supports(OPSET, "Pad", storage) else "float32"
    if work != storage:
        x = e.cast(x, work)
    mode = op.attrs["mode"]
    inputs = [x, e.i64(onnx_pads(begin, end))]
    if mode == "constant":
        inputs.append(e.const(op.attrs["value"], work))
    out = e.node("Pad", inputs, mode=_ONNX_PAD_MODES[mode])
    return out if work == storage else e.cast(out, storage)


@lowering("tile")
def tile(e: OpEmitter, op: Operation) -> str:
    x = e.input("input")
    reps = list(op.attrs["repetitions"])
    if all(r == 1 for r in reps):
        return x
    storage = STORAGE[e.input_desc("input").data_type]
    if supports(OPSET, "Tile", storage):
        return e.node("Tile", [x, e.i64(reps)])
    # No Tile kernel (float16): [d0, d1, ...] -> [1, d0, 1, d1, ...] -> broadcast to
    # [r0, d0, r1, d1, ...] -> [r0 * d0, r1 * d1, ...], which is exactly NumPy's tile.
    shape = e.input_desc("input").shape
    spread = [v for d in shape for v in (1, d)]
    expanded = [v for d, r in zip(shape, reps) for v in (r, d)]
    y = e.node("Reshape", [x, e.i64(spread)])
    y = e.node("Expand", [y, e.i64(expanded)])
    return e.node("Reshape", [y, e.i64(list(e.output_desc().shape))])


@lowering("reverse")
def reverse(e: OpEmitter, op: Operation) -> str:
    x = e.input("input")
    shape = e.input_desc("input").shape
    axes = sorted(a for a in op.attrs["axes"] if shape[a] > 1)
    if not axes:
        return x
    n = len(axes)
    return e.node("Slice", [x, e.i64([-1] * n), e.i64([_INT64_MIN] * n), e.i64(axes), e.i64([-1] * n)])


# --------------------------------------------------------------------------- triangular


@lowering("triangular")
def triangular(e: OpEmitter, op: Operation) -> str:
    x = e.input("input")
    desc = e.input_desc("input")
    rows, cols = desc.shape[-2:]
    upper, diagonal = op.attrs["upper"], op.attrs["diagonal"]
    # Kept: column - row >= diagonal (upper) or <= diagonal (lower).
    if (upper and 1 - rows >= diagonal) or (not upper and cols - 1 <= diagonal):
        return x  # every element is kept
    storage = STORAGE[desc.data_type]
    if supports(OPSET, "Trilu", storage):
        return e.node("Trilu", [x, e.i64(diagonal)], upper=int(upper))
    if supports(OPSET, "Where", storage) and rows * cols <= _MAX_MASK:
        # A constant mask: one Where, no casts (int8, uint8, uint32).
        offset = np.arange(cols)[None, :] - np.arange(rows)[:, None]
        keep = offset >= diagonal if upper else offset <= diagonal
        return e.node("Where", [e.const(keep, "bool"), x, e.const(0, storage)])
    # Trilu on a wider type (float16 in float32, uint64 in int64, ...): exact for data movement.
    return e.compute("Trilu", [x, e.i64(diagonal)], desc.data_type, typed=[0], upper=int(upper))


# --------------------------------------------------------------------------- resample2d


def _reference_coordinates(in_size: int, out_size: int) -> np.ndarray:
    """The spec's clamped half-pixel input coordinate (float64) of each output coordinate."""
    scale = out_size / in_size
    coords = (np.arange(out_size, dtype=np.float64) + 0.5) / scale - 0.5
    return np.clip(coords, 0.0, in_size - 1)


def _nearest_indices(in_size: int, out_size: int) -> np.ndarray:
    """The input index each output index reads in nearest-neighbor mode (ties round down)."""
    return np.ceil(_reference_coordinates(in_size, out_size) - 0.5).astype(np.int64)


def _resize_picks_the_same(in_size: int, out_size: int) -> bool:
    """Whether ONNX Runtime's nearest Resize (half_pixel, round_prefer_floor), which works in
    float32, surely picks the elements the spec's exact coordinates pick along a dimension.

    The spec's coordinate is c = (o + 0.5) * in / out - 0.5; rounding goes the other way where
    (o + 0.5) * in / out is an integer (a tie).  With a power-of-two ratio every float32 step is
    exact, so ties are seen as ties.  Otherwise, without ties, a coordinate is at least
    1 / (2 out) from a rounding boundary, far more than float32's error (about in * 2e-7) as
    long as in * out stays small; with ties float32 rounding may move c off the tie either way.
    """
    if _power_of_two(in_size, out_size):
        return True
    if in_size * out_size > 1_000_000:
        return False
    o = np.arange(out_size, dtype=np.int64)
    return not (((2 * o + 1) * in_size) % (2 * out_size) == 0).any()


def _power_of_two(in_size: int, out_size: int) -> bool:
    """Whether out_size / in_size is 2**k for an integer k (of either sign)."""
    ratio = Fraction(out_size, in_size)
    return ratio.numerator & (ratio.numerator - 1) == 0 and ratio.denominator & (ratio.denominator - 1) == 0


def _gather_along(e: OpEmitter, x: str, indices: np.ndarray, axis: int) -> str:
    return e.node("Gather", [x, e.constant(indices.astype(np.int64), "int64")], axis=axis)


def _resize(e: OpEmitter, x: str, mode: str, shape: tuple[int, ...], axes: list[int], sizes: list[int]) -> str:
    """ONNX Resize (half-pixel centres) of ``x`` (of ``shape``) to ``sizes`` along ``axes``.

    ONNX Runtime's linear kernel takes 4-D input only when the resized dimensions are
    [2, 3] or [1, 2] (its NCHW and NHWC kernels); other axes go through a transpose.
    """
    attrs = {"mode": mode, "coordinate_transformation_mode": "half_pixel"}
    if mode == "nearest":
        attrs["nearest_mode"] = "round_prefer_floor"
    changed = sorted(a for a, s in zip(axes, sizes) if shape[a] != s)
    if mode == "nearest" or set(changed) <= {2, 3} or set(changed) <= {1, 2}:
        return e.node("Resize", [x, None, None, e.i64(sizes)], axes=list(axes), **attrs)
    others = [d for d in range(len(shape)) if d not in axes]
    perm = [*others, *axes]
    inverse = [perm.index(d) for d in range(len(shape))]
    y = e.node("Transpose", [x], perm=perm)
    y = e.node("Resize", [y, None, None, e.i64(sizes)], axes=[2, 3], **attrs)
    return e.node("Transpose", [y], perm=inverse)


@lowering("resample2d")
def resample2d(e: OpEmitter, op: Operation) -> str:
    x = e.input("input")
    desc = e.input_desc("input")
    shape, data_type = desc.shape, desc.data_type
    axes, sizes = list(op.attrs["axes"]), list(op.attrs["sizes"])
    if all(shape[a] == s for a, s in zip(axes, sizes)):
        return x  # every coordinate maps onto itself
    storage = STORAGE[data_type]

    if op.attrs["mode"] == "nearest-neighbor":
        exact = all(_resize_picks_the_same(shape[a], s) for a, s in zip(axes, sizes) if shape[a] != s)
        if exact and supports(OPSET, "Resize", storage, "T1"):
            return _resize(e, x, "nearest", shape, axes, sizes)
        # float16 (no Resize kernel), or where float32 rounding might make ONNX Runtime pick
        # another element: gather the elements the spec picks (exact in every type).
        for axis, size in zip(axes, sizes):
            if shape[axis] != size:
                x = _gather_along(e, x, _nearest_indices(shape[axis], size), axis)
        return x

    # Linear.  With power-of-two ratios ONNX Runtime's float32 coordinates and weights are
    # exact, and its bilinear kernel stays within a few ULPs of the definition; other ratios
    # put float32 rounding errors into the weights (hundreds of ULPs, more on large inputs),
    # so those interpolate with the spec's own arithmetic.  Integer results are rounded,
    # where a weight off by one ULP can tip a .5, so they always take the exact path.
    integer = data_type in ("int8", "uint8")
    if integer or not all(_power_of_two(shape[a], s) for a, s in zip(axes, sizes)):
        return _linear_exact(e, x, shape, axes, sizes, storage, integer)
    if storage != "float32":  # float16: computed in float32, rounded once at the end
        x = e.cast(x, "float32")
    y = _resize(e, x, "linear", shape, axes, sizes)
    return y if storage == "float32" else e.cast(y, storage)


def _linear_exact(
    e: OpEmitter, x: str, shape: tuple[int, ...], axes: list[int], sizes: list[int], storage: str, integer: bool
) -> str:
    """Linear resampling with the spec's arithmetic, bit for bit.

    In float32 (float16 and integers are cast), interpolation runs along axes[1], then
    axes[0], as lo * (1 - t) + hi * t, with the weights t computed in float64 and rounded to
    float32 (constants here); integer results are then rounded half to even.
    """
    y = x if storage == "float32" else e.cast(x, "float32")
    rank = len(shape)
    for axis, size in reversed(list(zip(axes, sizes))):
        in_size = shape[axis]
        if in_size == size:
            continue
        coords = _reference_coordinates(in_size, size)
        lo = np.floor(coords).astype(np.int64)
        hi = np.ceil(coords).astype(np.int64)
        t = (coords - lo).astype(np.float32)
        weight_shape = [1] * rank
        weight_shape[axis] = size
        w_hi = t.reshape(weight_shape)
        w_lo = (np.float32(1) - t).reshape(weight_shape)
        a = e.node("Mul", [_gather_along(e, y, lo, axis), e.constant(w_lo, "float32")])
        b = e.node("Mul", [_gather_along(e, y, hi, axis), e.constant(w_hi, "float32")])
        y = e.node("Add", [a, b])
    if integer:
        y = e.node("Round", [y])
    return y if storage == "float32" else e.cast(y, storage)
