"""Validation and numerics of cumulative_sum beyond the WPT cases."""

from __future__ import annotations

import numpy as np
import pytest

import webnn


@pytest.fixture
def builder() -> webnn.MLGraphBuilder:
    """Validation runs on one backend; the numeric tests use the shared ``context`` fixture."""
    return webnn.ML().create_context(backend="reference").create_graph_builder()


def run(context, x, axis, constant=False, **options):
    builder = context.create_graph_builder()
    desc = {"dataType": x.dtype.name, "shape": list(x.shape)}
    operand = builder.constant(desc, x) if constant else builder.input("x", desc)
    graph = builder.build({"y": builder.cumulative_sum(operand, axis, options)})
    return context.compute(graph, {} if constant else {"x": x})["y"]


def formula(x: np.ndarray, axis: int, exclusive: bool, reversed: bool) -> np.ndarray:
    """Each output element as an explicit sum over its window of the axis (Python ints or float64)."""
    n = x.shape[axis]
    moved = np.moveaxis(x, axis, 0)
    wide = moved.astype(object) if x.dtype.kind in "iu" else moved.astype(np.float64)
    out = np.empty_like(wide)
    for i in range(n):
        if reversed:
            window = range(i + 1 if exclusive else i, n)
        else:
            window = range(0, i if exclusive else i + 1)
        out[i] = sum((wide[j] for j in window), np.zeros_like(wide[0]))
    return np.moveaxis(out, 0, axis)


def wrap(values: np.ndarray, data_type: str) -> np.ndarray:
    """Python integers reduced to ``data_type``'s two's complement range."""
    bits = np.dtype(data_type).itemsize * 8
    signed = np.dtype(data_type).kind == "i"

    def one(v: int) -> int:
        v %= 1 << bits
        return v - (1 << bits) if signed and v >= 1 << (bits - 1) else v

    return np.array([one(v) for v in values.ravel()], data_type).reshape(values.shape)


@pytest.mark.parametrize("shape, axis, options, message", [
    ([2, 3], 2, {}, r"axis 2 is out of bounds for rank 2"),
    ([2, 3], -1, {}, r"axis -1 is out of bounds"),
    ([2, 3], None, {}, r"axis must be an integer"),
    ([], 0, {}, r"input rank 0 is not allowed"),
    ([2, 3], 0, {"exclusive": 1}, r"exclusive must be a bool"),
    ([2, 3], 0, {"reversed": "yes"}, r"reversed must be a bool"),
])
def test_cumulative_sum_rejects_invalid_calls(builder, shape, axis, options, message) -> None:
    x = builder.input("x", shape)
    with pytest.raises(TypeError, match=rf"^cumulative_sum 'lbl': {message}"):
        builder.cumulative_sum(x, axis, {**options, "label": "lbl"})


@pytest.mark.parametrize("data_type", ["int8", "uint8"])
def test_cumulative_sum_rejects_data_types(builder, data_type) -> None:
    x = builder.input("x", [2, 3], data_type)
    with pytest.raises(TypeError, match=rf"^cumulative_sum: input data type {data_type} is not allowed"):
        builder.cumulative_sum(x, 0)


OPTIONS = [(False, False), (True, False), (False, True), (True, True)]


@pytest.mark.parametrize("exclusive, reversed", OPTIONS)
@pytest.mark.parametrize("data_type", ["float32", "float16"])
@pytest.mark.parametrize("shape, axis", [((5,), 0), ((3, 4, 5), 0), ((3, 4, 5), 1), ((3, 4, 5), 2), ((2, 1, 3, 2, 7), 4)])
def test_cumulative_sum_float_matches_formula(context, data_type, shape, axis, exclusive, reversed) -> None:
    rng = np.random.default_rng(len(shape) + axis)
    x = rng.uniform(-1, 1, shape).astype(data_type)
    y = run(context, x, axis, exclusive=exclusive, reversed=reversed)
    assert y.dtype == x.dtype and y.shape == x.shape
    want = formula(x, axis, exclusive, reversed)
    np.testing.assert_allclose(y, want, rtol=0, atol=2e-3 if data_type == "float16" else 1e-5)


@pytest.mark.parametrize("exclusive, reversed", OPTIONS)
@pytest.mark.parametrize("data_type", ["int32", "uint32", "int64", "uint64"])
def test_cumulative_sum_integers_wrap(context, data_type, exclusive, reversed) -> None:
    rng = np.random.default_rng(3)
    info = np.iinfo(data_type)
    # values near the type's maximum: the running sums overflow and must wrap exactly
    x = np.asarray(rng.integers(info.max // 2, info.max, (3, 6), dtype=data_type, endpoint=True))
    for axis in (0, 1):
        y = run(context, x, axis, exclusive=exclusive, reversed=reversed)
        assert y.dtype == x.dtype
        np.testing.assert_array_equal(y, wrap(formula(x, axis, exclusive, reversed), data_type))


def test_cumulative_sum_float16_accumulates_in_float32(context) -> None:
    # float16 accumulation would stop at 2048; float32 then one rounding reaches 4096
    x = np.ones((4096, 2), np.float16)
    y = run(context, x, 0)
    np.testing.assert_array_equal(y[-1], [4096, 4096])
    np.testing.assert_array_equal(y[:, 0], np.arange(1, 4097).astype(np.float16))
    x = np.ones((4097, 2), np.float16)
    np.testing.assert_array_equal(run(context, x, 0, exclusive=True, reversed=True)[0], [4096, 4096])


@pytest.mark.parametrize("data_type", ["float32", "int32", "uint64"])
def test_cumulative_sum_of_a_constant(context, data_type) -> None:
    x = np.arange(1, 13).reshape(3, 4).astype(data_type)
    for exclusive, reversed in OPTIONS:
        y = run(context, x, 1, constant=True, exclusive=exclusive, reversed=reversed)
        assert y.dtype == x.dtype
        np.testing.assert_array_equal(y, formula(x, 1, exclusive, reversed).astype(data_type))


def test_cumulative_sum_rank_1_of_length_1(context) -> None:
    x = np.array([2.5], np.float32)
    np.testing.assert_array_equal(run(context, x, 0), [2.5])
    np.testing.assert_array_equal(run(context, x, 0, exclusive=True), [0])
    np.testing.assert_array_equal(run(context, x, 0, exclusive=True, reversed=True), [0])
