"""ONNX lowerings: quantization ops (quantize_linear, dequantize_linear).

WebNN's scale / zero point have the input's rank and broadcast *blockwise*.
The input is viewed with each axis ``n`` split into ``(s, n // s)`` (``s`` the
scale's dimension), dimensions of one are dropped and neighbouring dimensions of
the same kind merged: "F" dimensions (the scale varies along them) and "B"
dimensions (the scale is repeated along them).  That view (a Reshape, no copy)
maps the common layouts onto ONNX's forms:

* no F dimension: per-tensor (scalar scale);
* one F dimension: per-axis (1-D scale) along it, whatever surrounds it;
* ``F B F``: ONNX's blocked form, blocked along the first two merged;
* anything else: element-wise arithmetic on the view, where the scale and zero
  point broadcast (never materialized), as the reference kernel does.

ONNX QuantizeLinear / DequantizeLinear compute exactly the WebNN formulas for
float32 / float16 with 8-bit (and 4-bit, stored in 8 bits) integers, except that
a NaN quotient gives the lowest value of a signed type (WebNN: 0), which a Where
corrects.  int4 / uint4 outputs are the int8 / uint8 results clipped to the 4-bit
range (saturating twice is saturating once to the narrower range).  ONNX Runtime
has no uint32 kernels and int32 ones without zero points, so 32-bit types use the
element-wise arithmetic, in float64 where float32 is not exact.
"""

from __future__ import annotations

import numpy as np

from .... import dtypes
from ....ir import Operation
from ..emitter import OpEmitter
from . import lowering

#: An ONNX quantization op's form: its input shape, its scale shape and its attributes.
_Form = tuple[list[int], list[int], dict[str, int]]
#: WebNN types the ONNX Runtime Quantize/DequantizeLinear kernels compute as such (as stored).
_ONNX_QUANTIZED = ("int8", "uint8", "int4", "uint4")


