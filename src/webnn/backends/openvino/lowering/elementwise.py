"""OpenVINO lowerings: element-wise ops.

OpenVINO's CPU plugin departs from WebNN in ways these lowerings work around:

* 8-bit integer Add / Subtract / Multiply saturate; WebNN wraps.  int8 / uint8 arithmetic runs
  in int32 and is converted back (integer Convert keeps the low bits).
* int64, uint64 and uint32 values are computed as int32: int64 / uint64 lose their high bits
  in any computation (they are left out of every op that computes), and uint32 compares and
  divides as signed.  uint32 comparisons flip the sign bit of both operands (as int32, the
  flip maps unsigned order onto signed order); uint32 ``div`` is left out.
* Greater / GreaterEqual are 1 for a NaN operand; Less / LessEqual are not: a > b is b < a.
* Maximum / Minimum neither propagate NaN from either operand nor order -0 below +0: the
  result is replaced by a + b where an operand is NaN (NaN) or both operands are zeros (the
  sum of zeros is -0 only if both are, as their maximum is; the minimum is -(-a + -b)).
* Integer Divide by 0 gives garbage and INT_MIN / -1 may trap: divisors 0 and -1 become 1 and
  the quotient is multiplied by the real divisor (a / 0 is 0, INT_MIN / -1 wraps).
* Sign(NaN) is NaN (WebNN: 0); float to integer Convert wraps (WebNN saturates, NaN to 0).
* Exp(NaN) is +inf; Exp and Erf are not accurate enough for float32 (float16 only).
* Integer ``pow`` is square-and-multiply over the exponent's bits in int32 (wrapping).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import openvino.opset16 as ops

from .... import dtypes
from ..types import ELEMENT_TYPES, FLOATS
from . import OpLowering, lowering

#: Integer types computed exactly: 8-bit ones through int32, uint32 as int32 bits.
SMALL_INTS = frozenset({"int8", "uint8", "int32"})
EXACT_INTS = SMALL_INTS | {"uint32"}
#: Types whose values pass through selection unchanged (int64 / uint64 lose their high bits
#: even there).
SELECTABLE = FLOATS | EXACT_INTS

_INT32_MIN = np.int32(-(2**31))


# --------------------------------------------------------------------------- helpers


def scalar(value: Any, data_type: str) -> Any:
    """A 0-d constant of WebNN ``data_type`` (its storage type)."""
    return ops.constant(np.asarray(value, dtype=dtypes.info(data_type).numpy)).output(0)


def convert(value: Any, data_type: str) -> Any:
    """``value`` as WebNN ``data_type``'s storage type (no node where it already is)."""
    target = ELEMENT_TYPES[data_type]
    out = value.output(0) if hasattr(value, "output") else value
    return out if out.get_element_type() == target else ops.convert(out, target).output(0)


def to_int32(value: Any, data_type: str) -> Any:
    """Integer ``value`` widened to int32 for arithmetic (uint32: the same bits)."""
    return convert(value, "int32") if data_type != "int32" else value


def from_int32(value: Any, data_type: str) -> Any:
    """An int32 result narrowed to ``data_type`` (the low bits: wrap-around)."""
    return convert(value, data_type)


def is_nan(value: Any) -> Any:
    return ops.is_nan(value).output(0)


def to_bool(value: Any) -> Any:
    """A WebNN boolean (uint8, nonzero is true) as an OpenVINO boolean."""
    return ops.not_equal(value, scalar(0, "uint8")).output(0)


def from_bool(value: Any) -> Any:
    return ops.convert(value, ELEMENT_TYPES["uint8"]).output(0)


def ordered(value: Any, data_type: str) -> Any:
    """``value`` in a type whose (signed) order is ``data_type``'s: uint32 as int32 with the
    sign bit flipped."""
    if data_type != "uint32":
        return value
    return ops.bitwise_xor(convert(value, "int32"), ops.constant(_INT32_MIN)).output(0)


def _wide(data_type: str) -> bool:
    """Whether comparisons of ``data_type`` need care: the CPU plugin compares 32-bit integers
    as float32 (2147483645 == 2147483647)."""
    return data_type in ("int32", "uint32")


def _zero32() -> Any:
    return scalar(0, "int32")


def equal(a: Any, b: Any, data_type: str) -> Any:
    """a == b.  32-bit integers: a - b == 0 (the wrapped difference is 0 only for equal values,
    and no nonzero integer compares equal to 0 in float32)."""
    if _wide(data_type):
        a, b = to_int32(a, data_type), to_int32(b, data_type)
        return ops.equal(ops.subtract(a, b), _zero32()).output(0)
    return ops.equal(a, b).output(0)


