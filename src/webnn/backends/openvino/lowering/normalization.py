"""OpenVINO lowerings: batch_normalization, instance_normalization and layer_normalization.

All three are ``scale * (x - mean) / sqrt(variance + epsilon) + bias``, written out node by
node in the reference's order (epsilon inside the square root), the deviation x - mean
computed first.  Instance and layer
normalization compute the mean and then the variance as the mean of the squared deviations
(a two-pass variance, never E[x^2] - E[x]^2).  float16 computes in float32 (inputs converted,
the result rounded once), like the reference.  The pass pipeline gives instance
normalization an NCHW input.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import openvino.opset16 as ops

from ..types import ELEMENT_TYPES, FLOATS
from . import OpLowering, lowering
from .conv import as_f32, as_type


def _along(e: OpLowering, name: str, axis: int, rank: int) -> Any:
    """1-D input ``name`` (float32) shaped to broadcast along ``axis`` of a rank-``rank`` tensor."""
    shape = [1] * rank
    shape[axis] = e.desc(name).shape[0]
    return e.reshape(as_f32(e.input(name)), shape)


def _normalize(e: OpLowering, x: Any, mean: Any, variance: Any, epsilon: float,
               scale: Any | None, bias: Any | None) -> Any:
    deviation = ops.subtract(x, mean)
    # max(d, d) is d (NaN included), but stops OpenVINO from rewriting (x - mean) * k + bias
    # with constant statistics as x * k + (bias - mean * k), which loses the small deviations
    # of an input far from zero.
    deviation = ops.maximum(deviation, deviation)
    y = ops.divide(deviation, ops.sqrt(ops.add(variance, ops.constant(np.float32(epsilon)))))
    if scale is not None:
        y = ops.multiply(scale, y)
    if bias is not None:
        y = ops.add(y, bias)
    return as_type(y, ELEMENT_TYPES[e.out().data_type])


def _moments(e: OpLowering, x: Any, axes: list[int]) -> tuple[Any, Any]:
    """The mean and the variance (mean of squared deviations) of ``x`` over ``axes`` (kept)."""
    if not axes:  # nothing reduced: each element is its own mean
        return x, ops.multiply(ops.subtract(x, x), ops.subtract(x, x)).output(0)
    mean = ops.reduce_mean(x, e.i64(axes), keep_dims=True).output(0)
    deviation = ops.subtract(x, mean)
    variance = ops.reduce_mean(ops.multiply(deviation, deviation), e.i64(axes), keep_dims=True).output(0)
    return mean, variance


@lowering("batch_normalization", types=FLOATS)
def batch_normalization(e: OpLowering) -> Any:
    axis, rank = int(e.attrs["axis"]), len(e.desc("input").shape)
    return _normalize(
        e, as_f32(e.input("input")), _along(e, "mean", axis, rank), _along(e, "variance", axis, rank),
        float(e.attrs["epsilon"]),
        _along(e, "scale", axis, rank) if e.has("scale") else None,
        _along(e, "bias", axis, rank) if e.has("bias") else None,
    )


@lowering("instance_normalization", types=FLOATS)
def instance_normalization(e: OpLowering) -> Any:
    if e.attrs["layout"] != "nchw":
        raise AssertionError("instance_normalization: the openvino lowering expects the nchw layout "
                             "(the canonical_layout pass did not run)")
    x = as_f32(e.input("input"))
    mean, variance = _moments(e, x, [2, 3])
    return _normalize(
        e, x, mean, variance, float(e.attrs["epsilon"]),
        _along(e, "scale", 1, 4) if e.has("scale") else None,
        _along(e, "bias", 1, 4) if e.has("bias") else None,
    )


def _at_axes(e: OpLowering, name: str, axes: list[int], rank: int) -> Any:
    """Input ``name`` (dimension i at input axis ``axes[i]``, float32) arranged to broadcast over
    the input."""
    value = as_f32(e.input(name))
    order = sorted(range(len(axes)), key=lambda i: axes[i])
    if order != list(range(len(axes))):
        value = ops.transpose(value, e.i64(order)).output(0)
    shape = [1] * rank
    for i, axis in enumerate(axes):
        shape[axis] = e.desc(name).shape[i]
    return e.reshape(value, shape)


@lowering("layer_normalization", types=FLOATS)
def layer_normalization(e: OpLowering) -> Any:
    axes = [int(a) for a in e.attrs["axes"]]
    rank = len(e.desc("input").shape)
    x = as_f32(e.input("input"))
    mean, variance = _moments(e, x, axes)
    return _normalize(
        e, x, mean, variance, float(e.attrs["epsilon"]),
        _at_axes(e, "scale", axes, rank) if e.has("scale") else None,
        _at_axes(e, "bias", axes, rank) if e.has("bias") else None,
    )
