"""Indexing: Gather, GatherElements, GatherND, ScatterElements, ScatterND, OneHot."""

from __future__ import annotations

import math

import numpy as np

from .. import types as T
from ..core import Node, Value
from ..costs import Cost, count
from ..registry import converter, folder
from .common import norm_axis, operand_as


def _checked_indices(node: Node, indices: np.ndarray, dim: int) -> np.ndarray:
    node.check(np.all((indices >= -dim) & (indices < dim)), f"an index is out of range for a dimension of {dim}")
    return np.where(indices < 0, indices + dim, indices)


#: Gather and GatherElements as NumPy computes them (indices already made non-negative).
NUMPY_GATHERS = {"Gather": np.take, "GatherElements": np.take_along_axis}


def gather_cost(node: Node, arrays: list[np.ndarray | None]) -> Cost:
    """The gathered result, plus the indices made non-negative (and their mask)."""
    data, indices = arrays
    axis = norm_axis(node, int(node.attr("axis", 0)), data.ndim)
    if node.op_type == "Gather":
        shape = data.shape[:axis] + indices.shape + data.shape[axis + 1:]
    else:
        shape = indices.shape
    elements = count(shape)
    return Cost(elements * data.dtype.itemsize + indices.size * 17, elements + indices.size)


@folder(*NUMPY_GATHERS, cost=gather_cost)
def fold_gather(node: Node, arrays: list[np.ndarray]) -> np.ndarray:
    data, indices = arrays
    axis = norm_axis(node, int(node.attr("axis", 0)), data.ndim)
    return NUMPY_GATHERS[node.op_type](data, _checked_indices(node, indices, data.shape[axis]), axis=axis)


@converter("Gather")
def convert_gather(node: Node) -> Value:
    value = node.input(0)
    axis = norm_axis(node, int(node.attr("axis", 0)), value.rank)
    result = node.b.gather(node.x(0), node.x(1), axis=axis, label=node.label())
    return node.out(result, value.elem)


@converter("GatherElements")
def convert_gather_elements(node: Node) -> Value:
    value = node.input(0)
    axis = norm_axis(node, int(node.attr("axis", 0)), value.rank)
    return node.out(node.b.gather_elements(node.x(0), node.x(1), axis=axis, label=node.label()), value.elem)


@converter("GatherND")
def convert_gather_nd(node: Node) -> Value:
    node.check(int(node.attr("batch_dims", 0)) == 0, "batch_dims other than 0 is not supported")
    return node.out(node.b.gather_nd(node.x(0), node.x(1), label=node.label()), node.elem(0))


def _no_reduction(node: Node) -> None:
    reduction = node.attr("reduction", "none")
    node.check(reduction == "none", f"reduction {reduction!r} has no WebNN equivalent (only 'none')")


@converter("ScatterElements", "Scatter")
def convert_scatter_elements(node: Node) -> Value:
    _no_reduction(node)
    value = node.input(0)
    axis = norm_axis(node, int(node.attr("axis", 0)), value.rank)
    updates = operand_as(node, node.input(2), value.elem)
    result = node.b.scatter_elements(node.x(0), node.x(1), updates, axis=axis, label=node.label())
    return node.out(result, value.elem)


@converter("ScatterND")
def convert_scatter_nd(node: Node) -> Value:
    _no_reduction(node)
    value = node.input(0)
    updates = operand_as(node, node.input(2), value.elem)
    return node.out(node.b.scatter_nd(node.x(0), node.x(1), updates, label=node.label()), value.elem)


@converter("OneHot")
def convert_one_hot(node: Node) -> Value:
    indices = node.input(0)
    depth = int(node.need_const(1, "depth").reshape(-1)[0])
    node.check(depth > 0, f"depth {depth} is not positive")
    node.charge(Cost(depth * 8, depth), f"the ramp of depth {depth}")
    node.check(math.prod(node.shape(2)) == 2, "values must hold [off_value, on_value]")
    rank = indices.rank + 1
    axis = norm_axis(node, int(node.attr("axis", -1)), rank)
    elem = T.INT64 if indices.elem not in (T.INT32, T.INT64) else indices.elem
    idx = operand_as(node, indices, elem)
    idx = node.b.where(node.b.lesser(idx, node.scalar(0, idx)), node.b.add(idx, node.scalar(depth, idx)), idx)
    shape = list(indices.shape)
    idx = node.b.reshape(idx, shape[:axis] + [1] + shape[axis:])
    positions = [1] * rank
    positions[axis] = depth
    ramp = node.constant(np.arange(depth).reshape(positions), idx.data_type)
    hot = node.b.equal(idx, ramp)
    values = node.const(2)
    if values is not None:
        values = values.reshape(-1)
        off = node.constant(values[0:1].reshape(()), None)
        on = node.constant(values[1:2].reshape(()), None)
    else:  # computed at run time: the two elements of the operand
        pair = node.b.reshape(node.x(2), [2])
        off = node.b.reshape(node.b.slice(pair, [0], [1]), [])
        on = node.b.reshape(node.b.slice(pair, [1], [1]), [])
    return node.out(node.b.where(hot, on, off, label=node.label()), node.elem(2))
