"""Gathers and scatters: MIL's gather, gather_along_axis, gather_nd, scatter_along_axis and
scatter_nd ("update").  The spec's indices may count from the end (negative) and are clamped to
the dimension; MIL's iOS 17 ops take only indices in range, so indices are normalized first (a
constant once, here).  int32 indices only (MIL has no int64 or uint32 tensors)."""

from __future__ import annotations

from typing import Any

import numpy as np

from . import ALL, OpLowering, lowering


def _normalized(e: OpLowering, name: str, sizes: Any) -> Any:
    """Indices ``name``, negative ones counted from the end of ``sizes`` (an int or an int array
    broadcast along the last axis), clamped to [0, size)."""
    limits = np.asarray(sizes, dtype=np.int64)
    value = e.constant_value(name)
    if value is not None:
        idx = value.astype(np.int64)
        idx = np.clip(np.where(idx < 0, idx + limits, idx), 0, limits - 1)
        return e.const(idx.astype(np.int32), "int32")
    mb, idx = e.mb, e.input(name)
    size = e.const(limits.astype(np.int32), "int32")
    idx = mb.select(cond=mb.less(x=idx, y=e.const(0, "int32")), a=mb.add(x=idx, y=size), b=idx)
    top = e.const((limits - 1).astype(np.int32), "int32")
    return mb.maximum(x=mb.minimum(x=idx, y=top), y=e.const(0, "int32"))


@lowering("gather", types=ALL)
def gather(e: OpLowering) -> Any:
    axis = int(e.attrs["axis"])
    indices = _normalized(e, "indices", e.desc("input").shape[axis])
    return e.cast(e.mb.gather(x=e.wide("input"), indices=indices, axis=axis), e.mil_type())


@lowering("gather_elements", types=ALL)
def gather_elements(e: OpLowering) -> Any:
    axis = int(e.attrs["axis"])
    indices = _normalized(e, "indices", e.desc("input").shape[axis])
    return e.cast(e.mb.gather_along_axis(x=e.wide("input"), indices=indices, axis=axis), e.mil_type())


@lowering("gather_nd", types=ALL)
def gather_nd(e: OpLowering) -> Any:
    k = e.desc("indices").shape[-1]
    indices = _normalized(e, "indices", e.desc("input").shape[:k])
    return e.cast(e.mb.gather_nd(x=e.wide("input"), indices=indices), e.mil_type())


@lowering("scatter_elements", types=ALL)
def scatter_elements(e: OpLowering) -> Any:
    axis = int(e.attrs["axis"])
    indices = _normalized(e, "indices", e.desc("input").shape[axis])
    result = e.mb.scatter_along_axis(data=e.wide("input"), indices=indices, updates=e.wide("updates"), axis=axis,
                                     mode="update")
    return e.cast(result, e.mil_type())


@lowering("scatter_nd", types=ALL)
def scatter_nd(e: OpLowering) -> Any:
    k = e.desc("indices").shape[-1]
    indices = _normalized(e, "indices", e.desc("input").shape[:k])
    result = e.mb.scatter_nd(data=e.wide("input"), indices=indices, updates=e.wide("updates"), mode="update")
    return e.cast(result, e.mil_type())
