"""ONNX lowerings: matmul (MatMul, NumPy batch broadcasting as in WebNN) and gemm (Gemm).

Float16 multiplies and accumulates in float32 (constants converted here), rounded once at
the end like the reference; float32 is a single MatMul / Gemm node.
"""

from __future__ import annotations

from ....ir import Operation
from ..emitter import OpEmitter
from . import lowering
from .conv import COMPUTE_TYPES, operand_as


@lowering("matmul")
def matmul(e: OpEmitter, op: Operation) -> str:
    data_type = e.output_desc().data_type
    compute_type = COMPUTE_TYPES[data_type]
    y = e.node("MatMul", [operand_as(e, "a", compute_type), operand_as(e, "b", compute_type)])
    return y if compute_type == data_type else e.cast(y, data_type)


@lowering("gemm")
def gemm(e: OpEmitter, op: Operation) -> str:
    attrs = op.attrs
    data_type = e.output_desc().data_type
    compute_type = COMPUTE_TYPES[data_type]
    inputs = [operand_as(e, "a", compute_type), operand_as(e, "b", compute_type)]
    c = operand_as(e, "c", compute_type)
    if c is not None:
        inputs.append(c)
    y = e.node(
        "Gemm",
        inputs,
        alpha=float(attrs["alpha"]),
        beta=float(attrs["beta"]),
        transA=int(attrs["a_transpose"]),
        transB=int(attrs["b_transpose"]),
    )
    return y if compute_type == data_type else e.cast(y, data_type)
