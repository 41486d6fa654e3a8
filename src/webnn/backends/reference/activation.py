"""Reference kernels: activation ops.

``clamp`` passes a value inside [min_value, max_value] through unchanged (the sign of a
zero included: clamp(-0, min_value=+0) is -0), replaces a value below min_value by
min_value and one above max_value by max_value, and passes NaN through, as ONNX
Runtime's Clip does.  ``relu`` is clamp with min_value 0: relu(-0) is -0 and relu(NaN) is
NaN.
"""

from __future__ import annotations

import math

import numpy as np

from .registry import kernel, upcast
from .special import erfc


@kernel("relu")
def relu(input: np.ndarray) -> np.ndarray:
    return np.where(input < 0, input.dtype.type(0), input)


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
    return 0.5 * x * erfc(-x / math.sqrt(2.0))


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
    low, high = t(min_value), t(max_value)
    # Comparisons, not maximum / minimum: those would pick a zero bound over an equal zero
    # of the other sign.  NaN compares false, so it passes through.
    return np.where(input < low, low, np.where(input > high, high, input))


@kernel("softmax")
def softmax(input: np.ndarray, axis: int) -> np.ndarray:
    x = upcast(input)
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)
