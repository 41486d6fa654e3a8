"""Reduction ops: reduce_l1, reduce_l2, reduce_log_sum, reduce_log_sum_exp, reduce_max,
reduce_mean, reduce_min, reduce_product, reduce_sum, reduce_sum_square; arg_min, arg_max."""

from __future__ import annotations

from collections.abc import Sequence

from .base import ANY, FLOATS, Check, N, Operand, Result, limit, op, same

# --------------------------------------------------------------------------- shapes


def reduction_output_shape(
    shape: Sequence[int], axes: Sequence[int], keep_dimensions: bool
) -> tuple[int, ...]:
    """The spec's "calculate reduction output sizes" for already validated ``axes``."""
    if keep_dimensions:
        return tuple(1 if i in axes else d for i, d in enumerate(shape))
    return tuple(d for i, d in enumerate(shape) if i not in axes)


# --------------------------------------------------------------------------- reductions

_COMMON_DOC = (
    " axes lists the dimensions to reduce (distinct, each in [0, rank)); when absent every"
    " dimension is reduced, and when empty no dimension is reduced: the function is applied to"
    " each element on its own and the output has the input's shape. keep_dimensions keeps each"
    " reduced dimension with size 1 instead of removing it. A scalar input gives a scalar output."
    " float16 inputs are computed in float32 and rounded once to float16."
)

_REDUCE_DOCS = {
    "reduce_l1": (
        "The L1 norm (sum of absolute values) of the input values along axes. Integer inputs keep"
        " integer semantics: the absolute value and the sum wrap around in two's complement."
    ),
    "reduce_l2": (
        "The L2 norm (square root of the sum of squares) of the input values along axes. The"
        " values are scaled by a power of two near their largest magnitude before squaring, so"
        " the result neither overflows nor underflows where the norm itself is representable."
    ),
    "reduce_log_sum": (
        "The natural logarithm of the sum of the input values along axes (NaN where the sum is"
        " negative, -inf where it is zero)."
    ),
    "reduce_log_sum_exp": (
        "log(sum(exp(x))) of the input values along axes, computed stably as"
        " m + log(sum(exp(x - m))) with m the maximum along axes (m taken as 0 where it is"
        " infinite, so all -inf values give -inf and any +inf value gives +inf)."
    ),
    "reduce_max": (
        "The maximum of the input values along axes; NaN propagates. Any data type."
    ),
    "reduce_mean": "The arithmetic mean of the input values along axes.",
    "reduce_min": (
        "The minimum of the input values along axes; NaN propagates. Any data type."
    ),
    "reduce_product": (
        "The product of the input values along axes. Integer inputs multiply with two's"
        " complement wrap-around."
    ),
    "reduce_sum": (
        "The sum of the input values along axes. Integer inputs add with two's complement"
        " wrap-around."
    ),
    "reduce_sum_square": (
        "The sum of the squares of the input values along axes. Integer inputs square and add"
        " with two's complement wrap-around."
    ),
}

_SUM_TYPES = (*FLOATS, "int32", "uint32", "int64", "uint64")
_SUM_LIMITS = {"input": limit(_SUM_TYPES, (0, N)), "output": limit(same("input"), (0, N))}
_FLOAT_LIMITS = {"input": limit(FLOATS, (0, N)), "output": limit(same("input"), (0, N))}
_ANY_LIMITS = {"input": limit(ANY, (0, N)), "output": limit(same("input"), (0, N))}

_REDUCE_LIMITS = {
    "reduce_l1": _SUM_LIMITS,
    "reduce_sum": _SUM_LIMITS,
    "reduce_sum_square": _SUM_LIMITS,
    "reduce_l2": _FLOAT_LIMITS,
    "reduce_log_sum": _FLOAT_LIMITS,
    "reduce_log_sum_exp": _FLOAT_LIMITS,
    "reduce_mean": _FLOAT_LIMITS,
    "reduce_max": _ANY_LIMITS,
    "reduce_min": _ANY_LIMITS,
    "reduce_product": _SUM_LIMITS,
}


def _reduce(
    c: Check, input: Operand, *, axes: Sequence[int] | None = None, keep_dimensions: bool = False
) -> Result:
    keep_dimensions = c.boolean("keep_dimensions", keep_dimensions)
    axes = tuple(range(input.rank)) if axes is None else c.axes("axes", axes, input.rank)
    shape = reduction_output_shape(input.shape, axes, keep_dimensions)
    return c.output(input.data_type, shape, axes=axes, keep_dimensions=keep_dimensions)


for _name, _doc in _REDUCE_DOCS.items():
    op(_name, limits=_REDUCE_LIMITS[_name], doc=_doc + _COMMON_DOC)(_reduce)


# --------------------------------------------------------------------------- arg_min / arg_max

_ARG_OUTPUT_TYPES = ("int32", "int64")
_ARG_LIMITS = {"input": limit(ANY, (1, N)), "output": limit(_ARG_OUTPUT_TYPES, (0, N))}
_ARG_COMMON_DOC = (
    " axis is in [0, rank). The output has output_data_type ('int32' or 'int64') and the input's"
    " shape without axis, or with axis of size 1 when keep_dimensions is true. On ties the first"
    " (lowest) index is returned. NaN counts as more extreme than every number: where the values"
    " along axis contain NaN, the index of the first NaN is returned."
)
_ARG_DOCS = {
    "arg_min": "The index of the smallest input value along axis." + _ARG_COMMON_DOC,
    "arg_max": "The index of the largest input value along axis." + _ARG_COMMON_DOC,
}
_INT_MAX = {"int32": 2**31 - 1, "int64": 2**63 - 1}


def _arg_min_max(
    c: Check, input: Operand, axis: int, *, keep_dimensions: bool = False, output_data_type: str = "int32"
) -> Result:
    axis = c.axis("axis", axis, input.rank)
    keep_dimensions = c.boolean("keep_dimensions", keep_dimensions)
    output_data_type = c.data_type("output_data_type", output_data_type, _ARG_OUTPUT_TYPES)
    c.check(
        input.shape[axis] <= _INT_MAX[output_data_type],
        f"input dimension {axis} of size {input.shape[axis]} exceeds the largest"
        f" {output_data_type} value",
    )
    shape = reduction_output_shape(input.shape, (axis,), keep_dimensions)
    return c.output(
        output_data_type, shape, axis=axis, keep_dimensions=keep_dimensions,
        output_data_type=output_data_type,
    )


for _name, _doc in _ARG_DOCS.items():
    op(_name, limits=_ARG_LIMITS, doc=_doc)(_arg_min_max)
