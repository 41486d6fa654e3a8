"""Reference kernels: matmul and gemm (float16 inputs multiply and accumulate in float32)."""

from __future__ import annotations

import numpy as np

from .registry import kernel, upcast


@kernel("matmul")
def matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.matmul(upcast(a), upcast(b))


@kernel("gemm")
def gemm(
    a: np.ndarray, b: np.ndarray, c: np.ndarray | None,
    alpha: float, beta: float, a_transpose: bool, b_transpose: bool,
) -> np.ndarray:
    x = upcast(a)
    y = upcast(b)
    if a_transpose:
        x = x.T
    if b_transpose:
        y = y.T
    t = x.dtype.type
    result = np.matmul(t(alpha) * x, y)
    if c is not None:
        result = result + t(beta) * upcast(c)
    return result
