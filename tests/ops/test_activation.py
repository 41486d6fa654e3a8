"""Validation and numerics of the activation ops beyond the WPT cases."""

from __future__ import annotations

import math

import numpy as np
import pytest

import webnn

from ..helpers import FLUSHES_SUBNORMALS

FLOAT_ONLY = ["sigmoid", "tanh", "softplus", "softsign", "gelu", "hard_swish", "elu", "leaky_relu",
              "hard_sigmoid", "linear"]


# Validation happens in the builder, the same for every backend: one context is enough.
@pytest.fixture(scope="module")
def validation_context() -> webnn.MLContext:
    return webnn.ML().create_context(backend="reference")


@pytest.fixture
def builder(validation_context) -> webnn.MLGraphBuilder:
    return validation_context.create_graph_builder()


def run(context, name, x, *args, **options):
    """``builder.<name>(input, *args, **options)`` on the array ``x`` (and array ``args``)."""
    builder = context.create_graph_builder()
    feeds = {"x": x}
    operands = [builder.input("x", list(x.shape), str(x.dtype))]
    for i, arg in enumerate(args):
        if isinstance(arg, np.ndarray):
            feeds[f"a{i}"] = arg
            arg = builder.input(f"a{i}", list(arg.shape), str(arg.dtype))
        operands.append(arg)
    graph = builder.build({"y": getattr(builder, name)(*operands, **options)})
    return context.compute(graph, feeds)["y"]


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize("name", [*FLOAT_ONLY, "softmax"])
def test_float_only_ops_reject_integer_input(builder, name) -> None:
    x = builder.input("x", [2, 3], "int32")
    args = (0,) if name == "softmax" else ()
    with pytest.raises(TypeError, match=rf"^{name} 'lbl': input data type int32 is not allowed"):
        getattr(builder, name)(x, *args, label="lbl")


@pytest.mark.parametrize("name", ["relu", "prelu"])
def test_relu_and_prelu_reject_unsigned_input(builder, name) -> None:
    x = builder.input("x", [2], "uint8")
    args = (builder.input("s", [2], "uint8"),) if name == "prelu" else ()
    with pytest.raises(TypeError, match=rf"^{name}: input data type uint8 is not allowed"):
        getattr(builder, name)(x, *args)


@pytest.mark.parametrize(
    "name, options, message",
    [
        ("elu", {"alpha": math.inf}, r"alpha must be a finite number"),
        ("elu", {"alpha": math.nan}, r"alpha must be a finite number"),
        ("elu", {"alpha": "1"}, r"alpha must be a number, got str"),
        ("leaky_relu", {"alpha": True}, r"alpha must be a number, got bool"),
        ("leaky_relu", {"alpha": [0.1]}, r"alpha must be a number, got list"),
        ("hard_sigmoid", {"beta": -math.inf}, r"beta must be a finite number"),
        ("hard_sigmoid", {"alpha": [0.2]}, r"alpha must be a number, got list"),
        ("linear", {"alpha": 2, "beta": math.nan}, r"beta must be a finite number"),
        ("linear", {"gamma": 1}, r"unknown options argument 'gamma'"),
        ("clamp", {"min_value": 2, "max_value": 1}, r"min_value 2.0 is greater than max_value 1.0"),
        ("clamp", {"minValue": "0"}, r"min_value must be a number, got str"),
        ("clamp", {"max_value": False}, r"max_value must be a number, got bool"),
    ],
)
def test_rejects_bad_options(builder, name, options, message) -> None:
    x = builder.input("x", [2, 3])
    with pytest.raises(TypeError, match=rf"^{name}( 'lbl')?: {message}"):
        getattr(builder, name)(x, {**options, "label": "lbl"})


def test_clamp_compares_bounds_after_casting(builder) -> None:
    x = builder.input("x", [3], "int8")
    # 3.6 -> 4 and 3.4 -> 3 in int8: the bounds cross only after the cast
    with pytest.raises(TypeError, match=r"^clamp 'c': min_value 4 is greater than max_value 3"):
        builder.clamp(x, min_value=3.6, max_value=3.4, label="c")
    # -5 and -1 both clamp to 0 in uint8: fine
    y = builder.clamp(builder.input("u", [3], "uint8"), min_value=-5, max_value=-1)
    assert tuple(y.shape) == (3,)


