"""LiteRT lowerings: the activation ops.

* relu and clamp are RELU / MAXIMUM / MINIMUM (NaN passes through); on integers MAXIMUM /
  MINIMUM with bounds of the input's type (uint32 computed in int64; uint64 is left out: TFLite
  neither compares nor casts it).
* tanh is TANH, leaky_relu LEAKY_RELU, elu ELU (times alpha below 0), softmax SOFTMAX (on the
  input as [outer, n, inner], between transposes where inner > 1): XNNPACK's kernels are within
  the WPT tolerances.
* sigmoid is LOGISTIC, on x clamped to +-100 (XNNPACK's makes NaN of huge inputs); below -50,
  LOGISTIC(x + 32) * e^-32 (XNNPACK's AVX2 LOGISTIC loses accuracy below -78).
* XNNPACK's EXP loses accuracy as |x| grows (64 ulp at 87): softplus and gelu use :func:`exp`,
  which reduces the argument to |r| <= ln(2) / 2 first (Cody and Waite) and scales by powers of
  two, the last scaling being the only rounding into the subnormals.
* softplus is max(x, 0) + log1p(exp(-|x|)), log1p(t) = 2 atanh(t / (2 + t)) as a series (TFLite's
  LOG is exact to 2^-24 or so, not to the ulp of a small result).
* gelu is 0.5 * x * erfc(-x / sqrt(2)) (TFLite's GELU cancels for negative x), with erfc(z) =
  t * exp(-z^2 + P(t)), t = 1 / (1 + z / 2) (a Chebyshev fit of fractional error 1.2e-7); -z^2
  = -x^2 / 2 is split into an exact part and a small one, so that exp sees an exact argument.
  gelu(-inf) is NaN, as the reference's formula makes it.
* softsign is x / (1 + |x|) on x clamped to +-2^25 (where the rounded result is +-1 already),
  which makes the limit +-1 at the infinities.
* hard_sigmoid is alpha * x + beta (rounded twice, as the reference does), clamped to [0, 1].
* prelu selects slope * x where x < 0, both broadcast to the output; int8 multiplies in int32
  and wraps back.

float16 computes in float32, rounded once per operation.  XNNPACK flushes subnormal operands
and results to zero (every op it runs): results below 2^-126 in float32 are zeros here.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from .... import dtypes
from ..types import BOOL, FLOAT32, FLOATS, INT32, INT64
from . import OpLowering, lowering

#: The integer types relu / clamp / prelu compute on exactly (in their own type or in int64).
_CLAMP_INTS = frozenset({"int8", "uint8", "int32", "uint32", "int64"})
_SIGNED_EXACT = FLOATS | {"int8", "int32", "int64"}
#: prelu's integer types computed in a wider one (TFLite's MUL takes int8 as quantized only).
_WIDER = {"int8": INT32}
#: ln(2) in two parts: the first with 16 significant bits (k * LN2_HI is exact for |k| < 2^8).
_LN2_HI, _LN2_LO = 0.693145751953125, 1.428606820309417232e-06
#: Coefficients of erfc(z) = t * exp(-z^2 + P(t)), t = 1 / (1 + z / 2), z >= 0 (Chebyshev).
_ERFC = (-1.26551223, 1.00002368, 0.37409196, 0.09678418, -0.18628806, 0.27886807, -1.13520398,
         1.48851587, -0.82215223, 0.17087277)


def _f(e: OpLowering, operator: str, *inputs: int, opts: object = None, tensor_type: int = FLOAT32) -> int:
    """Element-wise ``operator`` on ``inputs`` (broadcast to the output's shape)."""
    return e.emit(operator, inputs, e.out().shape, tensor_type, opts)


def _c(e: OpLowering, value: float) -> int:
    """A float32 scalar constant."""
    return e.constant(value, FLOAT32)


def _select(e: OpLowering, condition: int, a: int, b: int, tensor_type: int = FLOAT32) -> int:
    return _f(e, "SELECT_V2", condition, a, b, tensor_type=tensor_type)


def _less(e: OpLowering, a: int, b: int) -> int:
    return _f(e, "LESS", a, b, tensor_type=BOOL)


def _horner(e: OpLowering, x: int, coefficients: Sequence[float]) -> int:
    """The polynomial c0 + x * (c1 + x * (...)) of float32 ``x``."""
    y = _c(e, coefficients[-1])
    for c in reversed(coefficients[:-1]):
        y = _f(e, "ADD", _f(e, "MUL", y, x), _c(e, c))
    return y


def exp(e: OpLowering, x: int) -> tuple[int, int]:
    """exp(x) of float32 ``x`` (of the output's shape) as a product m * f of two tensors: m
    holds every rounding but the last, f is a power of two (m * f rounds once, also into the
    subnormals; a caller multiplies other factors into m first)."""
    x = _f(e, "MINIMUM", _f(e, "MAXIMUM", x, _c(e, -104.0)), _c(e, 89.0))  # (NaN stays NaN)
    k = _f(e, "ROUND", _f(e, "MUL", x, _c(e, 1 / math.log(2.0))))
    r = _f(e, "SUB", _f(e, "SUB", x, _f(e, "MUL", k, _c(e, _LN2_HI))), _f(e, "MUL", k, _c(e, _LN2_LO)))
    half = _f(e, "ROUND", _f(e, "MUL", k, _c(e, 0.5)))
    two = _c(e, 2.0)
    m = _f(e, "MUL", _f(e, "EXP", r), _f(e, "POW", two, half))
    return m, _f(e, "POW", two, _f(e, "SUB", k, half))


# --------------------------------------------------------------------------- relu, clamp


def _integer_bounds(e: OpLowering, low: float | int, high: float | int) -> int:
    """clamp of an integer input to [low, high] (in int64 for uint32)."""
    data_type = e.out().data_type
    info = dtypes.info(data_type)
    own = e.out_type()
    work = INT64 if data_type == "uint32" else own
    x = e.cast(e.input("input"), work)
    if low > info.min:
        x = _f(e, "MAXIMUM", x, e.constant(int(low), work), tensor_type=work)
    if high < info.max:
        x = _f(e, "MINIMUM", x, e.constant(int(high), work), tensor_type=work)
    return e.cast(x, own)


@lowering("relu", types=FLOATS | {"int8", "int32", "int64"})
def relu(e: OpLowering) -> int:
    if e.out().data_type in FLOATS:
        return e.emit("RELU", [e.input("input")], e.out().shape, e.out_type())
    return _integer_bounds(e, 0, math.inf)


@lowering("clamp", types=FLOATS | _CLAMP_INTS)
def clamp(e: OpLowering) -> int:
    if e.out().data_type not in FLOATS:  # (the bounds are ints of the input's type: exact)
        return _integer_bounds(e, e.attrs["min_value"], e.attrs["max_value"])
    low, high = float(e.attrs["min_value"]), float(e.attrs["max_value"])
    x = e.input("input")
    if (low, high) == (0.0, 6.0) and math.copysign(1.0, low) > 0:  # (RELU6 gives +0 below)
        return e.emit("RELU6", [x], e.out().shape, e.out_type())
    y = x
    if low != -math.inf:
        y = _bound(e, "MAXIMUM", "LESS", x, y, low)
    if high != math.inf:
        y = _bound(e, "MINIMUM", "GREATER", x, y, high)
    return y


def _bound(e: OpLowering, operator: str, beyond: str, x: int, y: int, bound: float) -> int:
    """``y`` (``x`` or its other bound's clamp) held to ``bound`` by MAXIMUM / MINIMUM; a bound of
    -0 by a select on ``x`` ``beyond`` it (XNNPACK's MAXIMUM / MINIMUM with a constant -0 give +0)."""
    if bound == 0 and math.copysign(1.0, bound) < 0:
        return _select(e, _f(e, beyond, x, _c(e, bound), tensor_type=BOOL), _c(e, bound), y)
    return _f(e, operator, y, _c(e, bound))


# --------------------------------------------------------------------------- no options


#: Below this, sigmoid(x) is LOGISTIC(x + 32) * e^-32 (see :func:`sigmoid`).
_SIGMOID_TAIL = -50.0


@lowering("sigmoid", types=FLOATS)
def sigmoid(e: OpLowering) -> int:
    # (XNNPACK's LOGISTIC makes NaN from 1e30 or so on; sigmoid(+-100) rounds to 1 / 0 already.)
    x = _f(e, "MINIMUM", _f(e, "MAXIMUM", e.input("input"), _c(e, -100.0)), _c(e, 100.0))
    # XNNPACK's AVX2 LOGISTIC is off by up to 1e6 ulp below x = -78 (and gives nothing below
    # 2^-125). Below -50 the logistic is e^x to 2e-22 (relative), computed as e^(x + 32) * e^-32:
    # x + 32 is exact there, and LOGISTIC(x + 32), in [-68, -18], is e^(x + 32) to 2e-8.
    tail = _f(e, "MUL", _f(e, "LOGISTIC", _f(e, "ADD", x, _c(e, 32.0))), _c(e, math.exp(-32.0)))
    return _select(e, _less(e, x, _c(e, _SIGMOID_TAIL)), tail, _f(e, "LOGISTIC", x))


@lowering("tanh", types=FLOATS)
def tanh(e: OpLowering) -> int:
    return _f(e, "TANH", e.input("input"))


@lowering("softplus", types=FLOATS)
def softplus(e: OpLowering) -> int:
    x = e.input("input")
    m, f = exp(e, _f(e, "NEG", _f(e, "ABS", x)))
    t = _f(e, "MUL", m, f)  # exp(-|x|), in [0, 1]
    s = _f(e, "DIV", t, _f(e, "ADD", t, _c(e, 2.0)))  # <= 1/3
    series = _horner(e, _f(e, "MUL", s, s), [1 / (2 * k + 1) for k in range(9)])
    log1p = _f(e, "MUL", _f(e, "MUL", s, _c(e, 2.0)), series)
    log1p = _select(e, _less(e, t, _c(e, 2.0**-60)), t, log1p)  # (s would be flushed to 0 below 2^-125)
    return _f(e, "ADD", _f(e, "MAXIMUM", x, _c(e, 0.0)), log1p)


@lowering("softsign", types=FLOATS)
def softsign(e: OpLowering) -> int:
    x = e.input("input")
    x = _f(e, "MINIMUM", _f(e, "MAXIMUM", x, _c(e, -(2.0**25))), _c(e, 2.0**25))
    return _f(e, "DIV", x, _f(e, "ADD", _f(e, "ABS", x), _c(e, 1.0)))


@lowering("gelu", types=FLOATS)
def gelu(e: OpLowering) -> int:
    x = e.input("input")
    a = _f(e, "MINIMUM", _f(e, "ABS", x), _c(e, 20.0))  # (gelu(-20) is 0, gelu(20) is 20)
    z = _f(e, "MUL", a, _c(e, 1 / math.sqrt(2.0)))
    t = _f(e, "DIV", _c(e, 1.0), _f(e, "ADD", _f(e, "MUL", z, _c(e, 0.5)), _c(e, 1.0)))
    # -x^2 / 2 = hi + lo: a = ah + al with ah of 12 significant bits (Veltkamp), so that
    # hi = -ah^2 / 2 is exact and lo = -(ah * al + al^2 / 2) is small.
    c = _f(e, "MUL", a, _c(e, 4097.0))
    ah = _f(e, "SUB", c, _f(e, "SUB", c, a))
    al = _f(e, "SUB", a, ah)
    hi = _f(e, "MUL", _f(e, "MUL", ah, ah), _c(e, -0.5))
    lo = _f(e, "ADD", _f(e, "MUL", ah, al), _f(e, "MUL", _f(e, "MUL", al, al), _c(e, 0.5)))
    rest = _f(e, "EXP", _f(e, "SUB", _horner(e, t, _ERFC), lo))
    m, f = exp(e, hi)
    half_x = _f(e, "MUL", x, _c(e, 0.5))
    # x < 0: 0.5 * x * erfc(|x| / sqrt(2)), the power of two last (x from -20 on, where the
    # result is -0; plus x * 0, which keeps the reference's NaN at -inf); else
    # 0.5 * x * (2 - erfc).
    half_low = _f(e, "MAXIMUM", half_x, _c(e, -10.0))
    below = _f(e, "MUL", _f(e, "MUL", _f(e, "MUL", _f(e, "MUL", half_low, t), rest), m), f)
    below = _f(e, "ADD", below, _f(e, "MUL", x, _c(e, 0.0)))
    erfc = _f(e, "MUL", _f(e, "MUL", _f(e, "MUL", t, rest), m), f)
    above = _f(e, "MUL", half_x, _f(e, "SUB", _c(e, 2.0), erfc))
    return _select(e, _less(e, x, _c(e, 0.0)), below, above)


# --------------------------------------------------------------------------- scalar options


@lowering("elu", types=FLOATS)
def elu(e: OpLowering) -> int:
    x = e.input("input")
    y = _f(e, "ELU", x)
    alpha = float(e.attrs["alpha"])
    if alpha == 1.0:
        return y
    return _select(e, _less(e, x, _c(e, 0.0)), _f(e, "MUL", y, _c(e, alpha)), x)


@lowering("leaky_relu", types=FLOATS)
def leaky_relu(e: OpLowering) -> int:
    return _f(e, "LEAKY_RELU", e.input("input"), opts=e.options("LeakyReluOptions", alpha=float(e.attrs["alpha"])))


@lowering("hard_sigmoid", types=FLOATS)
def hard_sigmoid(e: OpLowering) -> int:
    x = e.input("input")
    y = _f(e, "ADD", _f(e, "MUL", x, _c(e, float(e.attrs["alpha"]))), _c(e, float(e.attrs["beta"])))
    return _f(e, "MAXIMUM", _f(e, "MINIMUM", y, _c(e, 1.0)), _c(e, 0.0))


# --------------------------------------------------------------------------- prelu, softmax


@lowering("prelu", types=_SIGNED_EXACT)
def prelu(e: OpLowering) -> int:
    own = e.out_type()
    work = _WIDER.get(e.out().data_type, own)
    x, slope = e.cast(e.input("input"), work), e.cast(e.input("slope"), work)
    negative = e.emit("LESS", [x, e.constant(0, work)], e.writer.shape(x), BOOL)
    y = _select(e, negative, _f(e, "MUL", x, slope, tensor_type=work), x, tensor_type=work)
    return e.cast(y, own)


@lowering("softmax", types=FLOATS)
def softmax(e: OpLowering) -> int:
    # On the input as [outer, n, inner] (XNNPACK's SOFTMAX takes no more than 6 dimensions):
    # SOFTMAX works on the last axis, and inner > 1 is moved there and back.
    shape = e.out().shape
    axis = int(e.attrs["axis"])
    outer, n, inner = math.prod(shape[:axis]), shape[axis], math.prod(shape[axis + 1:])
    opts = e.options("SoftmaxOptions", beta=1.0)
    flat = [outer, n] if inner == 1 else [outer, n, inner]
    x = e.emit("RESHAPE", [e.input("input"), e.i32(flat)], flat, FLOAT32)
    if inner == 1:
        x = e.emit("SOFTMAX", [x], flat, FLOAT32, opts)
    else:
        moved = [outer, inner, n]
        x = e.emit("TRANSPOSE", [x, e.i32([0, 2, 1])], moved, FLOAT32)
        x = e.emit("SOFTMAX", [x], moved, FLOAT32, opts)
        x = e.emit("TRANSPOSE", [x, e.i32([0, 2, 1])], flat, FLOAT32)
    return e.emit("RESHAPE", [x, e.i32(list(shape))], shape, FLOAT32)
