"""Special values (NaN, +-inf, -0, subnormals, extreme finite values): the backends agree.

The spec decides; where it is silent the engines' answer is kept when it is reasonable,
consistent and cheap:

* max / min (and relu, clamp, reduce_max, reduce_min, max_pool2d) propagate NaN; max and
  min order -0 below +0 (IEEE 754-2019 maximum / minimum, JavaScript's Math.max /
  Math.min, on which the spec's emulation notes rely).
* clamp passes a value inside [minValue, maxValue] through unchanged, the sign of a zero
  included (clamp(-0, minValue=+0) is -0), replaces a value below minValue by minValue and
  one above maxValue by maxValue, and passes NaN through; relu is clamp with minValue 0:
  relu(-0) is -0 (ONNX Runtime's Clip and Relu).
* reduce_log_sum_exp is log(sum(exp(x))) without overflow: NaN if any element is NaN,
  +inf if any is +inf, -inf if all are -inf.
* max_pool2d: a NaN anywhere in a window gives NaN, padding never beats a real element
  (a window of -inf values gives -inf).
* The sign of a zero maximum / minimum over several elements (reduce_max, reduce_min,
  max_pool2d: a tie of -0 and +0) is not fixed: the spec's "maximum value" does not order
  equal values, as it leaves the ties of arg_min / arg_max to the implementation.
* pow(-inf, y) is +inf for y > 0 and +0 for y < 0 when y is not an odd integer (C99 and
  JavaScript's Math.pow; NumPy gives NaN for a 0-D pow(-inf, 0.5)).
* Where the op's tolerance is not 0, results below twice the smallest normal number may
  differ (ONNX Runtime's sigmoid gives 0 where the value is subnormal, below x = -88.7; its
  elu halves x, a subnormal for the smallest normal x).
* gelu: the spec's 0.5 * x * (1 + erf(x / sqrt(2))) cancels for negative x, as ONNX Runtime's
  Gelu does (2.7e-4 relative error at x = -4); it is compared within |x| * 2^-23 there (the
  reference has erfc and is accurate).
* Sums and products whose rounding depends on the order of the terms (cancellation, or
  an intermediate overflow or underflow) are compared within the error bound of any
  order; elements whose NaN / infinity / sign depends on the order are not compared.

Plain regression tests check each decision on every backend against values worked out
from the definitions; hypothesis-driven tests run small random graphs on the reference
and onnxruntime backends and compare every intermediate result.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import webnn
from webnn.backends.reference.registry import KERNELS

from .conformance.wpt import ordered_bits
from .helpers import FLUSHES_SUBNORMALS

NAN, INF = math.nan, math.inf
FLOATS = ["float32", "float16"]


def run(context: webnn.MLContext, build, *arrays: np.ndarray) -> np.ndarray:
    """``build(builder, *inputs)`` computed on ``arrays`` (one graph input each)."""
    builder = context.create_graph_builder()
    inputs = [builder.input(f"x{i}", list(a.shape), a.dtype.name) for i, a in enumerate(arrays)]
    graph = builder.build({"y": build(builder, *inputs)})
    return context.compute(graph, {f"x{i}": a for i, a in enumerate(arrays)})["y"]


def array(values: Any, data_type: str) -> np.ndarray:
    with np.errstate(over="ignore"):
        return np.array(values, dtype=np.float64).astype(data_type)


def assert_same(actual: np.ndarray, expected: np.ndarray, zero_sign: bool = True) -> None:
    """Equal values, NaN where NaN is expected, and (``zero_sign``) the signs of zeros."""
    assert actual.dtype == expected.dtype and actual.shape == expected.shape
    nan = np.isnan(expected)
    assert (np.isnan(actual) == nan).all(), f"NaN at {np.isnan(actual)}, expected at {nan}"
    assert (actual[~nan] == expected[~nan]).all(), f"{actual} != {expected}"
    if zero_sign:
        assert (np.signbit(actual[~nan]) == np.signbit(expected[~nan])).all(), f"zero signs: {actual} != {expected}"


# --------------------------------------------------------------------------- reduce_log_sum_exp

LOG2 = math.log(2.0)


@pytest.mark.parametrize("data_type", FLOATS)
@pytest.mark.parametrize("values, expected", [
    ([INF, NAN], NAN), ([NAN, INF], NAN), ([-INF, NAN], NAN), ([INF, 1.0, NAN], NAN), ([NAN, 1.0], NAN),
    ([INF, 1.0], INF), ([1.0, INF], INF), ([-INF, INF], INF), ([INF, INF], INF),
    ([-INF, -INF], -INF), ([-INF], -INF),
    ([-INF, -1000.0], -1000.0), ([-INF, -1000.0, -1000.0], -1000.0 + LOG2), ([INF, -1000.0], INF),
    ([1000.0, 1000.0], 1000.0 + LOG2), ([-1000.0, -1000.0], -1000.0 + LOG2), ([3e38, 3e38], 3e38 + LOG2),
])
def test_reduce_log_sum_exp_special_values(context, data_type, values, expected) -> None:
    # Over all axes (ONNX Runtime has its own kernel for that) and along an axis, both orders.
    for x, options in ((array(values, data_type), {}), (array([values, values[::-1]], data_type), {"axes": [1]})):
        y = run(context, lambda b, v, o=options: b.reduce_log_sum_exp(v, o), x)
        want = array(np.full(y.shape, expected), data_type)
        if np.isfinite(want).all():
            np.testing.assert_allclose(y.astype(np.float64), want.astype(np.float64), rtol=1e-3)
        else:
            assert_same(y, want)


# --------------------------------------------------------------------------- max_pool2d


def naive_max_pool(x: np.ndarray, window: tuple[int, int], padding: tuple[int, int, int, int],
                   strides: tuple[int, int] = (1, 1)) -> np.ndarray:
    """IEEE maximum over each window's real elements (NaN if any is NaN), NCHW, floor rounding."""
    n, c, h, w = x.shape
    top, bottom, left, right = padding
    out_h = (h + top + bottom - window[0]) // strides[0] + 1
    out_w = (w + left + right - window[1]) // strides[1] + 1
    y = np.empty((n, c, out_h, out_w), x.dtype)
    for i in range(out_h):
        for j in range(out_w):
            r0, c0 = i * strides[0] - top, j * strides[1] - left
            part = x[:, :, max(r0, 0):r0 + window[0], max(c0, 0):c0 + window[1]].reshape(n, c, -1)
            nan = np.isnan(part).any(axis=2)
            y[:, :, i, j] = np.where(nan, np.nan, np.where(np.isnan(part), part.dtype.type(0), part).max(axis=2))
    return y


