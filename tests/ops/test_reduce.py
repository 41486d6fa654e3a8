"""Validation and numerics of the reduction ops and arg_min / arg_max beyond the WPT cases."""

from __future__ import annotations

import math

import numpy as np
import pytest

import webnn

REDUCTIONS = [
    "reduce_l1", "reduce_l2", "reduce_log_sum", "reduce_log_sum_exp", "reduce_max", "reduce_mean",
    "reduce_min", "reduce_product", "reduce_sum", "reduce_sum_square",
]
ARGS = ["arg_min", "arg_max"]
FLOAT_ONLY = ["reduce_l2", "reduce_log_sum", "reduce_log_sum_exp", "reduce_mean"]
INTEGER_OK = ["reduce_l1", "reduce_product", "reduce_sum", "reduce_sum_square"]


@pytest.fixture
def builder() -> webnn.MLGraphBuilder:
    """Validation runs on one backend; the numeric tests use the shared ``context`` fixture
    (every available backend)."""
    return webnn.ML().create_context(backend="reference").create_graph_builder()


def run(context, name, x, data_type=None, *args, **options):
    builder = context.create_graph_builder()
    operand = builder.input("x", list(x.shape), data_type or x.dtype.name)
    graph = builder.build({"y": getattr(builder, name)(operand, *args, options)})
    return context.compute(graph, {"x": x})["y"]


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize("name", REDUCTIONS)
@pytest.mark.parametrize(
    "shape, options, message",
    [
        ([2, 3], {"axes": [2]}, r"axes contains 2, out of bounds for rank 2"),
        ([2, 3, 4], {"axes": [1, 1]}, r"axes \[1, 1\] contains duplicates"),
        ([2, 3], {"axes": [-1]}, r"axes\[0\] -1 is out of bounds"),
        ([2, 3], {"axes": 1}, r"axes must be a sequence"),
        ([2, 3], {"axes": [0.5]}, r"axes\[0\] must be an integer"),
        ([], {"axes": [0]}, r"axes contains 0, out of bounds for rank 0"),
        ([2, 3], {"keepDimensions": 1}, r"keep_dimensions must be a bool"),
    ],
)
def test_reduce_rejects_invalid_options(builder, name, shape, options, message) -> None:
    x = builder.input("x", shape)
    with pytest.raises(TypeError, match=rf"^{name} 'lbl': {message}"):
        getattr(builder, name)(x, {**options, "label": "lbl"})


@pytest.mark.parametrize("name, data_type", [
    *((n, t) for n in FLOAT_ONLY for t in ("int32", "uint8")),
    *((n, t) for n in INTEGER_OK for t in ("int8", "uint8")),
])
def test_reduce_rejects_data_types(builder, name, data_type) -> None:
    x = builder.input("x", [2, 3], data_type)
    with pytest.raises(TypeError, match=rf"^{name}: input data type {data_type} is not allowed"):
        getattr(builder, name)(x)


@pytest.mark.parametrize("name", REDUCTIONS)
@pytest.mark.parametrize("axes, keep, shape", [
    (None, False, ()), (None, True, (1, 1, 1)), ([], False, (2, 3, 4)), ([], True, (2, 3, 4)),
    ([2, 0], False, (3,)), ([2, 0], True, (1, 3, 1)), ([1], False, (2, 4)),
])
def test_reduce_output_descriptor(builder, name, axes, keep, shape) -> None:
    x = builder.input("x", [2, 3, 4], "float16")
    options = {"keepDimensions": keep} if axes is None else {"axes": axes, "keepDimensions": keep}
    y = getattr(builder, name)(x, options)
    assert y.shape == list(shape)
    assert y.data_type == "float16"


@pytest.mark.parametrize("name", ARGS)
@pytest.mark.parametrize(
    "shape, axis, options, message",
    [
        ([], 0, {}, r"input rank 0 is not allowed"),
        ([2, 3], 2, {}, r"axis 2 is out of bounds for rank 2"),
        ([2, 3], -1, {}, r"axis -1 is out of bounds"),
        ([2, 3], None, {}, r"axis must be an integer"),
        ([2, 3], 0, {"outputDataType": "float32"}, r"output_data_type must be one of 'int32', 'int64'"),
        ([2, 3], 0, {"outputDataType": "uint32"}, r"output_data_type must be one of"),
        ([2, 3], 0, {"keepDimensions": "yes"}, r"keep_dimensions must be a bool"),
    ],
)
def test_arg_rejects_invalid_calls(builder, name, shape, axis, options, message) -> None:
    x = builder.input("x", shape)
    with pytest.raises(TypeError, match=rf"^{name} 'lbl': {message}"):
        getattr(builder, name)(x, axis, {**options, "label": "lbl"})


