"""The litert backend's element-wise lowerings on what the WPT cases leave out: integer
wrap-around and truncation in every integer type, NaN / infinities / signed zeros, casts at the
edges of each type, transcendental functions over the whole float32 range, float16 rounding
and broadcasting in high ranks; against NumPy formulas or the reference backend.  The inputs are
graph inputs (not constants, which the passes fold)."""

from __future__ import annotations

import math

import numpy as np
import pytest

pytest.importorskip("ai_edge_litert")

import webnn  # noqa: E402

NAN, INF = np.nan, np.inf
INTS = ["int8", "uint8", "int32", "uint32", "int64", "uint64"]
ALL = ["float32", "float16", *INTS]


def run(context: webnn.MLContext, build, *arrays: np.ndarray) -> np.ndarray:
    builder = context.create_graph_builder()
    inputs = [builder.input(f"x{i}", list(a.shape), a.dtype.name) for i, a in enumerate(arrays)]
    graph = builder.build({"y": build(builder, *inputs)})
    return context.compute(graph, {f"x{i}": a for i, a in enumerate(arrays)})["y"]


def same(actual: np.ndarray, expected: np.ndarray) -> None:
    """Equal values, dtypes and shapes, NaN where expected, and the signs of zeros."""
    assert actual.dtype == expected.dtype and actual.shape == expected.shape
    np.testing.assert_array_equal(actual, expected)
    if actual.dtype.kind == "f":
        np.testing.assert_array_equal(np.signbit(actual[actual == 0]), np.signbit(expected[expected == 0]))


def ulps(actual: np.ndarray, expected: np.ndarray) -> np.ndarray:
    """The distance in units in the last place (0 where both are NaN)."""
    int_type = {2: np.int16, 4: np.int32}[actual.dtype.itemsize]
    low = np.iinfo(int_type).min
    a, e = (x.view(int_type).astype(np.int64) for x in (actual, expected))
    a, e = np.where(a < 0, low - a, a), np.where(e < 0, low - e, e)
    return np.where(np.isnan(actual) & np.isnan(expected), 0, np.abs(a - e))


def edges(data_type: str) -> np.ndarray:
    """Random values of ``data_type`` and its extremes (floats: zeros, infinities, NaN, huge and
    tiny normal values; no subnormals, which XNNPACK flushes)."""
    rng = np.random.default_rng(abs(hash(data_type)) % 1000)
    if data_type.startswith("float"):
        values = [0.0, -0.0, INF, -INF, NAN, 1.0, -1.0, 0.5, -2.5, 3e38, -3e38, 1e-30, 65504, 70000]
        random = np.concatenate([rng.standard_normal(40) * 10, 10.0 ** rng.uniform(-30, 38, 40)])
        with np.errstate(over="ignore"):
            return np.concatenate([values, random * rng.choice([-1, 1], random.size)]).astype(data_type)
    info = np.iinfo(data_type)
    special = [info.min, info.max, 0, 1, 2, info.max - 1] + ([-1, -2, info.min + 1] if info.min else [])
    random = rng.integers(info.min, info.max, 40, data_type, endpoint=True)
    return np.concatenate([np.array(special, data_type), random])


def pairs(data_type: str) -> tuple[np.ndarray, np.ndarray]:
    """Every pair of :func:`edges` values (a 2-D grid)."""
    values = edges(data_type)
    return values[:, None].copy(), values[None, :].copy()


# --------------------------------------------------------------------------- integers


@pytest.mark.parametrize("data_type", INTS)
@pytest.mark.parametrize("op", ["add", "sub", "mul"])
def test_integer_arithmetic_wraps(litert, data_type, op) -> None:
    a, b = pairs(data_type)
    with np.errstate(over="ignore"):
        expected = {"add": np.add, "sub": np.subtract, "mul": np.multiply}[op](a, b)
    same(run(litert, lambda g, x, y: getattr(g, op)(x, y), a, b), expected)


@pytest.mark.parametrize("data_type", ["int8", "uint8", "int32", "uint32"])
def test_integer_div_truncates_toward_zero_and_gives_0_for_0(litert, reference, data_type) -> None:
    a, b = pairs(data_type)
    actual = run(litert, lambda g, x, y: g.div(x, y), a, b)
    same(actual, run(reference, lambda g, x, y: g.div(x, y), a, b))
    info = np.iinfo(data_type)
    if info.min:
        assert actual[0, np.flatnonzero(b[0] == -1)[0]] == info.min  # (INT_MIN / -1 wraps)
    assert (actual[:, b[0] == 0] == 0).all()


def test_division_types_it_cannot_do_exactly_are_refused_and_unlisted(litert) -> None:
    listed = litert.op_support_limits()["div"]["a"]["dataTypes"]
    assert "int64" not in listed and "int32" in listed and "float16" in listed
    builder = litert.create_graph_builder()
    x = builder.input("x", [2], "int64")
    with pytest.raises(webnn.NotSupportedError, match="div"):
        builder.build({"y": builder.div(x, x)})


