"""OpenVINO lowerings: average_pool2d, l2_pool2d and max_pool2d, on NCHW inputs (the pass
pipeline's canonical layout).

Geometry: the normalized attributes hold the final output sizes, so the pools never use
OpenVINO's "ceil" rounding: each pools in floor mode with the end padding that makes the last
window end exactly where the output size says (the part of a window past the padded input
holds no elements in WebNN, as padding does).

Padding holds no elements, and a window without any gives 0:

* average_pool2d over the whole input (one window, no padding) is ReduceMean over the spatial
  axes (which the CPU plugin computes in the layout of the ops before it, with no reorder);
  otherwise AvgPool with ``exclude_pad`` where OpenVINO takes it (every window holds
  an element, the padding is smaller than the window, no dilation); otherwise the sum of the
  real elements of each window (a depthwise GroupConvolution with a filter of ones over the
  zero padding) over their count (1 for the empty windows, whose sum is 0).
* l2_pool2d is the square root of that sum of squares.
* max_pool2d is MaxPool (its padding never wins), then 0 where a window is empty.

float16 average and l2 pools compute in float32 (rounded once at the end), like the
reference.  max_pool2d is exact on float32 / float16 (pooled in float32), int8 and uint8 with
MaxPool.  OpenVINO's CPU MaxPool computes int32 in float32, so int32 takes the maximum over
strided slices of the input (one per window tap), which is exact; uint32, int64 and uint64
(which the CPU plugin computes in int32, MaxPool and Maximum alike) are left out.

Special values in max_pool2d: WebNN's maximum propagates a NaN from anywhere in a window, and
a window whose real elements are all -inf gives -inf.  OpenVINO's MaxPool skips NaN and
starts each window at the lowest finite float, which such a window then gives.  A second
MaxPool over a code of each element (2 for NaN, 0 for -inf, 1 otherwise) marks the windows
to fix: those whose greatest code is 2 give NaN, those whose greatest code is 0 give -inf.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import openvino.opset16 as ops

from ...geometry import PoolAxis as _Axis
from ...geometry import pool_axes
from ..types import ELEMENT_TYPES, FLOATS
from . import OpLowering, lowering
from .conv import as_f32, as_type


def _axes(e: OpLowering) -> tuple[_Axis, _Axis]:
    attrs = e.attrs
    if attrs["layout"] != "nchw":
        raise AssertionError(f"{e.op.type}: the openvino lowering expects the nchw layout "
                             "(the canonical_layout pass did not run)")
    return pool_axes(e.desc("input").shape[2:], attrs, [attrs["padding"][0], attrs["padding"][2]])


def _pool_args(axes: tuple[_Axis, _Axis]) -> dict[str, list[int]]:
    return {
        "strides": [a.stride for a in axes],
        "pads_begin": [a.begin for a in axes],
        "pads_end": [a.end for a in axes],
        "kernel_shape": [a.window for a in axes],
    }


def _window_sums(e: OpLowering, x: Any, axes: tuple[_Axis, _Axis]) -> Any:
    """The sum of the real elements of each window of ``x`` (NCHW, float32).

    Windows that hold no element are set to 0 after the convolution: the CPU plugin's AVX2
    depthwise convolution gives some of those that lie wholly in the padding the sum of another
    window (padding explicitly first changes nothing: the plugin folds the Pad in)."""
    channels = e.desc("input").shape[1]
    ones = ops.constant(np.ones((channels, 1, 1, axes[0].window, axes[1].window), np.float32))
    args = _pool_args(axes)
    sums = ops.group_convolution(x, ones, args["strides"], args["pads_begin"], args["pads_end"],
                                 [a.dilation for a in axes]).output(0)
    empty = _counts(axes) == 0
    if empty.any():
        sums = ops.select(ops.constant(empty), ops.constant(np.float32(0)), sums).output(0)
    return sums


def _counts(axes: tuple[_Axis, _Axis]) -> np.ndarray:
    return axes[0].counts()[:, None] * axes[1].counts()[None, :]


def _check_shape(e: OpLowering, y: Any) -> Any:
    if tuple(y.get_partial_shape().to_shape()) != tuple(e.out().shape):
        raise AssertionError(
            f"{e.op.type}: OpenVINO made shape {y.get_partial_shape()}, expected {list(e.out().shape)}")
    return y


@lowering("average_pool2d", types=FLOATS)
def average_pool2d(e: OpLowering) -> Any:
    axes = _axes(e)
    x = as_f32(e.input("input"))
    counts = _counts(axes)
    fits = all(a.begin < a.window and a.end < a.window for a in axes)
    if all(a.out == 1 and a.window == a.size and not (a.begin or a.end) and a.dilation == 1 for a in axes):
        y = ops.reduce_mean(x, e.i64([2, 3]), keep_dims=True).output(0)
    elif fits and bool((counts > 0).all()):
        # (opset16's AvgPool must be given its dilations: without them it crashes at compile)
        y = ops.avg_pool(x, exclude_pad=True, rounding_type="floor", dilations=[a.dilation for a in axes],
                         **_pool_args(axes)).output(0)
    else:
        divisor = ops.constant(np.maximum(counts, 1).astype(np.float32))
        y = ops.divide(_window_sums(e, x, axes), divisor).output(0)
    return _check_shape(e, as_type(y, ELEMENT_TYPES[e.out().data_type]))


@lowering("l2_pool2d", types=FLOATS)
def l2_pool2d(e: OpLowering) -> Any:
    axes = _axes(e)
    x = as_f32(e.input("input"))
    y = ops.sqrt(_window_sums(e, ops.multiply(x, x).output(0), axes)).output(0)
    return _check_shape(e, as_type(y, ELEMENT_TYPES[e.out().data_type]))


def _max_by_slices(e: OpLowering, x: Any, axes: tuple[_Axis, _Axis], data_type: str) -> Any:
    """The maximum of each window as Maximum over strided slices, one per window tap and axis."""
    if any(a.begin or a.end for a in axes):
        lowest = np.array(np.iinfo(ELEMENT_TYPES[data_type].to_dtype()).min)
        x = ops.pad(x, e.i64([0, 0, axes[0].begin, axes[1].begin]), e.i64([0, 0, axes[0].end, axes[1].end]),
                    "constant", ops.constant(lowest.astype(ELEMENT_TYPES[data_type].to_dtype()))).output(0)
    for axis, index in zip(axes, (2, 3)):
        span = (axis.out - 1) * axis.stride + 1
        taps = [ops.slice(x, e.i64([i * axis.dilation]), e.i64([i * axis.dilation + span]), e.i64([axis.stride]),
                          e.i64([index])).output(0) for i in range(axis.window)]
        x = taps[0]
        for tap in taps[1:]:
            x = ops.maximum(x, tap).output(0)
    return x


@lowering("max_pool2d", types=FLOATS | {"int8", "uint8", "int32"})
def max_pool2d(e: OpLowering) -> Any:
    axes = _axes(e)
    data_type = e.out().data_type
    floating = data_type in FLOATS
    x = as_f32(e.input("input")) if floating else e.input("input")
    args = _pool_args(axes)
    dilations = [a.dilation for a in axes]

    def pool(value: Any) -> Any:
        return ops.max_pool(value, dilations=dilations, rounding_type="floor", **args).output(0)

    y = _max_by_slices(e, x, axes, data_type) if data_type == "int32" else pool(x)
    if floating:
        f32 = np.float32
        nan = ops.is_nan(x)
        code = ops.select(nan, ops.constant(f32(2)),
                          ops.select(ops.equal(x, ops.constant(f32(-np.inf))), ops.constant(f32(0)),
                                     ops.constant(f32(1))))
        top = pool(code.output(0))
        y = ops.select(ops.equal(top, ops.constant(f32(2))), ops.constant(f32(np.nan)),
                       ops.select(ops.equal(top, ops.constant(f32(0))), ops.constant(f32(-np.inf)), y)).output(0)
    counts = _counts(axes)
    if not bool((counts > 0).all()):
        zero = np.zeros((), dtype=np.float32 if floating else ELEMENT_TYPES[data_type].to_dtype())
        y = ops.select(ops.constant(counts == 0), ops.constant(zero), y).output(0)
    return _check_shape(e, as_type(y, ELEMENT_TYPES[data_type]))
