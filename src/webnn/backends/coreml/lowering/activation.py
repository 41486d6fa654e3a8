"""Activations: MIL's own (relu, sigmoid, tanh, softplus, softsign, elu, leaky_relu, gelu in its
exact erf form, sigmoid_hard, softmax) on floats; relu and clamp also on integers (maximum and
minimum, which cannot overflow; int8 (and clamp's uint8) widened to int32 and cast back, exactly: the results
are in the input's range).  clamp is max(min_value) then min(max_value) with the spec's NaN
and -0 rules (:func:`.elementwise.nan_aware_max`); prelu is a select of x * slope where x < 0."""

from __future__ import annotations

import math
from typing import Any

from . import FLOATS, INT32, SMALL_INTS, OpLowering, lowering, type_name
from .elementwise import nan_aware_max

_UNARY = {"sigmoid": "sigmoid", "tanh": "tanh", "softplus": "softplus", "softsign": "softsign"}


def _register_unary(op: str, method: str) -> None:
    lowering(op, types=FLOATS)(lambda e: getattr(e.mb, method)(x=e.input("input")))


for _op, _method in _UNARY.items():
    _register_unary(_op, _method)


@lowering("relu", types=FLOATS | INT32 | {"int8"})
def relu(e: OpLowering) -> Any:
    x = e.wide("input")
    if type_name(x) == "int32":
        return e.cast(e.mb.maximum(x=x, y=e.like(0, x)), e.mil_type())
    return e.mb.relu(x=x)


@lowering("gelu", types=FLOATS)
def gelu(e: OpLowering) -> Any:
    return e.mb.gelu(x=e.input("input"), mode="EXACT")


@lowering("elu", types=FLOATS)
def elu(e: OpLowering) -> Any:
    return e.mb.elu(x=e.input("input"), alpha=float(e.attrs["alpha"]))


@lowering("leaky_relu", types=FLOATS)
def leaky_relu(e: OpLowering) -> Any:
    return e.mb.leaky_relu(x=e.input("input"), alpha=float(e.attrs["alpha"]))


@lowering("hard_sigmoid", types=FLOATS)
def hard_sigmoid(e: OpLowering) -> Any:
    return e.mb.sigmoid_hard(x=e.input("input"), alpha=float(e.attrs["alpha"]), beta=float(e.attrs["beta"]))


@lowering("softmax", types=FLOATS)
def softmax(e: OpLowering) -> Any:
    return e.mb.softmax(x=e.input("input"), axis=int(e.attrs["axis"]))


@lowering("prelu", types=FLOATS)
def prelu(e: OpLowering) -> Any:
    mb, x, slope = e.mb, e.input("input"), e.input("slope")
    scaled = mb.mul(x=x, y=slope)
    return mb.select(cond=mb.less(x=x, y=e.like(0, x)), a=scaled, b=mb.add(x=x, y=mb.mul(x=scaled, y=e.like(0, x))))


#: the range of each integer type clamp computes on
_INT_RANGES = {"int32": (-2**31, 2**31 - 1), "int8": (-128, 127), "uint8": (0, 255)}


@lowering("clamp", types=FLOATS | INT32 | SMALL_INTS)
def clamp(e: OpLowering) -> Any:
    mb, x = e.mb, e.wide("input")
    low, high = float(e.attrs["min_value"]), float(e.attrs["max_value"])
    if type_name(x) == "int32":
        least, most = _INT_RANGES[e.mil_type()]
        bounds = [max(low, least), min(high, most)]
        ints = [math.ceil(bounds[0]), math.floor(bounds[1])]
        return e.cast(mb.minimum(x=mb.maximum(x=x, y=e.like(ints[0], x)), y=e.like(ints[1], x)), e.mil_type())
    neg = -1.0
    if low != -math.inf:
        x = nan_aware_max(e, x, e.like(low, x), check_b=low == 0)
    if high != math.inf:
        negated = nan_aware_max(e, mb.mul(x=x, y=e.like(neg, x)), e.like(-high, x), check_b=high == 0)
        x = mb.mul(x=negated, y=e.like(neg, x))
    return x if low != -math.inf or high != math.inf else mb.identity(x=x)