@pytest.mark.parametrize("data_type", INTS)
def test_integer_pow_wraps_and_negative_exponents_truncate(litert, reference, data_type) -> None:
    info = np.iinfo(data_type)
    bases = np.array([0, 1, 2, 3, 7, 100, info.max, info.min] + ([-1, -2, -3] if info.min else []), data_type)
    negative = [-1, -2, -3, info.min] if info.min else [info.max]
    exponents = np.array([0, 1, 2, 3, 8, 31, 33, 63, 64, 127, info.max - 1, *negative], data_type)
    a, b = bases[:, None], exponents[None, :]
    same(run(litert, lambda g, x, y: g.pow(x, y), a, b), run(reference, lambda g, x, y: g.pow(x, y), a, b))


def with_constant(context: webnn.MLContext, op: str, x: np.ndarray, value: np.ndarray,
                  first: bool = False) -> np.ndarray:
    """``op(x, value)`` (``op(value, x)`` with ``first``), ``value`` a constant of the graph."""
    builder = context.create_graph_builder()
    input = builder.input("x", list(x.shape), x.dtype.name)
    c = builder.constant({"dataType": value.dtype.name, "shape": list(value.shape)}, value)
    graph = builder.build({"y": getattr(builder, op)(*((c, input) if first else (input, c)))})
    return context.compute(graph, {"x": x})["y"]


def test_integer_pow_by_a_constant_exponent(litert, reference) -> None:
    a = np.array([-3, -1, 0, 1, 2, 5, 46341, -2147483648], np.int32)
    for exponent in (0, 2, 3, 31, -1, -2, [2, -1, 3, 0, 1, 2, -3, 5]):
        b = np.array(exponent, np.int32)
        same(with_constant(litert, "pow", a, b), with_constant(reference, "pow", a, b))


@pytest.mark.parametrize("data_type", ALL)
def test_comparisons_order_every_type_like_numpy(litert, data_type) -> None:
    a, b = pairs(data_type)
    for op, func in (("equal", np.equal), ("not_equal", np.not_equal), ("greater", np.greater),
                     ("greater_or_equal", np.greater_equal), ("lesser", np.less),
                     ("lesser_or_equal", np.less_equal)):
        same(run(litert, lambda g, x, y, op=op: getattr(g, op)(x, y), a, b), func(a, b).astype(np.uint8))


@pytest.mark.parametrize("data_type", ALL)
def test_max_and_min(litert, reference, data_type) -> None:
    a, b = pairs(data_type)
    for op in ("max", "min"):
        same(run(litert, lambda g, x, y, op=op: getattr(g, op)(x, y), a, b),
             run(reference, lambda g, x, y, op=op: getattr(g, op)(x, y), a, b))


def test_max_and_min_with_a_constant_still_propagate_nan_and_order_zeros(litert, reference) -> None:
    x = np.array([NAN, -0.0, 0.0, -3.0, 5.0], np.float32)
    for value in (2.0, -0.0, 0.0, NAN, [1.0, 0.0, -0.0, NAN, 6.0]):
        c = np.array(value, np.float32)
        for op in ("max", "min"):
            for first in (False, True):
                same(with_constant(litert, op, x, c, first), with_constant(reference, op, x, c, first))


def test_logical_ops_take_any_nonzero_as_true(litert) -> None:
    a = np.array([0, 1, 2, 255, 0, 128], np.uint8)
    b = np.array([0, 0, 7, 1, 9, 128], np.uint8)
    for op, func in (("logical_and", np.logical_and), ("logical_or", np.logical_or),
                     ("logical_xor", np.logical_xor)):
        same(run(litert, lambda g, x, y, op=op: getattr(g, op)(x, y), a, b), func(a, b).astype(np.uint8))
    same(run(litert, lambda g, x: g.logical_not(x), a), (a == 0).astype(np.uint8))


@pytest.mark.parametrize("data_type", ["float32", "float16", "int8", "int32", "int64"])
def test_abs_neg_sign(litert, reference, data_type) -> None:
    x = edges(data_type)
    for op in ("abs", "neg", "sign"):
        build = lambda g, v, op=op: getattr(g, op)(v)  # noqa: E731
        same(run(litert, build, x), run(reference, build, x))


def test_is_nan_and_is_infinite(litert) -> None:
    for data_type in ("float32", "float16"):
        x = edges(data_type)
        same(run(litert, lambda g, v: g.is_nan(v), x), np.isnan(x).astype(np.uint8))
        same(run(litert, lambda g, v: g.is_infinite(v), x), np.isinf(x).astype(np.uint8))


# --------------------------------------------------------------------------- cast, where, identity


