"""LiteRT lowerings: element-wise binary arithmetic.

TFLite's binary operators broadcast like WebNN (NumPy's rule).  float16 computes in float32,
rounded once per operation.
"""

from __future__ import annotations

from ..types import FLOATS
from . import OpLowering, lowering

#: WebNN op -> (TFLite operator, its options table or None).
_BINARY = {
    "add": ("ADD", "AddOptions"), "sub": ("SUB", "SubOptions"), "mul": ("MUL", "MulOptions"),
    "div": ("DIV", "DivOptions"), "max": ("MAXIMUM", None), "min": ("MINIMUM", None),
}
#: Those that take a fused activation.
_FUSING = frozenset({"add", "sub", "mul", "div"})


@lowering(*_BINARY, types=FLOATS)
def binary(e: OpLowering) -> int:
    operator, table = _BINARY[e.op.type]
    opts = None
    if table is not None:
        activation = e.fuse_activation() if e.op.type in _FUSING else 0
        opts = e.options(table, fusedActivationFunction=activation)
    return e.emit(operator, [e.input("a"), e.input("b")], e.out().shape, e.out_type(), opts)
