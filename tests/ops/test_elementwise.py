"""Validation and numerics of the element-wise ops beyond the WPT cases."""

from __future__ import annotations

import math

import numpy as np
import pytest

import webnn


@pytest.fixture
def builder() -> webnn.MLGraphBuilder:
    return webnn.ML().create_context(backend="reference").create_graph_builder()


@pytest.mark.parametrize("name", ["add", "sub", "mul", "div", "max", "min", "pow"])
def test_binary_rejects_unbroadcastable_shapes(builder, name) -> None:
    a = builder.input("a", [2, 3])
    b = builder.input("b", [4])
    with pytest.raises(TypeError, match=rf"^{name} 'lbl': shapes \[2, 3\] and \[4\]"):
        getattr(builder, name)(a, b, label="lbl")


@pytest.mark.parametrize("name", ["add", "sub", "mul", "div", "max", "min", "pow"])
def test_binary_rejects_mixed_data_types(builder, name) -> None:
    a = builder.input("a", [2], "float32")
    b = builder.input("b", [2], "int32")
    with pytest.raises(TypeError, match=rf"^{name}: b data type int32 is not allowed"):
        getattr(builder, name)(a, b)


def test_integer_div_truncates_toward_zero() -> None:
    context = webnn.ML().create_context(backend="reference")
    builder = context.create_graph_builder()
    a = builder.input("a", [6], "int32")
    b = builder.input("b", [6], "int32")
    graph = builder.build({"q": builder.div(a, b)})
    x = np.array([7, -7, 7, -7, 1, -9], np.int32)
    y = np.array([2, 2, -2, -2, 3, 4], np.int32)
    q = context.compute(graph, {"a": x, "b": y})["q"]
    assert q.dtype == np.int32
    np.testing.assert_array_equal(q, np.trunc(x / y).astype(np.int32))


# --------------------------------------------------------------------------- helpers

COMPARISONS = {
    "equal": np.equal,
    "not_equal": np.not_equal,
    "greater": np.greater,
    "greater_or_equal": np.greater_equal,
    "lesser": np.less,
    "lesser_or_equal": np.less_equal,
}
LOGICAL = {"logical_and": "and", "logical_or": "or", "logical_xor": "xor"}
FLOAT_UNARY = ["ceil", "cos", "erf", "exp", "floor", "log", "reciprocal", "round_even", "sin", "sqrt", "tan"]
SIGNED_UNARY = ["abs", "neg", "sign"]


def run(op, *arrays, **options):
    """Build a one-op graph whose operands are graph inputs fed with ``arrays``; compute it."""
    context = webnn.ML().create_context(backend="reference")
    builder = context.create_graph_builder()
    names = [f"x{i}" for i in range(len(arrays))]
    operands = [
        builder.input(n, list(a.shape), webnn.dtypes.from_numpy(a.dtype)) for n, a in zip(names, arrays)
    ]
    graph = builder.build({"out": getattr(builder, op)(*operands, **options)})
    return context.compute(graph, dict(zip(names, arrays)))["out"]


def operand(builder, shape, data_type="float32", name="x"):
    return builder.input(name, list(shape), data_type)


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize("name", [*COMPARISONS, *LOGICAL])
def test_binary_logical_rejects_unbroadcastable_shapes(builder, name) -> None:
    dt = "uint8" if name in LOGICAL else "float32"
    a, b = operand(builder, [2, 3], dt, "a"), operand(builder, [4], dt, "b")
    with pytest.raises(TypeError, match=rf"^{name} 'lbl': a shape \[2, 3\] and b shape \[4\] are not broadcastable"):
        getattr(builder, name)(a, b, {"label": "lbl"})


@pytest.mark.parametrize("name", COMPARISONS)
def test_comparison_rejects_mixed_data_types(builder, name) -> None:
    a, b = operand(builder, [2], "float32", "a"), operand(builder, [2], "float16", "b")
    with pytest.raises(TypeError, match=rf"^{name}: b data type float16 is not allowed \(allowed: float32\)"):
        getattr(builder, name)(a, b)


