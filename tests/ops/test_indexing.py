"""Validation and numerics of gather, gather_elements, gather_nd, scatter_elements and
scatter_nd beyond the WPT cases: all axes, every index type, negative and out-of-range
indices (clamped), repeated scatter targets (last update wins)."""

from __future__ import annotations

import numpy as np
import pytest

import webnn

INDEX_TYPES = ["int32", "uint32", "int64"]


@pytest.fixture(scope="module")
def reference() -> webnn.MLContext:
    return webnn.ML().create_context(backend="reference")


@pytest.fixture
def builder(reference) -> webnn.MLGraphBuilder:
    """For validation-only tests (no computation): one backend is enough."""
    return reference.create_graph_builder()


def run(context, name, arrays, **options):
    """Build ``name`` over inputs holding ``arrays`` (positional, in order) and compute it."""
    builder = context.create_graph_builder()
    operands = [builder.input(f"x{i}", list(a.shape), a.dtype.name) for i, a in enumerate(arrays)]
    graph = builder.build({"y": getattr(builder, name)(*operands, options)})
    return context.compute(graph, {f"x{i}": a for i, a in enumerate(arrays)})["y"]


def fix(i: int, n: int) -> int:
    """The index an out-of-range or negative index stands for: from the end, then clamped."""
    i = int(i)
    if i < 0:
        i += n
    return min(max(i, 0), n - 1)


def random_indices(rng, shape, size, data_type):
    """Indices of ``shape`` for a dimension of ``size``: mostly valid, some negative, some
    out of range on either side (none negative for uint32)."""
    low = 0 if data_type == "uint32" else -2 * size - 1
    return np.asarray(rng.integers(low, 2 * size + 2, shape)).astype(data_type)


# --------------------------------------------------------------------------- validation


def operands(builder, specs):
    return [builder.input(f"x{i}", shape, data_type) for i, (shape, data_type) in enumerate(specs)]


@pytest.mark.parametrize("name, specs, options, message", [
    ("gather", [([2, 3], "float32"), ([2], "float32")], {}, r"indices data type float32 is not allowed"),
    ("gather", [([2, 3], "float32"), ([2], "int8")], {}, r"indices data type int8 is not allowed"),
    ("gather", [([], "float32"), ([2], "int32")], {}, r"input rank 0 is not allowed"),
    ("gather", [([2, 3], "float32"), ([2], "int32")], {"axis": 2}, r"axis 2 is out of bounds for rank 2"),
    ("gather", [([2, 3], "float32"), ([2], "int32")], {"axis": -1}, r"axis -1 is out of bounds"),
    ("gather", [([2, 3], "float32"), ([2], "int32")], {"axis": "1"}, r"axis must be an integer"),
    ("gather", [([2] * 5, "float32"), ([2] * 5, "int32")], {}, r"output rank 9 exceeds the maximum rank 8"),
    ("gather_elements", [([2, 3], "float32"), ([2, 3], "uint64")], {}, r"indices data type uint64"),
    ("gather_elements", [([2, 3], "float32"), ([2], "int32")], {}, r"indices rank 1 is not allowed"),
    ("gather_elements", [([2, 3], "float32"), ([4, 2], "int32")], {},
     r"indices shape \[4, 2\] must equal input shape \[2, 3\] except along axis 0"),
    ("gather_elements", [([2, 3], "float32"), ([2, 5], "int32")], {"axis": 0}, r"indices shape \[2, 5\]"),
    ("gather_elements", [([2, 3], "float32"), ([2, 3], "int32")], {"axis": 3}, r"axis 3 is out of bounds"),
    ("gather_nd", [([2, 3], "float32"), ([2, 3], "int32")], {}, r"indices shape\[-1\] 3 .* exceeds input rank 2"),
    ("gather_nd", [([2, 3], "float32"), ([], "int32")], {}, r"indices rank 0 is not allowed"),
    ("gather_nd", [([2, 3], "float32"), ([1, 2], "float16")], {}, r"indices data type float16"),
    ("scatter_elements", [([2, 3], "float32"), ([1, 3], "int32"), ([1, 3], "float16")], {},
     r"updates data type float16 is not allowed \(allowed: float32\)"),
    ("scatter_elements", [([2, 3], "float32"), ([1, 3], "int32"), ([1, 2], "float32")], {},
     r"updates shape \[1, 2\] != indices shape \[1, 3\]"),
    ("scatter_elements", [([2, 3], "float32"), ([1, 2], "int32"), ([1, 2], "float32")], {},
     r"indices shape \[1, 2\] must equal input shape"),
    ("scatter_elements", [([2, 3], "float32"), ([1, 3], "int32"), ([3], "float32")], {},
     r"updates rank 1 is not allowed"),
    ("scatter_elements", [([2, 3], "float32"), ([1, 3], "float32"), ([1, 3], "float32")], {},
     r"indices data type float32"),
    ("scatter_elements", [([2, 3], "float32"), ([2, 3], "int32"), ([2, 3], "float32")], {"axis": 2},
     r"axis 2 is out of bounds"),
    ("scatter_nd", [([4, 3], "float32"), ([2, 1], "int32"), ([2, 4], "float32")], {},
     r"updates shape \[2, 4\] != indices.shape\[:-1\] \+ input.shape\[1:\] = \[2, 3\]"),
    ("scatter_nd", [([4, 3], "float32"), ([2, 3], "int32"), ([2], "float32")], {},
     r"indices shape\[-1\] 3 .* exceeds input rank 2"),
    ("scatter_nd", [([4, 3], "int32"), ([2, 2], "int64"), ([2], "float32")], {},
     r"updates data type float32 is not allowed \(allowed: int32\)"),
    ("scatter_nd", [([4, 3], "int32"), ([2, 2], "uint8"), ([2], "int32")], {}, r"indices data type uint8"),
])
def test_rejects_invalid_calls(builder, name, specs, options, message) -> None:
    with pytest.raises(TypeError, match=rf"^{name} 'lbl': {message}"):
        getattr(builder, name)(*operands(builder, specs), {**options, "label": "lbl"})


