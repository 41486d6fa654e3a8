"""LiteRT lowerings: average_pool2d, l2_pool2d and max_pool2d.

The pass pipeline gives every pool an NHWC input.  WebNN's windows hold only the input's
elements (padding, and the part of a "ceil" window past the padded input, hold none; a window
without any gives 0).  :func:`..geometry.pool_axes` gives the padding each axis really needs.

- average_pool2d: AVERAGE_POOL_2D where TFLite's padding is WebNN's (none, or SAME's, whose
  average also counts only the input's elements); otherwise the window sums (a depthwise
  convolution of the zero-padded input with a filter of ones, dilated as the pool is) divided by
  each window's count of input elements, a constant map computed at build.
- l2_pool2d: the square root of the window sums of the squared input (TFLite's L2_POOL_2D is a
  root mean square).
- max_pool2d: MAX_POOL_2D of the input (padded with -inf where it is not SAME's); with
  dilations, and for integers (int8, uint8, int32, int64: exactly), the maximum (MAXIMUM) of one
  strided slice per window tap of the input padded with the lowest value.  Windows without an
  input element are set to 0, and floating-point windows holding a NaN to NaN (TFLite's maxima
  skip NaNs; IEEE 754-2019's, the spec's, do not): a window sum of x != x finds them.

float16 computes in float32 (widened, rounded once).
"""

from __future__ import annotations

import numpy as np

from ...geometry import PoolAxis, pool_axes
from ..types import BOOL, FLOAT32, FLOATS
from . import OpLowering, lowering, numpy_of
from .conv import SAME, VALID, pad_nhwc, same_padding


def _axes(e: OpLowering) -> tuple[PoolAxis, PoolAxis]:
    attrs = e.attrs
    if attrs["layout"] != "nhwc":
        raise AssertionError(f"{e.op.type}: the litert lowering expects nhwc: "
                             "the canonical_layout pass did not run")
    _, height, width, _ = e.desc("input").shape
    padding = attrs["padding"]
    return pool_axes((height, width), attrs, (padding[0], padding[2]))


