"""Validation and numerics of quantize_linear and dequantize_linear beyond the WPT cases."""

from __future__ import annotations

import math
import zlib

import numpy as np
import pytest

import webnn

OPS = ["quantize_linear", "dequantize_linear"]
RANGES = {
    "int8": (-128, 127), "uint8": (0, 255), "int32": (-(2**31), 2**31 - 1), "uint32": (0, 2**32 - 1),
    "int4": (-8, 7), "uint4": (0, 15),
}
STORAGE = {
    "int8": np.int8, "uint8": np.uint8, "int32": np.int32, "uint32": np.uint32, "int4": np.int8,
    "uint4": np.uint8, "float32": np.float32, "float16": np.float16,
}


# Numeric tests take the shared ``context`` fixture (tests/conftest.py): they run on every backend.
# Validation happens in the builder, before any backend is involved: one backend is enough.


@pytest.fixture(scope="module")
def reference_context() -> webnn.MLContext:
    return webnn.ML().create_context(backend="reference")


@pytest.fixture
def builder(reference_context) -> webnn.MLGraphBuilder:
    return reference_context.create_graph_builder()


def operands(builder, name, input_shape=(2, 4), scale_shape=(1, 4), *, float_type="float32",
             int_type="uint8", zero_point_shape=None, zero_point_type=None, scale_type=None):
    """Inputs for ``name``: (input, scale, zero_point) as graph inputs of the given shapes."""
    zero_point_shape = scale_shape if zero_point_shape is None else zero_point_shape
    input_type = float_type if name == "quantize_linear" else int_type
    x = builder.input("x", list(input_shape), input_type)
    s = builder.input("s", list(scale_shape), scale_type or float_type)
    z = builder.input("z", list(zero_point_shape), zero_point_type or int_type)
    return x, s, z


