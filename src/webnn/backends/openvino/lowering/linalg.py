"""OpenVINO lowerings: matmul and gemm as MatMul.

MatMul broadcasts the batch dimensions as NumPy does (WebNN's matmul takes no 1-D inputs);
gemm's transposes are MatMul's own flags, ``alpha`` scales ``a`` before the product and
``beta * c`` is added after it, as in the reference.  float16 multiplies and accumulates in
float32 (inputs converted, the result rounded once).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import openvino.opset16 as ops

from ..types import ELEMENT_TYPES, FLOATS
from . import OpLowering, lowering
from .conv import as_f32, as_type


@lowering("matmul", types=FLOATS)
def matmul(e: OpLowering) -> Any:
    y = ops.matmul(as_f32(e.input("a")), as_f32(e.input("b")), False, False)
    return as_type(y, ELEMENT_TYPES[e.out().data_type])


@lowering("gemm", types=FLOATS)
def gemm(e: OpLowering) -> Any:
    attrs = e.attrs
    a = as_f32(e.input("a"))
    alpha, beta = float(attrs["alpha"]), float(attrs["beta"])
    if alpha != 1.0:
        a = ops.multiply(a, ops.constant(np.float32(alpha))).output(0)
    y = ops.matmul(a, as_f32(e.input("b")), bool(attrs["a_transpose"]), bool(attrs["b_transpose"])).output(0)
    if e.has("c"):
        c = as_f32(e.input("c"))
        if beta != 1.0:
            c = ops.multiply(c, ops.constant(np.float32(beta))).output(0)
        y = ops.add(y, c).output(0)
    return as_type(y, ELEMENT_TYPES[e.out().data_type])
