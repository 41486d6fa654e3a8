"""LiteRT lowerings: batch_normalization, instance_normalization and layer_normalization.

All three are ``scale * (x - mean) / sqrt(variance + epsilon) + bias`` written operator by
operator in the reference's order (SUB, ADD epsilon, SQRT, DIV, MUL scale, ADD bias).  Instance
and layer normalization compute the mean with MEAN and the variance as the MEAN of the squared
deviations (two passes, never E[x^2] - E[x]^2), on the input in its collapsed form (see
:mod:`.reduce`).  batch_normalization's 1-D operands and layer_normalization's scale / bias are
shaped (transposed to the input's axis order) to broadcast over the input: a constant is
written so, a graph input is RESHAPEd / TRANSPOSEd.  The pass pipeline gives instance
normalization an NHWC input.  float16 computes in float32, rounded once.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..types import FLOAT32, FLOATS
from . import OpLowering, lowering
from .reduce import Reduction


def _arranged(e: OpLowering, name: str, axes: Sequence[int], rank: int) -> int:
    """Operand ``name`` (its dimension i at input axis ``axes[i]``) as a tensor that broadcasts
    over a rank-``rank`` input."""
    size = e.desc(name).shape
    order = sorted(range(len(axes)), key=lambda i: axes[i])
    shape = [1] * rank
    for i, axis in enumerate(axes):
        shape[axis] = size[i]
    tensor_type = e.type_of(e.desc(name).data_type)
    value = e.constant_value(name)
    if value is not None:
        return e.constant(np.transpose(value, order).reshape(shape), tensor_type)
    tensor = e.input(name)
    if order != sorted(order):
        transposed = [size[i] for i in order]
        tensor = e.emit("TRANSPOSE", [tensor, e.i32(order)], transposed, tensor_type)
    return e.emit("RESHAPE", [tensor, e.i32(shape)], shape, tensor_type)


def _optional(e: OpLowering, name: str, axes: Sequence[int], rank: int) -> int | None:
    return _arranged(e, name, axes, rank) if e.has(name) else None


def _binary(e: OpLowering, operator: str, a: int, b: int) -> int:
    """``operator`` (ADD, SUB, MUL, DIV) of ``a`` and ``b``, broadcast."""
    shape = np.broadcast_shapes(e.writer.shape(a), e.writer.shape(b))
    return e.emit(operator, [a, b], shape, e.writer.type(a), e.options(f"{operator.title()}Options"))


def _normalize(e: OpLowering, deviation: int, variance: int, scale: int | None, bias: int | None,
               shape: Sequence[int]) -> int:
    """(x - mean) / sqrt(variance + epsilon), reshaped to ``shape``, times scale, plus bias."""
    epsilon = e.constant(float(e.attrs["epsilon"]), FLOAT32)
    root = e.emit("SQRT", [_binary(e, "ADD", variance, epsilon)], e.writer.shape(variance), FLOAT32)
    y = _binary(e, "DIV", deviation, root)
    if list(e.writer.shape(y)) != list(shape):
        y = e.emit("RESHAPE", [y, e.i32(list(shape))], shape, FLOAT32)
    if scale is not None:
        y = _binary(e, "MUL", scale, y)
    if bias is not None:
        y = _binary(e, "ADD", y, bias)
    return y


def _float32(e: OpLowering) -> None:
    if e.out_type() != FLOAT32:
        raise AssertionError(f"{e.label}: expected a float32 (or widened float16) input")


@lowering("batch_normalization", types=FLOATS)
def batch_normalization(e: OpLowering) -> int:
    _float32(e)
    axis, shape = int(e.attrs["axis"]), e.desc("input").shape
    rank = len(shape)
    mean, variance = _arranged(e, "mean", [axis], rank), _arranged(e, "variance", [axis], rank)
    deviation = _binary(e, "SUB", e.input("input"), mean)
    return _normalize(e, deviation, variance, _optional(e, "scale", [axis], rank),
                      _optional(e, "bias", [axis], rank), shape)


def _moments_normalize(e: OpLowering, axes: Sequence[int], scale: int | None, bias: int | None) -> int:
    """The input normalized by its mean and variance over ``axes``."""
    shape = e.desc("input").shape
    r = Reduction(e, e.input("input"), shape, axes)
    if r.empty:  # (each element is its own mean)
        deviation = r.binary("SUB", r.x, r.x)
        return _normalize(e, deviation, r.binary("MUL", deviation, deviation), scale, bias, shape)
    deviation = r.binary("SUB", r.x, r.reduce("MEAN", r.x))
    variance = r.reduce("MEAN", r.binary("MUL", deviation, deviation))
    return _normalize(e, deviation, variance, scale, bias, shape)


@lowering("instance_normalization", types=FLOATS)
def instance_normalization(e: OpLowering) -> int:
    _float32(e)
    if e.attrs["layout"] != "nhwc":
        raise AssertionError(f"{e.label}: the litert lowering expects the nhwc layout "
                             "(the canonical_layout pass did not run)")
    return _moments_normalize(e, [1, 2], _optional(e, "scale", [3], 4), _optional(e, "bias", [3], 4))


@lowering("layer_normalization", types=FLOATS)
def layer_normalization(e: OpLowering) -> int:
    _float32(e)
    axes = [int(a) for a in e.attrs["axes"]]
    rank = len(e.desc("input").shape)
    return _moments_normalize(e, axes, _optional(e, "scale", axes, rank), _optional(e, "bias", axes, rank))
