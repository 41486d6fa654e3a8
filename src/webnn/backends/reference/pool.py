"""Reference kernels: pool ops.

Windows are rectangles, so each pool reduces the height axis and then the width
axis: one pass per window offset along each axis, on strided views.  Padding and
the part of a window past the padded input hold no elements: they are filled
with the reduction's identity (0 for sums, the lowest value for max), and the
number of real elements per window (for the mean, and to give 0 for windows
without any) is counted per axis in closed form.

max_pool2d takes the IEEE 754-2019 maximum, as reduce_max does: a NaN anywhere in a
window gives NaN, +0 is greater than -0, and padding (the -inf fill) never exceeds a real
element, so a window of -inf values gives -inf.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .elementwise import ieee_maximum
from .registry import kernel, upcast


def _reduce_axis(
    x: np.ndarray,
    axis: int,
    window: int,
    stride: int,
    dilation: int,
    begin: int,
    out: int,
    fill: int | float,
    combine: Callable[..., np.ndarray],
) -> np.ndarray:
    """Combine the ``out`` windows along ``axis`` (window ``k`` starts at ``k * stride - begin``)."""
    size = x.shape[axis]
    span = (out - 1) * stride + (window - 1) * dilation + 1  # extent of all windows, padded
    end = max(0, span - begin - size)
    index: list[slice] = [slice(None)] * x.ndim
    if combine is np.add and out == 1 and window == size and dilation == 1 and not begin and x.size > size:
        # One window, the whole axis (global pooling): with that axis outermost, NumPy adds
        # the rows up one after the other, in the order of the loop below, in one call.
        rows = np.ascontiguousarray(np.moveaxis(x, axis, 0))
        return np.expand_dims(np.add.reduce(rows, axis=0), axis)
    if begin or end:
        shape = list(x.shape)
        shape[axis] = begin + size + end
        padded = np.full(shape, fill, dtype=x.dtype)
        index[axis] = slice(begin, begin + size)
        padded[tuple(index)] = x
    else:
        padded = x
    result: np.ndarray | None = None
    for i in range(window):
        start = i * dilation
        index[axis] = slice(start, start + (out - 1) * stride + 1, stride)
        view = padded[tuple(index)]
        if result is None:
            result = view.copy()
        else:
            combine(result, view, out=result)
    assert result is not None
    return result


def _counts(size: int, window: int, stride: int, dilation: int, begin: int, out: int) -> np.ndarray:
    """How many of each window's ``window`` taps fall inside ``[0, size)``, per output position."""
    base = np.arange(out, dtype=np.int64) * stride - begin  # position of tap 0
    first = np.maximum(0, -(base // dilation))  # first tap i with base + i * dilation >= 0
    last = np.minimum(window - 1, (size - 1 - base) // dilation)  # last tap inside
    return np.maximum(0, last - first + 1)


def _pool(
    x: np.ndarray,
    window_dimensions: Sequence[int],
    padding: Sequence[int],
    strides: Sequence[int],
    dilations: Sequence[int],
    layout: str,
    output_sizes: Sequence[int],
    fill: int | float,
    combine: Callable[..., np.ndarray],
) -> tuple[np.ndarray, np.ndarray]:
    """The combined windows and each window's real-element count, both laid out as ``layout``."""
    if layout == "nhwc":
        x = x.transpose(0, 3, 1, 2)
    counts = []
    for axis in range(2):
        args = (window_dimensions[axis], strides[axis], dilations[axis], padding[2 * axis], output_sizes[axis])
        counts.append(_counts(x.shape[2 + axis], *args))
        x = _reduce_axis(x, 2 + axis, *args, fill, combine)
    count = counts[0][:, None] * counts[1][None, :]
    if layout == "nhwc":
        return x.transpose(0, 2, 3, 1), count[:, :, None]
    return x, count


@kernel("average_pool2d")
def average_pool2d(input: np.ndarray, output_shape_rounding: str, **geometry: Any) -> np.ndarray:
    total, count = _pool(upcast(input), **geometry, fill=0, combine=np.add)
    mean = total / np.maximum(count, 1).astype(total.dtype)
    return np.where(count > 0, mean, np.zeros((), mean.dtype))


@kernel("l2_pool2d")
def l2_pool2d(input: np.ndarray, output_shape_rounding: str, **geometry: Any) -> np.ndarray:
    x = upcast(input)
    total, _ = _pool(x * x, **geometry, fill=0, combine=np.add)
    return np.sqrt(total)


@kernel("max_pool2d")
def max_pool2d(input: np.ndarray, output_shape_rounding: str, **geometry: Any) -> np.ndarray:
    combine: Callable[..., np.ndarray]
    if input.dtype.kind == "f":
        lowest, combine = -np.inf, ieee_maximum
    else:
        lowest, combine = np.iinfo(input.dtype).min, np.maximum
    result, count = _pool(input, **geometry, fill=lowest, combine=combine)
    return np.where(count > 0, result, np.zeros((), result.dtype))
