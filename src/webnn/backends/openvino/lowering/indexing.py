"""OpenVINO lowerings: gather, gather_elements, gather_nd, scatter_elements, scatter_nd.

WebNN indices never fail: a negative index counts from the end and the result is clamped
to the dimension.  OpenVINO's gathers read zeros (Gather, GatherND) or fail (GatherElements)
outside the dimension, so every index is first brought into [0, n): ``i + n`` where ``i`` is
negative, then clamped.  Indices that are graph constants are normalized here, in NumPy.

The CPU plugin computes on int32 (and on uint32 as if its bits were int32): int32 indices
are normalized in int32; uint32 indices of 2**31 and more (negative as int32) are clamped to
the top through a test of the sign bit.  int64 indices are refused with the int64 type.

Repeated scatter targets: ScatterElementsUpdate writes the updates in row-major order, so the
last one wins as WebNN requires; ScatterNDUpdate leaves the order undefined, so scatter_nd
with several coordinates goes through ScatterElementsUpdate on a [rows, slice] view.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import openvino.opset16 as ops

from . import OpLowering, lowering
from .shape import MOVABLE


def _constant_indices(e: OpLowering) -> np.ndarray | None:
    array = e.graph.constants.get(e.op.inputs["indices"])  # type: ignore[arg-type]
    return None if array is None else np.asarray(array).astype(np.int64)


def _normalize_numpy(indices: np.ndarray, size: int | np.ndarray) -> np.ndarray:
    size = np.asarray(size, np.int64)
    return np.clip(np.where(indices < 0, indices + size, indices), 0, size - 1)


def _normalize(e: OpLowering, sizes: Any) -> Any:
    """The op's indices as int32 in [0, n), n the size (a number, or one per coordinate of the
    last dimension: a list)."""
    constant = _constant_indices(e)
    if constant is not None:
        return ops.constant(_normalize_numpy(constant, np.asarray(sizes)).astype(np.int32))
    indices = e.input("indices")
    n = np.asarray(sizes, np.int32)
    top = ops.constant(np.asarray(n - 1, np.int32))  # (NumPy 1 would make n - 1 an int64 scalar)
    if e.desc("indices").data_type == "uint32":
        signed = ops.convert(indices, "i32")  # the same bits
        negative = ops.less(signed, ops.constant(np.int32(0)))  # 2**31 and more: too large
        return ops.select(negative, top, ops.minimum(signed, top))
    shifted = ops.select(ops.less(indices, ops.constant(np.int32(0))), ops.add(indices, ops.constant(n)), indices)
    return ops.minimum(ops.maximum(shifted, ops.constant(np.int32(0))), top)


_TYPES = MOVABLE  # int64 (and uint64) data or indices are refused


@lowering("gather", types=_TYPES)
def gather(e: OpLowering) -> Any:
    axis = e.attrs["axis"]
    indices = _normalize(e, e.desc("input").shape[axis])
    return ops.gather(e.input("input"), indices, e.i64(axis))


@lowering("gather_elements", types=_TYPES)
def gather_elements(e: OpLowering) -> Any:
    axis = e.attrs["axis"]
    indices = _normalize(e, e.desc("input").shape[axis])
    return ops.gather_elements(e.input("input"), indices, axis)


@lowering("gather_nd", types=_TYPES)
def gather_nd(e: OpLowering) -> Any:
    shape = e.desc("input").shape
    k = e.desc("indices").shape[-1]
    indices = _normalize(e, list(shape[:k]))
    return ops.gather_nd(e.input("input"), indices, 0)


@lowering("scatter_elements", types=_TYPES)
def scatter_elements(e: OpLowering) -> Any:
    axis = e.attrs["axis"]
    indices = _normalize(e, e.desc("input").shape[axis])
    return ops.scatter_elements_update(e.input("input"), indices, e.input("updates"), e.i64(axis))


@lowering("scatter_nd", types=_TYPES)
def scatter_nd(e: OpLowering) -> Any:
    x, updates = e.input("input"), e.input("updates")
    shape = e.desc("input").shape
    indices_shape = e.desc("indices").shape
    k = indices_shape[-1]
    count = math.prod(indices_shape[:-1])
    slice_size = math.prod(shape[k:])
    constant = _constant_indices(e)
    if constant is not None:
        # Keep only the last update of each target: ScatterNDUpdate then has distinct targets.
        coords = _normalize_numpy(constant.reshape(count, k), np.asarray(shape[:k]))
        rows = np.ravel_multi_index(tuple(coords.T), shape[:k]) if k else np.zeros(count, np.int64)
        _, first_in_reversed = np.unique(rows[::-1], return_index=True)
        winners = np.sort(count - 1 - first_in_reversed)
        if len(winners) == count:
            return ops.scatter_nd_update(x, ops.constant(coords.reshape(indices_shape).astype(np.int32)), updates)
        flat = e.reshape(updates, [count, slice_size])
        kept = ops.gather(flat, ops.constant(winners.astype(np.int32)), e.i64(0))
        kept = e.reshape(kept, [len(winners), *shape[k:]])
        return ops.scatter_nd_update(x, ops.constant(coords[winners].astype(np.int32)), kept)

    indices = _normalize(e, list(shape[:k]))
    if count == 1:
        return ops.scatter_nd_update(x, indices, updates)  # a single target: no race
    # Row numbers of the targets in the input viewed as [rows, slice_size].
    if k > 1:
        parts = ops.split(indices, e.i64(-1), k)
        rows = parts.output(k - 1)
        for d in range(k - 1):  # int32 adds and products (ReduceSum would go through float)
            stride = ops.constant(np.int32(math.prod(shape[d + 1:k])))
            rows = ops.add(rows, ops.multiply(parts.output(d), stride))
    elif k == 1:
        rows = indices
    else:
        rows = ops.constant(np.zeros(indices_shape[:-1], np.int32))
    rows = e.reshape(rows, [count, 1])
    if slice_size > 1:
        rows = ops.broadcast(rows, e.i64([count, slice_size]))
    table = e.reshape(x, [math.prod(shape[:k]), slice_size])
    flat = e.reshape(updates, [count, slice_size])
    out = ops.scatter_elements_update(table, rows, flat, e.i64(0))
    return e.reshape(out, list(shape))
