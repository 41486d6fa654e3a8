"""LiteRT lowerings: quantize_linear and dequantize_linear, in float and integer arithmetic.

TFLite's QUANTIZE / DEQUANTIZE take their parameters from the tensor's quantization (per tensor
or per axis, not blockwise) and round differently: both ops are written out instead.  Blockwise
scales and zero points are repeated over their blocks first (a constant in NumPy, an operand by
a GATHER of each element per axis whose dimension is neither 1 nor the input's).

* 8-bit values compute in float32, with the reference's results exactly.  quantize_linear:
  round_half_even(x / scale) + zero_point, NaN to 0, saturated (from 2^24 on the sum with the
  zero point may round, but such sums saturate to the same bound).  dequantize_linear:
  (x - zero_point) * scale, a difference exact in float32 and one rounding of the product.
* 32-bit values (int32, uint32) need more than float32's 24 bits.  quantize_linear adds the
  zero point to the rounded quotient in int64.  dequantize_linear of 32-bit values is left out:
  the reference rounds the exact product once to the output type, which for float16 TFLite's
  operators reach only by rounding twice.

float16 scales compute in float32 (exactly: the quotient is the reference's, and 8-bit
products are exact in float32); int4 / uint4 are no TFLite tensor types.  XNNPACK flushes
subnormal operands and results to zero: a subnormal scale (a TypeError in no case, but no real
quantization's) computes as zero.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .... import dtypes
from ..types import BOOL, FLOAT32, FLOATS, INT64
from . import OpLowering, lowering

_SMALL = frozenset({"int8", "uint8"})
_WIDE = frozenset({"int32", "uint32"})


def _repeat(e: OpLowering, x: int, shape: Sequence[int], target: Sequence[int]) -> int:
    """Tensor ``x`` (of ``shape``) with each element repeated over its block of ``target``
    (dimensions of 1 are left to broadcasting)."""
    current = list(shape)
    for axis, (s, n) in enumerate(zip(shape, target)):
        if s in (1, n):
            continue
        current[axis] = n
        index = e.i32(np.arange(n) // (n // s))
        x = e.emit("GATHER", [x, index], current, e.writer.type(x), e.options("GatherOptions", axis=axis))
    return x


def _param(e: OpLowering, name: str, tensor_type: int) -> int:
    """Parameter ``name`` (scale or zero_point) as ``tensor_type``, broadcastable to the input."""
    shape, target = e.desc(name).shape, e.desc("input").shape
    value = e.constant_value(name)
    if value is not None:
        for axis, (s, n) in enumerate(zip(shape, target)):
            if s not in (1, n):
                value = np.repeat(value, n // s, axis=axis)
        return e.constant(value, tensor_type)
    return _repeat(e, e.cast(e.input(name), tensor_type), shape, target)


def _f(e: OpLowering, operator: str, *inputs: int, tensor_type: int = FLOAT32) -> int:
    """Element-wise ``operator`` on ``inputs`` (broadcast to the output's shape)."""
    return e.emit(operator, inputs, e.out().shape, tensor_type)


# --------------------------------------------------------------------------- quantize_linear


@lowering("quantize_linear", types=FLOATS | _SMALL | _WIDE, output_types=_SMALL | _WIDE)
def quantize_linear(e: OpLowering) -> int:
    data_type = e.out().data_type
    info = dtypes.info(data_type)
    work = FLOAT32 if data_type in _SMALL else INT64
    rounded = _f(e, "ROUND", _f(e, "DIV", e.input("input"), _param(e, "scale", FLOAT32)))
    number = _f(e, "EQUAL", rounded, rounded, tensor_type=BOOL)  # (false for NaN)
    zero_point = _param(e, "zero_point", work)
    if work == FLOAT32:
        value = _f(e, "ADD", rounded, zero_point)
    else:  # (the clamp only keeps the CAST in range: it saturates all the same)
        clamped = _f(e, "MINIMUM", _f(e, "MAXIMUM", rounded, e.constant(-(2.0**40), FLOAT32)),
                     e.constant(2.0**40, FLOAT32))
        value = _f(e, "ADD", e.cast(clamped, INT64), zero_point, tensor_type=INT64)
    value = _f(e, "SELECT_V2", number, value, e.constant(0, work), tensor_type=work)
    value = _f(e, "MAXIMUM", value, e.constant(info.min, work), tensor_type=work)
    value = _f(e, "MINIMUM", value, e.constant(info.max, work), tensor_type=work)
    return e.cast(value, e.out_type())


# --------------------------------------------------------------------------- dequantize_linear


@lowering("dequantize_linear", types=FLOATS | _SMALL, output_types=FLOATS)
def dequantize_linear(e: OpLowering) -> int:
    scale = _param(e, "scale", FLOAT32)
    difference = _f(e, "SUB", e.cast(e.input("input"), FLOAT32), _param(e, "zero_point", FLOAT32))
    return _f(e, "MUL", difference, scale)
