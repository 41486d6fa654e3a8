"""ONNX lowerings: activation ops."""

from __future__ import annotations

from ....ir import Operation
from ..emitter import Emitter
from . import lowering


@lowering("relu")
def relu(e: Emitter, op: Operation) -> str:
    return e.compute("Relu", [e.input("input")], e.output_desc().data_type)