@pytest.mark.parametrize("data_type", FLOATS)
@pytest.mark.parametrize("position", range(9))
def test_max_pool2d_nan_anywhere_in_a_window_gives_nan(context, data_type, position) -> None:
    x = np.arange(1, 10, dtype=data_type).reshape(1, 1, 3, 3)
    x.reshape(-1)[position] = np.nan
    global_pool = run(context, lambda b, v: b.max_pool2d(v), x)
    assert np.isnan(global_pool).all()
    for window, padding in (((2, 2), (0, 0, 0, 0)), ((3, 1), (1, 1, 0, 0)), ((1, 3), (0, 0, 2, 1))):
        y = run(context, lambda b, v, w=window, p=padding: b.max_pool2d(v, window_dimensions=list(w), padding=list(p)), x)
        assert_same(y, naive_max_pool(x, window, padding), zero_sign=False)


@pytest.mark.parametrize("data_type", FLOATS)
def test_max_pool2d_nan_in_long_windows(context, data_type) -> None:
    # ONNX Runtime's MaxPool keeps a NaN only when it is the last element of its window.
    x = array([[np.nan, 1, 2, 3], [1, np.nan, 2, 3], [1, 2, np.nan, 3], [1, 2, 3, np.nan]], data_type).reshape(1, 1, 4, 4)
    for window in ((4, 1), (1, 4), (2, 2), (4, 4)):
        y = run(context, lambda b, v, w=window: b.max_pool2d(v, window_dimensions=list(w)), x)
        assert_same(y, naive_max_pool(x, window, (0, 0, 0, 0)), zero_sign=False)


@pytest.mark.parametrize("data_type", FLOATS)
@pytest.mark.parametrize("shape, window, padding, strides", [
    ((1, 1, 3, 3), (2, 2), (1, 1, 1, 1), (1, 1)),
    ((1, 2, 5, 5), (3, 3), (0, 0, 0, 0), (1, 1)),
    ((2, 1, 4, 4), (4, 4), (0, 0, 0, 0), (1, 1)),
    ((1, 1, 4, 6), (3, 3), (1, 1, 1, 1), (2, 2)),
    ((1, 1, 2, 2), (3, 3), (2, 2, 2, 2), (1, 1)),  # padding as large as the window
])
def test_max_pool2d_windows_of_minus_infinity_give_minus_infinity(context, data_type, shape, window, padding,
                                                                   strides) -> None:
    x = np.full(shape, -np.inf, data_type)
    options = {"windowDimensions": list(window), "padding": list(padding), "strides": list(strides)}
    y = run(context, lambda b, v: b.max_pool2d(v, options), x)
    assert_same(y, naive_max_pool(x, window, padding, strides), zero_sign=False)


