"""ONNX lowerings: element-wise ops.

Where ONNX Runtime's CPU kernels and WebNN agree, an op is one ONNX node (through
``OpEmitter.compute``, which widens types the kernel lacks: float16 runs in float32 and is
rounded once at the end, like the reference).  Elsewhere the lowering keeps WebNN's result:

* integer ``div``: ONNX Runtime fails on a zero divisor and traps on ``INT_MIN / -1``; both
  divisors are replaced by 1 and the quotient multiplied back (``a / 0`` is 0 as in the
  reference, ``INT_MIN / -1`` wraps to ``INT_MIN``);
* integer ``pow``: ONNX Runtime goes through ``double`` (no wrap-around, undefined results when
  out of range), so it is square-and-multiply with wrapping ``Mul``, and the rule for negative
  exponents (1 for a = 1, +-1 for a = -1, 0 otherwise) is applied explicitly;
* float ``add`` / ``sub`` of a constant zero: ONNX Runtime's optimizer removes an Add of 0
  and a Sub of 0 as no-ops, but -0 + 0 is +0 (and -0 - (-0) too); these are Sum nodes, which
  it keeps;
* float ``max`` / ``min`` are IEEE 754-2019 maximum / minimum (NaN propagates, -0 < +0); ONNX
  Runtime's Max / Min propagate NaN but return either zero of a tie, depending on the position
  and the broadcast.  max(a, b) is Sum(Max(a, b), Clip(a, -0, +0), Clip(b, -0, +0)): the clipped
  operands are zeros of their signs, which change no nonzero maximum, and a sum of zeros is -0
  only if all are, as the maximum of operands <= 0 is.  min(a, b) is -max(-a, -b).  That adds
  3 nodes to max and 6 to min (float16 computes in float32: 3 casts more); a constant operand
  without zeros needs none, a constant >= +0 one (max(x, c) is Abs(Max(x, c))), and a -0
  scalar one none (max(x, -0) is Clip(x, -0, +inf)).  (x + 0 would make +0 of a -0, but
  ONNX Runtime's optimizer removes an Add of 0);
* float32 ``sign``: ONNX gives NaN for NaN, WebNN 0;
* ``cast`` from float to an integer type saturates (NaN gives 0) where ONNX is undefined, and
  casts to int4 / uint4 (stored as int8 / uint8) keep the low 4 bits;
* ``where`` on float16 and uint64 (no CPU kernel) selects in float32 / int64, which is exact;
  ONNX Runtime's Where turns a selected -0 of its first value into +0, so a float where whose
  true value may hold -0 swaps the values (on condition == 0, one more comparison) when the
  false value is a constant without -0, and otherwise multiplies the two selections, each with
  1 in place of the other value (one more comparison, Where and Mul; float16 in float32).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .... import dtypes
from ....ir import Operation
from ..emitter import OPSET, PROMOTIONS, STORAGE, OpEmitter
from ..kernels import supports
from . import lowering

# --------------------------------------------------------------------------- helpers


def _scalar(e: OpEmitter, value: object, data_type: str) -> str:
    """A 0-d constant of ``data_type`` (shared between uses in one model)."""
    return e.const(value, STORAGE[data_type])


def _select(e: OpEmitter, condition: str, true_value: str, false_value: str, data_type: str) -> str:
    """``Where`` (bool condition) on WebNN ``data_type`` values, exact for every type: types
    without a CPU kernel select in a type that holds their values (float16 in float32, the
    unsigned ones in the signed type of the same or a greater width, bit for bit)."""
    storage = STORAGE[data_type]
    if supports(OPSET, "Where", storage):
        return e.node("Where", [condition, true_value, false_value])
    wide = "float32" if storage == "float16" else "int64"
    out = e.node("Where", [condition, e.cast(true_value, wide), e.cast(false_value, wide)])
    return e.cast(out, storage)


def _to_bool(e: OpEmitter, value: str) -> str:
    """A WebNN boolean (uint8, nonzero is true) as an ONNX bool."""
    return e.cast(value, "bool")


def _from_bool(e: OpEmitter, value: str) -> str:
    return e.cast(value, "uint8")


# --------------------------------------------------------------------------- binary arithmetic

_BINARY = {"add": "Add", "sub": "Sub", "mul": "Mul"}


@lowering(*_BINARY)
def binary(e: OpEmitter, op: Operation) -> str:
    data_type = e.output_desc().data_type
    a, b = e.input("a"), e.input("b")
    if op.type != "mul" and dtypes.info(data_type).is_float:
        # ONNX Runtime's optimizer removes an Add of a constant 0 and a Sub of a constant 0
        # (when the shapes allow), but x + 0 is +0 for x = -0, as is x - (-0): such sums go
        # through Sum, which it keeps.
        for name, other in (("b", a), ("a", b)) if op.type == "add" else (("b", a),):
            value = e.constant_value(name)
            if value is not None and not value.any():
                zero = value if op.type == "add" else np.negative(value)
                return e.compute("Sum", [other, e.constant(zero, STORAGE[data_type])], data_type)
    return e.compute(_BINARY[op.type], [a, b], data_type)


@lowering("div")
def div(e: OpEmitter, op: Operation) -> str:
    data_type = e.output_desc().data_type
    a, b = e.input("a"), e.input("b")
    if dtypes.info(data_type).is_float:
        return e.compute("Div", [a, b], data_type)
    signed = dtypes.info(data_type).is_signed
    known = e.constant_value("b")
    if known is not None and not (known == 0).any() and not (signed and (known == -1).any()):
        return e.compute("Div", [a, b], data_type)  # no divisor needs care
    storage = STORAGE[data_type]
    # Divisors 0 and -1 become 1 and the quotient is multiplied by the real divisor: a * 0 = 0
    # (the reference's a / 0) and a * -1 wraps (INT_MIN / -1 = INT_MIN), where ONNX Runtime
    # reports an error for 0 and the CPU traps for INT_MIN / -1.
    zero = _scalar(e, 0, storage)
    one = _scalar(e, 1, storage)
    if signed:
        guard = e.node("Or", [e.node("Equal", [b, zero]), e.node("Equal", [b, _scalar(e, -1, storage)])])
        safe = _select(e, guard, one, b, data_type)
        factor = _select(e, guard, b, one, data_type)
    else:
        safe = e.compute("Max", [b, one], data_type)
        factor = e.compute("Min", [b, one], data_type)
    quotient = e.compute("Div", [a, safe], data_type)
    return e.compute("Mul", [quotient, factor], data_type)


@lowering("pow")
def power(e: OpEmitter, op: Operation) -> str:
    data_type = e.output_desc().data_type
    a, b = e.input("a"), e.input("b")
    if dtypes.info(data_type).is_float:
        return e.compute("Pow", [a, b], data_type, constraint="T")
    return _integer_pow(e, a, b, data_type)


def _integer_pow(e: OpEmitter, a: str, b: str, data_type: str) -> str:
    """a ** b by square-and-multiply over the bits of b: Mul wraps as WebNN's integers do."""
    info = dtypes.info(data_type)
    storage = STORAGE[data_type]
    # The work type: the storage type, or int64 for uint64 (no Where kernel), bit for bit.
    work = storage if supports(OPSET, "Where", storage) else "int64"
    if work != storage:
        a, b = e.cast(a, work), e.cast(b, work)
    magnitude_bits = info.bits - 1 if info.is_signed else info.bits
    known = e.constant_value("b")
    may_be_negative = info.is_signed
    if known is not None:
        # Only the bits the constant exponents use (and the negative case only if they have it).
        known = np.asarray(known)
        may_be_negative = info.is_signed and bool((known < 0).any())
        largest = known.max(initial=0, where=known >= 0)
        magnitude_bits = min(magnitude_bits, int(largest).bit_length())
    iterations = max(magnitude_bits, 1)
    zero, one = _scalar(e, 0, work), _scalar(e, 1, work)
    width = np.iinfo(np.dtype(work)).bits
    result = base = None
    for k in range(iterations):
        base = a if k == 0 else e.node("Mul", [base, base])
        mask = 1 << k
        if np.dtype(work).kind == "i" and mask >= 1 << (width - 1):
            mask -= 1 << width  # the sign bit of int64 (uint64 exponents)
        clear = e.node("Equal", [e.node("BitwiseAnd", [b, _scalar(e, mask, work)]), zero])
        factor = e.node("Where", [clear, one, base])
        result = factor if result is None else e.node("Mul", [result, factor])
    assert result is not None
    if may_be_negative:
        # A negative exponent: 1 / a ** -b truncated.  For a = +-1 the loop's result already is
        # a ** b (only the parity of b matters, and it is bit 0); anything else gives 0.
        unit = e.node("Equal", [e.node("Abs", [a]), one])
        vanish = e.node("And", [e.node("Less", [b, zero]), e.node("Not", [unit])])
        result = e.node("Where", [vanish, zero, result])
    return result if work == storage else e.cast(result, storage)