def _tflite_padding(rows: PoolAxis, cols: PoolAxis) -> int | None:
    """VALID or SAME where TFLite's padding is the pool's, else None."""
    if rows.dilation != 1 or cols.dilation != 1:
        return None
    explicit = [rows.begin, rows.end, cols.begin, cols.end]
    if not any(explicit):
        return VALID
    same = [p for axis in (rows, cols) for p in same_padding(axis.size, axis.window, axis.stride, 1)]
    if explicit == same and all(axis.out == -(-axis.size // axis.stride) for axis in (rows, cols)):
        return SAME
    return None


def _counts(rows: PoolAxis, cols: PoolAxis) -> np.ndarray:
    """The number of input elements in each window, [1, out_h, out_w, 1]."""
    return (rows.counts()[:, None] * cols.counts()[None, :]).reshape(1, rows.out, cols.out, 1)


def _pool(e: OpLowering, operator: str, x: int, rows: PoolAxis, cols: PoolAxis, padding: int) -> int:
    n, _, _, c = e.writer.shape(x)
    return e.emit(operator, [x], [n, rows.out, cols.out, c], FLOAT32, e.options(
        "Pool2DOptions", padding=padding, strideH=rows.stride, strideW=cols.stride,
        filterHeight=rows.window, filterWidth=cols.window))


def _window_sums(e: OpLowering, x: int, rows: PoolAxis, cols: PoolAxis) -> int:
    """The sum of each window of ``x`` (zero padding): a depthwise convolution with ones."""
    n, _, _, c = e.writer.shape(x)
    padding = [rows.begin, rows.end, cols.begin, cols.end]
    x = pad_nhwc(e, x, padding) if any(padding) else x
    ones = e.constant(np.ones((1, rows.window, cols.window, c), np.float32), FLOAT32)
    zeros = e.constant(np.zeros(c, np.float32), FLOAT32)
    return e.emit("DEPTHWISE_CONV_2D", [x, ones, zeros], [n, rows.out, cols.out, c], FLOAT32, e.options(
        "DepthwiseConv2DOptions", padding=VALID, strideH=rows.stride, strideW=cols.stride, depthMultiplier=1,
        dilationHFactor=rows.dilation, dilationWFactor=cols.dilation))


#: binary operator -> its options table
_BINARY_OPTIONS = {"DIV": "DivOptions", "MUL": "MulOptions"}
#: The integer types max_pool2d takes (those of PADV2, STRIDED_SLICE, MAXIMUM and SELECT_V2).
_MAX_INTS = frozenset({"int8", "uint8", "int32", "int64"})


def _binary(e: OpLowering, operator: str, a: int, b: int) -> int:
    return e.emit(operator, [a, b], e.writer.shape(a), FLOAT32, e.options(_BINARY_OPTIONS[operator]))


@lowering("average_pool2d", types=FLOATS)
def average_pool2d(e: OpLowering) -> int:
    rows, cols = _axes(e)
    x = e.input("input")
    padding = _tflite_padding(rows, cols)
    if padding is not None:
        return _pool(e, "AVERAGE_POOL_2D", x, rows, cols, padding)
    sums = _window_sums(e, x, rows, cols)
    counts = _counts(rows, cols)
    return _binary(e, "DIV", sums, e.constant(np.maximum(counts, 1).astype(np.float32), FLOAT32))


@lowering("l2_pool2d", types=FLOATS)
def l2_pool2d(e: OpLowering) -> int:
    rows, cols = _axes(e)
    x = e.input("input")
    sums = _window_sums(e, _binary(e, "MUL", x, x), rows, cols)
    return e.emit("SQRT", [sums], e.writer.shape(sums), FLOAT32)


@lowering("max_pool2d", types=FLOATS | _MAX_INTS)
def max_pool2d(e: OpLowering) -> int:
    rows, cols = _axes(e)
    x = e.input("input")
    tensor_type = e.out_type()
    dtype = numpy_of(tensor_type)
    padding = _tflite_padding(rows, cols)
    if padding is None or tensor_type != FLOAT32:
        lowest = np.asarray(-np.inf if tensor_type == FLOAT32 else np.iinfo(dtype).min, dtype).reshape(1)
        x = _pad(e, x, [rows.begin, rows.end, cols.begin, cols.end], e.constant(lowest, tensor_type))
    if tensor_type == FLOAT32 and rows.dilation == 1 and cols.dilation == 1:
        y = _pool(e, "MAX_POOL_2D", x, rows, cols, VALID if padding is None else padding)
    else:
        y = _tap_max(e, x, rows, cols)
    if tensor_type == FLOAT32:
        y = _with_nans(e, e.input("input"), y, rows, cols)
    counts = _counts(rows, cols)
    if counts.all():
        return y
    empty = e.constant(counts > 0, BOOL)
    zero = e.constant(np.zeros(1, dtype), tensor_type)
    return e.emit("SELECT_V2", [empty, y, zero], e.writer.shape(y), tensor_type)


def _with_nans(e: OpLowering, x: int, y: int, rows: PoolAxis, cols: PoolAxis) -> int:
    """``y``, the maxima of the windows of ``x``, with NaN where a window holds a NaN (as IEEE
    754-2019's maximum gives; TFLite's kernels skip NaNs): the window sums of x != x."""
    shape = e.writer.shape(x)
    nans = e.emit("CAST", [e.emit("NOT_EQUAL", [x, x], shape, BOOL)], shape, FLOAT32)
    zero = e.constant(np.zeros(1, np.float32), FLOAT32)
    found = e.emit("GREATER", [_window_sums(e, nans, rows, cols), zero], e.writer.shape(y), BOOL)
    nan = e.constant(np.full(1, np.nan, np.float32), FLOAT32)
    return e.emit("SELECT_V2", [found, nan, y], e.writer.shape(y), FLOAT32)


def _pad(e: OpLowering, x: int, padding: list[int], value: int) -> int:
    """``x`` (NHWC) padded on its spatial axes by [begin_h, end_h, begin_w, end_w] with the
    one-element tensor ``value``."""
    if not any(padding):
        return x
    n, h, w, c = e.writer.shape(x)
    pads = e.i32([[0, 0], padding[:2], padding[2:], [0, 0]])
    shape = [n, h + padding[0] + padding[1], w + padding[2] + padding[3], c]
    return e.emit("PADV2", [x, pads, value], shape, e.writer.type(x))


def _tap_max(e: OpLowering, x: int, rows: PoolAxis, cols: PoolAxis) -> int:
    """The maximum over the window taps of ``x`` (padded) of one strided slice per tap (for
    dilations, and integers, which MAX_POOL_2D lacks)."""
    n, _, _, c = e.writer.shape(x)
    tensor_type = e.writer.type(x)
    shape = [n, rows.out, cols.out, c]
    strides = e.i32([1, rows.stride, cols.stride, 1])
    y = -1
    for i in range(rows.window):
        for j in range(cols.window):
            top, left = i * rows.dilation, j * cols.dilation
            begin = [0, top, left, 0]
            end = [n, top + (rows.out - 1) * rows.stride + 1, left + (cols.out - 1) * cols.stride + 1, c]
            tap = e.emit("STRIDED_SLICE", [x, e.i32(begin), e.i32(end), strides], shape, tensor_type,
                         e.options("StridedSliceOptions"))
            y = tap if y < 0 else e.emit("MAXIMUM", [y, tap], shape, tensor_type,
                                         e.options("MaximumMinimumOptions"))
    return y
