"""quantize_linear and dequantize_linear, decomposed exactly.

scale and zero_point are expanded blockwise to the input's shape as the spec's
``blockwiseExpand`` does (per axis: a reshape to [before, n, 1, after], a tile of the inserted
axis, a reshape back; rank 4 at most, which CoreML holds).

* quantize_linear: the quotient input / scale in float32 (float16 widened exactly, as the
  reference does), rounded half to even (:func:`.elementwise.round_half_even`: MIL's round is
  not), plus the zero point, saturated to the output type's range; a NaN quotient gives 0.  The
  sum is exact: for int8 / uint8 the rounded quotient is first clamped to [-1024, 1024] (beyond,
  the sum saturates all the same) and added in int32; for int32 it is clamped to +-2**32 and
  added in two int32 halves of 16 bits (:func:`_saturating_sum`), which cannot overflow.
* dequantize_linear: (input - zero_point) in int32 (exact for int8 / uint8), times scale in
  float32, rounded once to the output type: exact for int8 / uint8 (the product of a 9-bit
  integer and a float16 or float32 scale is exact in float32).  For int32 the difference (33
  bits) is made as two 16-bit halves and converted to float32 with one rounding, so a difference
  beyond 2**24 in magnitude is rounded twice (then the product, and for a float16 output the
  float32 result again), as the spec's own emulation (cast, sub, mul) rounds too.

MIL holds int8, uint8 and int32 tensors (int16 / uint16 only in casts); uint32, int4, uint4 and
64-bit types are refused.
"""

from __future__ import annotations

from typing import Any

from . import FLOATS, INT32, SMALL_INTS, OpLowering, lowering, type_name
from .elementwise import round_half_even

QUANTIZED = INT32 | SMALL_INTS
#: The range of each quantized type.
RANGES = {"int8": (-128, 127), "uint8": (0, 255), "int32": (-2**31, 2**31 - 1)}
HALF = 65536  # 2**16


def blockwise_expand(e: OpLowering, var: Any, shape: tuple[int, ...]) -> Any:
    """``var`` (of ``shape``'s rank, each dimension dividing ``shape``'s) with each element
    repeated over its block: ``shape``."""
    mb = e.mb
    current = [int(d) for d in var.shape]
    for axis, size in enumerate(shape):
        have = current[axis]
        if have == size:
            continue
        before = int(_product(current[:axis]))
        after = int(_product(current[axis + 1:]))
        var = mb.reshape(x=var, shape=[before, have, 1, after])
        var = mb.tile(x=var, reps=[1, 1, size // have, 1])
        current[axis] = size
        var = mb.reshape(x=var, shape=list(current))
    return var


def _product(values: list[int]) -> int:
    result = 1
    for v in values:
        result *= v
    return result


def _split(e: OpLowering, var: Any) -> tuple[Any, Any]:
    """int32 ``var`` as (high, low) int32 halves: var = high * 2**16 + low, low in [0, 2**16)."""
    mb = e.mb
    high = mb.floor_div(x=var, y=e.const(HALF, "int32"))
    return high, mb.sub(x=var, y=mb.mul(x=high, y=e.const(HALF, "int32")))


def _saturating_sum(e: OpLowering, q: Any, zero_point: Any) -> Any:
    """int32 saturate(q + zero_point) of a float32 integer ``q`` in [-2**32, 2**32] and an int32
    ``zero_point``, exactly: q and zero_point each as two 16-bit halves (q's exactly so: its
    floor of q / 2**16 and the remainder are integers float32 holds), the halves added, the carry
    moved up, and the high half checked against int32's."""
    mb = e.mb
    q_high = mb.floor(x=mb.real_div(x=q, y=e.const(HALF, "fp32")))
    q_low = mb.sub(x=q, y=mb.mul(x=q_high, y=e.const(HALF, "fp32")))
    z_high, z_low = _split(e, zero_point)
    high = mb.add(x=mb.cast(x=q_high, dtype="int32"), y=z_high)  # |high| <= 2**16 + 2**15
    low = mb.add(x=mb.cast(x=q_low, dtype="int32"), y=z_low)  # [0, 2**17)
    carry = mb.floor_div(x=low, y=e.const(HALF, "int32"))
    high = mb.add(x=high, y=carry)
    low = mb.sub(x=low, y=mb.mul(x=carry, y=e.const(HALF, "int32")))
    top, bottom = HALF // 2 - 1, -HALF // 2
    clamped = mb.minimum(x=mb.maximum(x=high, y=e.const(bottom, "int32")), y=e.const(top, "int32"))
    total = mb.add(x=mb.mul(x=clamped, y=e.const(HALF, "int32")), y=low)
    total = mb.select(cond=mb.greater(x=high, y=e.const(top, "int32")), a=e.const(2**31 - 1, "int32"), b=total)
    return mb.select(cond=mb.less(x=high, y=e.const(bottom, "int32")), a=e.const(-2**31, "int32"), b=total)


@lowering("quantize_linear", types=FLOATS | QUANTIZED, output_types=QUANTIZED)
def quantize_linear(e: OpLowering) -> Any:
    mb, shape, target = e.mb, e.out().shape, e.mil_type()
    x = e.cast(e.input("input"), "fp32")
    scale = blockwise_expand(e, e.cast(e.input("scale"), "fp32"), shape)
    zero_point = blockwise_expand(e, e.wide("zero_point"), shape)
    q = round_half_even(e, mb.real_div(x=x, y=scale))
    nan = mb.not_equal(x=q, y=q)
    q = mb.select(cond=nan, a=e.const(0, "fp32"), b=q)
    low, high = RANGES[target]
    if target == "int32":
        bound = float(2**32)
        q = mb.minimum(x=mb.maximum(x=q, y=e.const(-bound, "fp32")), y=e.const(bound, "fp32"))
        result = _saturating_sum(e, q, zero_point)
    else:
        q = mb.minimum(x=mb.maximum(x=q, y=e.const(-1024, "fp32")), y=e.const(1024, "fp32"))
        total = mb.add(x=mb.cast(x=q, dtype="int32"), y=zero_point)
        result = mb.minimum(x=mb.maximum(x=total, y=e.const(low, "int32")), y=e.const(high, "int32"))
    result = mb.select(cond=nan, a=e.const(0, "int32"), b=result)
    return e.cast(e.broadcast(result, shape), target)


@lowering("dequantize_linear", types=FLOATS | QUANTIZED, output_types=FLOATS)
def dequantize_linear(e: OpLowering) -> Any:
    mb, shape = e.mb, e.out().shape
    x = e.wide("input")
    scale = blockwise_expand(e, e.cast(e.input("scale"), "fp32"), shape)
    zero_point = blockwise_expand(e, e.wide("zero_point"), shape)
    if type_name(e.input("input")) == "int32":
        (x_high, x_low), (z_high, z_low) = _split(e, x), _split(e, zero_point)
        high = mb.cast(x=mb.sub(x=x_high, y=z_high), dtype="fp32")  # exact: |.| < 2**17
        low = mb.cast(x=mb.sub(x=x_low, y=z_low), dtype="fp32")  # exact: |.| < 2**16
        difference = mb.add(x=mb.mul(x=high, y=e.const(HALF, "fp32")), y=low)  # (one rounding)
    else:
        difference = mb.cast(x=mb.sub(x=x, y=zero_point), dtype="fp32")
    return e.cast(e.broadcast(mb.mul(x=difference, y=scale), shape), e.mil_type())
