"""Validation and numerics of batch, instance and layer normalization beyond the WPT cases."""

from __future__ import annotations

import numpy as np
import pytest

import webnn


@pytest.fixture
def builder() -> webnn.MLGraphBuilder:
    """Validation runs on one backend; the numeric tests use the shared ``context`` fixture
    (every available backend)."""
    return webnn.ML().create_context(backend="reference").create_graph_builder()


def run(context, name, arrays, options=None, positional=("input",), constants=()):
    """Build ``name`` with every array in ``arrays`` as a graph input (a graph constant if
    named in ``constants``): those named in ``positional`` are positional arguments, the
    others options."""
    builder = context.create_graph_builder()
    operands = {
        k: builder.constant(v) if k in constants else builder.input(k, list(v.shape), v.dtype.name)
        for k, v in arrays.items()
    }
    args = [operands[k] for k in positional]
    opts = {k: v for k, v in operands.items() if k not in positional} | (options or {})
    graph = builder.build({"y": getattr(builder, name)(*args, opts)})
    return context.compute(graph, {k: v for k, v in arrays.items() if k not in constants})["y"]


def random(shape, dtype=np.float32, seed=0, low=-3.0, high=3.0):
    return np.random.default_rng(seed).uniform(low, high, shape).astype(dtype)


TOLERANCE = {np.float32: dict(rtol=1e-5, atol=1e-5), np.float16: dict(rtol=1e-2, atol=1e-2)}


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    "shape, shapes, options, message",
    [
        ([2, 3, 4], {"mean": [4]}, {}, r"mean shape \[4\] must be \[3\]"),
        ([2, 3, 4], {"variance": [3, 1]}, {}, r"variance rank 2 is not allowed"),
        ([2, 3, 4], {"mean": [4], "variance": [4]}, {"axis": 3}, r"axis 3 is out of bounds for rank 3"),
        ([2, 3, 4], {}, {"axis": -1}, r"axis -1 is out of bounds"),
        ([2, 3, 4], {"scale": [4]}, {}, r"scale shape \[4\] must be \[3\]"),
        ([2, 3, 4], {"mean": [4], "variance": [4], "bias": [3]}, {"axis": 2},
         r"bias shape \[3\] must be \[4\]"),
        ([2, 3], {}, {"epsilon": float("nan")}, r"epsilon must be a finite number"),
        ([2, 3], {}, {"epsilon": "1e-5"}, r"epsilon must be a number"),
        ([], {"mean": [1], "variance": [1]}, {}, r"input rank 0 is not allowed"),
    ],
)
def test_batch_normalization_rejects(builder, shape, shapes, options, message) -> None:
    channels = shape[1] if len(shape) > 1 else 1
    dims = {"mean": [channels], "variance": [channels]} | shapes
    operands = {k: builder.input(k, v) for k, v in dims.items()}
    x = builder.input("x", shape)
    opts = {k: v for k, v in operands.items() if k not in ("mean", "variance")}
    with pytest.raises(TypeError, match=rf"^batch_normalization 'bn': {message}"):
        builder.batch_normalization(
            x, operands["mean"], operands["variance"], {**opts, **options, "label": "bn"}
        )


def test_batch_normalization_rejects_data_types(builder) -> None:
    x = builder.input("x", [2, 3], "int32")
    m = builder.input("m", [3], "int32")
    with pytest.raises(TypeError, match=r"^batch_normalization: input data type int32 is not allowed"):
        builder.batch_normalization(x, m, m)
    x = builder.input("x2", [2, 3], "float32")
    m16 = builder.input("m16", [3], "float16")
    with pytest.raises(TypeError, match=r"^batch_normalization: mean data type float16 is not allowed"):
        builder.batch_normalization(x, m16, m16)


