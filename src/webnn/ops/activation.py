"""Activation ops: relu, sigmoid, tanh, softplus, softsign, gelu, hard_swish, elu, leaky_relu,
hard_sigmoid, linear, prelu, clamp, softmax."""

from __future__ import annotations

from .base import FLOATS, Check, N, Operand, limit, op, same


@op("relu", limits={"input": limit((*FLOATS, "int64", "int32", "int8"), (0, N)),
                    "output": limit(same("input"), same("input"))})
def relu(c: Check, input: Operand) -> object:
    """max(0, input), element-wise."""
    return c.output(input.data_type, input.shape)