@pytest.mark.parametrize("name", ARGS)
@pytest.mark.parametrize("axis, options, shape, data_type", [
    (1, {}, (2, 4), "int32"),
    (1, {"keepDimensions": True}, (2, 1, 4), "int32"),
    (2, {"outputDataType": "int64"}, (2, 3), "int64"),
    (0, {"keepDimensions": True, "outputDataType": "int64"}, (1, 3, 4), "int64"),
])
def test_arg_output_descriptor(builder, name, axis, options, shape, data_type) -> None:
    x = builder.input("x", [2, 3, 4], "uint8")
    y = getattr(builder, name)(x, axis, options)
    assert (y.shape, y.data_type) == (list(shape), data_type)


# --------------------------------------------------------------------------- float numerics

REFERENCE = {
    "reduce_l1": lambda x, a: np.abs(x).sum(axis=a),
    "reduce_l2": lambda x, a: np.sqrt((x * x).sum(axis=a)),
    "reduce_log_sum": lambda x, a: np.log(x.sum(axis=a)),
    "reduce_log_sum_exp": lambda x, a: np.log(np.exp(x).sum(axis=a)),
    "reduce_max": lambda x, a: x.max(axis=a),
    "reduce_mean": lambda x, a: x.sum(axis=a) / math.prod(x.shape[i] for i in a),
    "reduce_min": lambda x, a: x.min(axis=a),
    "reduce_product": lambda x, a: x.prod(axis=a),
    "reduce_sum": lambda x, a: x.sum(axis=a),
    "reduce_sum_square": lambda x, a: (x * x).sum(axis=a),
}


@pytest.mark.parametrize("name", REDUCTIONS)
@pytest.mark.parametrize("data_type", ["float32", "float16"])
@pytest.mark.parametrize("shape, axes, keep", [
    ((3, 4, 5, 6), None, False),
    ((3, 4, 5, 6), [3, 1], True),
    ((3, 4, 5, 6), [0, 2], False),
    ((2, 3, 2, 3, 2, 2), [5, 0, 3], False),
    ((7, 5), [], False),
    ((), None, True),
])
def test_reduce_float_matches_formula(context, name, data_type, shape, axes, keep) -> None:
    rng = np.random.default_rng(sum(map(ord, name)) + len(shape))
    # positive for log_sum, near 1 for the product so that it stays in range
    x = rng.uniform(0.6, 1.5, shape).astype(data_type)
    if name not in ("reduce_log_sum", "reduce_product"):
        x = (x * rng.choice([-1.0, 1.0], shape)).astype(data_type)
    options = {"keepDimensions": keep} if axes is None else {"axes": axes, "keepDimensions": keep}
    y = run(context, name, x, **options)
    reduced = tuple(range(len(shape))) if axes is None else tuple(axes)
    want = np.asarray(REFERENCE[name](x.astype(np.float64), reduced))
    if keep:
        want = want.reshape([1 if i in reduced else d for i, d in enumerate(shape)])
    assert y.dtype == np.dtype(data_type) and y.shape == want.shape
    np.testing.assert_allclose(y, want, rtol=2e-3 if data_type == "float16" else 2e-5, atol=1e-6)


def test_reduce_float16_accumulates_in_float32(context) -> None:
    # 4096 ones along a strided axis: float16 accumulation would stop at 2048.
    x = np.ones((4096, 2), np.float16)
    np.testing.assert_array_equal(run(context, "reduce_sum", x, axes=[0]), [4096, 4096])
    np.testing.assert_array_equal(run(context, "reduce_sum_square", x, axes=[0]), [4096, 4096])
    np.testing.assert_array_equal(run(context, "reduce_l2", x, axes=[0]), [64, 64])
    np.testing.assert_array_equal(run(context, "reduce_log_sum", x, axes=[0]), np.float16(math.log(4096)))