# --------------------------------------------------------------------------- max, min


@lowering("max", "min")
def max_min(e: OpEmitter, op: Operation) -> str:
    data_type = e.output_desc().data_type
    a, b = e.input("a"), e.input("b")
    if not dtypes.info(data_type).is_float:
        return e.compute("Max" if op.type == "max" else "Min", [a, b], data_type)
    known = [e.constant_value("a"), e.constant_value("b")]
    if any(value is not None and not (value == 0).any() for value in known):
        # Ties are between equal nonzero values, which have the same bits.
        return e.compute("Max" if op.type == "max" else "Min", [a, b], data_type)
    # float16 computes in float32 (exact: the result is an operand or a zero).
    x, y = (_Operand(e.input(name), e.input_desc(name).data_type, value, tuple(e.input_desc(name).shape)).widened(e)
            for name, value in zip(("a", "b"), known))
    if op.type == "max":
        result = _maximum(e, x, y, e.output_desc().shape)
    else:  # min(a, b) = -max(-a, -b), exactly
        result = e.node("Neg", [_maximum(e, x.negated(e), y.negated(e), e.output_desc().shape)])
    return e.cast(result, "float16") if data_type == "float16" else result


class _Operand(NamedTuple):
    """A float operand of max / min: its ONNX value, WebNN data type, constant value and shape."""

    value: str
    data_type: str
    constant: np.ndarray | None
    shape: tuple[int, ...]

    def widened(self, e: OpEmitter) -> _Operand:
        if self.data_type != "float16":
            return self
        if self.constant is not None:
            v = self.constant.astype(np.float32)
            return _Operand(e.constant(v, "float32"), "float32", v, self.shape)
        return _Operand(e.cast(self.value, "float32"), "float32", None, self.shape)

    def negated(self, e: OpEmitter) -> _Operand:
        if self.constant is not None:
            v = np.negative(self.constant)
            return _Operand(e.constant(v, "float32"), "float32", v, self.shape)
        return _Operand(e.node("Neg", [self.value]), "float32", None, self.shape)

    def zero_of_sign(self, e: OpEmitter) -> str:
        """Clip(x, -0, +0): the zero of x's sign (x itself for NaN)."""
        if self.constant is not None:
            v = self.constant
            return e.constant(np.where(np.isnan(v), v, np.copysign(np.float32(0), v)).astype(np.float32), "float32")
        return e.node("Clip", [self.value, _scalar(e, -0.0, "float32"), _scalar(e, 0.0, "float32")])


