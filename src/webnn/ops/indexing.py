"""Indexing ops: gather, gather_elements, gather_nd, scatter_elements, scatter_nd.

Indices are runtime values, so they cannot be validated when the graph is
built.  Every op here treats an index ``i`` into a dimension of size ``n`` the
same way: a negative ``i`` counts from the end (``i + n``), and the result is
then clamped to ``[0, n - 1]``, so an out-of-range index never reads or writes
outside the tensor.
"""

from __future__ import annotations

from .base import ANY, Check, N, Operand, Result, limit, op, same

INDEX_TYPES = ("int32", "uint32", "int64")


def _expect_shape_but_axis(c: Check, input: Operand, indices: Operand, axis: int) -> None:
    """``indices`` must have ``input``'s shape, except along ``axis``."""
    expected = list(input.shape)
    expected[axis] = indices.shape[axis]
    if list(indices.shape) != expected:
        c.fail(
            f"indices shape {list(indices.shape)} must equal input shape {list(input.shape)} "
            f"except along axis {axis}"
        )


def _coordinate_size(c: Check, input: Operand, indices: Operand) -> int:
    """The length of one coordinate of ``gather_nd`` / ``scatter_nd`` (the last indices dimension)."""
    size = indices.shape[-1]
    if size > input.rank:
        c.fail(
            f"indices shape[-1] {size} (the coordinate size) exceeds input rank {input.rank}"
        )
    return size


@op("gather", limits={
    "input": limit(ANY, (1, N)),
    "indices": limit(INDEX_TYPES, (0, N)),
    "output": limit(same("input"), (1, N)),
})
def gather(c: Check, input: Operand, indices: Operand, *, axis: int = 0) -> Result:
    """Selects slices of ``input`` along ``axis``: ``output[a..., i..., b...] =
    input[a..., indices[i...], b...]``, where ``a`` runs over the dimensions before
    ``axis`` and ``b`` over those after it, so the output shape is
    ``input.shape[:axis] + indices.shape + input.shape[axis + 1:]`` (rank
    ``input.rank + indices.rank - 1``).  A negative index counts from the end of the
    axis; an index still outside ``[0, input.shape[axis])`` is clamped to that range."""
    axis = c.axis("axis", axis, input.rank)
    shape = (*input.shape[:axis], *indices.shape, *input.shape[axis + 1:])
    return c.output(input.data_type, shape, axis=axis)


@op("gather_elements", limits={
    "input": limit(ANY, (1, N)),
    "indices": limit(INDEX_TYPES, same("input")),
    "output": limit(same("input"), same("input")),
})
def gather_elements(c: Check, input: Operand, indices: Operand, *, axis: int = 0) -> Result:
    """Picks one element of ``input`` per element of ``indices`` along ``axis``:
    ``output[p] = input[p with p[axis] replaced by indices[p]]``.  ``indices`` has
    ``input``'s rank and shape except along ``axis``, and the output has ``indices``'
    shape.  A negative index counts from the end of the axis; an index still outside
    ``[0, input.shape[axis])`` is clamped to that range."""
    axis = c.axis("axis", axis, input.rank)
    _expect_shape_but_axis(c, input, indices, axis)
    return c.output(input.data_type, indices.shape, axis=axis)


@op("gather_nd", js_name="gatherND", limits={
    "input": limit(ANY, (1, N)),
    "indices": limit(INDEX_TYPES, (1, N)),
    "output": limit(same("input"), (0, N)),
})
def gather_nd(c: Check, input: Operand, indices: Operand) -> Result:
    """Gathers slices of ``input`` addressed by coordinates: the last dimension of
    ``indices`` (size ``k <= input.rank``) holds one coordinate into the first ``k``
    dimensions of ``input``, and ``output[i...] = input[indices[i..., :]]`` (a slice
    of shape ``input.shape[k:]``), so the output shape is ``indices.shape[:-1] +
    input.shape[k:]``.  A negative coordinate counts from the end of its dimension;
    one still outside the dimension is clamped to it."""
    k = _coordinate_size(c, input, indices)
    shape = (*indices.shape[:-1], *input.shape[k:])
    return c.output(input.data_type, shape)


@op("scatter_elements", limits={
    "input": limit(ANY, (1, N)),
    "indices": limit(INDEX_TYPES, same("input")),
    "updates": limit(same("input"), same("input")),
    "output": limit(same("input"), same("input")),
})
def scatter_elements(
    c: Check, input: Operand, indices: Operand, updates: Operand, *, axis: int = 0
) -> Result:
    """A copy of ``input`` with ``output[p with p[axis] replaced by indices[p]] =
    updates[p]`` for every position ``p`` of ``indices``; the inverse of
    ``gather_elements``.  ``indices`` has ``input``'s shape except along ``axis``,
    ``updates`` has ``indices``' shape, and the output has ``input``'s shape.  A
    negative index counts from the end of the axis; an index still outside
    ``[0, input.shape[axis])`` is clamped to that range.  Where several indices name
    the same element, the update that comes last in row-major order of ``indices``
    wins."""
    axis = c.axis("axis", axis, input.rank)
    _expect_shape_but_axis(c, input, indices, axis)
    if updates.shape != indices.shape:
        c.fail(f"updates shape {list(updates.shape)} != indices shape {list(indices.shape)}")
    return c.output(input.data_type, input.shape, axis=axis)


@op("scatter_nd", js_name="scatterND", limits={
    "input": limit(ANY, (1, N)),
    "indices": limit(INDEX_TYPES, (1, N)),
    "updates": limit(same("input"), (0, N)),
    "output": limit(same("input"), (1, N)),
})
def scatter_nd(c: Check, input: Operand, indices: Operand, updates: Operand) -> Result:
    """A copy of ``input`` with slices replaced at coordinates: the last dimension of
    ``indices`` (size ``k <= input.rank``) holds one coordinate into the first ``k``
    dimensions, and ``output[indices[i..., :]] = updates[i...]`` (a slice of shape
    ``input.shape[k:]``); the inverse of ``gather_nd``.  ``updates`` has shape
    ``indices.shape[:-1] + input.shape[k:]`` and the output has ``input``'s shape.  A
    negative coordinate counts from the end of its dimension; one still outside the
    dimension is clamped to it.  Where several coordinates name the same slice, the
    update that comes last in row-major order of ``indices.shape[:-1]`` wins."""
    k = _coordinate_size(c, input, indices)
    expected = (*indices.shape[:-1], *input.shape[k:])
    if updates.shape != expected:
        c.fail(
            f"updates shape {list(updates.shape)} != indices.shape[:-1] + input.shape[{k}:] "
            f"= {list(expected)}"
        )
    return c.output(input.data_type, input.shape)