def expand(values: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Blockwise broadcast written independently of the kernel: repeat each element along every axis."""
    for axis, (small, big) in enumerate(zip(values.shape, shape)):
        values = np.repeat(values, big // small, axis=axis)
    return values


def quantize_ref(x, scale, zero_point, data_type):
    lo, hi = RANGES[data_type]
    quotient = x.astype(np.float32) / expand(scale, x.shape).astype(np.float32)
    value = np.round(quotient.astype(np.float64)) + expand(zero_point, x.shape).astype(np.float64)
    value = np.nan_to_num(value, nan=0.0, posinf=hi, neginf=lo)
    return np.minimum(np.maximum(value, lo), hi).astype(STORAGE[data_type])


def dequantize_ref(x, scale, zero_point):
    exact = [
        (int(v) - int(z)) * float(s)
        for v, z, s in zip(x.flat, expand(zero_point, x.shape).flat, expand(scale, x.shape).flat)
    ]
    return np.array(exact, np.float64).reshape(x.shape).astype(scale.dtype)


def compute(context, name, x, scale, zero_point, *, types=None, constant_scale=False):
    """Run ``name`` on arrays; ``types`` names the WebNN data types (int4 / uint4 share storage)."""
    types = types or {}
    builder = context.create_graph_builder()
    feeds = {}
    ops = []
    for key, array in (("x", x), ("s", scale), ("z", zero_point)):
        data_type = types.get(key) or webnn.dtypes.from_numpy(array.dtype)
        if key == "s" and constant_scale:
            ops.append(builder.constant({"dataType": data_type, "shape": list(array.shape)}, array))
        else:
            ops.append(builder.input(key, list(array.shape), data_type))
            feeds[key] = array
    out = getattr(builder, name)(*ops)
    graph = builder.build({"y": out})
    return out, context.compute(graph, feeds)["y"]


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize("input_type", ["int32", "uint8", "int4", "int64"])
def test_quantize_rejects_non_float_input(builder, input_type) -> None:
    x = builder.input("x", [2], input_type)
    s = builder.input("s", [2], "float32")
    z = builder.input("z", [2], "uint8")
    with pytest.raises(TypeError, match=rf"^quantize_linear 'q': input data type {input_type} is not allowed"):
        builder.quantize_linear(x, s, z, label="q")


def test_quantize_rejects_scale_of_other_float_type(builder) -> None:
    x, s, z = operands(builder, "quantize_linear", scale_type="float16")
    with pytest.raises(TypeError, match=r"^quantize_linear: scale data type float16 is not allowed \(allowed: float32\)"):
        builder.quantize_linear(x, s, z)


@pytest.mark.parametrize("zero_point_type", ["float32", "float16", "int64", "uint64"])
def test_quantize_rejects_zero_point_type(builder, zero_point_type) -> None:
    x, s, z = operands(builder, "quantize_linear", zero_point_type=zero_point_type)
    with pytest.raises(TypeError, match=rf"^quantize_linear 'q': zero_point data type {zero_point_type} is not"):
        builder.quantize_linear(x, s, z, {"label": "q"})


@pytest.mark.parametrize("input_type", ["float32", "float16", "int64", "uint64"])
def test_dequantize_rejects_input_type(builder, input_type) -> None:
    x = builder.input("x", [2], input_type)
    s = builder.input("s", [2], "float32")
    z = builder.input("z", [2], input_type)
    with pytest.raises(TypeError, match=rf"^dequantize_linear 'd': input data type {input_type} is not allowed"):
        builder.dequantize_linear(x, s, z, label="d")


@pytest.mark.parametrize("scale_type", ["int32", "uint8", "int8", "int4"])
def test_dequantize_rejects_integer_scale(builder, scale_type) -> None:
    x, s, z = operands(builder, "dequantize_linear", scale_type=scale_type)
    with pytest.raises(TypeError, match=rf"^dequantize_linear: scale data type {scale_type} is not allowed"):
        builder.dequantize_linear(x, s, z)


@pytest.mark.parametrize("input_type, zero_point_type", [
    ("uint8", "int8"), ("int8", "uint8"), ("int32", "uint32"), ("int4", "int8"), ("uint4", "uint8"),
    ("int8", "int4"),
])
def test_dequantize_rejects_zero_point_type_mismatch(builder, input_type, zero_point_type) -> None:
    x, s, z = operands(builder, "dequantize_linear", int_type=input_type, zero_point_type=zero_point_type)
    with pytest.raises(TypeError, match=rf"^dequantize_linear 'd': zero_point data type {zero_point_type} is not"
                       rf" allowed \(allowed: {input_type}\)"):
        builder.dequantize_linear(x, s, z, label="d")


@pytest.mark.parametrize("name", OPS)
@pytest.mark.parametrize("scale_shape, zero_point_shape, which", [
    ((4,), (4,), "scale"),           # the old implicit right-aligned broadcasting is gone
    ((1, 1, 4), (1, 1, 4), "scale"),
    ((), (), "scale"),
    ((1, 4), (4,), "zero_point"),
])
def test_rank_must_equal_input_rank(builder, name, scale_shape, zero_point_shape, which) -> None:
    x, s, z = operands(builder, name, (2, 4), scale_shape, zero_point_shape=zero_point_shape)
    rank = len(scale_shape) if which == "scale" else len(zero_point_shape)
    with pytest.raises(TypeError, match=rf"^{name} 'l': {which} rank {rank} is not allowed \(allowed: 2\)"):
        getattr(builder, name)(x, s, z, label="l")


@pytest.mark.parametrize("name", OPS)
def test_scale_and_zero_point_shapes_must_be_equal(builder, name) -> None:
    x, s, z = operands(builder, name, (2, 4), (1, 4), zero_point_shape=(1, 2))
    with pytest.raises(TypeError, match=rf"^{name} 'l': scale shape \[1, 4\] != zero_point shape \[1, 2\]"):
        getattr(builder, name)(x, s, z, label="l")


@pytest.mark.parametrize("name", OPS)
@pytest.mark.parametrize("input_shape, scale_shape", [
    ((4, 6), (3, 2)),
    ((9, 3), (4, 5)),
    ((4,), (8,)),
    ((2, 4), (2, 3)),
    ((1, 2, 5), (1, 1, 2)),
])
def test_scale_must_be_blockwise_broadcastable(builder, name, input_shape, scale_shape) -> None:
    x, s, z = operands(builder, name, input_shape, scale_shape)
    with pytest.raises(TypeError, match=rf"^{name} 'b': scale shape .* is not blockwise broadcastable to input"):
        getattr(builder, name)(x, s, z, label="b")


@pytest.mark.parametrize("name", OPS)
@pytest.mark.parametrize("value", [0.0, -0.0, math.nan, math.inf, -math.inf])
@pytest.mark.parametrize("float_type", ["float32", "float16"])
def test_constant_scale_must_be_finite_and_nonzero(builder, name, value, float_type) -> None:
    input_type = float_type if name == "quantize_linear" else "int8"
    x = builder.input("x", [2, 4], input_type)
    s = builder.constant(np.array([[1.0, 2.0, value, 0.5]], STORAGE[float_type]))
    z = builder.constant(np.zeros((1, 4), np.int8))
    with pytest.raises(TypeError, match=rf"^{name} 'c': constant scale must be finite and nonzero"):
        getattr(builder, name)(x, s, z, label="c")
    with pytest.raises(TypeError, match=rf"^{name}: constant scale"):
        getattr(builder, name)(x, s, z)


@pytest.mark.parametrize("name", OPS)
def test_non_operand_arguments_are_type_errors(builder, name) -> None:
    x, s, z = operands(builder, name, (2,), (2,))
    with pytest.raises(TypeError, match=rf"^{name} 'a': scale must be an MLOperand"):
        getattr(builder, name)(x, 0.5, z, label="a")
    with pytest.raises(TypeError, match=rf"^{name}: zero_point must be an MLOperand"):
        getattr(builder, name)(x, s, [0, 0])
    with pytest.raises(TypeError, match=rf"^{name}"):
        getattr(builder, name)(x, s)
    with pytest.raises(TypeError, match=rf"^{name}: unknown keyword argument 'axis'"):
        getattr(builder, name)(x, s, z, axis=0)


def test_int4_only_where_chromium_allows_it(builder) -> None:
    # quantize: no int4 input or scale; dequantize: no int4 scale.
    x = builder.input("x", [2], "float32")
    with pytest.raises(TypeError, match=r"^quantize_linear: scale data type int4"):
        builder.quantize_linear(x, builder.input("s", [2], "int4"), builder.input("z", [2], "int4"))
    q = builder.input("q", [2], "uint4")
    with pytest.raises(TypeError, match=r"^dequantize_linear: scale data type uint4"):
        builder.dequantize_linear(q, builder.input("s2", [2], "uint4"), builder.input("z2", [2], "uint4"))


@pytest.mark.parametrize("float_type", ["float32", "float16"])
@pytest.mark.parametrize("int_type", list(RANGES))
def test_output_descriptors(builder, float_type, int_type) -> None:
    x, s, z = operands(builder, "quantize_linear", (3, 4, 2), (3, 2, 1), float_type=float_type, int_type=int_type)
    q = builder.quantize_linear(x, s, z)
    assert (q.data_type, q.shape) == (int_type, [3, 4, 2])
    d = builder.dequantize_linear(q, s, z)
    assert (d.data_type, d.shape) == (float_type, [3, 4, 2])


def test_support_limits_list_int4_where_allowed(context) -> None:
    limits = context.op_support_limits()
    if "quantizeLinear" not in limits:  # a backend that runs a subset of the ops, without these
        assert hasattr(context._backend, "data_types")
        pytest.skip(f"the {context.backend} backend does not run the quantization ops")
    if hasattr(context._backend, "data_types") and "int4" not in context._backend.data_types("quantize_linear"):
        pytest.skip(f"the {context.backend} backend has no 4-bit types")
    assert "int4" in limits["quantizeLinear"]["zeroPoint"]["dataTypes"]
    assert "uint4" in limits["quantizeLinear"]["output"]["dataTypes"]
    assert "int4" not in limits["quantizeLinear"]["input"]["dataTypes"]
    assert "uint4" in limits["dequantizeLinear"]["input"]["dataTypes"]
    assert "int4" not in limits["dequantizeLinear"]["scale"]["dataTypes"]


# --------------------------------------------------------------------------- numerics


RNG = np.random.default_rng(7)

LAYOUTS = {
    "per-tensor": ((3, 4, 6), (1, 1, 1)),
    "per-axis-0": ((3, 4, 6), (3, 1, 1)),
    "per-axis-last": ((3, 4, 6), (1, 1, 6)),
    "block-wise": ((3, 4, 6), (1, 2, 3)),
    "block-wise-all": ((4, 6), (2, 3)),
    "scalar": ((), ()),
    "1d-blocks": ((8,), (2,)),
}


@pytest.mark.parametrize("layout", list(LAYOUTS))
@pytest.mark.parametrize("constant_scale", [False, True])
def test_quantize_scale_layouts(context, layout, constant_scale) -> None:
    input_shape, scale_shape = LAYOUTS[layout]
    x = RNG.uniform(-60, 60, input_shape).astype(np.float32)
    scale = RNG.uniform(0.05, 1.0, scale_shape).astype(np.float32)
    zero_point = RNG.integers(0, 256, scale_shape).astype(np.uint8)
    _, y = compute(context, "quantize_linear", x, scale, zero_point, constant_scale=constant_scale)
    assert y.dtype == np.uint8 and y.shape == input_shape
    np.testing.assert_array_equal(y, quantize_ref(x, scale, zero_point, "uint8"))


@pytest.mark.parametrize("layout", list(LAYOUTS))
@pytest.mark.parametrize("constant_scale", [False, True])
def test_dequantize_scale_layouts(context, layout, constant_scale) -> None:
    input_shape, scale_shape = LAYOUTS[layout]
    x = RNG.integers(-128, 128, input_shape).astype(np.int8)
    scale = RNG.uniform(0.05, 1.0, scale_shape).astype(np.float32)
    zero_point = RNG.integers(-128, 128, scale_shape).astype(np.int8)
    _, y = compute(context, "dequantize_linear", x, scale, zero_point, constant_scale=constant_scale)
    assert y.dtype == np.float32 and y.shape == input_shape
    np.testing.assert_array_equal(y, dequantize_ref(x, scale, zero_point))


def test_quantize_rounds_half_to_even(context) -> None:
    x = np.array([0.5, 1.5, 2.5, 3.5, -0.5, -1.5, -2.5, -3.5, 0.49999997, 2.5000002], np.float32)
    scale = np.ones(1, np.float32)
    zero_point = np.zeros(1, np.int8)
    _, y = compute(context, "quantize_linear", x, scale, zero_point)
    np.testing.assert_array_equal(y, [0, 2, 2, 4, 0, -2, -2, -4, 0, 3])
    # Halves reached by the division: 5 / 2, 7 / 2, -3 / 2 ...
    x = np.array([5, 7, -3, -5, 1], np.float32)
    _, y = compute(context, "quantize_linear", x, np.full(1, 2, np.float32), np.full(1, 10, np.int8))
    np.testing.assert_array_equal(y, [12, 14, 8, 8, 10])


@pytest.mark.parametrize("data_type", list(RANGES))
def test_quantize_saturates_to_the_zero_point_type(context, data_type) -> None:
    lo, hi = RANGES[data_type]
    x = np.array([-1e30, -3e9, -300, -9, -1, 0, 1, 9, 300, 3e9, 5e9, 1e30, np.inf, -np.inf, np.nan],
                 np.float32)
    scale = np.ones(1, np.float32)
    zero = np.zeros(1, STORAGE[data_type])
    _, y = compute(context, "quantize_linear", x, scale, zero, types={"z": data_type})
    assert y.dtype == STORAGE[data_type]
    expected = quantize_ref(x, scale, zero, data_type)
    np.testing.assert_array_equal(y, expected)
    assert y[-3] == hi and y[-2] == lo and y[-1] == 0  # +inf, -inf, NaN
    assert y.min() == lo and y.max() == hi


@pytest.mark.parametrize("data_type", list(RANGES))
def test_every_zero_point_type(context, data_type) -> None:
    lo, hi = RANGES[data_type]
    storage = STORAGE[data_type]
    zero_point = np.array([[lo, hi, (lo + hi) // 2 + 1]], storage)
    scale = np.array([[0.5, 0.25, 3.0]], np.float32)
    x = RNG.uniform(-20, 20, (4, 6)).astype(np.float32)
    _, q = compute(context, "quantize_linear", x, scale, zero_point, types={"z": data_type})
    np.testing.assert_array_equal(q, quantize_ref(x, scale, zero_point, data_type))
    # dequantize what came out, with the same scale and zero point
    _, d = compute(context, "dequantize_linear", q, scale, zero_point, types={"x": data_type, "z": data_type})
    np.testing.assert_array_equal(d, dequantize_ref(q, scale, zero_point))


@pytest.mark.parametrize("data_type", list(RANGES))
def test_dequantize_extremes(context, data_type) -> None:
    lo, hi = RANGES[data_type]
    storage = STORAGE[data_type]
    x = np.array([lo, hi, lo, hi], storage)
    zero_point = np.array([hi, lo], storage)
    scale = np.array([0.75, 1.5], np.float32)
    _, y = compute(context, "dequantize_linear", x, scale, zero_point, types={"x": data_type, "z": data_type})
    expected = np.array([(lo - hi) * 0.75, (hi - hi) * 0.75, (lo - lo) * 1.5, (hi - lo) * 1.5], np.float32)
    np.testing.assert_array_equal(y, expected)


def test_int32_zero_point_is_added_exactly(context) -> None:
    # float32 cannot hold 2**31 - 101, the sum is exact nonetheless.
    x = np.array([50.0, 99.0, 101.0, -3.0], np.float32)
    zero_point = np.full(1, 2**31 - 101, np.int32)
    _, y = compute(context, "quantize_linear", x, np.ones(1, np.float32), zero_point)
    np.testing.assert_array_equal(y, [2**31 - 51, 2**31 - 2, 2**31 - 1, 2**31 - 104])
    zero_point = np.full(1, 2**32 - 7, np.uint32)
    _, y = compute(context, "quantize_linear", x[:2] - 51, np.ones(1, np.float32), zero_point)
    np.testing.assert_array_equal(y, [2**32 - 8, 2**32 - 1])


def test_dequantize_wide_integers(context) -> None:
    x = np.array([2**31 - 1, -(2**31), 16777217], np.int32)
    zero_point = np.zeros(1, np.int32)
    _, y = compute(context, "dequantize_linear", x, np.ones(1, np.float32), zero_point)
    np.testing.assert_array_equal(y, np.array([2.0**31, -(2.0**31), 16777216.0], np.float32))
    x = np.array([4294967295, 0], np.uint32)
    _, y = compute(context, "dequantize_linear", x, np.full(1, 2, np.float16), np.array([1], np.uint32))
    assert y.dtype == np.float16
    np.testing.assert_array_equal(y, np.array([np.inf, -2], np.float16))


def test_int4_and_uint4(context) -> None:
    x = np.array([-9.0, -8.4, -3.5, 0.0, 2.5, 6.6, 7.4, 40.0], np.float32)
    scale = np.array([1.0, 2.0], np.float32)
    out, y = compute(context, "quantize_linear", x, scale, np.array([1, -2], np.int8), types={"z": "int4"})
    assert out.data_type == "int4" and y.dtype == np.int8
    np.testing.assert_array_equal(y, [-8, -7, -3, 1, -1, 1, 2, 7])
    out, y = compute(context, "quantize_linear", x, scale, np.array([3, 12], np.uint8), types={"z": "uint4"})
    assert out.data_type == "uint4" and y.dtype == np.uint8
    np.testing.assert_array_equal(y, [0, 0, 0, 3, 13, 15, 15, 15])
    q = np.array([-8, 7, 0, -1], np.int8)
    _, d = compute(context, "dequantize_linear", q, np.array([0.5], np.float32), np.array([-8], np.int8),
                   types={"x": "int4", "z": "int4"})
    np.testing.assert_array_equal(d, [0.0, 7.5, 4.0, 3.5])


def test_float16_input_and_scale(context) -> None:
    x = RNG.uniform(-30, 30, (4, 8)).astype(np.float16)
    scale = RNG.uniform(0.1, 0.9, (2, 2)).astype(np.float16)
    zero_point = RNG.integers(-20, 20, (2, 2)).astype(np.int8)
    _, q = compute(context, "quantize_linear", x, scale, zero_point)
    assert q.dtype == np.int8
    np.testing.assert_array_equal(q, quantize_ref(x, scale, zero_point, "int8"))
    _, d = compute(context, "dequantize_linear", q, scale, zero_point)
    assert d.dtype == np.float16
    np.testing.assert_array_equal(d, dequantize_ref(q, scale, zero_point))
    # the product is rounded once: 2049 * 1 is not a float16; ties go to even (2048)
    _, d = compute(context, "dequantize_linear", np.array([2049, 2051], np.int32), np.ones(1, np.float16),
                   np.zeros(1, np.int32))
    np.testing.assert_array_equal(d, np.array([2048, 2052], np.float16))


def test_negative_constant_scale_is_computed_as_written(context) -> None:
    x = np.array([-2.5, 6.0], np.float32)
    scale = np.array([-0.5], np.float32)
    _, q = compute(context, "quantize_linear", x, scale, np.array([100], np.uint8), constant_scale=True)
    np.testing.assert_array_equal(q, [105, 88])
    _, d = compute(context, "dequantize_linear", q, scale, np.array([100], np.uint8), constant_scale=True)
    np.testing.assert_array_equal(d, [-2.5, 6.0])


def test_runtime_zero_scale_is_not_checked(context) -> None:
    # A scale fed at compute time is not inspected: x / 0 saturates, 0 / 0 is NaN and gives 0.
    x = np.array([1.0, -1.0, 0.0], np.float32)
    _, q = compute(context, "quantize_linear", x, np.zeros(1, np.float32), np.array([5], np.int8))
    np.testing.assert_array_equal(q, [127, -128, 0])
    _, d = compute(context, "dequantize_linear", np.array([3, 1], np.uint8), np.array([np.inf], np.float32),
                   np.array([1], np.uint8))
    assert d[0] == np.inf and np.isnan(d[1])


def test_inputs_are_not_modified(context) -> None:
    x = RNG.uniform(-5, 5, (2, 4)).astype(np.float32)
    scale = np.array([[0.5, 0.25]], np.float32)
    zero_point = np.array([[3, 4]], np.uint8)
    copies = [a.copy() for a in (x, scale, zero_point)]
    compute(context, "quantize_linear", x, scale, zero_point)
    for a, b in zip((x, scale, zero_point), copies):
        np.testing.assert_array_equal(a, b)


# --------------------------------------------------------------------------- every type, every layout

#: (input shape, scale shape) pairs that cover the onnxruntime lowering's paths: per-tensor,
#: per-axis (also with blocks around the axis), ONNX's blocked form, and element-wise arithmetic.
PATHS = {
    "per-tensor-4d": ((2, 3, 4, 5), (1, 1, 1, 1)),
    "per-axis-middle": ((2, 3, 4, 5), (1, 3, 1, 1)),
    "blocks-around-an-axis": ((2, 6, 4), (1, 3, 1)),
    "rows-and-blocks": ((4, 8), (4, 2)),
    "blocked-first-axis": ((6, 4), (2, 4)),
    "broadcast-middle": ((3, 4, 5), (3, 1, 5)),
    "two-blocked-axes": ((6, 4), (2, 2)),
    "mixed-3d": ((4, 6, 2), (2, 3, 2)),
    "scalar": ((), ()),
}
VARIANTS = [("float32", False), ("float16", True), ("float16", False), ("float32", True)]


def special_values(x: np.ndarray) -> np.ndarray:
    flat = x.reshape(-1)
    flat[: min(5, flat.size)] = [np.nan, np.inf, -np.inf, 1e30, -0.0][: min(5, flat.size)]
    return x


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("int_type", list(RANGES))
@pytest.mark.parametrize("path", list(PATHS))
def test_quantize_every_type_and_layout(context, path, int_type) -> None:
    rng = np.random.default_rng(zlib.crc32(f"{path} {int_type}".encode()))
    input_shape, scale_shape = PATHS[path]
    lo, hi = RANGES[int_type]
    for float_type, constant_scale in VARIANTS:
        x = special_values(rng.uniform(-300, 300, input_shape).astype(STORAGE[float_type]))
        scale = rng.uniform(0.1, 3.0, scale_shape).astype(STORAGE[float_type])
        zero_point = rng.integers(lo, hi, scale_shape, endpoint=True).astype(STORAGE[int_type])
        out, y = compute(context, "quantize_linear", x, scale, zero_point, types={"z": int_type},
                         constant_scale=constant_scale)
        assert out.data_type == int_type and y.dtype == STORAGE[int_type] and y.shape == input_shape
        np.testing.assert_array_equal(y, quantize_ref(x, scale, zero_point, int_type),
                                      err_msg=f"{float_type} constant_scale={constant_scale}")


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("int_type", list(RANGES))
@pytest.mark.parametrize("path", list(PATHS))
def test_dequantize_every_type_and_layout(context, path, int_type) -> None:
    rng = np.random.default_rng(zlib.crc32(f"{path} {int_type} dequantize".encode()))
    input_shape, scale_shape = PATHS[path]
    lo, hi = RANGES[int_type]
    for float_type, constant_scale in VARIANTS:
        x = rng.integers(lo, hi, input_shape, endpoint=True).astype(STORAGE[int_type])
        zero_point = rng.integers(lo, hi, scale_shape, endpoint=True).astype(STORAGE[int_type])
        if RANGES[int_type][1] > 2**16 and float_type == "float16":  # keep float16 results finite
            scale = (2.0 ** -rng.integers(14, 24, scale_shape)).astype(np.float16)
        else:
            scale = rng.uniform(-2.0, 2.0, scale_shape).astype(STORAGE[float_type])
        out, y = compute(context, "dequantize_linear", x, scale, zero_point,
                         types={"x": int_type, "z": int_type}, constant_scale=constant_scale)
        assert out.data_type == float_type and y.dtype == STORAGE[float_type] and y.shape == input_shape
        np.testing.assert_array_equal(y, dequantize_ref(x, scale, zero_point),
                                      err_msg=f"{float_type} constant_scale={constant_scale}")


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("path", ["per-tensor-4d", "per-axis-middle", "blocked-first-axis", "two-blocked-axes"])
@pytest.mark.parametrize("int_type", ["int8", "int4", "uint8", "int32"])
def test_quantize_nan_quotients_of_a_runtime_scale(context, path, int_type) -> None:
    # x / scale is NaN for NaN x, for 0 / 0 and for inf / inf: the result is 0 (not the zero point).
    input_shape, scale_shape = PATHS[path]
    x = np.zeros(input_shape, np.float32)
    x.reshape(-1)[:3] = [np.nan, np.inf, 1.0]
    scale = np.zeros(scale_shape, np.float32)
    scale.reshape(-1)[0] = np.inf if np.prod(scale_shape) > 1 else 0.0
    zero_point = np.full(scale_shape, 3, STORAGE[int_type])
    _, y = compute(context, "quantize_linear", x, scale, zero_point, types={"z": int_type})
    np.testing.assert_array_equal(y, quantize_ref(x, scale, zero_point, int_type))
    assert y.reshape(-1)[0] == 0


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_dequantize_32_bit_to_float16_rounds_once(context) -> None:
    # Exact products just off a float16 midpoint, whose float32 rounding is that midpoint (rounding
    # through float32 would go the wrong way), and around 65520, the midpoint of 65504 and infinity.
    cases = [
        ([2**30 + 2**19 + 1, -(2**30 + 2**19 + 1), 2**30 + 3 * 2**19 - 1, 2**30 + 2**19], 2.0**-24),
        ([1073479679, 1073479681, -1073479679, 1073479680], 2.0**-14),
    ]
    for values, scale_value in cases:
        scale = np.array([scale_value], np.float16)
        for int_type in ("int32", "uint32"):
            x = np.array(values, np.int64)
            zero_point = np.zeros(1, STORAGE[int_type])
            if int_type == "uint32":
                zero_point[0] = 2**31
                x = x + 2**31
            x = x.astype(STORAGE[int_type])
            _, y = compute(context, "dequantize_linear", x, scale, zero_point)
            expected = np.array(values, np.float64) * scale_value
            np.testing.assert_array_equal(y, expected.astype(np.float16), err_msg=int_type)
    assert list(y) == [65504, np.inf, -65504, np.inf]


@pytest.mark.parametrize("name", OPS)
def test_scalar_constants(context, name) -> None:
    # Every operand a rank-0 constant: the output is rank 0 too.
    builder = context.create_graph_builder()
    value = np.array(7.4 if name == "quantize_linear" else 9, np.float32 if name == "quantize_linear" else np.int8)
    x = builder.constant(value)
    s = builder.constant(np.array(2.0, np.float32))
    z = builder.constant(np.array(-3, np.int8))
    graph = builder.build({"y": getattr(builder, name)(x, s, z)})
    y = context.compute(graph, {})["y"]
    assert y.shape == ()
    assert y == (1 if name == "quantize_linear" else 24.0)
