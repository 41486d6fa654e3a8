"""Convolution ops: conv2d and conv_transpose2d."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from .base import FLOATS, MAX_DIMENSION, Check, Operand, Result, limit, op, same

_INPUT_LAYOUTS = ("nchw", "nhwc")
_CONV2D_FILTER_LAYOUTS = ("oihw", "hwio", "ohwi", "ihwo")
_CONV_TRANSPOSE2D_FILTER_LAYOUTS = ("iohw", "hwoi", "ohwi")

_LIMITS = {
    "input": limit(FLOATS, 4),
    "filter": limit(same("input"), 4),
    "bias": limit(same("input"), 1),
    "output": limit(same("input"), 4),
}

# Where each dimension sits in a filter layout: (output, input, height, width) channels.
# conv2d filters hold [outputChannels, inputChannels / groups, h, w] ("o", "i");
# conv_transpose2d filters hold [inputChannels, outputChannels / groups, h, w] ("i", "o").
_FILTER_AXES = {
    layout: tuple(layout.index(axis) for axis in "oihw")
    for layout in ("oihw", "hwio", "ohwi", "ihwo", "iohw", "hwoi")
}


def _split_input(shape: tuple[int, ...], layout: str) -> tuple[int, int, int, int]:
    """``(batches, channels, height, width)`` of a 4-D input in ``layout``."""
    if layout == "nchw":
        return shape[0], shape[1], shape[2], shape[3]
    return shape[0], shape[3], shape[1], shape[2]


def _split_filter(shape: tuple[int, ...], layout: str) -> tuple[int, int, int, int]:
    """``(o, i, height, width)`` sizes of a 4-D filter in ``layout``."""
    o, i, h, w = _FILTER_AXES[layout]
    return shape[o], shape[i], shape[h], shape[w]


def _join_output(batches: int, channels: int, height: int, width: int, layout: str) -> tuple[int, ...]:
    if layout == "nchw":
        return (batches, channels, height, width)
    return (batches, height, width, channels)


def _window_options(
    c: Check, padding: Any, strides: Any, dilations: Any
) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]:
    """The spec's checks of padding (4 items), strides and dilations (2 non-zero items each)."""
    padding = (0, 0, 0, 0) if padding is None else c.uints("padding", padding)
    c.check(len(padding) == 4, f"padding must have 4 items, got {len(padding)}")
    strides = (1, 1) if strides is None else c.uints("strides", strides)
    c.check(len(strides) == 2, f"strides must have 2 items, got {len(strides)}")
    c.check(all(s != 0 for s in strides), f"strides {list(strides)} contains 0")
    dilations = (1, 1) if dilations is None else c.uints("dilations", dilations)
    c.check(len(dilations) == 2, f"dilations must have 2 items, got {len(dilations)}")
    c.check(all(d != 0 for d in dilations), f"dilations {list(dilations)} contains 0")
    return padding, strides, dilations


def _check_bias(c: Check, bias: Operand | None, output_channels: int) -> None:
    if bias is not None:
        c.check(
            bias.shape == (output_channels,),
            f"bias shape {list(bias.shape)} != [output channels {output_channels}]",
        )


@op("conv2d", limits=_LIMITS)
def conv2d(
    c: Check,
    input: Operand,
    filter: Operand,
    *,
    padding: Sequence[int] | None = None,
    strides: Sequence[int] | None = None,
    dilations: Sequence[int] | None = None,
    groups: int = 1,
    input_layout: Literal["nchw", "nhwc"] = "nchw",
    filter_layout: Literal["oihw", "hwio", "ohwi", "ihwo"] = "oihw",
    bias: Operand | None = None,
) -> Result:
    """A 2-D convolution: each output channel o of group g = o // (outputChannels / groups) sums,
    over the filter window and the group's inputChannels / groups input channels,
    input * filter, plus bias[o] when a bias is given. The input is [batches, inputChannels,
    height, width] for input_layout 'nchw' or [batches, height, width, inputChannels] for 'nhwc',
    and the output has the same layout with outputChannels channels. The filter is
    [outputChannels, inputChannels / groups, height, width] for filter_layout 'oihw', and the same
    dimensions permuted for 'hwio', 'ohwi' and 'ihwo'. padding is [beginning height, ending height,
    beginning width, ending width] (zeros), strides and dilations are [height, width]; each
    spatial output size is floor((input - ((filter - 1) * dilation + 1) + beginning padding +
    ending padding) / stride) + 1. groups == inputChannels gives a depthwise convolution."""
    padding, strides, dilations = _window_options(c, padding, strides, dilations)
    groups = c.uint("groups", groups)
    c.check(groups != 0, "groups must not be 0")
    input_layout = c.enum("input_layout", input_layout, _INPUT_LAYOUTS)
    filter_layout = c.enum("filter_layout", filter_layout, _CONV2D_FILTER_LAYOUTS)

    batches, input_channels, input_height, input_width = _split_input(input.shape, input_layout)
    output_channels, filter_channels, filter_height, filter_width = _split_filter(filter.shape, filter_layout)
    c.check(
        input_channels % groups == 0,
        f"input channels {input_channels} is not divisible by groups {groups}",
    )
    c.check(
        input_channels == filter_channels * groups,
        f"input channels {input_channels} != filter channels {filter_channels} * groups {groups}",
    )
    c.check(
        output_channels % groups == 0,
        f"output channels {output_channels} is not divisible by groups {groups}",
    )
    _check_bias(c, bias, output_channels)

    sizes = []
    for axis, size, window, begin, end, stride, dilation in zip(
        ("height", "width"), (input_height, input_width), (filter_height, filter_width),
        padding[0::2], padding[1::2], strides, dilations,
    ):
        effective = (window - 1) * dilation + 1
        # floor((size - effective + begin + end) / stride + 1), exactly, in integers.
        out = (size - effective + begin + end) // stride + 1
        c.check(
            0 < out <= MAX_DIMENSION,
            f"output {axis} {out} is not a valid dimension (input {size} + padding {begin} + {end}, "
            f"effective filter {effective}, stride {stride})",
        )
        sizes.append(out)

    return c.output(
        input.data_type,
        _join_output(batches, output_channels, sizes[0], sizes[1], input_layout),
        padding=padding,
        strides=strides,
        dilations=dilations,
        groups=groups,
        input_layout=input_layout,
        filter_layout=filter_layout,
    )


