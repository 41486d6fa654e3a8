"""Element-wise ops: binary arithmetic, comparisons, logical ops, unary math, ``cast``, ``where``."""

from __future__ import annotations

from .base import (
    ALL_DATA_TYPES,
    ANY,
    FLOATS,
    Check,
    N,
    Operand,
    Result,
    bidirectional_broadcast,
    limit,
    op,
    same,
)


def _broadcast(c: Check, a_name: str, a: tuple[int, ...], b_name: str, b: tuple[int, ...]) -> tuple[int, ...]:
    shape = bidirectional_broadcast(a, b)
    if shape is None:
        c.fail(f"{a_name} shape {list(a)} and {b_name} shape {list(b)} are not broadcastable")
    return shape


# --------------------------------------------------------------------------- binary arithmetic

_BINARY_DOCS = {
    "add": "a + b, element-wise, with broadcasting.",
    "sub": "a - b, element-wise, with broadcasting.",
    "mul": "a * b, element-wise, with broadcasting.",
    "div": "a / b, element-wise, with broadcasting; integer division truncates toward zero.",
    "max": "The greater of a and b, element-wise, with broadcasting.",
    "min": "The lesser of a and b, element-wise, with broadcasting.",
    "pow": (
        "a to the power b, element-wise, with broadcasting. Integer powers wrap in two's"
        " complement; a negative integer exponent gives 1 / a**-b truncated toward zero (1 for"
        " a = 1, 1 or -1 for a = -1, 0 otherwise, including a = 0)."
    ),
}
_BINARY_LIMITS = {
    "a": limit(ANY, (0, N)),
    "b": limit(same("a"), (0, N)),
    "output": limit(same("a"), (0, N)),
}


def _binary(c: Check, a: Operand, b: Operand) -> Result:
    shape = bidirectional_broadcast(a.shape, b.shape)
    if shape is None:
        c.fail(f"shapes {list(a.shape)} and {list(b.shape)} are not broadcastable")
    return c.output(a.data_type, shape)


for _name, _doc in _BINARY_DOCS.items():
    op(_name, limits=_BINARY_LIMITS, doc=_doc)(_binary)


# --------------------------------------------------------------------------- comparisons

_BROADCAST_DOC = (
    " a and b have the same data type and are broadcast bidirectionally (NumPy rules); the"
    " output is a uint8 tensor of 0 (false) and 1 (true) with the broadcast shape."
)
_COMPARISON_DOCS = {
    "equal": "1 where a == b, else 0, element-wise." + _BROADCAST_DOC
    + " NaN equals nothing, not even NaN; +0 equals -0.",
    "not_equal": "1 where a != b, else 0, element-wise." + _BROADCAST_DOC
    + " A NaN operand makes the result 1.",
    "greater": "1 where a > b, else 0, element-wise." + _BROADCAST_DOC
    + " A NaN operand makes the result 0.",
    "greater_or_equal": "1 where a >= b, else 0, element-wise." + _BROADCAST_DOC
    + " A NaN operand makes the result 0 (unlike logicalNot(lesser(a, b))).",
    "lesser": "1 where a < b, else 0, element-wise." + _BROADCAST_DOC
    + " A NaN operand makes the result 0.",
    "lesser_or_equal": "1 where a <= b, else 0, element-wise." + _BROADCAST_DOC
    + " A NaN operand makes the result 0 (unlike logicalNot(greater(a, b))).",
}
_COMPARISON_LIMITS = {
    "a": limit(ANY, (0, N)),
    "b": limit(same("a"), (0, N)),
    "output": limit(("uint8",), (0, N)),
}


def _comparison(c: Check, a: Operand, b: Operand) -> Result:
    return c.output("uint8", _broadcast(c, "a", a.shape, "b", b.shape))


for _name, _doc in _COMPARISON_DOCS.items():
    op(_name, limits=_COMPARISON_LIMITS, doc=_doc)(_comparison)


# --------------------------------------------------------------------------- logical ops

