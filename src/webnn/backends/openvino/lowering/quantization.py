"""OpenVINO lowerings: quantize_linear and dequantize_linear, on 8- and 4-bit quantized values.

Both compute in float32 with results the reference's exactly:

* dequantize_linear: (x - zero_point) * scale.  The difference of two 8-bit values is exact in
  float32, and its product with a float32 (or float16) scale has at most 33 significant bits
  (9 + 24), so one float32 multiplication rounds the exact product once, as the reference's
  float64 product rounded to the output type does (float16: the product of 9 and 11 bits is
  exact in float32, and the conversion rounds it once).
* quantize_linear: round_half_even(x / scale) + zero_point, saturated, NaN to 0.  The quotient
  is the reference's float32 division; from 2**24 on the sum with an 8-bit zero point may
  round, but such sums saturate to the same bound.

32-bit quantized values are refused: their differences and sums need more than float32's 24
bits.  Blockwise scales and zero points are repeated over their blocks (each axis whose scale
dimension is neither 1 nor the input's: Reshape, Broadcast, Reshape).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import openvino.opset16 as ops

from .... import dtypes
from ..types import FLOATS
from . import OpLowering, lowering
from .elementwise import convert, is_nan

_SMALL = frozenset({"int8", "uint8", "int4", "uint4"})


def _blockwise(e: OpLowering, value: Any, shape: tuple[int, ...], target: tuple[int, ...]) -> Any:
    """``value`` (of ``shape``) with each element repeated over its block of ``target``."""
    current = list(shape)
    for axis, (s, n) in enumerate(zip(shape, target)):
        if s in (1, n):
            continue  # (plain broadcasting)
        split = current[:axis] + [s, 1] + current[axis + 1:]
        spread = current[:axis] + [s, n // s] + current[axis + 1:]
        value = ops.broadcast(e.reshape(value, split), e.i64(spread)).output(0)
        current[axis] = n
        value = e.reshape(value, current)
    return value


def _params(e: OpLowering) -> tuple[Any, Any]:
    """scale and zero_point as float32, broadcastable to the input."""
    shape, target = e.desc("scale").shape, e.desc("input").shape
    scale = _blockwise(e, convert(e.input("scale"), "float32"), shape, target)
    zero_point = _blockwise(e, convert(e.input("zero_point"), "float32"), shape, target)
    return scale, zero_point


@lowering("dequantize_linear", types=FLOATS | _SMALL, output_types=FLOATS)
def dequantize_linear(e: OpLowering) -> Any:
    scale, zero_point = _params(e)
    difference = ops.subtract(convert(e.input("input"), "float32"), zero_point)
    return convert(ops.multiply(difference, scale), e.out().data_type)


@lowering("quantize_linear", types=FLOATS | _SMALL, output_types=_SMALL)
def quantize_linear(e: OpLowering) -> Any:
    data_type = e.out().data_type
    info = dtypes.info(data_type)
    scale, zero_point = _params(e)
    quotient = ops.divide(convert(e.input("input"), "float32"), scale)
    value = ops.add(ops.round(quotient, "half_to_even"), zero_point)
    value = ops.select(is_nan(value), ops.constant(np.float32(0)), value)
    value = ops.clamp(value, float(info.min), float(info.max))
    return convert(value, data_type)
