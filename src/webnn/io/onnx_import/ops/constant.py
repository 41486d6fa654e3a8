"""Ops that produce constants: Constant, Shape, Size, ConstantOfShape, Range, NonZero, EyeLike.

``Shape`` and ``Size`` read the static shape of any value, so they are constants even of a
graph input: this is what lets shape sub-graphs fold away.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ....errors import NotSupportedError
from ...errors import GraphFormatError
from .. import types as T
from ..core import Node, Value, _tensor_value, checked_dims, const_value, sparse_cost, sparse_value
from ..costs import FREE, Cost, made
from ..registry import converter, folder
from .common import itemsize, numpy_dtype

#: The list-valued attributes of Constant and the types they make.
VALUE_LISTS = (("value_float", np.float32), ("value_floats", np.float32),
               ("value_int", np.int64), ("value_ints", np.int64))


def _value_dims(node: Node, tensor: Any) -> list[int]:
    """The shape of Constant's value, its data checked against it (the node named only on failure)."""
    try:
        return checked_dims(tensor, "the value")
    except (GraphFormatError, NotSupportedError) as exc:
        raise type(exc)(f"{node.describe()}: {exc}") from None


def constant_cost(node: Node, arrays: list[np.ndarray | None]) -> Cost:
    """A tensor value (its data checked against its shape), a sparse one made dense, or a list."""
    value = node.attr_proto("value")
    if value is not None:
        return made(_value_dims(node, value.t), itemsize(value.t.data_type))
    sparse = node.attr_proto("sparse_value")
    if sparse is not None:
        return sparse_cost(sparse.sparse_tensor, f"{node.describe()}: the sparse value")
    for name, dtype in VALUE_LISTS:
        attr = node.attr_proto(name)
        if attr is not None:
            return made([max(len(attr.floats), len(attr.ints), 1)], np.dtype(dtype).itemsize)
    return FREE


@folder("Constant", cost=constant_cost)
def fold_constant(node: Node, arrays: list[np.ndarray]) -> Value:
    value = node.attr_proto("value")
    if value is not None:
        return _tensor_value(value.t, f"{node.describe()}: the value", checked=True)  # by constant_cost
    sparse = node.attr_proto("sparse_value")
    if sparse is not None:
        return sparse_value(sparse.sparse_tensor, f"{node.describe()}: the sparse value")
    for name, dtype in VALUE_LISTS:
        if node.has_attr(name):
            return const_value(np.array(node.attr(name), dtype))
    node.fail("a string constant (value_string / value_strings) has no WebNN equivalent")


@converter("Shape")
def convert_shape(node: Node) -> Value:
    shape = node.shape(0)
    rank = len(shape)
    start, end = int(node.attr("start", 0)), node.attr("end")
    start = min(max(start + rank if start < 0 else start, 0), rank)
    end = rank if end is None else int(end)
    end = min(max(end + rank if end < 0 else end, 0), rank)
    return const_value(np.array(shape[start:end], np.int64))


@converter("Size")
def convert_size(node: Node) -> Value:
    return const_value(np.array(math.prod(node.shape(0)), np.int64))


def _target_shape(node: Node, arrays: list[np.ndarray | None]) -> list[int]:
    shape = node.ints(0, "the shape")
    node.check(all(d >= 0 for d in shape), f"the shape {shape} has a negative dimension")
    return shape


def _fill_type(node: Node) -> int:
    attr = node.attr_proto("value")
    return T.FLOAT if attr is None else int(attr.t.data_type)


def constant_of_shape_cost(node: Node, arrays: list[np.ndarray | None]) -> Cost:
    return made(_target_shape(node, arrays), itemsize(_fill_type(node)))


@folder("ConstantOfShape", cost=constant_of_shape_cost)
def fold_constant_of_shape(node: Node, arrays: list[np.ndarray]) -> np.ndarray:
    shape = _target_shape(node, arrays)
    attr = node.attr_proto("value")
    fill = np.zeros(1, np.float32) if attr is None else _tensor_value(attr.t, f"{node.describe()}: the value").const
    assert fill is not None
    node.check(fill.size >= 1, "the value is empty")
    return np.full(shape, fill.reshape(-1)[0], fill.dtype)


def _range_count(node: Node, start: np.ndarray, limit: np.ndarray, delta: np.ndarray) -> int:
    """max(ceil((limit - start) / delta), 0), exact for integers."""
    node.check(delta != 0, "delta is 0")
    if all(a.dtype.kind in "iu" for a in (start, limit, delta)):
        span, step = int(limit) - int(start), int(delta)
        return max(-(-span // step), 0)
    quotient = (float(limit) - float(start)) / float(delta)
    node.check(math.isfinite(quotient), f"the range from {start} to {limit} by {delta} is not finite")
    return max(int(math.ceil(quotient)), 0)


def _range_inputs(arrays: list[np.ndarray | None]) -> tuple[np.ndarray, ...]:
    return tuple(a.reshape(()) for a in arrays)


def range_cost(node: Node, arrays: list[np.ndarray | None]) -> Cost:
    start, limit, delta = _range_inputs(arrays)
    count = _range_count(node, start, limit, delta)
    return Cost(count * (start.dtype.itemsize + 8), count)  # the int64 ramp and the result


@folder("Range", cost=range_cost)
def fold_range(node: Node, arrays: list[np.ndarray]) -> np.ndarray:
    start, limit, delta = _range_inputs(arrays)
    count = _range_count(node, start, limit, delta)
    with np.errstate(all="ignore"):
        return (start + np.arange(count).astype(start.dtype) * delta).astype(start.dtype)


def nonzero_cost(node: Node, arrays: list[np.ndarray | None]) -> Cost:
    """At most every element's index: [rank, size] int64."""
    x = arrays[0]
    return Cost(max(x.ndim, 1) * x.size * 8, x.size)


@folder("NonZero", cost=nonzero_cost)
def fold_nonzero(node: Node, arrays: list[np.ndarray]) -> np.ndarray:
    x = arrays[0]
    if x.ndim == 0:
        return np.zeros((0, int(x != 0)), np.int64)
    return np.array(np.nonzero(x), np.int64).reshape(x.ndim, -1)


def _eye_geometry(node: Node, shape: tuple[int, ...], elem: int) -> tuple[int, int, np.dtype]:
    node.check(len(shape) == 2, f"the input has rank {len(shape)}, not 2")
    dtype = numpy_dtype(node, int(node.attr("dtype"))) if node.has_attr("dtype") else numpy_dtype(node, elem)
    return shape[0], shape[1], dtype


def eye_like_cost(node: Node, arrays: list[np.ndarray | None]) -> Cost:
    rows, columns, dtype = _eye_geometry(node, node.shape(0), node.elem(0))
    return made([rows, columns], dtype.itemsize)


@folder("EyeLike", cost=eye_like_cost)
def fold_eye_like(node: Node, arrays: list[np.ndarray]) -> np.ndarray:
    rows, columns, dtype = _eye_geometry(node, node.shape(0), node.elem(0))
    return np.eye(rows, columns, int(node.attr("k", 0)), dtype=dtype)


@converter("EyeLike")
def convert_eye_like(node: Node) -> Value:
    """A constant of the input's static shape (WebNN has no op that makes one)."""
    node.charge(eye_like_cost(node, []), "making the identity matrix")
    return const_value(fold_eye_like(node, []))
