"""QuantizeLinear and DequantizeLinear: per-tensor, per-axis and block-wise (opset 21) scales.

WebNN's ops take a scale and a zero point of the input's rank, broadcast block-wise; ONNX's
scalar and 1-D (per-axis) forms are reshaped to that, and a missing zero point becomes zeros.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .. import types as T
from ..core import Node, Value
from ..registry import converter
from .common import norm_axis

if TYPE_CHECKING:
    from ....builder import MLOperand

QUANTIZED = (T.UINT8, T.INT8, T.UINT32, T.INT32, T.INT4, T.UINT4)


def _param_shape(node: Node, shape: tuple[int, ...], param: tuple[int, ...]) -> list[int]:
    """The input-rank shape that ONNX's scale of shape ``param`` stands for."""
    rank = len(shape)
    if len(param) == 0 or (len(param) == 1 and param[0] == 1 and not node.attr("block_size", 0)):
        return [1] * rank
    axis = norm_axis(node, int(node.attr("axis", 1)), rank)
    block = int(node.attr("block_size", 0))
    if block:
        node.check(len(param) == rank, f"a block-wise scale of shape {list(param)} must have the input's rank {rank}")
        node.check(shape[axis] % block == 0,
                   f"axis {axis} ({shape[axis]}) is not a multiple of block_size {block}; WebNN needs whole blocks")
        node.check(list(param) == [shape[axis] // block if i == axis else d for i, d in enumerate(shape)],
                   f"the scale's shape {list(param)} does not match block_size {block} on axis {axis}")
        return list(param)
    node.check(len(param) == 1 and param[0] == shape[axis],
               f"a per-axis scale of shape {list(param)} does not match axis {axis} ({shape[axis]})")
    return [shape[axis] if i == axis else 1 for i in range(rank)]


def _shaped(node: Node, index: int, shape: list[int]) -> MLOperand:
    value = node.input(index)
    if list(value.shape) == shape:
        return node.x(index)
    if value.const is not None:  # reshaped here: WebNN's reshape has no 4-bit types
        return node.operand_of(Value(value.elem, shape, const=value.const.reshape(shape)))
    return node.b.reshape(node.x(index), shape)


@converter("QuantizeLinear")
def convert_quantize(node: Node) -> Value:
    value, scale = node.input(0), node.input(1)
    shape = _param_shape(node, value.shape, scale.shape)
    if node.has(2):
        out_elem = node.elem(2)
        node.check(out_elem in QUANTIZED, f"zero point type {T.name(out_elem)} has no WebNN equivalent")
        zero = _shaped(node, 2, shape)
    else:
        out_elem = int(node.attr("output_dtype", 0)) or T.UINT8
        node.check(out_elem in QUANTIZED, f"output type {T.name(out_elem)} has no WebNN equivalent")
        zero = node.operand_of(Value(out_elem, shape, const=np.zeros(shape, T.NUMPY[out_elem])))
    if not node.attr("saturate", 1):
        node.fail("saturate = 0 applies to float8 outputs only, which WebNN lacks")
    result = node.b.quantize_linear(node.x(0), _shaped(node, 1, shape), zero, label=node.label())
    return node.out(result, out_elem)


@converter("DequantizeLinear")
def convert_dequantize(node: Node) -> Value:
    value, scale = node.input(0), node.input(1)
    node.check(value.elem in QUANTIZED, f"input type {T.name(value.elem)} has no WebNN equivalent")
    shape = _param_shape(node, value.shape, scale.shape)
    if node.has(2):
        zero = _shaped(node, 2, shape)
    else:
        zero = node.operand_of(Value(value.elem, shape, const=np.zeros(shape, T.NUMPY[value.elem])))
    result = node.b.dequantize_linear(node.x(0), _shaped(node, 1, shape), zero, label=node.label())
    return node.out(result, scale.elem)