@pytest.mark.parametrize("name", [*LOGICAL, "logical_not"])
def test_logical_rejects_non_uint8(builder, name) -> None:
    args = [operand(builder, [2], "int8", n) for n in ("a", "b")[: 1 if name == "logical_not" else 2]]
    with pytest.raises(TypeError, match=rf"^{name} 'x': a data type int8 is not allowed \(allowed: uint8\)"):
        getattr(builder, name)(*args, label="x")


@pytest.mark.parametrize("name", ["is_nan", "is_infinite"])
@pytest.mark.parametrize("dt", ["int32", "uint8", "int64"])
def test_predicates_reject_integers(builder, name, dt) -> None:
    with pytest.raises(TypeError, match=rf"^{name} 'p': a data type {dt} is not allowed \(allowed: float32, float16\)"):
        getattr(builder, name)(operand(builder, [3], dt), label="p")


@pytest.mark.parametrize(
    ("name", "dt"),
    [(n, "int32") for n in FLOAT_UNARY] + [(n, "uint8") for n in SIGNED_UNARY] + [(n, "uint32") for n in SIGNED_UNARY],
)
def test_unary_rejects_data_type(builder, name, dt) -> None:
    with pytest.raises(TypeError, match=rf"^{name} 'u': input data type {dt} is not allowed"):
        getattr(builder, name)(operand(builder, [2, 2], dt), label="u")


@pytest.mark.parametrize("name", [*FLOAT_UNARY, *SIGNED_UNARY, "identity"])
def test_unary_rejects_bad_arguments(builder, name) -> None:
    x = operand(builder, [2])
    with pytest.raises(TypeError, match=rf"^{name}: unknown options argument 'axis'"):
        getattr(builder, name)(x, {"axis": 0})
    with pytest.raises(TypeError, match=rf"^{name} 'v': input must be an MLOperand, got ndarray"):
        getattr(builder, name)(np.ones(2, np.float32), label="v")
    other = webnn.ML().create_context(backend="reference").create_graph_builder()
    with pytest.raises(TypeError, match=rf"^{name}: input belongs to another MLGraphBuilder"):
        getattr(other, name)(x)


@pytest.mark.parametrize("data_type", ["float64", "bool", "int2", "", None, 3, "Float32"])
def test_cast_rejects_bad_data_type(builder, data_type) -> None:
    with pytest.raises(TypeError, match=r"^cast 'c': data_type must be one of 'float32'"):
        builder.cast(operand(builder, [2]), data_type, {"label": "c"})


def test_cast_requires_data_type(builder) -> None:
    with pytest.raises(TypeError, match=r"^cast: missing required argument 'data_type'"):
        builder.cast(operand(builder, [2]))


def test_where_validation(builder) -> None:
    cond = operand(builder, [2, 3], "uint8", "c")
    t = operand(builder, [3], "float32", "t")
    f = operand(builder, [2, 1], "float32", "f")
    with pytest.raises(TypeError, match=r"^where 'w': condition data type float32 is not allowed \(allowed: uint8\)"):
        builder.where(t, t, f, label="w")
    with pytest.raises(TypeError, match=r"^where: false_value data type int32 is not allowed \(allowed: float32\)"):
        builder.where(cond, t, operand(builder, [3], "int32", "i"))
    with pytest.raises(TypeError, match=r"^where: true_value shape \[3\] and false_value shape \[2\] are not"):
        builder.where(cond, t, operand(builder, [2], "float32", "f2"))
    with pytest.raises(TypeError, match=r"^where 'w': condition shape \[3, 3\] and the broadcast shape \[2, 3\]"):
        builder.where(operand(builder, [3, 3], "uint8", "c3"), t, f, label="w")
    assert builder.where(cond, t, f).shape == (2, 3)
    assert builder.where(operand(builder, [4, 1, 1], "uint8", "c4"), t, f).shape == (4, 2, 3)


def test_output_descriptors(builder) -> None:
    a = operand(builder, [2, 1, 3], "int32", "a")
    b = operand(builder, [4, 1], "int32", "b")
    assert builder.greater(a, b).data_type == "uint8"
    assert builder.greater(a, b).shape == (2, 4, 3)
    assert builder.cast(a, "float16").data_type == "float16"
    assert builder.cast(a, "float16").shape == (2, 1, 3)
    assert builder.is_nan(operand(builder, [], "float16", "h")).shape == ()
    limits = webnn.ML().create_context(backend="reference").op_support_limits()
    assert limits["isNaN"]["output"]["dataTypes"] == ["uint8"]
    assert limits["where"]["condition"]["dataTypes"] == ["uint8"]


