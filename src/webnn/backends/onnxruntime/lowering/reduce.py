"""ONNX lowerings: reduce ops and arg_min / arg_max.

Where ONNX Runtime's kernels differ from WebNN (see the reference kernels):

* Empty ``axes`` apply the function element-wise (ONNX's ``noop_with_empty_axes``
  would return the input unchanged, and without it every axis is reduced): identity,
  Abs, x*x or Log.
* Integer ReduceSum / ReduceProd / ReduceL1 / ReduceSumSquare of ONNX Runtime saturate
  and round through double instead of wrapping around, so integer sums are CumSum along
  each reduced axis (then its last element) and integer products a tree of Mul nodes:
  both wrap in two's complement.  uint32 / uint64 sums run on int32 / int64 (the same
  bits).
* ReduceMax / ReduceMin / ArgMax / ArgMin ignore NaN (unless it comes first): for
  float inputs a NaN test is added so that NaN propagates (the first NaN's index for
  arg_min / arg_max).  uint32 values are compared as int64, uint64 values as int64
  with the sign bit flipped (order preserving), float16 values as float32 (exact).
* ReduceLogSumExp is wrong where the first element is infinite or NaN (it then shifts by 0
  instead of the largest element, so [-inf, -1000] gives -inf) and where a NaN meets an
  infinite maximum ([+inf, NaN] gives +inf): log_sum_exp is m + log(sum(exp(x - m))) with m
  the largest element clipped to the finite range (an infinite m would make x - m NaN), so
  a NaN propagates through the sum, +inf gives +inf and all -inf gives log(0) = -inf.
* The sign of a zero from ReduceMax / ReduceMin (which of -0 and +0 wins a tie) is left to
  ONNX Runtime: the spec's "maximum value" does not order equal values (as for the ties of
  arg_min / arg_max), and fixing it would cost two more passes over the input.
* ReduceL2 squares in the input type: float32 inputs reduce in float64 so that the norm
  neither overflows nor underflows where it is representable (the reference scales by
  a power of two instead); float16 inputs reduce in float32, where the squares of all
  float16 values are normal numbers.
* float16 is computed in float32 and rounded once at the end.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ....ir import Operation
from ..emitter import OpEmitter
from . import lowering

_INT64_MAX = 2**63 - 1
#: Integer types of the wrapping sum, and the signed type of the same width it runs on.
_SUM_STORAGE = {"int32": "int32", "uint32": "int32", "int64": "int64", "uint64": "int64"}


def _merge(shape: Sequence[int], axes: Sequence[int]) -> tuple[list[int], list[int]]:
    """``shape`` with each run of consecutive reduced (or kept) axes merged into one
    dimension; returns the merged shape and the positions of the reduced dimensions in it.
    Dimensions of size 1 are dropped (they reduce to themselves)."""
    reduced = set(axes)
    merged: list[int] = []
    kinds: list[bool] = []
    for i, d in enumerate(shape):
        if d == 1:
            continue
        kind = i in reduced
        if kinds and kinds[-1] == kind:
            merged[-1] *= d
        else:
            merged.append(d)
            kinds.append(kind)
    return merged, [i for i, kind in enumerate(kinds) if kind]


def _reshape(e: OpEmitter, x: str, shape: Sequence[int]) -> str:
    return e.node("Reshape", [x, e.i64(list(shape))])


def scalar(e: OpEmitter, value: float, data_type: str) -> str:
    """A 0-D constant (a Constant node: the emitter's small constants are 1-D for 0-D data)."""
    return e.node("Constant", [], value=np.array(value, dtype=data_type))


def _int_reduce(e: OpEmitter, x: str, data_type: str, shape: Sequence[int], axes: Sequence[int], mul: bool) -> str:
    """The wrapping integer sum (or product) of ``x`` along ``axes``, shaped like the output."""
    merged, reduced = _merge(shape, axes)
    out_shape = list(e.output_desc().shape)
    if not reduced:  # only dimensions of size 1 are reduced
        return _reshape(e, x, out_shape) if list(shape) != out_shape else x
    work = data_type if mul else _SUM_STORAGE[data_type]
    v = x if work == data_type else e.cast(x, work)
    if merged != list(shape):
        v = _reshape(e, v, merged)
    current = list(merged)
    for axis in reduced:
        if mul:
            v = _product_along(e, v, current[axis], axis)
        else:
            v = e.node("CumSum", [v, scalar(e, axis, "int64")])
            v = e.node("Slice", [v, e.i64([-1]), e.i64([_INT64_MAX]), e.i64([axis])])
        current[axis] = 1
    if current != out_shape:
        v = _reshape(e, v, out_shape)
    return v if work == data_type else e.cast(v, data_type)


def _product_along(e: OpEmitter, v: str, size: int, axis: int) -> str:
    """Multiply the halves of ``axis`` (of ``size``) together until it has size 1 (Mul
    wraps around)."""
    while size > 1:
        half = size // 2
        if size % 2:
            first, second, rest = e.nodes("Split", [v, e.i64([half, half, 1])], 3, axis=axis)
            v = e.node("Concat", [e.node("Mul", [first, second]), rest], axis=axis)
            size = half + 1
        else:
            first, second = e.nodes("Split", [v], 2, axis=axis, num_outputs=2)
            v = e.node("Mul", [first, second])
            size = half
    return v


def _elementwise(e: OpEmitter, op: Operation, x: str, data_type: str) -> str:
    """A reduction over no axis: the function applied to each element."""
    kind = op.type
    if kind in ("reduce_l1", "reduce_l2") and not data_type.startswith("uint"):
        return e.compute("Abs", [x], data_type)
    if kind == "reduce_sum_square":
        return e.compute("Mul", [x, x], data_type)
    if kind == "reduce_log_sum":
        return e.compute("Log", [x], data_type)
    # sum, product, mean, max, min, log_sum_exp (log(exp(x)) is x, infinities included)
    return x


def _float_reduce(e: OpEmitter, onnx_op: str, x: str, data_type: str, axes: Sequence[int], keep: bool) -> str:
    return e.compute(onnx_op, [x, e.i64(list(axes))], data_type, typed=[0], keepdims=int(keep))


_FLOAT_REDUCTIONS = {
    "reduce_l1": "ReduceL1", "reduce_log_sum": "ReduceLogSum",
    "reduce_mean": "ReduceMean", "reduce_product": "ReduceProd", "reduce_sum": "ReduceSum",
    "reduce_sum_square": "ReduceSumSquare",
}


_FLOAT32_MAX = float(np.finfo(np.float32).max)


def _log_sum_exp(e: OpEmitter, x: str, data_type: str, axes: Sequence[int], keep: bool) -> str:
    """m + log(sum(exp(x - m))), m the largest element clipped to the finite range (see the
    module docstring); float16 computes in float32."""
    if data_type == "float16":
        x = e.cast(x, "float32")
    axes_value = e.i64(list(axes))
    largest = e.node("ReduceMax", [x, axes_value], keepdims=1)
    shift = e.node("Clip", [largest, scalar(e, -_FLOAT32_MAX, "float32"), scalar(e, _FLOAT32_MAX, "float32")])
    total = e.node("ReduceSum", [e.node("Exp", [e.node("Sub", [x, shift])]), axes_value], keepdims=int(keep))
    if not keep:
        shift = _reshape(e, shift, e.output_desc().shape)
    y = e.node("Add", [e.node("Log", [total]), shift])
    return e.cast(y, "float16") if data_type == "float16" else y


@lowering(*_FLOAT_REDUCTIONS, "reduce_l2", "reduce_log_sum_exp")
def reduce(e: OpEmitter, op: Operation) -> str:
    x = e.input("input")
    desc = e.input_desc("input")
    data_type = desc.data_type
    axes, keep = op.attrs["axes"], op.attrs["keep_dimensions"]
    if not axes:
        return _elementwise(e, op, x, data_type)
    if data_type in _SUM_STORAGE:  # integer sums and products (l2, log, mean are float only)
        if op.type == "reduce_l1" and data_type.startswith("int"):
            x = e.node("Abs", [x])
        elif op.type == "reduce_sum_square":
            x = e.node("Mul", [x, x])
        return _int_reduce(e, x, data_type, desc.shape, axes, mul=op.type == "reduce_product")
    if op.type == "reduce_log_sum_exp":
        return _log_sum_exp(e, x, data_type, axes, keep)
    if op.type == "reduce_l2":
        if data_type == "float16":
            return _float_reduce(e, "ReduceL2", x, data_type, axes, keep)
        y = e.node("ReduceL2", [e.cast(x, "float64"), e.i64(list(axes))], keepdims=int(keep))
        return e.cast(y, "float32")
    return _float_reduce(e, _FLOAT_REDUCTIONS[op.type], x, data_type, axes, keep)


# --------------------------------------------------------------------------- max / min / arg


def _ordered(e: OpEmitter, x: str, data_type: str) -> tuple[str, str]:
    """``x`` as values of a type that ONNX Runtime compares, in the same order (exactly
    invertible); returns the value and its type."""
    if data_type == "float16":
        return e.cast(x, "float32"), "float32"
    if data_type == "uint32":
        return e.cast(x, "int64"), "int64"
    if data_type == "uint64":
        return e.node("BitwiseXor", [e.cast(x, "int64"), scalar(e, -(2**63), "int64")]), "int64"
    return x, data_type


def _unordered(e: OpEmitter, y: str, data_type: str) -> str:
    """The inverse of :func:`_ordered`."""
    if data_type == "float16":
        return e.cast(y, "float16")
    if data_type == "uint32":
        return e.cast(y, "uint32")
    if data_type == "uint64":
        return e.cast(e.node("BitwiseXor", [y, scalar(e, -(2**63), "int64")]), "uint64")
    return y


@lowering("reduce_max", "reduce_min")
def reduce_max_min(e: OpEmitter, op: Operation) -> str:
    x = e.input("input")
    data_type = e.input_desc("input").data_type
    axes, keep = op.attrs["axes"], op.attrs["keep_dimensions"]
    if not axes:
        return x
    onnx_op = "ReduceMax" if op.type == "reduce_max" else "ReduceMin"
    axes_value = e.i64(list(axes))
    key, key_type = _ordered(e, x, data_type)
    y = e.node(onnx_op, [key, axes_value], keepdims=int(keep))
    if key_type == "float32":
        # ONNX Runtime skips NaN unless it comes first: make any NaN the result.
        any_nan = e.node("ReduceMax", [e.node("IsNaN", [x]), axes_value], keepdims=int(keep))
        y = e.node("Where", [any_nan, scalar(e, np.nan, "float32"), y])
    return _unordered(e, y, data_type)


@lowering("arg_min", "arg_max")
def arg_min_max(e: OpEmitter, op: Operation) -> str:
    x = e.input("input")
    data_type = e.input_desc("input").data_type
    axis, keep = op.attrs["axis"], int(op.attrs["keep_dimensions"])
    onnx_op = "ArgMax" if op.type == "arg_max" else "ArgMin"
    key, key_type = _ordered(e, x, data_type)
    index = e.node(onnx_op, [key], axis=axis, keepdims=keep, select_last_index=0)
    if key_type == "float32":
        # Where the values contain NaN, the index of the first NaN.
        nan = e.node("IsNaN", [x])
        first_nan = e.node("ArgMax", [e.cast(nan, "uint8")], axis=axis, keepdims=keep, select_last_index=0)
        any_nan = e.node("ReduceMax", [nan, e.i64([axis])], keepdims=keep)
        index = e.node("Where", [any_nan, first_nan, index])
    output_type = op.attrs["output_data_type"]
    return index if output_type == "int64" else e.cast(index, output_type)
