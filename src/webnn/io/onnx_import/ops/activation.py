"""Activation ONNX ops: Relu, Sigmoid, Clip, HardSigmoid, Softmax, Gelu, Selu, Mish, ..."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from ..core import Node, Value
from ..registry import converter
from .common import norm_axis, operand_as

if TYPE_CHECKING:
    from ....builder import MLOperand

#: ONNX activations with a WebNN op of the same meaning and no attributes.
SIMPLE = {
    "Relu": "relu", "Sigmoid": "sigmoid", "Tanh": "tanh", "Softplus": "softplus",
    "Softsign": "softsign", "HardSwish": "hard_swish",
}


@converter(*SIMPLE)
def convert_simple(node: Node) -> Value:
    method = getattr(node.b, SIMPLE[node.op_type])
    return node.out(method(node.x(0), label=node.label()), node.elem(0))


@converter("LeakyRelu")
def convert_leaky_relu(node: Node) -> Value:
    alpha = float(node.attr("alpha", 0.01))
    return node.out(node.b.leaky_relu(node.x(0), alpha=alpha, label=node.label()), node.elem(0))


@converter("Elu")
def convert_elu(node: Node) -> Value:
    alpha = float(node.attr("alpha", 1.0))
    return node.out(node.b.elu(node.x(0), alpha=alpha, label=node.label()), node.elem(0))


@converter("Selu")
def convert_selu(node: Node) -> Value:
    alpha = float(node.attr("alpha", 1.67326319217681884765625))
    gamma = float(node.attr("gamma", 1.05070102214813232421875))
    elu = node.b.elu(node.x(0), alpha=alpha)
    return node.out(node.b.linear(elu, alpha=gamma, beta=0.0, label=node.label()), node.elem(0))


@converter("Celu")
def convert_celu(node: Node) -> Value:
    alpha = float(node.attr("alpha", 1.0))
    x = node.x(0)
    # celu(x) = max(0, x) + min(0, alpha * (exp(x / alpha) - 1)) = alpha * elu(x / alpha)
    scaled = node.b.linear(x, alpha=1.0 / alpha, beta=0.0)
    return node.out(node.b.linear(node.b.elu(scaled), alpha=alpha, beta=0.0, label=node.label()), node.elem(0))


@converter("HardSigmoid")
def convert_hard_sigmoid(node: Node) -> Value:
    alpha, beta = float(node.attr("alpha", 0.2)), float(node.attr("beta", 0.5))
    return node.out(node.b.hard_sigmoid(node.x(0), alpha=alpha, beta=beta, label=node.label()), node.elem(0))


@converter("ThresholdedRelu")
def convert_thresholded_relu(node: Node) -> Value:
    x = node.x(0)
    alpha = float(node.attr("alpha", 1.0))
    keep = node.b.greater(x, node.scalar(alpha, x))
    return node.out(node.b.where(keep, x, node.scalar(0, x), label=node.label()), node.elem(0))


@converter("Mish")
def convert_mish(node: Node) -> Value:
    x = node.x(0)
    return node.out(node.b.mul(x, node.b.tanh(node.b.softplus(x)), label=node.label()), node.elem(0))


@converter("PRelu")
def convert_prelu(node: Node) -> Value:
    x, slope = node.input(0), node.input(1)
    slope_operand = node.x(1)
    if slope.rank > x.rank:
        node.fail(f"slope of rank {slope.rank} does not broadcast to the input's rank {x.rank}")
    return node.out(node.b.prelu(node.x(0), slope_operand, label=node.label()), node.elem(0))


def _clip_bound(node: Node, i: int, what: str) -> float | Value | None:
    """Clip's bound ``i`` (opset 11 on): a number when constant, the value when computed at run
    time, None when absent or NaN (ONNX Runtime then leaves that side unbounded)."""
    if not node.has(i):
        return None
    value = node.input(i)
    node.check(math.prod(value.shape) == 1, f"{what} has shape {list(value.shape)}, not one element")
    if value.const is not None:
        number = value.const.reshape(-1)[0]
        return None if isinstance(number, np.floating) and np.isnan(number) else Value(
            value.elem, (), const=value.const.reshape(()))
    return value


@converter("Clip")
def convert_clip(node: Node) -> Value:
    """``clamp`` for constant bounds; bounds computed at run time (or min > max) as ONNX Runtime
    computes them: t = x < min ? min : x, then y = max < t ? max : t, with ``where``.  That keeps
    NaN inputs NaN, gives max everywhere else when min > max, and ignores a NaN bound."""
    bounds: list[float | Value | None]
    if node.opset < 11:
        bounds = [None if node.attr(a) is None else float(node.attr(a)) for a in ("min", "max")]
    else:
        bounds = [_clip_bound(node, 1, "min"), _clip_bound(node, 2, "max")]
    numbers = [b if isinstance(b, float) or b is None else (None if b.const is None else b.const.item())
               for b in bounds]
    x = node.x(0)
    low, high = numbers
    constant = all(n is not None or b is None for n, b in zip(numbers, bounds))
    if constant and not (low is not None and high is not None and low > high):
        options = {}
        if low is not None:
            options["min_value"] = float(low)
        if high is not None:
            options["max_value"] = float(high)
        return node.out(node.b.clamp(x, label=node.label(), **options), node.elem(0))
    result = x
    last = max(i for i, b in enumerate(bounds) if b is not None)
    for i, bound in enumerate(bounds):
        if bound is None:
            continue
        limit = node.scalar(bound, x) if isinstance(bound, float) else operand_as(node, bound, node.elem(0))
        if limit.shape:
            limit = node.b.reshape(limit, [])
        past = node.b.lesser(result, limit) if i == 0 else node.b.lesser(limit, result)
        result = node.b.where(past, limit, result, label=node.label() if i == last else "")
    return node.out(result, node.elem(0))


def _softmax_axis(node: Node, rank: int) -> int:
    default = -1 if node.opset >= 13 else 1
    return norm_axis(node, int(node.attr("axis", default)), rank)


def _coerced(node: Node, method: str) -> Value:
    """Softmax / LogSoftmax: opset 13 normalizes along ``axis``; earlier opsets over the
    flattened dimensions from ``axis`` on (the input seen as 2-D)."""
    value = node.input(0)
    rank = value.rank
    node.check(rank >= 1, "the input must have rank 1 or more")
    axis = _softmax_axis(node, rank)
    x = node.x(0)
    if node.opset >= 13 or axis == rank - 1:
        return node.out(_normalize(node, method, x, axis), value.elem)
    outer = int(np.prod(value.shape[:axis], dtype=np.int64))
    flat = node.b.reshape(x, [outer, int(np.prod(value.shape[axis:], dtype=np.int64))])
    result = _normalize(node, method, flat, 1, final=False)
    return node.out(node.b.reshape(result, list(value.shape), label=node.label()), value.elem)


def _normalize(node: Node, method: str, x: MLOperand, axis: int, final: bool = True) -> MLOperand:
    label = node.label() if final else ""
    if method == "softmax":
        return node.b.softmax(x, axis, label=label)
    # log_softmax(x) = x - max - log(sum(exp(x - max))), stable for large |x|.
    shifted = node.b.sub(x, node.b.reduce_max(x, axes=[axis], keep_dimensions=True))
    total = node.b.reduce_sum(node.b.exp(shifted), axes=[axis], keep_dimensions=True)
    return node.b.sub(shifted, node.b.log(total), label=label)


@converter("Softmax")
def convert_softmax(node: Node) -> Value:
    return _coerced(node, "softmax")


@converter("LogSoftmax")
def convert_log_softmax(node: Node) -> Value:
    return _coerced(node, "log_softmax")


@converter("Gelu")
def convert_gelu(node: Node) -> Value:
    approximate = node.attr("approximate", "none")
    x = node.x(0)
    if approximate == "none":
        return node.out(node.b.gelu(x, label=node.label()), node.elem(0))
    node.check(approximate == "tanh", f"approximate={approximate!r} is not 'none' or 'tanh'")
    # 0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x^3)))
    cube = node.b.mul(node.b.mul(x, x), x)
    inner = node.b.add(x, node.b.mul(cube, node.scalar(0.044715, x)))
    t = node.b.tanh(node.b.mul(inner, node.scalar(math.sqrt(2 / math.pi), x)))
    half = node.b.mul(x, node.scalar(0.5, x))
    return node.out(node.b.mul(half, node.b.add(t, node.scalar(1.0, x)), label=node.label()), node.elem(0))


@converter("Shrink")
def convert_shrink(node: Node) -> Value:
    """x + bias below -lambd, x - bias above lambd, 0 between."""
    bias, lambd = float(node.attr("bias", 0.0)), float(node.attr("lambd", 0.5))
    x = node.x(0)
    zero = node.scalar(0, x)
    high = node.b.where(node.b.greater(x, node.scalar(lambd, x)), node.b.sub(x, node.scalar(bias, x)), zero)
    low = node.b.lesser(x, node.scalar(-lambd, x))
    return node.out(node.b.where(low, node.b.add(x, node.scalar(bias, x)), high, label=node.label()), node.elem(0))
