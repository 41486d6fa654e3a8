"""Reference kernels: element-wise ops.

Transcendental functions (exp, log, sin, cos, tan, erf) compute in float64 and the
executor rounds once to the output type; sqrt and reciprocal compute in float32
(float16 upcast), which is already correctly rounded.  Integer arithmetic wraps in
two's complement.  Comparison and logical kernels return uint8 0 / 1.

``max`` and ``min`` are IEEE 754-2019 maximum / minimum (JavaScript's Math.max /
Math.min, on which the spec's emulation notes rely): NaN propagates and -0 is less
than +0 (NumPy's maximum and minimum return either zero of a tie).

Into kernels (see the registry) exist for float32 and the integer types wherever NumPy's
``out=`` gives the very same result: float16 arithmetic keeps its kernels, which compute in
float32 and round once per op.
"""

from __future__ import annotations

import numpy as np

from ... import dtypes
from . import special
from .registry import INTEGERS, kernel, kernel_into, upcast

# --------------------------------------------------------------------------- binary arithmetic


def _int_div(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Integer division truncating toward zero (NumPy's // floors)."""
    q = np.floor_divide(a, b)
    fix = (np.remainder(a, b) != 0) & ((a < 0) != (b < 0))
    return q + fix.astype(q.dtype)


def ieee_maximum(a: np.ndarray, b: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """IEEE 754-2019 maximum: NaN propagates, +0 is greater than -0 (``out`` may be ``a``)."""
    return _signed_zero_tie(np.maximum, a, b, out, np.logical_and)


def ieee_minimum(a: np.ndarray, b: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """IEEE 754-2019 minimum: NaN propagates, -0 is less than +0 (``out`` may be ``a``)."""
    return _signed_zero_tie(np.minimum, a, b, out, np.logical_or)


def _signed_zero_tie(extreme, a: np.ndarray, b: np.ndarray, out: np.ndarray | None, combine) -> np.ndarray:
    """``extreme(a, b)`` (NumPy's maximum or minimum, which propagate NaN) with each zero given
    the sign that ``combine`` makes of the operands' signs: a zero maximum has operands <= 0,
    so it is -0 only if both are (and); a zero minimum has operands >= 0, so it is -0 if either
    is (or)."""
    if np.result_type(a, b).kind != "f":
        return extreme(a, b, out=out)
    negative = combine(np.signbit(a), np.signbit(b))  # before ``out`` may overwrite ``a``
    result = np.asarray(extreme(a, b, out=out))  # (0-D operands give a NumPy scalar)
    zero = result == 0
    if zero.any():
        result[zero] = np.where(np.broadcast_to(negative, result.shape)[zero], -0.0, 0.0)
    return result


_BINARY = {
    "add": np.add,
    "sub": np.subtract,
    "mul": np.multiply,
    "max": ieee_maximum,
    "min": ieee_minimum,
}


def _binary_kernel(ufunc):
    def run(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return ufunc(upcast(a), upcast(b))

    return run


def _binary_into(ufunc):
    def run(out: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return ufunc(a, b, out=out)

    return run


for _name, _ufunc in _BINARY.items():
    kernel(_name)(_binary_kernel(_ufunc))
    kernel_into(_name, data_types={"float32", *INTEGERS})(_binary_into(_ufunc))
kernel_into("div", data_types={"float32"})(_binary_into(np.divide))


@kernel("div")
def div(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    if a.dtype.kind in "iu":
        return _int_div(a, b)
    return np.divide(upcast(a), upcast(b))


@kernel("pow")
def pow(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    if a.dtype.kind == "u":
        return np.power(a, b)
    if a.dtype.kind == "i":
        # a ** b wraps in two's complement; a negative b gives 1 / a ** -b truncated toward
        # zero: 1 for a == 1, +-1 for a == -1, and 0 otherwise (a == 0 included).
        negative = b < 0
        magnitude = np.power(a, np.where(negative, 0, b).astype(b.dtype))
        one = np.ones((), a.dtype)
        odd = (b & 1) != 0
        reciprocal = np.where(a == 1, one, np.where(a == -1, np.where(odd, -one, one), 0 * one))
        return np.where(negative, reciprocal, magnitude)
    x, y = upcast(a), upcast(b)
    # NumPy's power on 0-D arrays takes its scalar path, which gives NaN for pow(-inf, 0.5);
    # its array loops give +inf, as C99 and JavaScript's Math.pow do.
    return np.power(np.atleast_1d(x), np.atleast_1d(y)).reshape(np.broadcast_shapes(x.shape, y.shape))


# --------------------------------------------------------------------------- comparisons, logical ops


def _bool_kernel(func):
    def run(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return func(a, b).astype(np.uint8)

    return run


_COMPARISONS = {
    "equal": np.equal,
    "not_equal": np.not_equal,
    "greater": np.greater,
    "greater_or_equal": np.greater_equal,
    "lesser": np.less,
    "lesser_or_equal": np.less_equal,
    "logical_and": lambda a, b: np.logical_and(a != 0, b != 0),
    "logical_or": lambda a, b: np.logical_or(a != 0, b != 0),
    "logical_xor": lambda a, b: np.logical_xor(a != 0, b != 0),
}
for _name, _func in _COMPARISONS.items():
    kernel(_name)(_bool_kernel(_func))


@kernel("logical_not")
def logical_not(a: np.ndarray) -> np.ndarray:
    return (a == 0).astype(np.uint8)


@kernel("is_nan")
def is_nan(a: np.ndarray) -> np.ndarray:
    return np.isnan(a).astype(np.uint8)


@kernel("is_infinite")
def is_infinite(a: np.ndarray) -> np.ndarray:
    return np.isinf(a).astype(np.uint8)


# --------------------------------------------------------------------------- unary ops


@kernel("identity")
def identity(input: np.ndarray) -> np.ndarray:
    return np.array(input, copy=True)


@kernel("abs")
def abs(input: np.ndarray) -> np.ndarray:
    return np.abs(upcast(input))


@kernel("neg")
def neg(input: np.ndarray) -> np.ndarray:
    return np.negative(upcast(input))


@kernel("sign")
def sign(input: np.ndarray) -> np.ndarray:
    # 1 if > 0, -1 if < 0, 0 otherwise (zeros and NaN).
    x = upcast(input)
    return (x > 0).astype(x.dtype) - (x < 0).astype(x.dtype)


def _exact_kernel(ufunc):
    def run(input: np.ndarray) -> np.ndarray:
        return ufunc(upcast(input))

    return run


def _float64_kernel(func):
    def run(input: np.ndarray) -> np.ndarray:
        return func(input.astype(np.float64))

    return run


_EXACT = {
    "ceil": np.ceil,
    "floor": np.floor,
    "round_even": np.rint,  # round half to even
    "sqrt": np.sqrt,
    "reciprocal": np.reciprocal,
}


def _unary_into(ufunc):
    def run(out: np.ndarray, input: np.ndarray) -> np.ndarray:
        return ufunc(input, out=out)

    return run


for _name, _ufunc in _EXACT.items():
    kernel(_name)(_exact_kernel(_ufunc))
    kernel_into(_name, data_types={"float32"})(_unary_into(_ufunc))
kernel_into("abs", data_types={"float32", *INTEGERS})(_unary_into(np.abs))
kernel_into("neg", data_types={"float32", *INTEGERS})(_unary_into(np.negative))

_FLOAT64 = {"exp": np.exp, "log": np.log, "sin": np.sin, "cos": np.cos, "tan": np.tan}
for _name, _ufunc in _FLOAT64.items():
    kernel(_name)(_float64_kernel(_ufunc))


# --------------------------------------------------------------------------- erf

kernel("erf")(_float64_kernel(special.erf))


# --------------------------------------------------------------------------- cast


@kernel("cast")
def cast(input: np.ndarray, data_type: str) -> np.ndarray:
    target = dtypes.info(data_type)
    if target.is_float:
        # Nearest representable value (+-inf when out of range).
        return input.astype(target.numpy)
    if input.dtype.kind in "iu":
        # Two's complement truncation to the target's lowest bits.
        if target.bits < 8:
            low = input.astype(np.int64) & ((1 << target.bits) - 1)
            if target.is_signed:
                low = (low ^ (1 << (target.bits - 1))) - (1 << (target.bits - 1))
            return low.astype(target.numpy)
        return input.astype(target.numpy)
    # Float to integer: truncate toward zero; out of range saturates, NaN gives 0.
    t = np.trunc(input.astype(np.float64))
    below = t < float(target.min)
    above = t >= float(target.max + 1)  # a power of two, exact in float64
    invalid = below | above | np.isnan(t)
    result = np.where(invalid, 0.0, t).astype(target.numpy)
    result[below] = target.min
    result[above] = target.max
    return result


# --------------------------------------------------------------------------- where


@kernel("where")
def where(condition: np.ndarray, true_value: np.ndarray, false_value: np.ndarray) -> np.ndarray:
    return np.where(condition != 0, true_value, false_value)
