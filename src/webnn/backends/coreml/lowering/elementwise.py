"""Element-wise ops.

* Arithmetic (add, sub, mul, div, pow) on floats: MIL does not say what int32 overflow or
  division by zero give (the spec wraps and truncates), so int32 arithmetic is refused; add, sub
  and mul of int8 / uint8 are computed in int32 (exact: no overflow) and wrapped to the type's
  8 bits (:func:`wrap`), as the spec's arithmetic wraps.
* max / min: NaN propagates and +0 > -0 (IEEE 754-2019, the spec's); MIL's maximum does not say
  either, so where an operand may be NaN or both are zeros the result is a + b (max) or
  -max(-a, -b) (min); a constant operand without NaN or zeros needs no check.
* Comparisons make MIL bools, cast to uint8 (exact); int8 / uint8 operands are widened to int32.
* log and reciprocal: MIL's log and inverse add an epsilon; log gets epsilon 0, reciprocal is
  1 / x (real_div).  neg is x * -1 (gives -0 for +0); on int32 / int8 (widened) the type's least
  value is its own negation (the spec's wrapping), and abs is a select of neg.  sign is (x > 0) - (x < 0): 0 for zeros
  and NaN (int8 widened to int32 and cast back).  roundEven is built of floor (MIL's round rounds halves away from zero).
* cast: see :func:`cast` (float to integer truncates first; integer narrowing wraps by arithmetic).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import ALL, FLOATS, INT32, SMALL_INTS, OpLowering, lowering, type_name

_ARITHMETIC = {"add": "add", "sub": "sub", "mul": "mul", "div": "real_div", "pow": "pow"}


def _binary(e: OpLowering, method: str) -> Any:
    return getattr(e.mb, method)(x=e.input("a"), y=e.input("b"))


def _register_arithmetic(op: str, method: str) -> None:
    lowering(op, types=FLOATS)(lambda e: _binary(e, method))


for _op, _method in _ARITHMETIC.items():
    if _op not in ("add", "sub", "mul"):
        _register_arithmetic(_op, _method)


def _register_wrapping(op: str, method: str) -> None:
    @lowering(op, types=FLOATS | SMALL_INTS)
    def arithmetic(e: OpLowering) -> Any:
        if e.mil_type() in ("fp32", "fp16"):
            return _binary(e, method)
        exact = getattr(e.mb, method)(x=e.wide("a"), y=e.wide("b"))  # (|.| <= 255 * 255: no overflow)
        return wrap(e, e.broadcast(exact, e.out().shape), e.mil_type())


for _op in ("add", "sub", "mul"):
    _register_wrapping(_op, _ARITHMETIC[_op])


def _may_be_nan_or_zero(e: OpLowering, name: str) -> bool:
    value = e.constant_value(name)
    return value is None or e.desc(name).data_type not in FLOATS or bool(
        np.isnan(value).any() or (value == 0).any())


def nan_aware_max(e: OpLowering, a: Any, b: Any, check_a: bool = True, check_b: bool = True) -> Any:
    """IEEE 754-2019 maximum of float tensors ``a`` and ``b`` (see the module's notes)."""
    mb = e.mb
    result = mb.maximum(x=a, y=b)
    if type_name(a) not in ("fp32", "fp16"):
        return result
    checks = []
    if check_a:
        checks.append(mb.not_equal(x=a, y=a))
    if check_b:
        checks.append(mb.not_equal(x=b, y=b))
    if check_a and check_b:
        checks.append(mb.logical_and(x=mb.equal(x=a, y=e.like(0, a)), y=mb.equal(x=b, y=e.like(0, b))))
    if not checks:
        return result
    special = checks[0]
    for check in checks[1:]:
        special = mb.logical_or(x=special, y=check)
    return mb.select(cond=special, a=mb.add(x=a, y=b), b=result)


def _neg(e: OpLowering, x: Any) -> Any:
    return e.mb.mul(x=x, y=e.like(-1, x))


@lowering("max", types=FLOATS | INT32 | SMALL_INTS)
def max_(e: OpLowering) -> Any:
    a, b = e.wide("a"), e.wide("b")
    result = nan_aware_max(e, a, b, _may_be_nan_or_zero(e, "a"), _may_be_nan_or_zero(e, "b"))
    return e.cast(result, e.mil_type())


@lowering("min", types=FLOATS | INT32 | SMALL_INTS)
def min_(e: OpLowering) -> Any:
    a, b = e.wide("a"), e.wide("b")
    if type_name(a) == "int32":
        return e.cast(e.mb.minimum(x=a, y=b), e.mil_type())
    check_a, check_b = _may_be_nan_or_zero(e, "a"), _may_be_nan_or_zero(e, "b")
    if not (check_a or check_b):
        return e.mb.minimum(x=a, y=b)
    return _neg(e, nan_aware_max(e, _neg(e, a), _neg(e, b), check_a, check_b))


def to_uint8(e: OpLowering, condition: Any) -> Any:
    """A MIL bool tensor as the spec's uint8 (1 / 0)."""
    return e.mb.cast(x=condition, dtype="uint8")


_COMPARISONS = {"equal": "equal", "not_equal": "not_equal", "greater": "greater",
                "greater_or_equal": "greater_equal", "lesser": "less", "lesser_or_equal": "less_equal"}


def _register_comparison(op: str, method: str) -> None:
    @lowering(op, types=FLOATS | INT32 | SMALL_INTS, output_types={"uint8"})
    def compare(e: OpLowering) -> Any:
        return to_uint8(e, getattr(e.mb, method)(x=e.wide("a"), y=e.wide("b")))


for _op, _method in _COMPARISONS.items():
    _register_comparison(_op, _method)


def truth(e: OpLowering, name: str) -> Any:
    """uint8 operand ``name`` as MIL bools (non-zero: true)."""
    return e.mb.not_equal(x=e.wide(name), y=e.const(0, "int32"))


_LOGICAL = {"logical_and": "logical_and", "logical_or": "logical_or", "logical_xor": "logical_xor"}


def _register_logical(op: str, method: str) -> None:
    @lowering(op, types={"uint8"})
    def logical(e: OpLowering) -> Any:
        return to_uint8(e, getattr(e.mb, method)(x=truth(e, "a"), y=truth(e, "b")))


for _op, _method in _LOGICAL.items():
    _register_logical(_op, _method)


@lowering("logical_not", types={"uint8"})
def logical_not(e: OpLowering) -> Any:
    return to_uint8(e, e.mb.equal(x=e.wide("a"), y=e.const(0, "int32")))


@lowering("is_nan", types=FLOATS, output_types={"uint8"})
def is_nan(e: OpLowering) -> Any:
    x = e.input("a")
    return to_uint8(e, e.mb.not_equal(x=x, y=x))


@lowering("is_infinite", types=FLOATS, output_types={"uint8"})
def is_infinite(e: OpLowering) -> Any:
    x = e.input("a")
    return to_uint8(e, e.mb.equal(x=e.mb.abs(x=x), y=e.like(np.inf, x)))


_UNARY = {"ceil": "ceil", "floor": "floor", "cos": "cos", "sin": "sin", "tan": "tan", "erf": "erf",
          "exp": "exp", "sqrt": "sqrt"}


def _register_unary(op: str, method: str) -> None:
    lowering(op, types=FLOATS)(lambda e: getattr(e.mb, method)(x=e.input("input")))


for _op, _method in _UNARY.items():
    _register_unary(_op, _method)


@lowering("log", types=FLOATS)
def log(e: OpLowering) -> Any:
    x = e.input("input")
    return e.mb.log(x=x, epsilon=e.like(0, x))


@lowering("reciprocal", types=FLOATS)
def reciprocal(e: OpLowering) -> Any:
    x = e.input("input")
    return e.mb.real_div(x=e.like(1, x), y=x)


#: the least value of each signed integer type abs and neg compute on
_LEAST = {"int32": -2**31, "int8": -128}


def _int_neg(e: OpLowering, x: Any) -> Any:
    """-x of a signed integer ``x`` (int8 widened to int32) of the output's type, wrapping as the
    spec does: the type's least value is its own negation (never an int32 overflow in MIL)."""
    mb = e.mb
    least = mb.equal(x=x, y=e.like(_LEAST[e.mil_type()], x))
    negated = _neg(e, mb.select(cond=least, a=e.like(0, x), b=x))
    return mb.select(cond=least, a=x, b=negated)


@lowering("neg", types=FLOATS | {"int32", "int8"})
def neg(e: OpLowering) -> Any:
    x = e.wide("input")
    if type_name(x) == "int32":
        return e.cast(_int_neg(e, x), e.mil_type())
    return _neg(e, x)


@lowering("abs", types=FLOATS | {"int32", "int8"})
def abs_(e: OpLowering) -> Any:
    x = e.wide("input")
    if type_name(x) == "int32":
        return e.cast(e.mb.select(cond=e.mb.less(x=x, y=e.like(0, x)), a=_int_neg(e, x), b=x), e.mil_type())
    return e.mb.abs(x=x)


@lowering("sign", types=FLOATS | INT32 | {"int8"})
def sign(e: OpLowering) -> Any:
    mb, x = e.mb, e.wide("input")
    t = type_name(x)
    positive = mb.cast(x=mb.greater(x=x, y=e.like(0, x)), dtype=t)
    negative = mb.cast(x=mb.less(x=x, y=e.like(0, x)), dtype=t)
    return e.cast(mb.sub(x=positive, y=negative), e.mil_type())


@lowering("round_even", types=FLOATS)
def round_even(e: OpLowering) -> Any:
    return round_half_even(e, e.input("input"))


def round_half_even(e: OpLowering, x: Any) -> Any:
    """Float ``x`` rounded to the nearest integer, halves to even: floor(x), plus 1 where the
    fraction is over a half, plus floor's parity where it is a half; ``x`` itself where the
    fraction is 0 or NaN (integers, infinities, NaN, zeros) and a zero of ``x``'s sign where the
    result is 0."""
    mb = e.mb
    half, one, two = e.like(0.5, x), e.like(1, x), e.like(2, x)
    low = mb.floor(x=x)
    fraction = mb.sub(x=x, y=low)
    parity = mb.sub(x=low, y=mb.mul(x=two, y=mb.floor(x=mb.real_div(x=low, y=two))))
    at_half = mb.select(cond=mb.equal(x=fraction, y=half), a=mb.add(x=low, y=parity), b=low)
    rounded = mb.select(cond=mb.greater(x=fraction, y=half), a=mb.add(x=low, y=one), b=at_half)
    signed = mb.select(cond=mb.equal(x=rounded, y=e.like(0, x)), a=mb.mul(x=x, y=e.like(0, x)), b=rounded)
    whole = mb.logical_not(x=mb.greater(x=fraction, y=e.like(0, x)))  # (0 or NaN)
    return mb.select(cond=whole, a=x, b=signed)


@lowering("identity", types=ALL)
def identity(e: OpLowering) -> Any:
    return e.mb.identity(x=e.input("input"))


def truncate(e: OpLowering, x: Any) -> Any:
    """Float ``x`` rounded toward zero (exact)."""
    mb = e.mb
    return mb.select(cond=mb.less(x=x, y=e.like(0, x)), a=mb.ceil(x=x), b=mb.floor(x=x))


def wrap(e: OpLowering, x: Any, target: str) -> Any:
    """int32 ``x``'s lowest 8 bits as ``target`` ("int8" / "uint8"), two's complement: the cast
    of a value in the target's range, which is exact."""
    mb = e.mb
    low = mb.sub(x=x, y=mb.mul(x=mb.floor_div(x=x, y=e.const(256, "int32")), y=e.const(256, "int32")))  # [0, 256)
    if target == "int8":
        low = mb.sub(x=low, y=mb.mul(x=mb.cast(x=mb.greater_equal(x=low, y=e.const(128, "int32")), dtype="int32"),
                                     y=e.const(256, "int32")))
    return mb.cast(x=low, dtype=target)


@lowering("cast", types=ALL)
def cast(e: OpLowering) -> Any:
    """Floats to floats and integers to floats: MIL's cast (IEEE rounding).  Floats to integers:
    truncated first, so that any in-range value casts exactly (out of range the spec leaves it to
    the implementation).  Integers to integers: int8 / uint8 widen exactly to int32, and a narrowing
    keeps the lowest 8 bits (:func:`wrap`), as the spec says."""
    x = e.input("input")
    source, target = type_name(x), e.mil_type()
    if source == target:
        return e.mb.identity(x=x)
    if target in ("fp32", "fp16"):
        return e.mb.cast(x=x, dtype=target)
    if source in ("fp32", "fp16"):
        return e.mb.cast(x=truncate(e, x), dtype=target)
    if target == "int32":
        return e.mb.cast(x=x, dtype="int32")
    return wrap(e, e.cast(x, "int32"), target)


@lowering("where", types=ALL)
def where(e: OpLowering) -> Any:
    mb = e.mb
    chosen = mb.select(cond=truth(e, "condition"), a=e.wide("true_value"), b=e.wide("false_value"))
    return e.cast(e.broadcast(chosen, e.out().shape), e.mil_type())