def less(a: Any, b: Any, data_type: str) -> Any:
    """a < b (false with a NaN operand).  32-bit integers: max(a, b) - a != 0 (Maximum and
    Subtract are exact)."""
    if _wide(data_type):
        a, b = ordered(a, data_type), ordered(b, data_type)
        return ops.not_equal(ops.subtract(ops.maximum(a, b), a), _zero32()).output(0)
    return ops.less(a, b).output(0)


def less_equal(a: Any, b: Any, data_type: str) -> Any:
    """a <= b (false with a NaN operand).  32-bit integers: min(a, b) - a == 0."""
    if _wide(data_type):
        a, b = ordered(a, data_type), ordered(b, data_type)
        return ops.equal(ops.subtract(ops.minimum(a, b), a), _zero32()).output(0)
    return ops.less_equal(a, b).output(0)


def select(condition: Any, true_value: Any, false_value: Any, data_type: str | None = None) -> Any:
    """``true_value`` where ``condition`` (boolean) holds, else ``false_value``, of WebNN
    ``data_type`` (None: float or 8-bit integer values).  The CPU plugin may select 32-bit
    integers through float32 (2147483647 comes out as -2147483648): those are blended as
    f + (t - f) * condition in int32, whose wrapping arithmetic is exact."""
    if data_type in ("int32", "uint32"):
        t, f = to_int32(true_value, data_type), to_int32(false_value, data_type)
        mask = ops.convert(condition, ELEMENT_TYPES["int32"])
        return from_int32(ops.add(f, ops.multiply(ops.subtract(t, f), mask)), data_type)
    return ops.select(condition, true_value, false_value).output(0)


def _negative_zero(x: Any) -> Any:
    """Where x is -0 (1 / x is -inf; false for every other value)."""
    zero = _zero_like(x)
    return ops.logical_and(ops.equal(x, zero), ops.less(ops.divide(_one_like(x), x), zero))


def _ieee_extreme(a: Any, b: Any, extreme: Any, negative: Any) -> Any:
    """``extreme`` (Maximum / Minimum) with NaN propagated and a tie of zeros resolved:
    -0 where ``negative`` (and / or) of the operands' -0 flags holds, else +0.  (Not a + b,
    which OpenVINO drops as a no-op when an operand is a constant zero.)"""
    zero = _zero_like(a)
    both_zero = ops.logical_and(ops.equal(a, zero), ops.equal(b, zero))
    tie = select(negative(_negative_zero(a), _negative_zero(b)), ops.negative(zero), zero)
    nan = ops.logical_or(is_nan(a), is_nan(b))
    return select(nan, ops.add(a, b), select(both_zero, tie, extreme(a, b)))


def ieee_maximum(a: Any, b: Any) -> Any:
    """IEEE 754-2019 maximum of floats: NaN propagates, -0 < +0."""
    return _ieee_extreme(a, b, ops.maximum, ops.logical_and)


def ieee_minimum(a: Any, b: Any) -> Any:
    """IEEE 754-2019 minimum of floats: NaN propagates, -0 < +0."""
    return _ieee_extreme(a, b, ops.minimum, ops.logical_or)


def _one_like(value: Any) -> Any:
    out = value.output(0) if hasattr(value, "output") else value
    return ops.constant(np.ones((), dtype=out.get_element_type().to_dtype())).output(0)


def _zero_like(value: Any) -> Any:
    out = value.output(0) if hasattr(value, "output") else value
    return ops.constant(np.zeros((), dtype=out.get_element_type().to_dtype())).output(0)


def maximum(a: Any, b: Any, data_type: str) -> Any:
    """WebNN ``max`` of two values of ``data_type``."""
    if data_type in FLOATS:
        return ieee_maximum(a, b)
    if data_type == "uint32":
        return select(less(a, b, data_type), b, a, data_type)
    return ops.maximum(a, b).output(0)


def minimum(a: Any, b: Any, data_type: str) -> Any:
    """WebNN ``min`` of two values of ``data_type``."""
    if data_type in FLOATS:
        return ieee_minimum(a, b)
    if data_type == "uint32":
        return select(less(b, a, data_type), b, a, data_type)
    return ops.minimum(a, b).output(0)


# --------------------------------------------------------------------------- binary arithmetic

