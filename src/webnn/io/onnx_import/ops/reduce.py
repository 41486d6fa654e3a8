"""Reductions: ReduceSum / Mean / Max / Min / Prod / L1 / L2 / LogSum / LogSumExp / SumSquare,
ArgMax and ArgMin."""

from __future__ import annotations

import numpy as np

from .. import types as T
from ..core import Node, Value
from ..costs import like_first_input
from ..registry import converter, folder
from .common import norm_axes, norm_axis

REDUCTIONS = {
    "ReduceSum": "reduce_sum", "ReduceMean": "reduce_mean", "ReduceMax": "reduce_max",
    "ReduceMin": "reduce_min", "ReduceProd": "reduce_product", "ReduceL1": "reduce_l1",
    "ReduceL2": "reduce_l2", "ReduceLogSum": "reduce_log_sum", "ReduceLogSumExp": "reduce_log_sum_exp",
    "ReduceSumSquare": "reduce_sum_square",
}
#: The opset from which ``axes`` is an input rather than an attribute.
AXES_INPUT_SINCE = {op: 18 for op in REDUCTIONS} | {"ReduceSum": 13}

NUMPY_REDUCTIONS = {
    "ReduceSum": np.sum, "ReduceMean": np.mean, "ReduceMax": np.max, "ReduceMin": np.min, "ReduceProd": np.prod,
}


def _axes(node: Node, rank: int) -> list[int] | None:
    """The normalized axes; None for "no reduction" (noop_with_empty_axes)."""
    axes = node.ints_input_or_attr(1, "axes", since=AXES_INPUT_SINCE[node.op_type])
    if not axes:
        if node.attr("noop_with_empty_axes", 0):
            return None
        return list(range(rank))
    return sorted(norm_axes(node, axes, rank))


@folder(*NUMPY_REDUCTIONS, cost=like_first_input)
def fold_reduce(node: Node, arrays: list[np.ndarray]) -> np.ndarray:
    x = arrays[0]
    axes = _axes(node, x.ndim)
    if axes is None:
        return x
    keep = bool(node.attr("keepdims", 1))
    return np.asarray(NUMPY_REDUCTIONS[node.op_type](x, axis=tuple(axes), keepdims=keep)).astype(x.dtype)


@converter(*REDUCTIONS)
def convert_reduce(node: Node) -> Value:
    value = node.input(0)
    axes = _axes(node, value.rank)
    if axes is None:
        return value
    keep = bool(node.attr("keepdims", 1))
    method = getattr(node.b, REDUCTIONS[node.op_type])
    return node.out(method(node.x(0), axes=axes, keep_dimensions=keep, label=node.label()), value.elem)


@converter("ArgMax", "ArgMin")
def convert_arg(node: Node) -> Value:
    value = node.input(0)
    axis = norm_axis(node, int(node.attr("axis", 0)), value.rank)
    keep = bool(node.attr("keepdims", 1))
    method = node.b.arg_max if node.op_type == "ArgMax" else node.b.arg_min
    x = node.x(0)
    if not node.attr("select_last_index", 0):
        return node.out(method(x, axis, keep_dimensions=keep, output_data_type="int64", label=node.label()), T.INT64)
    # The last extreme index: the first one of the reversed axis, counted from the end.
    first = method(node.b.reverse(x, axes=[axis]), axis, keep_dimensions=keep, output_data_type="int64")
    last = node.b.sub(node.scalar(value.shape[axis] - 1, first), first, label=node.label())
    return node.out(last, T.INT64)


def _cumsum_axis(node: Node, rank: int) -> int:
    return norm_axis(node, int(node.need_const(1, "axis").reshape(-1)[0]), rank)


@folder("CumSum", cost=like_first_input)
def fold_cumsum(node: Node, arrays: list[np.ndarray]) -> np.ndarray:
    x = arrays[0]
    axis = _cumsum_axis(node, x.ndim)
    if node.attr("reverse", 0):
        x = np.flip(x, axis)
    total = np.cumsum(x, axis=axis, dtype=x.dtype)
    if node.attr("exclusive", 0):
        total = total - x
    return np.flip(total, axis).copy() if node.attr("reverse", 0) else total


@converter("CumSum")
def convert_cumsum(node: Node) -> Value:
    value = node.input(0)
    axis = _cumsum_axis(node, value.rank)
    result = node.b.cumulative_sum(
        node.x(0), axis, exclusive=bool(node.attr("exclusive", 0)), reversed=bool(node.attr("reverse", 0)),
        label=node.label(),
    )
    return node.out(result, value.elem)


@converter("TopK")
def convert_top_k(node: Node) -> list[Value | None]:
    """k = 1 only (WebNN has no sort): the extreme value and its first index along the axis."""
    value = node.input(0)
    axis = norm_axis(node, int(node.attr("axis", -1)), value.rank)
    k = int(node.need_const(1, "k").reshape(-1)[0]) if node.opset >= 10 else int(node.attr("k"))
    node.check(k == 1, f"k = {k}: only k = 1 has a WebNN equivalent (arg_max / arg_min; WebNN has no sort)")
    largest = bool(node.attr("largest", 1))
    x = node.x(0)
    reduce = node.b.reduce_max if largest else node.b.reduce_min
    arg = node.b.arg_max if largest else node.b.arg_min
    values = reduce(x, axes=[axis], keep_dimensions=True, label=node.label("_values"))
    indices = arg(x, axis, keep_dimensions=True, output_data_type="int64", label=node.label("_indices"))
    return [node.out(values, value.elem), node.out(indices, T.INT64)]
