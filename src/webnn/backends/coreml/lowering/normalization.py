"""Normalizations, with the reference's formula: (x - mean) / sqrt(variance + epsilon), times
scale, plus bias; the moments are means over the normalized axes (instance: height and width;
layer: its axes), batch normalization's are given.  float16 graphs compute these in float32 (as
the reference does), rounding once at the end."""

from __future__ import annotations

from typing import Any

import numpy as np

from . import FLOATS, OpLowering, lowering


def _along(e: OpLowering, var: Any, axis: int, rank: int) -> Any:
    """A 1-D ``var`` shaped to broadcast along ``axis`` of a rank-``rank`` tensor."""
    shape = [1] * rank
    shape[axis] = int(var.shape[0])
    return e.mb.reshape(x=var, shape=shape)


def _at_axes(e: OpLowering, var: Any, axes: list[int], rank: int) -> Any:
    """``var`` (dimension i at input axis ``axes[i]``) arranged to broadcast over the input."""
    order = [int(i) for i in np.argsort(axes, kind="stable")]
    if order != list(range(len(order))):
        var = e.mb.transpose(x=var, perm=order)
    shape = [1] * rank
    for axis in axes:
        shape[axis] = int(e.desc("input").shape[axis])
    return e.mb.reshape(x=var, shape=shape)


def _f32(e: OpLowering, var: Any) -> Any:
    return e.cast(var, "fp32")


def _normalize(e: OpLowering, x: Any, mean: Any, variance: Any, scale: Any, bias: Any) -> Any:
    mb = e.mb
    epsilon = e.like(float(e.attrs["epsilon"]), x)
    y = mb.real_div(x=mb.sub(x=x, y=mean), y=mb.sqrt(x=mb.add(x=variance, y=epsilon)))
    if scale is not None:
        y = mb.mul(x=scale, y=y)
    if bias is not None:
        y = mb.add(x=y, y=bias)
    return e.cast(y, e.mil_type())


def _moments(e: OpLowering, x: Any, axes: list[int]) -> tuple[Any, Any]:
    mb = e.mb
    if not axes:
        return x, mb.mul(x=mb.sub(x=x, y=x), y=mb.sub(x=x, y=x))
    mean = mb.reduce_mean(x=x, axes=axes, keep_dims=True)
    deviation = mb.sub(x=x, y=mean)
    return mean, mb.reduce_mean(x=mb.mul(x=deviation, y=deviation), axes=axes, keep_dims=True)


def _optional(e: OpLowering, name: str) -> Any:
    return _f32(e, e.input(name)) if e.has(name) else None


@lowering("batch_normalization", types=FLOATS)
def batch_normalization(e: OpLowering) -> Any:
    x = _f32(e, e.input("input"))
    axis, rank = int(e.attrs["axis"]), len(x.shape)
    shaped = {name: _along(e, _f32(e, e.input(name)), axis, rank) if e.has(name) else None
              for name in ("mean", "variance", "scale", "bias")}
    return _normalize(e, x, shaped["mean"], shaped["variance"], shaped["scale"], shaped["bias"])


@lowering("instance_normalization", types=FLOATS)
def instance_normalization(e: OpLowering) -> Any:
    if e.attrs["layout"] != "nchw":
        raise AssertionError("instance_normalization: the pipeline leaves NCHW")
    x = _f32(e, e.input("input"))
    mean, variance = _moments(e, x, [2, 3])
    scale, bias = (_along(e, v, 1, 4) if v is not None else None for v in (_optional(e, "scale"), _optional(e, "bias")))
    return _normalize(e, x, mean, variance, scale, bias)


@lowering("layer_normalization", types=FLOATS)
def layer_normalization(e: OpLowering) -> Any:
    x = _f32(e, e.input("input"))
    axes, rank = [int(a) for a in e.attrs["axes"]], len(x.shape)
    mean, variance = _moments(e, x, axes)
    scale, bias = (_at_axes(e, v, axes, rank) if v is not None else None
                   for v in (_optional(e, "scale"), _optional(e, "bias")))
    return _normalize(e, x, mean, variance, scale, bias)


