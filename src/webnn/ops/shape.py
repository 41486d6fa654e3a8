"""Shape and data-movement ops: reshape, expand, transpose, concat, split, slice, pad, tile,
reverse, triangular, resample2d."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np

from ..ir import OperandDescriptor
from .base import (
    ANY,
    FLOATS,
    MAX_DIMENSION,
    MAX_RANK,
    Check,
    N,
    Operand,
    Result,
    limit,
    op,
    same,
    unidirectional_broadcast,
)

#: The spec's "valid tensor count" upper bound (inputs of concat, outputs of split).
MAX_TENSOR_COUNT = 8192


def _new_shape(c: Check, value: Any) -> tuple[int, ...]:
    """A ``newShape`` argument: a sequence of valid dimensions of an allowed output rank."""
    shape = c.uints("new_shape", value)
    c.check(len(shape) <= MAX_RANK, f"new_shape rank {len(shape)} is not allowed (allowed: 0 to {MAX_RANK})")
    for i, d in enumerate(shape):
        c.dimension(f"new_shape[{i}]", d)
    return shape


# --------------------------------------------------------------------------- reshape, expand


@op("reshape", limits={"input": limit(ANY, (0, N)), "output": limit(same("input"), (0, N))})
def reshape(c: Check, input: Operand, new_shape: Sequence[int]) -> Result:
    """The input's elements, in row-major order, with the shape new_shape (possibly of another rank;
    [] gives a scalar). new_shape's element count must equal the input's and every item must be a
    valid dimension: there is no -1 / 0 shorthand."""
    shape = _new_shape(c, new_shape)
    count = math.prod(shape)
    c.check(
        count == input.element_count,
        f"new_shape {list(shape)} has {count} elements, the input {list(input.shape)} has {input.element_count}",
    )
    return c.output(input.data_type, shape, new_shape=shape)


@op("expand", limits={"input": limit(ANY, (0, N)), "output": limit(same("input"), (0, N))})
def expand(c: Check, input: Operand, new_shape: Sequence[int]) -> Result:
    """The input broadcast to new_shape (NumPy broadcasting, one direction only): the input's shape,
    padded with leading 1s to new_shape's rank, must equal new_shape wherever it is not 1. The output
    rank may be larger than the input's, never smaller."""
    shape = _new_shape(c, new_shape)
    out = unidirectional_broadcast(input.shape, shape)
    if out is None:
        c.fail(f"input shape {list(input.shape)} is not broadcastable to new_shape {list(shape)}")
    return c.output(input.data_type, out, new_shape=shape)


# --------------------------------------------------------------------------- transpose


@op("transpose", limits={"input": limit(ANY, (0, N)), "output": limit(same("input"), same("input"))})
def transpose(c: Check, input: Operand, *, permutation: Sequence[int] | None = None) -> Result:
    """The input with its dimensions permuted: output dimension i is input dimension permutation[i].
    permutation has one distinct axis per input dimension; the default reverses all dimensions
    ([rank - 1, ..., 0], a matrix transpose for 2-D input)."""
    rank = input.rank
    if permutation is None:
        perm = tuple(range(rank - 1, -1, -1))
    else:
        perm = c.uints("permutation", permutation)
        c.check(len(perm) == rank, f"permutation must have {rank} items (the input rank), got {len(perm)}")
        perm = c.axes("permutation", perm, rank)
    shape = tuple(input.shape[p] for p in perm)
    return c.output(input.data_type, shape, permutation=perm)


# --------------------------------------------------------------------------- concat, split


@op("concat", limits={"inputs": limit(ANY, (1, N), many=True),
                      "output": limit(same("inputs"), same("inputs"))})
def concat(c: Check, inputs: Sequence[Operand], axis: int) -> Result:
    """The inputs joined along axis. All inputs have the same data type and rank and the same size
    in every dimension but axis; the output's size along axis is the sum of the inputs' sizes."""
    c.check(
        0 < len(inputs) <= MAX_TENSOR_COUNT,
        f"inputs must hold 1 to {MAX_TENSOR_COUNT} operands, got {len(inputs)}",
    )
    first = inputs[0]
    axis = c.axis("axis", axis, first.rank)
    size = first.shape[axis]
    for i, desc in enumerate(inputs[1:], start=1):
        c.check(
            desc.data_type == first.data_type,
            f"inputs[{i}] data type {desc.data_type} != inputs[0] data type {first.data_type}",
        )
        c.check(desc.rank == first.rank, f"inputs[{i}] rank {desc.rank} != inputs[0] rank {first.rank}")
        for dim, (a, b) in enumerate(zip(desc.shape, first.shape)):
            c.check(
                dim == axis or a == b,
                f"inputs[{i}] shape {list(desc.shape)} differs from inputs[0] shape {list(first.shape)} "
                f"in dimension {dim} (not the axis {axis})",
            )
        size += desc.shape[axis]
        c.dimension("output size along the axis", size)
    shape = list(first.shape)
    shape[axis] = size
    return c.output(first.data_type, shape, axis=axis)