@pytest.mark.parametrize("source", ALL)
def test_cast_to_every_type_saturates_wraps_and_rounds_like_the_reference(litert, reference, source) -> None:
    x = edges(source)
    if source == "uint64":  # the float32 rounding of values from 2**63 on, ties included
        x = np.concatenate([x, np.array([2**63 + 2**39, 2**63 + 3 * 2**39, 2**63 + 2**39 + 1, 2**64 - 2**39,
                                         2**64 - 2**39 - 1, 2**53 + 1], np.uint64)])
    if source.startswith("float"):
        with np.errstate(over="ignore"):
            more = np.array([2.0**63, 2.0**64, 2.0**31, 2.0**32, -2.0**63, 4294967040.0, -0.9, 255.9], source)
        x = np.concatenate([x, more])
    for target in ALL:
        build = lambda g, v, t=target: g.cast(v, t)  # noqa: E731
        same(run(litert, build, x), run(reference, build, x))


def test_cast_refuses_4_bit_types(litert) -> None:
    assert "int4" not in litert.op_support_limits()["cast"]["input"]["dataTypes"]


@pytest.mark.parametrize("data_type", ALL)
def test_where_and_identity_keep_every_value(litert, data_type) -> None:
    values = edges(data_type)
    a, b = values[:12].reshape(3, 4), values[12:16]
    condition = np.array([[[1], [0], [200]], [[0], [3], [0]]], np.uint8)
    same(run(litert, lambda g, c, x, y: g.where(c, x, y), condition, a, b), np.where(condition != 0, a, b))
    same(run(litert, lambda g, x: g.identity(x), values), values)


# --------------------------------------------------------------------------- float math


def float32_grid(low: float, high: float, count: int = 20000) -> np.ndarray:
    return np.linspace(low, high, count).astype(np.float32)


def test_exp_is_within_2_ulp_over_the_range_and_keeps_nan(litert) -> None:
    x = np.concatenate([float32_grid(-87.3, 88.7), np.array([NAN, INF, -INF, 89.0, -110.0], np.float32)])
    actual = run(litert, lambda g, v: g.exp(v), x)
    with np.errstate(over="ignore"):
        expected = np.exp(x.astype(np.float64)).astype(np.float32)
    assert ulps(actual, expected).max() <= 2


def test_exp_and_erf_make_subnormal_results(litert) -> None:
    # (XNNPACK's MUL flushes them to zero: these come from integer arithmetic on the bits)
    x = float32_grid(-104, -87)
    expected = np.exp(x.astype(np.float64)).astype(np.float32)
    actual = run(litert, lambda g, v: g.exp(v), x)
    assert ulps(actual, expected).max() <= 1 and (actual > 0).sum() == (expected > 0).sum()
    tiny = np.array([1e-45, -3e-39, 1e-40, -1.1e-38, 0.0, -0.0], np.float32)
    expected = (tiny.astype(np.float64) * 2 / math.sqrt(math.pi)).astype(np.float32)
    same(run(litert, lambda g, v: g.erf(v), tiny), expected)


def test_log_of_huge_tiny_and_special_values(litert) -> None:
    special = [3.4e38, 1e-40, 1e-45, 1.2e-38, 0.0, -0.0, -1.0, INF, NAN]
    x = np.concatenate([10.0 ** np.linspace(-37, 38.5, 2000), np.linspace(0.5, 2, 2000), special])
    x = x.astype(np.float32)
    actual = run(litert, lambda g, v: g.log(v), x)
    with np.errstate(divide="ignore", invalid="ignore"):
        expected = np.log(x.astype(np.float64))
    finite = np.isfinite(expected)
    assert ulps(actual[finite], expected[finite].astype(np.float32)).max() <= 1
    same(actual[~finite], expected[~finite].astype(np.float32))


def test_sqrt_is_correctly_rounded_with_subnormals_zeros_and_huge_values(litert) -> None:
    bits = np.random.default_rng(3).integers(1, 0x7F800000, 20000).astype(np.uint32)
    special = np.array([0.0, -0.0, -1e-40, -1.0, INF, -INF, NAN, 3.4e38, 1e-45], np.float32)
    x = np.concatenate([bits.view(np.float32), special])
    actual = run(litert, lambda g, v: g.sqrt(v), x)
    with np.errstate(invalid="ignore"):
        expected = np.sqrt(x.astype(np.float64)).astype(np.float32)
    assert ulps(actual, expected).max() == 0  # (correctly rounded)
    same(actual[-8:-1], expected[-8:-1])


def test_reciprocal_of_huge_values_is_subnormal(litert) -> None:
    x = np.array([3e38, -2e38, 2.0**127, 4.0, -0.0, 0.0, INF, NAN], np.float32)
    actual = run(litert, lambda g, v: g.reciprocal(v), x)
    with np.errstate(divide="ignore"):
        expected = (1 / x.astype(np.float64)).astype(np.float32)
    assert ulps(actual, expected).max() <= 1
    same(actual[3:], expected[3:])


