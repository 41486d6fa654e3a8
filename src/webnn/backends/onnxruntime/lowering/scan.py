"""ONNX lowerings: scan ops."""

from __future__ import annotations

from ....ir import Operation
from ..emitter import OpEmitter
from . import lowering
from .elementwise import _scalar


@lowering("cumulative_sum")
def cumulative_sum(e: OpEmitter, op: Operation) -> str:
    # ONNX CumSum has WebNN's exclusive / reversed semantics.  Types its CPU kernel lacks run
    # wider: float16 in float32 (rounded once at the end, like the reference), uint32 and uint64
    # in int64 (the low bits of a wrapped int64 sum are the wrapped unsigned sum).
    attrs = op.attrs
    return e.compute(
        "CumSum",
        [e.input("input"), _scalar(e, int(attrs["axis"]), "int64")],
        e.output_desc().data_type,
        typed=[0],
        exclusive=1 if attrs["exclusive"] else None,
        reverse=1 if attrs["reversed"] else None,
    )
