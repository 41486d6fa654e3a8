"""Reference kernels: normalization ops.

All three compute ``scale * (x - mean) / sqrt(variance + epsilon) + bias``; float16
inputs compute in float32.  Instance and layer normalization compute the mean and the
variance (the mean of the squared deviations) over the normalized axes.
"""

from __future__ import annotations

import numpy as np

from .registry import kernel, upcast


def _along(v: np.ndarray, axis: int, rank: int) -> np.ndarray:
    """A 1-D array reshaped to broadcast along ``axis`` of a rank-``rank`` tensor."""
    shape = [1] * rank
    shape[axis] = v.shape[0]
    return upcast(v).reshape(shape)


def _normalize(
    x: np.ndarray, mean: np.ndarray, variance: np.ndarray, epsilon: float,
    scale: np.ndarray | None, bias: np.ndarray | None,
) -> np.ndarray:
    y = (x - mean) / np.sqrt(variance + x.dtype.type(epsilon))
    if scale is not None:
        y = scale * y
    if bias is not None:
        y = y + bias
    return y


def _moments(x: np.ndarray, axes: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    mean = np.mean(x, axis=axes, keepdims=True, dtype=x.dtype)
    deviation = x - mean
    variance = np.mean(deviation * deviation, axis=axes, keepdims=True, dtype=x.dtype)
    return mean, variance


@kernel("batch_normalization")
def batch_normalization(
    input: np.ndarray, mean: np.ndarray, variance: np.ndarray,
    scale: np.ndarray | None, bias: np.ndarray | None, axis: int, epsilon: float,
) -> np.ndarray:
    rank = input.ndim
    return _normalize(
        upcast(input), _along(mean, axis, rank), _along(variance, axis, rank), epsilon,
        None if scale is None else _along(scale, axis, rank),
        None if bias is None else _along(bias, axis, rank),
    )


@kernel("instance_normalization")
def instance_normalization(
    input: np.ndarray, scale: np.ndarray | None, bias: np.ndarray | None,
    epsilon: float, layout: str,
) -> np.ndarray:
    x = upcast(input)
    channel, spatial = (1, (2, 3)) if layout == "nchw" else (3, (1, 2))
    mean, variance = _moments(x, spatial)
    return _normalize(
        x, mean, variance, epsilon,
        None if scale is None else _along(scale, channel, 4),
        None if bias is None else _along(bias, channel, 4),
    )


def _at_axes(v: np.ndarray, axes: tuple[int, ...], rank: int) -> np.ndarray:
    """``v`` (dimension i at input axis ``axes[i]``) arranged to broadcast over the input."""
    order = np.argsort(axes, kind="stable")
    arranged = np.transpose(upcast(v), order)
    shape = [1] * rank
    for i, axis in enumerate(axes):
        shape[axis] = v.shape[i]
    return arranged.reshape(shape)


@kernel("layer_normalization")
def layer_normalization(
    input: np.ndarray, scale: np.ndarray | None, bias: np.ndarray | None,
    axes: tuple[int, ...], epsilon: float,
) -> np.ndarray:
    x = upcast(input)
    mean, variance = _moments(x, axes)
    rank = x.ndim
    return _normalize(
        x, mean, variance, epsilon,
        None if scale is None else _at_axes(scale, axes, rank),
        None if bias is None else _at_axes(bias, axes, rank),
    )