@pytest.mark.parametrize("op", ["sin", "cos", "tan"])
def test_trigonometry_reduces_large_arguments_exactly(litert, op) -> None:
    rng = np.random.default_rng(4)
    large = 10.0 ** rng.uniform(1, 38, 2000) * rng.choice([-1, 1], 2000)
    special = [0.0, -0.0, 1e-30, -1e-20, np.pi / 4, 2.0**24 + 2, 1e30, 3.4e38]
    x = np.concatenate([rng.uniform(-10, 10, 2000), large, special]).astype(np.float32)
    actual = run(litert, lambda g, v: getattr(g, op)(v), x).astype(np.float64)
    expected = getattr(np, op)(x.astype(np.float64))
    # within 4e-7 of the true value, relatively where it is large (tan)
    assert (np.abs(actual - expected) <= 4e-7 * np.maximum(1, np.abs(expected))).all()
    tiny = np.abs(x) < 1e-3
    np.testing.assert_allclose(actual[tiny], expected[tiny], rtol=3e-7)
    special = np.array([INF, -INF, NAN], np.float32)
    assert np.isnan(run(litert, lambda g, v: getattr(g, op)(v), special)).all()


def test_erf_is_within_3e_7(litert) -> None:
    special = np.array([1e-30, -1e-20, 0.49999997, 0.5, INF, -INF], np.float32)
    x = np.concatenate([float32_grid(-6, 6), special])
    actual = run(litert, lambda g, v: g.erf(v), x)
    expected = np.array([math.erf(v) for v in x.astype(np.float64)])
    np.testing.assert_allclose(actual, expected, rtol=3e-7, atol=3e-7)
    np.testing.assert_allclose(actual[-6:-4], expected[-6:-4], rtol=1e-6, atol=0)
    assert np.isnan(run(litert, lambda g, v: g.erf(v), np.array([NAN], np.float32))).all()


@pytest.mark.parametrize("op", ["exp", "log", "sqrt", "reciprocal", "sin", "cos", "erf", "add", "div", "pow"])
def test_float16_is_rounded_once_from_float32(litert, reference, op) -> None:
    rng = np.random.default_rng(5)
    x = np.concatenate([rng.uniform(0.01, 10, 3000), [0.0, -0.0, INF, NAN, 65504.0, 6e-5]]).astype(np.float16)
    y = rng.uniform(-3, 3, x.size).astype(np.float16)
    if op in ("add", "div", "pow"):
        build = lambda g, a, b: getattr(g, op)(a, b)  # noqa: E731
        arrays = (x, y)
    else:
        build = lambda g, a: getattr(g, op)(a)  # noqa: E731
        arrays = (x,)
    with np.errstate(all="ignore"):
        expected = run(reference, build, *arrays)
    exact = op in ("add", "div")
    assert ulps(run(litert, build, *arrays), expected).max() <= (0 if exact else 1)


# --------------------------------------------------------------------------- broadcasting, ranks


@pytest.mark.parametrize("rank", [5, 6, 8])
def test_broadcasting_in_high_ranks(litert, reference, rank) -> None:
    rng = np.random.default_rng(rank)
    shape_a = [2, 1, 3] + [1, 2] * ((rank - 3) // 2) + [2] * ((rank - 3) % 2)
    shape_b = [3 if d == 1 else 1 for d in shape_a][1:]
    a = rng.integers(-50, 50, shape_a).astype(np.int32)
    b = rng.integers(-3, 4, shape_b).astype(np.int32)
    af, bf = a.astype(np.float32) / 7, b.astype(np.float32) / 3
    condition = (rng.random(shape_b) < 0.5).astype(np.uint8)
    cases = [(lambda g, x, y: g.add(x, y), (af, bf)), (lambda g, x, y: g.max(x, y), (af, bf)),
             (lambda g, x, y: g.div(x, y), (a, b)), (lambda g, x, y: g.pow(x, y), (a, b)),
             (lambda g, x, y: g.lesser(x, y), (a.astype(np.uint64), b.astype(np.uint64))),
             (lambda g, c, x, y: g.where(c, x, y), (condition, af, bf[..., :1]))]
    for build, arrays in cases:
        same(run(litert, build, *arrays), run(reference, build, *arrays))


def test_fused_relu_after_add_and_scalar_shapes(litert) -> None:
    a = np.array(1.5, np.float32)
    b = np.array([-3.0, 0.5, 2.0], np.float32)
    same(run(litert, lambda g, x, y: g.relu(g.sub(x, y)), a, b), np.array([4.5, 1.0, 0.0], np.float32))
    same(run(litert, lambda g, x: g.neg(x), a), np.array(-1.5, np.float32))
