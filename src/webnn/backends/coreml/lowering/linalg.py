"""matmul (MIL's, batch dimensions broadcast) and gemm (a matmul, times alpha, plus beta * c)."""

from __future__ import annotations

from typing import Any

from . import FLOATS, OpLowering, lowering


@lowering("matmul", types=FLOATS)
def matmul(e: OpLowering) -> Any:
    return e.mb.matmul(x=e.input("a"), y=e.input("b"))


@lowering("gemm", types=FLOATS)
def gemm(e: OpLowering) -> Any:
    mb = e.mb
    y = mb.matmul(x=e.input("a"), y=e.input("b"), transpose_x=bool(e.attrs["a_transpose"]),
                  transpose_y=bool(e.attrs["b_transpose"]))
    alpha, beta = float(e.attrs["alpha"]), float(e.attrs["beta"])
    if alpha != 1:
        y = mb.mul(x=y, y=e.like(alpha, y))
    if e.has("c"):
        c = e.input("c")
        if beta != 1:
            c = mb.mul(x=c, y=e.like(beta, c))
        y = mb.add(x=y, y=c)
    if tuple(y.shape) != e.out().shape:  # (c broadcast: never larger than the product)
        raise AssertionError(f"gemm: made {y.shape}, expected {e.out().shape}")
    return y