@pytest.mark.parametrize(
    "x_shape, s_shape, s_type, message",
    [
        ([2, 3], [4], "float32", r"slope shape \[4\] and input shape \[2, 3\] are not broadcastable"),
        ([2, 3], [2, 1, 2], "float32", r"slope shape \[2, 1, 2\] and input shape \[2, 3\] are not"),
        ([2, 3], [3], "float16", r"slope data type float16 is not allowed"),
    ],
)
def test_prelu_rejects_invalid_slope(builder, x_shape, s_shape, s_type, message) -> None:
    x = builder.input("x", x_shape)
    s = builder.input("s", s_shape, s_type)
    with pytest.raises(TypeError, match=rf"^prelu 'p': {message}"):
        builder.prelu(x, s, {"label": "p"})


@pytest.mark.parametrize(
    "shape, axis, message",
    [
        ([2, 3], 2, r"axis 2 is out of bounds for rank 2"),
        ([2, 3], -1, r"axis -1 is out of bounds"),
        ([2, 3], 1.5, r"axis must be an integer"),
        ([], 0, r"input rank 0 is not allowed"),
    ],
)
def test_softmax_rejects_invalid_calls(builder, shape, axis, message) -> None:
    x = builder.input("x", shape)
    with pytest.raises(TypeError, match=rf"^softmax 'sm': {message}"):
        builder.softmax(x, axis, label="sm")


def test_softmax_requires_axis(builder) -> None:
    with pytest.raises(TypeError, match=r"^softmax: missing required argument 'axis'"):
        builder.softmax(builder.input("x", [2, 3]))


@pytest.mark.parametrize("name", ["relu", *FLOAT_ONLY, "clamp"])
def test_output_keeps_shape_and_type(builder, name) -> None:
    y = getattr(builder, name)(builder.input("x", [2, 1, 3], "float16"))
    assert (y.data_type, tuple(y.shape)) == ("float16", (2, 1, 3))


# --------------------------------------------------------------------------- numerics


def _erf(v: np.ndarray) -> np.ndarray:
    return np.vectorize(math.erf, otypes=[np.float64])(v)


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


FORMULAS = {
    "relu": ({}, lambda x: np.where(x > 0, x, 0.0)),
    "sigmoid": ({}, _sigmoid),
    "tanh": ({}, lambda x: (np.exp(2 * x) - 1) / (np.exp(2 * x) + 1)),
    "softplus": ({}, lambda x: np.log1p(np.exp(x))),
    "softsign": ({}, lambda x: x / (1 + np.abs(x))),
    "gelu": ({}, lambda x: 0.5 * x * (1 + _erf(x / np.sqrt(2)))),
    "hard_swish": ({}, lambda x: x * np.clip(x + 3, 0, 6) / 6),
    "elu": ({"alpha": 0.7}, lambda x: np.where(x > 0, x, 0.7 * (np.exp(x) - 1))),
    "leaky_relu": ({"alpha": 0.3}, lambda x: np.where(x > 0, x, 0.3 * x)),
    "hard_sigmoid": ({"alpha": 0.3, "beta": 0.4}, lambda x: np.clip(0.3 * x + 0.4, 0, 1)),
    "linear": ({"alpha": -1.5, "beta": 2.25}, lambda x: -1.5 * x + 2.25),
    "clamp": ({"min_value": -0.5, "max_value": 1.25}, lambda x: np.clip(x, -0.5, 1.25)),
}


@pytest.mark.parametrize("dtype, rtol, atol", [("float32", 2e-6, 1e-7), ("float16", 2e-3, 2e-3)])
@pytest.mark.parametrize("name", sorted(FORMULAS))
def test_unary_ops_match_formula(context, name, dtype, rtol, atol) -> None:
    rng = np.random.default_rng(7)
    x = (rng.standard_normal((3, 4, 5, 6)) * 4).astype(dtype)
    options, formula = FORMULAS[name]
    y = run(context, name, x, **options)
    assert y.dtype == np.dtype(dtype) and y.shape == x.shape
    with np.errstate(all="ignore"):
        expected = formula(x.astype(np.float64))
    np.testing.assert_allclose(y.astype(np.float64), expected, rtol=rtol, atol=atol)