_LOGICAL_DOCS = {
    "logical_and": "1 where both a and b are nonzero, else 0, element-wise." + _BROADCAST_DOC
    + " Both inputs are uint8; any nonzero value counts as true.",
    "logical_or": "1 where a or b (or both) is nonzero, else 0, element-wise." + _BROADCAST_DOC
    + " Both inputs are uint8; any nonzero value counts as true.",
    "logical_xor": "1 where exactly one of a and b is nonzero, else 0, element-wise." + _BROADCAST_DOC
    + " Both inputs are uint8; any nonzero value counts as true.",
}
_LOGICAL_LIMITS = {
    "a": limit(("uint8",), (0, N)),
    "b": limit(same("a"), (0, N)),
    "output": limit(("uint8",), (0, N)),
}


def _logical(c: Check, a: Operand, b: Operand) -> Result:
    return c.output("uint8", _broadcast(c, "a", a.shape, "b", b.shape))


for _name, _doc in _LOGICAL_DOCS.items():
    op(_name, limits=_LOGICAL_LIMITS, doc=_doc)(_logical)


@op("logical_not", limits={"a": limit(("uint8",), (0, N)), "output": limit(("uint8",), (0, N))})
def logical_not(c: Check, a: Operand) -> Result:
    """1 where a is 0, else 0, element-wise: the logical negation of a uint8 tensor in which any
    nonzero value counts as true. The output is a uint8 tensor of 0 and 1 with a's shape."""
    return c.output("uint8", a.shape)


_PREDICATE_DOCS = {
    "is_nan": (
        "1 where a is NaN, else 0, element-wise. a must be float32 or float16 (the spec's steps"
        " reject other data types although its table says any). The output is a uint8 tensor of"
        " 0 and 1 with a's shape."
    ),
    "is_infinite": (
        "1 where a is +Infinity or -Infinity, else 0, element-wise (NaN and finite values give"
        " 0). a must be float32 or float16 (the spec's steps reject other data types although"
        " its table says any). The output is a uint8 tensor of 0 and 1 with a's shape."
    ),
}
# The spec's table says "any" for a, but its steps accept only float32 / float16: the
# limits follow the steps, so op_support_limits() reports what is really accepted.
_PREDICATE_LIMITS = {"a": limit(FLOATS, (0, N)), "output": limit(("uint8",), (0, N))}


def _predicate(c: Check, a: Operand) -> Result:
    return c.output("uint8", a.shape)


for _name, _js in (("is_nan", "isNaN"), ("is_infinite", "isInfinite")):
    op(_name, limits=_PREDICATE_LIMITS, js_name=_js, doc=_PREDICATE_DOCS[_name])(_predicate)


# --------------------------------------------------------------------------- unary ops