def _maximum(e: OpEmitter, a: _Operand, b: _Operand, shape: tuple[int, ...]) -> str:
    """IEEE 754-2019 maximum of float32 operands (see the module docstring)."""
    for x, c in ((a, b), (b, a)):
        if c.constant is None:
            continue
        if not np.signbit(c.constant).any():
            # c >= +0: so is the maximum, and Abs makes +0 of a -0 (x + 0 would do too, but
            # ONNX Runtime removes an Add of 0).
            return e.node("Abs", [e.node("Max", [x.value, c.value])])
        if c.constant.size == 1 and x.shape == tuple(shape) and c.constant.reshape(()) == 0:
            # max(x, -0) = Clip(x, -0, +inf): Clip keeps an equal zero as it is.
            return e.node("Clip", [x.value, _scalar(e, -0.0, "float32"), _scalar(e, np.inf, "float32")])
    return e.node("Sum", [e.node("Max", [a.value, b.value]), a.zero_of_sign(e), b.zero_of_sign(e)])


# --------------------------------------------------------------------------- comparisons, logical ops

_COMPARISONS = {
    "equal": "Equal", "greater": "Greater", "greater_or_equal": "GreaterOrEqual",
    "lesser": "Less", "lesser_or_equal": "LessOrEqual",
}