def test_reduce_log_sum_exp_is_stable(context) -> None:
    x = np.array([[1000.0, 1000.0, -np.inf], [-np.inf, -np.inf, -np.inf], [-1e4, -1e4 + 1, 0.0],
                  [np.inf, 1.0, 2.0], [np.nan, 1.0, 2.0]], np.float32)
    y = run(context, "reduce_log_sum_exp", x, axes=[1])
    want = [1000 + math.log(2), -math.inf, math.log(1 + 2 * math.exp(-9999)), math.inf, math.nan]
    np.testing.assert_allclose(y, np.array(want, np.float32), rtol=1e-6)
    # empty axes: log(exp(x)) == x, also for the infinities
    x = np.array([-np.inf, -88.0, 0.0, 100.0, np.inf], np.float32)
    np.testing.assert_array_equal(run(context, "reduce_log_sum_exp", x, axes=[]), x)


def test_reduce_l2_neither_overflows_nor_underflows(context) -> None:
    x = np.array([[3e30, 4e30], [3e-30, 4e-30], [0.0, 0.0], [np.inf, 1.0], [np.nan, 1.0]], np.float32)
    y = run(context, "reduce_l2", x, axes=[1])
    np.testing.assert_allclose(y, np.array([5e30, 5e-30, 0, np.inf, np.nan], np.float32), rtol=1e-6)
    x = np.array([-3.4e38, 1e-45], np.float32)
    np.testing.assert_array_equal(run(context, "reduce_l2", x, axes=[]), np.abs(x))


@pytest.mark.parametrize("name, special", [
    ("reduce_max", np.nan), ("reduce_min", np.nan), ("reduce_sum", np.nan),
    ("reduce_max", np.inf), ("reduce_min", -np.inf),
])
def test_reduce_special_values_propagate(context, name, special) -> None:
    x = np.array([[1.0, special, 2.0], [1.0, 2.0, 3.0]], np.float32)
    y = run(context, name, x, axes=[1])
    np.testing.assert_array_equal(y[0], np.float32(special))
    assert not np.isnan(y[1])


# --------------------------------------------------------------------------- integer numerics


def _wrap(values, data_type):
    """Python integers reduced to data_type's two's complement range."""
    bits = np.iinfo(data_type).bits
    signed = np.iinfo(data_type).min < 0
    out = []
    for v in values:
        v %= 1 << bits
        if signed and v >= 1 << (bits - 1):
            v -= 1 << bits
        out.append(v)
    return np.array(out, dtype=data_type)


INT_REFERENCE = {
    "reduce_sum": lambda row: sum(row),
    "reduce_l1": lambda row: sum(abs(v) for v in row),
    "reduce_sum_square": lambda row: sum(v * v for v in row),
    "reduce_product": lambda row: math.prod(row),
}


@pytest.mark.parametrize("name", INTEGER_OK)
@pytest.mark.parametrize("data_type", ["int32", "uint32", "int64", "uint64"])
def test_integer_reductions_wrap_around(context, name, data_type) -> None:
    info = np.iinfo(data_type)
    rng = np.random.default_rng(7)
    x = rng.integers(info.min, info.max, (4, 6), dtype=data_type, endpoint=True)
    x[0, :3] = [info.min, info.max, info.max]
    x[1] = [2, 3, 5, 7, 11, 13]  # a product that fits
    y = run(context, name, x, axes=[1])
    rows = [[int(v) for v in row] for row in x]
    want = _wrap([INT_REFERENCE[name](row) for row in rows], data_type)
    assert y.dtype == np.dtype(data_type)
    np.testing.assert_array_equal(y, want)


def test_integer_reductions_small_values(context) -> None:
    x = np.array([[[-3, 4], [5, -6]], [[7, 0], [-1, 2]]], np.int32)
    np.testing.assert_array_equal(run(context, "reduce_sum", x, axes=[0, 2]), [8, 0])
    np.testing.assert_array_equal(run(context, "reduce_l1", x, axes=[2], keepDimensions=True),
                                  [[[7], [11]], [[7], [3]]])
    np.testing.assert_array_equal(run(context, "reduce_product", x, axes=[1]), [[-15, -24], [-7, 0]])
    np.testing.assert_array_equal(run(context, "reduce_sum_square", x), 140)


