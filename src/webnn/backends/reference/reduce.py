"""Reference kernels: reduction ops and arg_min / arg_max.

Every reduction receives the normalized ``axes`` (a tuple, possibly empty) and
``keep_dimensions``.  Integer inputs reduce in their own type, so sums and
products wrap around in two's complement; float16 inputs reduce in float32.

reduce_max and reduce_min are IEEE 754-2019 maximum / minimum over the axes: NaN
propagates and -0 is less than +0, as for the element-wise max and min.
reduce_log_sum_exp is log(sum(exp(x))) computed without overflow: NaN if any element is
NaN, +inf if any is +inf, -inf if all are -inf.
"""

from __future__ import annotations

import numpy as np

from .registry import kernel, upcast


def _sum(x: np.ndarray, axes: tuple[int, ...], keep_dimensions: bool) -> np.ndarray:
    return np.sum(x, axis=axes, dtype=x.dtype, keepdims=keep_dimensions)


@kernel("reduce_sum")
def reduce_sum(input: np.ndarray, axes: tuple[int, ...], keep_dimensions: bool) -> np.ndarray:
    return _sum(upcast(input), axes, keep_dimensions)


@kernel("reduce_l1")
def reduce_l1(input: np.ndarray, axes: tuple[int, ...], keep_dimensions: bool) -> np.ndarray:
    x = upcast(input)
    return _sum(x if x.dtype.kind == "u" else np.abs(x), axes, keep_dimensions)


@kernel("reduce_sum_square")
def reduce_sum_square(input: np.ndarray, axes: tuple[int, ...], keep_dimensions: bool) -> np.ndarray:
    x = upcast(input)
    return _sum(np.multiply(x, x), axes, keep_dimensions)


@kernel("reduce_product")
def reduce_product(input: np.ndarray, axes: tuple[int, ...], keep_dimensions: bool) -> np.ndarray:
    x = upcast(input)
    return np.prod(x, axis=axes, dtype=x.dtype, keepdims=keep_dimensions)


@kernel("reduce_mean")
def reduce_mean(input: np.ndarray, axes: tuple[int, ...], keep_dimensions: bool) -> np.ndarray:
    x = upcast(input)
    return np.mean(x, axis=axes, dtype=x.dtype, keepdims=keep_dimensions)


def _zero_sign(result: np.ndarray, input: np.ndarray, axes: tuple[int, ...], keep_dimensions: bool,
               negative_wins: bool) -> np.ndarray:
    """``result`` (a maximum or minimum) with each zero signed as IEEE 754-2019 orders them:
    -0 for a minimum over any -0, for a maximum only when no element is +0."""
    if result.dtype.kind != "f":
        return result
    zero = result == 0
    if not zero.any():
        return result
    sign = np.signbit(input) if negative_wins else ~np.signbit(input)
    present = np.any((input == 0) & sign, axis=axes, keepdims=keep_dimensions)
    negative = present if negative_wins else ~present
    return np.where(zero, np.where(negative, -0.0, 0.0).astype(result.dtype), result)


@kernel("reduce_max")
def reduce_max(input: np.ndarray, axes: tuple[int, ...], keep_dimensions: bool) -> np.ndarray:
    result = np.max(input, axis=axes, keepdims=keep_dimensions)
    return _zero_sign(result, input, axes, keep_dimensions, negative_wins=False)


@kernel("reduce_min")
def reduce_min(input: np.ndarray, axes: tuple[int, ...], keep_dimensions: bool) -> np.ndarray:
    result = np.min(input, axis=axes, keepdims=keep_dimensions)
    return _zero_sign(result, input, axes, keep_dimensions, negative_wins=True)


@kernel("reduce_log_sum")
def reduce_log_sum(input: np.ndarray, axes: tuple[int, ...], keep_dimensions: bool) -> np.ndarray:
    return np.log(_sum(upcast(input), axes, keep_dimensions))


def _finite_or_zero(m: np.ndarray) -> np.ndarray:
    return np.where(np.isfinite(m), m, np.zeros_like(m))


@kernel("reduce_log_sum_exp")
def reduce_log_sum_exp(input: np.ndarray, axes: tuple[int, ...], keep_dimensions: bool) -> np.ndarray:
    x = upcast(input)
    # m + log(sum(exp(x - m))): exp never overflows; an infinite maximum is left to exp/log.
    m = _finite_or_zero(np.max(x, axis=axes, keepdims=True))
    total = _sum(np.exp(x - m), axes, keep_dimensions)
    if not keep_dimensions:
        m = np.squeeze(m, axis=axes)
    return np.log(total) + m


@kernel("reduce_l2")
def reduce_l2(input: np.ndarray, axes: tuple[int, ...], keep_dimensions: bool) -> np.ndarray:
    x = upcast(input)
    # Scale by a power of two (exact) close to the largest magnitude: the scaled values lie
    # in [-2, 2], so squaring neither overflows nor flushes the largest values to zero.
    largest = np.max(np.abs(x), axis=axes, keepdims=True)
    _, exponent = np.frexp(_finite_or_zero(largest))
    scale = np.where(largest > 0, np.ldexp(np.ones_like(largest), exponent - 1), np.ones_like(largest))
    scaled = x / scale
    norm = np.sqrt(_sum(np.multiply(scaled, scaled), axes, keep_dimensions))
    if not keep_dimensions:
        scale = np.squeeze(scale, axis=axes)
    return norm * scale


@kernel("arg_min")
def arg_min(input: np.ndarray, axis: int, keep_dimensions: bool, output_data_type: str) -> np.ndarray:
    # np.argmin returns the first index of the minimum, or of the first NaN.
    return np.argmin(input, axis=axis, keepdims=keep_dimensions).astype(output_data_type)


@kernel("arg_max")
def arg_max(input: np.ndarray, axis: int, keep_dimensions: bool, output_data_type: str) -> np.ndarray:
    return np.argmax(input, axis=axis, keepdims=keep_dimensions).astype(output_data_type)
