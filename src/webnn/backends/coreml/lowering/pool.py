"""Pools: MIL's avg_pool (padding excluded from the average, as the spec counts only the input's
elements), max_pool and l2_pool, NCHW, explicit padding.  The end padding is what the output size
reaches (:func:`webnn.backends.geometry.pool_axes`), so no "ceil" rounding is needed; a window
walk that would make more outputs than the spec's is cut to them.  MIL's pools have no dilations:
a dilated pool takes each of its window's taps as a strided slice of the padded input and
combines them (the maximum, or the sum divided by the taps on the input / its square root)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ...geometry import PoolAxis, pool_axes
from . import FLOATS, OpLowering, lowering
from .elementwise import nan_aware_max


def _pool(e: OpLowering, method: str, **options: Any) -> Any:
    attrs = e.attrs
    if attrs["layout"] != "nchw":
        raise AssertionError("pools: the pipeline leaves NCHW")
    shape = e.desc("input").shape
    padding = attrs["padding"]
    rows, cols = pool_axes(shape[2:], attrs, (padding[0], padding[2]))
    if rows.dilation != 1 or cols.dilation != 1:
        return _dilated(e, method, rows, cols)
    y = getattr(e.mb, method)(
        x=e.input("input"), kernel_sizes=[rows.window, cols.window], strides=[rows.stride, cols.stride],
        pad_type="custom", pad=[rows.begin, rows.end, cols.begin, cols.end], **options)
    if tuple(y.shape) != e.out().shape:
        y = e.mb.slice_by_index(x=y, begin=[0, 0, 0, 0], end=list(e.out().shape))
    return y


@lowering("average_pool2d", types=FLOATS)
def average_pool2d(e: OpLowering) -> Any:
    return _pool(e, "avg_pool", exclude_padding_from_average=True)


@lowering("max_pool2d", types=FLOATS)
def max_pool2d(e: OpLowering) -> Any:
    return _pool(e, "max_pool")


@lowering("l2_pool2d", types=FLOATS)
def l2_pool2d(e: OpLowering) -> Any:
    return _pool(e, "l2_pool")


def _dilated(e: OpLowering, method: str, rows: PoolAxis, cols: PoolAxis) -> Any:
    mb, x = e.mb, e.input("input")
    n, c = (int(d) for d in x.shape[:2])
    if method == "l2_pool":
        x = mb.mul(x=x, y=x)
    fill = -float("inf") if method == "max_pool" else 0.0
    padded = mb.pad(x=x, pad=[rows.begin, rows.end, cols.begin, cols.end], mode="constant",
                    constant_val=np.dtype({"fp32": np.float32, "fp16": np.float16}[e.mil_type()]).type(fill))
    result = None
    for i in range(rows.window):
        for j in range(cols.window):
            top, left = i * rows.dilation, j * cols.dilation
            tap = mb.slice_by_index(x=padded, begin=[0, 0, top, left],
                                    end=[n, c, top + (rows.out - 1) * rows.stride + 1,
                                         left + (cols.out - 1) * cols.stride + 1],
                                    stride=[1, 1, rows.stride, cols.stride])
            if result is None:
                result = tap
            elif method == "max_pool":
                result = nan_aware_max(e, result, tap)
            else:
                result = mb.add(x=result, y=tap)
    if method == "max_pool":
        return result
    if method == "l2_pool":
        return mb.sqrt(x=result)
    counts = (rows.counts()[:, None] * cols.counts()[None, :]).astype(np.float64)
    return mb.real_div(x=result, y=e.const(counts, e.mil_type()))
