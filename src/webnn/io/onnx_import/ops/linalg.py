"""Matrix products: MatMul and Gemm."""

from __future__ import annotations

import numpy as np

from ..core import Node, Value
from ..registry import converter, folder


@folder("MatMul")
def fold_matmul(node: Node, arrays: list[np.ndarray]) -> np.ndarray:
    a, b = arrays
    return np.matmul(a, b).astype(a.dtype)


@converter("MatMul")
def convert_matmul(node: Node) -> Value:
    a, b = node.input(0), node.input(1)
    node.check(a.rank >= 1 and b.rank >= 1, "MatMul inputs must have rank 1 or more")
    x, y = node.x(0), node.x(1)
    if a.rank == 1:
        x = node.b.reshape(x, [1, a.shape[0]])
    if b.rank == 1:
        y = node.b.reshape(y, [b.shape[0], 1])
    node.check(x.shape[-1] == y.shape[-2], f"cannot multiply {list(a.shape)} by {list(b.shape)}")
    if a.rank > 1 and b.rank > 1:
        return node.out(node.b.matmul(x, y, label=node.label()), a.elem)
    product = node.b.matmul(x, y)
    shape = list(product.shape)
    if b.rank == 1:
        shape.pop(-1)
    if a.rank == 1:
        shape.pop(-1 if b.rank == 1 else -2)
    return node.out(node.b.reshape(product, shape, label=node.label()), a.elem)


@converter("Gemm")
def convert_gemm(node: Node) -> Value:
    a = node.input(0)
    node.check(a.rank == 2 and node.input(1).rank == 2, "Gemm inputs A and B must have rank 2")
    options = {
        "alpha": float(node.attr("alpha", 1.0)), "beta": float(node.attr("beta", 1.0)),
        "a_transpose": bool(node.attr("transA", 0)), "b_transpose": bool(node.attr("transB", 0)),
    }
    if node.has(2):
        options["c"] = node.x(2)
    return node.out(node.b.gemm(node.x(0), node.x(1), label=node.label(), **options), a.elem)