# --------------------------------------------------------------------------- numerics

RNG = np.random.default_rng(7)
INT_TYPES = [np.int8, np.uint8, np.int32, np.uint32, np.int64, np.uint64]


def random_values(dtype, shape):
    dtype = np.dtype(dtype)
    if dtype.kind == "f":
        x = (RNG.standard_normal(shape) * 4).round(1).astype(dtype)  # rounding makes ties likely
        x.flat[::7] = np.nan
        x.flat[1::11] = -0.0
        x.flat[2::13] = np.inf
        x.flat[3::17] = -np.inf
        return x
    info = np.iinfo(dtype)
    x = RNG.integers(-3, 4, shape).astype(np.int64).astype(dtype)  # small values: many equal pairs
    x.flat[::5] = info.max
    x.flat[1::6] = info.min
    x.flat[2::9] = info.max - 1  # next to max: lost if compared as floats
    return x


@pytest.mark.parametrize("name", COMPARISONS)
@pytest.mark.parametrize("dtype", [np.float32, np.float16, *INT_TYPES])
def test_comparison_matches_python(name, dtype) -> None:
    a = random_values(dtype, (3, 1, 40))
    b = random_values(dtype, (5, 1))
    out = run(name, a, b)
    assert out.dtype == np.uint8 and out.shape == (3, 5, 40)
    compare = {"equal": "__eq__", "not_equal": "__ne__", "greater": "__gt__", "greater_or_equal": "__ge__",
               "lesser": "__lt__", "lesser_or_equal": "__le__"}[name]
    ab, bb = np.broadcast_arrays(a, b)
    pa = [x.item() for x in ab.ravel()]  # Python ints / floats: exact, IEEE NaN rules
    pb = [x.item() for x in bb.ravel()]
    expected = np.array([getattr(x, compare)(y) for x, y in zip(pa, pb)], np.uint8).reshape(out.shape)
    np.testing.assert_array_equal(out, expected)


@pytest.mark.parametrize("name", LOGICAL)
def test_logical_binary_treats_nonzero_as_true(name) -> None:
    a = RNG.choice(np.array([0, 1, 2, 128, 255], np.uint8), size=(4, 1, 6))
    b = RNG.choice(np.array([0, 0, 7, 255], np.uint8), size=(3, 1))
    out = run(name, a, b)
    ta, tb = np.broadcast_arrays(a > 0, b > 0)
    expected = {"and": ta & tb, "or": ta | tb, "xor": ta ^ tb}[LOGICAL[name]]
    assert out.dtype == np.uint8 and out.shape == (4, 3, 6)
    np.testing.assert_array_equal(out, expected.astype(np.uint8))


def test_logical_not() -> None:
    a = np.array([[0, 1, 2], [128, 255, 0]], np.uint8)
    np.testing.assert_array_equal(run("logical_not", a), [[1, 0, 0], [0, 0, 1]])
    np.testing.assert_array_equal(run("logical_not", np.array(0, np.uint8)), np.array(1, np.uint8))


@pytest.mark.parametrize("dtype", [np.float32, np.float16])
def test_is_nan_is_infinite(dtype) -> None:
    x = np.array([np.nan, -np.nan, np.inf, -np.inf, 0.0, -0.0, 1.0, np.finfo(dtype).max, np.finfo(dtype).tiny], dtype)
    x = np.concatenate([x, np.frombuffer(np.array([0x7F80_0001, 0xFFC0_1234], np.uint32).tobytes(), np.float32).astype(dtype)])
    np.testing.assert_array_equal(run("is_nan", x), (x != x).astype(np.uint8))
    np.testing.assert_array_equal(run("is_infinite", x), ((x == np.inf) | (x == -np.inf)).astype(np.uint8))