_SHAPE_DOC = " The output has the input's data type and shape."
_FLOAT_DOC = (
    _SHAPE_DOC + " Inputs are float32 or float16; the reference computes in float64 and rounds"
    " once to the output type."
)
_EXACT_FLOAT_DOC = _SHAPE_DOC + " Inputs are float32 or float16."
_SIGNED = ("float32", "float16", "int64", "int32", "int8")
_UNARY = {
    "abs": (_SIGNED, "|input|, element-wise." + _SHAPE_DOC
            + " Integer inputs wrap in two's complement: the most negative value maps to itself."),
    "neg": (_SIGNED, "-input, element-wise." + _SHAPE_DOC
            + " Integer inputs wrap in two's complement: the most negative value maps to itself."),
    "sign": (_SIGNED, "The sign of input, element-wise: 1 where input > 0, -1 where input < 0"
             " and 0 otherwise (for zeros of either sign and, as the spec words it, for NaN)."
             + _SHAPE_DOC),
    "ceil": (FLOATS, "The smallest integral value not less than input, element-wise."
             + _EXACT_FLOAT_DOC),
    "floor": (FLOATS, "The largest integral value not greater than input, element-wise."
              + _EXACT_FLOAT_DOC),
    "round_even": (FLOATS, "input rounded to the nearest integral value, element-wise, halves going"
                   " to the even neighbour (-2.5 -> -2, -1.5 -> -2, 0.5 -> 0, 1.5 -> 2)."
                   + _EXACT_FLOAT_DOC),
    "cos": (FLOATS, "The cosine of input (radians), element-wise." + _FLOAT_DOC),
    "sin": (FLOATS, "The sine of input (radians), element-wise." + _FLOAT_DOC),
    "tan": (FLOATS, "The tangent of input (radians), element-wise." + _FLOAT_DOC),
    "erf": (FLOATS, "The Gauss error function 2/sqrt(pi) * integral from 0 to input of"
            " exp(-t**2) dt, element-wise." + _FLOAT_DOC),
    "exp": (FLOATS, "e to the power input, element-wise." + _FLOAT_DOC),
    "log": (FLOATS, "The natural logarithm of input, element-wise: -Infinity at 0, NaN for"
            " negative values." + _FLOAT_DOC),
    "sqrt": (FLOATS, "The square root of input, element-wise: NaN for negative values, -0 at -0."
             + _EXACT_FLOAT_DOC + " The result is correctly rounded."),
    "reciprocal": (FLOATS, "1 / input, element-wise: +-Infinity at +-0." + _EXACT_FLOAT_DOC
                   + " The result is correctly rounded."),
    "identity": (ANY, "A copy of input, element-wise." + _SHAPE_DOC + " Any data type."),
}


def _unary(c: Check, input: Operand) -> Result:
    return c.output(input.data_type, input.shape)


for _name, (_types, _doc) in _UNARY.items():
    _limits = {"input": limit(_types, (0, N)), "output": limit(same("input"), same("input"))}
    op(_name, limits=_limits, doc=_doc)(_unary)


# --------------------------------------------------------------------------- cast


@op("cast", limits={"input": limit(ALL_DATA_TYPES, (0, N)), "output": limit(ALL_DATA_TYPES, same("input"))})
def cast(c: Check, input: Operand, data_type: str) -> Result:
    """Each element of input converted to data_type; the output has input's shape.

    Float to float and integer to float give the nearest representable value (ties to even),
    +-Infinity when out of range; NaN stays NaN. Float to integer truncates toward zero; where the
    spec leaves the result implementation-defined, this implementation saturates: a truncated
    value below or above the target range (including -Infinity / +Infinity) gives the target's
    minimum / maximum, and NaN gives 0. Integer to integer keeps the value when it is in range,
    else the lowest N bits of its two's complement form reinterpreted as the target type (int8 -1
    -> uint8 255, int32 300 -> uint8 44, uint32 4294967295 -> int32 -1). int4 and uint4 (not spec
    types; stored one value per int8 / uint8 element) follow the same rules with 4 bits
    (int32 20 -> int4 4, int8 -1 -> uint4 15, float 9.5 -> int4 7).
    """
    data_type = c.data_type("data_type", data_type, ALL_DATA_TYPES)
    return c.output(data_type, input.shape)


# --------------------------------------------------------------------------- where


@op("where", limits={
    "condition": limit(("uint8",), (0, N)),
    "true_value": limit(ANY, (0, N)),
    "false_value": limit(same("true_value"), (0, N)),
    "output": limit(same("true_value"), (0, N)),
})
def where(c: Check, condition: Operand, true_value: Operand, false_value: Operand) -> Result:
    """true_value where condition is nonzero, else false_value, element-wise. condition is uint8
    (any nonzero value counts as true); true_value and false_value have the same data type, which
    is the output's. All three are broadcast bidirectionally (NumPy rules): true_value with
    false_value first, then condition with the result, which gives the output shape."""
    shape = _broadcast(c, "true_value", true_value.shape, "false_value", false_value.shape)
    if bidirectional_broadcast(condition.shape, shape) is None:
        c.fail(
            f"condition shape {list(condition.shape)} and the broadcast shape {list(shape)} of"
            " true_value and false_value are not broadcastable"
        )
    shape = bidirectional_broadcast(condition.shape, shape)
    return c.output(true_value.data_type, shape)
