"""Activation ops: relu, sigmoid, tanh, softplus, softsign, gelu, hard_swish, elu, leaky_relu,
hard_sigmoid, linear, prelu, clamp, softmax."""

from __future__ import annotations

import math
from typing import Any

from .base import ANY, FLOATS, Check, N, Operand, Result, bidirectional_broadcast, limit, op, same

_SAME_AS_INPUT = limit(same("input"), same("input"))


@op("relu", limits={"input": limit((*FLOATS, "int64", "int32", "int8"), (0, N)),
                    "output": _SAME_AS_INPUT})
def relu(c: Check, input: Operand) -> Result:
    """max(0, input), element-wise."""
    return c.output(input.data_type, input.shape)


def _scalar(c: Check, name: str, value: Any, data_type: str) -> int | float:
    """A WebIDL (restricted) ``double`` option, then cast to the input's data type."""
    number = c.double(name, value)
    c.check(math.isfinite(number), f"{name} must be a finite number, got {value!r}")
    return c.number(name, number, data_type)


# --------------------------------------------------------------------------- no options

_FLOAT_LIMITS = {"input": limit(FLOATS, (0, N)), "output": _SAME_AS_INPUT}

_UNARY_DOCS = {
    "sigmoid": "The logistic sigmoid 1 / (1 + exp(-input)), element-wise; float types only.",
    "tanh": "The hyperbolic tangent (exp(2x) - 1) / (exp(2x) + 1) of the input, element-wise; "
            "float types only.",
    "softplus": "The softplus function ln(1 + exp(input)), element-wise (computed without "
                "overflow for large inputs); float types only.",
    "softsign": "The softsign function input / (1 + |input|), element-wise; float types only.",
    "gelu": "The Gaussian error linear unit in its exact form 0.5 * x * (1 + erf(x / sqrt(2))), "
            "element-wise (no tanh approximation); float types only.",
    "hard_swish": "The hard swish function x * max(0, min(6, x + 3)) / 6 of MobileNetV3, "
                  "element-wise; float types only.",
}


def _unary_float(c: Check, input: Operand) -> Result:
    return c.output(input.data_type, input.shape)


for _name, _doc in _UNARY_DOCS.items():
    op(_name, limits=_FLOAT_LIMITS, doc=_doc)(_unary_float)


# --------------------------------------------------------------------------- scalar options


@op("elu", limits=_FLOAT_LIMITS)
def elu(c: Check, input: Operand, *, alpha: float = 1.0) -> Result:
    """The exponential linear unit max(0, x) + alpha * (exp(min(0, x)) - 1), element-wise.

    ``alpha`` is a finite ``double`` (default 1), cast to the input's data type.
    """
    return c.output(input.data_type, input.shape, alpha=_scalar(c, "alpha", alpha, input.data_type))


@op("leaky_relu", limits=_FLOAT_LIMITS)
def leaky_relu(c: Check, input: Operand, *, alpha: float = 0.01) -> Result:
    """The leaky rectifier max(0, x) + alpha * min(0, x), element-wise.

    ``alpha`` is a finite ``double`` (default 0.01), cast to the input's data type.
    """
    return c.output(input.data_type, input.shape, alpha=_scalar(c, "alpha", alpha, input.data_type))


@op("hard_sigmoid", limits=_FLOAT_LIMITS)
def hard_sigmoid(c: Check, input: Operand, *, alpha: float = 0.2, beta: float = 0.5) -> Result:
    """The hard sigmoid max(0, min(1, alpha * x + beta)), element-wise.

    ``alpha`` (default 0.2) and ``beta`` (default 0.5) are finite ``double`` values,
    cast to the input's data type.
    """
    return c.output(
        input.data_type, input.shape,
        alpha=_scalar(c, "alpha", alpha, input.data_type),
        beta=_scalar(c, "beta", beta, input.data_type),
    )


@op("linear", limits=_FLOAT_LIMITS)
def linear(c: Check, input: Operand, *, alpha: float = 1.0, beta: float = 0.0) -> Result:
    """The affine function alpha * x + beta, element-wise.

    ``alpha`` (default 1) and ``beta`` (default 0) are finite ``double`` values, cast
    to the input's data type.
    """
    return c.output(
        input.data_type, input.shape,
        alpha=_scalar(c, "alpha", alpha, input.data_type),
        beta=_scalar(c, "beta", beta, input.data_type),
    )


# --------------------------------------------------------------------------- prelu, clamp, softmax


@op("prelu", limits={"input": limit((*FLOATS, "int64", "int32", "int8"), (0, N)),
                     "slope": limit(same("input"), (0, N)),
                     "output": limit(same("input"), (0, N))})
def prelu(c: Check, input: Operand, slope: Operand) -> Result:
    """The parametric rectifier max(0, x) + slope * min(0, x), element-wise.

    ``slope`` has the input's data type; the spec's steps broadcast ``slope`` and
    ``input`` bidirectionally (numpy rules), and the output has the broadcast shape.
    Integer inputs use wrapping integer arithmetic.
    """
    shape = bidirectional_broadcast(slope.shape, input.shape)
    if shape is None:
        c.fail(f"slope shape {list(slope.shape)} and input shape {list(input.shape)} "
               "are not broadcastable")
    return c.output(input.data_type, shape)


@op("clamp", limits={"input": limit(ANY, (0, N)), "output": _SAME_AS_INPUT})
def clamp(
    c: Check, input: Operand, *, min_value: float | None = None, max_value: float | None = None
) -> Result:
    """Clamps each element of the input into [min_value, max_value]: a value below min_value
    becomes min_value, one above max_value becomes max_value, and every other value passes
    unchanged (the sign of a zero included: clamp(-0, min_value=0) is -0; NaN passes through).

    ``min_value`` and ``max_value`` are ``MLNumber`` values cast to the input's data
    type; an absent bound does not clamp, i.e. defaults to -Infinity / +Infinity (the
    spec's method steps print the two defaults swapped, an evident typo since that would
    make every default call fail).  After casting, ``min_value > max_value`` is an error;
    a NaN bound does not clamp (it is stored as the infinite default).
    Any data type is allowed; for integer types an infinite bound casts to the type's
    limit.
    """
    dtype = input.data_type
    low = c.number("min_value", -math.inf if min_value is None else min_value, dtype)
    high = c.number("max_value", math.inf if max_value is None else max_value, dtype)
    # A NaN bound (float types only: integer casts turn NaN into 0) clamps nothing, like
    # IEEE maxNum / minNum.
    if isinstance(low, float) and math.isnan(low):
        low = -math.inf
    if isinstance(high, float) and math.isnan(high):
        high = math.inf
    if low > high:
        c.fail(f"min_value {low} is greater than max_value {high}")
    return c.output(dtype, input.shape, min_value=low, max_value=high)


@op("softmax", limits={"input": limit(FLOATS, (1, N)), "output": _SAME_AS_INPUT})
def softmax(c: Check, input: Operand, axis: int) -> Result:
    """The softmax exp(x - max) / sum(exp(x - max)) along ``axis``, computed stably.

    ``axis`` is a required ``unsigned long`` in [0, rank); the input has rank >= 1.
    """
    return c.output(input.data_type, input.shape, axis=c.axis("axis", axis, input.rank))