class _View:
    """The merged blockwise view of an input shape for a scale / zero point shape."""

    def __init__(self, input_shape: tuple[int, ...], param_shape: tuple[int, ...]) -> None:
        parts: list[list] = []  # [size, kind]
        for s, n in zip(param_shape, input_shape):
            for size, kind in ((s, "F"), (n // s, "B")):
                if size == 1:
                    continue
                if parts and parts[-1][1] == kind:
                    parts[-1][0] *= size
                else:
                    parts.append([size, kind])
        self.input_shape = input_shape
        self.shape = [size for size, _ in parts]
        self.kinds = "".join(kind for _, kind in parts)
        self.param_shape = [size if kind == "F" else 1 for size, kind in parts]


def _reshape(e: OpEmitter, value: str, shape: list[int] | tuple[int, ...], current: tuple[int, ...]) -> str:
    if tuple(shape) == tuple(current):
        return value
    return e.node("Reshape", [value, e.i64(list(shape))])


def _param_value(e: OpEmitter, name: str, shape: list[int], data_type: str | None = None) -> str:
    """Input ``name`` reshaped to ``shape`` (and cast to ``data_type``); constants are done in NumPy."""
    desc = e.input_desc(name)
    array = e.constant_value(name)
    if array is not None:
        array = np.asarray(array).reshape(shape)
        return e.constant(array if data_type is None else array.astype(_numpy(data_type)),
                          data_type or _storage(desc.data_type))
    value = _reshape(e, e.input(name), shape, desc.shape)
    return value if data_type is None else e.cast(value, data_type)


def _scalar(e: OpEmitter, value: float | int, data_type: str) -> str:
    """A rank-0 constant (so that it broadcasts with a rank-0 input without adding a dimension)."""
    return e.const(value, data_type)


def _storage(data_type: str) -> str:
    return {"int4": "int8", "uint4": "uint8"}.get(data_type, data_type)


def _numpy(data_type: str) -> np.dtype:
    return np.dtype(np.float32 if data_type == "float32" else data_type)


def _onnx_form(view: _View) -> _Form | None:
    """(ONNX input shape, ONNX scale shape, attributes) when an ONNX quantization op fits."""
    kinds = view.kinds
    if "F" not in kinds:
        return list(view.input_shape), [], {}
    if kinds.count("F") == 1:
        axis = kinds.index("F")
        return view.shape, [view.shape[axis]], {"axis": axis}
    if kinds == "FBF":
        f0, block, f1 = view.shape
        return [f0 * block, f1], [f0, f1], {"axis": 0, "block_size": block}
    return None


def _is_constant(e: OpEmitter, name: str) -> bool:
    return e.constant_value(name) is not None


def _onnx_node(e: OpEmitter, op_type: str, x: str, form: _Form) -> str:
    """ONNX QuantizeLinear / DequantizeLinear of ``x`` in its ONNX ``form`` (input shape, scale
    shape, attributes), reshaped from and back to the input's shape."""
    shape = e.input_desc("input").shape
    onnx_shape, scale_shape, attrs = form
    scale = _param_value(e, "scale", scale_shape)
    zero_point = _param_value(e, "zero_point", scale_shape)
    y = e.node(op_type, [_reshape(e, x, onnx_shape, shape), scale, zero_point], **attrs)
    return _reshape(e, y, shape, tuple(onnx_shape))


@lowering("quantize_linear")
def quantize_linear(e: OpEmitter, op: Operation) -> str:
    x_desc = e.input_desc("input")
    out_type = e.output_desc().data_type
    view = _View(x_desc.shape, e.input_desc("scale").shape)
    info = dtypes.info(out_type)
    form = _onnx_form(view) if out_type in _ONNX_QUANTIZED else None
    if form is None:
        return _quantize_arithmetic(e, view, out_type)
    x = e.input("input")
    y = _onnx_node(e, "QuantizeLinear", x, form)
    if info.is_signed:
        # ONNX Runtime turns a NaN quotient into the lowest value; WebNN gives 0.
        if _is_constant(e, "scale"):  # finite and nonzero: the quotient is NaN where x is
            nan = e.node("IsNaN", [x])
        else:
            xv = _reshape(e, x, view.shape, x_desc.shape)
            scale_view = _param_value(e, "scale", view.param_shape)
            if x_desc.data_type == "float16":  # no float16 Div kernel; NaN-ness is what matters
                xv, scale_view = e.cast(xv, "float32"), e.cast(scale_view, "float32")
            quotient = e.node("Div", [xv, scale_view])
            nan = _reshape(e, e.node("IsNaN", [quotient]), x_desc.shape, tuple(view.shape))
        y = e.node("Where", [nan, _scalar(e, 0, _storage(out_type)), y])
    if info.bits == 4:
        y = e.node("Clip", [y, _scalar(e, int(info.min), _storage(out_type)), _scalar(e, int(info.max), _storage(out_type))])
    return y


def _quantize_arithmetic(e: OpEmitter, view: _View, out_type: str) -> str:
    """saturate(roundHalfToEven(x / scale) + zero_point) on the broadcasting view."""
    x_desc = e.input_desc("input")
    info = dtypes.info(out_type)
    x = _reshape(e, e.input("input"), view.shape, x_desc.shape)
    if x_desc.data_type != "float32":
        x = e.cast(x, "float32")
    scale = _param_value(e, "scale", view.param_shape, "float32")
    quotient = e.node("Div", [x, scale])
    rounded = e.node("Round", [quotient])
    # 8 / 4-bit: the float32 sum is exact wherever it does not saturate anyway.
    wide = "float32" if info.bits <= 8 else "float64"
    if wide != "float32":
        rounded = e.cast(rounded, wide)
    total = e.node("Add", [rounded, _param_value(e, "zero_point", view.param_shape, wide)])
    total = e.node("Clip", [total, _scalar(e, float(info.min), wide), _scalar(e, float(info.max), wide)])
    total = e.node("Where", [e.node("IsNaN", [quotient]), _scalar(e, 0.0, wide), total])
    y = e.cast(total, _storage(out_type))
    return _reshape(e, y, x_desc.shape, tuple(view.shape))


@lowering("dequantize_linear")
def dequantize_linear(e: OpEmitter, op: Operation) -> str:
    x_desc = e.input_desc("input")
    out_type = e.output_desc().data_type
    view = _View(x_desc.shape, e.input_desc("scale").shape)
    form = _onnx_form(view) if x_desc.data_type in _ONNX_QUANTIZED else None
    if form is None:
        return _dequantize_arithmetic(e, view, out_type)
    # int4 / uint4 values are their int8 / uint8 storage: (x - zero_point) * scale is the same.
    return _onnx_node(e, "DequantizeLinear", e.input("input"), form)


def _dequantize_arithmetic(e: OpEmitter, view: _View, out_type: str) -> str:
    """(x - zero_point) * scale on the broadcasting view, exact until the product's rounding."""
    x_desc = e.input_desc("input")
    # Differences of 8-bit values and their products by a float16 scale are exact in float32, and
    # by a float32 scale rounded once.  32-bit differences are exact in float64, and so are their
    # products by a float16 scale (then rounded once to float16 below); by a float32 scale the
    # float64 product is rounded to float32, as the reference does.
    wide = "float32" if dtypes.info(x_desc.data_type).bits <= 8 else "float64"
    x = e.cast(_reshape(e, e.input("input"), view.shape, x_desc.shape), wide)
    difference = e.node("Sub", [x, _param_value(e, "zero_point", view.param_shape, wide)])
    product = e.node("Mul", [difference, _param_value(e, "scale", view.param_shape, wide)])
    if wide == "float64" and out_type == "float16":
        y = _float64_to_float16(e, product)
    else:
        y = e.cast(product, out_type)
    return _reshape(e, y, x_desc.shape, tuple(view.shape))


def _float64_to_float16(e: OpEmitter, p: str) -> str:
    """float64 -> float16 rounded once (ONNX Runtime's Cast rounds twice, through float32).

    Rounding through float32 (f) errs only where f is the midpoint of two float16 values
    r1 (what f rounds to) and r2 = 2 f - r1 while p is not: then the float16 nearer to p is
    the answer.  r2 is a float16 value exactly when f is such a midpoint (r1 is the nearest
    float16 to f).  Infinities count as 65536 here, so that 65520 is the midpoint of 65504
    and infinity.
    """
    f = e.cast(p, "float32")
    r1 = e.cast(f, "float16")
    f64 = e.cast(f, "float64")
    r1_64 = e.node("Clip", [e.cast(r1, "float64"), _scalar(e, -65536.0, "float64"), _scalar(e, 65536.0, "float64")])
    r2_64 = e.node("Sub", [e.node("Add", [f64, f64]), r1_64])
    r2 = e.cast(r2_64, "float16")
    is_float16 = e.node("Equal", [e.cast(r2, "float64"), r2_64])
    nearer = e.node("Less", [e.node("Abs", [e.node("Sub", [p, r2_64])]), e.node("Abs", [e.node("Sub", [p, r1_64])])])
    return e.node("Where", [e.node("And", [is_float16, nearer]), r2, r1])

