"""Reference kernels: gather, gather_elements, gather_nd, scatter_elements, scatter_nd.

An index ``i`` into a dimension of size ``n`` counts from the end when negative
and is then clamped to ``[0, n - 1]``; scatters with repeated targets keep the
update that comes last in row-major order of the indices.
"""

from __future__ import annotations

import math

import numpy as np

from .registry import kernel


def _normalize(indices: np.ndarray, size: int | np.ndarray) -> np.ndarray:
    """``indices`` as int64, negative ones counted from the end, clamped to ``[0, size)``."""
    idx = indices.astype(np.int64)
    idx = np.where(idx < 0, idx + size, idx)
    return np.clip(idx, 0, np.asarray(size, np.int64) - 1)


def _coordinates_to_rows(input_shape: tuple[int, ...], indices: np.ndarray) -> np.ndarray:
    """Row numbers (into ``input`` viewed as ``prod(shape[:k]) x prod(shape[k:])``) of the
    coordinates held in the last dimension of ``indices``; shape ``indices.shape[:-1]``."""
    k = indices.shape[-1]
    coords = _normalize(indices, np.asarray(input_shape[:k], np.int64))
    rows = np.zeros(indices.shape[:-1], np.int64)
    for d in range(k):
        rows = rows * input_shape[d] + coords[..., d]
    return rows


def _last_wins(targets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct values of the 1-D ``targets`` and, for each, the position of its last occurrence."""
    unique, first_in_reversed = np.unique(targets[::-1], return_index=True)
    return unique, targets.size - 1 - first_in_reversed


@kernel("gather")
def gather(input: np.ndarray, indices: np.ndarray, axis: int) -> np.ndarray:
    return np.take(input, _normalize(indices, input.shape[axis]), axis=axis)


@kernel("gather_elements")
def gather_elements(input: np.ndarray, indices: np.ndarray, axis: int) -> np.ndarray:
    return np.take_along_axis(input, _normalize(indices, input.shape[axis]), axis=axis)


@kernel("gather_nd")
def gather_nd(input: np.ndarray, indices: np.ndarray) -> np.ndarray:
    k = indices.shape[-1]
    rows = _coordinates_to_rows(input.shape, indices)
    table = input.reshape(math.prod(input.shape[:k]), math.prod(input.shape[k:]))
    return table[rows].reshape(indices.shape[:-1] + input.shape[k:])


@kernel("scatter_elements")
def scatter_elements(
    input: np.ndarray, indices: np.ndarray, updates: np.ndarray, axis: int
) -> np.ndarray:
    idx = _normalize(indices, input.shape[axis])
    grid = np.indices(indices.shape, sparse=True)
    flat_target = np.zeros((1,) * indices.ndim, np.int64)
    for d, size in enumerate(input.shape):
        flat_target = flat_target * size + (idx if d == axis else grid[d])
    targets, sources = _last_wins(flat_target.reshape(-1))
    output = input.copy()
    output.reshape(-1)[targets] = updates.reshape(-1)[sources]
    return output


@kernel("scatter_nd")
def scatter_nd(input: np.ndarray, indices: np.ndarray, updates: np.ndarray) -> np.ndarray:
    k = indices.shape[-1]
    slice_size = math.prod(input.shape[k:])
    targets, sources = _last_wins(_coordinates_to_rows(input.shape, indices).reshape(-1))
    output = input.copy()
    output.reshape(-1, slice_size)[targets] = updates.reshape(-1, slice_size)[sources]
    return output