@pytest.mark.parametrize(
    "shape, shapes, options, message",
    [
        ([2, 3, 4], {}, {}, r"input rank 3 is not allowed"),
        ([2, 3, 4, 5], {"scale": [5]}, {}, r"scale shape \[5\] must be \[3\]"),
        ([2, 3, 4, 5], {"bias": [3]}, {"layout": "nhwc"}, r"bias shape \[3\] must be \[5\]"),
        ([2, 3, 4, 5], {"scale": [1, 3]}, {}, r"scale rank 2 is not allowed"),
        ([2, 3, 4, 5], {}, {"layout": "ncdhw"}, r"layout must be one of 'nchw', 'nhwc'"),
        ([2, 3, 4, 5], {}, {"epsilon": float("inf")}, r"epsilon must be a finite number"),
    ],
)
def test_instance_normalization_rejects(builder, shape, shapes, options, message) -> None:
    opts = {k: builder.input(k, v) for k, v in shapes.items()}
    x = builder.input("x", shape)
    with pytest.raises(TypeError, match=rf"^instance_normalization 'in': {message}"):
        builder.instance_normalization(x, {**opts, **options, "label": "in"})


@pytest.mark.parametrize(
    "shape, shapes, options, message",
    [
        ([2, 3, 4], {}, {"axes": [3]}, r"axes contains 3, out of bounds for rank 3"),
        ([2, 3, 4], {}, {"axes": [1, 1]}, r"axes \[1, 1\] contains duplicates"),
        ([2, 3, 4], {}, {"axes": [-1]}, r"axes\[0\] -1 is out of bounds"),
        ([2, 3, 4], {"scale": [3]}, {}, r"scale rank 1 must equal the number of axes 2"),
        ([2, 3, 4], {"scale": [3, 4]}, {"axes": [2, 1]},
         r"scale shape \[3, 4\] must be \[4, 3\] \(the input dimensions at axes \[2, 1\]\)"),
        ([2, 3, 4], {"bias": [2]}, {"axes": [1]}, r"bias shape \[2\] must be \[3\]"),
        ([2, 3, 4], {"bias": [3, 4]}, {"axes": []}, r"bias rank 2 must equal the number of axes 0"),
        ([2, 3], {}, {"epsilon": 1e300 * 1e300}, r"epsilon must be a finite number"),
    ],
)
def test_layer_normalization_rejects(builder, shape, shapes, options, message) -> None:
    opts = {k: builder.input(k, v) for k, v in shapes.items()}
    x = builder.input("x", shape)
    with pytest.raises(TypeError, match=rf"^layer_normalization 'ln': {message}"):
        builder.layer_normalization(x, {**opts, **options, "label": "ln"})


@pytest.mark.parametrize("name", ["instance_normalization", "layer_normalization"])
def test_normalization_rejects_data_types(builder, name) -> None:
    x = builder.input("x", [1, 2, 3, 4], "int8")
    with pytest.raises(TypeError, match=rf"^{name}: input data type int8 is not allowed"):
        getattr(builder, name)(x)
    x = builder.input("x2", [1, 2, 3, 4], "float16")
    s = builder.input("s", [2], "float32")
    opts = {"scale": s} if name == "instance_normalization" else {"scale": s, "axes": [1]}
    with pytest.raises(TypeError, match=rf"^{name}: scale data type float32 is not allowed"):
        getattr(builder, name)(x, opts)


# --------------------------------------------------------------------------- numerics


def normalize_ref(x, axes, scale=None, bias=None, eps=1e-5):
    """Normalize over ``axes`` in float64; scale / bias dims follow ``axes`` in order."""
    x = x.astype(np.float64)
    k = len(axes)
    moved = np.moveaxis(x, list(axes), list(range(x.ndim - k, x.ndim)))
    flat = moved.reshape(*moved.shape[: x.ndim - k], -1)
    mean = flat.mean(axis=-1)
    var = ((flat - mean[..., None]) ** 2).mean(axis=-1)
    lead = (...,) + (None,) * k
    y = (moved - mean[lead]) / np.sqrt(var[lead] + eps)
    if scale is not None:
        y = y * scale.astype(np.float64)
    if bias is not None:
        y = y + bias.astype(np.float64)
    return np.moveaxis(y, list(range(x.ndim - k, x.ndim)), list(axes))


