"""LiteRT lowerings: element-wise ops (arithmetic, comparisons, logical ops, unary math, cast,
where).

TFLite's binary operators broadcast like WebNN (NumPy's rule).  float16 computes in float32,
rounded once per operation.  TFLite's kernels, and the XNNPACK delegate that runs most float
operators, depart from WebNN in ways these lowerings work around:

* 8-bit integer ADD / SUB / comparisons / ABS need quantization parameters: int8 and uint8 are
  computed in int32 and CAST back (CAST between integers keeps the low bits: wrap-around).
  uint32 and uint64 arithmetic runs on the same bits as int32 / int64 (BITCAST): wrapping
  addition, subtraction and multiplication do not depend on the sign.  uint32 is ordered as
  int64; uint64 as int64 plus 2**63 (the sign bit flipped).
* int32 DIV fails on 0 and saturates INT32_MIN / -1: divisors 0 and -1 become 1 and the
  quotient is multiplied by the real divisor (a / 0 is 0, INT32_MIN / -1 wraps).  uint32 is
  divided in int64 from float32 estimates; int64 / uint64 have no division.
* MAXIMUM / MINIMUM neither propagate NaN from either operand nor order -0 below +0 (and
  XNNPACK's, with a constant zero operand, may give +0 for a negative one): the maximum is a > b
  selecting a or b, but a + b where an operand is NaN or both are zeros (NaN; the sum of zeros
  is -0 only if both are); the minimum is -max(-a, -b).
* CAST from float to integer saturates but gives the maximum for NaN (WebNN: 0); SIGN(NaN) is
  NaN (WebNN: 0).  TFLite has no uint64 CAST: uint64 goes through int64's bits.
* XNNPACK: NEG(+0) is +0 (x * -1 is used).  SQRT is off by up to 2 ULP and wrong above
  2**126: POW(x, 0.5), within 1 ULP, is rounded correctly by an exact int64 test.  EXP is off
  by up to 62 ULP for |x| > 40 and gives 0 for NaN: Cody-Waite reduction to |r| <= ln(2) / 2,
  then exact scaling by 2**k (or an integer rounding that makes a subnormal result's bits).
  LOG is 15 ULP off near 1 and overflows near FLT_MAX: log(2**k m) = k ln 2 + 2 atanh((m - 1) /
  (m + 1)), m in [sqrt(1/2), sqrt(2)).  SIN / COS lose all accuracy beyond 2**24 and are 3 ULP
  off within pi / 4: x is reduced by pi / 2 exactly (x = m * 2**e, and m * frac(2**e / 2pi) is
  computed in 64-bit fixed point with int64's wrapping multiply), then Taylor polynomials.
* TFLite has no TAN (sin r / cos r, or -cos r / sin r, after the same reduction), no ERF (a
  Taylor series below 0.5, erfc's Chebyshev fit above: within 2e-7; subnormal arguments in int64
  fixed point) and no IS_NAN (x != x).
* XNNPACK flushes subnormal operands and results of its float arithmetic to zero (add, sub,
  mul, div, and the ops made of them); sqrt, reciprocal, log, exp and erf keep them (POW,
  comparisons, selection and integer arithmetic on the bits).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..types import BOOL, FLOAT32, FLOATS, INT32, INT64, SPEC, UINT8, UINT64
from . import OpLowering, lowering

# --------------------------------------------------------------------------- helpers


def shape_of(e: OpLowering, *tensors: int) -> tuple[int, ...]:
    """The broadcast shape of ``tensors``."""
    return tuple(np.broadcast_shapes(*(e.writer.shape(t) for t in tensors)))


def op(e: OpLowering, name: str, *inputs: int, tensor_type: int | None = None, opts: Any = None) -> int:
    """Operator ``name`` on ``inputs`` (broadcast), making a tensor of ``tensor_type`` (default:
    the first input's type)."""
    if tensor_type is None:
        tensor_type = e.writer.type(inputs[0])
    return e.emit(name, list(inputs), shape_of(e, *inputs), tensor_type, opts)


def scalar(e: OpLowering, value: Any, like: int) -> int:
    """A 0-D constant of ``like``'s tensor type."""
    return e.constant(value, e.writer.type(like))


def compare(e: OpLowering, name: str, a: int, b: int) -> int:
    """A BOOL tensor: comparison operator ``name`` (EQUAL, LESS ...) of ``a`` and ``b``."""
    return op(e, name, a, b, tensor_type=BOOL)


def select(e: OpLowering, condition: int, true_value: int, false_value: int) -> int:
    """``true_value`` where BOOL ``condition`` holds, else ``false_value`` (broadcast)."""
    return op(e, "SELECT_V2", condition, true_value, false_value, tensor_type=e.writer.type(true_value))


def logical(e: OpLowering, name: str, *inputs: int) -> int:
    return op(e, name, *inputs, tensor_type=BOOL)


def to_uint8(e: OpLowering, condition: int) -> int:
    """A BOOL tensor as WebNN's uint8 0 / 1."""
    return e.cast(condition, UINT8)


def to_bool(e: OpLowering, value: int) -> int:
    """A uint8 tensor as BOOL (nonzero is true)."""
    return e.cast(value, BOOL)


def bitcast(e: OpLowering, tensor: int, tensor_type: int) -> int:
    """``tensor``'s bits as ``tensor_type`` (of the same width)."""
    if e.writer.type(tensor) == tensor_type:
        return tensor
    return e.emit("BITCAST", [tensor], e.writer.shape(tensor), tensor_type)


def negate(e: OpLowering, x: int) -> int:
    """-x (floats: x * -1, which gives -0 for +0; integers: NEG, wrapping)."""
    if e.writer.type(x) == FLOAT32:
        return op(e, "MUL", x, scalar(e, -1.0, x), opts=e.options("MulOptions"))
    return op(e, "NEG", x)


def binary(e: OpLowering, name: str, a: int, b: int) -> int:
    """ADD / SUB / MUL / DIV of ``a`` and ``b`` (no fused activation)."""
    table = {"ADD": "AddOptions", "SUB": "SubOptions", "MUL": "MulOptions", "DIV": "DivOptions"}[name]
    return op(e, name, a, b, opts=e.options(table))


def is_nan(e: OpLowering, x: int) -> int:
    return compare(e, "NOT_EQUAL", x, x)


def horner(e: OpLowering, t: int, coefficients: Sequence[float]) -> int:
    """sum(coefficients[k] * t**k)."""
    result = scalar(e, coefficients[-1], t)
    for c in reversed(coefficients[:-1]):
        result = binary(e, "ADD", binary(e, "MUL", result, t), scalar(e, c, t))
    return result


#: WebNN integer type -> (the tensor type its wrapping arithmetic runs in, how it gets there).
_WORK = {
    "int8": (INT32, "CAST"), "uint8": (INT32, "CAST"), "int32": (INT32, None),
    "uint32": (INT32, "BITCAST"), "int64": (INT64, None), "uint64": (INT64, "BITCAST"),
}


def to_work(e: OpLowering, x: int, data_type: str) -> int:
    """Integer ``x`` in the type its wrapping arithmetic runs in (the same low bits)."""
    work, how = _WORK[data_type]
    if how == "BITCAST":
        return bitcast(e, x, work)
    return e.cast(x, work)


def from_work(e: OpLowering, x: int, data_type: str) -> int:
    """A result of :func:`to_work`'s type back in ``data_type`` (its low bits)."""
    target = e.type_of(data_type)
    if _WORK[data_type][1] == "BITCAST":
        return bitcast(e, x, target)
    return e.cast(x, target)


def ordered(e: OpLowering, x: int, data_type: str) -> int:
    """``x`` in a type whose signed order (and equality) is ``data_type``'s: floats and 32 / 64-bit
    signed integers as they are, 8-bit integers as int32, uint32 as int64, uint64 as int64 plus
    2**63 (wrapping: the sign bit flipped maps unsigned order onto signed order)."""
    if data_type in FLOATS or data_type in ("int32", "int64"):
        return x
    if data_type in ("int8", "uint8"):
        return e.cast(x, INT32)
    if data_type == "uint32":
        return e.cast(x, INT64)
    x = bitcast(e, x, INT64)
    return binary(e, "ADD", x, e.constant(np.iinfo(np.int64).min, INT64))


# --------------------------------------------------------------------------- binary arithmetic

#: WebNN op -> TFLite operator, options table.
_ARITHMETIC = {"add": ("ADD", "AddOptions"), "sub": ("SUB", "SubOptions"), "mul": ("MUL", "MulOptions"),
               "div": ("DIV", "DivOptions")}
#: Integer types ``div`` is exact for (int32's DIV, guarded; 8-bit types through int32; uint32 by
#: float32 estimates corrected in int64).  TFLite has no int64 division.
_DIV_INTS = frozenset({"int8", "uint8", "int32", "uint32"})


@lowering("add", "sub", "mul", types=SPEC)
@lowering("div", types=FLOATS | _DIV_INTS)
def arithmetic(e: OpLowering) -> int:
    data_type = e.out().data_type
    operator, table = _ARITHMETIC[e.op.type]
    if data_type in FLOATS:
        opts = e.options(table, fusedActivationFunction=e.fuse_activation())
        return e.emit(operator, [e.input("a"), e.input("b")], e.out().shape, e.out_type(), opts)
    if e.op.type == "div" and data_type == "uint32":
        return e.cast(unsigned_div(e, e.cast(e.input("a"), INT64), e.cast(e.input("b"), INT64)), e.out_type())
    a, b = to_work(e, e.input("a"), data_type), to_work(e, e.input("b"), data_type)
    if e.op.type == "div":
        return from_work(e, int_div(e, a, b), data_type)
    return from_work(e, binary(e, operator, a, b), data_type)


def int_div(e: OpLowering, a: int, b: int) -> int:
    """a / b in int32, truncating: a / 0 is 0 and INT32_MIN / -1 wraps (the divisor is 1 there,
    and the quotient is multiplied by the real divisor)."""
    zero, one, minus_one = (e.constant(v, INT32) for v in (0, 1, -1))
    guard = logical(e, "LOGICAL_OR", compare(e, "EQUAL", b, zero), compare(e, "EQUAL", b, minus_one))
    quotient = binary(e, "DIV", a, select(e, guard, one, b))
    return binary(e, "MUL", quotient, select(e, guard, b, one))


def unsigned_div(e: OpLowering, n: int, d: int) -> int:
    """floor(n / d) of int64 tensors in [0, 2**32) (0 where d is 0): the float32 quotient is within
    2**10 of it, the float32 quotient of the remainder within 1 of the rest, and the remainder's
    sign and size correct that last unit."""
    zero, one = e.constant(0, INT64), e.constant(1, INT64)
    by_zero = compare(e, "EQUAL", d, zero)
    d = select(e, by_zero, one, d)
    divisor = e.cast(d, FLOAT32)

    def estimate(numerator: int) -> int:
        return e.cast(op(e, "FLOOR", binary(e, "DIV", e.cast(numerator, FLOAT32), divisor)), INT64)

    def remainder(quotient: int) -> int:
        return binary(e, "SUB", n, binary(e, "MUL", quotient, d))

    quotient = estimate(n)
    quotient = binary(e, "ADD", quotient, estimate(remainder(quotient)))
    rest = remainder(quotient)
    quotient = binary(e, "SUB", quotient, e.cast(compare(e, "LESS", rest, zero), INT64))
    quotient = binary(e, "ADD", quotient, e.cast(compare(e, "GREATER_EQUAL", rest, d), INT64))
    return select(e, by_zero, zero, quotient)


@lowering("max", "min", types=SPEC)
def extreme(e: OpLowering) -> int:
    data_type = e.out().data_type
    a, b = e.input("a"), e.input("b")
    maximum = e.op.type == "max"
    if data_type in FLOATS:
        if maximum:
            return ieee_maximum(e, a, b, e.constant_value("a"), e.constant_value("b"))
        return negate(e, ieee_maximum(e, negate(e, a), negate(e, b), None, None))
    if data_type == "uint64":
        ka, kb = ordered(e, a, data_type), ordered(e, b, data_type)
        return select(e, compare(e, "GREATER" if maximum else "LESS", ka, kb), a, b)
    operator = "MAXIMUM" if maximum else "MINIMUM"
    if data_type == "uint32":
        return e.cast(op(e, operator, e.cast(a, INT64), e.cast(b, INT64)), e.out_type())
    return op(e, operator, a, b)


def ieee_maximum(e: OpLowering, a: int, b: int, a_value: np.ndarray | None,
                 b_value: np.ndarray | None) -> int:
    """IEEE 754-2019 maximum of float32 tensors: NaN propagates and +0 > -0.  Where an operand is
    NaN or both are zeros, the result is a + b; elsewhere a > b selects (XNNPACK's MAXIMUM with a
    constant zero may give +0 for a negative operand).  A constant operand (its value given)
    without NaN or zeros needs no check."""
    result = select(e, compare(e, "GREATER", a, b), a, b)
    checks = []
    for x, value in ((a, a_value), (b, b_value)):
        if value is None or np.isnan(value).any():
            checks.append(is_nan(e, x))
    if all(value is None or (value == 0).any() for value in (a_value, b_value)):
        zero = scalar(e, 0.0, a)
        checks.append(logical(e, "LOGICAL_AND", compare(e, "EQUAL", a, zero), compare(e, "EQUAL", b, zero)))
    if not checks:
        return result
    condition = checks[0]
    for check in checks[1:]:
        condition = logical(e, "LOGICAL_OR", condition, check)
    return select(e, condition, binary(e, "ADD", a, b), result)


# --------------------------------------------------------------------------- pow

#: The exponent bits square-and-multiply goes over, per integer type.
_POW_BITS = {"int8": 7, "uint8": 8, "int32": 31, "uint32": 32, "int64": 63, "uint64": 64}


@lowering("pow", types=SPEC)
def power(e: OpLowering) -> int:
    data_type = e.out().data_type
    a, b = e.input("a"), e.input("b")
    if data_type in FLOATS:
        return op(e, "POW", a, b)
    a, b = to_work(e, a, data_type), to_work(e, b, data_type)
    exponent = e.constant_value("b")
    bits = _POW_BITS[data_type]
    negative = data_type.startswith("int") and (exponent is None or bool((exponent < 0).any()))
    if exponent is not None:
        largest = int(np.max(exponent)) if exponent.size else 0
        bits = min(bits, max(largest, 1).bit_length()) if largest >= 0 else 1
    result = integer_pow(e, a, b, bits)
    if negative:
        # a ** b for b < 0 is 1 / a ** -b truncated: the loop's +-1 for a = +-1 (bit 0 is the
        # parity), 0 otherwise.
        zero = scalar(e, 0, a)
        unit = logical(e, "LOGICAL_OR", compare(e, "EQUAL", a, scalar(e, 1, a)),
                       compare(e, "EQUAL", a, scalar(e, -1, a)))
        vanish = logical(e, "LOGICAL_AND", compare(e, "LESS", b, scalar(e, 0, b)),
                         logical(e, "LOGICAL_NOT", unit))
        result = select(e, vanish, zero, result)
    return from_work(e, result, data_type)


def integer_pow(e: OpLowering, a: int, b: int, bits: int) -> int:
    """a ** b (wrapping) by square-and-multiply over the low ``bits`` bits of b, in a's type."""
    width = 64 if e.writer.type(b) == INT64 else 32
    one = scalar(e, 1, a)
    result = None
    base = a
    for k in range(bits):
        if k:
            base = binary(e, "MUL", base, base)
        factor = select(e, bit_set(e, b, k, width), base, one)
        result = factor if result is None else binary(e, "MUL", result, factor)
    assert result is not None
    return result


def bit_set(e: OpLowering, b: int, k: int, width: int) -> int:
    """Where bit ``k`` of ``b`` (a ``width``-bit signed integer tensor) is 1 (BOOL)."""
    if k == width - 1:
        return compare(e, "LESS", b, scalar(e, 0, b))  # the sign bit
    if k == width - 2:  # (2**(k + 1) is out of range): b less its low k bits is +-2**k
        top = binary(e, "SUB", b, op(e, "FLOOR_MOD", b, scalar(e, 1 << k, b)))
        return logical(e, "LOGICAL_OR", compare(e, "EQUAL", top, scalar(e, 1 << k, b)),
                       compare(e, "EQUAL", top, scalar(e, -(1 << k), b)))
    low = op(e, "FLOOR_MOD", b, scalar(e, 1 << (k + 1), b))
    return compare(e, "GREATER_EQUAL", low, scalar(e, 1 << k, b))


# --------------------------------------------------------------------------- comparisons, logical ops

#: WebNN op -> TFLite operator (BOOL result).
_COMPARISONS = {"equal": "EQUAL", "not_equal": "NOT_EQUAL", "greater": "GREATER",
                "greater_or_equal": "GREATER_EQUAL", "lesser": "LESS", "lesser_or_equal": "LESS_EQUAL"}


@lowering(*_COMPARISONS, types=SPEC, output_types={"uint8"})
def comparison(e: OpLowering) -> int:
    data_type = e.desc("a").data_type
    a, b = ordered(e, e.input("a"), data_type), ordered(e, e.input("b"), data_type)
    return to_uint8(e, compare(e, _COMPARISONS[e.op.type], a, b))


#: WebNN op -> TFLite operator on BOOL tensors (xor: not equal).
_LOGICAL = {"logical_and": "LOGICAL_AND", "logical_or": "LOGICAL_OR", "logical_xor": "NOT_EQUAL"}


@lowering(*_LOGICAL, types={"uint8"})
def logical_binary(e: OpLowering) -> int:
    a, b = to_bool(e, e.input("a")), to_bool(e, e.input("b"))
    return to_uint8(e, logical(e, _LOGICAL[e.op.type], a, b))


@lowering("logical_not", types={"uint8"})
def logical_not(e: OpLowering) -> int:
    return to_uint8(e, logical(e, "LOGICAL_NOT", to_bool(e, e.input("a"))))


@lowering("is_nan", types=FLOATS, output_types={"uint8"})
def is_nan_(e: OpLowering) -> int:
    return to_uint8(e, is_nan(e, e.input("a")))


@lowering("is_infinite", types=FLOATS, output_types={"uint8"})
def is_infinite(e: OpLowering) -> int:
    x = e.input("a")
    return to_uint8(e, compare(e, "EQUAL", op(e, "ABS", x), scalar(e, np.inf, x)))


# --------------------------------------------------------------------------- unary ops

_SIGNED = FLOATS | {"int8", "int32", "int64"}


@lowering("abs", types=_SIGNED)
def abs_(e: OpLowering) -> int:
    data_type = e.out().data_type
    x = e.input("input")
    if data_type == "int64":  # (no int64 ABS)
        return select(e, compare(e, "LESS", x, scalar(e, 0, x)), negate(e, x), x)
    if data_type == "int8":  # (no int8 ABS without quantization)
        return from_work(e, op(e, "ABS", to_work(e, x, data_type)), data_type)
    return op(e, "ABS", x)


@lowering("neg", types=_SIGNED)
def neg(e: OpLowering) -> int:
    return negate(e, e.input("input"))


@lowering("sign", types=_SIGNED)
def sign(e: OpLowering) -> int:
    # (x > 0) - (x < 0): 0 for zeros and NaN
    data_type = e.out().data_type
    x = e.input("input")
    work = FLOAT32 if data_type in FLOATS else _WORK[data_type][0]
    x = ordered(e, x, data_type)
    zero = scalar(e, 0, x)
    positive = e.cast(compare(e, "GREATER", x, zero), work)
    negative = e.cast(compare(e, "LESS", x, zero), work)
    result = binary(e, "SUB", positive, negative)
    return result if data_type in FLOATS else from_work(e, result, data_type)


#: WebNN op -> the TFLite operator that computes it exactly.
_EXACT = {"ceil": "CEIL", "floor": "FLOOR", "round_even": "ROUND"}


@lowering(*_EXACT, types=FLOATS)
def rounding(e: OpLowering) -> int:
    return op(e, _EXACT[e.op.type], e.input("input"))


#: 2**k for k in [0, 62] (GATHER's table for an int64 shift).
_POWERS_OF_TWO = np.asarray([1 << k for k in range(63)], dtype=np.int64)


@lowering("sqrt", types=FLOATS)
def sqrt(e: OpLowering) -> int:
    # POW(x, 0.5) for finite x > 0 (within 1 ULP, subnormals kept), moved by the ULP that rounds
    # it correctly; x itself for zeros (sqrt(-0) is -0) and +inf; NaN for the rest.  (float16:
    # the correctly rounded float32 root rounds correctly again, 24 >= 2 * 11 + 2.)
    x = e.input("input")
    finite = logical(e, "LOGICAL_AND", compare(e, "GREATER", x, scalar(e, 0.0, x)),
                     compare(e, "LESS", x, scalar(e, np.inf, x)))
    root = correctly_rounded_root(e, x, op(e, "POW", x, scalar(e, 0.5, x)))
    rest = select(e, compare(e, "GREATER_EQUAL", x, scalar(e, 0.0, x)), x, scalar(e, np.nan, x))
    return select(e, finite, root, rest)


def correctly_rounded_root(e: OpLowering, x: int, y: int) -> int:
    """sqrt(x) correctly rounded from ``y``, within 1 ULP of it (positive finite float32): with
    x = X * 2**ex and y = Y * 2**ey (24-bit integers), y is one ULP up where the square of the
    midpoint above, (4Y + 2)**2 * 2**(2ey - 4), is below x, one down where the square of the
    midpoint below (4Y - 2, or 4Y - 1 at a power of two) is above it: int64 comparisons."""
    int32 = lambda v: e.constant(v, INT32)  # noqa: E731
    bits_x, bits_y = bitcast(e, x, INT32), bitcast(e, y, INT32)
    field_x, field_y = (op(e, "RIGHT_SHIFT", b, int32(23)) for b in (bits_x, bits_y))
    normal = e.cast(compare(e, "GREATER", field_x, int32(0)), INT32)  # (subnormal x: no implicit bit)
    mantissa_x = binary(e, "SUB", bits_x, binary(e, "MUL", binary(e, "SUB", field_x, normal), int32(1 << 23)))
    mantissa_y = binary(e, "SUB", bits_y,
                        binary(e, "MUL", binary(e, "SUB", field_y, int32(1)), int32(1 << 23)))
    # ex - 2 ey + 4 = (field_x + 1 - normal - 150) - 2 (field_y - 150) + 4
    shift = binary(e, "SUB", binary(e, "SUB", field_x, normal), binary(e, "MUL", field_y, int32(2)))
    shift = binary(e, "ADD", shift, int32(1 - 150 + 300 + 4))
    shift = op(e, "MINIMUM", op(e, "MAXIMUM", shift, int32(0)), int32(62))
    scale = e.emit("GATHER", [e.constant(_POWERS_OF_TWO, INT64), shift], e.writer.shape(x), INT64,
                   e.options("GatherOptions", axis=0))
    target = binary(e, "MUL", e.cast(mantissa_x, INT64), scale)
    quad = binary(e, "MUL", e.cast(mantissa_y, INT64), e.constant(4, INT64))
    above = binary(e, "ADD", quad, e.constant(2, INT64))
    bottom = e.cast(compare(e, "EQUAL", mantissa_y, int32(1 << 23)), INT64)
    below = binary(e, "ADD", binary(e, "SUB", quad, e.constant(2, INT64)), bottom)
    up = compare(e, "LESS", binary(e, "MUL", above, above), target)
    down = compare(e, "GREATER", binary(e, "MUL", below, below), target)
    bits = binary(e, "ADD", bits_y, binary(e, "SUB", e.cast(up, INT32), e.cast(down, INT32)))
    return bitcast(e, bits, FLOAT32)


#: Above this magnitude, 1 / x is subnormal, and XNNPACK's DIV flushes it to zero.
_RECIPROCAL_SUBNORMAL = 2.0**126


@lowering("reciprocal", types=FLOATS)
def reciprocal(e: OpLowering) -> int:
    x = e.input("input")
    quotient = binary(e, "DIV", scalar(e, 1.0, x), x)
    huge = compare(e, "GREATER", op(e, "ABS", x), scalar(e, _RECIPROCAL_SUBNORMAL, x))
    return select(e, huge, op(e, "POW", x, scalar(e, -1.0, x)), quotient)


#: ln(2) in two parts, the first with 16 significant bits (k * _LN2_HIGH is exact for |k| < 2**8).
_LN2_HIGH = 0.693145751953125
_LN2_LOW = math.log(2) - _LN2_HIGH
#: log(1 + f) = f - s (f - z P(z)), s = f / (2 + f), z = s**2: P's coefficients are 2 / (2k + 3)
#: (2 atanh(s)'s series; the next term is below float32's rounding for |s| <= 0.172).
_LOG_SERIES = [2 / (2 * k + 3) for k in range(6)]
_SMALLEST_NORMAL = 2.0**-126


@lowering("log", types=FLOATS)
def log(e: OpLowering) -> int:
    return log_of(e, e.input("input"))


def log_of(e: OpLowering, x: int) -> int:
    """log of float32 tensor ``x``, within 1 ULP."""
    # XNNPACK's LOG is 15 ULP off near 1 and overflows near FLT_MAX: x = 2**k * m with m in
    # [sqrt(1/2), sqrt(2)), log(x) = k ln 2 + log(m) (a subnormal x is its integer mantissa times
    # 2**-149: exact in float32).
    int32 = lambda v: e.constant(v, INT32)  # noqa: E731
    tiny = compare(e, "LESS", x, scalar(e, _SMALLEST_NORMAL, x))
    bits = bitcast(e, x, INT32)
    normalized = select(e, tiny, e.cast(bits, FLOAT32), x)
    bits = bitcast(e, normalized, INT32)
    field = op(e, "RIGHT_SHIFT", bits, int32(23))
    exponent = binary(e, "SUB", field, int32(127))
    m = bitcast(e, binary(e, "SUB", bits, binary(e, "MUL", exponent, int32(1 << 23))), FLOAT32)
    high = compare(e, "GREATER", m, scalar(e, math.sqrt(2), x))
    m = select(e, high, binary(e, "MUL", m, scalar(e, 0.5, x)), m)
    k = binary(e, "ADD", exponent, e.cast(high, INT32))
    k = e.cast(select(e, tiny, binary(e, "SUB", k, int32(149)), k), FLOAT32)
    f = binary(e, "SUB", m, scalar(e, 1.0, x))
    s = binary(e, "DIV", f, binary(e, "ADD", f, scalar(e, 2.0, x)))
    z = binary(e, "MUL", s, s)
    series = binary(e, "SUB", f, binary(e, "MUL", z, horner(e, z, _LOG_SERIES)))
    log1p = binary(e, "SUB", f, binary(e, "MUL", s, series))
    low = binary(e, "ADD", log1p, binary(e, "MUL", k, scalar(e, _LN2_LOW, x)))
    result = binary(e, "ADD", binary(e, "MUL", k, scalar(e, _LN2_HIGH, x)), low)
    finite = logical(e, "LOGICAL_AND", compare(e, "GREATER", x, scalar(e, 0.0, x)),
                     compare(e, "LESS", x, scalar(e, np.inf, x)))
    rest = select(e, compare(e, "GREATER", x, scalar(e, 0.0, x)), x, scalar(e, np.nan, x))  # +inf, NaN
    rest = select(e, compare(e, "EQUAL", x, scalar(e, 0.0, x)), scalar(e, -np.inf, x), rest)
    return select(e, finite, result, rest)


#: exp: the range clamped to (beyond it the result is 0 or +inf anyway).
_EXP_RANGE = (-104.0, 89.0)


@lowering("exp", types=FLOATS)
def exp(e: OpLowering) -> int:
    # exp(x) = exp(r) * 2**k1 * 2**k2 with k = round(x / ln 2) = k1 + k2, r = x - k ln 2:
    # XNNPACK's EXP is within 1 ULP for |r| <= ln(2) / 2, and the scaling is exact.
    x = e.input("input")
    clamped = op(e, "MINIMUM", op(e, "MAXIMUM", x, scalar(e, _EXP_RANGE[0], x)), scalar(e, _EXP_RANGE[1], x))
    k = op(e, "ROUND", binary(e, "MUL", clamped, scalar(e, 1 / math.log(2), x)))
    r = binary(e, "SUB", clamped, binary(e, "MUL", k, scalar(e, _LN2_HIGH, x)))
    r = binary(e, "SUB", r, binary(e, "MUL", k, scalar(e, _LN2_LOW, x)))
    fraction = op(e, "EXP", r)
    whole = e.cast(k, INT32)
    half = op(e, "FLOOR_DIV", whole, e.constant(2, INT32))
    result = fraction
    for part in (half, binary(e, "SUB", whole, half)):
        result = binary(e, "MUL", result, power_of_two(e, part))
    # A subnormal result (XNNPACK's MUL flushes it to 0) is exp(r) * 2**(k + 149) rounded to an
    # integer: the result's bits (from 2**23 on, those of the smallest normal numbers).
    scale = power_of_two(e, binary(e, "ADD", whole, e.constant(149, INT32)))
    units = op(e, "ROUND", binary(e, "MUL", fraction, scale))
    subnormal = bitcast(e, e.cast(units, INT32), FLOAT32)
    result = select(e, compare(e, "LESS", whole, e.constant(-125, INT32)), subnormal, result)
    return select(e, is_nan(e, x), x, result)


def power_of_two(e: OpLowering, k: int) -> int:
    """2.0**k for int32 k in [-126, 127]: the float32 whose exponent field is k + 127."""
    field = binary(e, "MUL", binary(e, "ADD", k, e.constant(127, INT32)), e.constant(1 << 23, INT32))
    return bitcast(e, field, FLOAT32)


# --------------------------------------------------------------------------- sin, cos, tan


def _pi_fixed(bits: int) -> int:
    """floor(pi * 2**bits), by Machin's formula in integers."""
    scale = 1 << (bits + 16)

    def arctan_inverse(n: int) -> int:
        total, term, k, sign_ = 0, scale // n, 1, 1
        while term:
            total += sign_ * (term // k)
            term //= n * n
            k += 2
            sign_ = -sign_
        return total

    return (16 * arctan_inverse(5) - 4 * arctan_inverse(239)) >> 16


def _turn_table() -> np.ndarray:
    """For each float32 exponent field f: frac(2**(f - 150) / 2pi) in 64-bit fixed point (as
    int64's bits), so that the mantissa m (x = m * 2**(f - 150)) times it, wrapping, is x's
    phase: frac(x / 2pi) * 2**64, within m units (2**-40 of a turn)."""
    precision = 400
    pi = _pi_fixed(precision)
    table = []
    for field in range(256):
        shift = field - 150 + 64 - 1  # 2**(f - 150) * 2**64 / (2 pi)
        value = ((1 << (shift + precision)) // pi) if shift >= 0 else ((1 << precision) >> -shift) // pi
        value %= 1 << 64
        table.append(value - (1 << 64) if value >= 1 << 63 else value)
    return np.asarray(table, dtype=np.int64)


_TURNS = _turn_table()
#: Below this magnitude, x is its own reduced argument.
_QUARTER_PI = math.pi / 4


def reduce_quadrant(e: OpLowering, x: int) -> tuple[int, int, int]:
    """r, q1, q2 with x = r + (q1 + 2 * q2) * pi / 2 modulo 2 pi, |r| <= pi / 4: q1 and q2 are
    BOOL.  |x| <= pi / 4 (and NaN) is r itself; infinities give NaN."""
    int64 = lambda v: e.constant(v, INT64)  # noqa: E731
    magnitude = op(e, "ABS", x)
    reduce = logical(e, "LOGICAL_AND", compare(e, "GREATER", magnitude, scalar(e, _QUARTER_PI, x)),
                     compare(e, "LESS", magnitude, scalar(e, np.inf, x)))
    bits = bitcast(e, magnitude, INT32)
    field = op(e, "RIGHT_SHIFT", bits, e.constant(23, INT32))
    mantissa = binary(e, "SUB", bits, binary(e, "MUL", binary(e, "SUB", field, e.constant(1, INT32)),
                                           e.constant(1 << 23, INT32)))
    turns = e.emit("GATHER", [e.constant(_TURNS, INT64), field], e.writer.shape(x), INT64,
                   e.options("GatherOptions", axis=0))
    phase = binary(e, "MUL", e.cast(mantissa, INT64), turns)
    phase = select(e, compare(e, "LESS", x, scalar(e, 0.0, x)), negate(e, phase), phase)
    # The nearest quarter turn: shifted by an eighth, its bits 62 and 63 are the quadrant.
    shifted = binary(e, "ADD", phase, int64(1 << 61))
    low = op(e, "FLOOR_MOD", shifted, int64(1 << 62))
    r = binary(e, "MUL", e.cast(binary(e, "SUB", low, int64(1 << 61)), FLOAT32),
               scalar(e, 2 * math.pi / 2.0**64, x))
    q1 = bit_set(e, shifted, 62, 64)
    q2 = bit_set(e, shifted, 63, 64)
    finite = compare(e, "LESS", magnitude, scalar(e, np.inf, x))
    r = select(e, reduce, r, select(e, finite, x, scalar(e, np.nan, x)))
    return r, logical(e, "LOGICAL_AND", reduce, q1), logical(e, "LOGICAL_AND", reduce, q2)


#: Taylor coefficients of sin(r) / r - 1 and cos(r) - 1 + r**2 / 2 in z = r**2 (for |r| <= pi / 4
#: the next terms are below float32's rounding; XNNPACK's SIN / COS are 3 ULP off there).
_SIN_SERIES = [(-1) ** k / math.factorial(2 * k + 1) for k in range(1, 7)]
_COS_SERIES = [(-1) ** k / math.factorial(2 * k) for k in range(2, 8)]


def sine(e: OpLowering, r: int) -> int:
    """sin(r) for |r| <= pi / 4: r + r z P(z)."""
    z = binary(e, "MUL", r, r)
    return binary(e, "ADD", r, binary(e, "MUL", binary(e, "MUL", r, z), horner(e, z, _SIN_SERIES)))


def cosine(e: OpLowering, r: int) -> int:
    """cos(r) for |r| <= pi / 4: 1 - (z / 2 - z**2 Q(z))."""
    z = binary(e, "MUL", r, r)
    tail = binary(e, "MUL", binary(e, "MUL", z, z), horner(e, z, _COS_SERIES))
    return binary(e, "SUB", scalar(e, 1.0, r), binary(e, "SUB", binary(e, "MUL", z, scalar(e, 0.5, r)), tail))


@lowering("sin", "cos", "tan", types=FLOATS)
def trigonometric(e: OpLowering) -> int:
    x = e.input("input")
    r, q1, q2 = reduce_quadrant(e, x)
    s, c = sine(e, r), cosine(e, r)
    if e.op.type == "cos":
        value = select(e, q1, s, c)
        return select(e, logical(e, "NOT_EQUAL", q1, q2), negate(e, value), value)
    if e.op.type == "tan":
        result = select(e, q1, negate(e, binary(e, "DIV", c, s)), binary(e, "DIV", s, c))
    else:
        value = select(e, q1, c, s)
        result = select(e, q2, negate(e, value), value)
    # (XNNPACK's SIN(-0) is +0: zeros are their own sine and tangent)
    return select(e, compare(e, "EQUAL", x, scalar(e, 0.0, x)), x, result)


# --------------------------------------------------------------------------- erf

#: erf(x) = x * P(x**2) for |x| < 0.5: the Taylor coefficients 2/sqrt(pi) * (-1)**k / (k! (2k+1)).
_ERF_SERIES = [2 / math.sqrt(math.pi) * (-1) ** k / (math.factorial(k) * (2 * k + 1)) for k in range(8)]
#: erfc(z) = t * exp(-z**2 + P(t)), t = 1 / (1 + z / 2), z >= 0: a Chebyshev fit (relative error
#: below 1.2e-7; Numerical Recipes' erfcc).
_ERFC_FIT = [-1.26551223, 1.00002368, 0.37409196, 0.09678418, -0.18628806, 0.27886807, -1.13520398,
             1.48851587, -0.82215223, 0.17087277]


@lowering("erf", types=FLOATS)
def erf(e: OpLowering) -> int:
    x = e.input("input")
    z = op(e, "ABS", x)
    series = binary(e, "MUL", x, horner(e, binary(e, "MUL", x, x), _ERF_SERIES))
    half_z = binary(e, "MUL", z, scalar(e, 0.5, x))
    t = binary(e, "DIV", scalar(e, 1.0, x), binary(e, "ADD", scalar(e, 1.0, x), half_z))
    exponent = binary(e, "SUB", horner(e, t, _ERFC_FIT), binary(e, "MUL", z, z))
    tail = binary(e, "SUB", scalar(e, 1.0, x), binary(e, "MUL", t, op(e, "EXP", exponent)))
    tail = select(e, compare(e, "LESS", x, scalar(e, 0.0, x)), negate(e, tail), tail)
    result = select(e, compare(e, "LESS", z, scalar(e, 0.5, x)), series, tail)
    return select(e, compare(e, "LESS", z, scalar(e, _SMALLEST_NORMAL, x)), tiny_erf(e, x, z), result)


#: 2 / sqrt(pi) in 39-bit fixed point.
_TWO_BY_SQRT_PI = round(2 / math.sqrt(math.pi) * 2**39)


def tiny_erf(e: OpLowering, x: int, magnitude: int) -> int:
    """erf(x) = x * 2 / sqrt(pi) for subnormal x (and zeros), which XNNPACK's MUL flushes: |x|'s
    bits are its mantissa m, and round(m * 2 / sqrt(pi)), in int64 fixed point, the result's
    bits (from 2**23 on, those of the smallest normal numbers); x's sign bit is put back."""
    int64 = lambda v: e.constant(v, INT64)  # noqa: E731
    product = binary(e, "MUL", e.cast(bitcast(e, magnitude, INT32), INT64), int64(_TWO_BY_SQRT_PI))
    rest = op(e, "FLOOR_MOD", product, int64(1 << 39))
    units = binary(e, "MUL", e.cast(binary(e, "SUB", product, rest), FLOAT32), scalar(e, 2.0**-39, x))
    up = compare(e, "GREATER_EQUAL", rest, int64(1 << 38))
    bits = binary(e, "ADD", e.cast(units, INT32), e.cast(up, INT32))
    sign = select(e, compare(e, "LESS", bitcast(e, x, INT32), e.constant(0, INT32)),
                  e.constant(np.iinfo(np.int32).min, INT32), e.constant(0, INT32))
    return bitcast(e, binary(e, "ADD", bits, sign), FLOAT32)


# --------------------------------------------------------------------------- identity, cast, where


@lowering("identity", types=SPEC, widen=False)
def identity(e: OpLowering) -> int:
    shape = e.out().shape
    return e.emit("RESHAPE", [e.input("input"), e.i32(shape)], shape, e.out_type())


@lowering("cast", types=SPEC)
def cast(e: OpLowering) -> int:
    source, target = e.desc("input").data_type, e.out().data_type
    x = e.input("input")
    if source == "uint64":
        x = bitcast(e, x, INT64)
        if target in FLOATS:
            return uint64_to_float(e, x)
    elif source in FLOATS and target not in FLOATS:
        x = select(e, is_nan(e, x), scalar(e, 0.0, x), x)  # (CAST saturates, but NaN gives the maximum)
        if target == "uint64":
            return float_to_uint64(e, x)
    if target == "uint64":
        return bitcast(e, e.cast(x, INT64), UINT64)
    return e.cast(x, e.out_type())


def uint64_to_float(e: OpLowering, v: int) -> int:
    """uint64 (int64's bits ``v``) to the nearest float32.  From 2**63 on, u = 2**63 + h: the
    float32 grid there is 2**40, so u rounds to 2**63 + q (+ 2**40 where h's remainder r is
    more than half, or half with q / 2**40 odd), every term and sum exact in float32."""
    int64 = lambda value: e.constant(value, INT64)  # noqa: E731
    h = binary(e, "ADD", v, int64(np.iinfo(np.int64).min))
    r = op(e, "FLOOR_MOD", h, int64(1 << 40))
    q = binary(e, "SUB", h, r)
    half = int64(1 << 39)
    odd = compare(e, "GREATER_EQUAL", op(e, "FLOOR_MOD", h, int64(1 << 41)), int64(1 << 40))
    up = logical(e, "LOGICAL_OR", compare(e, "GREATER", r, half),
                 logical(e, "LOGICAL_AND", compare(e, "EQUAL", r, half), odd))
    high = binary(e, "ADD", e.cast(q, FLOAT32), e.constant(2.0**63, FLOAT32))
    high = binary(e, "ADD", high, select(e, up, e.constant(2.0**40, FLOAT32), e.constant(0.0, FLOAT32)))
    return select(e, compare(e, "LESS", v, int64(0)), high, e.cast(v, FLOAT32))


def float_to_uint64(e: OpLowering, x: int) -> int:
    """float32 ``x`` (no NaN) to uint64, truncating and saturating: values from 2**63 on are cast
    less 2**63 (exact: a multiple of 2**40), and 2**63 is added back in int64's wrapping bits."""
    x = op(e, "MAXIMUM", x, scalar(e, 0.0, x))
    big = compare(e, "GREATER_EQUAL", x, scalar(e, 2.0**63, x))
    low = e.cast(binary(e, "SUB", x, select(e, big, scalar(e, 2.0**63, x), scalar(e, 0.0, x))), INT64)
    offset = select(e, big, e.constant(np.iinfo(np.int64).min, INT64), e.constant(0, INT64))
    return bitcast(e, binary(e, "ADD", low, offset), UINT64)


@lowering("where", types=SPEC, widen=False)
def where(e: OpLowering) -> int:
    condition = to_bool(e, e.input("condition"))
    return e.emit("SELECT_V2", [condition, e.input("true_value"), e.input("false_value")], e.out().shape,
                  e.out_type())

