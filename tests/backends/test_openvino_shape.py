"""The openvino backend's shape, indexing, reduction and scan lowerings against NumPy."""

from __future__ import annotations

import numpy as np
import pytest

import webnn

pytest.importorskip("openvino")

if "openvino" not in webnn.available_backends():
    pytest.skip("the openvino backend is not available", allow_module_level=True)


@pytest.fixture(scope="module")
def context() -> webnn.MLContext:
    return webnn.ML().create_context(backend="openvino")


def compute(context, make, **arrays):
    builder = context.create_graph_builder()
    operands = {name: builder.input(name, list(a.shape), str(a.dtype)) for name, a in arrays.items()}
    graph = builder.build({"out": make(builder, **operands)})
    return context.compute(graph, arrays)["out"]


@pytest.mark.parametrize("index_type", ["int32", "uint32"])
def test_gather_clamps_and_counts_negative_indices_from_the_end(context, index_type) -> None:
    x = np.arange(20, dtype=np.float32).reshape(5, 4)
    raw = [-1, -5, -6, -100, 0, 4, 5, 1000, 2**31 - 1]
    if index_type == "uint32":
        raw = [0, 4, 5, 1000, 2**31, 2**32 - 1, 2**32 - 2]
    indices = np.array(raw, dtype=np.int64)
    normalized = np.clip(np.where(indices < 0, indices + 5, indices), 0, 4)
    y = compute(context, lambda b, x, i: b.gather(x, i), x=x, i=indices.astype(index_type))
    np.testing.assert_array_equal(y, x[normalized])


def test_gather_elements_and_gather_nd_clamp(context) -> None:
    x = np.arange(12, dtype=np.int32).reshape(3, 4)
    i = np.array([[-1, 9, 0, -9]] * 3, dtype=np.int32)
    y = compute(context, lambda b, x, i: b.gather_elements(x, i, {"axis": 1}), x=x, i=i)
    np.testing.assert_array_equal(y, np.take_along_axis(x, np.array([[3, 3, 0, 0]] * 3), axis=1))
    c = np.array([[-1, -1], [7, -9]], dtype=np.int32)
    y = compute(context, lambda b, x, i: b.gather_nd(x, i), x=x, i=c)
    np.testing.assert_array_equal(y, [x[2, 3], x[2, 0]])


def test_scatter_nd_last_update_wins(context) -> None:
    x = np.zeros((4, 2), np.float32)
    i = np.array([[1], [-3], [2], [9]], np.int32)
    u = np.arange(8, dtype=np.float32).reshape(4, 2)
    y = compute(context, lambda b, x, i, u: b.scatter_nd(x, i, u), x=x, i=i, u=u)
    expected = x.copy()
    expected[1], expected[3], expected[2] = u[1], u[3], u[2]
    np.testing.assert_array_equal(y, expected)


@pytest.mark.parametrize("mode, numpy_mode", [("edge", "edge"), ("reflection", "reflect")])
def test_pad_modes(context, mode, numpy_mode) -> None:
    x = np.arange(12, dtype=np.float32).reshape(3, 4)
    y = compute(context, lambda b, x: b.pad(x, [2, 1], [1, 3], {"mode": mode}), x=x)
    np.testing.assert_array_equal(y, np.pad(x, ((2, 1), (1, 3)), mode=numpy_mode))


def test_pad_uint32_with_a_large_value(context) -> None:
    x = np.array([1, 2], np.uint32)
    y = compute(context, lambda b, x: b.pad(x, [1], [1], {"value": 2**32 - 2}), x=x)
    np.testing.assert_array_equal(y, [2**32 - 2, 1, 2, 2**32 - 2])


def test_slice_with_strides(context) -> None:
    x = np.arange(60, dtype=np.int8).reshape(3, 4, 5)
    y = compute(context, lambda b, x: b.slice(x, [0, 1, 1], [3, 3, 4], {"strides": [2, 2, 3]}), x=x)
    np.testing.assert_array_equal(y, x[0:3:2, 1:4:2, 1:5:3])


@pytest.mark.parametrize("data_type", ["int32", "uint32"])
@pytest.mark.parametrize("op", ["reduce_sum", "reduce_product", "reduce_max", "reduce_min", "reduce_sum_square"])
def test_integer_reductions_are_exact_and_wrap(context, op, data_type) -> None:
    info = np.iinfo(data_type)
    x = np.random.default_rng(1).integers(info.min, info.max, size=(3, 5, 7), endpoint=True).astype(data_type)
    y = compute(context, lambda b, x: getattr(b, op)(x, {"axes": [0, 2]}), x=x)
    expected = {
        "reduce_sum": lambda: np.sum(x, axis=(0, 2), dtype=x.dtype),
        "reduce_product": lambda: np.prod(x, axis=(0, 2), dtype=x.dtype),
        "reduce_max": lambda: np.max(x, axis=(0, 2)),
        "reduce_min": lambda: np.min(x, axis=(0, 2)),
        "reduce_sum_square": lambda: np.sum(x * x, axis=(0, 2), dtype=x.dtype),
    }[op]()
    np.testing.assert_array_equal(y, expected)


@pytest.mark.parametrize("data_type", ["float32", "int32", "uint32", "int8"])
@pytest.mark.parametrize("op", ["arg_max", "arg_min"])
def test_arg_min_max_take_the_first_of_ties(context, op, data_type) -> None:
    x = np.random.default_rng(2).integers(0, 3, size=(4, 300)).astype(data_type)
    if data_type == "uint32":
        x = x + np.uint32(2**31)
    y = compute(context, lambda b, x: getattr(b, op)(x, 1), x=x)
    np.testing.assert_array_equal(y, np.argmax(x, 1) if op == "arg_max" else np.argmin(x, 1))


def test_arg_max_and_reduce_max_propagate_nan(context) -> None:
    x = np.array([[1, np.nan, 5, np.nan], [1, 2, 3, np.nan]], np.float32)
    np.testing.assert_array_equal(compute(context, lambda b, x: b.arg_max(x, 1), x=x), [1, 3])
    assert np.isnan(compute(context, lambda b, x: b.reduce_max(x, {"axes": [1]}), x=x)).all()


def test_int64_is_refused(context) -> None:
    with pytest.raises(webnn.NotSupportedError):
        compute(context, lambda b, x: b.reshape(x, [2]), x=np.array([2**40, 1], np.int64))
