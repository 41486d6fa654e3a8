"""OpenVINO lowerings: scan ops."""

from __future__ import annotations

from typing import Any

import openvino.opset16 as ops

from . import OpLowering, lowering


@lowering("cumulative_sum", types=("float32", "float16", "int32", "uint32"))
def cumulative_sum(e: OpLowering) -> Any:
    """CumSum has WebNN's exclusive / reversed semantics; it wraps around on int32 and uint32.
    float16 accumulates in float32 and is rounded once at the end.  int64 / uint64 are left
    out: the CPU plugin keeps only their low 32 bits."""
    x = e.input("input")
    float16 = e.desc("input").data_type == "float16"
    if float16:
        x = ops.convert(x, "f32")
    y = ops.cumsum(x, e.i64(e.attrs["axis"]), bool(e.attrs["exclusive"]), bool(e.attrs["reversed"]))
    return ops.convert(y, "f16") if float16 else y
