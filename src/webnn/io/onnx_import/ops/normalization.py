"""Normalizations: BatchNormalization, InstanceNormalization, LayerNormalization,
GroupNormalization, LpNormalization, MeanVarianceNormalization, LRN."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from ..core import Node, Value
from ..registry import converter
from .common import norm_axes, norm_axis

if TYPE_CHECKING:
    from ....builder import MLOperand


@converter("BatchNormalization")
def convert_batch_normalization(node: Node) -> Value:
    node.only_first_output("the training outputs (running mean / variance)")
    if node.has_attr("training_mode"):
        node.check(not node.attr("training_mode"), "training_mode = 1 is not supported (inference only)")
    value = node.input(0)
    node.check(value.rank >= 2, f"the input has rank {value.rank}, fewer than 2")
    result = node.b.batch_normalization(
        node.x(0), node.x(3), node.x(4), scale=node.x(1), bias=node.x(2), axis=1,
        epsilon=float(node.attr("epsilon", 1e-5)), label=node.label(),
    )
    return node.out(result, value.elem)


@converter("InstanceNormalization")
def convert_instance_normalization(node: Node) -> Value:
    value = node.input(0)
    node.check(value.rank >= 3, f"the input has rank {value.rank}, fewer than 3")
    x = node.x(0)
    shape = list(value.shape)
    if value.rank != 4:
        x = node.b.reshape(x, [shape[0], shape[1], 1, math.prod(shape[2:])])
    result = node.b.instance_normalization(
        x, scale=node.x(1), bias=node.x(2), epsilon=float(node.attr("epsilon", 1e-5)),
        label=node.label() if value.rank == 4 else "",
    )
    if value.rank != 4:
        result = node.b.reshape(result, shape, label=node.label())
    return node.out(result, value.elem)


def _to_shape(node: Node, index: int, shape: list[int]) -> MLOperand:
    """Input ``index`` (scale / bias) broadcast to exactly ``shape``."""
    value = node.input(index)
    operand = node.x(index)
    if list(value.shape) == shape:
        return operand
    node.check(value.rank <= len(shape), f"input {index} of shape {list(value.shape)} does not broadcast to {shape}")
    if value.rank < len(shape):
        operand = node.b.reshape(operand, [1] * (len(shape) - value.rank) + list(value.shape))
    return node.b.expand(operand, shape)


@converter("LayerNormalization")
def convert_layer_normalization(node: Node) -> Value:
    node.only_first_output("the Mean and InvStdDev outputs")
    value = node.input(0)
    rank = value.rank
    axis = norm_axis(node, int(node.attr("axis", -1)), rank)
    axes = list(range(axis, rank))
    normalized = [value.shape[a] for a in axes]
    options = {"scale": _to_shape(node, 1, normalized)}
    if node.has(2):
        options["bias"] = _to_shape(node, 2, normalized)
    result = node.b.layer_normalization(
        node.x(0), axes=axes, epsilon=float(node.attr("epsilon", 1e-5)), label=node.label(), **options,
    )
    return node.out(result, value.elem)


@converter("GroupNormalization")
def convert_group_normalization(node: Node) -> Value:
    value = node.input(0)
    node.check(value.rank >= 3, f"the input has rank {value.rank}, fewer than 3")
    groups = int(node.attr("num_groups"))
    shape = list(value.shape)
    channels = shape[1]
    node.check(groups > 0 and channels % groups == 0, f"{channels} channels do not split into {groups} groups")
    grouped = node.b.reshape(node.x(0), [shape[0], groups, (channels // groups) * math.prod(shape[2:])])
    normal = node.b.layer_normalization(grouped, axes=[2], epsilon=float(node.attr("epsilon", 1e-5)))
    normal = node.b.reshape(normal, shape)
    per_channel = [channels] + [1] * (len(shape) - 2)
    scale, bias = node.input(1), node.input(2)
    scale_op, bias_op = node.x(1), node.x(2)
    if scale.shape == (groups,) and groups != channels:  # opset 18: one scale / bias per group
        scale_op = node.b.reshape(node.b.expand(node.b.reshape(scale_op, [groups, 1]),
                                                [groups, channels // groups]), [channels])
        bias_op = node.b.reshape(node.b.expand(node.b.reshape(bias_op, [groups, 1]),
                                               [groups, channels // groups]), [channels])
    else:
        node.check(scale.shape == (channels,) and bias.shape == (channels,),
                   f"scale and bias must have shape [{channels}]")
    scaled = node.b.mul(normal, node.b.reshape(scale_op, per_channel))
    return node.out(node.b.add(scaled, node.b.reshape(bias_op, per_channel), label=node.label()), value.elem)


@converter("LpNormalization")
def convert_lp_normalization(node: Node) -> Value:
    value = node.input(0)
    axis = norm_axis(node, int(node.attr("axis", -1)), value.rank)
    p = int(node.attr("p", 2))
    node.check(p in (1, 2), f"p = {p} is not 1 or 2")
    x = node.x(0)
    reduce = node.b.reduce_l2 if p == 2 else node.b.reduce_l1
    norm = reduce(x, axes=[axis], keep_dimensions=True)
    return node.out(node.b.div(x, norm, label=node.label()), value.elem)


@converter("MeanVarianceNormalization")
def convert_mean_variance_normalization(node: Node) -> Value:
    value = node.input(0)
    axes = norm_axes(node, [int(a) for a in node.attr("axes", [0, 2, 3])], value.rank)
    x = node.x(0)
    mean = node.b.reduce_mean(x, axes=axes, keep_dimensions=True)
    centered = node.b.sub(x, mean)
    variance = node.b.reduce_mean(node.b.mul(centered, centered), axes=axes, keep_dimensions=True)
    denominator = node.b.add(node.b.sqrt(variance), node.scalar(1e-9, x))
    return node.out(node.b.div(centered, denominator, label=node.label()), value.elem)


@converter("LRN")
def convert_lrn(node: Node) -> Value:
    """y = x / (bias + alpha / size * sum of x² over ``size`` neighbouring channels) ^ beta.

    The channel window sum is an average pool over the channels laid out as the height."""
    value = node.input(0)
    node.check(value.rank >= 3, f"the input has rank {value.rank}, fewer than 3")
    size = int(node.attr("size"))
    node.check(size > 0, f"size {size} is not positive")
    alpha, beta, bias = float(node.attr("alpha", 1e-4)), float(node.attr("beta", 0.75)), float(node.attr("bias", 1.0))
    shape = list(value.shape)
    n, c, rest = shape[0], shape[1], math.prod(shape[2:])
    x = node.x(0)
    square = node.b.reshape(node.b.mul(x, x), [n, 1, c, rest])
    before, after = (size - 1) // 2, size - 1 - (size - 1) // 2
    padded = node.b.pad(square, [0, 0, before, 0], [0, 0, after, 0])
    mean = node.b.average_pool2d(padded, window_dimensions=[size, 1])  # the window sum / size
    mean = node.b.reshape(mean, shape)
    base = node.b.add(node.b.mul(mean, node.scalar(alpha, x)), node.scalar(bias, x))
    denominator = node.b.pow(base, node.scalar(beta, x))
    return node.out(node.b.div(x, denominator, label=node.label()), value.elem)
