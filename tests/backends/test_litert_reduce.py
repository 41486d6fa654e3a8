"""The LiteRT backend's reductions, arg_min / arg_max and normalizations on what the WPT cases
leave out: graph inputs (never folded), empty and all axes, keep_dimensions, high ranks,
wrapping integer sums, NaN, float16; against the reference backend or NumPy."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import webnn

pytest.importorskip("ai_edge_litert")

FLOAT_REDUCTIONS = ("reduce_sum", "reduce_mean", "reduce_max", "reduce_min", "reduce_product", "reduce_l1",
                    "reduce_l2", "reduce_sum_square", "reduce_log_sum", "reduce_log_sum_exp")


Make = Callable[[Any, dict[str, Any]], Any]


def compute(context: webnn.MLContext, make: Make, inputs: dict[str, np.ndarray]) -> np.ndarray:
    """``make(builder, operands)``'s result, the operands being graph inputs holding ``inputs``."""
    b = context.create_graph_builder()
    operands = {name: b.input(name, list(a.shape), str(a.dtype)) for name, a in inputs.items()}
    graph = b.build({"y": make(b, operands)})
    return context.compute(graph, inputs)["y"]


def both(litert: webnn.MLContext, reference: webnn.MLContext, make: Make,
         inputs: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    actual, expected = compute(litert, make, inputs), compute(reference, make, inputs)
    assert actual.dtype == expected.dtype and actual.shape == expected.shape
    return actual, expected


def positive(shape: tuple[int, ...], dtype: Any = np.float32, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).uniform(0.5, 1.5, shape).astype(dtype)


@pytest.mark.parametrize("op", FLOAT_REDUCTIONS)
@pytest.mark.parametrize("axes, keep", [(None, False), ([], False), ([1], True), ([0, 2], False),
                                        ([3, 1], True), ([0, 1, 2, 3], False)])
def test_float32_reductions_match_the_reference(litert, reference, op, axes, keep) -> None:
    x = positive((2, 3, 4, 5)) * np.where(np.arange(5) % 2, 1, -1).astype(np.float32)
    if op in ("reduce_log_sum", "reduce_product"):
        x = np.abs(x)

    def make(b, v):
        return getattr(b, op)(v["x"], axes=axes, keep_dimensions=keep)

    actual, expected = both(litert, reference, make, {"x": x})
    # (m + log(sum(exp(x - m))) cancels: the result is as close as the ulp of m)
    atol = 3e-7 if op == "reduce_log_sum_exp" else 0
    np.testing.assert_allclose(actual, expected, rtol=1e-5, atol=atol)


@pytest.mark.parametrize("op", FLOAT_REDUCTIONS)
def test_float16_reductions_round_once(litert, reference, op) -> None:
    x = positive((3, 4, 6), np.float16, seed=1)

    def make(b, v):
        return getattr(b, op)(v["x"], axes=[0, 2], keep_dimensions=True)

    actual, expected = both(litert, reference, make, {"x": x})
    np.testing.assert_allclose(actual.astype(np.float32), expected.astype(np.float32), rtol=1e-3)


@pytest.mark.parametrize("op", FLOAT_REDUCTIONS)
def test_scalar_and_size_one_reductions_apply_the_function_to_each_element(litert, reference, op) -> None:
    x = np.array([[-2.5], [0.0], [3.0], [np.inf], [-np.inf], [np.nan]], np.float32)

    def make(b, v):
        return getattr(b, op)(v["x"], axes=[1])

    with np.errstate(invalid="ignore", divide="ignore"):
        actual, expected = both(litert, reference, make, {"x": x})
    np.testing.assert_array_equal(actual, expected)
    scalar = {"x": np.array(-4.0, np.float32)}
    actual, expected = both(litert, reference, lambda b, v: getattr(b, op)(v["x"]), scalar)
    assert actual.shape == () and np.array_equal(actual, expected, equal_nan=True)


def test_high_ranks_collapse_to_what_xnnpack_reduces(litert) -> None:
    x = positive((2, 1, 3, 2, 1, 2, 3, 2), seed=2)
    axes = [0, 2, 3, 5]
    y = compute(litert, lambda b, v: b.reduce_sum(v["x"], axes=axes, keep_dimensions=True), {"x": x})
    np.testing.assert_allclose(y, np.sum(x, axis=tuple(axes), keepdims=True), rtol=1e-5)
    y = compute(litert, lambda b, v: b.reduce_max(v["x"], axes=[7]), {"x": x})
    np.testing.assert_array_equal(y, np.max(x, axis=7))


def test_a_reduction_xnnpack_cannot_do_is_refused_at_build(litert) -> None:
    b = litert.create_graph_builder()
    x = b.input("x", [2] * 7, "float32")
    with pytest.raises(webnn.NotSupportedError):
        b.build({"y": b.reduce_sum(x, axes=[0, 2, 4, 6])})


def test_log_sum_exp_and_l2_neither_overflow_nor_underflow(litert, reference) -> None:
    x = np.array([[1000.0, 1000.5, -1000.0], [-np.inf, -np.inf, -np.inf], [1e30, -3e30, 2e29],
                  [1e-30, 2e-30, -4e-45], [0.0, 0.0, 0.0], [np.inf, 1.0, 2.0]], np.float32)
    for op in ("reduce_log_sum_exp", "reduce_l2"):
        def make(b, v, op=op):
            return getattr(b, op)(v["x"], axes=[1])

        actual, expected = both(litert, reference, make, {"x": x})
        np.testing.assert_allclose(actual, expected, rtol=1e-6)
        assert np.isfinite(actual[[0, 2, 3]]).all()
        assert actual[4] == (0 if op == "reduce_l2" else np.float32(np.log(3)))


@pytest.mark.parametrize("op, expected", [("reduce_max", [np.nan, 3.0]), ("reduce_min", [np.nan, -1.0])])
def test_max_and_min_propagate_nan(litert, op, expected) -> None:
    x = np.array([[1.0, np.nan, 2.0], [3.0, -1.0, 0.5]], np.float32)
    y = compute(litert, lambda b, v: getattr(b, op)(v["x"], axes=[1]), {"x": x})
    np.testing.assert_array_equal(y, np.array(expected, np.float32))
    y16 = compute(litert, lambda b, v: getattr(b, op)(v["x"], axes=[1]), {"x": x.astype(np.float16)})
    np.testing.assert_array_equal(y16, np.array(expected, np.float16))


@pytest.mark.parametrize("dtype, op, values", [
    (np.int32, "reduce_sum", [2**31 - 1, 5, 7]),
    (np.int32, "reduce_l1", [-(2**31), -3, 4]),
    (np.int32, "reduce_sum_square", [70000, 3, -2]),
    (np.int32, "reduce_product", [2**31 - 1, 5, 7]),
    (np.int32, "reduce_max", [-5, -(2**31), 7]),
    (np.uint32, "reduce_sum", [2**32 - 1, 5, 7]),
    (np.uint32, "reduce_l1", [2**32 - 1, 2**31, 7]),
    (np.uint32, "reduce_sum_square", [70000, 3, 2]),
    (np.uint32, "reduce_product", [2**32 - 1, 5, 7]),
    (np.uint32, "reduce_max", [2**31 + 5, 3, 2**31 - 1]),
    (np.uint32, "reduce_min", [2**31 + 5, 2**32 - 1, 2**31 + 1]),
    (np.int64, "reduce_sum", [2**63 - 1, 5, 7]),
    (np.int64, "reduce_l1", [-(2**63), -3, 4]),
    (np.int64, "reduce_min", [-5, 2**40, -(2**62)]),
    (np.int8, "reduce_max", [-128, 127, 5]),
    (np.uint8, "reduce_min", [255, 200, 201]),
])
def test_integers_reduce_exactly_and_wrap_around(litert, reference, dtype, op, values) -> None:
    x = np.array([values, values[::-1]], dtype)
    for axes in ([1], [0, 1], []):
        actual, expected = both(litert, reference, lambda b, v, axes=axes: getattr(b, op)(v["x"], axes=axes),
                                {"x": x})
        np.testing.assert_array_equal(actual, expected)


@pytest.mark.parametrize("dtype", [np.float32, np.float16, np.int32, np.uint32, np.int8, np.uint8])
@pytest.mark.parametrize("op", ["arg_max", "arg_min"])
@pytest.mark.parametrize("output_type, keep", [("int32", False), ("int64", True)])
def test_arg_min_max_return_the_first_index(litert, reference, dtype, op, output_type, keep) -> None:
    rng = np.random.default_rng(3)
    x = rng.integers(0, 4, (3, 5, 4)).astype(dtype)  # (many ties)
    if dtype == np.uint32:
        x = x + np.uint32(2**31 - 2)
    for axis in (0, 1, 2):
        def make(b, v, axis=axis):
            return getattr(b, op)(v["x"], axis, keep_dimensions=keep, output_data_type=output_type)

        actual, expected = both(litert, reference, make, {"x": x})
        np.testing.assert_array_equal(actual, expected)


@pytest.mark.parametrize("op", ["arg_max", "arg_min"])
def test_arg_min_max_return_the_first_nan(litert, op) -> None:
    x = np.array([[1.0, np.nan, 5.0, np.nan], [-1.0, 7.0, 7.0, -1.0], [np.nan, 0.0, 0.0, 0.0]], np.float32)
    y = compute(litert, lambda b, v: getattr(b, op)(v["x"], 1), {"x": x})
    np.testing.assert_array_equal(y, np.array([1, 1 if op == "arg_max" else 0, 0], np.int32))


@pytest.mark.parametrize("dtype, rtol", [(np.float32, 1e-5), (np.float16, 2e-3)])
@pytest.mark.parametrize("axis", [0, 1, 2])
def test_batch_normalization_with_input_statistics(litert, reference, dtype, rtol, axis) -> None:
    shape = (2, 3, 4)
    rng = np.random.default_rng(4)
    size = shape[axis]
    inputs = {"x": rng.standard_normal(shape).astype(dtype), "mean": rng.standard_normal(size).astype(dtype),
              "variance": positive((size,), dtype, 5), "scale": rng.standard_normal(size).astype(dtype),
              "bias": rng.standard_normal(size).astype(dtype)}

    def make(b, v):
        return b.batch_normalization(v["x"], v["mean"], v["variance"], scale=v["scale"], bias=v["bias"],
                                     axis=axis, epsilon=1e-3)

    actual, expected = both(litert, reference, make, inputs)
    np.testing.assert_allclose(actual.astype(np.float32), expected.astype(np.float32), rtol=rtol, atol=rtol)


@pytest.mark.parametrize("dtype, rtol", [(np.float32, 1e-5), (np.float16, 2e-3)])
@pytest.mark.parametrize("layout", ["nchw", "nhwc"])
def test_instance_normalization(litert, reference, dtype, rtol, layout) -> None:
    rng = np.random.default_rng(6)
    shape = (2, 3, 4, 5) if layout == "nchw" else (2, 4, 5, 3)
    inputs = {"x": (rng.standard_normal(shape) * 3 + 10).astype(dtype),
              "scale": rng.standard_normal(3).astype(dtype), "bias": rng.standard_normal(3).astype(dtype)}

    def make(b, v):
        return b.instance_normalization(v["x"], scale=v["scale"], bias=v["bias"], layout=layout)

    actual, expected = both(litert, reference, make, inputs)
    np.testing.assert_allclose(actual.astype(np.float32), expected.astype(np.float32), rtol=rtol, atol=rtol)


@pytest.mark.parametrize("dtype, rtol", [(np.float32, 1e-5), (np.float16, 2e-3)])
@pytest.mark.parametrize("axes", [None, [2, 1], [0, 3], [], [3]])
def test_layer_normalization(litert, reference, dtype, rtol, axes) -> None:
    rng = np.random.default_rng(7)
    shape = (2, 3, 1, 4)
    x = rng.standard_normal(shape).astype(dtype)
    norm_axes = list(range(1, 4)) if axes is None else axes
    inputs = {"x": x, "scale": rng.standard_normal([shape[a] for a in norm_axes]).astype(dtype),
              "bias": rng.standard_normal([shape[a] for a in norm_axes]).astype(dtype)}

    def make(b, v):
        return b.layer_normalization(v["x"], scale=v["scale"], bias=v["bias"], axes=axes)

    actual, expected = both(litert, reference, make, inputs)
    np.testing.assert_allclose(actual.astype(np.float32), expected.astype(np.float32), rtol=rtol, atol=rtol)


def test_layer_normalization_with_constant_scale_in_another_axis_order(litert, reference) -> None:
    rng = np.random.default_rng(8)
    x = rng.standard_normal((2, 3, 4, 5)).astype(np.float32)
    scale = rng.standard_normal((5, 3)).astype(np.float32)

    def make(b, v):
        return b.layer_normalization(v["x"], scale=b.constant(scale), axes=[3, 1], epsilon=1e-2)

    actual, expected = both(litert, reference, make, {"x": x})
    np.testing.assert_allclose(actual, expected, rtol=1e-5, atol=1e-6)


def test_log_sum_is_accurate_where_the_sum_is_close_to_one(litert) -> None:
    # (TFLite's LOG is off by up to 1e5 ulps there)
    x = np.stack([np.linspace(0.3, 0.9, 4001), np.linspace(0.6, 0.3, 4001)], axis=1).astype(np.float32)
    y = compute(litert, lambda b, v: b.reduce_log_sum(v["x"], axes=[1]), {"x": x})
    exact = np.log((x[:, 0] + x[:, 1]).astype(np.float64))  # (of the float32 sum, one rounding)
    ulps = np.abs(y - exact) / np.spacing(np.abs(exact).astype(np.float32))
    nonzero = exact != 0
    assert ulps[nonzero].max() < 8, ulps.max()
