"""ONNX lowerings: gather, gather_elements, gather_nd, scatter_elements, scatter_nd.

WebNN indices never fail: a negative index counts from the end and the result
is clamped to the dimension.  ONNX's gathers and scatters take indices in
[-n, n - 1] (negative ones counting from the end) and fail outside it, so the
indices are first clipped to [-n, n - 1]: an index below -n then stands for
-n, i.e. 0, and one above n - 1 for n - 1, which is exactly WebNN's clamping.
Indices that are graph constants are normalized here, in NumPy, instead.

uint32 indices are cast to int64 (ONNX takes int32 / int64 only; GatherND and
ScatterND take int64 only).  Repeated scatter targets: ONNX Runtime's
ScatterElements writes the updates one by one in row-major order, so the last
one wins as WebNN requires; its ScatterND copies slices in parallel, so
scatter_nd with several coordinates goes through ScatterElements on a
[rows, slice] view of the input.
"""

from __future__ import annotations

import math

import numpy as np

from ....ir import Operation
from ..emitter import OpEmitter
from . import lowering


def _constant_indices(e: OpEmitter) -> np.ndarray | None:
    array = e.constant_value("indices")
    return None if array is None else np.asarray(array).astype(np.int64)


def _normalize(indices: np.ndarray, size: int | np.ndarray) -> np.ndarray:
    """WebNN's index rule in NumPy: from the end when negative, then clamped to [0, size)."""
    size = np.asarray(size, np.int64)
    return np.clip(np.where(indices < 0, indices + size, indices), 0, size - 1)


def _index_value(e: OpEmitter, wide: bool) -> tuple[str, str]:
    """The op's indices as an ONNX value and its type: int32 stays int32 unless ``wide``;
    uint32 (and int32 when ``wide``) becomes int64."""
    indices = e.input("indices")
    data_type = e.input_desc("indices").data_type
    if data_type == "int64" or (data_type == "int32" and not wide):
        return indices, data_type
    return e.cast(indices, "int64"), "int64"


def _clip(e: OpEmitter, indices: str, index_type: str, size: int, unsigned: bool) -> str:
    """``indices`` clipped to [-size, size - 1] (just the top for unsigned sources)."""
    low = None if unsigned else e.const(-size, index_type)
    return e.node("Clip", [indices, low, e.const(size - 1, index_type)])


def _clip_per_dimension(e: OpEmitter, indices: str, sizes: tuple[int, ...], unsigned: bool) -> str:
    """int64 coordinates in the last dimension of ``indices`` clipped to [-n, n - 1], n its size."""
    if len(set(sizes)) == 1:
        return _clip(e, indices, "int64", sizes[0], unsigned)
    if not unsigned:
        indices = e.node("Max", [indices, e.i64([-n for n in sizes])])
    return e.node("Min", [indices, e.i64([n - 1 for n in sizes])])


# --------------------------------------------------------------------------- gathers


def _axis_indices(e: OpEmitter, size: int) -> str:
    """The indices into an axis of ``size`` elements, made non-negative and clamped into range
    (in NumPy when they are a graph constant)."""
    constant = _constant_indices(e)
    if constant is not None:
        return e.constant(_normalize(constant, size), "int64")
    indices, index_type = _index_value(e, wide=False)
    return _clip(e, indices, index_type, size, e.input_desc("indices").data_type == "uint32")


_GATHERS = {"gather": "Gather", "gather_elements": "GatherElements"}


@lowering(*_GATHERS)
def gather(e: OpEmitter, op: Operation) -> str:
    """Gather / GatherElements along ``axis``, with the indices clamped into range first."""
    axis = op.attrs["axis"]
    indices = _axis_indices(e, e.input_desc("input").shape[axis])
    return e.node(_GATHERS[op.type], [e.input("input"), indices], axis=axis)


@lowering("gather_nd")
def gather_nd(e: OpEmitter, op: Operation) -> str:
    shape = e.input_desc("input").shape
    k = e.input_desc("indices").shape[-1]
    constant = _constant_indices(e)
    if constant is not None:
        indices = e.constant(_normalize(constant, np.asarray(shape[:k])), "int64")
    else:
        indices, _ = _index_value(e, wide=True)
        indices = _clip_per_dimension(e, indices, shape[:k], e.input_desc("indices").data_type == "uint32")
    return e.node("GatherND", [e.input("input"), indices])


# --------------------------------------------------------------------------- scatters


@lowering("scatter_elements")
def scatter_elements(e: OpEmitter, op: Operation) -> str:
    axis = op.attrs["axis"]
    indices = _axis_indices(e, e.input_desc("input").shape[axis])
    # Sequential writes in row-major order of the indices: the last update wins.
    return e.node("ScatterElements", [e.input("input"), indices, e.input("updates")], axis=axis)


@lowering("scatter_nd")
def scatter_nd(e: OpEmitter, op: Operation) -> str:
    x, updates = e.input("input"), e.input("updates")
    shape = e.input_desc("input").shape
    indices_shape = e.input_desc("indices").shape
    k = indices_shape[-1]
    count = math.prod(indices_shape[:-1])  # coordinates
    slice_size = math.prod(shape[k:])
    constant = _constant_indices(e)

    if constant is not None:
        # Keep only the last update of each target: ScatterND then has distinct targets.
        coords = _normalize(constant.reshape(count, k), np.asarray(shape[:k]))
        rows = np.ravel_multi_index(tuple(coords.T), shape[:k])
        _, first_in_reversed = np.unique(rows[::-1], return_index=True)
        winners = np.sort(count - 1 - first_in_reversed)
        if len(winners) == count:
            indices = e.constant(coords.reshape(indices_shape), "int64")
            return e.node("ScatterND", [x, indices, updates])
        flat_updates = e.node("Reshape", [updates, e.i64([count, slice_size])])
        kept = e.node("Gather", [flat_updates, e.constant(winners.astype(np.int64), "int64")], axis=0)
        kept = e.node("Reshape", [kept, e.i64([len(winners), *shape[k:]])])
        return e.node("ScatterND", [x, e.constant(coords[winners], "int64"), kept])

    indices, _ = _index_value(e, wide=True)
    unsigned = e.input_desc("indices").data_type == "uint32"
    indices = _clip_per_dimension(e, indices, shape[:k], unsigned)
    if count == 1:
        return e.node("ScatterND", [x, indices, updates])  # a single target: no race

    # Row numbers of the targets in the input viewed as [rows, slice_size].  A single
    # coordinate may stay negative (ScatterElements counts it from the end of the rows);
    # several are brought into [0, n) first.
    if k > 1:
        if not unsigned:
            indices = e.node("Mod", [indices, e.i64(list(shape[:k]))])
        strides = [math.prod(shape[d + 1:k]) for d in range(k)]
        indices = e.node("Mul", [indices, e.i64(strides)])
        rows = e.node("ReduceSum", [indices, e.i64([-1])], keepdims=0)
    else:
        rows = indices
    rows = e.node("Reshape", [rows, e.i64([count, 1])])
    if slice_size > 1:
        rows = e.node("Expand", [rows, e.i64([count, slice_size])])
    table = e.node("Reshape", [x, e.i64([math.prod(shape[:k]), slice_size])])
    flat_updates = e.node("Reshape", [updates, e.i64([count, slice_size])])
    out = e.node("ScatterElements", [table, rows, flat_updates], axis=0)
    return e.node("Reshape", [out, e.i64(list(shape))])