_ARITHMETIC = {"add": ops.add, "sub": ops.subtract, "mul": ops.multiply}


@lowering("add", "sub", "mul", types=FLOATS | EXACT_INTS)
def arithmetic(e: OpLowering) -> Any:
    data_type = e.out().data_type
    func = _ARITHMETIC[e.op.type]
    a, b = e.input("a"), e.input("b")
    if data_type in ("int8", "uint8"):
        return from_int32(func(to_int32(a, data_type), to_int32(b, data_type)), data_type)
    out = func(a, b)
    if data_type in FLOATS and e.op.type != "mul":
        out = _zero_sum_fix(e, out)
    return out


def _zero_sum_fix(e: OpLowering, out: Any) -> Any:
    """OpenVINO drops an Add / Subtract of a constant zero as a no-op, but -0 + 0 is +0 (as are
    -0 - (-0) and 0 - 0): where a constant operand is such a zero and the other operand is a zero,
    the result is made +0."""
    for name, other in (("a", "b"), ("b", "a")):
        ref = e.op.inputs[name]
        value = e.graph.constants.get(ref) if isinstance(ref, int) else None
        if value is None:
            continue
        value = np.asarray(value)
        # The constant zeros that make a zero result +0 whatever the other zero's sign.
        if e.op.type == "add":
            mask = (value == 0) & ~np.signbit(value)
        elif name == "b":  # x - c: x + (-c)
            mask = (value == 0) & np.signbit(value)
        else:  # c - x: +0 - (+-0) is +0
            mask = (value == 0) & ~np.signbit(value)
        if not mask.any():
            continue
        x = e.input(other)
        zero = _zero_like(x)
        fix = ops.logical_and(ops.equal(x, zero), ops.constant(mask))
        out = select(fix, zero, out)
    return out


@lowering("div", types=FLOATS | {"int8", "uint8"})
def div(e: OpLowering) -> Any:
    data_type = e.out().data_type
    a, b = e.input("a"), e.input("b")
    if data_type in FLOATS:
        return ops.divide(a, b)
    a, b = to_int32(a, data_type), to_int32(b, data_type)
    zero, one = scalar(0, "int32"), scalar(1, "int32")
    guard = ops.logical_or(ops.equal(b, zero), ops.equal(b, scalar(-1, "int32")))
    quotient = ops.divide(a, select(guard, one, b))
    return from_int32(ops.multiply(quotient, select(guard, b, one)), data_type)


@lowering("pow", types=FLOATS | EXACT_INTS)
def power(e: OpLowering) -> Any:
    data_type = e.out().data_type
    a, b = e.input("a"), e.input("b")
    if data_type in FLOATS:
        return ops.power(a, b)
    return from_int32(_integer_pow(to_int32(a, data_type), to_int32(b, data_type), data_type), data_type)


def _integer_pow(a: Any, b: Any, data_type: str) -> Any:
    """a ** b in int32 (wrapping) by square-and-multiply over the bits of b."""
    info = dtypes.info(data_type)
    bits = info.bits - 1 if info.is_signed else info.bits
    zero, one = scalar(0, "int32"), scalar(1, "int32")
    result = base = None
    for k in range(bits):
        base = a if base is None else ops.multiply(base, base)
        mask = np.int32(np.uint32(1 << k).view(np.int32))
        clear = ops.equal(ops.bitwise_and(b, ops.constant(mask)), zero)
        factor = select(clear, one, base, "int32")
        result = factor if result is None else ops.multiply(result, factor)
    assert result is not None
    if info.is_signed:
        # A negative exponent: 1 / a ** -b truncated.  For a = +-1 the loop already gives a ** b
        # (only the parity of b matters, bit 0); anything else gives 0.
        unit = ops.equal(ops.abs(a), one)
        vanish = ops.logical_and(ops.less(b, zero), ops.logical_not(unit))
        result = select(vanish, zero, result, "int32")
    return result


@lowering("max", types=FLOATS | EXACT_INTS)
def max_(e: OpLowering) -> Any:
    return maximum(e.input("a"), e.input("b"), e.out().data_type)


@lowering("min", types=FLOATS | EXACT_INTS)
def min_(e: OpLowering) -> Any:
    return minimum(e.input("a"), e.input("b"), e.out().data_type)


# --------------------------------------------------------------------------- comparisons, logical ops


@lowering("equal", "not_equal", "greater", "greater_or_equal", "lesser", "lesser_or_equal",
          types=FLOATS | EXACT_INTS)