def ulp_distance(actual: np.ndarray, expected: np.ndarray) -> np.ndarray:
    """ULPs between two float arrays of one type (+0 and -0 meet; NaN == NaN, inf == inf: 0)."""
    assert actual.dtype == expected.dtype
    int_type = {np.dtype(np.float32): np.int32, np.dtype(np.float16): np.int16}[actual.dtype]

    def ordered(x: np.ndarray) -> np.ndarray:
        bits = x.view(int_type).astype(np.int64)
        return np.where(bits < 0, np.iinfo(int_type).min - bits, bits)

    same_special = (np.isnan(actual) & np.isnan(expected)) | (np.isinf(actual) & (actual == expected))
    return np.where(same_special, 0, np.abs(ordered(actual) - ordered(expected)))


def assert_ulp(actual: np.ndarray, expected: np.ndarray, ulp: int) -> None:
    distance = ulp_distance(actual, expected)
    worst = int(np.argmax(distance))
    assert distance.max() <= ulp, (
        f"{int((distance > ulp).sum())} values over {ulp} ULP, worst {distance.max()} ULP: "
        f"got {actual.flat[worst]!r}, expected {expected.flat[worst]!r}"
    )


def _gelu64(x: np.ndarray) -> np.ndarray:
    x = x.astype(np.float64)
    with np.errstate(invalid="ignore"):  # gelu(-inf) = -inf * 0 = NaN
        return 0.5 * x * np.vectorize(math.erfc, otypes=[np.float64])(-x / math.sqrt(2))


def test_gelu_is_exact_over_a_wide_range(context) -> None:
    x = np.concatenate([np.linspace(-12, 12, 4001), [0.0, 1e-30, -1e-30]]).astype(np.float32)
    y = run(context, "gelu", x)
    expected = _gelu64(x).astype(np.float32)
    if context.backend == "reference":
        # correctly rounded float32 of the float64 value, including the tiny negative tail
        np.testing.assert_array_equal(y, expected)
        assert y[0] < 0  # gelu(-12) ~ -1.1e-32, not cancelled to 0
    else:
        # ONNX Gelu (1 + erf) is within the WPT tolerance (18 ULP) down to x = -2; below, where
        # the result is under 0.05, its error stays under 1e-6 absolute but cancels the tail.
        core = x >= -2
        assert_ulp(y[core], expected[core], 18)
        np.testing.assert_allclose(y[~core], expected[~core], rtol=0, atol=1e-6)


def test_gelu_float16_everywhere(context) -> None:
    x = np.arange(65536, dtype=np.uint16).view(np.float16)  # every float16 value
    assert_ulp(run(context, "gelu", x), _gelu64(x).astype(np.float16), 18)


def test_saturating_ops_at_extremes(context) -> None:
    x = np.array([-np.inf, -1e4, -100.0, 0.0, 100.0, 1e4, np.inf], np.float32)
    # sigmoid(-100) = 3.7e-44 is a float32 subnormal, 26 ULP from 0 (WPT tolerance: 34)
    assert_ulp(run(context, "sigmoid", x), np.float32([0, 0, _sigmoid(-100.0), 0.5, 1, 1, 1]), 34)
    np.testing.assert_array_equal(run(context, "sigmoid", x)[[0, 1, 3, 4, 5, 6]], [0, 0, 0.5, 1, 1, 1])
    np.testing.assert_array_equal(run(context, "softsign", x)[[0, -1]], [-1, 1])
    np.testing.assert_array_equal(run(context, "softplus", x)[[0, 3, 4, 6]],
                                  np.float32([0, np.log(2.0), 100, np.inf]))
    np.testing.assert_array_equal(run(context, "tanh", x)[[0, -1]], [-1, 1])
    np.testing.assert_array_equal(run(context, "elu", x)[[0, -1]], [-1, np.inf])
    np.testing.assert_array_equal(run(context, "hard_swish", x)[[0, -1]], [np.nan, np.inf])  # -inf * 0


