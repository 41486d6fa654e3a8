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


def run(context, op, *arrays, constants=(), data_types=None, **options):
    """Build a one-op graph whose operands are graph inputs fed with ``arrays`` (graph constants
    for the positions in ``constants``); compute it on ``context``."""
    builder = context.create_graph_builder()
    names = [f"x{i}" for i in range(len(arrays))]
    types = data_types or [webnn.dtypes.from_numpy(a.dtype) for a in arrays]
    operands, feeds = [], {}
    for i, (n, a, t) in enumerate(zip(names, arrays, types)):
        if i in constants:
            operands.append(builder.constant({"dataType": t, "shape": list(a.shape)}, a))
        else:
            operands.append(builder.input(n, list(a.shape), t))
            feeds[n] = a
    graph = builder.build({"out": getattr(builder, op)(*operands, **options)})
    return context.compute(graph, feeds)["out"]


def exact(context) -> bool:
    """The reference backend matches float64 formulas exactly where the others may be an ULP off."""
    return context.backend == "reference"


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
    assert builder.where(cond, t, f).shape == [2, 3]
    assert builder.where(operand(builder, [4, 1, 1], "uint8", "c4"), t, f).shape == [4, 2, 3]


def test_output_descriptors(builder) -> None:
    a = operand(builder, [2, 1, 3], "int32", "a")
    b = operand(builder, [4, 1], "int32", "b")
    assert builder.greater(a, b).data_type == "uint8"
    assert builder.greater(a, b).shape == [2, 4, 3]
    assert builder.cast(a, "float16").data_type == "float16"
    assert builder.cast(a, "float16").shape == [2, 1, 3]
    assert builder.is_nan(operand(builder, [], "float16", "h")).shape == []
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


ALL_TYPES = [np.float32, np.float16, *INT_TYPES]


def wrap_to(values, dtype):
    """Python integers reduced to ``dtype``'s two's complement range, as an array."""
    info = np.iinfo(dtype)
    span = 1 << info.bits
    return np.array([(int(v) - int(info.min)) % span + int(info.min) for v in values], dtype)


def truncated_quotient(x: int, y: int) -> int:
    """x / y truncated toward zero (0 for y == 0, as the reference's integer division)."""
    if y == 0:
        return 0
    q = abs(x) // abs(y)
    return q if (x < 0) == (y < 0) else -q


BINARY_PY = {
    "add": lambda x, y: x + y,
    "sub": lambda x, y: x - y,
    "mul": lambda x, y: x * y,
    "max": max,
    "min": min,
    "div": truncated_quotient,
}
BINARY_FLOAT = {"add": np.add, "sub": np.subtract, "mul": np.multiply, "max": np.maximum, "min": np.minimum,
                "div": np.divide}


@pytest.mark.parametrize("name", BINARY_PY)
@pytest.mark.parametrize("dtype", ALL_TYPES)
def test_binary_arithmetic_every_data_type(context, name, dtype) -> None:
    a = random_values(dtype, (2, 1, 30))
    b = random_values(dtype, (3, 1))
    out = run(context, name, a, b)
    assert out.dtype == dtype and out.shape == (2, 3, 30)
    ab, bb = np.broadcast_arrays(a, b)
    if np.dtype(dtype).kind == "f":
        # IEEE float32 arithmetic (float16 computes in float32 and rounds once); NaN propagates
        with np.errstate(all="ignore"):
            expected = BINARY_FLOAT[name](ab.astype(np.float32), bb.astype(np.float32)).astype(dtype)
        np.testing.assert_array_equal(out, expected)
        return
    # integers wrap in two's complement; division truncates toward zero, x / 0 gives 0
    py = [BINARY_PY[name](int(x), int(y)) for x, y in zip(ab.ravel(), bb.ravel())]
    np.testing.assert_array_equal(out, wrap_to(py, dtype).reshape(out.shape))


