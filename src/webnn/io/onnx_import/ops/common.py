"""Helpers the op families share: axes, casts to the input's type, spatial-geometry rules."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from .. import types as T
from ..core import Node, Value
from ..costs import WIDEST, broadcast_shape

if TYPE_CHECKING:
    from ....builder import MLOperand


def norm_axis(node: Node, axis: int, rank: int, what: str = "axis") -> int:
    node.check(-rank <= axis < max(rank, 1), f"{what} {axis} is out of range for rank {rank}")
    return axis % rank if rank else 0


def norm_axes(node: Node, axes: Sequence[int], rank: int, what: str = "axes") -> list[int]:
    result = [norm_axis(node, int(a), rank, what) for a in axes]
    node.check(len(set(result)) == len(result), f"{what} {list(axes)} repeat an axis")
    return result


def numpy_dtype(node: Node, elem: int) -> np.dtype:
    if elem not in T.NUMPY:
        node.fail(f"ONNX type {T.name(elem)} is not supported")
    return T.NUMPY[elem]


def webnn_type(node: Node, elem: int, what: str = "the type") -> str:
    if elem not in T.WEBNN:
        node.fail(f"{what} is ONNX {T.name(elem)}, which WebNN has no data type for")
    return T.WEBNN[elem]


def operand_as(node: Node, value: Value, elem: int) -> MLOperand:
    """``value`` as an operand of element type ``elem`` (constants converted, operands cast)."""
    if value.const is not None:
        return node.constant(value.const.astype(numpy_dtype(node, elem), copy=False), webnn_type(node, elem))
    operand = node.operand_of(value)
    target = webnn_type(node, elem)
    if operand.data_type != target:
        return node.b.cast(operand, target)
    return operand


def broadcast_shapes(node: Node, *shapes: Sequence[int]) -> tuple[int, ...]:
    shape = broadcast_shape(shapes)
    if shape is None:
        node.fail(f"the input shapes {[list(s) for s in shapes]} do not broadcast")
    return shape


def itemsize(elem: int) -> int:
    """The bytes of one element of ONNX type ``elem`` as folding holds it (the widest if unknown)."""
    dtype = T.NUMPY.get(elem)
    return WIDEST if dtype is None else dtype.itemsize