def _compare(e: OpEmitter, op_type: str, a: str, b: str, data_type: str) -> str:
    """A comparison node (bool result) on WebNN ``data_type`` values, widened (exactly) where
    the CPU kernel lacks the type (float16)."""
    storage = STORAGE[data_type]
    if not supports(OPSET, op_type, storage):
        wide = next(t for t in PROMOTIONS[data_type] if supports(OPSET, op_type, t))
        a, b = e.cast(a, wide), e.cast(b, wide)
    return e.node(op_type, [a, b])


@lowering(*_COMPARISONS)
def comparison(e: OpEmitter, op: Operation) -> str:
    data_type = e.input_desc("a").data_type
    return _from_bool(e, _compare(e, _COMPARISONS[op.type], e.input("a"), e.input("b"), data_type))


@lowering("not_equal")
def not_equal(e: OpEmitter, op: Operation) -> str:
    data_type = e.input_desc("a").data_type
    equal = _compare(e, "Equal", e.input("a"), e.input("b"), data_type)
    return _from_bool(e, e.node("Not", [equal]))


_LOGICAL = {"logical_and": "And", "logical_or": "Or", "logical_xor": "Xor"}


@lowering(*_LOGICAL)
def logical(e: OpEmitter, op: Operation) -> str:
    out = e.node(_LOGICAL[op.type], [_to_bool(e, e.input("a")), _to_bool(e, e.input("b"))])
    return _from_bool(e, out)


@lowering("logical_not")
def logical_not(e: OpEmitter, op: Operation) -> str:
    return _from_bool(e, e.node("Equal", [e.input("a"), _scalar(e, 0, "uint8")]))


@lowering("is_nan")
def is_nan(e: OpEmitter, op: Operation) -> str:
    return e.compute("IsNaN", [e.input("a")], e.input_desc("a").data_type, result_type="uint8", constraint="T1")


@lowering("is_infinite")
def is_infinite(e: OpEmitter, op: Operation) -> str:
    return e.compute("IsInf", [e.input("a")], e.input_desc("a").data_type, result_type="uint8", constraint="T1")


# --------------------------------------------------------------------------- unary ops

_UNARY = {
    "abs": "Abs", "neg": "Neg", "ceil": "Ceil", "floor": "Floor", "round_even": "Round",
    "cos": "Cos", "sin": "Sin", "tan": "Tan", "erf": "Erf", "exp": "Exp", "log": "Log",
    "sqrt": "Sqrt", "reciprocal": "Reciprocal",
}


@lowering(*_UNARY)
def unary(e: OpEmitter, op: Operation) -> str:
    return e.compute(_UNARY[op.type], [e.input("input")], e.output_desc().data_type)


@lowering("sign")
def sign(e: OpEmitter, op: Operation) -> str:
    data_type = e.output_desc().data_type
    x = e.input("input")
    out = e.compute("Sign", [x], data_type)
    if data_type == "float32":  # ONNX's Sign(NaN) is NaN; WebNN's is 0
        out = e.node("Where", [e.node("IsNaN", [x]), _scalar(e, 0, "float32"), out])
    return out


@lowering("identity")
def identity(e: OpEmitter, op: Operation) -> str:
    return e.input("input")  # an output that is a graph input gets its Identity node at finish()


# --------------------------------------------------------------------------- cast


@lowering("cast")
def cast(e: OpEmitter, op: Operation) -> str:
    source, target = e.input_desc("input").data_type, e.output_desc().data_type
    x = e.input("input")
    if source == target:
        return x
    source_info, target_info = dtypes.info(source), dtypes.info(target)
    if target_info.is_float:
        # Nearest value, +-Infinity out of range (int4 / uint4 sources are their int8 / uint8
        # storage values).  Integers reach float16 through float32 without double rounding:
        # an integer that float32 rounds is beyond float16's range.
        return e.cast(x, target)
    if source_info.is_float:
        return _float_to_integer(e, x, source, target)
    return _integer_to_integer(e, x, source, target)