@pytest.mark.parametrize("dtype", [np.int8, np.int32, np.int64])
def test_abs_neg_sign_integers_wrap(dtype) -> None:
    info = np.iinfo(dtype)
    x = np.array([info.min, info.min + 1, -5, -1, 0, 1, 7, info.max], dtype)
    py = [int(v) for v in x]
    wrap = lambda v: (v - info.min) % (1 << info.bits) + info.min  # noqa: E731
    np.testing.assert_array_equal(run("abs", x), np.array([wrap(abs(v)) for v in py], dtype))
    np.testing.assert_array_equal(run("neg", x), np.array([wrap(-v) for v in py], dtype))
    np.testing.assert_array_equal(run("sign", x), np.array([(v > 0) - (v < 0) for v in py], dtype))
    assert run("abs", x)[0] == info.min


@pytest.mark.parametrize("dtype", [np.float32, np.float16])
def test_abs_neg_sign_floats(dtype) -> None:
    x = np.array([np.nan, -0.0, 0.0, -np.inf, np.inf, -2.5, 3.0, -1e-7, 1e-7], dtype)
    a, n, s = run("abs", x), run("neg", x), run("sign", x)
    assert a.dtype == n.dtype == s.dtype == dtype
    np.testing.assert_array_equal(a, [np.nan, 0, 0, np.inf, np.inf, 2.5, 3, abs(x[7]), x[8]])
    assert not np.signbit(a[1]) and np.signbit(n[2]) and not np.signbit(n[1])
    np.testing.assert_array_equal(n[1:], -x[1:].astype(np.float64))
    # The spec: 1 if > 0, -1 if < 0, and 0 otherwise (zeros and NaN).
    expected_sign = [0, 0, 0, -1, 1, -1, 1, -1 if x[7] else 0, 1 if x[8] else 0]
    np.testing.assert_array_equal(s, np.array(expected_sign, dtype))


@pytest.mark.parametrize("dtype", [np.float32, np.float16])
def test_rounding_ops(dtype) -> None:
    x = np.concatenate([
        np.arange(-6, 6.5, 0.5), [-0.0, 0.0, np.inf, -np.inf, np.nan, -0.4, 0.4, 2047.5, -4097.0],
        RNG.standard_normal(200) * 1000,
    ]).astype(dtype)
    py = [float(v) for v in x]

    def each(f):
        return np.array([f(v) if np.isfinite(v) else v for v in py], np.float64).astype(dtype)

    np.testing.assert_array_equal(run("floor", x), each(math.floor))
    np.testing.assert_array_equal(run("ceil", x), each(math.ceil))
    np.testing.assert_array_equal(run("round_even", x), each(round))  # Python's round is half-to-even
    # signs of zero results follow the input (-0.4 -> -0)
    assert np.signbit(run("round_even", np.array([-0.4], dtype))[0])
    assert np.signbit(run("ceil", np.array([-0.4], dtype))[0])


UNARY_MATH = {
    "exp": (math.exp, (-80, 80)),
    "log": (math.log, (1e-30, 1e30)),
    "sin": (math.sin, (-100, 100)),
    "cos": (math.cos, (-100, 100)),
    "tan": (math.tan, (-10, 10)),
    "sqrt": (math.sqrt, (0, 1e30)),
    "reciprocal": (lambda v: 1 / v, (-1e5, 1e5)),
    "erf": (math.erf, (-5, 5)),
}


@pytest.mark.parametrize("name", UNARY_MATH)
@pytest.mark.parametrize("dtype", [np.float32, np.float16])
def test_unary_math_within_one_ulp_of_float64(name, dtype) -> None:
    f, (lo, hi) = UNARY_MATH[name]
    if dtype == np.float16:
        lo, hi = max(lo, -10), min(hi, 10)
        if name == "log" or name == "sqrt":
            lo = 1e-3
    x = RNG.uniform(lo, hi, 3000)
    if name in ("log", "sqrt"):
        x = np.exp(RNG.uniform(np.log(max(lo, 1e-30)), np.log(hi), 3000))
    x = x.astype(dtype)
    x = x[x != 0]
    out = run(name, x)
    assert out.dtype == dtype
    expected = np.array([f(float(v)) for v in x], np.float64).astype(dtype)
    np.testing.assert_array_max_ulp(out, expected, maxulp=1)
    if name in ("sqrt", "reciprocal", "erf"):  # correctly rounded
        np.testing.assert_array_equal(out, expected)


