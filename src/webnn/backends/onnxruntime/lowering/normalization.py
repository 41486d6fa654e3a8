"""ONNX lowerings: normalization ops.

* batch_normalization: (x - mean) * k + bias with k = scale / sqrt(variance + epsilon)
  per feature (folded in NumPy when variance and scale are constants), the parameters
  reshaped to broadcast along ``axis``; a constant mean is added negated (the same values),
  so that ONNX Runtime folds the whole into a preceding Conv.  ONNX BatchNormalization is not used: it
  computes x * k + (bias - mean * k), which cancels where the mean is large (12 ULP off
  in a WPT case that allows 6).
* instance_normalization: ONNX InstanceNormalization (NCHW, the canonical layout the pass
  pipeline gives it).
* layer_normalization: ONNX LayerNormalization where ``axes`` are the trailing
  dimensions in order; otherwise (unsorted, non-trailing or empty axes) the spec's
  formula with ReduceMean, Sub, Mul, Div, Sqrt.
* Absent scale / bias become constants of ones / zeros where ONNX requires them.
* InstanceNormalization has a float32 kernel only, and the decompositions compute in
  float32 too: float16 inputs are cast to float32 and the result rounded once to
  float16, like the reference.  LayerNormalization has a float16 kernel that computes in
  float32 (stash_type 1).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ....ir import Operation
from ..emitter import OpEmitter
from . import lowering
from .canonical import expect_canonical
from .reduce import scalar


def _float32(e: OpEmitter, name: str, *, default: float | None = None,
             size: Sequence[int] = (), perm: Sequence[int] | None = None,
             shape: Sequence[int] | None = None) -> str | None:
    """Input ``name`` as a float32 value, transposed by ``perm`` and reshaped to ``shape``
    (in NumPy when it is a graph constant); an absent input is a constant filled with
    ``default`` of shape ``size`` (None when ``default`` is None)."""
    if e.ref(name) is None:
        if default is None:
            return None
        return e.const(np.full(tuple(shape or size), default, np.float32), "float32")
    array = e.constant_value(name)
    if array is not None and (e.input_desc(name).data_type != "float32" or perm is not None or shape is not None):
        array = np.asarray(array, dtype=np.float32)
        if perm is not None:
            array = np.transpose(array, perm)
        if shape is not None:
            array = array.reshape(shape)
        return e.constant(array, "float32") if array.ndim else scalar(e, float(array), "float32")
    value = e.input(name)
    if e.input_desc(name).data_type != "float32":
        value = e.cast(value, "float32")
    if perm is not None:
        value = e.node("Transpose", [value], perm=list(perm))
    if shape is not None:
        value = e.node("Reshape", [value, e.i64(list(shape))])
    return value


def _result(e: OpEmitter, y: str, data_type: str) -> str:
    return y if data_type == "float32" else e.cast(y, data_type)


@lowering("batch_normalization")
def batch_normalization(e: OpEmitter, op: Operation) -> str:
    desc = e.input_desc("input")
    shape, data_type = list(desc.shape), desc.data_type
    axis, epsilon = op.attrs["axis"], np.float32(op.attrs["epsilon"])
    broadcast = [shape[axis]] + [1] * (len(shape) - axis - 1)
    x = _float32(e, "input")
    mean_array = e.constant_value("mean")
    if mean_array is not None:
        # x + (-mean): the same values as x - mean, in the form (Add, Mul, Add of constants) that
        # ONNX Runtime folds into a preceding Conv, as it does its own BatchNormalization.
        negated = -np.asarray(mean_array, np.float32).reshape(broadcast)
        centered = e.node("Add", [x, e.constant(negated, "float32")])
    else:
        centered = e.node("Sub", [x, _float32(e, "mean", shape=broadcast)])
    variance = e.constant_value("variance")
    scale = e.constant_value("scale")
    if variance is not None and (e.ref("scale") is None or scale is not None):
        numerator = np.float32(1) if scale is None else np.asarray(scale, np.float32)
        k = numerator / np.sqrt(np.asarray(variance, np.float32) + epsilon)
        factor = e.constant(k.reshape(broadcast), "float32")
    else:
        std = e.node("Sqrt", [e.node("Add", [_float32(e, "variance", shape=broadcast),
                                             scalar(e, float(epsilon), "float32")])])
        scale_value = _float32(e, "scale", default=1.0, size=broadcast, shape=broadcast)
        factor = e.node("Div", [scale_value, std])
    y = e.node("Mul", [centered, factor])
    bias = _float32(e, "bias", shape=broadcast)
    if bias is not None:
        y = e.node("Add", [y, bias])
    return _result(e, y, data_type)


@lowering("instance_normalization")
def instance_normalization(e: OpEmitter, op: Operation) -> str:
    expect_canonical(op)
    desc = e.input_desc("input")
    size = [desc.shape[1]]
    x = _float32(e, "input")
    scale = _float32(e, "scale", default=1.0, size=size)
    bias = _float32(e, "bias", default=0.0, size=size)
    y = e.node("InstanceNormalization", [x, scale, bias], epsilon=float(op.attrs["epsilon"]))
    return _result(e, y, desc.data_type)


@lowering("layer_normalization")
def layer_normalization(e: OpEmitter, op: Operation) -> str:
    desc = e.input_desc("input")
    shape, data_type = list(desc.shape), desc.data_type
    axes, epsilon = list(op.attrs["axes"]), float(op.attrs["epsilon"])
    rank = len(shape)
    if axes and axes == list(range(rank - len(axes), rank)):
        # The fused op: scale (required by ONNX) and bias have the shape of the trailing dims.
        scale = e.optional("scale")
        if scale is None:
            scale = e.const(np.ones([shape[a] for a in axes], np.float32), data_type)
        bias = e.optional("bias")
        # (An explicit empty bias input crashes ONNX Runtime 1.32: leave it out.)
        inputs = [e.input("input"), scale] if bias is None else [e.input("input"), scale, bias]
        return e.node("LayerNormalization", inputs, axis=rank - len(axes), epsilon=epsilon, stash_type=1)
    # scale * (x - mean) / sqrt(variance + epsilon) + bias, in float32.
    x = _float32(e, "input")
    if axes:
        axes_value = e.i64(axes)
        mean = e.node("ReduceMean", [x, axes_value], keepdims=1)
        deviation = e.node("Sub", [x, mean])
        variance = e.node("ReduceMean", [e.node("Mul", [deviation, deviation]), axes_value], keepdims=1)
    else:  # the mean of each value alone is the value
        deviation = e.node("Sub", [x, x])
        variance = e.node("Mul", [deviation, deviation])
    y = e.node("Div", [deviation, e.node("Sqrt", [e.node("Add", [variance, scalar(e, epsilon, "float32")])])])
    # scale / bias dimension i is input dimension axes[i]: sort, then broadcast over the input.
    perm = sorted(range(len(axes)), key=lambda i: axes[i])
    broadcast = [shape[a] if a in axes else 1 for a in range(rank)] if axes else None
    order = perm if perm != sorted(perm) else None
    scale = _float32(e, "scale", perm=order, shape=broadcast)
    if scale is not None:
        y = e.node("Mul", [y, scale])
    bias = _float32(e, "bias", perm=order, shape=broadcast)
    if bias is not None:
        y = e.node("Add", [y, bias])
    return _result(e, y, data_type)
