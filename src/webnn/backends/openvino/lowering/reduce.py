"""OpenVINO lowerings: reduce ops and arg_min / arg_max.

Where the CPU plugin's kernels differ from WebNN (see the reference kernels):

* Empty ``axes`` apply the function element-wise: identity, Abs, x*x or Log.
* ReduceSum / ReduceProd / ReduceMax / ReduceMin on int32 and uint32 go through float32 (and
  uint32 compares as int32), so integer sums are CumSum along the reduced elements (its last
  element) and products, maxima and minima a tree of element-wise Multiply / Maximum /
  Minimum, which are exact (and wrap around) on int32.  uint32 values are compared as int32
  with the sign bit flipped (order preserving).  8-bit values (int4 / uint4 included) are
  exact in float32: ReduceMax / ReduceMin take them as they are.
* ReduceMax / ReduceMin / TopK skip NaN (unless it comes last): a NaN test makes any NaN
  the result (the first NaN's index for arg_min / arg_max).
* reduce_log_sum_exp is m + log(sum(exp(x - m))), m the largest element clipped to the
  finite range (NaN where any element is NaN); reduce_l2 scales by a power of two near the largest magnitude, so that
  squaring neither overflows nor underflows.
* float16 is computed in float32 and rounded once at the end.
* int64 / uint64 are left out: the CPU plugin keeps only their low 32 bits.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import openvino.opset16 as ops

from . import OpLowering, lowering

_FLOAT32_MAX = float(np.finfo(np.float32).max)
_SMALL_INTS = frozenset({"int8", "uint8", "int4", "uint4"})
_SUM_TYPES = frozenset({"float32", "float16", "int32", "uint32"})
_FLOAT_TYPES = frozenset({"float32", "float16"})
_ANY_TYPES = _SUM_TYPES | _SMALL_INTS


def _f32(x: Any, data_type: str) -> Any:
    return ops.convert(x, "f32") if data_type == "float16" else x


def _back(y: Any, data_type: str) -> Any:
    return ops.convert(y, "f16") if data_type == "float16" else y


def _as_rows(e: OpLowering, x: Any, shape: Sequence[int], axes: Sequence[int]) -> tuple[Any, int, int]:
    """``x`` as [kept, reduced] (the kept dimensions first, in order), and those two sizes."""
    kept = [d for d in range(len(shape)) if d not in axes]
    perm = kept + sorted(axes)
    if perm != sorted(perm):
        x = ops.transpose(x, e.i64(perm))
    k = math.prod(shape[d] for d in kept)
    r = math.prod(shape[d] for d in axes)
    return e.reshape(x, [k, r]), k, r


def _tree(x: Any, size: int, combine: Callable[[Any, Any], Any], e: OpLowering) -> Any:
    """Combine the halves of axis 1 (of ``size``) element-wise until it has size 1."""
    while size > 1:
        half = size // 2
        if size % 2:
            parts = ops.variadic_split(x, e.i64(1), e.i64([half, half, 1]))
            x = ops.concat([combine(parts.output(0), parts.output(1)), parts.output(2)], 1)
            size = half + 1
        else:
            parts = ops.variadic_split(x, e.i64(1), e.i64([half, half]))
            x = combine(parts.output(0), parts.output(1))
            size = half
    return x


def _int_reduce(e: OpLowering, x: Any, kind: str) -> Any:
    """The exact int32 / uint32 sum, product, maximum or minimum of ``x`` along the op's axes,
    shaped like the output."""
    shape = e.desc("input").shape
    out_shape = list(e.out().shape)
    rows, _, r = _as_rows(e, x, shape, e.attrs["axes"])
    if kind == "sum":
        total = ops.cumsum(rows, e.i64(1))
        y = ops.slice(total, e.i64([r - 1]), e.i64([r]), e.i64([1]), e.i64([1])) if r > 1 else total
    elif kind == "product":
        y = _tree(rows, r, ops.multiply, e)
    else:
        y = _tree(rows, r, ops.maximum if kind == "max" else ops.minimum, e)
    return e.reshape(y, out_shape)


def _ordered(x: Any, data_type: str) -> Any:
    """uint32 values as int32 in the same order (the sign bit flipped); others unchanged."""
    if data_type != "uint32":
        return x
    return ops.bitwise_xor(ops.convert(x, "i32"), ops.constant(np.int32(-(2**31))))


def _unordered(y: Any, data_type: str) -> Any:
    if data_type != "uint32":
        return y
    return ops.convert(ops.bitwise_xor(y, ops.constant(np.int32(-(2**31)))), "u32")


def _elementwise(e: OpLowering, x: Any, data_type: str) -> Any:
    """A reduction over no axis: the function applied to each element."""
    kind = e.op.type
    if kind in ("reduce_l1", "reduce_l2") and not data_type.startswith("uint"):
        return _back(ops.abs(_f32(x, data_type)), data_type)
    if kind == "reduce_sum_square":
        v = _f32(x, data_type)
        return _back(ops.multiply(v, v), data_type)
    if kind == "reduce_log_sum":
        return _back(ops.log(_f32(x, data_type)), data_type)
    return x


def _log_sum_exp(e: OpLowering, x: Any, axes: Any, keep: bool) -> Any:
    largest = ops.reduce_max(x, axes, True)
    shift = ops.clamp(largest, -_FLOAT32_MAX, _FLOAT32_MAX)
    total = ops.reduce_sum(ops.exp(ops.subtract(x, shift)), axes, keep)
    if not keep:
        shift = e.reshape(shift, e.out().shape)
    # NaN does not reach the result through the CPU plugin's kernels: make any NaN the result.
    any_nan = ops.reduce_logical_or(ops.is_nan(x), axes, keep)
    return ops.select(any_nan, ops.constant(np.float32(np.nan)), ops.add(ops.log(total), shift))


def _l2(e: OpLowering, x: Any, axes: Any, keep: bool) -> Any:
    """sqrt(sum((x / s)^2)) * s, s = 2^floor(log2(the largest magnitude)) (1 where that is 0,
    infinite or NaN): exact scaling, no overflow or underflow."""
    largest = ops.reduce_max(ops.abs(x), axes, True)
    usable = ops.logical_and(ops.is_finite(largest), ops.greater(largest, ops.constant(np.float32(0))))
    safe = ops.select(usable, largest, ops.constant(np.float32(1)))
    exponent = ops.floor(ops.divide(ops.log(safe), ops.constant(np.float32(math.log(2)))))
    exponent = ops.clamp(exponent, -149.0, 127.0)
    scale = ops.power(ops.constant(np.float32(2)), exponent)
    scaled = ops.divide(x, scale)
    norm = ops.sqrt(ops.reduce_sum(ops.multiply(scaled, scaled), axes, keep))
    if not keep:
        scale = e.reshape(scale, e.out().shape)
    return ops.multiply(norm, scale)


def _reduce_float(e: OpLowering, x: Any, axes: Any, keep: bool) -> Any:
    kind = e.op.type
    if kind == "reduce_sum":
        return ops.reduce_sum(x, axes, keep)
    if kind == "reduce_mean":
        return ops.reduce_mean(x, axes, keep)
    if kind == "reduce_product":
        return ops.reduce_prod(x, axes, keep)
    if kind == "reduce_l1":
        return ops.reduce_sum(ops.abs(x), axes, keep)
    if kind == "reduce_sum_square":
        return ops.reduce_sum(ops.multiply(x, x), axes, keep)
    if kind == "reduce_log_sum":
        return ops.log(ops.reduce_sum(x, axes, keep))
    if kind == "reduce_log_sum_exp":
        return _log_sum_exp(e, x, axes, keep)
    return _l2(e, x, axes, keep)


_INT_KINDS = {"reduce_sum": "sum", "reduce_l1": "sum", "reduce_sum_square": "sum", "reduce_product": "product"}


@lowering("reduce_sum", "reduce_l1", "reduce_sum_square", "reduce_product", types=_SUM_TYPES)
@lowering("reduce_l2", "reduce_log_sum", "reduce_log_sum_exp", "reduce_mean", types=_FLOAT_TYPES)
def reduce(e: OpLowering) -> Any:
    x = e.input("input")
    data_type = e.desc("input").data_type
    axes, keep = list(e.attrs["axes"]), bool(e.attrs["keep_dimensions"])
    if not axes:
        return _elementwise(e, x, data_type)
    if data_type in ("int32", "uint32"):
        if e.op.type == "reduce_l1" and data_type == "int32":
            x = ops.abs(x)
        elif e.op.type == "reduce_sum_square":
            x = ops.multiply(x, x)
        return _int_reduce(e, x, _INT_KINDS[e.op.type])
    return _back(_reduce_float(e, _f32(x, data_type), e.i64(axes), keep), data_type)


@lowering("reduce_max", "reduce_min", types=_ANY_TYPES)
def reduce_max_min(e: OpLowering) -> Any:
    x = e.input("input")
    data_type = e.desc("input").data_type
    axes, keep = list(e.attrs["axes"]), bool(e.attrs["keep_dimensions"])
    if not axes:
        return x
    is_max = e.op.type == "reduce_max"
    if data_type in ("int32", "uint32"):
        return _unordered(_int_reduce(e, _ordered(x, data_type), "max" if is_max else "min"), data_type)
    axes_value = e.i64(axes)
    v = _f32(x, data_type)
    y = ops.reduce_max(v, axes_value, keep) if is_max else ops.reduce_min(v, axes_value, keep)
    if data_type in _FLOAT_TYPES:
        any_nan = ops.reduce_logical_or(ops.is_nan(v), axes_value, keep)
        y = ops.select(any_nan, ops.constant(np.float32(np.nan)), y)
    return _back(y, data_type)


@lowering("arg_min", "arg_max", types=_ANY_TYPES)
def arg_min_max(e: OpLowering) -> Any:
    """TopK (k = 1, stable: the first index of ties) on values in an order TopK compares
    exactly; the first NaN's index where the values contain NaN."""
    x = e.input("input")
    data_type = e.desc("input").data_type
    axis, keep = e.attrs["axis"], bool(e.attrs["keep_dimensions"])
    mode = "max" if e.op.type == "arg_max" else "min"
    key = _ordered(_f32(x, data_type), data_type)
    index = ops.topk(key, e.i64(1), axis, mode, "value", "i32", True).output(1)
    if data_type in _FLOAT_TYPES:
        nan = ops.is_nan(key)
        first_nan = ops.topk(ops.convert(nan, "u8"), e.i64(1), axis, "max", "value", "i32", True).output(1)
        any_nan = ops.reduce_logical_or(nan, e.i64([axis]), True)
        index = ops.select(any_nan, first_nan, index)
    if not keep:
        index = e.reshape(index, e.out().shape)
    return index
