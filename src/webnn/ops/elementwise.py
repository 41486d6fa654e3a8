"""Element-wise ops: binary arithmetic, comparisons, logical ops, unary math, ``cast``, ``where``."""

from __future__ import annotations

from .base import ANY, Check, Operand, bidirectional_broadcast, limit, N, op, same

# --------------------------------------------------------------------------- binary arithmetic

_BINARY_DOCS = {
    "add": "a + b, element-wise, with broadcasting.",
    "sub": "a - b, element-wise, with broadcasting.",
    "mul": "a * b, element-wise, with broadcasting.",
    "div": "a / b, element-wise, with broadcasting; integer division truncates toward zero.",
    "max": "The greater of a and b, element-wise, with broadcasting.",
    "min": "The lesser of a and b, element-wise, with broadcasting.",
    "pow": "a to the power b, element-wise, with broadcasting.",
}
_BINARY_LIMITS = {
    "a": limit(ANY, (0, N)),
    "b": limit(same("a"), (0, N)),
    "output": limit(same("a"), (0, N)),
}


def _binary(c: Check, a: Operand, b: Operand) -> object:
    shape = bidirectional_broadcast(a.shape, b.shape)
    if shape is None:
        c.fail(f"shapes {list(a.shape)} and {list(b.shape)} are not broadcastable")
    return c.output(a.data_type, shape)


for _name, _doc in _BINARY_DOCS.items():
    op(_name, limits=_BINARY_LIMITS, doc=_doc)(_binary)
