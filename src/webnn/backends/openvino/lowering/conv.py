"""OpenVINO lowerings: conv2d and conv_transpose2d.

The pass pipeline gives every convolution an NCHW input and an OIHW (conv2d) / IOHW
(conv_transpose2d) filter, which are OpenVINO's own layouts for Convolution and
ConvolutionBackpropData.  Grouped convolutions reshape the filter to OpenVINO's
[groups, O / groups, I / groups, kh, kw] (GroupConvolution) or [groups, I / groups,
O / groups, kh, kw] (GroupConvolutionBackpropData).  WebNN's padding [begin_h, end_h,
begin_w, end_w] becomes explicit ``pads_begin`` / ``pads_end``; a transposed convolution also
takes the normalized effective ``output_padding``, which with those pads gives exactly the
normalized ``output_sizes``.

float16 computes in float32 (inputs converted, the result rounded once), like the reference.
"""

from __future__ import annotations

from typing import Any

import openvino as ov
import openvino.opset16 as ops

from ..types import ELEMENT_TYPES, FLOATS
from . import OpLowering, lowering

#: The filter layout each op's canonical form has.
_FILTER_LAYOUTS = {"conv2d": "oihw", "conv_transpose2d": "iohw"}


def as_f32(value: Any) -> Any:
    """``value`` as float32 (a Convert node unless it already is)."""
    return as_type(value, ov.Type.f32)


def as_type(value: Any, element_type: Any) -> Any:
    """``value`` converted to ``element_type`` where it is not that already."""
    value = value.output(0) if hasattr(value, "output") else value
    if value.get_element_type() == element_type:
        return value
    return ops.convert(value, element_type).output(0)


def _expect_canonical(e: OpLowering) -> None:
    attrs = e.attrs
    layout, filter_layout = attrs["input_layout"], attrs["filter_layout"]
    if layout != "nchw" or filter_layout != _FILTER_LAYOUTS[e.op.type]:
        raise AssertionError(
            f"{e.op.type}: the openvino lowering expects nchw / {_FILTER_LAYOUTS[e.op.type]}, got "
            f"{layout} / {filter_layout}: the canonical_layout pass did not run")


def _convolution(e: OpLowering, transposed: bool) -> Any:
    _expect_canonical(e)
    attrs = e.attrs
    out_type = e.out().data_type
    x = as_f32(e.input("input"))
    w = as_f32(e.input("filter"))
    begin_h, end_h, begin_w, end_w = attrs["padding"]
    pads_begin, pads_end = [begin_h, begin_w], [end_h, end_w]
    strides, dilations = list(attrs["strides"]), list(attrs["dilations"])
    groups = int(attrs["groups"])
    first, second, kh, kw = e.desc("filter").shape
    if groups > 1:
        # conv2d: [O, I / g, kh, kw] -> [g, O / g, I / g, kh, kw];
        # conv_transpose2d: [I, O / g, kh, kw] -> [g, I / g, O / g, kh, kw].
        w = ops.reshape(w, e.i64([groups, first // groups, second, kh, kw]), special_zero=False)
    if transposed:
        output_padding = list(attrs["output_padding"])
        if groups > 1:
            y = ops.group_convolution_backprop_data(
                x, w, strides, pads_begin=pads_begin, pads_end=pads_end, dilations=dilations,
                auto_pad="explicit", output_padding=output_padding)
        else:
            y = ops.convolution_backprop_data(
                x, w, strides, pads_begin=pads_begin, pads_end=pads_end, dilations=dilations,
                auto_pad="explicit", output_padding=output_padding)
    elif groups > 1:
        y = ops.group_convolution(x, w, strides, pads_begin, pads_end, dilations)
    else:
        y = ops.convolution(x, w, strides, pads_begin, pads_end, dilations)
    if e.has("bias"):
        channels = e.out().shape[1]
        bias = ops.reshape(as_f32(e.input("bias")), e.i64([1, channels, 1, 1]), special_zero=False)
        y = ops.add(y, bias)
    result = as_type(y, ELEMENT_TYPES[out_type])
    if tuple(result.get_partial_shape().to_shape()) != tuple(e.out().shape):
        raise AssertionError(
            f"{e.op.type}: OpenVINO made shape {result.get_partial_shape()}, expected {list(e.out().shape)}")
    return result


@lowering("conv2d", types=FLOATS)
def conv2d(e: OpLowering) -> Any:
    return _convolution(e, transposed=False)


@lowering("conv_transpose2d", types=FLOATS)
def conv_transpose2d(e: OpLowering) -> Any:
    return _convolution(e, transposed=True)
