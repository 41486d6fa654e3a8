"""OpenVINO lowerings: activation ops.

``relu`` and ``clamp`` keep a value inside the range unchanged, -0 and NaN included, where
OpenVINO's Relu / Clamp turn -0 into +0 and NaN into a bound: on a device whose Maximum
returns its second operand for NaN and equal zeros (:class:`Target`), as
Maximum(low, x) and -Maximum(-high, -x) (a pair the CPU plugin does not fuse into a Clamp, and
fuses with the ops around it); elsewhere by selecting (x < low ? low : x > high ? high : x,
with a > b written as b < a: the CPU plugin's Greater is true for NaN).
The float activations use OpenVINO's own ops where they match the reference within the WPT
tolerances; elsewhere a short decomposition computes the reference's formula.  float16
computes in float32 (the compile options) and is rounded once at the output.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import openvino.opset16 as ops

from .... import dtypes
from ..types import FLOATS
from . import OpLowering, lowering
from .elementwise import EXACT_INTS, exp_keeping_nan, from_int32, less, scalar, select, to_int32

_SIGNED_EXACT = FLOATS | {"int8", "int32"}


def _dtype(e: OpLowering) -> str:
    return e.out().data_type


def at_least(e: OpLowering, x: Any, low: float, data_type: str) -> Any:
    """max(x, low), x itself where it is NaN or a zero equal to ``low``."""
    bound = scalar(low, data_type)
    if e.target.ordered_max and data_type in FLOATS:
        return ops.maximum(bound, x).output(0)
    return select(less(x, bound, data_type), bound, x, data_type)


def at_most(e: OpLowering, x: Any, high: float, data_type: str) -> Any:
    """min(x, high), x itself where it is NaN or a zero equal to ``high``."""
    if e.target.ordered_max and data_type in FLOATS:
        return ops.negative(ops.maximum(scalar(-high, data_type), ops.negative(x))).output(0)
    bound = scalar(high, data_type)
    return select(less(bound, x, data_type), bound, x, data_type)


@lowering("relu", types=_SIGNED_EXACT)
def relu(e: OpLowering) -> Any:
    return at_least(e, e.input("input"), 0, _dtype(e))


@lowering("clamp", types=FLOATS | EXACT_INTS)
def clamp(e: OpLowering) -> Any:
    data_type = _dtype(e)
    info = dtypes.info(data_type)
    low, high = e.attrs["min_value"], e.attrs["max_value"]
    x = e.input("input")
    out = x
    if low > info.min:
        out = at_least(e, out, low, data_type)
    if high < info.max:
        out = at_most(e, out, high, data_type)
    if out is x:
        return ops.convert(x, x.get_element_type())
    return out


# --------------------------------------------------------------------------- no options


@lowering("sigmoid", types=FLOATS)
def sigmoid(e: OpLowering) -> Any:
    x = e.input("input")
    if _dtype(e) == "float16":
        return ops.sigmoid(x)
    # float32: the CPU plugin's Sigmoid flushes its tail (x < -87) to 0.  With e = exp(-|x|)
    # (subnormal results included): 1 / (1 + e) for x >= 0, e / (1 + e) below.
    t = exp_keeping_nan(ops.negative(ops.abs(x)))
    one = scalar(1, "float32")
    denominator = ops.add(one, t)
    return select(less(x, scalar(0, "float32"), "float32"), ops.divide(t, denominator), ops.divide(one, denominator))


# float32 gelu: 1 + erf(x / sqrt(2)) cancels for negative x, where the reference's is exact to
# the float32 result: float16 only.


@lowering("tanh", types=FLOATS)
def tanh(e: OpLowering) -> Any:
    return ops.tanh(e.input("input"))


@lowering("softplus", types=FLOATS)
def softplus(e: OpLowering) -> Any:
    # max(x, 0) + log1p(exp(-|x|)): no overflow, and accurate where the result is tiny (the
    # CPU plugin's SoftPlus is off by dozens of ULP, and below 0 for large negative x).
    x = e.input("input")
    y = ops.add(ops.maximum(x, _zero(x)), _log1p(exp_keeping_nan(ops.negative(ops.abs(x)))))
    return _keep_nan(x, y)


@lowering("softsign", types=FLOATS)
def softsign(e: OpLowering) -> Any:
    data_type = _dtype(e)
    x = e.input("input")
    # x / (1 + |x|); from 2**24 on the rounded value is +-1, the limit at +-inf (inf / inf is
    # NaN).  The clamp selects, so NaN stays NaN.
    bound = scalar(2.0**24, data_type) if data_type == "float32" else scalar(60000.0, data_type)
    low = ops.negative(bound)
    clipped = select(less(bound, x, data_type), bound, select(less(x, low, data_type), low, x))
    return ops.divide(clipped, ops.add(ops.abs(clipped), scalar(1, data_type)))


@lowering("gelu", types={"float16"})
def gelu(e: OpLowering) -> Any:
    x = e.input("input")
    data_type = _dtype(e)
    # 0.5 * x * (1 + erf(x / sqrt(2))), the spec's formula.  (Minimum, a no-op on erf <= 1,
    # keeps OpenVINO from fusing the formula into its Gelu, which is less accurate for
    # negative x and NaN at +inf.)
    one = scalar(1, data_type)
    z = ops.minimum(ops.erf(ops.multiply(x, scalar(1 / math.sqrt(2.0), data_type))), one)
    y = ops.multiply(ops.multiply(x, scalar(0.5, data_type)), ops.add(z, one))
    return _keep_nan(x, y)


def _zero(x: Any) -> Any:
    return ops.constant(np.zeros((), dtype=x.get_element_type().to_dtype())).output(0)


def _log1p(t: Any) -> Any:
    """log(1 + t) for t >= 0, accurate for small t: log(u) * t / (u - 1) with u = 1 + t
    (the quotient corrects the rounding of u), t itself where u rounds to 1."""
    one = ops.constant(np.ones((), dtype=t.get_element_type().to_dtype())).output(0)
    u = ops.add(t, one)
    d = ops.subtract(u, one)
    # (Maximum, a no-op on u >= 1, keeps OpenVINO from fusing log(exp(v) + 1) into SoftPlus.)
    ratio = ops.multiply(ops.log(ops.maximum(u, one)), ops.divide(t, select(ops.equal(d, _zero(t)), one, d)))
    return select(ops.equal(d, _zero(t)), t, ratio)


def _keep_nan(x: Any, y: Any) -> Any:
    return select(ops.is_nan(x), x, y)


# --------------------------------------------------------------------------- scalar options


@lowering("elu", types=FLOATS)
def elu(e: OpLowering) -> Any:
    data_type = _dtype(e)
    x = e.input("input")
    # max(0, x) + alpha * expm1(min(0, x)), with expm1(v) = 2t / (1 - t), t = tanh(v / 2),
    # which keeps full relative precision for small v (the CPU plugin's Elu computes
    # exp(v) - 1, which cancels).
    zero = _zero(x)
    t = ops.tanh(ops.multiply(ops.minimum(x, zero), scalar(0.5, data_type)))
    expm1 = ops.divide(ops.multiply(t, scalar(2.0 * float(e.attrs["alpha"]), data_type)),
                       ops.subtract(scalar(1, data_type), t))
    return _keep_nan(x, ops.add(ops.maximum(x, zero), expm1))


@lowering("leaky_relu", types=FLOATS)
def leaky_relu(e: OpLowering) -> Any:
    data_type = _dtype(e)
    x = e.input("input")
    alpha = scalar(e.attrs["alpha"], data_type)
    return select(less(x, scalar(0, data_type), data_type), ops.multiply(x, alpha), x)


@lowering("hard_sigmoid", types=FLOATS)
def hard_sigmoid(e: OpLowering) -> Any:
    data_type = _dtype(e)
    x = e.input("input")
    # alpha * x + beta rounded twice, as the reference does (Maximum with the lowest finite
    # value, which changes nothing but -inf, keeps the CPU plugin from fusing the two into
    # one fused multiply-add); a NaN input gives NaN.
    lowest = scalar(np.finfo(np.float32).min if data_type == "float32" else -65504.0, data_type)
    y = ops.maximum(ops.multiply(x, scalar(e.attrs["alpha"], data_type)), lowest)
    y = _keep_nan(x, ops.add(y, scalar(e.attrs["beta"], data_type)))
    zero, one = scalar(0, data_type), scalar(1, data_type)
    y = select(less(one, y, data_type), one, y)
    return select(less(y, zero, data_type), zero, y)


# --------------------------------------------------------------------------- prelu, softmax


@lowering("prelu", types=_SIGNED_EXACT)
def prelu(e: OpLowering) -> Any:
    data_type = _dtype(e)
    x, slope = e.input("input"), e.input("slope")
    negative = less(x, scalar(0, data_type), data_type)
    if data_type == "int8":
        product = from_int32(ops.multiply(to_int32(slope, data_type), to_int32(x, data_type)), data_type)
    else:
        product = ops.multiply(slope, x)
    out = select(negative, product, x, data_type)
    shape = tuple(e.out().shape)
    if tuple(out.get_partial_shape().to_shape()) != shape:
        out = ops.broadcast(out, e.i64(list(shape))).output(0)
    return out


@lowering("softmax", types=FLOATS)
def softmax(e: OpLowering) -> Any:
    return ops.softmax(e.input("input"), int(e.attrs["axis"]))

