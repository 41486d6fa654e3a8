"""LiteRT lowerings: conv2d.

The pass pipeline gives every convolution an NHWC input and an OHWI filter, TFLite's own
layouts.  One group: CONV_2D; one group per input channel: DEPTHWISE_CONV_2D (its filter is
[1, kh, kw, channels * multiplier]); other groupings: CONV_2D, which takes the groups from the
filter's input channels.  TFLite pads by "SAME" or "VALID" only: WebNN padding that is SAME's is
written so, any other is an explicit PAD (zeros) before a VALID convolution.  The bias is always
given (zeros without one), and a relu / clamp(0, 6) / clamp(-1, 1) that alone reads the result
becomes the convolution's fused activation.

float16 computes in float32 (inputs widened, the result rounded once), like the reference.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..types import FLOAT32, FLOATS
from . import OpLowering, lowering

#: TFLite's Padding values.
SAME, VALID = 0, 1


def same_padding(size: int, window: int, stride: int, dilation: int) -> tuple[int, int]:
    """TFLite's SAME padding (beginning, end) of one spatial axis."""
    effective = (window - 1) * dilation + 1
    out = -(-size // stride)
    total = max((out - 1) * stride + effective - size, 0)
    return total // 2, total - total // 2


def tflite_padding(e: OpLowering, x: int, sizes: Sequence[int], windows: Sequence[int], strides: Sequence[int],
                   dilations: Sequence[int], padding: Sequence[int], value: float = 0.0) -> tuple[int, int]:
    """(input, TFLite padding) for WebNN ``padding`` [begin_h, end_h, begin_w, end_w]: SAME where
    it is SAME's, else ``x`` padded explicitly with ``value`` and VALID."""
    if not any(padding):
        return x, VALID
    same = [same_padding(sizes[i], windows[i], strides[i], dilations[i]) for i in range(2)]
    if [p for pair in same for p in pair] == list(padding):
        return x, SAME
    return pad_nhwc(e, x, padding, value), VALID


def pad_nhwc(e: OpLowering, x: int, padding: Sequence[int], value: float = 0.0) -> int:
    """``x`` (NHWC) padded on its spatial axes by [begin_h, end_h, begin_w, end_w] with ``value``."""
    n, h, w, c = e.writer.shape(x)
    begin_h, end_h, begin_w, end_w = padding
    pads = e.i32([[0, 0], [begin_h, end_h], [begin_w, end_w], [0, 0]])
    shape = [n, h + begin_h + end_h, w + begin_w + end_w, c]
    if value == 0.0:
        return e.emit("PAD", [x, pads], shape, e.writer.type(x))
    return e.emit("PADV2", [x, pads, e.constant([value], e.writer.type(x))], shape, e.writer.type(x))


def _expect_canonical(e: OpLowering) -> None:
    if e.attrs["input_layout"] != "nhwc" or e.attrs["filter_layout"] != "ohwi":
        raise AssertionError(f"{e.op.type}: the litert lowering expects nhwc / ohwi, got "
                             f"{e.attrs['input_layout']} / {e.attrs['filter_layout']}: the canonical_layout pass did not run")


def _bias(e: OpLowering, channels: int) -> int:
    if e.has("bias"):
        return e.input("bias")
    return e.constant(np.zeros(channels, np.float32), FLOAT32)


@lowering("conv2d", types=FLOATS)
def conv2d(e: OpLowering) -> int:
    _expect_canonical(e)
    attrs = e.attrs
    x, w = e.input("input"), e.input("filter")
    n, height, width, channels = e.desc("input").shape
    out_channels, kh, kw, per_group = e.desc("filter").shape
    strides, dilations, groups = list(attrs["strides"]), list(attrs["dilations"]), int(attrs["groups"])
    x, padding = tflite_padding(e, x, (height, width), (kh, kw), strides, dilations, attrs["padding"])
    bias = _bias(e, out_channels)
    shape = e.out().shape
    fields = dict(padding=padding, strideH=strides[0], strideW=strides[1],
                  dilationHFactor=dilations[0], dilationWFactor=dilations[1])
    if groups > 1 and groups == channels and per_group == 1:
        # [O, kh, kw, 1] -> [1, kh, kw, O]
        value = e.constant_value("filter")
        if value is not None:
            w = e.constant(np.ascontiguousarray(value.astype(np.float32).reshape(1, out_channels, kh, kw)
                                                .transpose(0, 2, 3, 1)), FLOAT32)
        else:
            w = e.emit("TRANSPOSE", [w, e.i32([3, 1, 2, 0])], [1, kh, kw, out_channels], FLOAT32)
        activation = e.fuse_activation()
        return e.emit("DEPTHWISE_CONV_2D", [x, w, bias], shape, FLOAT32, e.options(
            "DepthwiseConv2DOptions", depthMultiplier=out_channels // channels,
            fusedActivationFunction=activation, **fields))
    activation = e.fuse_activation()
    return e.emit("CONV_2D", [x, w, bias], shape, FLOAT32, e.options(
        "Conv2DOptions", fusedActivationFunction=activation, **fields))


