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

from .registry import INTEGERS, kernel, kernel_into, upcast
from .special import erfc

#: Data types of relu and clamp: selection only, so float16 runs as it is.
_CLAMP_TYPES = frozenset({"float32", "float16", *INTEGERS})


@kernel("relu")
def relu(input: np.ndarray) -> np.ndarray:
    return relu_into(np.empty(input.shape, input.dtype), input)


@kernel_into("relu", data_types=_CLAMP_TYPES, zero_hint=True)
def relu_into(out: np.ndarray, input: np.ndarray, no_negative_zero: bool = False) -> np.ndarray:
    """relu(input) written into ``out`` (which may be ``input``): clamp with min_value 0.

    Without -0 in the input that is NumPy's maximum with 0, which passes NaN through and
    may only pick the bound's +0 for an input +0.
    """
    floats = input.dtype.kind == "f"
    if floats and not no_negative_zero and _zeros_of_sign(input, negative=True) is not None:
        return clamp_into(out, input, 0, np.inf)
    return np.maximum(input, input.dtype.type(0), out=out)


@kernel("sigmoid")
def sigmoid(input: np.ndarray) -> np.ndarray:
    x = upcast(input)
    e = np.exp(-np.abs(x))  # never overflows
    one = x.dtype.type(1)
    return np.where(x >= 0, one / (one + e), e / (one + e))


@kernel("tanh")
def tanh(input: np.ndarray) -> np.ndarray:
    return np.tanh(upcast(input))


@kernel_into("tanh", data_types={"float32"})
def tanh_into(out: np.ndarray, input: np.ndarray) -> np.ndarray:
    return np.tanh(input, out=out)


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
    return clamp_into(np.empty(input.shape, input.dtype), input, min_value, max_value)


@kernel_into("clamp", data_types=_CLAMP_TYPES, zero_hint=True)
def clamp_into(
    out: np.ndarray, input: np.ndarray, min_value: float | int, max_value: float | int,
    no_negative_zero: bool = False,
) -> np.ndarray:
    """clamp(input) written into ``out`` (which may be ``input``).

    NumPy's clip computes min(max(x, low), high) with comparisons, which gives the bound
    for a value below low or above high and passes NaN through; a value equal to a bound
    may come out as that bound, which differs from it only for a zero bound and a zero of
    the other sign.  Those elements are found before ``out`` is written and get their zero
    back.  ``no_negative_zero`` promises that ``input`` holds no -0 (skipping the search
    when only -0 could be wrong).
    """
    t = input.dtype.type
    low, high = t(min_value), t(max_value)
    if not low < high:  # equal bounds, or NaN: the comparisons as the spec words them
        np.copyto(out, np.where(input < low, low, np.where(input > high, high, input)))
        return out
    wrong = None
    if input.dtype.kind == "f" and (low == 0 or high == 0):
        zero_bound = low if low == 0 else high
        other_is_negative = not np.signbit(zero_bound)  # the input zero clip may turn into the bound
        if not (other_is_negative and no_negative_zero):
            wrong = _zeros_of_sign(input, negative=other_is_negative)
    np.clip(input, low, high, out=out)
    if wrong is not None:
        out[wrong] = -zero_bound
    return out


def _zeros_of_sign(x: np.ndarray, negative: bool) -> np.ndarray | None:
    """Where ``x`` holds -0 (``negative``) or +0, or None when it holds none.

    As signed integers of the same width, -0 is the least value and +0 is 0: finding no
    -0 takes one min reduction, without a mask.
    """
    bits = x.view(_SIGNED[x.dtype.itemsize])
    zero = _NEGATIVE_ZERO_BITS[x.dtype.itemsize] if negative else 0
    if negative and (bits.size == 0 or bits.min() != zero):
        return None
    where = bits == zero
    return where if where.any() else None


_SIGNED = {size: np.dtype(f"i{size}") for size in (2, 4, 8)}
_NEGATIVE_ZERO_BITS = {size: int(np.iinfo(dtype).min) for size, dtype in _SIGNED.items()}


@kernel("softmax")
def softmax(input: np.ndarray, axis: int) -> np.ndarray:
    x = upcast(input)
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)