@pytest.mark.parametrize("dtype", INT_TYPES)
@pytest.mark.parametrize("divisor", ["input", "constant", "constant-without-0-or-minus-1"])
def test_integer_div_truncates_toward_zero(context, dtype, divisor) -> None:
    info = np.iinfo(dtype)
    a = wrap_to([7, -7, 7, -7, 1, -9, info.min, info.min, info.max, info.max, 0, 5], dtype)
    b = wrap_to([2, 2, -2, -2, 3, 4, -1, 0, -1, 0, 0, 1], dtype)
    if divisor == "constant-without-0-or-minus-1":
        b = np.where((b == 0) | (b == info.max), np.array(3, dtype), b)
    q = run(context, "div", a, b, constants=(1,) if divisor != "input" else ())
    assert q.dtype == dtype
    expected = wrap_to([truncated_quotient(int(x), int(y)) for x, y in zip(a, b)], dtype)
    np.testing.assert_array_equal(q, expected)
    if info.min < 0:
        assert q[6] == info.min  # INT_MIN / -1 wraps


@pytest.mark.parametrize("dtype", [np.float32, np.float16])
def test_float_pow(context, dtype) -> None:
    a = RNG.uniform(0, 6, 400).astype(dtype)
    b = RNG.uniform(-4, 4, 400).astype(dtype)
    special_a = np.array([-2, 0, 0, np.nan, 1, -1, -np.inf, np.inf, -0.0, -3, 2, 4], dtype)
    special_b = np.array([0.5, -1, 0, 0, np.nan, np.inf, 3, -1, -3, 3, 2, 0.5], dtype)
    a, b = np.concatenate([a, special_a]), np.concatenate([b, special_b])
    out = run(context, "pow", a, b)
    assert out.dtype == dtype
    with np.errstate(all="ignore"):
        expected = np.power(a.astype(np.float64), b.astype(np.float64)).astype(dtype)
    np.testing.assert_array_max_ulp(out, expected, maxulp=2)
    np.testing.assert_array_equal(out[-len(special_a):], expected[-len(special_a):])


@pytest.mark.parametrize("dtype", INT_TYPES)
@pytest.mark.parametrize("exponent", ["input", "constant"])
def test_integer_pow_every_data_type(context, dtype, exponent) -> None:
    info = np.iinfo(dtype)
    bits = info.bits
    bases = [0, 1, 2, 3, 7, int(info.max), int(info.min), int(info.max) - 1] + ([-1, -2, -3] if info.min else [])
    exps = [0, 1, 2, 3, 5, 8, 13, bits - 1, bits, 2 * bits + 1, int(info.max)]
    if info.min:
        exps += [-1, -2, -3, int(info.min)]
    else:
        exps += [int(info.max) - 1, 1 << (bits - 1)]  # the top bit of unsigned exponents counts too
    a = wrap_to(bases, dtype).reshape(-1, 1)
    b = wrap_to(exps, dtype)
    out = run(context, "pow", a, b, constants=(1,) if exponent == "constant" else ())
    assert out.dtype == dtype and out.shape == (len(bases), len(exps))

    def expected(x: int, y: int) -> int:
        if y < 0:  # 1 / x**-y truncated toward zero
            return 1 if x == 1 else ((-1) ** (y % 2) if x == -1 else 0)
        return pow(x, y, 1 << bits)

    want = [expected(int(x), int(y)) for x in a.ravel() for y in b]
    np.testing.assert_array_equal(out, wrap_to(want, dtype).reshape(out.shape))