@pytest.mark.parametrize("data_type", FLOATS)
def test_max_pool2d_padding_never_wins(context, data_type) -> None:
    lowest = float(np.finfo(data_type).min)
    x = array([[-np.inf, lowest, -np.inf], [-np.inf, -np.inf, -np.inf], [np.inf, -np.inf, lowest]], data_type)
    x = x.reshape(1, 1, 3, 3)
    for window, padding, strides in (((2, 2), (1, 1, 1, 1), (1, 1)), ((3, 3), (2, 2, 2, 2), (2, 2))):
        options = {"windowDimensions": list(window), "padding": list(padding), "strides": list(strides)}
        y = run(context, lambda b, v, o=options: b.max_pool2d(v, o), x)
        assert_same(y, naive_max_pool(x, window, padding, strides), zero_sign=False)


@pytest.mark.parametrize("data_type", ["int8", "uint8", "int32", "int64"])
def test_max_pool2d_integer_minimum_with_padding(context, data_type) -> None:
    low = np.iinfo(data_type).min
    x = np.array([[low, low, 3], [low, low, low], [low, 5, low]], data_type).reshape(1, 1, 3, 3)
    y = run(context, lambda b, v: b.max_pool2d(v, window_dimensions=[2, 2], padding=[1, 1, 1, 1]), x)
    np.testing.assert_array_equal(y, naive_max_pool(x, (2, 2), (1, 1, 1, 1)))


# --------------------------------------------------------------------------- clamp, relu


@pytest.mark.parametrize("data_type", FLOATS)
@pytest.mark.parametrize("options, values, expected", [
    ({"minValue": 0.0}, [-0.0, 0.0, -1.0, 2.0, NAN, -INF, INF], [-0.0, 0.0, 0.0, 2.0, NAN, 0.0, INF]),
    ({"maxValue": -0.0}, [0.0, -0.0, 1.0, -2.0, NAN, INF, -INF], [0.0, -0.0, -0.0, -2.0, NAN, -0.0, -INF]),
    ({"minValue": -0.0}, [-0.0, 0.0, -1.0, NAN], [-0.0, 0.0, -0.0, NAN]),
    ({"maxValue": 0.0}, [-0.0, 0.0, 1.0, NAN], [-0.0, 0.0, 0.0, NAN]),
    ({"minValue": 0.0, "maxValue": -0.0}, [-0.0, 0.0, -1.0, 1.0], [-0.0, 0.0, 0.0, -0.0]),
    ({"minValue": 0.0, "maxValue": 6.0}, [-0.0, 0.0, -1.0, 3.0, 7.0, NAN, INF, -INF],
     [-0.0, 0.0, 0.0, 3.0, 6.0, NAN, 6.0, 0.0]),
])
def test_clamp_passes_values_inside_the_range_unchanged(context, data_type, options, values, expected) -> None:
    x = array(values * 3, data_type)  # long enough for vectorized kernels
    y = run(context, lambda b, v: b.clamp(v, options), x)
    assert_same(y, array(expected * 3, data_type))


@pytest.mark.parametrize("data_type", FLOATS)
def test_relu_keeps_negative_zero_and_nan(context, data_type) -> None:
    x = array([-0.0, 0.0, -1.0, 1.0, NAN, -INF, INF, -1e-40] * 5, data_type)  # -1e-40 is -0 in float16
    if context.backend in FLUSHES_SUBNORMALS:
        x = x[~((x != 0) & (np.abs(x) < np.finfo(np.float32).tiny))]  # (no subnormals)
    y = run(context, lambda b, v: b.relu(v), x)
    assert_same(y, array([0.0 if v < 0 else v for v in x.tolist()], data_type))


# --------------------------------------------------------------------------- max, min

# IEEE 754-2019 maximum / minimum of every pair of these values.
PAIR_VALUES = [-0.0, 0.0, NAN, -1.0, 1.0, -INF, INF]


