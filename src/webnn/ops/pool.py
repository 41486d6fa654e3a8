"""Pooling ops: average_pool2d, l2_pool2d, max_pool2d (the spec's "create a pooling operation")."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from .base import ANY, FLOATS, Check, Operand, Result, limit, op, same

_LAYOUTS = ("nchw", "nhwc")
_ROUNDINGS = ("floor", "ceil")

_FLOAT_LIMITS = {"input": limit(FLOATS, 4), "output": limit(same("input"), 4)}
_MAX_LIMITS = {"input": limit(ANY, 4), "output": limit(same("input"), 4)}

_COMMON_DOC = (
    " The input is 4-D, [batches, channels, height, width] for layout 'nchw' or"
    " [batches, height, width, channels] for 'nhwc', and the output has the same layout."
    " window_dimensions is [height, width] (default: the whole spatial extent, a global pool),"
    " padding is [beginning height, ending height, beginning width, ending width], strides and"
    " dilations are [height, width]. Each spatial output size is"
    " (input - ((window - 1) * dilation + 1) + beginning padding + ending padding) / stride + 1,"
    " rounded by output_shape_rounding ('floor' or 'ceil'); output_sizes ([height, width]) may"
    " instead give the sizes explicitly: they must equal the floor or the ceil sizes (the padding"
    " still applies, as in the WPT conformance cases and browsers). Padding, and the part of a"
    " 'ceil' window past the padded input, hold no elements: windows cover only real input"
    " elements, and a window that covers none gives 0."
)


def _pool2d(
    c: Check,
    input: Operand,
    *,
    window_dimensions: Sequence[int] | None = None,
    padding: Sequence[int] | None = None,
    strides: Sequence[int] | None = None,
    dilations: Sequence[int] | None = None,
    layout: Literal["nchw", "nhwc"] = "nchw",
    output_shape_rounding: Literal["floor", "ceil"] = "floor",
    output_sizes: Sequence[int] | None = None,
) -> Result:
    layout = c.enum("layout", layout, _LAYOUTS)
    output_shape_rounding = c.enum("output_shape_rounding", output_shape_rounding, _ROUNDINGS)
    if layout == "nchw":
        batches, channels, in_h, in_w = input.shape
    else:
        batches, in_h, in_w, channels = input.shape

    window = (in_h, in_w) if window_dimensions is None else c.uints("window_dimensions", window_dimensions)
    c.check(len(window) == 2, f"window_dimensions must have 2 items, got {len(window)}")
    c.check(all(w != 0 for w in window), f"window_dimensions {list(window)} contains 0")

    if padding is not None:
        padding = c.uints("padding", padding)
    # The spec's text also resets the padding when output_sizes is given, and requires
    # output_sizes to be smaller than the strides (which would forbid output_sizes with
    # stride 1).  Both steps contradict the WPT conformance cases and the browser
    # implementations, which keep the padding and check output_sizes only against the
    # floor / ceil sizes; this implementation does the same.
    if padding is None:
        padding = (0, 0, 0, 0)
    c.check(len(padding) == 4, f"padding must have 4 items, got {len(padding)}")

    strides = (1, 1) if strides is None else c.uints("strides", strides)
    c.check(len(strides) == 2, f"strides must have 2 items, got {len(strides)}")
    c.check(all(s != 0 for s in strides), f"strides {list(strides)} contains 0")

    if output_sizes is not None:
        output_sizes = c.uints("output_sizes", output_sizes)
        c.check(len(output_sizes) == 2, f"output_sizes must have 2 items, got {len(output_sizes)}")

    dilations = (1, 1) if dilations is None else c.uints("dilations", dilations)
    c.check(len(dilations) == 2, f"dilations must have 2 items, got {len(dilations)}")
    c.check(all(d != 0 for d in dilations), f"dilations {list(dilations)} contains 0")

    # calculated size = num / stride + 1, with num an integer: floor and ceil are exact.
    floor_sizes: list[int] = []
    ceil_sizes: list[int] = []
    for size, win, begin, end, stride, dilation in zip(
        (in_h, in_w), window, padding[0::2], padding[1::2], strides, dilations
    ):
        num = size - ((win - 1) * dilation + 1) + begin + end
        floor_sizes.append(num // stride + 1)
        ceil_sizes.append(-(-num // stride) + 1)

    if output_sizes is not None:
        sizes = tuple(output_sizes)
        if sizes == tuple(floor_sizes) == tuple(ceil_sizes):
            pass  # either rounding gives them: keep the one given (normalizing twice changes nothing)
        elif sizes == tuple(floor_sizes):
            output_shape_rounding = "floor"
        elif sizes == tuple(ceil_sizes):
            output_shape_rounding = "ceil"
        else:
            c.fail(
                f"output_sizes {list(sizes)} match neither the floor sizes {floor_sizes} "
                f"nor the ceil sizes {ceil_sizes}"
            )
    else:
        sizes = tuple(floor_sizes if output_shape_rounding == "floor" else ceil_sizes)
    out_h, out_w = sizes
    c.dimension("output height", out_h)
    c.dimension("output width", out_w)

    shape = (batches, channels, out_h, out_w) if layout == "nchw" else (batches, out_h, out_w, channels)
    return c.output(
        input.data_type,
        shape,
        window_dimensions=tuple(window),
        padding=tuple(padding),
        strides=tuple(strides),
        dilations=tuple(dilations),
        layout=layout,
        output_shape_rounding=output_shape_rounding,
        output_sizes=(out_h, out_w),
    )


op("average_pool2d", limits=_FLOAT_LIMITS, doc=(
    "The mean of each window of the input's two spatial dimensions, per batch and channel."
    " Padding is excluded from the count: the mean is over the real elements in the window."
    + _COMMON_DOC
))(_pool2d)
op("l2_pool2d", limits=_FLOAT_LIMITS, doc=(
    "The L2 norm (square root of the sum of squares) of each window of the input's two spatial"
    " dimensions, per batch and channel." + _COMMON_DOC
))(_pool2d)
op("max_pool2d", limits=_MAX_LIMITS, doc=(
    "The maximum of each window of the input's two spatial dimensions, per batch and channel;"
    " any data type, integers exactly." + _COMMON_DOC
))(_pool2d)