def comparison(e: OpLowering) -> Any:
    data_type = e.desc("a").data_type
    a, b = e.input("a"), e.input("b")
    kind = e.op.type
    if kind == "equal":
        out = equal(a, b, data_type)
    elif kind == "not_equal":
        out = ops.logical_not(equal(a, b, data_type)).output(0)
    elif kind == "greater":
        out = less(b, a, data_type)
    elif kind == "greater_or_equal":
        out = less_equal(b, a, data_type)
    elif kind == "lesser":
        out = less(a, b, data_type)
    else:
        out = less_equal(a, b, data_type)
    return from_bool(out)


_LOGICAL = {"logical_and": ops.logical_and, "logical_or": ops.logical_or, "logical_xor": ops.logical_xor}


@lowering(*_LOGICAL, types={"uint8"})
def logical(e: OpLowering) -> Any:
    return from_bool(_LOGICAL[e.op.type](to_bool(e.input("a")), to_bool(e.input("b"))))


@lowering("logical_not", types={"uint8"})
def logical_not(e: OpLowering) -> Any:
    return from_bool(ops.equal(e.input("a"), scalar(0, "uint8")))


@lowering("is_nan", types=FLOATS | {"uint8"})
def is_nan_(e: OpLowering) -> Any:
    return from_bool(ops.is_nan(e.input("a")))


@lowering("is_infinite", types=FLOATS | {"uint8"})
def is_infinite(e: OpLowering) -> Any:
    return from_bool(ops.is_inf(e.input("a")))


# --------------------------------------------------------------------------- unary ops

_FLOAT_UNARY = {
    "ceil": ops.ceiling, "floor": ops.floor, "cos": ops.cos, "sin": ops.sin, "tan": ops.tan,
    "log": ops.log, "sqrt": ops.sqrt,
}


@lowering(*_FLOAT_UNARY, types=FLOATS)
def float_unary(e: OpLowering) -> Any:
    return _FLOAT_UNARY[e.op.type](e.input("input"))


#: erf(x) = x * P(x**2) for |x| < 0.5: the Taylor coefficients 2/sqrt(pi) * (-1)**k / (k! (2k+1)),
#: whose next term is below float32's rounding there.
_ERF_SERIES = [2 / math.sqrt(math.pi) * (-1) ** k / (math.factorial(k) * (2 * k + 1)) for k in range(8)]


@lowering("erf", types=FLOATS)
def erf(e: OpLowering) -> Any:
    # The CPU plugin's Erf is within 5 ULP from |x| = 0.5 on, but only within 4e-7 absolute
    # below (erf(1e-20) is not 1.1e-20): there, the series (Horner's rule, in float32).
    x = e.input("input")
    data_type = e.out().data_type
    x32 = convert(x, "float32")
    squared = ops.multiply(x32, x32)
    poly = ops.constant(np.float32(_ERF_SERIES[-1])).output(0)
    for c in reversed(_ERF_SERIES[:-1]):
        poly = ops.add(ops.multiply(poly, squared), ops.constant(np.float32(c))).output(0)
    small = ops.less(ops.abs(x32), ops.constant(np.float32(0.5)))
    return convert(ops.select(small, ops.multiply(x32, poly), ops.erf(x32)), data_type)


@lowering("exp", types=FLOATS)
def exp(e: OpLowering) -> Any:
    # (float32: within 5 ULP, inside the WPT tolerance of 32 ULP; subnormal results included)
    return exp_keeping_nan(e.input("input"))


#: Below this, float32 exp(x) is subnormal, and the CPU plugin's Exp gives 0 (from about -87.3).
_EXP_SUBNORMAL = -80.0


def exp_keeping_nan(x: Any) -> Any:
    """exp(x), NaN for NaN (the CPU plugin's Exp gives +inf).  float32 results below
    exp(-80) are exp(x + 64) * exp(-64): the addition is exact there, and the product rounds
    once into the subnormal range, where the plugin's Exp would give 0."""
    out = x.output(0) if hasattr(x, "output") else x
    y = ops.exp(x).output(0)
    if out.get_element_type() == ELEMENT_TYPES["float32"]:
        shifted = ops.multiply(ops.exp(ops.add(x, scalar(64.0, "float32"))), scalar(math.exp(-64.0), "float32"))
        y = ops.select(ops.less(x, scalar(_EXP_SUBNORMAL, "float32")), shifted, y).output(0)
    return select(is_nan(x), x, y)


