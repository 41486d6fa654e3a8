"""Reference kernels: shape and data-movement ops."""

from __future__ import annotations

from typing import Any

import numpy as np

from .registry import kernel, upcast


@kernel("reshape")
def reshape(input: np.ndarray, new_shape: tuple[int, ...]) -> np.ndarray:
    return input.reshape(new_shape)


@kernel("expand")
def expand(input: np.ndarray, new_shape: tuple[int, ...]) -> np.ndarray:
    return np.broadcast_to(input, new_shape)


@kernel("transpose")
def transpose(input: np.ndarray, permutation: tuple[int, ...]) -> np.ndarray:
    return np.transpose(input, permutation)


@kernel("concat")
def concat(inputs: list[np.ndarray], axis: int) -> np.ndarray:
    return np.concatenate(inputs, axis=axis)


@kernel("split")
def split(input: np.ndarray, splits: tuple[int, ...], axis: int) -> list[np.ndarray]:
    bounds = np.cumsum(splits)[:-1]
    return list(np.split(input, bounds, axis=axis))


@kernel("slice")
def slice_(
    input: np.ndarray, starts: tuple[int, ...], sizes: tuple[int, ...], strides: tuple[int, ...]
) -> np.ndarray:
    index = tuple(slice(b, b + n, s) for b, n, s in zip(starts, sizes, strides))
    return input[index]


_NUMPY_PAD_MODES: dict[str, Any] = {"edge": "edge", "reflection": "reflect"}


@kernel("pad")
def pad(
    input: np.ndarray,
    beginning_padding: tuple[int, ...],
    ending_padding: tuple[int, ...],
    mode: str,
    value: int | float,
) -> np.ndarray:
    if input.ndim == 0:
        return input
    widths = tuple(zip(beginning_padding, ending_padding))
    if mode == "constant":
        fill = np.asarray(value).astype(input.dtype)
        return np.pad(input, widths, mode="constant", constant_values=fill)
    return np.pad(input, widths, mode=_NUMPY_PAD_MODES[mode])


@kernel("tile")
def tile(input: np.ndarray, repetitions: tuple[int, ...]) -> np.ndarray:
    return np.tile(input, repetitions)


@kernel("reverse")
def reverse(input: np.ndarray, axes: tuple[int, ...]) -> np.ndarray:
    flip = set(axes)
    return input[tuple(slice(None, None, -1) if d in flip else slice(None) for d in range(input.ndim))]


@kernel("triangular")
def triangular(input: np.ndarray, upper: bool, diagonal: int) -> np.ndarray:
    rows, cols = input.shape[-2:]
    offset = np.arange(cols)[None, :] - np.arange(rows)[:, None]  # column - row
    keep = offset >= diagonal if upper else offset <= diagonal
    return np.where(keep, input, np.zeros((), input.dtype))


def _source_coordinates(in_size: int, out_size: int) -> np.ndarray:
    """The clamped input coordinate (float64) of each output coordinate, with half-pixel centres."""
    scale = out_size / in_size
    coords = (np.arange(out_size, dtype=np.float64) + 0.5) / scale - 0.5
    return np.clip(coords, 0.0, in_size - 1)


def _linear_along(x: np.ndarray, axis: int, out_size: int) -> np.ndarray:
    coords = _source_coordinates(x.shape[axis], out_size)
    lo = np.floor(coords).astype(np.intp)
    hi = np.ceil(coords).astype(np.intp)
    t = (coords - lo).astype(x.dtype)
    shape = [1] * x.ndim
    shape[axis] = out_size
    t = t.reshape(shape)
    return np.take(x, lo, axis=axis) * (1 - t) + np.take(x, hi, axis=axis) * t


@kernel("resample2d")
def resample2d(
    input: np.ndarray,
    mode: str,
    scales: tuple[float, float],
    sizes: tuple[int, int],
    axes: tuple[int, int],
) -> np.ndarray:
    # axes[0] is the spec's y, axes[1] its x: interpolate along x first, then along y.
    if mode == "nearest-neighbor":
        out = input
        for axis, size in zip(axes, sizes):
            coords = _source_coordinates(input.shape[axis], size)
            out = np.take(out, np.ceil(coords - 0.5).astype(np.intp), axis=axis)
        return out
    integer = input.dtype.kind in "iu"
    out = input.astype(np.float32) if integer else upcast(input)
    for axis, size in zip(axes[::-1], sizes[::-1]):
        out = _linear_along(out, axis, size)
    if integer:
        out = np.rint(out)
    return out