@op("conv_transpose2d", limits=_LIMITS)
def conv_transpose2d(
    c: Check,
    input: Operand,
    filter: Operand,
    *,
    padding: Sequence[int] | None = None,
    strides: Sequence[int] | None = None,
    dilations: Sequence[int] | None = None,
    output_padding: Sequence[int] | None = None,
    output_sizes: Sequence[int] | None = None,
    groups: int = 1,
    input_layout: Literal["nchw", "nhwc"] = "nchw",
    filter_layout: Literal["iohw", "hwoi", "ohwi"] = "iohw",
    bias: Operand | None = None,
) -> Result:
    """A 2-D transposed convolution (the gradient of conv2d with respect to its input): each input
    element of channel i, at (y, x), adds input * filter[i, o, fy, fx] to output channel
    g * (outputChannels / groups) + o at (y * stride + fy * dilation - beginning padding, likewise
    for x), where g = i // (inputChannels / groups); then bias[o] is added when given. The input
    is [batches, inputChannels, height, width] for input_layout 'nchw' or [batches, height, width,
    inputChannels] for 'nhwc', and the output has the same layout. The filter is [inputChannels,
    outputChannels / groups, height, width] for filter_layout 'iohw', and the same dimensions
    permuted for 'hwoi' and 'ohwi'. padding is [beginning height, ending height, beginning width,
    ending width] (it crops the output), strides and dilations are [height, width]. Each spatial
    output size is (input - 1) * stride + (filter - 1) * dilation + 1 - beginning padding - ending
    padding, plus output_padding (each item less than its stride); output_sizes ([height, width])
    may instead give the sizes, each at least that calculated size and less than it plus the
    stride, and then output_padding is ignored. The normalized attributes hold the final
    output_sizes and the effective output_padding (output size - calculated size)."""
    padding, strides, dilations = _window_options(c, padding, strides, dilations)
    output_padding = (0, 0) if output_padding is None else c.uints("output_padding", output_padding)
    c.check(len(output_padding) == 2, f"output_padding must have 2 items, got {len(output_padding)}")
    if output_sizes is not None:
        output_sizes = c.uints("output_sizes", output_sizes)
        c.check(len(output_sizes) == 2, f"output_sizes must have 2 items, got {len(output_sizes)}")
    else:
        c.check(
            output_padding[0] < strides[0] and output_padding[1] < strides[1],
            f"output_padding {list(output_padding)} must be less than strides {list(strides)}",
        )
    groups = c.uint("groups", groups)
    c.check(groups != 0, "groups must not be 0")
    input_layout = c.enum("input_layout", input_layout, _INPUT_LAYOUTS)
    filter_layout = c.enum("filter_layout", filter_layout, _CONV_TRANSPOSE2D_FILTER_LAYOUTS)

    batches, input_channels, input_height, input_width = _split_input(input.shape, input_layout)
    filter_output_channels, filter_input_channels, filter_height, filter_width = _split_filter(
        filter.shape, filter_layout
    )
    c.check(
        input_channels == filter_input_channels,
        f"input channels {input_channels} != filter input channels {filter_input_channels}",
    )
    output_channels = filter_output_channels * groups
    c.check(
        output_channels <= MAX_DIMENSION,
        f"output channels {filter_output_channels} * groups {groups} = {output_channels} "
        f"is not a valid dimension",
    )
    _check_bias(c, bias, output_channels)
    # Not a step of the spec, but each input channel must belong to exactly one group.
    c.check(
        input_channels % groups == 0,
        f"input channels {input_channels} is not divisible by groups {groups}",
    )

    sizes = []
    for index, (axis, size, window, begin, end, stride, dilation) in enumerate(zip(
        ("height", "width"), (input_height, input_width), (filter_height, filter_width),
        padding[0::2], padding[1::2], strides, dilations,
    )):
        calculated = (size - 1) * stride + (window - 1) * dilation + 1 - begin - end
        if output_sizes is not None:
            out = output_sizes[index]
            c.check(
                calculated <= out < calculated + stride,
                f"output_sizes {axis} {out} must be in [{calculated}, {calculated + stride}) "
                f"(calculated size {calculated}, stride {stride})",
            )
        else:
            out = calculated + output_padding[index]
        c.check(
            0 < out <= MAX_DIMENSION,
            f"output {axis} {out} is not a valid dimension (input {size}, stride {stride}, "
            f"effective filter {(window - 1) * dilation + 1}, padding {begin} + {end}, "
            f"output padding {out - calculated})",
        )
        sizes.append((out, out - calculated))

    (out_h, pad_h), (out_w, pad_w) = sizes
    return c.output(
        input.data_type,
        _join_output(batches, output_channels, out_h, out_w, input_layout),
        padding=padding,
        strides=strides,
        dilations=dilations,
        output_padding=(pad_h, pad_w),
        output_sizes=(out_h, out_w),
        groups=groups,
        input_layout=input_layout,
        filter_layout=filter_layout,
    )