@pytest.mark.parametrize("name", COMPARISONS)
@pytest.mark.parametrize("dtype", [np.float32, np.float16, *INT_TYPES])
def test_comparison_matches_python(context, name, dtype) -> None:
    a = random_values(dtype, (3, 1, 40))
    b = random_values(dtype, (5, 1))
    out = run(context, name, a, b)
    assert out.dtype == np.uint8 and out.shape == (3, 5, 40)
    compare = {"equal": "__eq__", "not_equal": "__ne__", "greater": "__gt__", "greater_or_equal": "__ge__",
               "lesser": "__lt__", "lesser_or_equal": "__le__"}[name]
    ab, bb = np.broadcast_arrays(a, b)
    pa = [x.item() for x in ab.ravel()]  # Python ints / floats: exact, IEEE NaN rules
    pb = [x.item() for x in bb.ravel()]
    expected = np.array([getattr(x, compare)(y) for x, y in zip(pa, pb)], np.uint8).reshape(out.shape)
    np.testing.assert_array_equal(out, expected)


@pytest.mark.parametrize("name", LOGICAL)
def test_logical_binary_treats_nonzero_as_true(context, name) -> None:
    a = RNG.choice(np.array([0, 1, 2, 128, 255], np.uint8), size=(4, 1, 6))
    b = RNG.choice(np.array([0, 0, 7, 255], np.uint8), size=(3, 1))
    out = run(context, name, a, b)
    ta, tb = np.broadcast_arrays(a > 0, b > 0)
    expected = {"and": ta & tb, "or": ta | tb, "xor": ta ^ tb}[LOGICAL[name]]
    assert out.dtype == np.uint8 and out.shape == (4, 3, 6)
    np.testing.assert_array_equal(out, expected.astype(np.uint8))


def test_logical_not(context) -> None:
    a = np.array([[0, 1, 2], [128, 255, 0]], np.uint8)
    np.testing.assert_array_equal(run(context, "logical_not", a), [[1, 0, 0], [0, 0, 1]])
    np.testing.assert_array_equal(run(context, "logical_not", np.array(0, np.uint8)), np.array(1, np.uint8))


@pytest.mark.parametrize("dtype", [np.float32, np.float16])
def test_is_nan_is_infinite(context, dtype) -> None:
    x = np.array([np.nan, -np.nan, np.inf, -np.inf, 0.0, -0.0, 1.0, np.finfo(dtype).max, np.finfo(dtype).tiny], dtype)
    x = np.concatenate([x, np.frombuffer(np.array([0x7F80_0001, 0xFFC0_1234], np.uint32).tobytes(), np.float32).astype(dtype)])
    np.testing.assert_array_equal(run(context, "is_nan", x), (x != x).astype(np.uint8))
    np.testing.assert_array_equal(run(context, "is_infinite", x), ((x == np.inf) | (x == -np.inf)).astype(np.uint8))


@pytest.mark.parametrize("dtype", [np.int8, np.int32, np.int64])
def test_abs_neg_sign_integers_wrap(context, dtype) -> None:
    info = np.iinfo(dtype)
    x = np.array([info.min, info.min + 1, -5, -1, 0, 1, 7, info.max], dtype)
    py = [int(v) for v in x]
    wrap = lambda v: (v - info.min) % (1 << info.bits) + info.min  # noqa: E731
    np.testing.assert_array_equal(run(context, "abs", x), np.array([wrap(abs(v)) for v in py], dtype))
    np.testing.assert_array_equal(run(context, "neg", x), np.array([wrap(-v) for v in py], dtype))
    np.testing.assert_array_equal(run(context, "sign", x), np.array([(v > 0) - (v < 0) for v in py], dtype))
    assert run(context, "abs", x)[0] == info.min


@pytest.mark.parametrize("dtype", [np.float32, np.float16])
def test_abs_neg_sign_floats(context, dtype) -> None:
    x = np.array([np.nan, -0.0, 0.0, -np.inf, np.inf, -2.5, 3.0, -1e-7, 1e-7], dtype)
    a, n, s = run(context, "abs", x), run(context, "neg", x), run(context, "sign", x)
    assert a.dtype == n.dtype == s.dtype == dtype
    np.testing.assert_array_equal(a, [np.nan, 0, 0, np.inf, np.inf, 2.5, 3, abs(x[7]), x[8]])
    assert not np.signbit(a[1]) and np.signbit(n[2]) and not np.signbit(n[1])
    np.testing.assert_array_equal(n[1:], -x[1:].astype(np.float64))
    # The spec: 1 if > 0, -1 if < 0, and 0 otherwise (zeros and NaN).
    expected_sign = [0, 0, 0, -1, 1, -1, 1, -1 if x[7] else 0, 1 if x[8] else 0]
    np.testing.assert_array_equal(s, np.array(expected_sign, dtype))


