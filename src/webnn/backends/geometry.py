"""Engine-independent geometry that several backends' lowerings share."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np


def sliced_axes(
    shape: Sequence[int], starts: Sequence[int], sizes: Sequence[int], strides: Sequence[int]
) -> tuple[list[int], list[int], list[int], list[int]]:
    """The axes a ``slice`` really cuts, with their starts, ends and steps (an axis taken whole
    with step 1, or of size 1, is left out; none left: the slice is the input)."""
    axes: list[int] = []
    begins: list[int] = []
    ends: list[int] = []
    steps: list[int] = []
    for axis, (dim, start, size, stride) in enumerate(zip(shape, starts, sizes, strides)):
        if start == 0 and size == dim and (stride == 1 or dim == 1):
            continue
        axes.append(axis)
        begins.append(start)
        ends.append(start + size)
        steps.append(stride)
    return axes, begins, ends, steps


class PoolAxis(NamedTuple):
    """One spatial axis of a pooling window's walk over the input (normalized attributes)."""

    size: int
    window: int
    stride: int
    dilation: int
    begin: int
    end: int  # the padding after the input that the last window reaches (never negative)
    out: int

    def counts(self) -> np.ndarray:
        """How many of each window's taps fall on the input, per output position."""
        base = np.arange(self.out, dtype=np.int64) * self.stride - self.begin
        first = np.maximum(0, -(base // self.dilation))
        last = np.minimum(self.window - 1, (self.size - 1 - base) // self.dilation)
        return np.maximum(0, last - first + 1)


def pool_axes(sizes: Sequence[int], attrs: Mapping[str, Any], beginning: Sequence[int]
              ) -> tuple[PoolAxis, PoolAxis]:
    """The two spatial axes of a pool over an input of spatial ``sizes``, whose windows start
    ``beginning`` before the input: the end padding is what the output size reaches (so a pool
    never needs "ceil" rounding)."""
    axes = []
    for i in range(2):
        window, stride, dilation = attrs["window_dimensions"][i], attrs["strides"][i], attrs["dilations"][i]
        begin, out = beginning[i], attrs["output_sizes"][i]
        end = max(0, (out - 1) * stride + (window - 1) * dilation + 1 - sizes[i] - begin)
        axes.append(PoolAxis(sizes[i], window, stride, dilation, begin, end, out))
    return axes[0], axes[1]