@pytest.mark.parametrize("name, specs, options, shape", [
    ("gather", [([4, 5, 6], "int8"), ([2, 3], "uint32")], {"axis": 1}, (4, 2, 3, 6)),
    ("gather", [([4, 5, 6], "float16"), ([], "int64")], {"axis": 2}, (4, 5)),
    ("gather", [([4, 5], "uint64"), ([7], "int32")], {}, (7, 5)),
    ("gather_elements", [([4, 5, 6], "uint8"), ([4, 2, 6], "int32")], {"axis": 1}, (4, 2, 6)),
    ("gather_nd", [([4, 5, 6], "int64"), ([2, 3, 2], "int32")], {}, (2, 3, 6)),
    ("gather_nd", [([4, 5, 6], "int64"), ([3], "int32")], {}, ()),
    ("scatter_elements", [([4, 5], "int8"), ([4, 9], "int64"), ([4, 9], "int8")], {"axis": 1}, (4, 5)),
    ("scatter_nd", [([4, 5, 6], "float16"), ([7, 2], "uint32"), ([7, 6], "float16")], {}, (4, 5, 6)),
    ("scatter_nd", [([4, 5], "uint32"), ([2], "int32"), ([], "uint32")], {}, (4, 5)),
])
def test_output_descriptor(builder, name, specs, options, shape) -> None:
    y = getattr(builder, name)(*operands(builder, specs), **options)
    assert (y.shape, y.data_type) == (list(shape), specs[0][1])


# --------------------------------------------------------------------------- numerics


@pytest.mark.parametrize("index_type", INDEX_TYPES)
@pytest.mark.parametrize("data_type", ["float32", "float16", "int8", "uint64"])
@pytest.mark.parametrize("shape, axis, indices_shape", [
    ((3, 4, 5), 0, (2, 3)), ((3, 4, 5), 1, (6,)), ((3, 4, 5), 2, ()), ((7,), 0, (2, 2, 2)),
    ((2, 1, 3, 2), 3, (5, 1)),
])
def test_gather_matches_formula(context, index_type, data_type, shape, axis, indices_shape) -> None:
    rng = np.random.default_rng(len(shape) * 10 + axis)
    x = rng.integers(0, 100, shape).astype(data_type)
    indices = random_indices(rng, indices_shape, shape[axis], index_type)
    fixed = np.vectorize(lambda i: fix(i, shape[axis]), otypes=[np.intp])(indices)
    want = x[(slice(None),) * axis + (fixed,)]
    y = run(context, "gather", [x, indices], axis=axis)
    assert y.dtype == x.dtype
    np.testing.assert_array_equal(y, want)


