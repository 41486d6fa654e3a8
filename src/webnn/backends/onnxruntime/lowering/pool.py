"""ONNX lowerings: average_pool2d, l2_pool2d and max_pool2d.

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
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ....ir import Operation
from ..emitter import STORAGE, Emitter
from . import lowering
from .conv import TO_NCHW, TO_NHWC

#: Type each (op, data type) computes in; max_pool2d on int64 / uint64 is a decomposition.
_MAX_COMPUTE = {"float32": "float32", "float16": "float32", "int8": "int8", "uint8": "uint8",
                "int32": "float64", "uint32": "float64"}


class _Axis(NamedTuple):
    size: int
    window: int
    stride: int
    dilation: int
    begin: int
    end: int  # padding after the input that the last window reaches (never negative)
    out: int

    @property
    def counts(self) -> np.ndarray:
        """How many of each window's taps fall on the input, per output position."""
        base = np.arange(self.out, dtype=np.int64) * self.stride - self.begin
        first = np.maximum(0, -(base // self.dilation))
        last = np.minimum(self.window - 1, (self.size - 1 - base) // self.dilation)
        return np.maximum(0, last - first + 1)


def _axes(e: Emitter, op: Operation) -> tuple[_Axis, _Axis]:
    attrs = op.attrs
    shape = e.input_desc("input").shape
    sizes = shape[2:] if attrs["layout"] == "nchw" else shape[1:3]
    axes = []
    for i in range(2):
        window, stride, dilation = attrs["window_dimensions"][i], attrs["strides"][i], attrs["dilations"][i]
        begin, out = attrs["padding"][2 * i], attrs["output_sizes"][i]
        end = max(0, (out - 1) * stride + (window - 1) * dilation + 1 - sizes[i] - begin)
        axes.append(_Axis(sizes[i], window, stride, dilation, begin, end, out))
    return axes[0], axes[1]


def _lowest(data_type: str) -> float | int:
    return -np.inf if data_type.startswith("float") else int(np.iinfo(data_type).min)


def _pad(e: Emitter, x: str, axes: tuple[_Axis, _Axis], spatial: tuple[int, int], fill: float | int,
         data_type: str) -> str:
    """``x`` with each axis' padding added explicitly, filled with ``fill``."""
    begins, ends = [0] * 4, [0] * 4
    for axis, index in zip(axes, spatial):
        begins[index], ends[index] = axis.begin, axis.end
    return e.node("Pad", [x, e.i64(begins + ends), e.const(fill, data_type)])


def _pool_attrs(axes: tuple[_Axis, _Axis], padded: bool) -> dict[str, object]:
    h, w = axes
    return {
        "kernel_shape": [h.window, w.window],
        "strides": [h.stride, w.stride],
        "dilations": [h.dilation, w.dilation],
        "pads": [0, 0, 0, 0] if padded else [h.begin, w.begin, h.end, w.end],
    }


@lowering("average_pool2d", "l2_pool2d", "max_pool2d")
def pool2d(e: Emitter, op: Operation) -> str:
    data_type = e.output_desc().data_type
    nhwc = op.attrs["layout"] == "nhwc"
    axes = _axes(e, op)
    counts = axes[0].counts[:, None] * axes[1].counts[None, :]
    empty = bool((counts == 0).any())
    if op.type == "max_pool2d" and data_type not in _MAX_COMPUTE:
        return _max_by_slices(e, axes, counts if empty else None, nhwc, data_type)

    compute_type = _MAX_COMPUTE[data_type] if op.type == "max_pool2d" else "float32"
    x = e.input("input")
    assert x is not None
    if compute_type != STORAGE[data_type]:
        x = e.cast(x, compute_type)
    if nhwc:
        x = e.node("Transpose", [x], perm=list(TO_NCHW))

    h, w = axes
    fits = all(a.begin < a.window and a.end < a.window for a in axes)
    if h.size == h.window and w.size == w.window and h.out == w.out == 1 and not (h.begin or h.end or w.begin or w.end):
        # A global pool (the window is the whole input; dilations are then 1).
        if op.type == "average_pool2d":
            y = e.node("GlobalAveragePool", [x])
        elif op.type == "l2_pool2d":
            y = e.node("GlobalLpPool", [x], p=2)
        elif compute_type == "float32":
            y = e.node("GlobalMaxPool", [x])
        else:
            y = e.node("MaxPool", [x], **_pool_attrs(axes, False))
    elif op.type == "average_pool2d":
        if fits and not empty:
            y = e.node("AveragePool", [x], count_include_pad=0, **_pool_attrs(axes, False))
        else:
            # The sum of the real elements of each window, over their count (1 where none: 0).
            channels = e.input_desc("input").shape[3 if nhwc else 1]
            ones = np.ones((channels, 1, h.window, w.window), np.float32)
            total = e.node("Conv", [x, e.constant(ones, "float32")], group=channels, **_pool_attrs(axes, False))
            y = e.node("Div", [total, e.constant(np.maximum(counts, 1).astype(np.float32), "float32")])
    elif op.type == "l2_pool2d":
        # Padding adds zeros to the sum of squares: a window over padding only gives 0.
        if not fits:
            x = _pad(e, x, axes, (2, 3), 0, compute_type)
        y = e.node("LpPool", [x], p=2, **_pool_attrs(axes, not fits))
    else:
        if not fits:
            x = _pad(e, x, axes, (2, 3), _lowest(compute_type), compute_type)
        y = e.node("MaxPool", [x], **_pool_attrs(axes, not fits))
        if empty:
            y = e.node("Where", [e.const(counts > 0, "bool"), y, e.const(0, compute_type)])

    if nhwc:
        y = e.node("Transpose", [y], perm=list(TO_NHWC))
    if compute_type != STORAGE[data_type]:
        y = e.cast(y, data_type)
    return y


def _max_by_slices(e: Emitter, axes: tuple[_Axis, _Axis], counts: np.ndarray | None, nhwc: bool,
                   data_type: str) -> str:
    """max_pool2d as Max over strided slices, one per window tap and axis, in the input's own
    layout: exact for every type (int64 / uint64 here)."""
    spatial = (1, 2) if nhwc else (2, 3)
    x = e.input("input")
    assert x is not None
    if any(a.begin or a.end for a in axes):
        x = _pad(e, x, axes, spatial, _lowest(data_type), data_type)
    for axis, index in zip(axes, spatial):
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
        x = e.node("Mul", [x, e.const(mask[:, :, None] if nhwc else mask, data_type)])
    return x
