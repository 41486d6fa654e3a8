"""LiteRT lowerings: gemm and matmul.

gemm is FULLY_CONNECTED (weights [N, K]: B transposed, at build for a constant); a C that is
one row of N values and beta 1 (or a constant, beta * C made at build) is its bias, any other C
is added after.  matmul by a constant 2-D B
is FULLY_CONNECTED too (keeping A's leading dimensions), any other is BATCH_MATMUL (which
broadcasts the batch dimensions).  float16 computes in float32, rounded once.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

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
    bias = c = -1
    c_desc = e.desc("c") if e.has("c") and beta != 0.0 else None
    c_value = e.constant_value("c") if c_desc is not None else None
    row = c_desc is not None and c_desc.shape in ((n,), (1, n))
    if c_value is not None:  # (beta * C at build, in float32 as MUL would)
        scaled = np.float32(beta) * c_value.astype(np.float32)
        c, beta = e.constant(scaled.reshape(n) if row else scaled, FLOAT32), 1.0
    elif c_desc is not None:
        c = e.input("c")
        if row and beta == 1.0 and c_desc.shape == (1, n):
            c = e.emit("RESHAPE", [c, e.i32([n])], [n], tensor_type)
    if row and beta == 1.0:
        bias, c_desc = c, None
    activation = e.fuse_activation() if c_desc is None else 0
    y = e.emit("FULLY_CONNECTED", [a, b, bias], [m, n], tensor_type,
               e.options("FullyConnectedOptions", fusedActivationFunction=activation))
    if c_desc is not None:
        if beta != 1.0:
            c = e.emit("MUL", [c, e.constant(beta, tensor_type)], c_desc.shape, tensor_type,
                       e.options("MulOptions"))
        y = e.emit("ADD", [y, c], [m, n], tensor_type, e.options("AddOptions"))
    return y


@lowering("matmul", types=FLOATS)
def matmul(e: OpLowering) -> int:
    value = e.constant_value("b")
    shape = e.out().shape
    if value is not None and value.ndim == 2 and len(e.desc("a").shape) == len(shape):
        weights = e.constant(np.ascontiguousarray(value.astype(np.float32).T), FLOAT32)
        return e.emit("FULLY_CONNECTED", [e.input("a"), weights, -1], shape, e.out_type(),
                      e.options("FullyConnectedOptions", keepNumDims=len(shape) > 2,
                                fusedActivationFunction=e.fuse_activation()))
    a, b = e.input("a"), e.input("b")
    shape_a, shape_b = _merged_batches(e.desc("a").shape, e.desc("b").shape)
    batch = [max(x, y) for x, y in zip(shape_a[:-2], shape_b[:-2])]
    a, b = _reshaped(e, a, shape_a), _reshaped(e, b, shape_b)
    if len(batch) > _BATCH_RANK:  # (both broadcast explicitly, their batches merged into one)
        a = _reshaped(e, _tiled(e, a, batch), [math.prod(batch), *shape_a[-2:]])
        b = _reshaped(e, _tiled(e, b, batch), [math.prod(batch), *shape_b[-2:]])
        batch = [math.prod(batch)]
    y = e.emit("BATCH_MATMUL", [a, b], [*batch, shape_a[-2], shape_b[-1]], e.out_type(),
               e.options("BatchMatMulOptions", adjX=False, adjY=False))
    return _reshaped(e, y, shape)


#: The most batch dimensions BATCH_MATMUL takes (XNNPACK's: of a rank-6 tensor).
_BATCH_RANK = 4


def _merged_batches(a: Sequence[int], b: Sequence[int]) -> tuple[list[int], list[int]]:
    """The shapes of ``a`` and ``b`` with their batch dimensions (aligned on the right) merged
    where they broadcast alike: runs of equal sizes, of 1 in ``a`` only, of 1 in ``b`` only;
    dimensions of 1 in both are dropped."""
    rank = max(len(a), len(b)) - 2
    batch_a = [1] * (rank + 2 - len(a)) + list(a[:-2])
    batch_b = [1] * (rank + 2 - len(b)) + list(b[:-2])
    runs_a: list[int] = []
    runs_b: list[int] = []
    kinds: list[str] = []
    for x, y in zip(batch_a, batch_b):
        if x == y == 1:
            continue
        kind = "equal" if x == y else "a broadcast" if x == 1 else "b broadcast"
        if kinds and kinds[-1] == kind:
            runs_a[-1] *= x
            runs_b[-1] *= y
        else:
            kinds.append(kind)
            runs_a.append(x)
            runs_b.append(y)
    return [*runs_a, *a[-2:]], [*runs_b, *b[-2:]]


def _reshaped(e: OpLowering, x: int, shape: Sequence[int]) -> int:
    if tuple(e.writer.shape(x)) == tuple(shape):
        return x
    return e.emit("RESHAPE", [x, e.i32(list(shape))], shape, e.writer.type(x))


def _tiled(e: OpLowering, x: int, batch: Sequence[int]) -> int:
    """``x`` with its batch dimensions repeated to ``batch``."""
    shape = e.writer.shape(x)
    repetitions = [size // own for size, own in zip(batch, shape)] + [1, 1]
    return e.emit("TILE", [x, e.i32(repetitions)], [*batch, *shape[-2:]], e.writer.type(x))
