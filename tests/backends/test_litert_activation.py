"""The LiteRT backend's activation and quantization ops against the reference backend, on what
the WPT cases leave out: operands that are graph inputs (so that TFLite computes them), the
whole float range (large magnitudes, infinities, NaN), float16 rounding, softmax on other
axes, integer clamp / relu / prelu, prelu broadcasting, and blockwise and 32-bit quantization.

XNNPACK flushes subnormal inputs and results to zero: those are left out of the comparisons.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import webnn

pytest.importorskip("ai_edge_litert")

#: op -> (its options, the WPT tolerance in ulp of float32 / float16)
UNARY: dict[str, tuple[dict[str, Any], int, int]] = {
    "sigmoid": ({}, 34, 10),
    "tanh": ({}, 6, 2),  # (the WPT cases allow an absolute 1/1024)
    "softplus": ({}, 18, 18),
    "softsign": ({}, 3, 3),
    "gelu": ({}, 18, 18),
    "elu": ({"alpha": 0.7}, 18, 18),
    "leaky_relu": ({"alpha": 0.03}, 1, 2),
    "hard_sigmoid": ({"alpha": 0.3, "beta": 0.4}, 2, 2),
    "relu": ({}, 0, 0),
}


@pytest.fixture(scope="module")
def contexts() -> tuple[webnn.MLContext, webnn.MLContext]:
    ml = webnn.ML()
    return ml.create_context(backend="litert", cache=False), ml.create_context(backend="reference")


def _both(contexts: tuple[webnn.MLContext, webnn.MLContext], inputs: dict[str, np.ndarray],
          make: Callable[..., Any], constants: tuple[str, ...] = ()) -> tuple[np.ndarray, np.ndarray]:
    """``make(builder, **operands)`` computed by LiteRT and by the reference backend."""
    results = []
    for context in contexts:
        b = context.create_graph_builder()
        operands = {}
        for name, value in inputs.items():
            desc = {"dataType": str(value.dtype), "shape": list(value.shape)}
            operands[name] = b.constant(desc, value) if name in constants else b.input(name, desc)
        graph = b.build({"y": make(b, **operands)})
        results.append(context.compute(graph, {n: v for n, v in inputs.items() if n not in constants})["y"])
    return results[0], results[1]


def _ordered(x: np.ndarray) -> np.ndarray:
    int_type = {2: np.int16, 4: np.int32}[x.dtype.itemsize]
    bits = x.view(int_type).astype(np.int64)
    return np.where(bits < 0, np.iinfo(int_type).min - bits, bits)


def _assert_ulp(actual: np.ndarray, expected: np.ndarray, ulp: int, x: np.ndarray | None = None,
                tiny: float = float(np.finfo(np.float32).tiny)) -> None:
    """Within ``ulp``, NaN where NaN and infinities equal; float32 subnormals (flushed), and
    results below ``tiny``, left out."""
    assert actual.dtype == expected.dtype and actual.shape == expected.shape
    np.testing.assert_array_equal(np.isnan(actual), np.isnan(expected))
    tiny = tiny if actual.dtype == np.float32 else 0.0
    skip = np.isnan(expected) | (np.abs(expected) < tiny)
    if x is not None:
        skip |= np.abs(x.astype(np.float32)) < tiny
    special = np.isinf(actual) | np.isinf(expected)
    np.testing.assert_array_equal(np.where(special & ~skip, actual, 0), np.where(special & ~skip, expected, 0))
    distance = np.where(skip | special, 0, np.abs(_ordered(actual) - _ordered(expected)))
    worst = int(distance.argmax())
    assert distance.max() <= ulp, f"{distance.max()} ulp at x={x.reshape(-1)[worst] if x is not None else worst}: " \
        f"{actual.reshape(-1)[worst]!r} != {expected.reshape(-1)[worst]!r}"


def _wide_range(data_type: str) -> np.ndarray:
    rng = np.random.default_rng(3)
    values = np.concatenate([
        rng.uniform(-20, 20, 3000), rng.uniform(-1e-3, 1e-3, 300), rng.uniform(-110, 110, 1000),
        np.exp(rng.uniform(-80, 85, 1000)) * rng.choice([-1, 1], 1000),
        [0.0, -0.0, np.inf, -np.inf, np.nan, 3.4e38, -3.4e38, 1e31, -1e31, -87.5, -90, -104, -13.5, -14.5, 0.5, -0.5],
    ])
    with np.errstate(over="ignore"):
        return values.astype(data_type)


@pytest.mark.parametrize("data_type", ["float32", "float16"])
@pytest.mark.parametrize("op", list(UNARY))
def test_unary_over_the_float_range(contexts, op: str, data_type: str) -> None:
    options, ulp32, ulp16 = UNARY[op]
    x = _wide_range(data_type)
    actual, expected = _both(contexts, {"x": x}, lambda b, x: getattr(b, op)(x, options) if options else getattr(b, op)(x))
    _assert_ulp(actual, expected, ulp32 if data_type == "float32" else ulp16, x)


def test_default_alpha_elu_and_leaky_relu_keep_nan_and_infinities(contexts) -> None:
    x = np.array([-np.inf, -3.0, -1e-3, 0.0, 2.0, np.inf, np.nan], np.float32)
    for op in ("elu", "leaky_relu", "gelu", "softplus", "sigmoid", "softsign", "tanh"):
        actual, expected = _both(contexts, {"x": x}, lambda b, x, op=op: getattr(b, op)(x))
        _assert_ulp(actual, expected, 18, x)


@pytest.mark.parametrize("shape, axis", [((3, 4, 5), 1), ((3, 4, 5), 0), ((2, 3, 4, 5), 2), ((7,), 0),
                                         ((2, 3, 2, 1, 2, 2, 3), 2)])
def test_softmax_on_any_axis(contexts, shape: tuple[int, ...], axis: int) -> None:
    rng = np.random.default_rng(4)
    x = (rng.standard_normal(shape) * 30 + 1e4).astype(np.float32)  # (large: exp(x) overflows unless shifted)
    actual, expected = _both(contexts, {"x": x}, lambda b, x: b.softmax(x, axis))
    _assert_ulp(actual, expected, 21, tiny=2.0**-125)  # (XNNPACK's exp flushes a little above 2^-126)
    half, expected16 = _both(contexts, {"x": x.astype(np.float16)}, lambda b, x: b.softmax(x, axis))
    _assert_ulp(half, expected16, 2)


def test_softmax_with_infinite_entries(contexts) -> None:
    x = np.array([[-np.inf, 0.0, 1.0], [5.0, -np.inf, -np.inf]], np.float32)
    actual, expected = _both(contexts, {"x": x}, lambda b, x: b.softmax(x, 1))
    _assert_ulp(actual, expected, 21)


@pytest.mark.parametrize("data_type", ["int8", "uint8", "int32", "uint32", "int64"])
def test_integer_clamp_and_relu(contexts, data_type: str) -> None:
    info = np.iinfo(data_type)
    rng = np.random.default_rng(5)
    x = rng.integers(info.min, info.max, 200, endpoint=True, dtype=data_type)
    x[:2] = info.min, info.max
    low, high = (3, 100) if info.min == 0 else (-100, 77)
    near = {"minValue": int(info.min) + 1, "maxValue": int(info.max) - 1}  # (int64: beyond float64's 53 bits)
    for options in ({"minValue": low, "maxValue": high}, {"minValue": low}, {"maxValue": high}, {}, near):
        actual, expected = _both(contexts, {"x": x}, lambda b, x, options=options: b.clamp(x, options))
        np.testing.assert_array_equal(actual, expected)
        assert actual.dtype == x.dtype
    if data_type in ("int8", "int32", "int64"):
        actual, expected = _both(contexts, {"x": x}, lambda b, x: b.relu(x))
        np.testing.assert_array_equal(actual, expected)


def test_float_clamp_keeps_nan_and_bounds_infinities(contexts) -> None:
    x = np.array([np.nan, -np.inf, np.inf, -2.0, 0.5, 7.0], np.float32)
    for options in ({"minValue": -1, "maxValue": 1}, {"minValue": 0, "maxValue": 6}, {"minValue": 0.25}, {}):
        actual, expected = _both(contexts, {"x": x}, lambda b, x, options=options: b.clamp(x, options))
        np.testing.assert_array_equal(actual, expected)


@pytest.mark.parametrize("input_shape, slope_shape, data_type", [
    ((2, 3, 4), (4,), "float32"), ((3,), (2, 3), "float32"), ((2, 1, 3, 1, 2), (1, 4, 1, 2, 1), "float16"),
    ((2, 3, 4), (3, 1), "int8"), ((2, 3), (3,), "int32"), ((4, 1), (1, 5), "int64"),
])
def test_prelu_broadcasting_and_integers(contexts, input_shape, slope_shape, data_type: str) -> None:
    rng = np.random.default_rng(6)
    x = (rng.standard_normal(input_shape) * 60).astype(data_type)  # (int8 products wrap around)
    slope = (rng.standard_normal(slope_shape) * 5).astype(data_type)
    for constants in ((), ("slope",)):
        actual, expected = _both(contexts, {"x": x, "slope": slope}, lambda b, x, slope: b.prelu(x, slope), constants)
        np.testing.assert_array_equal(actual, expected)


QUANTIZED = ["int8", "uint8", "int32", "uint32"]


def _quantization_operands(zero_type: str, float_type: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """x (float), q (quantized), blockwise scale and zero point of shape (2, 3, 1) for (6, 6, 4)."""
    rng = np.random.default_rng(7)
    info = np.iinfo(zero_type)
    x = np.concatenate([rng.uniform(-400, 400, 66), rng.standard_normal(66) * 3e9,
                        [np.nan, np.inf, -np.inf, 0.0, -0.0, 2.5, 3.5, -2.5, 0.5, -0.5, 1e30, -1e30]])
    with np.errstate(over="ignore"):
        x = x[:144].astype(float_type).reshape(6, 6, 4)
    q = rng.integers(info.min, info.max, (6, 6, 4), endpoint=True, dtype=zero_type)
    q[0, 0, :2] = info.min, info.max
    magnitude = np.exp(rng.uniform(-8, 8, (2, 3, 1)))
    scale = (magnitude * rng.choice([-1, 1], (2, 3, 1))).astype(float_type)
    zero_point = rng.integers(max(info.min, -2**31), min(info.max, 2**31 - 1), (2, 3, 1), dtype=zero_type)
    return x, q, scale, zero_point


@pytest.mark.parametrize("float_type", ["float32", "float16"])
@pytest.mark.parametrize("zero_type", QUANTIZED)
def test_blockwise_quantize_and_dequantize(contexts, zero_type: str, float_type: str) -> None:
    """Exactly the reference's: NaN to 0, saturation, rounding half to even, 32-bit values."""
    x, q, scale, zero_point = _quantization_operands(zero_type, float_type)
    for constants in ((), ("scale", "zero_point")):
        actual, expected = _both(contexts, {"x": x, "scale": scale, "zero_point": zero_point},
                                 lambda b, x, scale, zero_point: b.quantize_linear(x, scale, zero_point), constants)
        np.testing.assert_array_equal(actual, expected)
        assert actual.dtype == np.dtype(zero_type)
        if zero_type in ("int32", "uint32"):  # (not dequantized here: see the lowering)
            continue
        actual, expected = _both(contexts, {"q": q, "scale": scale, "zero_point": zero_point},
                                 lambda b, q, scale, zero_point: b.dequantize_linear(q, scale, zero_point), constants)
        np.testing.assert_array_equal(actual, expected)
        assert actual.dtype == np.dtype(float_type)


