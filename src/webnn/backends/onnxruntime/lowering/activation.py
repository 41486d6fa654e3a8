"""ONNX lowerings: activation ops.

float32 uses the ONNX activation op itself wherever ONNX Runtime's CPU kernel matches the
reference within the WPT tolerances over the whole input range; elsewhere a short
decomposition computes the reference's own formula.  ``relu`` and ``clamp`` pass a value
inside the range through unchanged, so relu(-0) is -0 and clamp(-0, min_value=+0) is -0,
as ONNX Runtime's Relu and Clip do.  float16 (which these kernels lack, bar
Clip / Max) is computed in float32 and rounded once at the end, like the reference.
"""

from __future__ import annotations

import numpy as np

from ....ir import Operation
from ..emitter import STORAGE, OpEmitter
from ..kernels import supports
from . import lowering

_OPSET = 21


def _widen(e: OpEmitter, value: str, data_type: str) -> str:
    """``value`` as float32 when it is float16 (float ops run in float32 here)."""
    return e.cast(value, "float32") if data_type == "float16" else value


def _narrow(e: OpEmitter, value: str, data_type: str) -> str:
    """A float32 result back as ``data_type`` (one rounding for float16)."""
    return e.cast(value, "float16") if data_type == "float16" else value


def _f32(e: OpEmitter, value: float) -> str:
    return e.const(value, "float32")


def _dtype(e: OpEmitter) -> str:
    return e.output_desc().data_type


# --------------------------------------------------------------------------- relu


@lowering("relu")
def relu(e: OpEmitter, op: Operation) -> str:
    dtype = _dtype(e)
    x = e.input("input")
    if supports(_OPSET, "Relu", STORAGE[dtype]):
        return e.node("Relu", [x])  # keeps -0 and NaN, as clamp(x, min_value=0) does
    if dtype == "float16":
        # Clip keeps -0 (Max(-0, +0) would return either zero) and NaN, in float16 itself.
        return e.node("Clip", [x, e.const(0, "float16"), e.const(np.inf, "float16")])
    # int64: max(x, 0) is exact in the type itself.
    return e.compute("Max", [x, e.const(0, STORAGE[dtype])], dtype)


# --------------------------------------------------------------------------- no options


@lowering("sigmoid")
def sigmoid(e: OpEmitter, op: Operation) -> str:
    dtype = _dtype(e)
    x = e.input("input")
    if dtype == "float16":
        # Sigmoid's float32 kernel loses relative accuracy only below float16's range.
        return e.compute("Sigmoid", [x], dtype)
    # ONNX Runtime's float32 Sigmoid is an approximation whose relative error passes the WPT
    # tolerance below x = -4 and grows without bound (half the value at x = -16, 0 from -18
    # on).  With t = exp(-|x|), which never overflows: 1 / (1 + t) for x >= 0 and t / (1 + t)
    # below, accurate to a few ULP everywhere, the subnormal results below x = -87.3 included
    # (1 / (1 + exp(-x)) gives 0 from x = -88.7 on).
    t = e.node("Exp", [e.node("Neg", [e.node("Abs", [x])])])
    denominator = e.node("Add", [t, _f32(e, 1.0)])
    negative = e.node("Less", [x, _f32(e, 0.0)])
    return e.node("Where", [negative, e.node("Div", [t, denominator]), e.node("Reciprocal", [denominator])])


@lowering("tanh")
def tanh(e: OpEmitter, op: Operation) -> str:
    return e.compute("Tanh", [e.input("input")], _dtype(e))


@lowering("softplus")
def softplus(e: OpEmitter, op: Operation) -> str:
    # ln(1 + exp(x)) without overflow (+inf -> +inf, -inf -> 0), like the reference.
    return e.compute("Softplus", [e.input("input")], _dtype(e))


@lowering("softsign")
def softsign(e: OpEmitter, op: Operation) -> str:
    dtype = _dtype(e)
    x = _widen(e, e.input("input"), dtype)
    # Softsign(+-inf) is NaN in ONNX Runtime (and slightly above 1 near the float32 maximum);
    # the reference gives the limit +-1, which is already the rounded result from 2**24 on.
    bound = float(2**24)
    clipped = e.node("Clip", [x, _f32(e, -bound), _f32(e, bound)])
    return _narrow(e, e.node("Softsign", [clipped]), dtype)


@lowering("gelu")
def gelu(e: OpEmitter, op: Operation) -> str:
    # The exact erf form (not the tanh approximation).
    return e.compute("Gelu", [e.input("input")], _dtype(e), approximate="none")