def test_unary_math_special_values() -> None:
    x = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, -1.0], np.float32)
    with np.errstate(all="ignore"):
        np.testing.assert_array_equal(run("exp", x), np.array([np.nan, np.inf, 0, 1, 1, math.exp(-1)], np.float32))
        np.testing.assert_array_equal(run("log", x), [np.nan, np.inf, np.nan, -np.inf, -np.inf, np.nan])
        np.testing.assert_array_equal(run("sqrt", x), [np.nan, np.inf, np.nan, 0, -0.0, np.nan])
        np.testing.assert_array_equal(run("reciprocal", x), [np.nan, 0, -0.0, np.inf, -np.inf, -1])
        np.testing.assert_array_equal(run("erf", x), np.array([np.nan, 1, -1, 0, -0.0, math.erf(-1)], np.float32))
    assert np.signbit(run("erf", x)[4]) and np.signbit(run("sqrt", x)[4])
    np.testing.assert_array_equal(run("sin", x)[:3], [np.nan] * 3)
    # erf is accurate for tiny and float32-subnormal arguments too
    tiny = np.array([1e-30, -3e-39, 1e-45], np.float32)
    np.testing.assert_array_equal(run("erf", tiny), (tiny.astype(np.float64) * 2 / math.sqrt(math.pi)).astype(np.float32))


def test_erf_dense_float32() -> None:
    x = np.linspace(-6, 6, 120001, dtype=np.float32)
    expected = np.array([math.erf(float(v)) for v in x]).astype(np.float32)
    np.testing.assert_array_equal(run("erf", x), expected)


@pytest.mark.parametrize("dtype", [np.float32, np.float16, np.int8, np.uint64])
def test_identity_copies(dtype) -> None:
    x = random_values(dtype, (2, 3, 4))
    out = run("identity", x)
    assert out.dtype == dtype
    np.testing.assert_array_equal(out, x)
    assert not np.shares_memory(out, x)


# --------------------------------------------------------------------------- cast

CAST_CASES = [
    # float -> int: truncation toward zero; out of range saturates; NaN -> 0
    ("float32", [np.nan, np.inf, -np.inf, 1e10, -1e10, 2.9, -2.9, 127.9, 128.0, -128.9, -129.0], "int8",
     [0, 127, -128, 127, -128, 2, -2, 127, 127, -128, -128]),
    ("float32", [-0.9, -1.0, 255.9, 256.0, np.nan, 1e30], "uint8", [0, 0, 255, 255, 0, 255]),
    ("float32", [1e19, -1e19, 2.0**62, -(2.0**63), 2.0**63], "int64",
     [2**63 - 1, -(2**63), 2**62, -(2**63), 2**63 - 1]),
    ("float32", [1.8e19, 2e19, -1.0, np.inf], "uint64", [int(np.float32(1.8e19)), 2**64 - 1, 0, 2**64 - 1]),
    ("float32", [4294967296.0, 4294967040.0, -0.5, 2147483648.0], "uint32", [2**32 - 1, 4294967040, 0, 2**31]),
    ("float32", [2147483648.0, -2147483648.0, -2147483904.0, 2147483520.0], "int32",
     [2**31 - 1, -(2**31), -(2**31), 2147483520]),
    ("float16", [-0.99, 65504.0, -np.inf, np.nan, 300.5], "int32", [0, 65504, -(2**31), 0, 300]),
    ("float16", [300.0, -300.0, 255.5], "uint8", [255, 0, 255]),
    # int -> int: lowest bits, two's complement
    ("int32", [300, -1, 256, -129, 2**31 - 1], "uint8", [44, 255, 0, 127, 255]),
    ("int32", [300, -1, 256, -129, 128], "int8", [44, -1, 0, 127, -128]),
    ("uint32", [2**32 - 1, 2**31], "int32", [-1, -(2**31)]),
    ("int64", [-129, 2**40 + 5, -(2**63)], "int8", [127, 5, 0]),
    ("uint64", [2**64 - 1, 2**63], "int64", [-1, -(2**63)]),
    ("int8", [-1, -128, 127], "uint64", [2**64 - 1, 2**64 - 128, 127]),
    ("int8", [-1, -128], "uint32", [2**32 - 1, 2**32 - 128]),
    ("uint8", [255, 128], "int8", [-1, -128]),
    # -> float: nearest (ties to even), out of range -> +-inf
    ("int32", [65519, 65520, -70000, 2049, 2051, 2**31 - 1], "float16", [65504, np.inf, -np.inf, 2048, 2052, np.inf]),
    ("float32", [65519.0, 65520.0, -1e10, 1e-8, np.nan, -0.0, 3.4e38], "float16",
     [65504, np.inf, -np.inf, 0, np.nan, -0.0, np.inf]),
    ("int64", [2**53 + 2**29 + 1, 2**62 + 2**38 + 1, -(2**63)], "float32",
     [2.0**53 + 2.0**30, 2.0**62 + 2.0**39, -(2.0**63)]),
    ("uint64", [2**64 - 1, 2**24 + 1], "float32", [2.0**64, 2.0**24]),
    ("uint64", [2**64 - 1, 2049], "float16", [np.inf, 2048]),
    ("float16", [65504.0, -np.inf, np.nan, 6e-8], "float32", [65504, -np.inf, np.nan, float(np.float16(6e-8))]),
]


