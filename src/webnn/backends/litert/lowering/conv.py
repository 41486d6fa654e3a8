"""LiteRT lowerings: conv2d and conv_transpose2d.

The pass pipeline gives every convolution an NHWC input and an OHWI filter, TFLite's own
layouts.  One group: CONV_2D; one group per input channel: DEPTHWISE_CONV_2D (its filter is
[1, kh, kw, channels * multiplier]); other groupings: CONV_2D, which takes the groups from the
filter's input channels.  TFLite pads by "SAME" or "VALID" only: WebNN padding that is SAME's is
written so, any other is an explicit PAD (zeros) before a VALID convolution.  The bias is always
given (zeros without one), and a relu / clamp(0, 6) / clamp(-1, 1) that alone reads the result
becomes the convolution's fused activation.

conv_transpose2d is TRANSPOSE_CONV (filter [O, kh, kw, I], TFLite's too, for one group), which has
neither dilations nor groups nor WebNN's padding: a dilated filter is the filter with zeros between
its taps (made at build for a constant); groups are one TRANSPOSE_CONV per group on the split input,
concatenated; the padding is TFLite's SAME where that crops as WebNN does, VALID where nothing is
cropped (the bias and a relu / clamp then go into the TRANSPOSE_CONV), else the whole (VALID)
result is padded with zeros where output_padding reaches past it and cropped (SLICE), and the bias
is added after.

float16 computes in float32 (inputs widened, the result rounded once), like the reference.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..types import FLOAT32, FLOATS
from . import ACT_NONE, OpLowering, lowering

#: TFLite's Padding values.
SAME, VALID = 0, 1


def same_padding(size: int, window: int, stride: int, dilation: int) -> tuple[int, int]:
    """TFLite's SAME padding (beginning, end) of one spatial axis."""
    effective = (window - 1) * dilation + 1
    out = -(-size // stride)
    total = max((out - 1) * stride + effective - size, 0)
    return total // 2, total - total // 2


def tflite_padding(e: OpLowering, x: int, sizes: Sequence[int], windows: Sequence[int],
                   strides: Sequence[int], dilations: Sequence[int], padding: Sequence[int],
                   value: float = 0.0) -> tuple[int, int]:
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
                             f"{e.attrs['input_layout']} / {e.attrs['filter_layout']}: "
                             "the canonical_layout pass did not run")


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


