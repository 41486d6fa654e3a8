"""Element-wise ONNX ops: arithmetic, comparisons, logic, unary math, Where, Cast."""

from __future__ import annotations

import numpy as np

from ....backends.reference.special import erf as _erf
from .. import types as T
from ..core import Node, Value
from ..costs import Cost, free, made
from ..registry import converter, folder
from .common import broadcast_shapes, itemsize, numpy_dtype, operand_as, webnn_type

# --------------------------------------------------------------------------- binary

#: ONNX binary op -> WebNN builder method (same-type inputs, output of that type).
ARITHMETIC = {"Add": "add", "Sub": "sub", "Mul": "mul", "Div": "div", "Pow": "pow"}
#: ONNX comparison -> WebNN builder method (bool output).
COMPARISONS = {
    "Equal": "equal", "Greater": "greater", "Less": "lesser",
    "GreaterOrEqual": "greater_or_equal", "LessOrEqual": "lesser_or_equal",
}
LOGICAL = {"And": "logical_and", "Or": "logical_or", "Xor": "logical_xor"}


def _int_div(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Integer division truncating toward zero (C semantics, as ONNX Runtime computes it)."""
    if np.any(b == 0):
        raise ZeroDivisionError("integer division by zero")
    q = a // b
    return np.where((q < 0) & (q * b != a), q + 1, q).astype(np.result_type(a, b))


def _fold_div(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    if a.dtype.kind in "iu":
        return _int_div(a, b)
    return a / b


NUMPY_BINARY = {
    "Add": np.add, "Sub": np.subtract, "Mul": np.multiply, "Div": _fold_div,
    "Equal": np.equal, "Greater": np.greater, "Less": np.less,
    "GreaterOrEqual": np.greater_equal, "LessOrEqual": np.less_equal,
    "And": np.logical_and, "Or": np.logical_or, "Xor": np.logical_xor,
    "BitwiseAnd": np.bitwise_and, "BitwiseOr": np.bitwise_or, "BitwiseXor": np.bitwise_xor,
}


@folder(*NUMPY_BINARY)
def fold_binary(node: Node, arrays: list[np.ndarray]) -> np.ndarray:
    a, b = arrays
    with np.errstate(all="ignore"):
        result = NUMPY_BINARY[node.op_type](a, b)
    return result if result.dtype == np.bool_ else result.astype(a.dtype)


@folder("Pow")
def fold_pow(node: Node, arrays: list[np.ndarray]) -> np.ndarray:
    a, b = arrays
    with np.errstate(all="ignore"):
        if a.dtype.kind in "iu":
            return np.power(a, b.astype(a.dtype) if b.dtype.kind in "iu" else b).astype(a.dtype)
        return np.power(a, b.astype(a.dtype)).astype(a.dtype)


@folder("Mod")
def fold_mod(node: Node, arrays: list[np.ndarray]) -> np.ndarray:
    a, b = arrays
    if a.dtype.kind in "iu" and np.any(b == 0):
        raise ZeroDivisionError("integer modulo by zero")
    with np.errstate(all="ignore"):
        result = np.fmod(a, b) if node.attr("fmod", 0) else np.mod(a, b)
    return result.astype(a.dtype)


@converter(*ARITHMETIC)
def convert_arithmetic(node: Node) -> Value:
    a, b = node.input(0), node.input(1)
    # Pow's exponent may have another type than its base: WebNN's pow wants one type.
    x, y = node.x(0), operand_as(node, b, a.elem)
    return node.out(getattr(node.b, ARITHMETIC[node.op_type])(x, y, label=node.label()), a.elem)


@converter(*COMPARISONS)
def convert_comparison(node: Node) -> Value:
    a = node.input(0)
    x, y = node.x(0), operand_as(node, node.input(1), a.elem)
    return node.out(getattr(node.b, COMPARISONS[node.op_type])(x, y, label=node.label()), T.BOOL)


@converter(*LOGICAL)
def convert_logical(node: Node) -> Value:
    method = getattr(node.b, LOGICAL[node.op_type])
    return node.out(method(node.x(0), node.x(1), label=node.label()), T.BOOL)


# --------------------------------------------------------------------------- variadic


def _variadic_inputs(node: Node) -> list[np.ndarray | None]:
    node.check(len(node.inputs) >= 1, "needs at least one input")
    return [node.const(i) for i in range(len(node.inputs))]


@folder("Max", "Min", "Sum", "Mean")
def fold_variadic(node: Node, arrays: list[np.ndarray]) -> np.ndarray:
    func = {"Max": np.maximum, "Min": np.minimum, "Sum": np.add, "Mean": np.add}[node.op_type]
    result = arrays[0]
    with np.errstate(all="ignore"):
        for array in arrays[1:]:
            result = func(result, array)
        if node.op_type == "Mean":
            result = result / len(arrays)
    return result.astype(arrays[0].dtype)


@converter("Max", "Min", "Sum", "Mean")
def convert_variadic(node: Node) -> Value:
    _variadic_inputs(node)
    method = getattr(node.b, {"Max": "max", "Min": "min", "Sum": "add", "Mean": "add"}[node.op_type])
    elem = node.elem(0)
    result = node.x(0)
    count = len(node.inputs)
    if count == 1:
        return node.input(0)
    for i in range(1, count):
        last = i == count - 1 and node.op_type != "Mean"
        result = method(result, operand_as(node, node.input(i), elem), label=node.label() if last else "")
    if node.op_type == "Mean":
        result = node.b.div(result, node.scalar(count, result), label=node.label())
    return node.out(result, elem)


# --------------------------------------------------------------------------- unary

#: ONNX unary op -> (WebNN builder method, NumPy function for folding).
UNARY = {
    "Abs": ("abs", np.abs), "Neg": ("neg", np.negative), "Ceil": ("ceil", np.ceil),
    "Floor": ("floor", np.floor), "Sqrt": ("sqrt", np.sqrt), "Reciprocal": ("reciprocal", np.reciprocal),
    "Exp": ("exp", np.exp), "Log": ("log", np.log), "Sin": ("sin", np.sin), "Cos": ("cos", np.cos),
    "Tan": ("tan", np.tan), "Erf": ("erf", _erf), "Round": ("round_even", np.rint), "Sign": ("sign", np.sign),
}


@folder(*UNARY)
def fold_unary(node: Node, arrays: list[np.ndarray]) -> np.ndarray:
    (x,) = arrays
    with np.errstate(all="ignore"):
        return np.asarray(UNARY[node.op_type][1](x)).astype(x.dtype)


@converter(*UNARY)
def convert_unary(node: Node) -> Value:
    method = getattr(node.b, UNARY[node.op_type][0])
    return node.out(method(node.x(0), label=node.label()), node.elem(0))


#: Unary ops with a bool output: ONNX op -> (WebNN builder method, NumPy function).
PREDICATES = {"Not": ("logical_not", np.logical_not), "IsNaN": ("is_nan", np.isnan)}


@folder(*PREDICATES)
def fold_predicate(node: Node, arrays: list[np.ndarray]) -> np.ndarray:
    return PREDICATES[node.op_type][1](arrays[0])


@converter(*PREDICATES)
def convert_predicate(node: Node) -> Value:
    method = getattr(node.b, PREDICATES[node.op_type][0])
    return node.out(method(node.x(0), label=node.label()), T.BOOL)


@folder("IsInf")
def fold_isinf(node: Node, arrays: list[np.ndarray]) -> np.ndarray:
    (x,) = arrays
    positive, negative = node.attr("detect_positive", 1), node.attr("detect_negative", 1)
    return np.isinf(x) & (((x > 0) & bool(positive)) | ((x < 0) & bool(negative)))


@converter("IsInf")
def convert_isinf(node: Node) -> Value:
    positive, negative = node.attr("detect_positive", 1), node.attr("detect_negative", 1)
    x = node.x(0)
    if not positive and not negative:
        zeros = node.b.mul(node.b.cast(x, "uint8"), node.scalar(0, node.b.cast(x, "uint8")))
        return node.out(node.b.identity(zeros, label=node.label()), T.BOOL)
    both = positive and negative
    inf = node.b.is_infinite(x, label=node.label() if both else "")
    if both:
        return node.out(inf, T.BOOL)
    zero = node.scalar(0, x)
    side = node.b.greater(x, zero) if positive else node.b.lesser(x, zero)
    return node.out(node.b.logical_and(inf, side, label=node.label()), T.BOOL)


@converter("Identity")
def convert_identity(node: Node) -> Value:
    return node.input(0)


@folder("Identity", cost=free)
def fold_identity(node: Node, arrays: list[np.ndarray]) -> np.ndarray:
    return arrays[0]


# --------------------------------------------------------------------------- Where


@folder("Where")
def fold_where(node: Node, arrays: list[np.ndarray]) -> np.ndarray:
    condition, x, y = arrays
    return np.where(condition.astype(bool), x, y).astype(x.dtype)


@converter("Where")
def convert_where(node: Node) -> Value:
    elem = node.elem(1)
    condition = operand_as(node, node.input(0), T.BOOL) if node.elem(0) == T.BOOL else node.x(0)
    x, y = node.x(1), operand_as(node, node.input(2), elem)
    broadcast_shapes(node, node.shape(0), node.shape(1), node.shape(2))
    return node.out(node.b.where(condition, x, y, label=node.label()), elem)


# --------------------------------------------------------------------------- Cast


def _cast_array(node: Node, array: np.ndarray, to: int) -> np.ndarray:
    dtype = numpy_dtype(node, to)
    with np.errstate(all="ignore"):
        if array.dtype.kind == "f" and dtype.kind in "iu":
            # ONNX Runtime casts floats to integers with C truncation; NaN and out-of-range are
            # undefined there, so any value is acceptable: keep NumPy's.
            return np.trunc(array).astype(dtype)
        if dtype == np.bool_:
            return array != 0
        return array.astype(dtype)


def _cast_cost(shape: tuple[int, ...], to: int) -> Cost:
    """The result and, for floats to integers, the truncated floats."""
    return made(shape, itemsize(to) + itemsize(T.DOUBLE))


def cast_cost(node: Node, arrays: list[np.ndarray | None]) -> Cost:
    return _cast_cost(arrays[0].shape, int(node.attr("to")))


def cast_like_cost(node: Node, arrays: list[np.ndarray | None]) -> Cost:
    return made(arrays[0].shape, arrays[1].dtype.itemsize)


@folder("Cast", cost=cast_cost)
def fold_cast(node: Node, arrays: list[np.ndarray]) -> np.ndarray:
    return _cast_array(node, arrays[0], int(node.attr("to")))


@folder("CastLike", cost=cast_like_cost)
def fold_cast_like(node: Node, arrays: list[np.ndarray]) -> np.ndarray:
    return arrays[0].astype(arrays[1].dtype) if arrays[1].dtype != np.bool_ else arrays[0] != 0


def cast_value(node: Node, value: Value, to: int) -> Value:
    if value.elem == to:
        return value
    if value.const is not None and node.afford(_cast_cost(value.shape, to)):
        return Value(to, value.shape, const=_cast_array(node, value.const, to))
    x = node.operand_of(value)
    if to == T.BOOL:
        flag = node.b.not_equal(x, node.scalar(0, x), label=node.label())
        return node.out(flag, T.BOOL)
    target = webnn_type(node, to, "the target type")
    if x.data_type == target:  # bool (uint8 0 / 1) to uint8
        return node.out(node.b.identity(x, label=node.label()), to)
    return node.out(node.b.cast(x, target, label=node.label()), to)


@converter("Cast")
def convert_cast(node: Node) -> Value:
    return cast_value(node, node.input(0), int(node.attr("to")))


@converter("CastLike")
def convert_cast_like(node: Node) -> Value:
    return cast_value(node, node.input(0), node.elem(1))