@lowering("round_even", types=FLOATS)
def round_even(e: OpLowering) -> Any:
    return ops.round(e.input("input"), "half_to_even")


@lowering("reciprocal", types=FLOATS)
def reciprocal(e: OpLowering) -> Any:
    return ops.divide(scalar(1, e.out().data_type), e.input("input"))


@lowering("abs", "neg", types=FLOATS | {"int8", "int32"})
def abs_neg(e: OpLowering) -> Any:
    data_type = e.out().data_type
    func = ops.abs if e.op.type == "abs" else ops.negative
    x = e.input("input")
    if data_type == "int8":
        return from_int32(func(to_int32(x, data_type)), data_type)
    return func(x)


@lowering("sign", types=FLOATS | {"int8", "int32"})
def sign(e: OpLowering) -> Any:
    data_type = e.out().data_type
    x = e.input("input")
    if data_type in FLOATS:
        zero = scalar(0, data_type)
        return select(is_nan(x), zero, ops.sign(x))
    return from_int32(ops.sign(to_int32(x, data_type)), data_type)


@lowering("identity", types=SELECTABLE | {"int4", "uint4"})
def identity(e: OpLowering) -> Any:
    # A node of its own: the output may be a graph output under another name than the input.
    x = e.input("input")
    return ops.convert(x, x.get_element_type())


# --------------------------------------------------------------------------- cast

_CAST_TYPES = FLOATS | EXACT_INTS | {"int4", "uint4"}


@lowering("cast", types=_CAST_TYPES)
def cast(e: OpLowering) -> Any:
    source, target = e.desc("input").data_type, e.out().data_type
    x = e.input("input")
    if source == target:
        return ops.convert(x, x.get_element_type())
    source_info, target_info = dtypes.info(source), dtypes.info(target)
    if target_info.is_float:
        return convert(x, target)  # nearest value, +-Infinity out of range
    if source_info.is_float:
        return _float_to_integer(x, source, target)
    return _integer_to_integer(x, source, target)


def _float_to_integer(x: Any, source: str, target: str) -> Any:
    """Truncation toward zero, saturating out of range, NaN to 0."""
    info = dtypes.info(target)
    x = convert(x, "float32")  # exact for float16
    x = select(is_nan(x), scalar(0, "float32"), x)
    low = np.float32(info.min)  # 0 or minus a power of two: exact
    high = np.float32(info.max)
    if float(high) > info.max:  # rounded up (int32, uint32): take the float32 below it
        high = np.nextafter(high, np.float32(-np.inf))
    clipped = ops.minimum(ops.maximum(x, ops.constant(low)), ops.constant(high))
    if target == "uint32":
        # Values from 2**31 on go through int32 as their two's complement (exact in float32).
        wrap = np.float32(2.0**31)
        shifted = select(ops.greater_equal(clipped, ops.constant(wrap)),
                         ops.subtract(clipped, ops.constant(np.float32(2.0**32))), clipped)
        out = convert(ops.convert(shifted, ELEMENT_TYPES["int32"]), "uint32")
    else:
        out = convert(ops.convert(clipped, ELEMENT_TYPES["int32"]), target)
    if int(high) < info.max:
        # Values above the largest float32 that fits saturate to the maximum.
        above = ops.less(ops.constant(high), x)
        out = select(above, scalar(info.max, target), out, target)
    return out


def _integer_to_integer(x: Any, source: str, target: str) -> Any:
    """The low bits of the two's complement value, read as the target type."""
    if target == "uint4":
        x = to_int32(x, source)
        return convert(ops.bitwise_and(x, scalar(15, "int32")), "uint8")
    if target == "int4":
        x = to_int32(x, source)
        # ((x + 8) mod 16) - 8: sign-extends the low 4 bits.
        low = ops.bitwise_and(ops.add(x, scalar(8, "int32")), scalar(15, "int32"))
        return convert(ops.subtract(low, scalar(8, "int32")), "int8")
    if ELEMENT_TYPES[source] == ELEMENT_TYPES[target]:
        return ops.convert(x, x.get_element_type())  # e.g. int4 -> int8: the stored values are the values
    return convert(x, target)


# --------------------------------------------------------------------------- where


@lowering("where", types=SELECTABLE)
def where(e: OpLowering) -> Any:
    data_type = e.out().data_type
    return select(to_bool(e.input("condition")), e.input("true_value"), e.input("false_value"), data_type)
