"""ONNX lowerings: average_pool2d, l2_pool2d and max_pool2d, on NCHW inputs (the pass
pipeline's canonical layout).

The normalized attributes hold the final output sizes, so the lowering never relies on ONNX's
``ceil_mode`` (ONNX Runtime drops a last window that starts in the end padding, WebNN keeps it):
it pools in floor mode with the end padding that makes the windows end exactly at the output
size.  Padding holds no elements in WebNN, as in ONNX's AveragePool with count_include_pad=0,
MaxPool and LpPool; a window over padding only gives 0 in WebNN, which is enforced where such
windows exist.  ONNX Runtime's pools reject pads at least as large as the window: then the
input is padded explicitly with the reduction's identity (max, l2), or the average is a sum
(a depthwise Conv with a filter of ones, which takes any padding) divided by each window's
count of real elements.

Data types: the float pools compute float16 in float32 (rounded once at the end).  max_pool2d
runs on int8 / uint8 natively, on int32 / uint32 exactly in float64, and on int64 / uint64
(which no wider type holds exactly) as a maximum over strided slices, one per window tap.

Special values in max_pool2d: a NaN anywhere in a window gives NaN and padding never beats a
real element, so a window of -inf values gives -inf (as reduce_max).  ONNX Runtime's float
MaxPool drops a NaN unless it is the last element of its window, and starts each window at
the lowest finite float, which a window of -inf values then returns (with or without
padding, depending on the position); the integer pools start at the type's minimum, which is
exact.  Float pools subtract a correction h: +0 for the windows MaxPool gets right, NaN for
those with a NaN, +inf for those of -inf values only.  It comes from a second MaxPool over a
code of each element (0 for -inf, 1 for any other number, +inf for NaN; the pool's padding
is below 0); float16, which pools in float32, needs the NaN part only (the lowest float32
rounds to -inf in float16).  The correction runs on the input's batches only when the
input's sum is not finite (a NaN, an infinity, or an overflow), on an empty slice of them
otherwise: an ordinary input pays one ReduceSum over the input, a few scalar nodes and two
passes over the output; one with special values three more passes over the input, a second
pool and four passes over the output.  (ONNX Runtime's Where turns a selected -0 of its first
value into +0, hence h rather than a Where on the result.)  The sign of a zero maximum (a tie
of -0 and +0) stays ONNX Runtime's choice.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ....ir import Operation
from ...geometry import PoolAxis as _Axis
from ...geometry import pool_axes
from ..emitter import STORAGE, OpEmitter
from . import lowering
from .canonical import expect_canonical, onnx_pads, spatial_padding

#: Type each (op, data type) computes in; max_pool2d on int64 / uint64 is a decomposition.
_MAX_COMPUTE = {"float32": "float32", "float16": "float32", "int8": "int8", "uint8": "uint8",
                "int32": "float64", "uint32": "float64"}


def _axes(e: OpEmitter, op: Operation) -> tuple[_Axis, _Axis]:
    beginning, _ = spatial_padding(op.attrs)  # (the end padding is what reaches the output size)
    return pool_axes(e.input_desc("input").shape[2:], op.attrs, beginning)


def _lowest(data_type: str) -> float | int:
    return -np.inf if data_type.startswith("float") else int(np.iinfo(data_type).min)


def _pad(e: OpEmitter, x: str, axes: tuple[_Axis, _Axis], fill: float | int, data_type: str) -> str:
    """``x`` (NCHW) with each spatial axis' padding added explicitly, filled with ``fill``."""
    h, w = axes
    pads = onnx_pads([0, 0, h.begin, w.begin], [0, 0, h.end, w.end])
    return e.node("Pad", [x, e.i64(pads), e.const(fill, data_type)])


def _pool_attrs(axes: tuple[_Axis, _Axis], padded: bool) -> dict[str, Any]:
    h, w = axes
    return {
        "kernel_shape": [h.window, w.window],
        "strides": [h.stride, w.stride],
        "dilations": [h.dilation, w.dilation],
        "pads": onnx_pads([0, 0], [0, 0]) if padded else onnx_pads([h.begin, w.begin], [h.end, w.end]),
    }