@pytest.mark.parametrize("dtype", ["float32", "float16"])
def test_softsign_saturates_to_one(context, dtype) -> None:
    big = float(np.finfo(dtype).max)
    x = np.array([-np.inf, -big, -2.0**24, -1e4, -1.0, 0.0, 1.0, 1e4, 2.0**24, big, np.inf, np.nan], np.float64)
    with np.errstate(invalid="ignore"):
        expected = np.where(np.isinf(x), np.sign(x), x / (1 + np.abs(x)))
    with np.errstate(over="ignore"):
        x, expected = x.astype(dtype), expected.astype(dtype)  # 2**24 is inf in float16
    y = run(context, "softsign", x)
    assert_ulp(y, expected, 3)
    assert np.all(np.abs(y[:-1]) <= 1)


# --------------------------------------------------------------------------- accuracy where
# ONNX Runtime's own kernels fall short (the WPT tolerance of each op, in ULP)


def _dense(lo: float, hi: float, n: int = 200001) -> np.ndarray:
    return np.linspace(lo, hi, n).astype(np.float32)


def test_sigmoid_keeps_relative_accuracy_in_the_tail(context) -> None:
    # the logistic of x < -7 is tiny; a rational approximation loses it (0 below -17)
    # (from -103.9 on: the subnormal results below -87.3 too)
    x = np.concatenate([_dense(-103.9, 30), -np.logspace(-30, 1, 2000, dtype=np.float32)])
    with np.errstate(over="ignore"):
        expected = (1 / (1 + np.exp(-x.astype(np.float64)))).astype(np.float32)
    if context.backend in FLUSHES_SUBNORMALS:
        normal = expected >= np.finfo(np.float32).tiny
        x, expected = x[normal], expected[normal]
    assert_ulp(run(context, "sigmoid", x), expected, 34)


@pytest.mark.parametrize("alpha", [1.0, 0.7])
def test_elu_is_accurate_near_zero(context, alpha) -> None:
    # alpha * (exp(x) - 1) cancels for small negative x; the reference has expm1
    x = np.concatenate([_dense(-30, 30), -np.logspace(-36, 0, 4000), np.logspace(-36, 0, 100)]).astype(np.float32)
    expected = np.where(x > 0, x, alpha * np.expm1(x.astype(np.float64))).astype(np.float32)
    assert_ulp(run(context, "elu", x, alpha=alpha), expected, 18)


def test_hard_swish_near_minus_three_and_at_overflow(context) -> None:
    # x / 6 + 0.5 cancels near x = -3, where x + 3 is exact
    x = np.concatenate([_dense(-3.01, -2.99, 20001), _dense(-10, 10, 2001), [3e38, -3e38]]).astype(np.float32)
    t = np.float32
    with np.errstate(over="ignore"):
        expected = x * np.clip(x + t(3), t(0), t(6)) / t(6)  # float32 step by step: x * 6 overflows to inf
    assert expected[-2] == np.inf
    assert_ulp(run(context, "hard_swish", x), expected, 4)


@pytest.mark.parametrize("dtype", ["float32", "float16"])
def test_nan_propagates(context, dtype) -> None:
    x = np.array([np.nan, -np.nan, 1.0, -1.0], dtype)
    for name, args, options in [
        ("relu", (), {}), ("sigmoid", (), {}), ("tanh", (), {}), ("softplus", (), {}), ("softsign", (), {}),
        ("gelu", (), {}), ("hard_swish", (), {}), ("elu", (), {}), ("leaky_relu", (), {}),
        ("hard_sigmoid", (), {}), ("linear", (), {"alpha": 0.0}), ("clamp", (), {"min_value": 0}),
        ("clamp", (), {}), ("prelu", (np.ones(4, dtype),), {}),
    ]:
        y = run(context, name, x, *args, **options)
        assert np.isnan(y[:2]).all() and not np.isnan(y[2:]).any(), (name, options, y)