@lowering("conv_transpose2d", types=FLOATS)
def conv_transpose2d(e: OpLowering) -> int:
    _expect_canonical(e)
    attrs = e.attrs
    x = e.input("input")
    n, height, width, _ = e.desc("input").shape
    group_out, kh, kw, _ = e.desc("filter").shape
    strides, groups = list(attrs["strides"]), int(attrs["groups"])
    out_h, out_w = attrs["output_sizes"]
    begin_h, _, begin_w, _ = attrs["padding"]
    filters, kh, kw = _dilated_filter(e, kh, kw, list(attrs["dilations"]))
    full = [(height - 1) * strides[0] + kh, (width - 1) * strides[1] + kw]
    same = groups == 1 and all(
        -(-out // stride) == size and 0 <= whole - out and begin == (whole - out) // 2
        for out, stride, size, whole, begin
        in zip((out_h, out_w), strides, (height, width), full, (begin_h, begin_w)))
    # (TFLite's SAME crops (whole - out) // 2 first, where its forward convolution's size is the input's)
    whole = groups == 1 and [out_h, out_w] == full and (begin_h, begin_w) == (0, 0)
    direct = SAME if same else VALID if whole else None
    if direct is not None:
        return _transpose_conv(e, x, _split_filter(e, filters, 1)[0], [n, out_h, out_w, group_out], direct,
                               strides, e.input("bias") if e.has("bias") else -1, e.fuse_activation())
    inputs = [x] if groups == 1 else _split(e, x, groups)
    per_group = [_transpose_conv(e, xg, wg, [n, *full, group_out], VALID, strides, -1)
                 for xg, wg in zip(inputs, _split_filter(e, filters, groups))]
    y = per_group[0] if groups == 1 else e.emit(
        "CONCATENATION", per_group, [n, *full, group_out * groups], FLOAT32,
        e.options("ConcatenationOptions", axis=3))
    y = _crop_pad(e, y, (begin_h, begin_w), (out_h, out_w))
    if e.has("bias"):
        y = e.emit("ADD", [y, e.input("bias")], e.writer.shape(y), FLOAT32, e.options("AddOptions"))
    return y


def _transpose_conv(e: OpLowering, x: int, w: int, shape: list[int], padding: int, strides: Sequence[int],
                    bias: int, activation: int = ACT_NONE) -> int:
    inputs = [e.i32(shape), w, x] + ([bias] if bias >= 0 else [])
    return e.emit("TRANSPOSE_CONV", inputs, shape, FLOAT32, e.options(
        "TransposeConvOptions", padding=padding, strideH=strides[0], strideW=strides[1],
        fusedActivationFunction=activation))


def _dilated_filter(e: OpLowering, kh: int, kw: int, dilations: Sequence[int]
                    ) -> tuple[int | np.ndarray, int, int]:
    """The filter ([O, kh, kw, I]) with ``dilation - 1`` zeros between its taps, and its new size:
    an array for a constant filter, else a tensor."""
    value = e.constant_value("filter")
    dh, dw = dilations
    size_h, size_w = (kh - 1) * dh + 1, (kw - 1) * dw + 1
    if value is not None:
        wide = value.astype(np.float32)
        if (dh, dw) == (1, 1):
            return wide, kh, kw
        dilated = np.zeros((wide.shape[0], size_h, size_w, wide.shape[3]), np.float32)
        dilated[:, ::dh, ::dw, :] = wide
        return dilated, size_h, size_w
    w = e.input("filter")
    o, _, _, i = e.desc("filter").shape
    if dh > 1:  # [o, kh, 1, kw * i] padded to [o, kh, dh, kw * i], read as [o, kh * dh, kw, i]
        w = e.emit("RESHAPE", [w, e.i32([o, kh, 1, kw * i])], [o, kh, 1, kw * i], FLOAT32)
        w = e.emit("PAD", [w, e.i32([[0, 0], [0, 0], [0, dh - 1], [0, 0]])], [o, kh, dh, kw * i], FLOAT32)
        w = e.emit("RESHAPE", [w, e.i32([o, kh * dh, kw, i])], [o, kh * dh, kw, i], FLOAT32)
        w = e.emit("SLICE", [w, e.i32([0, 0, 0, 0]), e.i32([o, size_h, kw, i])], [o, size_h, kw, i], FLOAT32)
    if dw > 1:  # [o * size_h, kw, 1, i] padded to [o * size_h, kw, dw, i], read as [o, size_h, kw * dw, i]
        w = e.emit("RESHAPE", [w, e.i32([o * size_h, kw, 1, i])], [o * size_h, kw, 1, i], FLOAT32)
        w = e.emit("PAD", [w, e.i32([[0, 0], [0, 0], [0, dw - 1], [0, 0]])], [o * size_h, kw, dw, i], FLOAT32)
        w = e.emit("RESHAPE", [w, e.i32([o, size_h, kw * dw, i])], [o, size_h, kw * dw, i], FLOAT32)
        w = e.emit("SLICE", [w, e.i32([0, 0, 0, 0]), e.i32([o, size_h, size_w, i])], [o, size_h, size_w, i],
                   FLOAT32)
    return w, size_h, size_w


def _split(e: OpLowering, x: int, groups: int) -> list[int]:
    """``x`` split into ``groups`` equal parts along its last axis."""
    shape = list(e.writer.shape(x))
    part = [*shape[:-1], shape[-1] // groups]
    parts = [e.tensor(part, e.writer.type(x)) for _ in range(groups)]
    e.writer.operator("SPLIT", [e.i32(len(shape) - 1), x], parts, e.options("SplitOptions", numSplits=groups))
    return parts


def _split_filter(e: OpLowering, w: int | np.ndarray, groups: int) -> list[int]:
    """The filter of each group (its input channels, the filter's last axis, split)."""
    if isinstance(w, np.ndarray):
        return [e.constant(np.ascontiguousarray(part), FLOAT32) for part in np.split(w, groups, axis=3)]
    return [w] if groups == 1 else _split(e, w, groups)


def _crop_pad(e: OpLowering, y: int, begins: Sequence[int], sizes: Sequence[int]) -> int:
    """``y`` (NHWC) from spatial ``begins``, ``sizes`` long, zeros past its end."""
    n, height, width, c = e.writer.shape(y)
    beyond = [max(0, begin + size - whole) for whole, begin, size in zip((height, width), begins, sizes)]
    if any(beyond):
        y = pad_nhwc(e, y, [0, beyond[0], 0, beyond[1]])
    if list(begins) != [0, 0] or list(sizes) != list(e.writer.shape(y)[1:3]):
        shape = [n, *sizes, c]
        y = e.emit("SLICE", [y, e.i32([0, begins[0], begins[1], 0]), e.i32(shape)], shape, FLOAT32)
    return y