@pytest.mark.parametrize(("src", "values", "dst", "expected"), CAST_CASES)
def test_cast_values(src, values, dst, expected) -> None:
    x = np.array(values, dtype=webnn.dtypes.to_numpy(src))
    out = run("cast", x, data_type=dst)
    assert out.dtype == webnn.dtypes.to_numpy(dst)
    np.testing.assert_array_equal(out, np.array(expected, dtype=out.dtype))
    if dst.startswith("float"):
        np.testing.assert_array_equal(np.signbit(out), np.signbit(np.array(expected, dtype=np.float64)))


@pytest.mark.parametrize("src", [np.int8, np.uint8, np.int32, np.uint32, np.int64, np.uint64])
@pytest.mark.parametrize("dst", ["int8", "uint8", "int32", "uint32", "int64", "uint64"])
def test_cast_integers_wrap(src, dst) -> None:
    info = np.iinfo(src)
    x = RNG.integers(int(info.min), int(info.max), 500, dtype=src, endpoint=True)
    bits = np.iinfo(webnn.dtypes.to_numpy(dst)).bits
    signed = dst.startswith("int")

    def wrap(v):
        v %= 1 << bits
        return v - (1 << bits) if signed and v >= 1 << (bits - 1) else v

    expected = np.array([wrap(int(v)) for v in x], dtype=webnn.dtypes.to_numpy(dst))
    np.testing.assert_array_equal(run("cast", x, data_type=dst), expected)


@pytest.mark.parametrize("src", [np.float32, np.float16])
@pytest.mark.parametrize("dst", ["int8", "uint8", "int32", "uint32", "int64", "uint64"])
def test_cast_float_to_int_truncates_and_saturates(src, dst) -> None:
    info = np.iinfo(webnn.dtypes.to_numpy(dst))
    top = float(np.finfo(src).max)
    x = np.clip(RNG.standard_normal(500) * min(float(info.max) * 1.5, top / 4), -top, top).astype(src)
    x[:6] = [np.nan, np.inf, -np.inf, -0.0, 0.5, -0.5]

    def expected(v):
        if math.isnan(v):
            return 0
        if math.isinf(v):
            return int(info.max) if v > 0 else int(info.min)
        return min(max(math.trunc(v), int(info.min)), int(info.max))

    out = run("cast", x, data_type=dst)
    np.testing.assert_array_equal(out, np.array([expected(float(v)) for v in x], dtype=out.dtype))


# --------------------------------------------------------------------------- where


@pytest.mark.parametrize("dtype", [np.float32, np.float16, np.int32, np.uint64, np.int8])
def test_where_broadcasts_all_operands(dtype) -> None:
    cond = RNG.integers(0, 4, (2, 1, 5)).astype(np.uint8)  # 1, 2, 3 all count as true
    t = random_values(dtype, (3, 1))
    f = random_values(dtype, (5,))
    out = run("where", cond, t, f)
    assert out.dtype == dtype and out.shape == (2, 3, 5)
    cb, tb, fb = (np.broadcast_to(v, (2, 3, 5)) for v in (cond, t, f))
    expected = fb.copy()
    expected[cb > 0] = tb[cb > 0]
    np.testing.assert_array_equal(out, expected)