def _float_to_integer(e: OpEmitter, x: str, source: str, target: str) -> str:
    """Truncation toward zero, saturating out of range, NaN to 0 (ONNX leaves these undefined)."""
    info = dtypes.info(target)
    storage = STORAGE[target]
    if source != "float32":
        x = e.cast(x, "float32")  # exact
    x = e.node("Where", [e.node("IsNaN", [x]), _scalar(e, 0, "float32"), x])
    low = np.float32(info.min)  # 0 or a power of two: exact
    high = np.float32(info.max)
    if float(high) > info.max:  # rounded up: take the float32 below it
        high = np.nextafter(high, np.float32(-np.inf))
    clipped = e.node("Clip", [x, _scalar(e, low, "float32"), _scalar(e, high, "float32")])
    out = e.cast(clipped, storage)
    if int(high) < info.max:
        # Values above the largest float32 that fits saturate to the maximum.
        above = e.node("Greater", [x, _scalar(e, high, "float32")])
        if supports(OPSET, "Where", storage):
            out = e.node("Where", [above, _scalar(e, info.max, storage), out])
        else:
            step = e.node("Mul", [e.cast(above, storage), _scalar(e, info.max - int(high), storage)])
            out = e.node("Add", [out, step])
    return out


def _integer_to_integer(e: OpEmitter, x: str, source: str, target: str) -> str:
    """The low bits of the two's complement value, read as the target type."""
    storage, source_storage = STORAGE[target], STORAGE[source]
    if target == "uint4":
        if source_storage != "uint8":
            x = e.cast(x, "uint8")
        return e.node("BitwiseAnd", [x, _scalar(e, 15, "uint8")])
    if target == "int4":
        if source_storage != "int8":
            x = e.cast(x, "int8")
        # ((x + 8) mod 16) - 8 in int8 (wrapping): sign-extends the low 4 bits.
        low = e.node("BitwiseAnd", [e.node("Add", [x, _scalar(e, 8, "int8")]), _scalar(e, 15, "int8")])
        return e.node("Sub", [low, _scalar(e, 8, "int8")])
    if source_storage == storage:
        return x  # e.g. int4 -> int8: the stored values are the values
    return e.cast(x, storage)


# --------------------------------------------------------------------------- where


def _may_hold_negative_zero(value: np.ndarray | None) -> bool:
    """Whether a value (None: not a constant) may hold -0."""
    return value is None or bool((np.signbit(value) & (value == 0)).any())


@lowering("where")
def where(e: OpEmitter, op: Operation) -> str:
    data_type = e.output_desc().data_type
    true_value, false_value = e.input("true_value"), e.input("false_value")
    if not dtypes.info(data_type).is_float or not _may_hold_negative_zero(e.constant_value("true_value")):
        return _select(e, _to_bool(e, e.input("condition")), true_value, false_value, data_type)
    # ONNX Runtime's Where returns +0 where it selects a -0 of its first value (it merges
    # the two selections with "x != 0 ? x : y"); the second value is exact.  The inverse
    # condition is condition == 0: ONNX Runtime rewrites Where(Not(c), x, y) as Where(c, y, x).
    inverse = e.node("Equal", [e.input("condition"), _scalar(e, 0, "uint8")])
    if not _may_hold_negative_zero(e.constant_value("false_value")):
        return _select(e, inverse, false_value, true_value, data_type)
    # Both may: each selection takes the other side's place as 1 (so first values are
    # nonzero), and the product of the two is exact.
    if data_type == "float16":
        true_value, false_value = e.cast(true_value, "float32"), e.cast(false_value, "float32")
    one = _scalar(e, 1, "float32")
    condition = _to_bool(e, e.input("condition"))
    product = e.node("Mul", [e.node("Where", [inverse, one, true_value]), e.node("Where", [condition, one, false_value])])
    return e.cast(product, "float16") if data_type == "float16" else product