@lowering("hard_swish")
def hard_swish(e: OpEmitter, op: Operation) -> str:
    dtype = _dtype(e)
    x = _widen(e, e.input("input"), dtype)
    # x * max(0, min(6, x + 3)) / 6 step by step, as the reference rounds it.  ONNX's
    # HardSwish (x * HardSigmoid(x) with alpha 1/6) cancels catastrophically near x = -3.
    gate = e.node("Clip", [e.node("Add", [x, _f32(e, 3.0)]), _f32(e, 0.0), _f32(e, 6.0)])
    y = e.node("Div", [e.node("Mul", [x, gate]), _f32(e, 6.0)])
    return _narrow(e, y, dtype)


# --------------------------------------------------------------------------- scalar options


@lowering("elu")
def elu(e: OpEmitter, op: Operation) -> str:
    dtype = _dtype(e)
    alpha = float(op.attrs["alpha"])
    x = e.input("input")
    if dtype == "float16":
        # Elu's float32 kernel is accurate to well within float16's precision.
        return e.compute("Elu", [x], dtype, alpha=alpha)
    # ONNX Runtime's Elu computes alpha * (exp(x) - 1), which cancels for small negative x
    # (1e-4 relative error at x = -0.001, wholly lost below |x| = 3e-8); the reference has
    # expm1.  expm1(x) = 2t / (1 - t) with t = tanh(x / 2) keeps full relative precision:
    # max(0, x) + alpha * expm1(min(0, x)).
    half = e.node("Mul", [e.node("Min", [x, _f32(e, 0.0)]), _f32(e, 0.5)])
    t = e.node("Tanh", [half])
    expm1 = e.node("Div", [e.node("Mul", [t, _f32(e, 2.0 * alpha)]), e.node("Sub", [_f32(e, 1.0), t])])
    return e.node("Add", [e.node("Relu", [x]), expm1])


@lowering("leaky_relu")
def leaky_relu(e: OpEmitter, op: Operation) -> str:
    return e.compute("LeakyRelu", [e.input("input")], _dtype(e), alpha=float(op.attrs["alpha"]))


@lowering("hard_sigmoid")
def hard_sigmoid(e: OpEmitter, op: Operation) -> str:
    return e.compute(
        "HardSigmoid", [e.input("input")], _dtype(e),
        alpha=float(op.attrs["alpha"]), beta=float(op.attrs["beta"]),
    )


@lowering("linear")
def linear(e: OpEmitter, op: Operation) -> str:
    dtype = _dtype(e)
    alpha, beta = float(op.attrs["alpha"]), float(op.attrs["beta"])
    x = _widen(e, e.input("input"), dtype)
    y = x if alpha == 1.0 else e.node("Mul", [x, _f32(e, alpha)])
    y = e.node("Add", [y, _f32(e, beta)])
    return _narrow(e, y, dtype)


# --------------------------------------------------------------------------- prelu, clamp, softmax


@lowering("prelu")
def prelu(e: OpEmitter, op: Operation) -> str:
    dtype = _dtype(e)
    x, slope = e.input("input"), e.input("slope")
    out_shape = tuple(e.output_desc().shape)
    if dtype in ("float32", "float16"):
        x, slope = _widen(e, x, dtype), _widen(e, slope, dtype)
        if tuple(e.input_desc("input").shape) != out_shape:
            # ONNX PRelu broadcasts the slope to the input only; WebNN broadcasts both ways.
            x = e.node("Expand", [x, e.i64(list(out_shape))])
        return _narrow(e, e.node("PRelu", [x, slope]), dtype)
    # Integers: where(x < 0, slope * x, x) with wrapping multiplication.
    storage = STORAGE[dtype]
    negative = e.node("Less", [x, e.const(0, storage)])
    product = e.compute("Mul", [slope, x], dtype)
    return e.compute("Where", [negative, product, x], dtype, typed=(1, 2))


def _type_limits(storage: str) -> tuple[float | int, float | int]:
    if storage.startswith("float"):
        return -np.inf, np.inf
    info = np.iinfo(storage)
    return int(info.min), int(info.max)


@lowering("clamp")
def clamp(e: OpEmitter, op: Operation) -> str:
    dtype = _dtype(e)
    storage = STORAGE[dtype]
    low, high = op.attrs["min_value"], op.attrs["max_value"]
    lowest, highest = _type_limits(storage)
    x = e.input("input")
    if low <= lowest and high >= highest:
        return e.node("Identity", [x])
    if storage.startswith("float"):
        # An absent float bound is +-FLT_MAX in ONNX Runtime's Clip, which would clamp the
        # infinities: give both.
        return e.node("Clip", [x, e.const(low, storage), e.const(high, storage)])
    # An integer bound at the type's limit (the +-inf defaults) clamps nothing: leave it out.
    bounds = [None if low <= lowest else e.const(low, storage),
              None if high >= highest else e.const(high, storage)]
    return e.compute("Clip", [x, *bounds], dtype)


@lowering("softmax")
def softmax(e: OpEmitter, op: Operation) -> str:
    return e.compute("Softmax", [e.input("input")], _dtype(e), axis=int(op.attrs["axis"]))
