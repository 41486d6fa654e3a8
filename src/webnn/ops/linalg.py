"""Linear algebra ops: matmul, gemm."""

from __future__ import annotations

import math
from typing import Any

from .base import (
    FLOATS,
    Check,
    N,
    Operand,
    Result,
    bidirectional_broadcast,
    limit,
    op,
    same,
    unidirectional_broadcast,
)


@op("matmul", limits={
    "a": limit(FLOATS, (2, N)),
    "b": limit(same("a"), (2, N)),
    "output": limit(same("a"), (2, N)),
})
def matmul(c: Check, a: Operand, b: Operand) -> Result:
    """The matrix product of ``a`` and ``b``, both at least 2-D.  The last two dimensions
    hold the matrices ([rows, columns]); ``a``'s columns must equal ``b``'s rows.  Any
    leading dimensions are stacks of matrices, broadcast against each other as in NumPy;
    the output is ``broadcast(a batch dims, b batch dims) + [rows of a, columns of b]``.
    1-D inputs are not allowed.  Float16 products accumulate in float32.
    """
    rows_a, cols_a = a.shape[-2:]
    rows_b, cols_b = b.shape[-2:]
    c.check(
        cols_a == rows_b,
        f"a's columns {cols_a} != b's rows {rows_b} (shapes {list(a.shape)} and {list(b.shape)})",
    )
    batch = bidirectional_broadcast(a.shape[:-2], b.shape[:-2])
    if batch is None:
        c.fail(
            f"batch dimensions {list(a.shape[:-2])} and {list(b.shape[:-2])} are not broadcastable"
        )
    return c.output(a.data_type, (*batch, rows_a, cols_b))


def _scalar(c: Check, name: str, value: Any, data_type: str) -> float:
    """A WebIDL (restricted) ``double`` option, then cast to the input's data type."""
    number = c.double(name, value)
    c.check(math.isfinite(number), f"{name} must be a finite number, got {value!r}")
    return float(c.number(name, number, data_type))


@op("gemm", limits={
    "a": limit(FLOATS, 2),
    "b": limit(same("a"), 2),
    "c": limit(same("a"), (0, 2)),
    "output": limit(same("a"), 2),
})
def gemm(
    c_: Check,
    a: Operand,
    b: Operand,
    *,
    c: Operand | None = None,
    alpha: float = 1.0,
    beta: float = 1.0,
    a_transpose: bool = False,
    b_transpose: bool = False,
) -> Result:
    """The general matrix multiplication ``alpha * A @ B + beta * C`` of 2-D tensors, where
    ``A`` is ``a`` ([M, K], or [K, M] transposed first when ``a_transpose``) and ``B`` is
    ``b`` ([K, N], or [N, K] transposed first when ``b_transpose``).  The optional ``c``
    (default: a scalar 0) is 0-D to 2-D and unidirectionally broadcastable to [M, N].
    ``alpha`` and ``beta`` (default 1) are cast to ``a``'s data type.  The output is [M, N];
    float16 products accumulate in float32.
    """
    alpha = _scalar(c_, "alpha", alpha, a.data_type)
    beta = _scalar(c_, "beta", beta, a.data_type)
    a_transpose = c_.boolean("a_transpose", a_transpose)
    b_transpose = c_.boolean("b_transpose", b_transpose)
    shape_a = a.shape[::-1] if a_transpose else a.shape
    shape_b = b.shape[::-1] if b_transpose else b.shape
    c_.check(
        shape_a[1] == shape_b[0],
        f"K of a ({shape_a[1]}) != K of b ({shape_b[0]}) (shapes {list(a.shape)} and "
        f"{list(b.shape)}, a_transpose={a_transpose}, b_transpose={b_transpose})",
    )
    out = (shape_a[0], shape_b[1])
    if c is not None and unidirectional_broadcast(c.shape, out) is None:
        c_.fail(f"c shape {list(c.shape)} is not unidirectionally broadcastable to {list(out)}")
    return c_.output(
        a.data_type, out, alpha=alpha, beta=beta, a_transpose=a_transpose, b_transpose=b_transpose
    )
