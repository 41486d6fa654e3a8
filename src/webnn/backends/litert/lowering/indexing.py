"""LiteRT lowerings: gather, gather_elements, gather_nd, scatter_elements, scatter_nd.

Indices (int32, uint32 as int64, int64) are normalized first, as the spec does: clamped to
[-size, size - 1], then negatives counted from the end (FLOOR_MOD by the size), and made int32
(a constant when the indices are one).  Every op then reads or writes rows of the input seen
as a matrix:

* gather is a GATHER along its axis;
* gather_elements GATHERs the flattened input at flat positions: the index times its axis'
  stride, plus the (constant) offset of every other coordinate;
* gather_nd GATHERs rows of [prod(shape[:k]), prod(shape[k:])] at the coordinates' row numbers;
* the scatters find, for each row of the output, the last update that targets it (an
  UNSORTED_SEGMENT_MAX of the updates' positions, segmented by their target rows: the spec's
  "last one wins"), GATHER that update, and SELECT_V2 it where there is one, else the input's
  row.  Nothing is added, so every value is moved bit for bit.

uint32 / uint64 data move as int32 / int64 (GATHER lacks them).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from ..types import BOOL, INT32, INT64, SPEC, UINT32
from . import LoweringError, OpLowering, lowering
from .shape import movable, reshaped, result

#: The largest number of rows an int32 position addresses.
_MAX_ROWS = 2**31 - 1


def _strides(shape: Sequence[int]) -> np.ndarray:
    """Row-major strides (in elements) of ``shape``."""
    return np.asarray([math.prod(shape[d + 1:]) for d in range(len(shape))], np.int64)


def _check_rows(e: OpLowering, rows: int) -> None:
    if rows > _MAX_ROWS:
        raise LoweringError(f"{e.label}: {rows} rows are more than int32 positions address")


def normalized(e: OpLowering, name: str, sizes: int | Sequence[int]) -> int:
    """The int32 tensor of indices ``name`` into dimensions of ``sizes`` (one size, or one per
    item of the indices' last dimension): negatives counted from the end, clamped in range."""
    bound = np.asarray(sizes, np.int64)
    value = e.constant_value(name)
    if value is not None:
        given = value.astype(np.int64)
        return e.i32(np.clip(np.where(given < 0, given + bound, given), 0, bound - 1))
    index = e.input(name)
    if e.writer.type(index) == UINT32:
        index = e.cast(index, INT64)
    shape, tensor_type = e.writer.shape(index), e.writer.type(index)
    index = e.emit("MAXIMUM", [index, e.constant(-bound, tensor_type)], shape, tensor_type)
    index = e.emit("MINIMUM", [index, e.constant(bound - 1, tensor_type)], shape, tensor_type)
    index = e.emit("FLOOR_MOD", [index, e.constant(bound, tensor_type)], shape, tensor_type)
    return e.cast(index, INT32)


def _affine(e: OpLowering, index: int, scale: int, offset: np.ndarray | None) -> int:
    """``index * scale + offset`` (int32)."""
    shape = e.writer.shape(index)
    if scale != 1:
        index = e.emit("MUL", [index, e.i32(scale)], shape, INT32, e.options("MulOptions"))
    if offset is not None and offset.any():
        index = e.emit("ADD", [index, e.i32(offset)], shape, INT32, e.options("AddOptions"))
    return index


def _rows(e: OpLowering, input_shape: Sequence[int]) -> int:
    """The row numbers (int32, of shape indices.shape[:-1]) of the coordinates in ``indices``,
    into the input seen as [prod(shape[:k]), prod(shape[k:])]."""
    indices_shape = e.desc("indices").shape
    k = indices_shape[-1]
    _check_rows(e, math.prod(input_shape[:k]))
    if k == 0:
        return e.i32(np.zeros(indices_shape[:-1], np.int32))
    coordinates = normalized(e, "indices", input_shape[:k])
    if k == 1:
        return reshaped(e, coordinates, indices_shape[:-1])
    weighted = e.emit("MUL", [coordinates, e.i32(_strides(input_shape[:k]))], indices_shape, INT32,
                      e.options("MulOptions"))
    return e.emit("SUM", [weighted, e.i32([len(indices_shape) - 1])], indices_shape[:-1], INT32,
                  e.options("ReducerOptions", keepDims=False))


def _flat_positions(e: OpLowering) -> int:
    """The flat position in the input of each element ``gather_elements`` / ``scatter_elements``
    addresses (int32, of the indices' shape)."""
    shape, axis = e.desc("input").shape, int(e.attrs["axis"])
    indices_shape = e.desc("indices").shape
    _check_rows(e, math.prod(shape))
    strides = _strides(shape)
    grid = np.indices(indices_shape, sparse=True)
    offset = sum((grid[d] * strides[d] for d in range(len(shape)) if d != axis), np.zeros((), np.int64))
    offset = np.broadcast_to(offset, indices_shape)
    return _affine(e, normalized(e, "indices", shape[axis]), int(strides[axis]), offset)


def _gather_rows(e: OpLowering, table: int, rows: int) -> int:
    """Rows ``rows`` of ``table`` (GATHER along its first axis)."""
    shape = [*e.writer.shape(rows), *e.writer.shape(table)[1:]]
    return e.emit("GATHER", [table, rows], shape, e.writer.type(table), e.options("GatherOptions", axis=0))


def _scatter_rows(e: OpLowering, table: int, updates: int, targets: int) -> int:
    """``table`` [R, S] with row targets[i] replaced by row i of ``updates`` [N, S] (the last i
    where several target one row)."""
    rows, count = e.writer.shape(table)[0], e.writer.shape(updates)[0]
    positions = e.i32(np.arange(count))
    last = e.emit("UNSORTED_SEGMENT_MAX", [positions, targets, e.i32([rows])], [rows], INT32)
    updated = e.emit("GREATER_EQUAL", [last, e.i32(0)], [rows], BOOL)
    picked = _gather_rows(e, updates, e.emit("MAXIMUM", [last, e.i32(0)], [rows], INT32))
    return e.emit("SELECT_V2", [reshaped(e, updated, [rows, 1]), picked, table], e.writer.shape(table),
                  e.writer.type(table))


@lowering("gather", types=SPEC, widen=False)
def gather(e: OpLowering) -> int:
    axis = int(e.attrs["axis"])
    x = movable(e, e.input("input"))
    index = normalized(e, "indices", e.desc("input").shape[axis])
    return result(e, e.emit("GATHER", [x, index], e.out().shape, e.writer.type(x),
                             e.options("GatherOptions", axis=axis)))


@lowering("gather_elements", types=SPEC, widen=False)
def gather_elements(e: OpLowering) -> int:
    x = movable(e, e.input("input"))
    flat = reshaped(e, x, [math.prod(e.desc("input").shape)])
    return result(e, _gather_rows(e, flat, _flat_positions(e)))


@lowering("gather_nd", types=SPEC, widen=False)
def gather_nd(e: OpLowering) -> int:
    shape, k = e.desc("input").shape, e.desc("indices").shape[-1]
    table = reshaped(e, movable(e, e.input("input")), [math.prod(shape[:k]), math.prod(shape[k:])])
    return result(e, _gather_rows(e, table, _rows(e, shape)))


@lowering("scatter_elements", types=SPEC, widen=False)
def scatter_elements(e: OpLowering) -> int:
    size, count = math.prod(e.desc("input").shape), math.prod(e.desc("indices").shape)
    table = reshaped(e, movable(e, e.input("input")), [size, 1])
    updates = reshaped(e, movable(e, e.input("updates")), [count, 1])
    targets = reshaped(e, _flat_positions(e), [count])
    return result(e, _scatter_rows(e, table, updates, targets))


@lowering("scatter_nd", types=SPEC, widen=False)
def scatter_nd(e: OpLowering) -> int:
    shape, indices_shape = e.desc("input").shape, e.desc("indices").shape
    k = indices_shape[-1]
    width, count = math.prod(shape[k:]), math.prod(indices_shape[:-1])
    table = reshaped(e, movable(e, e.input("input")), [math.prod(shape[:k]), width])
    updates = reshaped(e, movable(e, e.input("updates")), [count, width])
    targets = reshaped(e, _rows(e, shape), [count])
    return result(e, _scatter_rows(e, table, updates, targets))
