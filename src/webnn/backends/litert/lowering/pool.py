"""LiteRT lowerings: average_pool2d and max_pool2d.

The pass pipeline gives every pool an NHWC input.  TFLite pools pad by "SAME" (an average then
counts only the input's values, as WebNN's does) or "VALID"; a max pool with other padding
reads its input padded with -inf explicitly.
"""

from __future__ import annotations

from ...geometry import pool_axes
from ..types import FLOATS
from . import LoweringError, OpLowering, lowering
from .conv import SAME, VALID, pad_nhwc, same_padding

_OPERATORS = {"average_pool2d": "AVERAGE_POOL_2D", "max_pool2d": "MAX_POOL_2D"}


@lowering(*_OPERATORS, types=FLOATS)
def pool(e: OpLowering) -> int:
    attrs = e.attrs
    if attrs["layout"] != "nhwc":
        raise AssertionError(f"{e.op.type}: the litert lowering expects nhwc: the canonical_layout pass did not run")
    x = e.input("input")
    _, height, width, _ = e.desc("input").shape
    padding = attrs["padding"]
    rows, cols = pool_axes((height, width), attrs, (padding[0], padding[2]))
    if rows.dilation != 1 or cols.dilation != 1:
        raise LoweringError(f"{e.label}: TFLite pools have no dilations")
    explicit = [rows.begin, rows.end, cols.begin, cols.end]
    same = [*same_padding(height, rows.window, rows.stride, 1), *same_padding(width, cols.window, cols.stride, 1)]
    if not any(explicit):
        tflite_padding = VALID
    elif explicit == same and (rows.out, cols.out) == (-(-height // rows.stride), -(-width // cols.stride)):
        tflite_padding = SAME
    elif e.op.type == "max_pool2d":
        x, tflite_padding = pad_nhwc(e, x, explicit, float("-inf")), VALID
    else:
        raise LoweringError(f"{e.label}: TFLite's average pool pads only as SAME does")
    return e.emit(_OPERATORS[e.op.type], [x], e.out().shape, e.out_type(), e.options(
        "Pool2DOptions", padding=tflite_padding, strideH=rows.stride, strideW=cols.stride,
        filterHeight=rows.window, filterWidth=cols.window))
