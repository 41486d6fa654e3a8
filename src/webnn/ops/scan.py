"""Scan ops: cumulative_sum."""

from __future__ import annotations

from .base import Check, N, Operand, Result, limit, op, same


@op("cumulative_sum", limits={
    "input": limit(("float32", "float16", "int32", "uint32", "int64", "uint64"), (1, N)),
    "output": limit(same("input"), same("input")),
})
def cumulative_sum(
    c: Check, input: Operand, axis: int, *, exclusive: bool = False, reversed: bool = False
) -> Result:
    """Running sum of ``input`` along ``axis``; the output has ``input``'s shape and
    data type.  Inclusive (default): ``output[..., i, ...] = sum(input[..., j, ...]
    for j <= i)``; ``exclusive`` leaves out the current element (``j < i``, so the
    first output along the axis is 0); ``reversed`` sums from the high end instead
    (``j >= i``, or ``j > i`` when exclusive).  float16 accumulates in float32 and
    rounds once; integer sums wrap around in two's complement."""
    axis = c.axis("axis", axis, input.rank)
    exclusive = c.boolean("exclusive", exclusive)
    reversed = c.boolean("reversed", reversed)
    return c.output(input.data_type, input.shape, axis=axis, exclusive=exclusive, reversed=reversed)