@pytest.mark.parametrize("zero_type", ["int32", "uint32"])
def test_32_bit_dequantization_is_refused(contexts, zero_type: str) -> None:
    b = contexts[0].create_graph_builder()
    y = b.dequantize_linear(b.input("q", [4], zero_type), b.input("s", [4], "float16"),
                            b.input("z", [4], zero_type), {"label": "dq"})
    with pytest.raises(webnn.NotSupportedError, match=f"dequantize_linear 'dq'.*{zero_type}"):
        b.build({"y": y})


def test_refused_types_are_left_out_of_the_limits(contexts) -> None:
    limits = contexts[0].op_support_limits()
    assert "uint64" not in limits["clamp"]["input"]["dataTypes"]
    assert "int4" not in limits["quantizeLinear"]["zeroPoint"]["dataTypes"]
    # (32-bit dequantization would round twice to float16)
    assert set(limits["dequantizeLinear"]["input"]["dataTypes"]) == {"int8", "uint8"}
    assert set(limits["gelu"]["input"]["dataTypes"]) == {"float32", "float16"}
    b = contexts[0].create_graph_builder()
    y = b.clamp(b.input("x", [2], "uint64"), {"minValue": 1})
    with pytest.raises(webnn.NotSupportedError):
        b.build({"y": y})


@pytest.mark.parametrize("zero_type", QUANTIZED)
def test_scalar_quantization_round_trip(contexts, zero_type: str) -> None:
    """0-D operands, all fed at run time: halves round to even, then back."""
    scale, zero_point = np.array(0.5, np.float32), np.array(3, zero_type)
    for value in (1.25, -0.75, 0.0, 1e10, -1e10, np.nan):
        x = np.array(value, np.float32)
        actual, expected = _both(contexts, {"x": x, "scale": scale, "zero_point": zero_point},
                                 lambda b, x, scale, zero_point: b.quantize_linear(x, scale, zero_point))
        np.testing.assert_array_equal(actual, expected)
        if zero_type in ("int32", "uint32"):  # (not dequantized here: see the lowering)
            continue
        back, expected_back = _both(contexts, {"q": actual, "scale": scale, "zero_point": zero_point},
                                    lambda b, q, scale, zero_point: b.dequantize_linear(q, scale, zero_point))
        np.testing.assert_array_equal(back, expected_back)