@pytest.mark.parametrize("dtype", [np.float32, np.float16])
@pytest.mark.parametrize("shape, axis", [([2, 3, 4, 5], 1), ([2, 3, 4, 5], 3), ([7], 0), ([4, 6], 0)])
@pytest.mark.parametrize("with_scale_bias", [True, False])
def test_batch_normalization_numerics(context, dtype, shape, axis, with_scale_bias) -> None:
    size = shape[axis]
    arrays = {
        "input": random(shape, dtype, 1),
        "mean": random([size], dtype, 2),
        "variance": random([size], dtype, 3, 0.1, 2.0),
    }
    if with_scale_bias:
        arrays |= {"scale": random([size], dtype, 4), "bias": random([size], dtype, 5)}
    y = run(context, "batch_normalization", arrays, {"axis": axis, "epsilon": 1e-3},
            positional=("input", "mean", "variance"))
    assert y.dtype == dtype
    b = [1] * len(shape)
    b[axis] = size
    f = {k: v.astype(np.float64).reshape(b) for k, v in arrays.items() if k != "input"}
    expected = (arrays["input"].astype(np.float64) - f["mean"]) / np.sqrt(f["variance"] + 1e-3)
    if with_scale_bias:
        expected = expected * f["scale"] + f["bias"]
    np.testing.assert_allclose(y, expected, **TOLERANCE[dtype])


@pytest.mark.parametrize("dtype", [np.float32, np.float16])
@pytest.mark.parametrize("layout", ["nchw", "nhwc"])
def test_instance_normalization_numerics(context, dtype, layout) -> None:
    shape = [2, 3, 5, 4] if layout == "nchw" else [2, 5, 4, 3]
    arrays = {"input": random(shape, dtype, 1), "scale": random([3], dtype, 2),
              "bias": random([3], dtype, 3)}
    y = run(context, "instance_normalization", arrays, {"layout": layout, "epsilon": 1e-4})
    assert y.dtype == dtype
    x = arrays["input"] if layout == "nchw" else arrays["input"].transpose(0, 3, 1, 2)
    # normalize the spatial values of each (batch, channel): move channels last first
    expected = normalize_ref(x.transpose(0, 2, 3, 1), (1, 2), eps=1e-4)
    expected = expected * arrays["scale"].astype(np.float64) + arrays["bias"].astype(np.float64)
    expected = expected.transpose(0, 3, 1, 2)
    if layout == "nhwc":
        expected = expected.transpose(0, 2, 3, 1)
    np.testing.assert_allclose(y, expected, **TOLERANCE[dtype])


