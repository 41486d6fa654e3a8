"""Matrix products: MatMul and Gemm."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from ..core import Node, Value
from ..costs import Cost, broadcast_shape, count
from ..registry import converter, folder

if TYPE_CHECKING:
    from ....builder import MLOperand


#: NumPy multiplies float32 and float64 matrices with BLAS; other types (integers, float16) go
#: through a plain loop some 30 to 100 times slower, so their multiply-adds count this many units.
UNACCELERATED_WORK = 32


def matmul_cost(node: Node, arrays: list[np.ndarray | None]) -> Cost:
    """NumPy's matmul: [..., M, K] x [..., K, N] (1-D operands promoted) gives the broadcast
    batch of [M, N], each element K multiply-adds (weighted for types BLAS does not multiply)."""
    a, b = arrays
    node.check(a.ndim >= 1 and b.ndim >= 1, "MatMul inputs must have rank 1 or more")
    left = a.shape if a.ndim > 1 else (1,) + a.shape
    right = b.shape if b.ndim > 1 else b.shape + (1,)
    node.check(left[-1] == right[-2], f"cannot multiply {list(a.shape)} by {list(b.shape)}")
    batch = broadcast_shape([left[:-2], right[:-2]])
    node.check(batch is not None, f"the batch dimensions of {list(a.shape)} and {list(b.shape)} do not broadcast")
    elements = count(batch) * left[-2] * right[-1]
    per_multiply_add = 1 if np.result_type(a, b) in (np.float32, np.float64) else UNACCELERATED_WORK
    return Cost(elements * max(a.dtype.itemsize, b.dtype.itemsize) * 2,
                elements * max(left[-1], 1) * per_multiply_add)


@folder("MatMul", cost=matmul_cost)
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


# --------------------------------------------------------------------------- Einsum


def _einsum_terms(node: Node, equation: str, ranks: list[int]) -> tuple[list[str], str]:
    """Input subscripts and the output subscripts, one letter per axis (an ellipsis becomes
    upper-case letters not used by the equation, right-aligned as broadcasting does)."""
    equation = equation.replace(" ", "")
    lhs, arrow, rhs = equation.partition("->")
    terms = lhs.split(",")
    node.check(len(terms) == len(ranks), f"equation {equation!r} has {len(terms)} inputs, the node {len(ranks)}")
    spare = [c for c in "ZYXWVUTSRQPONMLKJIHGFEDCBA" if c not in equation]
    ellipsis_rank = max((r - len(t.replace("...", "")) for t, r in zip(terms, ranks) if "..." in t), default=0)
    node.check(ellipsis_rank <= len(spare), "the ellipsis covers too many axes")
    fill = "".join(spare[:ellipsis_rank][::-1])
    expanded = []
    for term, rank in zip(terms, ranks):
        if "..." in term:
            count = rank - len(term.replace("...", ""))
            node.check(count >= 0, f"subscripts {term!r} do not fit rank {rank}")
            term = term.replace("...", fill[len(fill) - count:] if count else "")
        node.check(term.isalpha() and len(term) == rank, f"subscripts {term!r} do not fit rank {rank}")
        node.check(len(set(term)) == len(term), f"subscripts {term!r} repeat a letter (diagonals are not supported)")
        expanded.append(term)
    if arrow:
        out = rhs.replace("...", fill)
    else:  # implicit output: the ellipsis, then the letters that appear once, in alphabetical order
        counts = {c: sum(t.count(c) for t in expanded) for c in set("".join(expanded))}
        out = fill + "".join(sorted(c for c, n in counts.items() if n == 1 and c not in fill))
    node.check(out.isalpha() or out == "", f"output subscripts {out!r} are invalid")
    return expanded, out


def _einsum_reduce(node: Node, x: MLOperand, term: str, keep: str) -> tuple[MLOperand, str]:
    """Sum out the letters of ``term`` not in ``keep``."""
    axes = [i for i, c in enumerate(term) if c not in keep]
    if not axes:
        return x, term
    return node.b.reduce_sum(x, axes=axes), "".join(c for c in term if c in keep)


def _einsum_pair(node: Node, a: MLOperand, ta: str, b: MLOperand, tb: str, keep: str) -> tuple[MLOperand, str]:
    """Contract two operands: batch letters (both, kept), contracted (both, not kept), left and
    right letters (one side, kept), as one batched matmul."""
    sizes = {c: d for t, x in ((ta, a), (tb, b)) for c, d in zip(t, x.shape)}
    for c in set(ta) & set(tb):
        da, db = a.shape[ta.index(c)], b.shape[tb.index(c)]
        node.check(da == db or 1 in (da, db), f"letter {c!r} has sizes {da} and {db}")
        sizes[c] = max(da, db)
    batch = [c for c in ta if c in tb and c in keep]
    contracted = [c for c in ta if c in tb and c not in keep]
    left = [c for c in ta if c not in tb]
    right = [c for c in tb if c not in ta]
    bb = node.b

    def arrange(x: MLOperand, term: str, order: list[str], groups: list[list[str]]) -> MLOperand:
        perm = [term.index(c) for c in order]
        if perm != list(range(len(perm))):
            x = bb.transpose(x, permutation=perm)
        full = [sizes[c] for c in order]
        if list(x.shape) != full:
            x = bb.expand(x, full)
        flat = [math.prod(sizes[c] for c in g) for g in groups]
        return bb.reshape(x, flat) if list(x.shape) != flat else x

    x = arrange(a, ta, batch + left + contracted, [batch, left, contracted])
    y = arrange(b, tb, batch + contracted + right, [batch, contracted, right])
    product = bb.matmul(x, y)
    term = "".join(batch + left + right)
    shape = [sizes[c] for c in term]
    return (bb.reshape(product, shape) if list(product.shape) != shape else product), term


@converter("Einsum")
def convert_einsum(node: Node) -> Value:
    values = [node.input(i) for i in range(len(node.inputs))]
    node.check(values, "needs at least one input")
    terms, out = _einsum_terms(node, str(node.attr("equation")), [v.rank for v in values])
    for c in out:
        node.check(any(c in t for t in terms), f"output letter {c!r} is in no input")
    operands = [node.x(i) for i in range(len(values))]
    x, term = operands[0], terms[0]
    for i in range(1, len(operands)):
        later = set(out).union(*terms[i + 1:])
        keep = "".join(sorted(later))
        x, term = _einsum_reduce(node, x, term, keep + terms[i])
        y, other = _einsum_reduce(node, operands[i], terms[i], keep + term)
        x, term = _einsum_pair(node, x, term, y, other, keep)
    x, term = _einsum_reduce(node, x, term, out)
    perm = [term.index(c) for c in out]
    if perm != list(range(len(perm))):
        x = node.b.transpose(x, permutation=perm, label=node.label())
    else:
        x = node.b.identity(x, label=node.label())
    return node.out(x, values[0].elem)
