"""ONNX lowerings: conv2d and conv_transpose2d as Conv / ConvTranspose.

ONNX convolutions take NCHW inputs and filters in one layout ([O, I / groups, kh, kw] for Conv,
[I, O / groups, kh, kw] for ConvTranspose, which are WebNN's 'oihw' and 'iohw').  Other input
layouts get a Transpose before and after; other filter layouts are permuted in NumPy at
lowering time when the filter is a graph constant (a Transpose node otherwise).  ONNX Runtime's
CPU kernels are float32 only, so float16 computes in float32 (constants converted here) and is
rounded once at the end, like the reference.  The float32 NCHW / OIHW path is a single node.
"""

from __future__ import annotations

import numpy as np

from ....ir import Operation
from ..emitter import Emitter
from . import lowering

#: Permutations of a 4-D tensor between NHWC and NCHW.
TO_NCHW = (0, 3, 1, 2)
TO_NHWC = (0, 2, 3, 1)
#: Type each WebNN float type computes in.
COMPUTE_TYPES = {"float32": "float32", "float16": "float32"}


def operand_as(e: Emitter, name: str, data_type: str, perm: tuple[int, ...] | None = None) -> str | None:
    """The op's input ``name`` as ONNX data type ``data_type``, permuted by ``perm``.

    A graph constant is converted (and permuted) in NumPy here into a new initializer (the
    emitter drops the original if nothing else reads it).  Other values get Cast / Transpose
    nodes, only where they change something.
    """
    assert e.op is not None
    ref = e.op.inputs[name]
    if ref is None:
        return None
    assert isinstance(ref, int)
    desc = e.desc(ref)
    identity = perm is None or tuple(perm) == tuple(range(len(perm)))
    same_type = desc.data_type == data_type
    if identity and same_type:
        return e.value(ref)
    value = e.value(ref)
    array = e.graph.constants.get(ref)
    if array is not None:
        array = np.asarray(array)
        if not identity:
            array = array.transpose(perm)
        return e.constant(np.ascontiguousarray(array, dtype=np.dtype(data_type)), data_type)
    if not same_type:
        value = e.cast(value, data_type)
    if not identity:
        value = e.node("Transpose", [value], perm=list(perm))  # type: ignore[arg-type]
    return value


def _onnx_pads(padding: tuple[int, int, int, int]) -> list[int]:
    """WebNN [top, bottom, left, right] as ONNX [top, left, bottom, right]."""
    return [padding[0], padding[2], padding[1], padding[3]]


def _convolution(e: Emitter, op: Operation, onnx_type: str, filter_axes: str, **extra: object) -> str:
    attrs = op.attrs
    data_type = e.output_desc().data_type
    compute_type = COMPUTE_TYPES[data_type]
    nhwc = attrs["input_layout"] == "nhwc"
    filter_layout = attrs["filter_layout"]
    filter_perm = tuple(filter_layout.index(axis) for axis in filter_axes)

    x = operand_as(e, "input", compute_type)
    if nhwc:
        x = e.node("Transpose", [x], perm=list(TO_NCHW))
    w = operand_as(e, "filter", compute_type, filter_perm)
    b = operand_as(e, "bias", compute_type)
    filter_shape = e.input_desc("filter").shape
    kernel_shape = [filter_shape[filter_layout.index("h")], filter_shape[filter_layout.index("w")]]
    y = e.node(
        onnx_type,
        [x, w] if b is None else [x, w, b],
        kernel_shape=kernel_shape,
        pads=_onnx_pads(attrs["padding"]),
        strides=list(attrs["strides"]),
        dilations=list(attrs["dilations"]),
        group=int(attrs["groups"]),
        **extra,
    )
    if nhwc:
        y = e.node("Transpose", [y], perm=list(TO_NHWC))
    if compute_type != data_type:
        y = e.cast(y, data_type)
    return y


@lowering("conv2d")
def conv2d(e: Emitter, op: Operation) -> str:
    return _convolution(e, op, "Conv", "oihw")


@lowering("conv_transpose2d")
def conv_transpose2d(e: Emitter, op: Operation) -> str:
    # Explicit pads plus the effective output padding give exactly the normalized output_sizes:
    # (in - 1) * stride + (k - 1) * dilation + 1 - pads + output_padding.  The filter's "i" axis
    # is the input channels: WebNN 'iohw' is ONNX's [C, M / groups, kh, kw].
    return _convolution(e, op, "ConvTranspose", "iohw", output_padding=list(op.attrs["output_padding"]))
