"""LiteRT lowerings: gemm and matmul.

gemm with a constant (or transposed) B is FULLY_CONNECTED (weights [N, K]); a C that is one
row of N values and beta 1 is its bias, any other C is added after.  matmul is BATCH_MATMUL.
float16 computes in float32, rounded once.
"""

from __future__ import annotations

import numpy as np

from ..types import FLOAT32, FLOATS
from . import OpLowering, lowering


@lowering("gemm", types=FLOATS)
def gemm(e: OpLowering) -> int:
    attrs = e.attrs
    a, b = e.input("a"), e.input("b")
    m, n = e.out().shape
    tensor_type = e.out_type()
    if attrs["a_transpose"]:
        k = e.desc("a").shape[0]
        a = e.emit("TRANSPOSE", [a, e.i32([1, 0])], [m, k], tensor_type)
    else:
        k = e.desc("a").shape[1]
    value = e.constant_value("b")
    if not attrs["b_transpose"]:  # (FULLY_CONNECTED's weights are [N, K])
        if value is not None:
            b = e.constant(np.ascontiguousarray(value.astype(np.float32).T), FLOAT32)
        else:
            b = e.emit("TRANSPOSE", [b, e.i32([1, 0])], [n, k], tensor_type)
    alpha, beta = float(attrs["alpha"]), float(attrs["beta"])
    if alpha != 1.0:
        a = e.emit("MUL", [a, e.constant(alpha, tensor_type)], [m, k], tensor_type, e.options("MulOptions"))
    bias = -1
    c_desc = e.desc("c") if e.has("c") else None
    if c_desc is not None and beta == 1.0 and c_desc.shape in ((n,), (1, n)):
        bias = e.input("c")
        if c_desc.shape == (1, n):
            bias = e.emit("RESHAPE", [bias, e.i32([n])], [n], tensor_type)
        c_desc = None
    activation = e.fuse_activation() if c_desc is None else 0
    y = e.emit("FULLY_CONNECTED", [a, b, bias], [m, n], tensor_type,
               e.options("FullyConnectedOptions", fusedActivationFunction=activation))
    if c_desc is not None and beta != 0.0:
        c = e.input("c")
        if beta != 1.0:
            c = e.emit("MUL", [c, e.constant(beta, tensor_type)], c_desc.shape, tensor_type, e.options("MulOptions"))
        y = e.emit("ADD", [y, c], [m, n], tensor_type, e.options("AddOptions"))
    return y


@lowering("matmul", types=FLOATS)
def matmul(e: OpLowering) -> int:
    return e.emit("BATCH_MATMUL", [e.input("a"), e.input("b")], e.out().shape, e.out_type(),
                  e.options("BatchMatMulOptions", adjX=False, adjY=False))
