"""ONNX lowerings: element-wise ops."""

from __future__ import annotations

from ....ir import Operation
from ..emitter import Emitter
from . import lowering

_BINARY = {"add": "Add", "sub": "Sub", "mul": "Mul", "max": "Max", "min": "Min"}


@lowering(*_BINARY)
def binary(e: Emitter, op: Operation) -> str:
    return e.compute(_BINARY[op.type], [e.input("a"), e.input("b")], e.output_desc().data_type)
