"""Pools: MIL's avg_pool (padding excluded from the average, as the spec counts only the input's
elements), max_pool and l2_pool, NCHW, explicit padding.  The end padding is what the output size
reaches (:func:`webnn.backends.geometry.pool_axes`), so no "ceil" rounding is needed; a window
walk that would make more outputs than the spec's is cut to them.  MIL's pools have no dilations:
dilated pools are refused."""

from __future__ import annotations

from typing import Any

from ...geometry import pool_axes
from . import FLOATS, OpLowering, lowering


def _pool(e: OpLowering, method: str, **options: Any) -> Any:
    attrs = e.attrs
    if attrs["layout"] != "nchw":
        raise AssertionError("pools: the pipeline leaves NCHW")
    if any(d != 1 for d in attrs["dilations"]):
        raise e.refuse(f"dilations {list(attrs['dilations'])} (MIL's pools have none)")
    shape = e.desc("input").shape
    padding = attrs["padding"]
    rows, cols = pool_axes(shape[2:], attrs, (padding[0], padding[2]))
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