@pytest.mark.parametrize(
    "options, expected",
    [
        ({}, [-np.inf, np.inf, -1.0, 0.0]),
        ({"min_value": 0}, [0.0, np.inf, 0.0, 0.0]),
        ({"max_value": 0}, [-np.inf, 0.0, -1.0, 0.0]),
        ({"min_value": -3e38, "max_value": 3e38}, [-3e38, 3e38, -1.0, 0.0]),
    ],
)
@pytest.mark.parametrize("dtype", ["float32", "float16"])
def test_clamp_keeps_infinities_an_absent_bound_does_not_clamp(context, dtype, options, expected) -> None:
    if dtype == "float16" and "min_value" in options and options["min_value"] == -3e38:
        expected = [-np.inf, np.inf, -1.0, 0.0]  # the bounds cast to float16 are infinite
    y = run(context, "clamp", np.array([-np.inf, np.inf, -1.0, 0.0], dtype), **options)
    np.testing.assert_array_equal(y, np.array(expected, dtype))


@pytest.mark.parametrize(
    "options, values, expected",
    [
        ({}, [-0.0, 2.0, np.inf, -np.inf], [0.0, 2.0, np.inf, -np.inf]),
        ({"alpha": 0.0, "beta": 1.5}, [3.0, np.inf, -7.0], [1.5, np.nan, 1.5]),
        ({"alpha": 1.0, "beta": -2.0}, [3.0, np.inf, -7.0], [1.0, np.inf, -9.0]),
        ({"alpha": -2.0}, [3.0, -np.inf, 0.25], [-6.0, np.inf, -0.5]),
    ],
)
@pytest.mark.parametrize("dtype", ["float32", "float16"])
def test_linear_special_values(context, dtype, options, values, expected) -> None:
    y = run(context, "linear", np.array(values, dtype), **options)
    assert y.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(y, np.array(expected, dtype))


@pytest.mark.parametrize("dtype", ["float32", "float16", "int8", "int32", "int64"])
def test_relu_all_types(context, dtype) -> None:
    if dtype.startswith("int"):
        info = np.iinfo(dtype)
        x = np.array([info.min, -1, 0, 1, info.max], dtype)
    else:
        x = np.array([-np.inf, -1.5, -0.0, 0.0, 2.5, np.inf], dtype)
    y = run(context, "relu", x)
    assert y.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(y, np.maximum(x, 0).astype(dtype))


@pytest.mark.parametrize(
    "name, args, options",
    [
        ("relu", (), {}), ("sigmoid", (), {}), ("tanh", (), {}), ("softplus", (), {}), ("softsign", (), {}),
        ("gelu", (), {}), ("hard_swish", (), {}), ("elu", (), {"alpha": 0.5}), ("leaky_relu", (), {}),
        ("hard_sigmoid", (), {}), ("linear", (), {"alpha": 2.0, "beta": 1.0}), ("clamp", (), {"max_value": 1}),
        ("clamp", (), {}), ("prelu", (np.float32(0.25),), {}),
    ],
)
def test_scalar_input_stays_scalar(context, name, args, options) -> None:
    x = np.array(-3.0, np.float32)
    builder = context.create_graph_builder()
    operands = [builder.input("x", [], "float32")]
    # a constant scalar operand as well: constants and inputs alike keep rank 0
    operands += [builder.constant({"dataType": "float32", "shape": []}, np.asarray(a)) for a in args]
    graph = builder.build({"y": getattr(builder, name)(*operands, **options)})
    y = context.compute(graph, {"x": x})["y"]
    reference = webnn.ML().create_context(backend="reference")
    assert y.shape == () and y.dtype == np.float32
    expected = run(reference, name, x, *[np.asarray(a) for a in args], **options)
    assert_ulp(np.asarray(y), np.asarray(expected), 34)


def test_alpha_is_cast_to_float16(context) -> None:
    x = np.array([-1.0, 2.0], np.float16)
    y = run(context, "leaky_relu", x, alpha=0.1)
    np.testing.assert_array_equal(y, np.float16([-np.float16(0.1), 2.0]))


