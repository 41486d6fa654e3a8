"""Reference kernels: activation ops."""

from __future__ import annotations

import math

import numpy as np

from .registry import kernel, upcast

_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
_ONE_OVER_SQRT_PI = 1.0 / math.sqrt(math.pi)
#: Below this |z| erf comes from its power series, above it erfc from its continued fraction.
_SERIES_LIMIT = 1.5
_FRACTION_DEPTH = 100


def _erf_series(z: np.ndarray) -> np.ndarray:
    """erf(z) for 0 <= z < 1.5 in float64.

    Uses erf(z) = 2/sqrt(pi) * exp(-z^2) * sum_n (2z^2)^n z / (1*3*...*(2n+1)), whose
    terms are all positive, so nothing cancels.
    """
    z2 = z * z
    term = z.copy()
    total = z.copy()
    n = 0
    while True:
        n += 1
        term = term * (2.0 * z2 / (2 * n + 1))
        total += term
        if not np.any(term > 1e-17 * total):
            break
    return _TWO_OVER_SQRT_PI * np.exp(-z2) * total


def _erfc_fraction(z: np.ndarray) -> np.ndarray:
    """erfc(z) for z >= 1.5 in float64, from Laplace's continued fraction

    erfc(z) = exp(-z^2) / sqrt(pi) / (z + (1/2) / (z + (2/2) / (z + (3/2) / (z + ...)))).
    """
    f = z.copy()
    for k in range(_FRACTION_DEPTH, 0, -1):
        f = z + (0.5 * k) / f
    return _ONE_OVER_SQRT_PI * np.exp(-z * z) / f


def _erfc(x: np.ndarray) -> np.ndarray:
    """The complementary error function 1 - erf(x), element-wise in float64.

    Accurate to a few units in the last place of float64 relative to erfc itself,
    including its tiny values for large positive x.
    """
    x = np.asarray(x, dtype=np.float64)
    z = np.abs(x)
    out = np.empty_like(x)
    small = z < _SERIES_LIMIT
    large = ~small & ~np.isnan(z)
    erf_small = _erf_series(z[small])
    out[small] = np.where(x[small] < 0, 1.0 + erf_small, 1.0 - erf_small)
    tail = _erfc_fraction(np.minimum(z[large], 30.0))  # erfc(30) underflows to 0 already
    out[large] = np.where(x[large] < 0, 2.0 - tail, tail)
    out[np.isnan(z)] = np.nan
    return out


@kernel("relu")
def relu(input: np.ndarray) -> np.ndarray:
    return np.maximum(input, input.dtype.type(0))


@kernel("sigmoid")
def sigmoid(input: np.ndarray) -> np.ndarray:
    x = upcast(input)
    e = np.exp(-np.abs(x))  # never overflows
    one = x.dtype.type(1)
    return np.where(x >= 0, one / (one + e), e / (one + e))


@kernel("tanh")
def tanh(input: np.ndarray) -> np.ndarray:
    return np.tanh(upcast(input))


@kernel("softplus")
def softplus(input: np.ndarray) -> np.ndarray:
    x = upcast(input)
    return np.logaddexp(x.dtype.type(0), x)


@kernel("softsign")
def softsign(input: np.ndarray) -> np.ndarray:
    x = upcast(input)
    result = x / (x.dtype.type(1) + np.abs(x))
    return np.where(np.isinf(x), np.sign(x), result)  # the limit, where inf/inf is NaN


@kernel("gelu")
def gelu(input: np.ndarray) -> np.ndarray:
    # 0.5 * x * (1 + erf(x / sqrt(2))) == 0.5 * x * erfc(-x / sqrt(2)); the erfc form keeps
    # the tiny results for large negative x instead of cancelling them to zero.
    x = input.astype(np.float64)
    return 0.5 * x * _erfc(-x / math.sqrt(2.0))


@kernel("hard_swish")
def hard_swish(input: np.ndarray) -> np.ndarray:
    x = upcast(input)
    t = x.dtype.type
    return x * np.maximum(t(0), np.minimum(t(6), x + t(3))) / t(6)


@kernel("elu")
def elu(input: np.ndarray, alpha: float) -> np.ndarray:
    x = upcast(input)
    t = x.dtype.type
    return np.maximum(t(0), x) + t(alpha) * np.expm1(np.minimum(t(0), x))


@kernel("leaky_relu")
def leaky_relu(input: np.ndarray, alpha: float) -> np.ndarray:
    x = upcast(input)
    return np.where(x < 0, x.dtype.type(alpha) * x, x)


@kernel("prelu")
def prelu(input: np.ndarray, slope: np.ndarray) -> np.ndarray:
    x = upcast(input)
    s = upcast(slope)
    zero = x.dtype.type(0)
    return np.where(x < zero, s * x, x)


@kernel("hard_sigmoid")
def hard_sigmoid(input: np.ndarray, alpha: float, beta: float) -> np.ndarray:
    x = upcast(input)
    t = x.dtype.type
    return np.maximum(np.minimum(t(alpha) * x + t(beta), t(1)), t(0))


@kernel("linear")
def linear(input: np.ndarray, alpha: float, beta: float) -> np.ndarray:
    x = upcast(input)
    t = x.dtype.type
    return t(alpha) * x + t(beta)


@kernel("clamp")
def clamp(input: np.ndarray, min_value: float | int, max_value: float | int) -> np.ndarray:
    t = input.dtype.type
    return np.minimum(np.maximum(input, t(min_value)), t(max_value))


@kernel("softmax")
def softmax(input: np.ndarray, axis: int) -> np.ndarray:
    x = upcast(input)
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)
