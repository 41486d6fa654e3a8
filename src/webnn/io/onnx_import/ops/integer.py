"""Integer (quantized) arithmetic: MatMulInteger, ConvInteger, QLinearMatMul, QLinearConv and
DynamicQuantizeLinear.

WebNN multiplies floating-point tensors only, so the int32 accumulations are computed in float32,
exactly: the zero-point-centred activations (integers in [-255, 255]) are split into a high part
(a multiple of 16, divided by 16) and a low part (0 to 15). Every partial sum of products of a
part with a centred weight is an integer below 2^24, which float32 holds exactly in any order
of summation; the two sums are combined in int32 as high * 16 + low.  Requantization follows
ONNX Runtime: float(accumulator) * (input scale * weight scale / output scale), rounded half to
even, plus the output zero point, saturated.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from .. import types as T
from ..core import Node, Value
from ..costs import Cost
from ..registry import converter
from .conv import auto_pads, spatial_attrs, webnn_padding

if TYPE_CHECKING:
    from ....builder import MLOperand

#: A product of two operands (matmul or a 2-D convolution).
Product = Callable[["MLOperand", "MLOperand"], "MLOperand"]

#: float32 holds every integer up to this exactly.
EXACT_LIMIT = 2**24
#: The largest |high part * centred weight|: 16 * 255.
MAX_TERM = 16 * 255
QUANTIZED = (T.UINT8, T.INT8)


def _zero_point_shape(node: Node, zp: Value, per_axis: Callable[[int], list[int]]) -> list[int] | None:
    """The broadcastable shape of a zero point / scale: None for per-tensor, else per_axis(size)."""
    if zp.rank == 0 or (zp.rank == 1 and zp.shape[0] == 1):
        return None
    node.check(zp.rank == 1, f"a zero point / scale of shape {list(zp.shape)} is neither per-tensor nor 1-D")
    return per_axis(zp.shape[0])


def centered(node: Node, index: int, zp_index: int, per_axis: Callable[[int], list[int]]) -> MLOperand:
    """Input ``index`` minus its zero point (input ``zp_index``, optional), as float32 integers."""
    value = node.input(index)
    node.check(value.elem in QUANTIZED, f"input {index} is ONNX {T.name(value.elem)}, not uint8 or int8")
    zp = node.input(zp_index) if node.has(zp_index) else None
    if zp is not None:
        node.check(zp.elem == value.elem, f"the zero point of input {index} has another type than the input")
    shape = None if zp is None else _zero_point_shape(node, zp, per_axis)
    constant = value.const is not None and (zp is None or zp.const is not None)
    if constant and node.afford(Cost(value.const.size * 8, value.const.size)):  # float32, minus the zero point
        array = value.const.astype(np.float32)
        if zp is not None:
            z = zp.const.astype(np.float32)
            array = array - (z.reshape(()) if shape is None else z.reshape(shape))
        return node.constant(array)
    x = node.b.cast(node.x(index), "float32")
    if zp is None or (zp.const is not None and not zp.const.any()):
        return x
    z = node.b.cast(node.x(zp_index), "float32")
    z = node.b.reshape(z, [] if shape is None else shape)
    return node.b.sub(x, z)


#: The most products per output one float32 sum holds exactly.
MAX_TERMS = (EXACT_LIMIT - 1) // MAX_TERM


def chunked_accumulate(node: Node, product: Product, activations: MLOperand, weights: MLOperand,
                       axes: tuple[int, int], length: int, per_step: int) -> MLOperand:
    """``exact_accumulate`` over the contracted axis (``axes``: its index in the activations and
    in the weights, ``length`` long, ``per_step`` products per element of it), in chunks of at
    most MAX_TERMS products whose int32 sums are added."""
    step = MAX_TERMS // per_step
    node.check(step >= 1, f"{per_step} products per contracted element are too many to accumulate exactly")
    total = None
    for start in range(0, length, step):
        size = min(step, length - start)
        parts = []
        for x, axis in ((activations, axes[0]), (weights, axes[1])):
            if size == length:
                parts.append(x)
                continue
            starts = [0] * len(x.shape)
            sizes = list(x.shape)
            starts[axis], sizes[axis] = start, size
            parts.append(node.b.slice(x, starts, sizes))
        partial = exact_accumulate(node, product, parts[0], parts[1], size * per_step)
        total = partial if total is None else node.b.add(total, partial)
    return total


def exact_accumulate(node: Node, product: Product, activations: MLOperand, weights: MLOperand, terms: int) -> MLOperand:
    """int32 ``product(activations, weights)`` of centred integers, computed exactly in float32."""
    node.check(terms <= MAX_TERMS, f"{terms} products per output are too many to accumulate exactly in float32")
    b = node.b
    high = b.floor(b.mul(activations, node.scalar(1 / 16, activations)))
    low = b.sub(activations, b.mul(high, node.scalar(16, activations)))
    high_sum = b.cast(product(high, weights), "int32")
    low_sum = b.cast(product(low, weights), "int32")
    return b.add(b.mul(high_sum, node.scalar(16, high_sum)), low_sum)


def requantize(node: Node, accumulator: MLOperand, multiplier: np.ndarray | None,
               multiplier_operand: MLOperand | None, zp_index: int) -> Value:
    """saturate(round_half_even(float(accumulator) * multiplier) + zero point)."""
    b = node.b
    scaled = b.mul(b.cast(accumulator, "float32"),
                   node.constant(multiplier) if multiplier is not None else multiplier_operand)
    rank = len(scaled.shape)
    out_elem = node.elem(zp_index) if node.has(zp_index) else T.UINT8
    node.check(out_elem in QUANTIZED, f"the output type {T.name(out_elem)} is not uint8 or int8")
    if node.has(zp_index):
        node.check(node.input(zp_index).shape in ((), (1,)), "the output zero point must be per-tensor")
        zero = b.reshape(node.x(zp_index), [1] * rank)
    else:
        zero = node.constant(np.zeros([1] * rank, np.uint8))
    one = node.constant(np.ones([1] * rank, np.float32))
    return node.out(b.quantize_linear(scaled, one, zero, label=node.label()), out_elem)


def multiplier(node: Node, scales: Sequence[int],
               shape: Callable[[int], list[int]]) -> tuple[np.ndarray | None, MLOperand | None]:
    """input scale * weight scale / output scale, in float32 (a constant when the scales are)."""
    values = [node.input(i) for i in scales]
    for v in values:
        node.check(v.elem == T.FLOAT, f"a scale is ONNX {T.name(v.elem)}, not float")
    weight_scale = values[1]
    target = None if weight_scale.size_is_one else shape(weight_scale.shape[0])
    if all(v.const is not None for v in values):
        a, w, y = (np.asarray(v.const, np.float32).reshape(-1) for v in values)
        result = (a[0] * w / y[0]).astype(np.float32)
        return (result.reshape(()) if target is None else result.reshape(target)), None
    b = node.b
    ops = [b.reshape(node.x(i), [] if v.size_is_one else [v.shape[0]]) for i, v in zip(scales, values)]
    product = b.div(b.mul(ops[0], ops[1]), ops[2])
    return None, b.reshape(product, [] if target is None else target)


# --------------------------------------------------------------------------- matrix products


def _matmul_parts(node: Node, a_index: int, a_zp: int, b_index: int,
                  b_zp: int) -> tuple[MLOperand, Callable[[int], list[int]]]:
    a, b = node.input(a_index), node.input(b_index)
    node.check(a.rank >= 2 and b.rank >= 2, "inputs of rank 1 are not supported")
    rows = lambda n: [n, 1]  # noqa: E731  (per-row zero point of A)
    columns = lambda n: [1, n]  # noqa: E731  (per-column zero point / scale of B)
    left = centered(node, a_index, a_zp, rows)
    right = centered(node, b_index, b_zp, columns)
    accumulator = chunked_accumulate(node, node.b.matmul, left, right, (a.rank - 1, b.rank - 2), a.shape[-1], 1)
    return accumulator, columns


@converter("MatMulInteger")
def convert_matmul_integer(node: Node) -> Value:
    accumulator, _ = _matmul_parts(node, 0, 2, 1, 3)
    return node.out(node.b.identity(accumulator, label=node.label()), T.INT32)


@converter("QLinearMatMul")
def convert_qlinear_matmul(node: Node) -> Value:
    accumulator, columns = _matmul_parts(node, 0, 2, 3, 5)
    constant, operand = multiplier(node, (1, 4, 6), columns)
    return requantize(node, accumulator, constant, operand, 7)


# --------------------------------------------------------------------------- convolutions


def _conv_parts(node: Node, x_index: int, x_zp: int, w_index: int, w_zp: int, bias: int | None) -> MLOperand:
    x, w = node.input(x_index), node.input(w_index)
    node.check(x.rank == 4 and w.rank == 4, f"{x.rank - 2}-D {node.op_type} is not supported (2-D is)")
    kernel = [int(k) for k in node.attr("kernel_shape", w.shape[2:])]
    strides, dilations, pads = spatial_attrs(node, 2, kernel)
    pads = auto_pads(node, list(x.shape[2:]), kernel, strides, dilations, pads)
    groups = int(node.attr("group", 1))
    per_channel = lambda n: [n, 1, 1, 1]  # noqa: E731  (per-output-channel zero point of W)

    def conv(a: MLOperand, filt: MLOperand) -> MLOperand:
        return node.b.conv2d(a, filt, padding=webnn_padding(pads), strides=strides, dilations=dilations, groups=groups)

    # The input's padding is its zero point, which the centring makes 0: conv2d's zero padding.
    activations = centered(node, x_index, x_zp, lambda n: [1, n, 1, 1])
    weights = centered(node, w_index, w_zp, per_channel)
    window = kernel[0] * kernel[1]
    if groups == 1:  # long sums are split over the input channels
        accumulator = chunked_accumulate(node, conv, activations, weights, (1, 1), w.shape[1], window)
    else:
        accumulator = exact_accumulate(node, conv, activations, weights, w.shape[1] * window)
    if bias is not None and node.has(bias):
        node.check(node.elem(bias) == T.INT32, "the bias must be int32")
        accumulator = node.b.add(accumulator, node.b.reshape(node.x(bias), [1, w.shape[0], 1, 1]))
    return accumulator


@converter("ConvInteger")
def convert_conv_integer(node: Node) -> Value:
    accumulator = _conv_parts(node, 0, 2, 1, 3, None)
    return node.out(node.b.identity(accumulator, label=node.label()), T.INT32)


@converter("QLinearConv")
def convert_qlinear_conv(node: Node) -> Value:
    accumulator = _conv_parts(node, 0, 2, 3, 5, 8)
    constant, operand = multiplier(node, (1, 4, 6), lambda n: [1, n, 1, 1])
    return requantize(node, accumulator, constant, operand, 7)


# --------------------------------------------------------------------------- dynamic quantization


@converter("DynamicQuantizeLinear")
def convert_dynamic_quantize(node: Node) -> list[Value | None]:
    """scale = (max(x, 0) - min(x, 0)) / 255, zero point = saturate(round(-min / scale)),
    y = saturate(round(x / scale) + zero point), all uint8."""
    value = node.input(0)
    node.check(value.elem == T.FLOAT, f"the input is ONNX {T.name(value.elem)}, not float")
    b = node.b
    x = node.x(0)
    zero = node.scalar(0, x)
    low = b.min(b.reduce_min(x), zero)
    high = b.max(b.reduce_max(x), zero)
    scale = b.div(b.sub(high, low), node.scalar(255, x))
    zero_point = b.cast(b.clamp(b.round_even(b.div(b.neg(low), scale)), min_value=0, max_value=255), "uint8")
    rank = value.rank
    y = b.quantize_linear(x, b.reshape(scale, [1] * rank), b.reshape(zero_point, [1] * rank), label=node.label())
    return [node.out(y, T.UINT8), node.out(scale, T.FLOAT), node.out(zero_point, T.UINT8)]
