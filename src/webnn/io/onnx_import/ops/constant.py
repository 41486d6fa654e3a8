"""Ops that produce constants: Constant, Shape, Size, ConstantOfShape, Range, NonZero, EyeLike.

``Shape`` and ``Size`` read the static shape of any value, so they are constants even of a
graph input: this is what lets shape sub-graphs fold away.
"""

from __future__ import annotations

import math

import numpy as np

from ..core import Node, Value, _tensor_value, const_value, sparse_value
from ..registry import converter, folder
from .common import check_folded_size, numpy_dtype


@folder("Constant")
def fold_constant(node: Node, arrays: list[np.ndarray]) -> Value:
    value = node.attr_proto("value")
    if value is not None:
        return _tensor_value(value.t, f"{node.describe()}: the value")
    sparse = node.attr_proto("sparse_value")
    if sparse is not None:
        return sparse_value(sparse.sparse_tensor, f"{node.describe()}: the sparse value")
    for name, dtype in (("value_float", np.float32), ("value_floats", np.float32),
                        ("value_int", np.int64), ("value_ints", np.int64)):
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


@folder("ConstantOfShape")
def fold_constant_of_shape(node: Node, arrays: list[np.ndarray]) -> np.ndarray:
    shape = [int(d) for d in arrays[0].reshape(-1)]
    node.check(all(d >= 0 for d in shape), f"the shape {shape} has a negative dimension")
    check_folded_size(node, shape)
    attr = node.attr_proto("value")
    fill = np.zeros(1, np.float32) if attr is None else _tensor_value(attr.t, "the value").const
    assert fill is not None
    return np.full(shape, fill.reshape(-1)[0], fill.dtype)


@folder("Range")
def fold_range(node: Node, arrays: list[np.ndarray]) -> np.ndarray:
    start, limit, delta = (a.reshape(()) for a in arrays)
    node.check(delta != 0, "delta is 0")
    count = max(int(math.ceil((float(limit) - float(start)) / float(delta))), 0)
    check_folded_size(node, [count])
    return (start + np.arange(count).astype(start.dtype) * delta).astype(start.dtype)


@folder("NonZero")
def fold_nonzero(node: Node, arrays: list[np.ndarray]) -> np.ndarray:
    x = arrays[0]
    if x.ndim == 0:
        return np.zeros((0, int(x != 0)), np.int64)
    return np.array(np.nonzero(x), np.int64).reshape(x.ndim, -1)


@folder("EyeLike")
def fold_eye_like(node: Node, arrays: list[np.ndarray]) -> np.ndarray:
    x = arrays[0]
    node.check(x.ndim == 2, f"the input has rank {x.ndim}, not 2")
    dtype = numpy_dtype(node, int(node.attr("dtype"))) if node.has_attr("dtype") else x.dtype
    return np.eye(x.shape[0], x.shape[1], int(node.attr("k", 0)), dtype=dtype)


@converter("EyeLike")
def convert_eye_like(node: Node) -> Value:
    shape = node.shape(0)
    node.check(len(shape) == 2, f"the input has rank {len(shape)}, not 2")
    dtype = numpy_dtype(node, int(node.attr("dtype"))) if node.has_attr("dtype") else numpy_dtype(node, node.elem(0))
    return const_value(np.eye(shape[0], shape[1], int(node.attr("k", 0)), dtype=dtype))