@pytest.mark.parametrize("dtype", [np.float32, np.float16])
def test_rounding_ops(context, dtype) -> None:
    x = np.concatenate([
        np.arange(-6, 6.5, 0.5), [-0.0, 0.0, np.inf, -np.inf, np.nan, -0.4, 0.4, 2047.5, -4097.0],
        RNG.standard_normal(200) * 1000,
    ]).astype(dtype)
    py = [float(v) for v in x]

    def each(f):
        return np.array([f(v) if np.isfinite(v) else v for v in py], np.float64).astype(dtype)

    np.testing.assert_array_equal(run(context, "floor", x), each(math.floor))
    np.testing.assert_array_equal(run(context, "ceil", x), each(math.ceil))
    np.testing.assert_array_equal(run(context, "round_even", x), each(round))  # Python's round is half-to-even
    # signs of zero results follow the input (-0.4 -> -0)
    assert np.signbit(run(context, "round_even", np.array([-0.4], dtype))[0])
    assert np.signbit(run(context, "ceil", np.array([-0.4], dtype))[0])


#: Where an engine's float32 kernel is less accurate than ONNX Runtime's but well inside the WPT
#: tolerances (exp: 32 ULP; erf: 2**-10 absolute): the bound it is held to (its measured error).
ENGINE_ULP = {("openvino", "exp"): 5, ("openvino", "erf"): 5, ("litert", "tan"): 3, ("litert", "erf"): 3}

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
def test_unary_math_close_to_float64(context, name, dtype) -> None:
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
    out = run(context, name, x)
    assert out.dtype == dtype
    expected = np.array([f(float(v)) for v in x], np.float64).astype(dtype)
    # The reference rounds a float64 result once; ONNX Runtime's float32 kernels (which float16
    # uses too) are within 2 ULP, well inside the WPT tolerances.
    bound = 1 if exact(context) else max(2, ENGINE_ULP.get((context.backend, name), 0))
    np.testing.assert_array_max_ulp(out, expected, maxulp=bound)
    if name in ("sqrt", "reciprocal") or (name == "erf" and exact(context)):  # correctly rounded
        np.testing.assert_array_equal(out, expected)


def test_unary_math_special_values(context) -> None:
    x = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, -1.0], np.float32)
    with np.errstate(all="ignore"):
        y = run(context, "exp", x)
        np.testing.assert_array_equal(y[:5], np.array([np.nan, np.inf, 0, 1, 1], np.float32))
        np.testing.assert_array_max_ulp(y[5:], np.float32([math.exp(-1)]),
                                        maxulp=ENGINE_ULP.get((context.backend, "exp"), 0))
        np.testing.assert_array_equal(run(context, "log", x), [np.nan, np.inf, np.nan, -np.inf, -np.inf, np.nan])
        np.testing.assert_array_equal(run(context, "sqrt", x), [np.nan, np.inf, np.nan, 0, -0.0, np.nan])
        np.testing.assert_array_equal(run(context, "reciprocal", x), [np.nan, 0, -0.0, np.inf, -np.inf, -1])
        y = run(context, "erf", x)
        np.testing.assert_array_equal(y[:5], np.array([np.nan, 1, -1, 0, -0.0], np.float32))
        np.testing.assert_array_max_ulp(y[5:], np.float32([math.erf(-1)]),
                                        maxulp=ENGINE_ULP.get((context.backend, "erf"), 0))
    assert np.signbit(run(context, "erf", x)[4]) and np.signbit(run(context, "sqrt", x)[4])
    np.testing.assert_array_equal(run(context, "sin", x)[:3], [np.nan] * 3)
    # erf is accurate for tiny and float32-subnormal arguments too
    tiny = np.array([1e-30, -3e-39, 1e-45], np.float32)
    np.testing.assert_array_max_ulp(run(context, "erf", tiny),
                                    (tiny.astype(np.float64) * 2 / math.sqrt(math.pi)).astype(np.float32),
                                    maxulp=ENGINE_ULP.get((context.backend, "erf"), 0))


