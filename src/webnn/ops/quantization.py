"""Quantization ops: quantize_linear and dequantize_linear.

``scale`` and ``zero_point`` have the input's rank and the same shape as each
other, and are *blockwise broadcastable* to the input: every input dimension is
a whole multiple of the matching scale dimension, and each scale element covers
one block of ``input.shape[i] // scale.shape[i]`` elements along every axis.
A shape of all ones is per-tensor quantization, one non-one dimension equal to
the input's is per-axis quantization, anything else is block-wise.

Scale values: the spec asks for positive, nonzero scales and leaves other values
implementation-defined.  Here a *constant* scale holding zero (either sign), NaN
or an infinity is a TypeError when the op is added to the graph; a negative
constant scale is accepted and computed as written (the WPT cases and Chromium
do so: quantize divides by it, dequantize multiplies by it).  A scale that is
not a constant is not inspected: a zero gives an infinite or NaN quotient, which
quantize_linear saturates (NaN becomes 0), and dequantize_linear gives whatever
IEEE arithmetic gives.

Besides the spec's data types, ``int4`` and ``uint4`` (not in the spec, stored
unpacked) are allowed where Chromium allows them: the input and zero point of
dequantize_linear and the zero point (and so the output) of quantize_linear.
"""

from __future__ import annotations

import numpy as np

from .base import FLOATS, Check, N, Operand, Result, limit, op, same

#: The spec's integer types of quantized values, plus int4 / uint4.
QUANTIZED_TYPES = ("uint8", "int8", "uint32", "int32", "int4", "uint4")


def _check_scale_and_zero_point(c: Check, input: Operand, scale: Operand, zero_point: Operand) -> None:
    """The shape steps shared by both ops, and the value check of a constant scale.

    Equal ranks and data types are checked by the limits table already.
    """
    if scale.shape != zero_point.shape:
        c.fail(f"scale shape {list(scale.shape)} != zero_point shape {list(zero_point.shape)}")
    for name, desc in (("scale", scale), ("zero_point", zero_point)):
        if any(n % s for s, n in zip(desc.shape, input.shape)):
            c.fail(
                f"{name} shape {list(desc.shape)} is not blockwise broadcastable to input shape "
                f"{list(input.shape)} (every input dimension must be a multiple of the {name} "
                "dimension)"
            )
    values = c.constant("scale")
    if values is not None:
        values = np.asarray(values, dtype=np.float64)
        bad = ~np.isfinite(values) | (values == 0)
        if bad.any():
            first = values[bad].flat[0]
            c.fail(f"constant scale must be finite and nonzero, got {float(first)!r}")


@op("quantize_linear", limits={
    "input": limit(FLOATS, (0, N)),
    "scale": limit(same("input"), same("input")),
    "zero_point": limit(QUANTIZED_TYPES, same("input")),
    "output": limit(same("zero_point"), same("input")),
})
def quantize_linear(c: Check, input: Operand, scale: Operand, zero_point: Operand) -> Result:
    """Quantizes a float32 / float16 tensor to an integer tensor of zero_point's data type:
    ``output = saturate(roundHalfToEven(input / scale) + zero_point)``, where scale (of input's
    data type) and zero_point (uint8, int8, uint32, int32, int4 or uint4) have input's rank and
    the same shape, and are broadcast blockwise to input's shape (each of their elements applies
    to a block of ``input.shape[i] // scale.shape[i]`` elements along every axis i). The quotient
    is computed in float32, as the spec's emulation divides in the input's floating-point type
    (float16 upcast, exactly), then rounded half to even; the zero point is added exactly and
    the sum saturates to the output type's range (int4 [-8, 7], uint4 [0, 15], ...); a NaN
    quotient gives 0, as the spec's cast does. The output has input's shape. A constant scale
    holding zero, NaN or an infinity is a TypeError; a negative scale is computed as written.
    """
    _check_scale_and_zero_point(c, input, scale, zero_point)
    return c.output(zero_point.data_type, input.shape, output_data_type=zero_point.data_type)


@op("dequantize_linear", limits={
    "input": limit(QUANTIZED_TYPES, (0, N)),
    "scale": limit(FLOATS, same("input")),
    "zero_point": limit(same("input"), same("input")),
    "output": limit(same("scale"), same("input")),
})
def dequantize_linear(c: Check, input: Operand, scale: Operand, zero_point: Operand) -> Result:
    """Dequantizes an integer tensor (uint8, int8, uint32, int32, int4 or uint4) to scale's
    floating-point type: ``output = (input - zero_point) * scale``, where zero_point (of input's
    data type) and scale (float32 or float16) have input's rank and the same shape, and are
    broadcast blockwise to input's shape (each of their elements applies to a block of
    ``input.shape[i] // scale.shape[i]`` elements along every axis i). The difference is exact
    and the product is rounded once to the output type (exactly so for 4- and 8-bit inputs);
    values beyond the output type's range become infinities. The output has input's shape. A
    constant scale holding zero, NaN or an infinity is a TypeError; a negative scale is
    computed as written.
    """
    _check_scale_and_zero_point(c, input, scale, zero_point)
    return c.output(scale.data_type, input.shape)