@pytest.mark.parametrize("data_type", ["int8", "uint8", "int32", "uint32", "int64", "uint64"])
@pytest.mark.parametrize("name", ["reduce_max", "reduce_min"])
def test_max_min_on_integers(context, name, data_type) -> None:
    info = np.iinfo(data_type)
    x = np.random.default_rng(3).integers(info.min, info.max, (3, 4, 5), dtype=data_type, endpoint=True)
    y = run(context, name, x, axes=[0, 2], keepDimensions=True)
    pick = max if name == "reduce_max" else min
    want = np.array([pick(int(v) for v in x[:, j, :].ravel()) for j in range(4)], data_type)
    assert y.dtype == np.dtype(data_type)
    np.testing.assert_array_equal(y, want.reshape(1, 4, 1))


# --------------------------------------------------------------------------- arg_min / arg_max


@pytest.mark.parametrize("name", ARGS)
@pytest.mark.parametrize("data_type", ["float32", "float16", "int8", "uint8", "int32", "uint64"])
@pytest.mark.parametrize("axis, keep", [(0, False), (1, True), (2, False)])
def test_arg_matches_formula(context, name, data_type, axis, keep) -> None:
    rng = np.random.default_rng(axis)
    x = rng.integers(0, 5, (4, 5, 6)).astype(data_type)  # many ties
    y = run(context, name, x, None, axis, keepDimensions=keep, outputDataType="int64")
    moved = np.moveaxis(x, axis, -1)
    best = moved.min(axis=-1) if name == "arg_min" else moved.max(axis=-1)
    # the first index that holds the extreme value
    want = np.array([list(row).index(b) for row, b in zip(moved.reshape(-1, moved.shape[-1]), best.ravel())])
    want = want.reshape(best.shape)
    if keep:
        want = np.expand_dims(want, axis)
    assert y.dtype == np.int64
    np.testing.assert_array_equal(y, want)


@pytest.mark.parametrize("name", ARGS)
def test_arg_nan_gives_first_nan_index(context, name) -> None:
    x = np.array([[1.0, np.nan, 5.0, np.nan], [3.0, -1.0, 5.0, 5.0], [-np.inf, 0.0, np.inf, 0.0]], np.float32)
    y = run(context, name, x, None, 1)
    want = [1, 1, 0] if name == "arg_min" else [1, 2, 2]
    assert y.dtype == np.int32
    np.testing.assert_array_equal(y, want)


# --------------------------------------------------------------------------- more types and layouts


@pytest.mark.parametrize("name", INTEGER_OK)
@pytest.mark.parametrize("data_type", ["int32", "uint32", "int64", "uint64"])
@pytest.mark.parametrize("shape, axes, keep", [
    ((2, 3, 4, 5), [0, 2], False),
    ((2, 3, 4, 5), [3, 1], True),
    ((2, 3, 4, 5), None, False),
    ((3, 7, 5), [1], False),       # an odd size: the product tree carries one value
    ((1, 5, 1, 3), [0, 2], True),  # only dimensions of size 1 reduced
    ((1, 5, 1, 3), [2, 3], False),
    ((11,), [0], True),
])
def test_integer_reductions_axes(context, name, data_type, shape, axes, keep) -> None:
    info = np.iinfo(data_type)
    rng = np.random.default_rng(len(shape) + (axes or [9])[0])
    x = rng.integers(info.min, info.max, shape, dtype=data_type, endpoint=True)
    options = {"keepDimensions": keep} if axes is None else {"axes": axes, "keepDimensions": keep}
    y = run(context, name, x, **options)
    objects = x.astype(object)
    mapped = {"reduce_l1": np.abs(objects), "reduce_sum_square": objects * objects}.get(name, objects)
    reduced = tuple(range(len(shape))) if axes is None else tuple(axes)
    fold = np.prod if name == "reduce_product" else np.sum
    exact = np.asarray(fold(mapped, axis=reduced, keepdims=keep), dtype=object)
    want = _wrap(exact.ravel().tolist(), data_type).reshape(exact.shape)
    assert y.dtype == np.dtype(data_type) and y.shape == want.shape
    np.testing.assert_array_equal(y, want)