@pytest.mark.parametrize("index_type", INDEX_TYPES)
@pytest.mark.parametrize("shape, axis, size", [((3, 4, 5), 0, 6), ((3, 4, 5), 1, 2), ((3, 4, 5), 2, 1), ((9,), 0, 4)])
def test_gather_elements_matches_formula(context, index_type, shape, axis, size) -> None:
    rng = np.random.default_rng(axis)
    x = rng.standard_normal(shape).astype(np.float32)
    indices_shape = list(shape)
    indices_shape[axis] = size
    indices = random_indices(rng, indices_shape, shape[axis], index_type)
    want = np.empty(indices.shape, x.dtype)
    for p in np.ndindex(indices.shape):
        q = list(p)
        q[axis] = fix(indices[p], shape[axis])
        want[p] = x[tuple(q)]
    np.testing.assert_array_equal(run(context, "gather_elements", [x, indices], axis=axis), want)


@pytest.mark.parametrize("index_type", INDEX_TYPES)
@pytest.mark.parametrize("shape, indices_shape", [
    ((3, 4, 5), (6, 1)), ((3, 4, 5), (2, 3, 2)), ((3, 4, 5), (4, 3)), ((3, 4, 5), (3,)), ((6,), (5, 1)),
])
def test_gather_nd_matches_formula(context, index_type, shape, indices_shape) -> None:
    rng = np.random.default_rng(len(indices_shape))
    x = rng.integers(-50, 50, shape).astype(np.int32)
    k = indices_shape[-1]
    indices = np.stack(
        [random_indices(rng, indices_shape[:-1], shape[d], index_type) for d in range(k)], axis=-1
    )
    want = np.empty(indices_shape[:-1] + shape[k:], x.dtype)
    for p in np.ndindex(indices_shape[:-1]):
        want[p] = x[tuple(fix(indices[p][d], shape[d]) for d in range(k))]
    np.testing.assert_array_equal(run(context, "gather_nd", [x, indices]), want)


@pytest.mark.parametrize("index_type", INDEX_TYPES)
@pytest.mark.parametrize("data_type", ["float32", "float16", "int32"])
@pytest.mark.parametrize("shape, axis, size", [((3, 4, 5), 0, 7), ((3, 4, 5), 1, 9), ((3, 4, 5), 2, 2), ((4,), 0, 10)])
def test_scatter_elements_matches_formula(context, index_type, data_type, shape, axis, size) -> None:
    rng = np.random.default_rng(axis + size)
    x = rng.integers(-100, 100, shape).astype(data_type)
    indices_shape = list(shape)
    indices_shape[axis] = size
    # sizes above the dimension guarantee repeated targets; out-of-range ones clamp onto the ends
    indices = random_indices(rng, indices_shape, shape[axis], index_type)
    updates = rng.integers(-100, 100, indices_shape).astype(data_type)
    want = x.copy()
    for p in np.ndindex(indices.shape):  # row-major order: the last write wins
        q = list(p)
        q[axis] = fix(indices[p], shape[axis])
        want[tuple(q)] = updates[p]
    y = run(context, "scatter_elements", [x, indices, updates], axis=axis)
    assert y.dtype == x.dtype
    np.testing.assert_array_equal(y, want)


@pytest.mark.parametrize("index_type", INDEX_TYPES)
@pytest.mark.parametrize("data_type", ["float32", "float16", "int32"])
@pytest.mark.parametrize("shape, indices_shape", [
    ((3, 4, 5), (8, 1)), ((3, 4, 5), (2, 5, 2)), ((3, 4, 5), (30, 3)), ((3, 4, 5), (3,)), ((6,), (9, 1)),
])
def test_scatter_nd_matches_formula(context, index_type, data_type, shape, indices_shape) -> None:
    rng = np.random.default_rng(indices_shape[0])
    x = rng.integers(-100, 100, shape).astype(data_type)
    k = indices_shape[-1]
    indices = np.stack(
        [random_indices(rng, indices_shape[:-1], shape[d], index_type) for d in range(k)], axis=-1
    )
    updates = rng.integers(-100, 100, indices_shape[:-1] + shape[k:]).astype(data_type)
    want = x.copy()
    for p in np.ndindex(indices_shape[:-1]):  # row-major order: the last write wins
        want[tuple(fix(indices[p][d], shape[d]) for d in range(k))] = updates[p]
    y = run(context, "scatter_nd", [x, indices, updates])
    assert y.dtype == x.dtype
    np.testing.assert_array_equal(y, want)


