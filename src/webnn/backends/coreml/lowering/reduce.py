"""Reductions: MIL's reduce_* ops over the spec's axes (keep_dims as asked).  Sums, means,
products and norms compute on floats only (int32 sums may overflow, which MIL leaves undefined);
maxima and minima also on integers (int8 / uint8 widened to int32, exactly).  Reducing no axes
is the spec's per-element form of the reduction.  float16 sums, means, products and norms
accumulate in float32 and round once, as the reference does (a float16 sum of squares overflows
long before its square root would).  arg_min / arg_max: MIL's reduce_argmin /
reduce_argmax, int32 indices."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import FLOATS, INT32, SMALL_INTS, OpLowering, lowering

#: op -> (MIL reduction, the per-element form for an empty axes list)
_REDUCTIONS: dict[str, tuple[str, Callable[[OpLowering, Any], Any]]] = {
    "reduce_sum": ("reduce_sum", lambda e, x: e.mb.identity(x=x)),
    "reduce_mean": ("reduce_mean", lambda e, x: e.mb.identity(x=x)),
    "reduce_product": ("reduce_prod", lambda e, x: e.mb.identity(x=x)),
    "reduce_l1": ("reduce_l1_norm", lambda e, x: e.mb.abs(x=x)),
    "reduce_l2": ("reduce_l2_norm", lambda e, x: e.mb.sqrt(x=e.mb.mul(x=x, y=x))),
    "reduce_sum_square": ("reduce_sum_square", lambda e, x: e.mb.mul(x=x, y=x)),
    "reduce_log_sum": ("reduce_log_sum", lambda e, x: e.mb.log(x=x, epsilon=e.like(0, x))),
    "reduce_log_sum_exp": ("reduce_log_sum_exp",
                           lambda e, x: e.mb.log(x=e.mb.exp(x=x), epsilon=e.like(0, x))),
}
_ORDERED = {"reduce_max": "reduce_max", "reduce_min": "reduce_min"}


def _reduce(e: OpLowering, method: str, each: Callable[[OpLowering, Any], Any], x: Any) -> Any:
    axes = [int(a) for a in e.attrs["axes"]]
    if not axes:
        return each(e, x)
    return getattr(e.mb, method)(x=x, axes=axes, keep_dims=bool(e.attrs["keep_dimensions"]))


def _register(op: str, method: str, each: Callable[[OpLowering, Any], Any]) -> None:
    lowering(op, types=FLOATS)(
        lambda e: e.cast(_reduce(e, method, each, e.cast(e.input("input"), "fp32")), e.mil_type()))


for _op, (_method, _each) in _REDUCTIONS.items():
    _register(_op, _method, _each)


def _register_ordered(op: str, method: str) -> None:
    @lowering(op, types=FLOATS | INT32 | SMALL_INTS)
    def reduce_ordered(e: OpLowering) -> Any:
        return e.cast(_reduce(e, method, lambda e, x: e.mb.identity(x=x), e.wide("input")), e.mil_type())


for _op, _method in _ORDERED.items():
    _register_ordered(_op, _method)


def _register_arg(op: str, method: str) -> None:
    @lowering(op, types=FLOATS | INT32 | SMALL_INTS, output_types=INT32)
    def arg(e: OpLowering) -> Any:
        return getattr(e.mb, method)(x=e.wide("input"), axis=int(e.attrs["axis"]),
                                     keep_dims=bool(e.attrs["keep_dimensions"]))


_register_arg("arg_max", "reduce_argmax")
_register_arg("arg_min", "reduce_argmin")