def test_exp_gives_subnormal_results(context) -> None:
    # float32 exp(x) is subnormal from x = -87.3 down to -103.3, then 0
    x = np.linspace(-106, -80, 20001, dtype=np.float32)
    expected = np.array([math.exp(float(v)) for v in x]).astype(np.float32)
    out = run(context, "exp", x)
    np.testing.assert_array_max_ulp(out, expected, maxulp=1 if exact(context) else max(
        2, ENGINE_ULP.get((context.backend, "exp"), 0)))
    assert (out[x < -87.4] > 0).sum() == (expected[x < -87.4] > 0).sum() > 0


def test_erf_dense_float32(context) -> None:
    x = np.linspace(-6, 6, 120001, dtype=np.float32)
    expected = np.array([math.erf(float(v)) for v in x]).astype(np.float32)
    bound = 0 if exact(context) else max(1, ENGINE_ULP.get((context.backend, "erf"), 0))
    np.testing.assert_array_max_ulp(run(context, "erf", x), expected, maxulp=bound)


@pytest.mark.parametrize("dtype", [np.float32, np.float16, np.int8, np.uint64])
def test_identity_copies(context, dtype) -> None:
    x = random_values(dtype, (2, 3, 4))
    out = run(context, "identity", x)
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
    ("int64", [2049, 65519, 65520, -(2**63), -3], "float16", [2048, 65504, np.inf, -np.inf, -3]),
    ("uint32", [2**32 - 1, 2**24 + 1, 2**24 + 3], "float32", [2.0**32, 2.0**24, 2.0**24 + 4]),
    ("int8", [-128, 127], "float16", [-128, 127]),
    ("float16", [65504.0, -np.inf, np.nan, 6e-8], "float32", [65504, -np.inf, np.nan, float(np.float16(6e-8))]),
]


@pytest.mark.parametrize(("src", "values", "dst", "expected"), CAST_CASES)
def test_cast_values(context, src, values, dst, expected) -> None:
    x = np.array(values, dtype=webnn.dtypes.to_numpy(src))
    out = run(context, "cast", x, data_type=dst)
    assert out.dtype == webnn.dtypes.to_numpy(dst)
    np.testing.assert_array_equal(out, np.array(expected, dtype=out.dtype))
    if dst.startswith("float"):
        np.testing.assert_array_equal(np.signbit(out), np.signbit(np.array(expected, dtype=np.float64)))


@pytest.mark.parametrize("src", [np.int8, np.uint8, np.int32, np.uint32, np.int64, np.uint64])
@pytest.mark.parametrize("dst", ["int8", "uint8", "int32", "uint32", "int64", "uint64"])
def test_cast_integers_wrap(context, src, dst) -> None:
    info = np.iinfo(src)
    x = RNG.integers(int(info.min), int(info.max), 500, dtype=src, endpoint=True)
    bits = np.iinfo(webnn.dtypes.to_numpy(dst)).bits
    signed = dst.startswith("int")

    def wrap(v):
        v %= 1 << bits
        return v - (1 << bits) if signed and v >= 1 << (bits - 1) else v

    expected = np.array([wrap(int(v)) for v in x], dtype=webnn.dtypes.to_numpy(dst))
    np.testing.assert_array_equal(run(context, "cast", x, data_type=dst), expected)


