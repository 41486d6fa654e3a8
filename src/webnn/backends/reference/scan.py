"""Reference kernels: cumulative_sum."""

from __future__ import annotations

import numpy as np

from .registry import kernel, upcast


@kernel("cumulative_sum")
def cumulative_sum(input: np.ndarray, axis: int, exclusive: bool, reversed: bool) -> np.ndarray:
    x = upcast(input)
    if reversed:
        x = np.flip(x, axis)
    total = np.cumsum(x, axis=axis, dtype=x.dtype)
    if exclusive:
        zero_shape = list(x.shape)
        zero_shape[axis] = 1
        previous = np.take(total, np.arange(x.shape[axis] - 1), axis=axis)
        total = np.concatenate([np.zeros(zero_shape, x.dtype), previous], axis=axis)
    if reversed:
        total = np.flip(total, axis)
    return total
