"""Normalization ops: batch_normalization, instance_normalization, layer_normalization."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Literal

from .base import FLOATS, Check, N, Operand, Result, limit, op, same

_LAYOUTS = ("nchw", "nhwc")


def _epsilon(c: Check, value: Any, data_type: str) -> float:
    """The ``epsilon`` option: a WebIDL (restricted) ``double``, cast to the input's data type."""
    number = c.double("epsilon", value)
    c.check(math.isfinite(number), f"epsilon must be a finite number, got {value!r}")
    return float(c.number("epsilon", number, data_type))


def _check_1d(c: Check, name: str, operand: Operand | None, size: int, what: str) -> None:
    if operand is not None and operand.shape != (size,):
        c.fail(f"{name} shape {list(operand.shape)} must be [{size}] (the size of {what})")


@op("batch_normalization", limits={
    "input": limit(FLOATS, (1, N)),
    "mean": limit(same("input"), 1),
    "variance": limit(same("input"), 1),
    "scale": limit(same("input"), 1),
    "bias": limit(same("input"), 1),
    "output": limit(same("input"), same("input")),
})
def batch_normalization(
    c: Check,
    input: Operand,
    mean: Operand,
    variance: Operand,
    *,
    scale: Operand | None = None,
    bias: Operand | None = None,
    axis: int = 1,
    epsilon: float = 1e-5,
) -> Result:
    """Normalizes the input with precomputed per-feature statistics:
    ``scale * (input - mean) / sqrt(variance + epsilon) + bias``.  ``mean``, ``variance``
    and the optional ``scale`` (default 1) and ``bias`` (default 0) are 1-D tensors whose
    size is ``input.shape[axis]``; they broadcast along the feature dimension ``axis``
    (default 1, the channel dimension of an "nchw" tensor).  ``epsilon`` (default 1e-5) is
    cast to the input's data type.  The output has the input's shape and data type.
    """
    axis = c.axis("axis", axis, input.rank)
    size = input.shape[axis]
    what = f"input dimension {axis}"
    _check_1d(c, "mean", mean, size, what)
    _check_1d(c, "variance", variance, size, what)
    epsilon = _epsilon(c, epsilon, input.data_type)
    _check_1d(c, "scale", scale, size, what)
    _check_1d(c, "bias", bias, size, what)
    return c.output(input.data_type, input.shape, axis=axis, epsilon=epsilon)


@op("instance_normalization", limits={
    "input": limit(FLOATS, 4),
    "scale": limit(same("input"), 1),
    "bias": limit(same("input"), 1),
    "output": limit(same("input"), 4),
})
def instance_normalization(
    c: Check,
    input: Operand,
    *,
    scale: Operand | None = None,
    bias: Operand | None = None,
    epsilon: float = 1e-5,
    layout: Literal["nchw", "nhwc"] = "nchw",
) -> Result:
    """Normalizes each channel of each sample of a 4-D input by the mean and variance of
    its spatial values, computed on the fly:
    ``scale * (input - mean) / sqrt(variance + epsilon) + bias``, where the variance is
    the mean of the squared deviations.  The input is [batches, channels, height, width]
    for layout "nchw" (the default) or [batches, height, width, channels] for "nhwc"; the
    optional ``scale`` (default 1) and ``bias`` (default 0) are 1-D tensors of size
    channels.  ``epsilon`` (default 1e-5) is cast to the input's data type.  The output has
    the input's shape and data type.
    """
    epsilon = _epsilon(c, epsilon, input.data_type)
    layout = c.enum("layout", layout, _LAYOUTS)
    axis = 1 if layout == "nchw" else 3
    what = f"the channel dimension {axis} of the input"
    _check_1d(c, "scale", scale, input.shape[axis], what)
    _check_1d(c, "bias", bias, input.shape[axis], what)
    return c.output(input.data_type, input.shape, epsilon=epsilon, layout=layout)


@op("layer_normalization", limits={
    "input": limit(FLOATS, (0, N)),
    "scale": limit(same("input"), (0, N)),
    "bias": limit(same("input"), (0, N)),
    "output": limit(same("input"), same("input")),
})
def layer_normalization(
    c: Check,
    input: Operand,
    *,
    scale: Operand | None = None,
    bias: Operand | None = None,
    axes: Sequence[int] | None = None,
    epsilon: float = 1e-5,
) -> Result:
    """Normalizes the input by the mean and variance of its values over ``axes``, computed
    on the fly: ``scale * (input - mean) / sqrt(variance + epsilon) + bias``, where the
    variance is the mean of the squared deviations.  ``axes`` defaults to every dimension
    but the first (none for a 0-D or 1-D input); an empty list reduces nothing.  The
    optional ``scale`` (default 1) and ``bias`` (default 0) have the shape
    ``[input.shape[a] for a in axes]``, in the order of ``axes`` (which need not be
    sorted).  ``epsilon`` (default 1e-5) is cast to the input's data type.  The output has
    the input's shape and data type.
    """
    if axes is None:
        axes = tuple(range(1, input.rank)) if input.rank > 1 else ()
    else:
        axes = c.axes("axes", axes, input.rank)
    epsilon = _epsilon(c, epsilon, input.data_type)
    expected = [input.shape[a] for a in axes]
    for name, operand in (("scale", scale), ("bias", bias)):
        if operand is None:
            continue
        c.check(
            operand.rank == len(axes),
            f"{name} rank {operand.rank} must equal the number of axes {len(axes)}",
        )
        c.check(
            list(operand.shape) == expected,
            f"{name} shape {list(operand.shape)} must be {expected} "
            f"(the input dimensions at axes {list(axes)})",
        )
    return c.output(input.data_type, input.shape, axes=tuple(axes), epsilon=epsilon)
