"""Engine-independent geometry that several backends' lowerings share."""

from __future__ import annotations

from collections.abc import Sequence


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