@op("split", limits={"input": limit(ANY, (1, N)), "outputs": limit(same("input"), same("input"))})
def split(c: Check, input: Operand, splits: int | Sequence[int], *, axis: int = 0) -> Result:
    """The input cut into consecutive pieces along axis, returned as a list. splits is either a
    count of equal pieces (it must divide the axis size) or the list of the pieces' sizes (positive,
    summing to the axis size). The normalized attribute splits is always the list of sizes."""
    axis = c.axis("axis", axis, input.rank)
    size = input.shape[axis]
    if isinstance(splits, np.ndarray) and splits.ndim == 0:
        splits = splits.item()
    if not isinstance(splits, Sequence | np.ndarray) or isinstance(splits, str | bytes):
        count = c.uint("splits", splits)
        c.check(0 < count <= MAX_TENSOR_COUNT, f"splits {count} is not in the range 1 to {MAX_TENSOR_COUNT}")
        c.check(size % count == 0, f"splits {count} does not divide the input size {size} along axis {axis}")
        sizes = (size // count,) * count
    else:
        sizes = c.uints("splits", splits)
        c.check(
            0 < len(sizes) <= MAX_TENSOR_COUNT,
            f"splits must have 1 to {MAX_TENSOR_COUNT} items, got {len(sizes)}",
        )
        c.check(all(s != 0 for s in sizes), f"splits {list(sizes)} contains 0")
        c.check(
            sum(sizes) == size,
            f"splits {list(sizes)} sum to {sum(sizes)}, not the input size {size} along axis {axis}",
        )
    outputs = []
    for s in sizes:
        shape = list(input.shape)
        shape[axis] = s
        outputs.append(OperandDescriptor(input.data_type, tuple(shape)))
    return c.outputs(outputs, splits=sizes, axis=axis)


# --------------------------------------------------------------------------- slice, pad, tile, reverse


@op("slice", limits={"input": limit(ANY, (0, N)), "output": limit(same("input"), same("input"))})
def slice_(
    c: Check, input: Operand, starts: Sequence[int], sizes: Sequence[int], *,
    strides: Sequence[int] | None = None,
) -> Result:
    """A strided window of the input: along dimension d, the elements starts[d], starts[d] +
    strides[d], ... below starts[d] + sizes[d], so the output size is ceil(sizes[d] / strides[d]).
    sizes must be positive with starts[d] + sizes[d] <= the input size; strides default to 1."""
    rank = input.rank
    starts = c.uints("starts", starts)
    sizes = c.uints("sizes", sizes)
    c.check(all(s != 0 for s in sizes), f"sizes {list(sizes)} contains 0")
    c.check(len(starts) == rank, f"starts must have {rank} items (the input rank), got {len(starts)}")
    c.check(len(sizes) == rank, f"sizes must have {rank} items (the input rank), got {len(sizes)}")
    if strides is None:
        strides = (1,) * rank
    else:
        strides = c.uints("strides", strides)
        c.check(len(strides) == rank, f"strides must have {rank} items (the input rank), got {len(strides)}")
    shape = []
    for d, (dim, start, size, stride) in enumerate(zip(input.shape, starts, sizes, strides)):
        c.check(stride >= 1, f"strides[{d}] must be at least 1, got {stride}")
        c.check(
            start + size <= dim,
            f"starts[{d}] {start} + sizes[{d}] {size} exceeds the input size {dim} in dimension {d}",
        )
        shape.append(-(-size // stride))
    return c.output(input.data_type, shape, starts=starts, sizes=sizes, strides=strides)


_PAD_MODES = ("constant", "edge", "reflection")


@op("pad", limits={"input": limit(ANY, (0, N)), "output": limit(same("input"), same("input"))})
def pad(
    c: Check, input: Operand, beginning_padding: Sequence[int], ending_padding: Sequence[int], *,
    mode: Literal["constant", "edge", "reflection"] = "constant", value: float = 0,
) -> Result:
    """The input with beginning_padding[d] values added before and ending_padding[d] after its
    content in each dimension d. mode 'constant' fills with value (cast to the input's data type),
    'edge' repeats the edge element, 'reflection' mirrors the content without repeating the edge
    ([1, 2, 3] padded by 2 on both sides gives [3, 2, 1, 2, 3, 2, 1]); reflection padding must be
    smaller than the dimension."""
    rank = input.rank
    begin = c.uints("beginning_padding", beginning_padding)
    end = c.uints("ending_padding", ending_padding)
    c.check(len(begin) == rank, f"beginning_padding must have {rank} items (the input rank), got {len(begin)}")
    c.check(len(end) == rank, f"ending_padding must have {rank} items (the input rank), got {len(end)}")
    mode = c.enum("mode", mode, _PAD_MODES)
    shape = []
    for d, (dim, b, e) in enumerate(zip(input.shape, begin, end)):
        if mode == "reflection":
            c.check(b < dim, f"beginning_padding[{d}] {b} must be smaller than the input size {dim} for reflection")
            c.check(e < dim, f"ending_padding[{d}] {e} must be smaller than the input size {dim} for reflection")
        shape.append(c.dimension(f"output size in dimension {d}", b + dim + e))
    value = c.number("value", value, input.data_type)
    return c.output(input.data_type, shape, beginning_padding=begin, ending_padding=end, mode=mode, value=value)


@op("tile", limits={"input": limit(ANY, (0, N)), "output": limit(same("input"), same("input"))})
def tile(c: Check, input: Operand, repetitions: Sequence[int]) -> Result:
    """The input repeated repetitions[d] times along each dimension d (NumPy's tile with one
    positive repetition count per input dimension): the output size is input size * repetitions."""
    reps = c.uints("repetitions", repetitions)
    c.check(len(reps) == input.rank, f"repetitions must have {input.rank} items (the input rank), got {len(reps)}")
    c.check(all(r != 0 for r in reps), f"repetitions {list(reps)} contains 0")
    shape = [c.dimension(f"output size in dimension {d}", dim * r) for d, (dim, r) in enumerate(zip(input.shape, reps))]
    return c.output(input.data_type, shape, repetitions=reps)


@op("reverse", limits={"input": limit(ANY, (0, N)), "output": limit(same("input"), same("input"))})
def reverse(c: Check, input: Operand, *, axes: Sequence[int] | None = None) -> Result:
    """The input with the order of its elements reversed along each of axes (distinct input
    dimensions). The default reverses every dimension; an explicit empty list reverses none."""
    axes = tuple(range(input.rank)) if axes is None else c.axes("axes", c.uints("axes", axes), input.rank)
    return c.output(input.data_type, input.shape, axes=axes)


@op("triangular", limits={"input": limit(ANY, (2, N)), "output": limit(same("input"), same("input"))})
def triangular(c: Check, input: Operand, *, upper: bool = True, diagonal: int = 0) -> Result:
    """The upper or lower triangular part of the matrices in the last two dimensions of the input
    (earlier dimensions are batches); the other elements become 0. With row i and column j, upper
    keeps the elements with j - i >= diagonal, lower those with j - i <= diagonal: a positive
    diagonal moves the boundary up and right, a negative one down and left."""
    upper = c.boolean("upper", upper)
    diagonal = c.int32("diagonal", diagonal)
    return c.output(input.data_type, input.shape, upper=upper, diagonal=diagonal)


# --------------------------------------------------------------------------- resample2d

_INTERPOLATION_MODES = ("nearest-neighbor", "linear")


@op("resample2d", limits={"input": limit((*FLOATS, "uint8", "int8"), 4), "output": limit(same("input"), 4)})
def resample2d(
    c: Check, input: Operand, *, mode: Literal["nearest-neighbor", "linear"] = "nearest-neighbor",
    scales: Sequence[float] | None = None, sizes: Sequence[int] | None = None,
    axes: Sequence[int] | None = None,
) -> Result:
    """The 4-D input resized along two of its dimensions, axes (default [2, 3], the spatial
    dimensions of 'nchw'). The output sizes are sizes if given, else floor(input size * scales)
    (scales default [1, 1]). With scale = output size / input size, output coordinate o reads input
    coordinate clamp((o + 0.5) / scale - 0.5, 0, input size - 1) (half-pixel centres);
    'nearest-neighbor' takes the element at ceil(coordinate - 0.5) (ties round down), 'linear'
    interpolates the four neighbours bilinearly. Integer inputs round the linear result to the
    nearest integer (ties to even). The normalized attribute sizes always holds the output sizes."""
    mode = c.enum("mode", mode, _INTERPOLATION_MODES)
    if scales is None:
        scales = (1.0, 1.0)
    else:
        scales = c.floats("scales", scales)
        c.check(len(scales) == 2, f"scales must have 2 items, got {len(scales)}")
        c.check(all(s > 0 for s in scales), f"scales {list(scales)} must be greater than 0")
    if sizes is not None:
        sizes = c.uints("sizes", sizes)
        c.check(len(sizes) == 2, f"sizes must have 2 items, got {len(sizes)}")
        c.check(all(s != 0 for s in sizes), f"sizes {list(sizes)} contains 0")
    if axes is None:
        axes = (2, 3)
    else:
        axes = c.uints("axes", axes)
        c.check(len(axes) == 2, f"axes must have 2 items, got {len(axes)}")
        axes = c.axes("axes", axes, input.rank)
    shape = list(input.shape)
    out_sizes = []
    for i, axis in enumerate(axes):
        if sizes is not None:
            size = sizes[i]
        else:
            # The float32 scale times the size, in double precision, then floored.
            size = math.floor(input.shape[axis] * scales[i])
        c.check(0 < size <= MAX_DIMENSION, f"output size {size} along axis {axis} is not a valid dimension")
        shape[axis] = size
        out_sizes.append(size)
    return c.output(input.data_type, shape, mode=mode, scales=scales, sizes=tuple(out_sizes), axes=axes)