@pytest.mark.parametrize("src", [np.float32, np.float16])
@pytest.mark.parametrize("dst", ["int8", "uint8", "int32", "uint32", "int64", "uint64"])
def test_cast_float_to_int_truncates_and_saturates(context, src, dst) -> None:
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

    out = run(context, "cast", x, data_type=dst)
    np.testing.assert_array_equal(out, np.array([expected(float(v)) for v in x], dtype=out.dtype))


# --------------------------------------------------------------------------- where


@pytest.mark.parametrize("dtype", ALL_TYPES)
def test_where_broadcasts_all_operands(context, dtype) -> None:
    cond = RNG.integers(0, 4, (2, 1, 5)).astype(np.uint8)  # 1, 2, 3 all count as true
    t = random_values(dtype, (3, 1))
    f = random_values(dtype, (5,))
    out = run(context, "where", cond, t, f)
    assert out.dtype == dtype and out.shape == (2, 3, 5)
    cb, tb, fb = (np.broadcast_to(v, (2, 3, 5)) for v in (cond, t, f))
    expected = fb.copy()
    expected[cb > 0] = tb[cb > 0]
    np.testing.assert_array_equal(out, expected)


def test_where_scalar_condition_and_values(context) -> None:
    out = run(context, "where", np.array(0, np.uint8), np.array(1.5, np.float32), np.array([[2.5], [3.5]], np.float32))
    np.testing.assert_array_equal(out, [[2.5], [3.5]])
    out = run(context, "where", np.array([255, 0], np.uint8), np.array(1, np.int32), np.array(-1, np.int32))
    np.testing.assert_array_equal(out, np.array([1, -1], np.int32))


@pytest.mark.parametrize("dtype", [np.int8, np.int32, np.int64])
def test_integer_pow_negative_exponent_and_wrap(context, dtype) -> None:
    a = np.array([2, -2, 1, -1, -1, 0, 3, 0, 5, 7], dtype)
    b = np.array([-1, -3, -5, -3, -4, -2, 2, 0, 0, 50], dtype)
    bits = np.iinfo(dtype).bits

    def expected(x, y):
        if y < 0:
            return 1 if x == 1 else ((-1) ** y if x == -1 else 0)
        v = x**y % (1 << bits)
        return v - (1 << bits) if v >= 1 << (bits - 1) else v

    np.testing.assert_array_equal(run(context, "pow", a, b), np.array([expected(int(x), int(y)) for x, y in zip(a, b)], dtype))


# --------------------------------------------------------------------------- int4 / uint4


def _four_bit_reference(values: np.ndarray, data_type: str) -> np.ndarray:
    """Two's complement wrap to 4 bits, written out arithmetically (Python integers)."""
    wrapped = [int(v) % 16 for v in values]
    if data_type == "int4":
        wrapped = [v - 16 if v >= 8 else v for v in wrapped]
    return np.array(wrapped, np.int64)


@pytest.mark.parametrize("source", ["int8", "uint8", "int32", "uint32", "int64", "uint64"])
@pytest.mark.parametrize("target", ["int4", "uint4"])
def test_cast_integers_to_four_bits_wraps(context, source, target) -> None:
    info = np.iinfo(source)
    values = wrap_to([0, 1, 7, 8, 15, 16, 100, 127, -1, -8, -9, -128, int(info.max), int(info.min)], np.dtype(source))
    y = run(context, "cast", values, data_type=target)
    assert y.dtype == (np.int8 if target == "int4" else np.uint8)
    np.testing.assert_array_equal(y, _four_bit_reference(np.array([int(v) for v in values], object), target))


@pytest.mark.parametrize("source", ["int4", "uint4"])
@pytest.mark.parametrize("target", ["float32", "float16", "int8", "uint8", "int32", "uint32", "int64", "uint64", "int4",
                                    "uint4"])
