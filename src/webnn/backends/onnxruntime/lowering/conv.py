"""ONNX lowerings: conv2d and conv_transpose2d as Conv / ConvTranspose.

The pass pipeline gives every convolution NCHW inputs and filters in ONNX's own layouts
([O, I / groups, kh, kw] for Conv, [I, O / groups, kh, kw] for ConvTranspose, which are
WebNN's 'oihw' and 'iohw'), so a float32 convolution is a single node.  ONNX Runtime's CPU
kernels are float32 only, so float16 computes in float32 (constants converted here) and is
rounded once at the end, like the reference.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ....ir import Operation
from ..emitter import OpEmitter
from . import lowering
from .canonical import expect_canonical, onnx_pads, spatial_padding

#: Type each WebNN float type computes in.
COMPUTE_TYPES = {"float32": "float32", "float16": "float32"}


def operand_as(e: OpEmitter, name: str, data_type: str) -> str | None:
    """The op's input ``name`` as ONNX data type ``data_type`` (None when absent).

    A graph constant is converted in NumPy here into a new initializer (the emitter drops the
    original if nothing else reads it); another value gets a Cast node where needed.
    """
    ref = e.ref(name)
    if ref is None:
        return None
    value = e.value(ref)
    if e.desc(ref).data_type == data_type:
        return value
    array = e.graph.constants.get(ref)
    if array is not None:
        return e.constant(np.asarray(array, dtype=np.dtype(data_type)), data_type)
    return e.cast(value, data_type)


def _required(value: str | None) -> str:
    assert value is not None
    return value


def _convolution(e: OpEmitter, op: Operation, onnx_type: str, **extra: Any) -> str:
    expect_canonical(op)
    attrs = op.attrs
    data_type = e.output_desc().data_type
    compute_type = COMPUTE_TYPES[data_type]
    x = _required(operand_as(e, "input", compute_type))
    w = _required(operand_as(e, "filter", compute_type))
    b = operand_as(e, "bias", compute_type)
    y = e.node(
        onnx_type,
        [x, w] if b is None else [x, w, b],
        kernel_shape=list(e.input_desc("filter").shape[2:]),
        pads=onnx_pads(*spatial_padding(attrs)),
        strides=list(attrs["strides"]),
        dilations=list(attrs["dilations"]),
        group=int(attrs["groups"]),
        **extra,
    )
    return y if compute_type == data_type else e.cast(y, data_type)


@lowering("conv2d")
def conv2d(e: OpEmitter, op: Operation) -> str:
    return _convolution(e, op, "Conv")


@lowering("conv_transpose2d")
def conv_transpose2d(e: OpEmitter, op: Operation) -> str:
    # Explicit pads plus the effective output padding give exactly the normalized output_sizes:
    # (in - 1) * stride + (k - 1) * dilation + 1 - pads + output_padding.  The filter's "i" axis
    # is the input channels: WebNN 'iohw' is ONNX's [C, M / groups, kh, kw].
    return _convolution(e, op, "ConvTranspose", output_padding=list(op.attrs["output_padding"]))