def test_instance_normalization_defaults(context) -> None:
    x = random([1, 2, 3, 3], seed=7)
    y = run(context, "instance_normalization", {"input": x})
    m = x.mean(axis=(2, 3), keepdims=True, dtype=np.float64)
    v = ((x - m) ** 2).mean(axis=(2, 3), keepdims=True)
    np.testing.assert_allclose(y, (x - m) / np.sqrt(v + 1e-5), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("dtype", [np.float32, np.float16])
@pytest.mark.parametrize(
    "shape, axes",
    [([2, 3, 4, 5], None), ([2, 3, 4, 5], [3, 1]), ([2, 3, 4, 5], [0, 2]), ([6, 7], [0]),
     ([5], None), ([3, 4], [])],
)
@pytest.mark.parametrize("with_scale_bias", [True, False])
def test_layer_normalization_numerics(context, dtype, shape, axes, with_scale_bias) -> None:
    effective = list(range(1, len(shape))) if axes is None else axes
    arrays = {"input": random(shape, dtype, 1)}
    if with_scale_bias:
        dims = [shape[a] for a in effective]
        arrays |= {"scale": random(dims, dtype, 2), "bias": random(dims, dtype, 3)}
    options = {"epsilon": 1e-3} | ({} if axes is None else {"axes": axes})
    y = run(context, "layer_normalization", arrays, options)
    assert y.dtype == dtype and y.shape == tuple(shape)
    expected = normalize_ref(arrays["input"], effective, arrays.get("scale"), arrays.get("bias"), 1e-3)
    np.testing.assert_allclose(y, expected, **TOLERANCE[dtype])


def test_layer_normalization_scalar_input(context) -> None:
    x = np.array(2.5, np.float32)
    s = np.array(3.0, np.float32)
    b = np.array(-1.0, np.float32)
    y = run(context, "layer_normalization", {"input": x, "scale": s, "bias": b})
    np.testing.assert_array_equal(y, np.array(-1.0, np.float32))


def test_float16_epsilon_is_cast(context) -> None:
    # epsilon 1e-8 becomes 0 in float16, so a constant input gives NaN (0 / 0)
    x = np.full([1, 4], 2.0, np.float16)
    y = run(context, "layer_normalization", {"input": x}, {"epsilon": 1e-8})
    assert np.isnan(y).all()
    y = run(context, "layer_normalization", {"input": x.astype(np.float32)}, {"epsilon": 1e-8})
    np.testing.assert_array_equal(y, np.zeros([1, 4], np.float32))


# --------------------------------------------------------------------------- constants, options, precision


def _batch_norm_expected(arrays, axis, eps):
    b = [1] * arrays["input"].ndim
    b[axis] = arrays["input"].shape[axis]
    f = {k: v.astype(np.float64).reshape(b) for k, v in arrays.items() if k != "input"}
    y = (arrays["input"].astype(np.float64) - f["mean"]) / np.sqrt(f["variance"] + eps)
    if "scale" in f:
        y = y * f["scale"]
    if "bias" in f:
        y = y + f["bias"]
    return y


@pytest.mark.parametrize("dtype", [np.float32, np.float16])
@pytest.mark.parametrize("constants", [
    ("mean", "variance", "scale", "bias"), ("mean", "variance"), ("variance",), ("variance", "bias"), ("scale",),
])
@pytest.mark.parametrize("shape, axis, present", [
    ([2, 3, 4, 5, 2], 2, ("scale", "bias")), ([3, 4], 1, ("scale",)), ([6], 0, ("bias",)), ([2, 5, 3], 0, ()),
])
def test_batch_normalization_constant_parameters(context, dtype, constants, shape, axis, present) -> None:
    size = shape[axis]
    arrays = {"input": random(shape, dtype, 1), "mean": random([size], dtype, 2),
              "variance": random([size], dtype, 3, 0.1, 2.0)}
    arrays |= {k: random([size], dtype, 4 + i) for i, k in enumerate(("scale", "bias")) if k in present}
    y = run(context, "batch_normalization", arrays, {"axis": axis, "epsilon": 1e-3},
            positional=("input", "mean", "variance"), constants=[c for c in constants if c in arrays])
    assert y.dtype == dtype and y.shape == tuple(shape)
    np.testing.assert_allclose(y, _batch_norm_expected(arrays, axis, 1e-3), **TOLERANCE[dtype])


@pytest.mark.parametrize("constants", [(), ("mean", "variance", "scale", "bias")])
def test_batch_normalization_large_mean_is_accurate(context, constants) -> None:
    # x - mean first: x * k + (bias - mean * k) would lose the small deviations.
    size = 4
    arrays = {
        "input": (1000.0 + random([3, size, 8], seed=1, low=-0.01, high=0.01)).astype(np.float32),
        "mean": np.full([size], 1000.0, np.float32),
        "variance": np.full([size], 1e-4, np.float32),
        "scale": random([size], seed=2, low=0.5, high=2.0),
        "bias": random([size], seed=3),
    }
    y = run(context, "batch_normalization", arrays, {"epsilon": 1e-6},
            positional=("input", "mean", "variance"), constants=constants)
    np.testing.assert_allclose(y, _batch_norm_expected(arrays, 1, 1e-6), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("dtype", [np.float32, np.float16])
@pytest.mark.parametrize("layout", ["nchw", "nhwc"])
@pytest.mark.parametrize("present, constants", [((), ()), (("scale",), ("scale",)), (("bias",), ()),
                                                 (("scale", "bias"), ("scale", "bias"))])
def test_instance_normalization_options(context, dtype, layout, present, constants) -> None:
    shape = [2, 3, 4, 5] if layout == "nchw" else [2, 4, 5, 3]
    arrays = {"input": (7.0 + random(shape, dtype, 1)).astype(dtype)}
    arrays |= {k: random([3], dtype, 2 + i) for i, k in enumerate(("scale", "bias")) if k in present}
    y = run(context, "instance_normalization", arrays, {"layout": layout}, constants=constants)
    assert y.dtype == dtype and y.shape == tuple(shape)
    channels_last = arrays["input"] if layout == "nhwc" else arrays["input"].transpose(0, 2, 3, 1)
    expected = normalize_ref(channels_last, (1, 2), eps=1e-5)
    if "scale" in arrays:
        expected = expected * arrays["scale"].astype(np.float64)
    if "bias" in arrays:
        expected = expected + arrays["bias"].astype(np.float64)
    if layout == "nchw":
        expected = expected.transpose(0, 3, 1, 2)
    np.testing.assert_allclose(y, expected, **TOLERANCE[dtype])


@pytest.mark.parametrize("dtype", [np.float32, np.float16])
@pytest.mark.parametrize("shape, axes", [
    ([2, 3, 4, 5], [2, 3]),     # trailing, in order
    ([2, 3, 4, 5], [3, 2]),     # trailing, unsorted
    ([2, 3, 4, 5], [1, 2]),     # sorted, not trailing
    ([2, 3, 4, 5], [3, 0, 2]),  # neither
    ([2, 3, 4], []),            # nothing reduced
])
@pytest.mark.parametrize("present", [("scale",), ("bias",), ("scale", "bias")])
@pytest.mark.parametrize("constant", [False, True])
def test_layer_normalization_axes_and_options(context, dtype, shape, axes, present, constant) -> None:
    dims = [shape[a] for a in axes]
    arrays = {"input": (5.0 + random(shape, dtype, 1)).astype(dtype)}
    arrays |= {k: random(dims, dtype, 2 + i) for i, k in enumerate(("scale", "bias")) if k in present}
    y = run(context, "layer_normalization", arrays, {"axes": axes, "epsilon": 1e-4},
            constants=present if constant else ())
    assert y.dtype == dtype and y.shape == tuple(shape)
    expected = normalize_ref(arrays["input"], axes, arrays.get("scale"), arrays.get("bias"), 1e-4)
    np.testing.assert_allclose(y, expected, **TOLERANCE[dtype])


@pytest.mark.parametrize("constants", [("input", "scale", "bias"), ("scale", "bias"), ()])
def test_layer_normalization_scalar_constants(context, constants) -> None:
    arrays = {"input": np.array(2.5, np.float32), "scale": np.array(3.0, np.float32),
              "bias": np.array(-1.0, np.float32)}
    y = run(context, "layer_normalization", arrays, constants=constants)
    assert y.shape == () and y.dtype == np.float32
    np.testing.assert_array_equal(y, np.float32(-1.0))


@pytest.mark.parametrize("name, options", [("layer_normalization", {"axes": [1]}),
                                           ("layer_normalization", {"axes": [0]}),
                                           ("instance_normalization", {})])
def test_normalization_special_values(context, name, options) -> None:
    x = np.array([[[[1.0, 2.0], [np.inf, 3.0]], [[np.nan, 1.0], [2.0, 2.0]]]], np.float32)
    shaped = x.reshape(2, 4) if name == "layer_normalization" else x
    y = run(context, name, {"input": shaped}, options)
    reference = run(webnn.ML().create_context(backend="reference"), name, {"input": shaped}, options)
    np.testing.assert_allclose(y, reference, rtol=1e-6, atol=1e-6)