def test_cast_from_four_bits(context, source, target) -> None:
    values = np.arange(-8, 8) if source == "int4" else np.arange(16)
    x = values.astype(np.int8 if source == "int4" else np.uint8)
    y = run(context, "cast", x, data_types=[source], data_type=target)
    if target.startswith("float"):
        np.testing.assert_array_equal(y, values.astype(target))
    elif target in ("int4", "uint4"):
        np.testing.assert_array_equal(y, _four_bit_reference(values, target))
    else:
        np.testing.assert_array_equal(y, wrap_to(values, np.dtype(target)))


@pytest.mark.parametrize("source", ["float32", "float16"])
@pytest.mark.parametrize("target, expected", [("int4", [7, -8, 3, -3, 0, 7, -8, 0, 7, -8]),
                                              ("uint4", [9, 0, 3, 0, 0, 15, 0, 0, 15, 0])])
def test_cast_floats_to_four_bits_saturates(context, source, target, expected) -> None:
    values = np.array([9.5, -9.5, 3.7, -3.7, np.nan, np.inf, -np.inf, -0.5, 16.0, -300.0], source)
    y = run(context, "cast", values, data_type=target)
    assert y.dtype == (np.int8 if target == "int4" else np.uint8)
    np.testing.assert_array_equal(y, expected)


def test_four_bit_inputs_and_constants_are_range_checked(context) -> None:
    builder = context.create_graph_builder()
    with pytest.raises(TypeError, match=r"int4 values must be in \[-8, 7\], got \[-9, 0\]"):
        builder.constant({"dataType": "int4", "shape": [2]}, np.array([-9, 0], np.int8))
    x = builder.input("x", [2], "uint4")
    graph = builder.build({"y": builder.cast(x, "float32")})
    np.testing.assert_array_equal(context.compute(graph, {"x": np.array([0, 15], np.uint8)})["y"], [0, 15])
    with pytest.raises(TypeError, match=r"uint4 values must be in \[0, 15\]"):
        context.compute(graph, {"x": np.array([0, 16], np.uint8)})


# --------------------------------------------------------------------------- 0-d operands


def test_zero_d_constants_keep_rank(context) -> None:
    """0-d graph constants (and inputs) give 0-d results, whatever the op and its lowering."""
    scalar = {t: np.array(v, t) for t, v in (("float32", -3.7), ("int8", -5), ("uint8", 3), ("int32", 3))}
    cases = [
        ("cast", (scalar["int8"],), {"data_type": "int32"}, np.array(-5, np.int32)),
        ("cast", (scalar["float32"],), {"data_type": "uint8"}, np.array(0, np.uint8)),
        ("cast", (scalar["float32"],), {"data_type": "int4"}, np.array(-3, np.int8)),
        ("identity", (scalar["float32"],), {}, scalar["float32"]),
        ("neg", (scalar["int8"],), {}, np.array(5, np.int8)),
        ("sign", (scalar["float32"],), {}, np.array(-1, np.float32)),
        ("add", (scalar["float32"], scalar["float32"]), {}, np.array(-7.4, np.float32)),
        ("div", (scalar["int8"], np.array(0, np.int8)), {}, np.array(0, np.int8)),
        ("pow", (scalar["int32"], scalar["int32"]), {}, np.array(27, np.int32)),
        ("greater", (scalar["int32"], np.array(2, np.int32)), {}, np.array(1, np.uint8)),
        ("not_equal", (scalar["float32"], scalar["float32"]), {}, np.array(0, np.uint8)),
        ("logical_not", (scalar["uint8"],), {}, np.array(0, np.uint8)),
        ("where", (scalar["uint8"], np.array(1.5, np.float16), np.array(2.5, np.float16)), {}, np.array(1.5, np.float16)),
    ]
    for op, arrays, options, expected in cases:
        for constants in (tuple(range(len(arrays))), (0,)):
            out = run(context, op, *arrays, constants=constants, **options)
            assert out.shape == () and out.dtype == expected.dtype, (op, constants, out)
            np.testing.assert_array_equal(out, expected)