def test_extreme_indices_clamp(context) -> None:
    x = np.arange(5, dtype=np.float32)
    big = np.array([-(2**63), -(2**40), -6, -5, -1, 4, 5, 2**40, 2**63 - 1], np.int64)
    ends = np.array([0, 0, 0, 0, 4, 4, 4, 4, 4], np.float32)
    np.testing.assert_array_equal(run(context, "gather", [x, big]), ends)
    np.testing.assert_array_equal(run(context, "gather_elements", [x, big]), ends)
    np.testing.assert_array_equal(run(context, "gather_nd", [x, big[:, None]]), ends)
    unsigned = np.array([2**32 - 1, 2**31, 5, 3], np.uint32)
    np.testing.assert_array_equal(run(context, "gather", [x, unsigned]), [4, 4, 4, 3])
    # writes land on the ends, the last one at each end wins
    updates = np.arange(10, 19, dtype=np.float32)
    np.testing.assert_array_equal(run(context, "scatter_nd", [x, big[:, None], updates]), [13, 1, 2, 3, 18])
    np.testing.assert_array_equal(run(context, "scatter_elements", [x, big, updates]), [13, 1, 2, 3, 18])


def test_scatter_does_not_modify_its_input(context) -> None:
    builder = context.create_graph_builder()
    x = builder.input("x", [4], "float32")
    i = builder.constant(np.array([[1], [1]], np.int32))
    u = builder.constant(np.array([7, 8], np.float32))
    graph = builder.build({"y": builder.scatter_nd(x, i, u), "z": builder.gather_nd(x, i)})
    data = np.zeros(4, np.float32)
    result = context.compute(graph, {"x": data})
    np.testing.assert_array_equal(result["y"], [0, 8, 0, 0])
    np.testing.assert_array_equal(result["z"], [0, 0])
    np.testing.assert_array_equal(data, 0)


ALL_TYPES = ["float32", "float16", "int32", "uint32", "int64", "uint64", "int8", "uint8"]


def values(rng, shape, data_type):
    if np.dtype(data_type).kind == "f":
        return rng.standard_normal(shape).astype(data_type)
    info = np.iinfo(data_type)
    return rng.integers(info.min, info.max, shape, dtype=data_type, endpoint=True)


@pytest.mark.parametrize("data_type", ALL_TYPES)
def test_every_data_type_moves_exactly(context, data_type) -> None:
    rng = np.random.default_rng(7)
    x = values(rng, (3, 4), data_type)
    i = np.array([[2, -1, 0, 7], [-9, 1, 1, 3]], np.int32)
    rows = [fix(v, 3) for v in i.reshape(-1)]
    np.testing.assert_array_equal(run(context, "gather", [x, i]), x[rows].reshape(2, 4, 4))
    e = np.array([[2, -1], [-9, 1], [3, 7]], np.int64)
    cols = np.vectorize(lambda v: fix(v, 4))(e)
    np.testing.assert_array_equal(run(context, "gather_elements", [x, e], axis=1), np.take_along_axis(x, cols, axis=1))
    np.testing.assert_array_equal(run(context, "gather_nd", [x, i[:, :2]]), x[[2, 0], [3, 1]])
    u = values(rng, (2, 4), data_type)
    want = x.copy()
    want[[0, 2]] = u[::-1]
    np.testing.assert_array_equal(run(context, "scatter_nd", [x, np.array([[2], [-3]], np.int64), u]), want)
    want = x.copy()
    want[[2, 0, 0, 2], [0, 1, 2, 3]] = u[1]  # row 1 comes last: it wins
    y = run(context, "scatter_elements", [x, np.array([[2, 0, 0, 2]] * 2, np.uint32), u], axis=0)
    assert y.dtype == x.dtype
    np.testing.assert_array_equal(y, want)


def run_with_constant_indices(context, name, x, indices, *rest, **options):
    """``name`` with ``indices`` as a graph constant (the other operands are inputs)."""
    builder = context.create_graph_builder()
    a = builder.input("a", list(x.shape), x.dtype.name)
    extra = [builder.input(f"r{i}", list(r.shape), r.dtype.name) for i, r in enumerate(rest)]
    y = getattr(builder, name)(a, builder.constant(indices), *extra, options)
    graph = builder.build({"y": y})
    return context.compute(graph, {"a": x, **{f"r{i}": r for i, r in enumerate(rest)}})["y"]