@lowering("average_pool2d", "l2_pool2d", "max_pool2d")
def pool2d(e: OpEmitter, op: Operation) -> str:
    expect_canonical(op)
    data_type = e.output_desc().data_type
    axes = _axes(e, op)
    counts = axes[0].counts()[:, None] * axes[1].counts()[None, :]
    empty = bool((counts == 0).any())
    if op.type == "max_pool2d" and data_type not in _MAX_COMPUTE:
        return _max_by_slices(e, axes, counts if empty else None, data_type)

    compute_type = _MAX_COMPUTE[data_type] if op.type == "max_pool2d" else "float32"
    x = e.input("input")
    if compute_type != STORAGE[data_type]:
        x = e.cast(x, compute_type)

    h, w = axes
    fits = all(a.begin < a.window and a.end < a.window for a in axes)
    # A global pool: the window is the whole input (dilations are then 1).
    whole = h.size == h.window and w.size == w.window and h.out == w.out == 1 and not (h.begin or h.end or w.begin or w.end)
    if op.type == "max_pool2d":
        y = _max_pool(e, x, axes, whole, fits, compute_type, data_type)
        if empty:  # (a -0 selected as Where's first value would become +0)
            y = e.node("Where", [e.const(counts == 0, "bool"), e.const(0, compute_type), y])
    elif whole:
        y = e.node("GlobalAveragePool", [x]) if op.type == "average_pool2d" else e.node("GlobalLpPool", [x], p=2)
    elif op.type == "average_pool2d":
        if fits and not empty:
            y = e.node("AveragePool", [x], count_include_pad=0, **_pool_attrs(axes, False))
        else:
            # The sum of the real elements of each window, over their count (1 where none: 0).
            channels = e.input_desc("input").shape[1]
            ones = np.ones((channels, 1, h.window, w.window), np.float32)
            total = e.node("Conv", [x, e.constant(ones, "float32")], group=channels, **_pool_attrs(axes, False))
            y = e.node("Div", [total, e.constant(np.maximum(counts, 1).astype(np.float32), "float32")])
    else:  # l2_pool2d
        # Padding adds zeros to the sum of squares: a window over padding only gives 0.
        if not fits:
            x = _pad(e, x, axes, 0, compute_type)
        y = e.node("LpPool", [x], p=2, **_pool_attrs(axes, not fits))

    if compute_type != STORAGE[data_type]:
        y = e.cast(y, data_type)
    return y


def _max_pool(e: OpEmitter, x: str, axes: tuple[_Axis, _Axis], whole: bool, fits: bool, compute_type: str,
              data_type: str) -> str:
    """max_pool2d of ``x`` (NCHW, in ``compute_type``) with NaN and -inf as WebNN has them
    (see the module docstring); windows over padding only are left to the caller."""
    padded = x if fits else _pad(e, x, axes, _lowest(compute_type), compute_type)

    def pool(value: str) -> str:
        if whole and compute_type == "float32":
            return e.node("GlobalMaxPool", [value])
        return e.node("MaxPool", [value], **_pool_attrs(axes, not fits))

    y = pool(padded)
    if compute_type != "float32":
        return y  # integers: exact
    # The correction runs on the batches of the input when its sum is not finite (a NaN or
    # an infinity, or an overflow), on none otherwise: it is y - h, h the sum over the
    # (zero or one) corrections.
    batch, channels = e.input_desc("input").shape[:2]
    total = e.node("ReduceSum", [x], keepdims=0)
    special = e.node("IsNaN", [e.node("Sub", [total, total])])
    count = e.node("Where", [special, e.i64([batch]), e.i64([0])])
    h = _max_pool_correction(e, e.node("Slice", [padded, e.i64([0]), count, e.i64([0])]), pool, data_type)
    # [count, C, H, W] as [0 or 1, N, C, H, W], summed over the first axis.
    h = e.node("Reshape", [h, e.i64([-1, batch, channels, axes[0].out, axes[1].out])])
    return e.node("Sub", [y, e.node("ReduceSum", [h, e.i64([0])], keepdims=0)])


def _max_pool_correction(e: OpEmitter, x: str, pool: Callable[[str], str], data_type: str) -> str:
    """h with max_pool2d = MaxPool - h: +0 for windows the MaxPool gets right, NaN for those
    with a NaN and +inf for those whose elements are all -inf (float32)."""
    nan = e.node("IsNaN", [x])
    inf = e.const(np.inf, "float32")
    if data_type == "float16":
        # +inf for NaN, 0 otherwise: the window maxima m, less themselves, are NaN or 0.
        code = pool(e.node("Where", [nan, inf, e.const(0, "float32")]))
        return e.node("Sub", [code, code])
    # 0 for -inf, 1 for the other numbers (HardSigmoid: alpha * x + beta is above 1 for
    # every float above -inf, -inf for -inf), +inf for NaN; a window's maximum code gives
    # h = +0 where it is 1 and +inf - code elsewhere: +inf for 0, NaN for +inf.
    number = e.node("HardSigmoid", [x], alpha=2.0**-30, beta=2.0**100)
    code = pool(e.node("Where", [nan, inf, number]))
    return e.node("Where", [e.node("Equal", [code, e.const(1, "float32")]), e.const(0, "float32"),
                            e.node("Sub", [inf, code])])


def _max_by_slices(e: OpEmitter, axes: tuple[_Axis, _Axis], counts: np.ndarray | None, data_type: str) -> str:
    """max_pool2d as Max over strided slices, one per window tap and axis: exact for every
    type (int64 / uint64 here)."""
    x = e.input("input")
    if any(a.begin or a.end for a in axes):
        x = _pad(e, x, axes, _lowest(data_type), data_type)
    for axis, index in zip(axes, (2, 3)):
        span = (axis.out - 1) * axis.stride + 1
        taps = [
            e.node("Slice", [x, e.i64([i * axis.dilation]), e.i64([i * axis.dilation + span]), e.i64([index]),
                             e.i64([axis.stride])])
            for i in range(axis.window)
        ]
        x = taps[0] if len(taps) == 1 else e.node("Max", taps)
    if counts is not None:
        # Windows over padding only hold the fill value: multiply them by 0, the others by 1.
        mask = (counts > 0).astype(np.dtype(data_type))
        x = e.node("Mul", [x, e.const(mask, data_type)])
    return x