def ieee(op: str, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IEEE 754-2019 maximum / minimum, element by element in Python."""
    def one(x: float, y: float) -> float:
        if math.isnan(x) or math.isnan(y):
            return NAN
        if x == y == 0:
            negative = (math.copysign(1, x) < 0) and (math.copysign(1, y) < 0) if op == "max" else \
                (math.copysign(1, x) < 0) or (math.copysign(1, y) < 0)
            return -0.0 if negative else 0.0
        return max(x, y) if op == "max" else min(x, y)

    a, b = np.broadcast_arrays(a, b)
    return np.array([one(float(x), float(y)) for x, y in zip(a.reshape(-1), b.reshape(-1))]).reshape(a.shape)


@pytest.mark.parametrize("data_type", FLOATS)
@pytest.mark.parametrize("op", ["max", "min"])
def test_max_min_order_negative_zero_below_positive_zero(context, data_type, op) -> None:
    pairs = [(x, y) for x in PAIR_VALUES for y in PAIR_VALUES] * 3
    a, b = array([p[0] for p in pairs], data_type), array([p[1] for p in pairs], data_type)
    y = run(context, lambda g, u, v: getattr(g, op)(u, v), a, b)
    assert_same(y, ieee(op, a, b).astype(data_type))
    # Broadcast against a row, and against each value as a scalar input.
    column, row = a[:7].reshape(7, 1), a[:7].reshape(1, 7)
    y = run(context, lambda g, u, v: getattr(g, op)(u, v), column, row)
    assert_same(y, ieee(op, column, row).astype(data_type))
    for value in PAIR_VALUES:
        scalar = array(value, data_type)
        y = run(context, lambda g, u, v: getattr(g, op)(u, v), row, scalar)
        assert_same(y, ieee(op, row, scalar).astype(data_type))


@pytest.mark.parametrize("data_type", FLOATS)
@pytest.mark.parametrize("op", ["max", "min"])
@pytest.mark.parametrize("constant", [0.0, -0.0, 1.0, [0.0, -0.0, 2.0, NAN, -0.0, 0.0, -3.0]])
def test_max_min_with_a_constant_operand(context, data_type, op, constant) -> None:
    x = array(PAIR_VALUES * 3, data_type).reshape(3, 7)
    c = array(constant, data_type)
    for first in (True, False):
        def build(g, v, first=first):
            k = g.constant(c)
            return getattr(g, op)(k, v) if first else getattr(g, op)(v, k)
        y = run(context, build, x)
        assert_same(y, (ieee(op, c, x) if first else ieee(op, x, c)).astype(data_type))


# --------------------------------------------------------------------------- where


@pytest.mark.parametrize("data_type", FLOATS)
def test_where_selects_negative_zero_from_either_value(context, data_type) -> None:
    condition = np.array([1, 0, 1, 0, 1, 0] * 4, np.uint8)
    true_value = array([-0.0, 5.0, 0.0, 5.0, NAN, -0.0] * 4, data_type)
    false_value = array([7.0, -0.0, 7.0, 0.0, -0.0, NAN] * 4, data_type)
    expected = np.where(condition != 0, true_value, false_value)
    y = run(context, lambda g, c, t, f: g.where(c, t, f), condition, true_value, false_value)
    assert_same(y, expected)
    # A constant true or false value, with or without -0.
    for constant in (array([-0.0, 1.0] * 12, data_type), array([0.0, 1.0] * 12, data_type)):
        y = run(context, lambda g, c, f, k=constant: g.where(c, g.constant(k), f), condition, false_value)
        assert_same(y, np.where(condition != 0, constant, false_value))
        y = run(context, lambda g, c, t, k=constant: g.where(c, t, g.constant(k)), condition, true_value)
        assert_same(y, np.where(condition != 0, true_value, constant))


# --------------------------------------------------------------------------- reduce_max, reduce_min


@pytest.mark.parametrize("data_type", FLOATS)
@pytest.mark.parametrize("op", ["reduce_max", "reduce_min"])
def test_reduce_max_min_propagate_nan_from_any_position(context, data_type, op) -> None:
    x = np.tile(array([1.0, -INF, INF, 0.0, -0.0], data_type), (6, 1))
    for i in range(5):
        x[i, i] = np.nan
    y = run(context, lambda g, v: getattr(g, op)(v, axes=[1]), x)
    expected = array([NAN] * 5 + [INF if op == "reduce_max" else -INF], data_type)
    assert_same(y, expected)


# --------------------------------------------------------------------------- add, sub, pow


@pytest.mark.parametrize("data_type", FLOATS)
@pytest.mark.parametrize("op, zero", [("add", 0.0), ("add", -0.0), ("sub", 0.0), ("sub", -0.0)])
def test_add_sub_of_a_constant_zero_follow_ieee(context, data_type, op, zero) -> None:
    # -0 + 0 is +0 and -0 - (-0) is +0: not no-ops (the sum feeds another op, so that an
    # optimizer sees it as removable).
    x = array([0.0, -0.0, 1.0, NAN, -INF], data_type)
    for first in (True, False):
        def build(g, v, first=first):
            c = g.constant(array([zero], data_type))
            inner = g.neg(v)
            return g.neg(getattr(g, op)(c, inner) if first else getattr(g, op)(inner, c))
        y = run(context, build, x)
        z = array([zero], data_type)
        inner = np.negative(x)
        with np.errstate(invalid="ignore"):
            expected = np.negative(getattr(np, "add" if op == "add" else "subtract")(*((z, inner) if first else (inner, z))))
        assert_same(y, expected.astype(data_type))


@pytest.mark.parametrize("data_type", FLOATS)
@pytest.mark.parametrize("exponent, expected", [
    (0.5, INF), (2.0, INF), (3.0, -INF), (-0.5, 0.0), (-2.0, 0.0), (-3.0, -0.0), (0.0, 1.0), (NAN, NAN),
])
def test_pow_of_minus_infinity(context, data_type, exponent, expected) -> None:
    # C99 / JavaScript: (-inf) ** y is +inf for y > 0 not an odd integer, +0 for y < 0 not
    # an odd integer; the scalar and the tensor cases alike.
    for shape in ((), (3,)):
        x = np.full(shape, -np.inf, data_type)
        y = run(context, lambda g, a, b: g.pow(a, b), x, np.full(shape, exponent, data_type))
        assert_same(y, np.full(shape, expected, data_type))


# =========================================================================== differential tests

try:
    import onnxruntime  # noqa: F401
except ImportError:  # pragma: no cover - the differential tests need both backends
    CONTEXTS: dict[str, webnn.MLContext] = {}
else:
    CONTEXTS = {name: webnn.ML().create_context(backend=name) for name in ("reference", "onnxruntime")}

needs_both = pytest.mark.skipif(len(CONTEXTS) < 2, reason="onnxruntime is not installed")

SPECIAL = [
    NAN, INF, -INF, 0.0, -0.0, 1.0, -1.0, 0.5, -2.0, 3.0, 6.0, 1e-40, -1e-45, 1.1754944e-38, 3.4028235e38,
    -3.4028235e38, 1e30, -1e30, 1e-30, -1e-30, 65504.0, -65504.0, 6e-8, -6e-8, 1000.0, -1000.0, 88.5, -88.5,
]
#: Mostly the special values themselves, sometimes any float32 (subnormals, NaN payloads...).
elements = st.one_of(st.sampled_from([NAN, INF, -INF, 0.0, -0.0, 1.0, -1000.0]), st.sampled_from(SPECIAL),
                     st.floats(width=32))

#: Ops whose results are exact: compared bit for bit (NaN payloads aside), zero signs included.
EXACT = {"abs", "neg", "ceil", "floor", "round_even", "sign", "identity", "relu", "clamp", "max", "min",
         "where", "reduce_max", "reduce_min", "max_pool2d"}
#: Exact ops whose zero results may have either sign (see the module docstring).
ANY_ZERO_SIGN = {"reduce_max", "reduce_min", "max_pool2d"}
#: IEEE arithmetic fixes the sign of their zero results too.
SIGNED_ZERO = (EXACT - ANY_ZERO_SIGN) | {"add", "sub", "mul", "div", "sqrt"}

#: WPT tolerances: data type -> (metric, value); the same for both when one entry.
TOLERANCES: dict[str, Any] = {
    "add": ("ULP", 1), "sub": ("ULP", 1), "mul": ("ULP", 1), "div": ("ULP", 2), "sqrt": ("ULP", 1),
    "reciprocal": ("ULP", 2), "exp": {"float32": ("ULP", 32), "float16": ("ULP", 1)},
    "pow": {"float32": ("ULP", 32), "float16": ("ULP", 2)}, "log": ("ATOL", 1 / 1024),
    "sin": {"float32": ("ATOL", 1 / 1024), "float16": ("ATOL", 1 / 512)},
    "cos": {"float32": ("ATOL", 1 / 1024), "float16": ("ATOL", 1 / 128)}, "tan": ("ATOL", 1 / 1024),
    "erf": ("ATOL", 1 / 1024), "tanh": {"float32": ("ATOL", 1 / 1024), "float16": ("ATOL", 1 / 512)},
    "sigmoid": {"float32": ("ULP", 34), "float16": ("ULP", 10)}, "softplus": ("ULP", 18),
    "softsign": ("ULP", 3), "gelu": ("ULP", 18), "hard_swish": ("ULP", 4), "elu": ("ULP", 18),
    "leaky_relu": {"float32": ("ULP", 1), "float16": ("ULP", 2)}, "hard_sigmoid": ("ULP", 2),
    "linear": ("ULP", 2),
}
#: Reductions: ULP tolerance from the count n of reduced elements (WPT's rules).
REDUCTION_ULPS = {
    "reduce_l1": lambda n: n, "reduce_product": lambda n: n, "reduce_sum": lambda n: n,
    "reduce_l2": lambda n: 2 * n + 1, "reduce_mean": lambda n: n + 2, "reduce_log_sum": lambda n: n + 18,
    "reduce_log_sum_exp": lambda n: 2 * n + 18, "reduce_sum_square": lambda n: 2 * n,
    "reduce_max": lambda n: 0, "reduce_min": lambda n: 0,
}
UNARY = ["abs", "neg", "ceil", "floor", "round_even", "sqrt", "reciprocal", "exp", "log", "sin", "cos", "tan",
         "erf", "sign", "identity", "relu", "sigmoid", "tanh", "softplus", "softsign", "gelu", "hard_swish"]
UNARY_WITH_OPTIONS = {
    "elu": st.fixed_dictionaries({"alpha": st.sampled_from([1.0, 0.5])}),
    "leaky_relu": st.fixed_dictionaries({"alpha": st.sampled_from([0.01, 2.0])}),
    "hard_sigmoid": st.fixed_dictionaries({"alpha": st.sampled_from([0.2, 1 / 6]), "beta": st.just(0.5)}),
    "linear": st.fixed_dictionaries({"alpha": st.sampled_from([1.0, 2.0, -1.0]), "beta": st.sampled_from([0.0, -1.0])}),
    "clamp": st.tuples(*[st.sampled_from([None, 0.0, -0.0, -1.0, 6.0, -INF, INF])] * 2).filter(
        lambda b: b[0] is None or b[1] is None or b[0] <= b[1]).map(
        lambda b: {k: v for k, v in zip(("minValue", "maxValue"), b) if v is not None}),
}
BINARY = ["add", "sub", "mul", "div", "max", "min", "pow"]


def tolerance(op_type: str, data_type: str, attrs: dict[str, Any], input_shape: tuple[int, ...]) -> tuple[str, float]:
    if op_type in EXACT and op_type not in REDUCTION_ULPS:
        return "ULP", 0
    if op_type in REDUCTION_ULPS:
        axes = attrs["axes"]
        return "ULP", REDUCTION_ULPS[op_type](math.prod(input_shape[a] for a in axes))
    if op_type in ("average_pool2d", "l2_pool2d"):
        return "ULP", math.prod(attrs["window_dimensions"]) + 2
    entry = TOLERANCES[op_type]
    return entry[data_type] if isinstance(entry, dict) else entry


def same_values(a: np.ndarray, b: np.ndarray) -> bool:
    """Bit for bit equal, any NaN matching any NaN."""
    nan = np.isnan(a)
    return bool((nan == np.isnan(b)).all() and (a[~nan].view(np.uint8) == b[~nan].view(np.uint8)).all()) \
        if a.dtype.kind == "f" else bool((a == b).all())


def order_bound(op, inputs: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray] | None:
    """For sums (and the mean, average pool, log sum): the error bound of summing in any order
    per output element, and which elements the order decides (an intermediate overflow, or a
    sum too close to 0 for its logarithm); for products, which elements depend on the order
    (an intermediate overflow or underflow).  None for other ops."""
    if op.type not in ("reduce_sum", "reduce_mean", "reduce_log_sum", "average_pool2d", "reduce_product"):
        return None
    attrs = dict(op.attrs)
    x = inputs[0].astype(np.float64)
    finite = np.where(np.isfinite(x), x, 0.0)
    # float16 reduces in float32 (and rounds once): the float32 limits decide.
    big, tiny = float(np.finfo(np.float32).max), float(np.finfo(np.float32).tiny)
    if op.type in ("reduce_sum", "reduce_mean", "reduce_log_sum", "average_pool2d"):
        kind = "average_pool2d" if op.type == "average_pool2d" else ("reduce_mean" if op.type == "reduce_mean"
                                                                     else "reduce_sum")
        magnitude = np.asarray(KERNELS[kind](np.abs(finite), **attrs), np.float64)
        total = np.asarray(KERNELS[kind](finite, **attrs), np.float64)
        count = x.size / max(magnitude.size, 1) if op.type != "average_pool2d" else math.prod(attrs["window_dimensions"])
        bound = 2 * count * 2.0**-23 * magnitude
        scale = magnitude * (count if kind != "reduce_sum" else 1)
        undecided = scale > big
        if op.type == "reduce_log_sum":
            undecided |= np.abs(total) <= 2 * bound
        return bound, undecided
    if op.type == "reduce_product":
        logs = np.log2(np.where((finite != 0), np.abs(finite), 1.0))
        up = KERNELS["reduce_sum"](np.maximum(logs, 0), **attrs)
        down = KERNELS["reduce_sum"](np.minimum(logs, 0), **attrs)
        undecided = (np.asarray(up) > math.log2(big) - 1) | (np.asarray(down) < math.log2(tiny) + 1)
        return np.zeros_like(undecided, np.float64), undecided


def compare(op, inputs: list[np.ndarray], expected: np.ndarray, actual: np.ndarray, data_type: str) -> None:
    """The onnxruntime result of one op against the reference result, on the same inputs."""
    assert actual.dtype == expected.dtype and actual.shape == expected.shape
    where = f"{op.type} {dict(op.attrs)} on {[i.tolist() for i in inputs]}"
    if expected.dtype.kind != "f":
        assert (actual == expected).all(), f"{where}: {actual} != {expected}"
        return
    metric, value = tolerance(op.type, data_type, dict(op.attrs), inputs[0].shape)
    bound = order_bound(op, inputs)
    skip = np.zeros(expected.shape, bool) if bound is None else bound[1]
    nan_a, nan_e = np.isnan(actual), np.isnan(expected)
    bad = (nan_a != nan_e) & ~skip
    both = ~nan_a & ~nan_e & ~skip
    a, e = actual.astype(np.float64), expected.astype(np.float64)
    if metric == "ULP":
        distance = np.abs(ordered_bits(actual) - ordered_bits(expected)).astype(np.float64)
        ok = distance <= value
    else:
        with np.errstate(invalid="ignore"):
            ok = (np.abs(a - e) <= value) | (a == e)
    if bound is not None:
        with np.errstate(invalid="ignore"):
            ok |= np.abs(a - e) <= bound[0]
    if value:
        # Subnormal results, or results of subnormal intermediates (x / 2 in elu's expm1).
        tiny = float(np.finfo(expected.dtype).tiny)
        ok |= (np.abs(a) < 2 * tiny) & (np.abs(e) < 2 * tiny)
    if op.type == "gelu":
        # The spec's 0.5 * x * (1 + erf(x / sqrt(2))) cancels for negative x: an absolute error
        # of |x| times the float32 epsilon (ONNX Runtime's Gelu; the reference has erfc).
        with np.errstate(invalid="ignore"):
            ok |= np.abs(a - e) <= np.abs(inputs[0].astype(np.float64)) * 2.0**-23
    bad |= both & ~ok
    if op.type in SIGNED_ZERO:
        bad |= both & (a == 0) & (e == 0) & (np.signbit(actual) != np.signbit(expected))
    if bad.any():
        first = tuple(np.argwhere(bad)[0]) if bad.ndim else ()
        raise AssertionError(f"{where}: onnxruntime {actual.tolist()} != reference {expected.tolist()} "
                             f"(first at {first}, {metric} {value})")


class Step:
    """One op of a random graph: how to add it, and what it reads."""

    def __init__(self, method: str, reads: list[Any], options: dict[str, Any] | None = None,
                 extra: tuple[Any, ...] = ()) -> None:
        self.method, self.reads, self.options, self.extra = method, reads, options or {}, extra

    def add(self, builder: webnn.MLGraphBuilder, operands: list[webnn.MLOperand]) -> webnn.MLOperand:
        return getattr(builder, self.method)(*operands, *self.extra, dict(self.options))

    def __repr__(self) -> str:
        return f"{self.method}({self.reads}, {self.options})"


def check_graph(steps: list[Step], feeds: dict[str, np.ndarray], data_type: str) -> None:
    """Run the steps as one graph (every step's result an output) on both backends; compare
    each step whose inputs agree bit for bit, and run the others alone on the reference's inputs."""
    results = {}
    graphs = {}
    for name, context in CONTEXTS.items():
        builder = context.create_graph_builder()
        operands = {key: builder.input(key, list(v.shape), v.dtype.name) for key, v in feeds.items()}
        for i, step in enumerate(steps):
            operands[f"s{i}"] = step.add(builder, [_operand(builder, operands, r) for r in step.reads])
        graph = builder.build({f"s{i}": operands[f"s{i}"] for i in range(len(steps))})
        graphs[name] = graph
        results[name] = context.compute(graph, feeds)
    ir_ops = list(graphs["reference"].ir.operations)
    assert len(ir_ops) == len(steps)
    reference, onnx = results["reference"], results["onnxruntime"]
    for i, step in enumerate(steps):
        op = ir_ops[i]
        keys = [r for r in step.reads if isinstance(r, str)]
        values = {k: (reference[k], onnx[k]) if k.startswith("s") else (feeds[k], feeds[k]) for k in keys}
        inputs = [values[r][0] if isinstance(r, str) else r for r in step.reads]
        if all(same_values(*values[k]) for k in keys):
            compare(op, inputs, reference[f"s{i}"], onnx[f"s{i}"], data_type)
        else:  # the inputs differ within tolerance: the op alone on the reference's inputs
            alone = {k: values[k][0] for k in keys}
            single = Step(step.method, step.reads, step.options, step.extra)
            out = {name: _run_alone(context, single, alone) for name, context in CONTEXTS.items()}
            compare(op, inputs, out["reference"], out["onnxruntime"], data_type)


def _operand(builder: webnn.MLGraphBuilder, operands: dict[str, webnn.MLOperand], read: Any) -> webnn.MLOperand:
    return operands[read] if isinstance(read, str) else builder.constant(read)


def _run_alone(context: webnn.MLContext, step: Step, feeds: dict[str, np.ndarray]) -> np.ndarray:
    builder = context.create_graph_builder()
    operands = {k: builder.input(k, list(v.shape), v.dtype.name) for k, v in feeds.items()}
    y = step.add(builder, [_operand(builder, operands, r) for r in step.reads])
    return context.compute(builder.build({"y": y}), feeds)["y"]


# --------------------------------------------------------------------------- strategies


def tensors(shape: tuple[int, ...], data_type: str) -> st.SearchStrategy[np.ndarray]:
    n = math.prod(shape)
    return st.lists(elements, min_size=n, max_size=n).map(lambda v: array(v, data_type).reshape(shape))


def broadcast_shapes(shape: tuple[int, ...]) -> st.SearchStrategy[tuple[int, ...]]:
    """``shape``, or a shape that broadcasts to it (some dimensions 1, or fewer of them)."""
    return st.tuples(st.integers(0, len(shape)), st.lists(st.booleans(), min_size=len(shape), max_size=len(shape))).map(
        lambda t: tuple(1 if ones else d for d, ones in zip(shape, t[1]))[t[0]:])


REDUCTIONS = list(REDUCTION_ULPS)
POOLS = ["max_pool2d", "average_pool2d", "l2_pool2d"]
ELEMENT_WISE = UNARY + list(UNARY_WITH_OPTIONS) + BINARY + ["where"]


@st.composite
def graphs(draw, first: str) -> tuple[list[Step], dict[str, np.ndarray], str]:
    """``first`` on a random input, then 0 to 3 random element-wise ops and reductions."""
    data_type = draw(st.sampled_from(FLOATS))
    if first in POOLS:
        shape: tuple[int, ...] = (1, draw(st.integers(1, 2)), draw(st.integers(1, 5)), draw(st.integers(1, 5)))
    else:
        shape = tuple(draw(st.lists(st.integers(1, 4), min_size=1 if first in REDUCTIONS else 0, max_size=3)))
    feeds = {"x": draw(tensors(shape, data_type))}
    steps: list[Step] = []
    method, current = first, "x"
    for _ in range(4):
        if method in POOLS:
            steps.append(draw(pool_steps(method, shape, current)))
            shape = _pool_output_shape(steps[-1], shape)
        elif method in REDUCTIONS:
            axes = draw(st.none() | st.lists(st.integers(0, len(shape) - 1), unique=True, max_size=len(shape)))
            keep = draw(st.booleans())
            steps.append(Step(method, [current], {"keepDimensions": keep} if axes is None else
                              {"axes": axes, "keepDimensions": keep}))
            axes = range(len(shape)) if axes is None else axes
            shape = tuple(1 if i in axes else d for i, d in enumerate(shape) if keep or i not in axes)
        elif method in BINARY or method == "where":
            other_shape = draw(broadcast_shapes(shape))
            if draw(st.booleans()):
                other: Any = draw(tensors(other_shape, data_type))  # a constant
            else:
                other = f"i{len(feeds)}"
                feeds[other] = draw(tensors(other_shape, data_type))
            reads = [current, other] if draw(st.booleans()) else [other, current]
            if method == "where":
                condition = f"i{len(feeds)}"
                feeds[condition] = np.array(draw(st.lists(st.sampled_from([0, 1, 7]), min_size=math.prod(shape),
                                                          max_size=math.prod(shape))), np.uint8).reshape(shape)
                reads = [condition, *reads]
            steps.append(Step(method, reads))
        else:
            options = draw(UNARY_WITH_OPTIONS[method]) if method in UNARY_WITH_OPTIONS else {}
            steps.append(Step(method, [current], options))
        current = f"s{len(steps) - 1}"
        if len(steps) == 4 or not draw(st.integers(0, 2)):
            break
        method = draw(st.sampled_from(ELEMENT_WISE + (REDUCTIONS if shape else [])))
    return steps, feeds, data_type


@st.composite
def pool_steps(draw, method: str, shape: tuple[int, ...], read: str) -> Step:
    """A pool whose (dilated) window fits the padded input, or a global one."""
    if draw(st.integers(0, 3)) == 0:
        return Step(method, [read], {})
    layout = draw(st.sampled_from(["nchw", "nhwc"]))
    height, width = shape[2:] if layout == "nchw" else shape[1:3]
    padding = draw(st.lists(st.integers(0, 2), min_size=4, max_size=4))
    padded = (height + padding[0] + padding[1], width + padding[2] + padding[3])
    dilations = draw(st.lists(st.integers(1, 2), min_size=2, max_size=2)) if method != "l2_pool2d" else [1, 1]
    window = [draw(st.integers(1, (size - 1) // d + 1)) for size, d in zip(padded, dilations)]
    options = {"windowDimensions": window, "padding": padding, "dilations": dilations,
               "strides": draw(st.lists(st.integers(1, 3), min_size=2, max_size=2)),
               "layout": layout, "outputShapeRounding": draw(st.sampled_from(["floor", "ceil"]))}
    return Step(method, [read], options)


def _pool_output_shape(step: Step, shape: tuple[int, ...]) -> tuple[int, ...]:
    builder = next(iter(CONTEXTS.values())).create_graph_builder()
    return tuple(step.add(builder, [builder.input("x", list(shape))]).shape)


@needs_both
@pytest.mark.parametrize("first", ELEMENT_WISE + REDUCTIONS + POOLS)
def test_backends_agree(first) -> None:
    @settings(max_examples=50, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
    @given(graphs(first))
    def agree(case: tuple[list[Step], dict[str, np.ndarray], str]) -> None:
        check_graph(*case)

    agree()