@pytest.mark.parametrize("index_type", INDEX_TYPES)
def test_constant_indices(context, index_type) -> None:
    x = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    signed = index_type != "uint32"
    raw = np.array([5, -1, 2, -7] if signed else [5, 3, 2, 0]).astype(index_type)
    fixed = [fix(v, 4) for v in raw]
    # a 0-D index drops the axis
    scalar = np.array(-2 if signed else 9, index_type)
    y = run_with_constant_indices(context, "gather", x, scalar, axis=2)
    np.testing.assert_array_equal(y, x[:, :, fix(scalar, 4)])
    np.testing.assert_array_equal(run_with_constant_indices(context, "gather", x, raw, axis=2), x[:, :, fixed])
    grid = np.broadcast_to(raw, (2, 3, 4)).copy()
    np.testing.assert_array_equal(run_with_constant_indices(context, "gather_elements", x, grid, axis=2), x[..., fixed])
    coords = np.array([[1, 5], [-2, -1], [0, 1]] if signed else [[1, 5], [0, 2], [0, 1]]).astype(index_type)
    want = np.stack([x[fix(a, 2), fix(b, 3)] for a, b in coords])
    np.testing.assert_array_equal(run_with_constant_indices(context, "gather_nd", x, coords), want)
    # repeated targets: the last update in row-major order wins
    updates = -np.arange(12, dtype=np.float32).reshape(3, 4) - 1
    want = x.copy()
    for (a, b), u in zip(coords, updates):
        want[fix(a, 2), fix(b, 3)] = u
    np.testing.assert_array_equal(run_with_constant_indices(context, "scatter_nd", x, coords, updates), want)
    same = np.array([[0, 1], [0, 1], [1, 0], [0, 1]], index_type)
    updates = -np.arange(16, dtype=np.float32).reshape(4, 4) - 1
    want = x.copy()
    want[0, 1], want[1, 0] = updates[3], updates[2]
    np.testing.assert_array_equal(run_with_constant_indices(context, "scatter_nd", x, same, updates), want)
    updates = -np.arange(24, dtype=np.float32).reshape(2, 3, 4) - 1
    want = x.copy()
    for p in np.ndindex(grid.shape):
        want[p[0], p[1], fix(grid[p], 4)] = updates[p]
    np.testing.assert_array_equal(
        run_with_constant_indices(context, "scatter_elements", x, grid, updates, axis=2), want
    )


@pytest.mark.parametrize("index_type", INDEX_TYPES)
@pytest.mark.parametrize("shape, k", [((50, 40, 30), 1), ((50, 40, 30), 2), ((50, 40, 30), 3), ((40, 40, 6), 2)])
def test_scatter_nd_many_repeated_targets(context, index_type, shape, k) -> None:
    # Far more coordinates than targets, so every target is written many times; big enough
    # for a multi-threaded kernel to split the work.
    rng = np.random.default_rng(k)
    x = rng.standard_normal(shape).astype(np.float32)
    count = 20_000 // max(1, int(np.prod(shape[k:])) // 30)
    indices = np.stack([random_indices(rng, (count,), min(shape[d], 3), index_type) for d in range(k)], axis=-1)
    updates = rng.standard_normal((count, *shape[k:])).astype(np.float32)
    want = x.copy()
    for p in range(count):
        want[tuple(fix(indices[p][d], shape[d]) for d in range(k))] = updates[p]
    np.testing.assert_array_equal(run(context, "scatter_nd", [x, indices, updates]), want)


@pytest.mark.parametrize("index_type", INDEX_TYPES)
def test_gather_nd_equal_dimensions(context, index_type) -> None:
    x = np.arange(16, dtype=np.int64).reshape(4, 4)
    rng = np.random.default_rng(3)
    indices = random_indices(rng, (10, 2), 4, index_type)
    want = np.array([x[fix(a, 4), fix(b, 4)] for a, b in indices])
    np.testing.assert_array_equal(run(context, "gather_nd", [x, indices]), want)


@pytest.mark.parametrize("data_type", ["uint8", "int64", "uint64", "int8", "uint32"])
def test_scatter_elements_integer_types(context, data_type) -> None:
    rng = np.random.default_rng(11)
    x = values(rng, (3, 5), data_type)
    indices = random_indices(rng, (3, 12), 5, "int64")
    updates = values(rng, (3, 12), data_type)
    want = x.copy()
    for p in np.ndindex(indices.shape):
        want[p[0], fix(indices[p], 5)] = updates[p]
    np.testing.assert_array_equal(run(context, "scatter_elements", [x, indices, updates], axis=1), want)