@pytest.mark.parametrize("dtype", ["float32", "float16"])
@pytest.mark.parametrize("x_shape, s_shape", [
    ((2, 3, 4, 5), (5,)), ((2, 3, 4, 5), (3, 1, 1)), ((4, 5), (2, 3, 4, 5)), ((3, 1), (1, 4)), ((), ()),
])
def test_prelu_broadcasts_both_ways(context, dtype, x_shape, s_shape) -> None:
    rng = np.random.default_rng(1)
    x = rng.standard_normal(x_shape).astype(dtype)
    s = rng.uniform(-1, 1, s_shape).astype(dtype)
    y = run(context, "prelu", x, s)
    x64, s64 = x.astype(np.float64), s.astype(np.float64)
    expected = np.maximum(0, x64) + s64 * np.minimum(0, x64)
    assert y.shape == expected.shape and y.dtype == np.dtype(dtype)
    np.testing.assert_allclose(y.astype(np.float64), expected, rtol=1e-3 if dtype == "float16" else 1e-6)


@pytest.mark.parametrize("dtype", ["int8", "int32", "int64"])
def test_prelu_integers_wrap(context, dtype) -> None:
    x = np.array([[-100, -3, 0, 5]], dtype)
    s = np.array([[3], [-2]], dtype)
    y = run(context, "prelu", x, s)
    info = np.iinfo(dtype)
    big = np.where(x < 0, x.astype(object) * s.astype(object), x.astype(object))
    wrapped = ((big - info.min) % (1 << info.bits) + info.min).astype(dtype)
    np.testing.assert_array_equal(y, wrapped)


@pytest.mark.parametrize(
    "dtype, options, values, expected",
    [
        ("int8", {"min_value": -200, "max_value": 2.5}, [-128, -3, 2, 3, 127], [-128, -3, 2, 2, 2]),
        ("uint8", {"min_value": 10}, [0, 9, 10, 255], [10, 10, 10, 255]),
        ("int32", {"max_value": -math.inf}, [-(2**31), 0, 5], [-(2**31)] * 3),
        ("uint64", {"min_value": 2**63 + 1}, [0, 2**63, 2**64 - 1], [2**63 + 1, 2**63 + 1, 2**64 - 1]),
        ("int64", {"min_value": -(2**62), "max_value": 2**62 + 3},
         [-(2**63), 2**62 + 5, 7], [-(2**62), 2**62 + 3, 7]),
        ("float32", {}, [-np.inf, -3e38, 0.0, np.inf], [-np.inf, -3e38, 0.0, np.inf]),
        ("float32", {"min_value": math.nan, "max_value": 1}, [-np.inf, 0.5, 2.0], [-np.inf, 0.5, 1]),
        ("float16", {"min_value": 0.1}, [0.0, 0.2], [np.float16(0.1), 0.2]),
        ("uint32", {"min_value": 3, "max_value": 2**32 + 5}, [0, 7, 2**32 - 1], [3, 7, 2**32 - 1]),
        ("uint8", {"min_value": -5, "max_value": 300}, [0, 255], [0, 255]),
        ("int8", {"max_value": math.inf}, [-128, 127], [-128, 127]),
        ("uint64", {"max_value": 2**63}, [0, 2**63 - 1, 2**64 - 1], [0, 2**63 - 1, 2**63]),
    ],
)
def test_clamp_casts_bounds(context, dtype, options, values, expected) -> None:
    y = run(context, "clamp", np.array(values, dtype), **options)
    assert y.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(y, np.array(expected, dtype))


@pytest.mark.parametrize("dtype, rtol", [("float32", 1e-6), ("float16", 2e-3)])
@pytest.mark.parametrize("axis", [0, 1, 3])
def test_softmax_any_axis_is_stable(context, dtype, axis, rtol) -> None:
    rng = np.random.default_rng(axis)
    x = (rng.standard_normal((3, 4, 2, 5)) * 5).astype(dtype)
    x[0] += np.array(1000 if dtype == "float32" else 100, dtype)  # exp would overflow unshifted
    y = run(context, "softmax", x, axis)
    x64 = x.astype(np.float64)
    e = np.exp(x64 - x64.max(axis=axis, keepdims=True))
    expected = e / e.sum(axis=axis, keepdims=True)
    np.testing.assert_allclose(y.astype(np.float64), expected, rtol=rtol, atol=1e-7)
    np.testing.assert_allclose(y.astype(np.float64).sum(axis=axis), 1.0, rtol=5 * rtol)