def test_where_scalar_condition_and_values() -> None:
    out = run("where", np.array(0, np.uint8), np.array(1.5, np.float32), np.array([[2.5], [3.5]], np.float32))
    np.testing.assert_array_equal(out, [[2.5], [3.5]])
    out = run("where", np.array([255, 0], np.uint8), np.array(1, np.int32), np.array(-1, np.int32))
    np.testing.assert_array_equal(out, np.array([1, -1], np.int32))


@pytest.mark.parametrize("dtype", [np.int8, np.int32, np.int64])
def test_integer_pow_negative_exponent_and_wrap(dtype) -> None:
    a = np.array([2, -2, 1, -1, -1, 0, 3, 0, 5, 7], dtype)
    b = np.array([-1, -3, -5, -3, -4, -2, 2, 0, 0, 50], dtype)
    bits = np.iinfo(dtype).bits

    def expected(x, y):
        if y < 0:
            return 1 if x == 1 else ((-1) ** y if x == -1 else 0)
        v = x**y % (1 << bits)
        return v - (1 << bits) if v >= 1 << (bits - 1) else v

    np.testing.assert_array_equal(run("pow", a, b), np.array([expected(int(x), int(y)) for x, y in zip(a, b)], dtype))


# --------------------------------------------------------------------------- int4 / uint4


def _four_bit_reference(values: np.ndarray, data_type: str) -> np.ndarray:
    """Two's complement wrap to 4 bits, written out arithmetically."""
    wrapped = np.mod(values.astype(np.int64), 16)
    if data_type == "int4":
        wrapped = np.where(wrapped >= 8, wrapped - 16, wrapped)
    return wrapped


@pytest.mark.parametrize("source", ["int32", "int8", "uint8", "int64"])
@pytest.mark.parametrize("target", ["int4", "uint4"])
def test_cast_integers_to_four_bits_wraps(source, target) -> None:
    context = webnn.ML().create_context(backend="reference")
    builder = context.create_graph_builder()
    values = np.array([0, 1, 7, 8, 15, 16, 100, 127], dtype=source)
    x = builder.input("x", [values.size], source)
    graph = builder.build({"y": builder.cast(x, target)})
    y = context.compute(graph, {"x": values})["y"]
    assert y.dtype == (np.int8 if target == "int4" else np.uint8)
    np.testing.assert_array_equal(y, _four_bit_reference(values, target))


@pytest.mark.parametrize("target, expected", [("int4", [7, -8, 3, -3, 0, 7, -8]), ("uint4", [9, 0, 3, 0, 0, 15, 0])])
def test_cast_floats_to_four_bits_saturates(target, expected) -> None:
    context = webnn.ML().create_context(backend="reference")
    builder = context.create_graph_builder()
    x = builder.input("x", [7], "float32")
    graph = builder.build({"y": builder.cast(x, target)})
    values = np.array([9.5, -9.5, 3.7, -3.7, np.nan, np.inf, -np.inf], np.float32)
    np.testing.assert_array_equal(context.compute(graph, {"x": values})["y"], expected)


def test_four_bit_inputs_and_constants_are_range_checked() -> None:
    context = webnn.ML().create_context(backend="reference")
    builder = context.create_graph_builder()
    with pytest.raises(TypeError, match=r"int4 values must be in \[-8, 7\], got \[-9, 0\]"):
        builder.constant({"dataType": "int4", "shape": [2]}, np.array([-9, 0], np.int8))
    x = builder.input("x", [2], "uint4")
    graph = builder.build({"y": builder.cast(x, "float32")})
    np.testing.assert_array_equal(context.compute(graph, {"x": np.array([0, 15], np.uint8)})["y"], [0, 15])
    with pytest.raises(TypeError, match=r"uint4 values must be in \[0, 15\]"):
        context.compute(graph, {"x": np.array([0, 16], np.uint8)})
