"""LiteRT lowerings: the reduce ops and arg_min / arg_max.

A reduction is written on the input reshaped to its collapsed form (size-1 dimensions dropped,
neighbouring kept or reduced dimensions merged): XNNPACK refuses reductions of rank 7 and more,
and fewer dimensions are faster.  The result, with the reduced dimensions kept, is reshaped to
the output's shape.  A reduction over no dimension of size > 1 is its function applied to each
element (identity, abs, x * x or log).

* reduce_sum / reduce_mean / reduce_product / reduce_max / reduce_min are SUM / MEAN /
  REDUCE_PROD / REDUCE_MAX / REDUCE_MIN; reduce_l1, reduce_sum_square and reduce_log_sum are
  SUM after ABS / MUL or before LOG.
* REDUCE_MAX / REDUCE_MIN and ARG_MAX / ARG_MIN skip NaN: a NaN test (x != x) makes NaN the
  maximum / minimum, and the first NaN's index the arg_max / arg_min, where there is one.
* reduce_log_sum_exp is m + log(sum(exp(x - m))), m the maximum (0 where it is infinite);
  reduce_l2 is s * sqrt(sum((x / s)^2)), s the power of two at the largest magnitude (read from
  its bits), so that squaring neither overflows nor underflows.
* TFLite's LOG is exact to 2^-24 or so, not to the ulp of its result: reduce_log_sum /
  reduce_log_sum_exp take the log of the element-wise lowering (within 1 ULP).
* Integers keep their own type: int32 and int64 sums and products wrap around; uint32 is
  computed as int32 (the same bits modulo 2^32), and compared as int32 with its sign bit
  flipped.  uint64 is left out (TFLite does not cast it); int64 has no ARG_MAX / ARG_MIN.
* float16 computes in float32, rounded once.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np

from ..types import BOOL, FLOAT32, FLOATS, INT32
from . import LoweringError, OpLowering, lowering

#: XNNPACK's largest reduction rank.
_MAX_RANK = 6
_SUM_TYPES = FLOATS | {"int32", "uint32", "int64"}
_ORDERED_TYPES = _SUM_TYPES | {"int8", "uint8"}
_ARG_TYPES = FLOATS | {"int32", "uint32", "int8", "uint8"}
_INT32_MIN = -(2**31)
#: Binary operators' options tables.
_OPTIONS = {"ADD": "AddOptions", "SUB": "SubOptions", "MUL": "MulOptions", "DIV": "DivOptions"}


def collapse(shape: Sequence[int], axes: Sequence[int]) -> tuple[list[int], list[int]]:
    """``shape`` reduced over ``axes`` as an equivalent shape with fewer dimensions (size-1 ones
    dropped, neighbours of the same kind merged), and its reduced axes."""
    sizes: list[int] = []
    kinds: list[bool] = []
    for dim, size in enumerate(shape):
        if size == 1:
            continue
        reduced = dim in axes
        if kinds and kinds[-1] == reduced:
            sizes[-1] *= size
        else:
            sizes.append(size)
            kinds.append(reduced)
    return sizes, [i for i, reduced in enumerate(kinds) if reduced]


class Reduction:
    """The op's input in its collapsed form, and the reducers that make its result (with the
    reduced dimensions kept, of the collapsed rank)."""

    def __init__(self, e: OpLowering, x: int, shape: Sequence[int], axes: Sequence[int]) -> None:
        self.e = e
        self.shape, self.axes = collapse(shape, axes)
        if len(self.shape) > _MAX_RANK:
            raise LoweringError(f"{e.label}: TFLite reduces at most {_MAX_RANK} dimensions "
                                f"(input {list(shape)} over axes {list(axes)})")
        self.kept = [1 if i in self.axes else d for i, d in enumerate(self.shape)]
        self.x = self.reshape(x, self.shape) if list(shape) != self.shape else x

    @property
    def empty(self) -> bool:
        """Whether no dimension of size > 1 is reduced (the function applies element-wise)."""
        return not self.axes

    def reshape(self, tensor: int, shape: Sequence[int]) -> int:
        e = self.e
        if list(e.writer.shape(tensor)) == list(shape):
            return tensor
        return e.emit("RESHAPE", [tensor, e.i32(list(shape))], shape, e.writer.type(tensor))

    def reduce(self, operator: str, tensor: int) -> int:
        """``operator`` (SUM, MEAN, REDUCE_MAX ...) of ``tensor`` (collapsed) over the axes, kept."""
        e = self.e
        return e.emit(operator, [tensor, e.i32(self.axes)], self.kept, e.writer.type(tensor),
                      e.options("ReducerOptions", keepDims=True))

    def unary(self, operator: str, tensor: int) -> int:
        e = self.e
        return e.emit(operator, [tensor], e.writer.shape(tensor), e.writer.type(tensor))

    def binary(self, operator: str, a: int, b: int, shape: Sequence[int] | None = None) -> int:
        """``operator`` of ``a`` and ``b`` (of ``shape``, default ``a``'s: ``b`` broadcasts)."""
        e = self.e
        table = _OPTIONS.get(operator)
        opts = e.options(table) if table is not None else None
        shape = e.writer.shape(a) if shape is None else shape
        return e.emit(operator, [a, b], shape, e.writer.type(a), opts)

    def nan_where(self, result: int, tensor: int) -> int:
        """``result`` (kept) with NaN where ``tensor`` has a NaN along the axes."""
        e = self.e
        nan = e.emit("NOT_EQUAL", [tensor, tensor], e.writer.shape(tensor), BOOL)
        any_nan = self.reduce("REDUCE_ANY", nan)
        return e.emit("SELECT_V2", [any_nan, e.constant(np.nan, FLOAT32), result], self.kept, FLOAT32)


# --------------------------------------------------------------------------- float reductions


def accurate_log(r: Reduction, x: int) -> int:
    """log(x) within 1 ULP (TFLite's LOG is off by up to 1e5 ULP close to 1):
    :func:`.elementwise.log_of`."""
    from .elementwise import log_of

    return log_of(r.e, x)


def _sum_of(operator: str | None, then_log: bool = False) -> Callable[[Reduction, int], int]:
    """SUM of the values (after element-wise ``operator``: ABS or MUL by itself), then its log."""

    def reducer(r: Reduction, x: int) -> int:
        if operator == "ABS":
            x = r.unary("ABS", x)
        elif operator == "MUL":
            x = r.binary("MUL", x, x)
        y = r.reduce("SUM", x)
        return accurate_log(r, y) if then_log else y

    return reducer


def _plain(operator: str) -> Callable[[Reduction, int], int]:
    return lambda r, x: r.reduce(operator, x)


def _extreme(operator: str) -> Callable[[Reduction, int], int]:
    """REDUCE_MAX / REDUCE_MIN, NaN where the values have one (float32 only)."""
    return lambda r, x: r.nan_where(r.reduce(operator, x), x)


def _finite_or_zero(r: Reduction, m: int) -> int:
    e = r.e
    finite = e.emit("LESS", [r.unary("ABS", m), e.constant(np.inf, FLOAT32)], r.kept, BOOL)
    return e.emit("SELECT_V2", [finite, m, e.constant(0.0, FLOAT32)], r.kept, FLOAT32)


def _log_sum_exp(r: Reduction, x: int) -> int:
    """NaN where the values have one (XNNPACK's EXP makes 0 of NaN)."""
    m = _finite_or_zero(r, r.reduce("REDUCE_MAX", x))
    total = r.reduce("SUM", r.unary("EXP", r.binary("SUB", x, m)))
    return r.nan_where(r.binary("ADD", accurate_log(r, total), m), x)


def _l2(r: Reduction, x: int) -> int:
    """s * sqrt(sum((x / s)^2)), s = 2^floor(log2(largest magnitude)) from the float's exponent
    bits, kept in [2^-126, 2^127] (1 / 2^-126 / 2^127 for 0, subnormals, inf and NaN alike give
    the exact result)."""
    e = r.e
    largest = r.reduce("REDUCE_MAX", r.unary("ABS", x))
    bits = e.emit("BITCAST", [largest], r.kept, INT32)
    exponent = r.binary("RIGHT_SHIFT", bits, e.i32(23))
    exponent = r.binary("MINIMUM", r.binary("MAXIMUM", exponent, e.i32(1)), e.i32(254))
    scale = e.emit("BITCAST", [r.binary("MUL", exponent, e.i32(1 << 23))], r.kept, FLOAT32)
    scaled = r.binary("DIV", x, scale)
    norm = r.unary("SQRT", r.reduce("SUM", r.binary("MUL", scaled, scaled)))
    return r.binary("MUL", norm, scale)


_FLOAT_REDUCERS: dict[str, Callable[[Reduction, int], int]] = {
    "reduce_sum": _plain("SUM"), "reduce_mean": _plain("MEAN"), "reduce_product": _plain("REDUCE_PROD"),
    "reduce_l1": _sum_of("ABS"), "reduce_sum_square": _sum_of("MUL"),
    "reduce_log_sum": _sum_of(None, then_log=True),
    "reduce_max": _extreme("REDUCE_MAX"), "reduce_min": _extreme("REDUCE_MIN"),
    "reduce_log_sum_exp": _log_sum_exp, "reduce_l2": _l2,
}
#: op -> its element-wise function (a reduction over no dimension of size > 1), None: identity.
_ELEMENTWISE = {"reduce_l1": "ABS", "reduce_l2": "ABS", "reduce_sum_square": "MUL", "reduce_log_sum": "LOG"}


def _elementwise(r: Reduction, function: str | None, x: int) -> int:
    if function is None:
        return x
    if function == "MUL":
        return r.binary("MUL", x, x)
    return accurate_log(r, x) if function == "LOG" else r.unary(function, x)


# --------------------------------------------------------------------------- integer reductions


def _int_abs(r: Reduction, x: int) -> int:
    """|x| wrapping around (ABS on int32; a select of NEG on int64, which has no ABS)."""
    e = r.e
    if e.writer.type(x) == INT32:
        return r.unary("ABS", x)
    shape = e.writer.shape(x)
    negative = e.emit("LESS", [x, e.constant(0, e.writer.type(x))], shape, BOOL)
    return e.emit("SELECT_V2", [negative, r.unary("NEG", x), x], shape, e.writer.type(x))


def _int_elementwise(r: Reduction, x: int, op: str, unsigned: bool) -> int:
    if op == "reduce_l1" and not unsigned:
        return _int_abs(r, x)
    if op == "reduce_sum_square":
        return r.binary("MUL", x, x)
    return x


_INT_OPERATORS = {"reduce_sum": "SUM", "reduce_l1": "SUM", "reduce_sum_square": "SUM",
                  "reduce_product": "REDUCE_PROD", "reduce_max": "REDUCE_MAX", "reduce_min": "REDUCE_MIN"}


def _flip_sign(e: OpLowering, x: int) -> int:
    """int32 bits with the sign bit flipped: uint32 order as int32 order (and back)."""
    return e.emit("BITWISE_XOR", [x, e.i32(_INT32_MIN)], e.writer.shape(x), INT32)


def _reduce_int(e: OpLowering, r: Reduction, x: int) -> int:
    op, data_type = e.op.type, e.desc("input").data_type
    unsigned = data_type == "uint32"
    ordered = op in ("reduce_max", "reduce_min")
    if unsigned:  # (as int32: the same bits modulo 2^32; compared with the sign bit flipped)
        x = e.cast(x, INT32)
        if ordered:
            x = _flip_sign(e, x)
    x = _int_elementwise(r, x, op, unsigned)
    y = x if r.empty else r.reduce(_INT_OPERATORS[op], x)
    if unsigned:
        y = e.cast(_flip_sign(e, y) if ordered else y, e.out_type())
    return y


# --------------------------------------------------------------------------- the lowerings


@lowering("reduce_sum", "reduce_l1", "reduce_sum_square", "reduce_product", types=_SUM_TYPES)
@lowering("reduce_max", "reduce_min", types=_ORDERED_TYPES)
@lowering("reduce_mean", "reduce_l2", "reduce_log_sum", "reduce_log_sum_exp", types=FLOATS)
def reduce(e: OpLowering) -> int:
    x = e.input("input")
    r = Reduction(e, x, e.desc("input").shape, e.attrs["axes"])
    if e.out().data_type not in FLOATS:
        y = _reduce_int(e, r, r.x)
    elif r.empty:
        function = _ELEMENTWISE.get(e.op.type)
        y = _elementwise(r, function, r.x)
    else:
        y = _FLOAT_REDUCERS[e.op.type](r, r.x)
    return r.reshape(y, e.out().shape)


@lowering("arg_min", "arg_max", types=_ARG_TYPES, output_types={"int32", "int64"})
def arg_min_max(e: OpLowering) -> int:
    """ARG_MAX / ARG_MIN (the first index of ties) of the input as [outer, axis, inner]; the
    first NaN's index where the values along the axis have one."""
    shape, axis = e.desc("input").shape, int(e.attrs["axis"])
    rows = [math.prod(shape[:axis]), shape[axis], math.prod(shape[axis + 1:])]
    x = e.input("input")
    data_type = e.desc("input").data_type
    if data_type == "uint32":
        x = _flip_sign(e, e.cast(x, INT32))
    x = e.emit("RESHAPE", [x, e.i32(rows)], rows, e.writer.type(x))
    index_type = e.out_type()
    result = [rows[0], rows[2]]
    operator, table = ("ARG_MAX", "ArgMaxOptions") if e.op.type == "arg_max" else ("ARG_MIN", "ArgMinOptions")
    index = e.emit(operator, [x, e.i32([1])], result, index_type, e.options(table, outputType=index_type))
    if data_type in FLOATS:
        nan = e.emit("NOT_EQUAL", [x, x], rows, BOOL)
        first_nan = e.emit("ARG_MAX", [nan, e.i32([1])], result, index_type,
                           e.options("ArgMaxOptions", outputType=index_type))
        any_nan = e.emit("REDUCE_ANY", [nan, e.i32([1])], result, BOOL,
                         e.options("ReducerOptions", keepDims=False))
        index = e.emit("SELECT_V2", [any_nan, first_nan, index], result, index_type)
    out = e.out().shape
    return e.emit("RESHAPE", [index, e.i32(list(out))], out, index_type)
