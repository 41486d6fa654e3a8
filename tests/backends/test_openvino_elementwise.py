"""The openvino backend's element-wise and activation lowerings on the values where OpenVINO's
CPU plugin departs from WebNN (saturating 8-bit arithmetic, 32-bit integers compared and
selected through float32, NaN / -0 in maximum, minimum, clamp and relu, wrapping float to
integer conversion), against NumPy formulas."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("openvino")

import webnn  # noqa: E402

NAN, INF = np.nan, np.inf


@pytest.fixture(scope="module")
def context() -> webnn.MLContext:
    return webnn.ML().create_context(backend="openvino")


def run(context: webnn.MLContext, build, *arrays: np.ndarray) -> np.ndarray:
    builder = context.create_graph_builder()
    inputs = [builder.input(f"x{i}", list(a.shape), a.dtype.name) for i, a in enumerate(arrays)]
    graph = builder.build({"y": build(builder, *inputs)})
    return context.compute(graph, {f"x{i}": a for i, a in enumerate(arrays)})["y"]


def same(actual: np.ndarray, expected: np.ndarray) -> None:
    """Equal values and dtypes, NaN where expected, and the signs of zeros."""
    assert actual.dtype == expected.dtype
    np.testing.assert_array_equal(actual, expected)
    if actual.dtype.kind == "f":
        np.testing.assert_array_equal(np.signbit(actual), np.signbit(expected))


@pytest.mark.parametrize("data_type", ["int8", "uint8", "int32", "uint32"])
@pytest.mark.parametrize("op", ["add", "sub", "mul"])
def test_integer_arithmetic_wraps(context, data_type, op) -> None:
    info = np.iinfo(data_type)
    a = np.array([info.max, info.min, info.max, 100, info.max - 1, 7], data_type)
    b = np.array([1, 1, info.max, 100, 3, info.max], data_type)
    with np.errstate(over="ignore"):
        expected = getattr(np, {"add": "add", "sub": "subtract", "mul": "multiply"}[op])(a, b)
    same(run(context, lambda g, x, y: getattr(g, op)(x, y), a, b), expected)


@pytest.mark.parametrize("data_type", ["int8", "uint8"])
def test_integer_div_truncates_and_wraps(context, data_type) -> None:
    info = np.iinfo(data_type)
    if data_type == "int8":
        a = np.array([7, -7, 7, -7, -128, 5, 0], data_type)
        b = np.array([2, 2, -2, -2, -1, 0, 0], data_type)
        expected = np.array([3, -3, -3, 3, -128, 0, 0], data_type)
    else:
        a = np.array([255, 7, 5, 0], data_type)
        b = np.array([2, 3, 0, 0], data_type)
        expected = np.array([127, 2, 0, 0], data_type)
    assert info.bits == 8
    same(run(context, lambda g, x, y: g.div(x, y), a, b), expected)


@pytest.mark.parametrize("data_type", ["int32", "uint32"])
def test_32_bit_comparisons_and_selection_are_exact(context, data_type) -> None:
    # Values float32 cannot tell apart.
    info = np.iinfo(data_type)
    a = np.array([info.max - 2, info.max, 16777217, info.min + 1, 123456789], data_type)
    b = np.array([info.max, info.max - 1, 16777216, info.min, 123456789], data_type)
    for op, func in (("equal", np.equal), ("not_equal", np.not_equal), ("greater", np.greater),
                     ("greater_or_equal", np.greater_equal), ("lesser", np.less),
                     ("lesser_or_equal", np.less_equal)):
        same(run(context, lambda g, x, y, op=op: getattr(g, op)(x, y), a, b), func(a, b).astype(np.uint8))
    same(run(context, lambda g, x, y: g.max(x, y), a, b), np.maximum(a, b))
    same(run(context, lambda g, x, y: g.min(x, y), a, b), np.minimum(a, b))
    condition = np.array([1, 0, 2, 0, 1], np.uint8)
    same(run(context, lambda g, c, x, y: g.where(c, x, y), condition, a, b), np.where(condition != 0, a, b))
    high = int(info.max) - 1
    same(run(context, lambda g, x: g.clamp(x, min_value=1, max_value=high), a), np.clip(a, 1, high).astype(data_type))


@pytest.mark.parametrize("data_type", ["int32", "int8", "uint32"])
def test_integer_pow_wraps(context, data_type) -> None:
    info = np.iinfo(data_type)
    a = np.array([3, 7, info.max, 2, 5, 1], data_type)
    b = np.array([5, 12, 1, 31 if info.bits > 8 else 7, 0, 9], data_type)
    expected = np.array([pow(int(x), int(y), 1 << info.bits) for x, y in zip(a, b)], np.uint64)
    expected = expected.astype(np.uint64).astype(data_type)  # the low bits, reinterpreted
    same(run(context, lambda g, x, y: g.pow(x, y), a, b), expected)


@pytest.mark.parametrize("data_type", ["float32", "float16"])
def test_max_min_propagate_nan_and_order_zeros(context, data_type) -> None:
    a = np.array([NAN, 1, -0.0, 0.0, -0.0, 0.0, 2], data_type)
    b = np.array([1, NAN, 0.0, -0.0, -0.0, 0.0, -3], data_type)
    same(run(context, lambda g, x, y: g.max(x, y), a, b), np.array([NAN, NAN, 0.0, 0.0, -0.0, 0.0, 2], data_type))
    same(run(context, lambda g, x, y: g.min(x, y), a, b), np.array([NAN, NAN, -0.0, -0.0, -0.0, 0.0, -3], data_type))


@pytest.mark.parametrize("data_type", ["float32", "float16"])
def test_clamp_relu_keep_nan_and_negative_zero(context, data_type) -> None:
    x = np.array([NAN, -0.0, 0.0, -1, 1, 5, -INF, INF], data_type)
    same(run(context, lambda g, v: g.relu(v), x), np.array([NAN, -0.0, 0.0, 0, 1, 5, 0, INF], data_type))
    same(run(context, lambda g, v: g.clamp(v, min_value=0, max_value=3), x),
         np.array([NAN, -0.0, 0.0, 0, 1, 3, 0, 3], data_type))


@pytest.mark.parametrize("data_type", ["float32", "float16"])
def test_comparisons_with_nan_are_false(context, data_type) -> None:
    a = np.array([NAN, 1, NAN, 2], data_type)
    b = np.array([1, NAN, NAN, 1], data_type)
    for op in ("greater", "greater_or_equal", "lesser", "lesser_or_equal", "equal"):
        expected = np.array([0, 0, 0, 1 if op.startswith("greater") else 0], np.uint8)
        same(run(context, lambda g, x, y, op=op: getattr(g, op)(x, y), a, b), expected)
    same(run(context, lambda g, x, y: g.not_equal(x, y), a, b), np.array([1, 1, 1, 1], np.uint8))


def test_sign_of_nan_is_zero_and_round_even(context) -> None:
    x = np.array([NAN, -0.0, 2.5, -2.5, 0.5, -1.5, 3], np.float32)
    same(run(context, lambda g, v: g.sign(v), x), np.array([0, 0, 1, -1, 1, -1, 1], np.float32))
    same(run(context, lambda g, v: g.round_even(v), x), np.array([NAN, -0.0, 2, -2, 0, -2, 3], np.float32))


@pytest.mark.parametrize("target", ["int8", "uint8", "int32", "uint32"])
def test_float_to_integer_cast_saturates(context, target) -> None:
    x = np.array([NAN, INF, -INF, 300.7, -300.7, -1.5, 1e10, -1e10, 2.5, 4294967040.0, 2147483520.0], np.float32)
    info = np.iinfo(target)
    t = np.trunc(np.nan_to_num(x.astype(np.float64), nan=0.0))
    expected = np.clip(t, info.min, info.max).astype(target)
    same(run(context, lambda g, v: g.cast(v, target), x), expected)


def test_integer_casts_keep_the_low_bits(context) -> None:
    x = np.array([300, -1, -129, 128, 2**31 - 1, -(2**31), 20], np.int32)
    same(run(context, lambda g, v: g.cast(v, "uint8"), x), x.astype(np.uint8))
    same(run(context, lambda g, v: g.cast(v, "int8"), x), x.astype(np.int8))
    same(run(context, lambda g, v: g.cast(v, "uint32"), x), x.astype(np.uint32))
    same(run(context, lambda g, v: g.cast(v, "int4"), x), (((x.astype(np.int64) + 8) & 15) - 8).astype(np.int8))


def test_logical_ops_treat_nonzero_as_true(context) -> None:
    a = np.array([0, 1, 2, 255, 0, 7], np.uint8)
    b = np.array([0, 0, 3, 1, 9, 255], np.uint8)
    same(run(context, lambda g, x, y: g.logical_and(x, y), a, b), ((a != 0) & (b != 0)).astype(np.uint8))
    same(run(context, lambda g, x, y: g.logical_or(x, y), a, b), ((a != 0) | (b != 0)).astype(np.uint8))
    same(run(context, lambda g, x, y: g.logical_xor(x, y), a, b), ((a != 0) ^ (b != 0)).astype(np.uint8))
    same(run(context, lambda g, x: g.logical_not(x), a), (a == 0).astype(np.uint8))


def test_int64_is_refused(context) -> None:
    with pytest.raises(webnn.NotSupportedError):
        run(context, lambda g, x, y: g.add(x, y), np.array([2**40], np.int64), np.array([1], np.int64))