@pytest.mark.parametrize("data_type", ["int32", "uint32", "int64", "uint64", "float32", "float16"])
def test_empty_axes_apply_elementwise(context, data_type) -> None:
    if data_type.startswith(("int", "uint")):
        info = np.iinfo(data_type)
        x = np.array([[info.min, info.max, 0], [3, 2**15, 7]], dtype=data_type)
    else:
        x = np.array([[-2.5, 3.0, 0.0], [1.5, -0.25, 40.0]], dtype=data_type)
    names = INTEGER_OK + ["reduce_max", "reduce_min"]
    if data_type.startswith("float"):
        names += FLOAT_ONLY
    for name in names:
        y = run(context, name, x, axes=[])
        with np.errstate(all="ignore"):
            want = {
                "reduce_l1": np.abs(x), "reduce_l2": np.abs(x), "reduce_sum_square": x * x,
                "reduce_log_sum": np.log(x.astype(np.float64)).astype(x.dtype),
            }.get(name, x)
        assert y.dtype == x.dtype and y.shape == x.shape, name
        np.testing.assert_array_equal(y, want, err_msg=name)


@pytest.mark.parametrize("name", REDUCTIONS)
def test_scalar_constant_input(context, name) -> None:
    builder = context.create_graph_builder()
    c = builder.constant(np.array(2.0, np.float32))
    graph = builder.build({"y": getattr(builder, name)(c, {"keepDimensions": True})})
    y = context.compute(graph, {})["y"]
    want = {"reduce_sum_square": 4.0, "reduce_log_sum": math.log(2.0)}.get(name, 2.0)
    assert y.shape == () and y.dtype == np.float32
    np.testing.assert_allclose(y, want, rtol=1e-6)


@pytest.mark.parametrize("name", ["reduce_max", "reduce_min"])
@pytest.mark.parametrize("data_type", ["float32", "float16"])
def test_max_min_nan_anywhere_propagates(context, name, data_type) -> None:
    x = np.array([[np.nan, 1.0, 2.0], [1.0, np.nan, 2.0], [1.0, 2.0, np.nan], [1.0, 5.0, -3.0]], data_type)
    y = run(context, name, x, axes=[1], keepDimensions=True)
    assert y.dtype == np.dtype(data_type) and y.shape == (4, 1)
    assert np.isnan(y[:3]).all()
    assert y[3, 0] == (5.0 if name == "reduce_max" else -3.0)


@pytest.mark.parametrize("name", ["reduce_max", "reduce_min", "arg_max", "arg_min"])
@pytest.mark.parametrize("data_type", ["uint32", "uint64", "int64"])
def test_max_min_keep_unsigned_order(context, name, data_type) -> None:
    info = np.iinfo(data_type)
    big = [info.max, info.max - 1, 2 ** (info.bits - 1), 2 ** (info.bits - 1) - 1, 1, 0]
    values = big if info.min == 0 else [info.max, info.min, -1, 0, info.min + 1, 1]
    x = np.array([values, values[::-1], values[2:] + values[:2]], dtype=data_type)
    pick = {"reduce_max": np.max, "reduce_min": np.min, "arg_max": np.argmax, "arg_min": np.argmin}[name]
    if name.startswith("arg"):
        y = run(context, name, x, None, 1)
        assert y.dtype == np.int32
    else:
        y = run(context, name, x, axes=[1])
        assert y.dtype == np.dtype(data_type)
    np.testing.assert_array_equal(y, pick(x, axis=1))


@pytest.mark.parametrize("name", ARGS)
@pytest.mark.parametrize("data_type", ["float16", "float32"])
@pytest.mark.parametrize("output_data_type", ["int32", "int64"])
def test_arg_nan_along_any_axis(context, name, data_type, output_data_type) -> None:
    x = np.arange(24, dtype=data_type).reshape(2, 3, 4) % 5
    x[0, 2, 1] = np.nan
    x[1, 1, 3] = np.nan
    x[1, 2, 3] = np.nan
    for axis in range(3):
        y = run(context, name, x, None, axis, outputDataType=output_data_type)
        want = np.argmax(x, axis=axis) if name == "arg_max" else np.argmin(x, axis=axis)
        assert y.dtype == np.dtype(output_data_type)
        np.testing.assert_array_equal(y, want)


def test_reduce_l2_float16_range(context) -> None:
    x = np.array([[3e4, 4e4], [3e-5, 4e-5], [6e-8, 0.0]], np.float16)
    y = run(context, "reduce_l2", x, axes=[1])
    assert y.dtype == np.float16
    np.testing.assert_allclose(y, np.array([5e4, 5e-5, 6e-8], np.float16), rtol=1e-3)
