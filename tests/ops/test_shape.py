"""Validation and numerics of the shape and data-movement ops beyond the WPT cases."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

import webnn

from ..helpers import onnx_op_types


@pytest.fixture(scope="module")
def reference() -> webnn.MLContext:
    return webnn.ML().create_context(backend="reference")


@pytest.fixture
def builder(reference) -> webnn.MLGraphBuilder:
    """For validation-only tests (no computation): one backend is enough."""
    return reference.create_graph_builder()


def run(context, make, *arrays):
    """Build ``make(builder, *inputs)`` on inputs shaped like ``arrays`` and compute it."""
    builder = context.create_graph_builder()
    names = [f"x{i}" for i in range(len(arrays))]
    operands = [
        builder.input(n, list(a.shape), str(a.dtype)) for n, a in zip(names, arrays)
    ]
    result = make(builder, *operands)
    if isinstance(result, list):
        graph = builder.build({f"y{i}": r for i, r in enumerate(result)})
        out = context.compute(graph, dict(zip(names, arrays)))
        return [out[f"y{i}"] for i in range(len(result))]
    graph = builder.build({"y": result})
    return context.compute(graph, dict(zip(names, arrays)))["y"]


def random(shape, dtype="float32", seed=0):
    rng = np.random.default_rng(seed)
    if np.dtype(dtype).kind == "f":
        return rng.uniform(-10, 10, shape).astype(dtype)
    info = np.iinfo(dtype)
    return rng.integers(info.min, info.max, shape, dtype=dtype, endpoint=True)


# --------------------------------------------------------------------------- validation

# (op, input shapes, input data type, positional arguments after the input(s), options, message)
INVALID = [
    ("reshape", [[2, 3]], "float32", [[4]], {}, r"new_shape \[4\] has 4 elements, the input \[2, 3\] has 6"),
    ("reshape", [[2, 3]], "float32", [[6, 0]], {}, r"new_shape\[1\] 0 is not a valid dimension"),
    ("reshape", [[2, 3]], "float32", [[-6]], {}, r"new_shape\[0\] -6 is out of range"),
    ("reshape", [[1]], "float32", [[1] * 9], {}, r"new_shape rank 9 is not allowed"),
    ("reshape", [[2, 3]], "float32", [6], {}, r"new_shape must be a sequence"),
    ("reshape", [[2, 3]], "float32", [np.array(6)], {}, r"new_shape must be a sequence, got ndarray"),
    ("expand", [[2, 3]], "float32", [[3, 3]], {}, r"input shape \[2, 3\] is not broadcastable to new_shape \[3, 3\]"),
    ("expand", [[2, 3]], "float32", [[3]], {}, r"input shape \[2, 3\] is not broadcastable to new_shape \[3\]"),
    ("expand", [[1]], "float32", [[2, 0]], {}, r"new_shape\[1\] 0 is not a valid dimension"),
    ("transpose", [[2, 3, 4]], "float32", [], {"permutation": [0, 1]}, r"permutation must have 3 items"),
    ("transpose", [[2, 3, 4]], "float32", [], {"permutation": [0, 1, 1]}, r"permutation \[0, 1, 1\] contains duplicates"),
    ("transpose", [[2, 3, 4]], "float32", [], {"permutation": [0, 1, 3]}, r"permutation contains 3, out of bounds"),
    ("concat", [], "float32", [[], 0], {}, r"inputs must hold 1 to 8192 operands, got 0"),
    ("concat", [[2, 3], [2, 3]], "float32", [2], {}, r"axis 2 is out of bounds for rank 2"),
    ("concat", [[2, 3], [2, 4]], "float32", [0], {}, r"inputs\[1\] shape \[2, 4\] differs .* in dimension 1"),
    ("concat", [[2, 3], [2, 3, 1]], "float32", [0], {}, r"inputs\[1\] rank 3 != inputs\[0\] rank 2"),
    ("concat", [[]], "float32", [0], {}, r"inputs\[0\] rank 0 is not allowed"),
    ("split", [[6, 4]], "float32", [4], {}, r"splits 4 does not divide the input size 6 along axis 0"),
    ("split", [[6, 4]], "float32", [0], {}, r"splits 0 is not in the range 1 to 8192"),
    ("split", [[6, 4]], "float32", [[2, 3]], {}, r"splits \[2, 3\] sum to 5, not the input size 6"),
    ("split", [[6, 4]], "float32", [[6, 0]], {}, r"splits \[6, 0\] contains 0"),
    ("split", [[6, 4]], "float32", [[]], {}, r"splits must have 1 to 8192 items, got 0"),
    ("split", [[6, 4]], "float32", [2], {"axis": 2}, r"axis 2 is out of bounds for rank 2"),
    ("split", [[]], "float32", [1], {}, r"input rank 0 is not allowed"),
    ("slice", [[4, 5]], "float32", [[0], [1, 1]], {}, r"starts must have 2 items"),
    ("slice", [[4, 5]], "float32", [[0, 0], [1, 0]], {}, r"sizes \[1, 0\] contains 0"),
    ("slice", [[4, 5]], "float32", [[3, 0], [2, 5]], {}, r"starts\[0\] 3 \+ sizes\[0\] 2 exceeds the input size 4"),
    ("slice", [[4, 5]], "float32", [[5, 0], [1, 5]], {}, r"starts\[0\] 5 \+ sizes\[0\] 1 exceeds"),
    ("slice", [[4, 5]], "float32", [[0, 0], [1, 1]], {"strides": [1, 0]}, r"strides\[1\] must be at least 1"),
    ("slice", [[4, 5]], "float32", [[0, 0], [1, 1]], {"strides": [1]}, r"strides must have 2 items"),
    ("pad", [[2, 3]], "float32", [[1], [1, 1]], {}, r"beginning_padding must have 2 items"),
    ("pad", [[2, 3]], "float32", [[1, 1], [1, 1]], {"mode": "symmetric"}, r"mode must be one of 'constant', 'edge', 'reflection'"),
    ("pad", [[2, 3]], "float32", [[1, 3], [0, 0]], {"mode": "reflection"}, r"beginning_padding\[1\] 3 must be smaller than the input size 3"),
    ("pad", [[2, 3]], "float32", [[1, 0], [2, 0]], {"mode": "reflection"}, r"ending_padding\[0\] 2 must be smaller than the input size 2"),
    ("pad", [[2, 3]], "float32", [[1, 1], [1, 1]], {"value": "0"}, r"value must be a number"),
    ("pad", [[2, 3]], "float32", [[2**31, 0], [0, 0]], {}, r"output size in dimension 0 2147483650 is not a valid dimension"),
    ("tile", [[2, 3]], "float32", [[2]], {}, r"repetitions must have 2 items"),
    ("tile", [[2, 3]], "float32", [[2, 0]], {}, r"repetitions \[2, 0\] contains 0"),
    ("tile", [[2, 3]], "float32", [[2**30, 1]], {}, r"output size in dimension 0 2147483648 is not a valid dimension"),
    ("reverse", [[2, 3]], "float32", [], {"axes": [1, 1]}, r"axes \[1, 1\] contains duplicates"),
    ("reverse", [[2, 3]], "float32", [], {"axes": [2]}, r"axes contains 2, out of bounds for rank 2"),
    ("triangular", [[3]], "float32", [], {}, r"input rank 1 is not allowed \(allowed: 2 to 8\)"),
    ("triangular", [[3, 3]], "float32", [], {"upper": 1}, r"upper must be a bool"),
    ("triangular", [[3, 3]], "float32", [], {"diagonal": 2**31}, r"diagonal 2147483648 is out of range"),
    ("triangular", [[3, 3]], "float32", [], {"diagonal": 0.5}, r"diagonal must be an integer"),
    ("resample2d", [[1, 2, 3]], "float32", [], {}, r"input rank 3 is not allowed"),
    ("resample2d", [[1, 1, 2, 3]], "int32", [], {}, r"input data type int32 is not allowed"),
    ("resample2d", [[1, 1, 2, 3]], "float32", [], {"mode": "cubic"}, r"mode must be one of 'nearest-neighbor', 'linear'"),
    ("resample2d", [[1, 1, 2, 3]], "float32", [], {"scales": [2]}, r"scales must have 2 items"),
    ("resample2d", [[1, 1, 2, 3]], "float32", [], {"scales": [2, 0]}, r"scales \[2.0, 0.0\] must be greater than 0"),
    ("resample2d", [[1, 1, 2, 3]], "float32", [], {"scales": [2, math.inf]}, r"scales\[1\] must be a finite float32"),
    ("resample2d", [[1, 1, 2, 3]], "float32", [], {"scales": [0.25, 1]}, r"output size 0 along axis 2 is not a valid dimension"),
    ("resample2d", [[1, 1, 2, 3]], "float32", [], {"sizes": [4, 0]}, r"sizes \[4, 0\] contains 0"),
    ("resample2d", [[1, 1, 2, 3]], "float32", [], {"sizes": [4, 4, 4]}, r"sizes must have 2 items"),
    ("resample2d", [[1, 1, 2, 3]], "float32", [], {"axes": [1, 1]}, r"axes \[1, 1\] contains duplicates"),
    ("resample2d", [[1, 1, 2, 3]], "float32", [], {"axes": [3, 4]}, r"axes contains 4, out of bounds for rank 4"),
    ("resample2d", [[1, 1, 2, 3]], "float32", [], {"axes": [2]}, r"axes must have 2 items"),
]


def _call(builder, name, shapes, data_type, args, options, label=""):
    operands = [builder.input(f"x{i}", s, data_type) for i, s in enumerate(shapes)]
    if name == "concat":
        return builder.concat(*([operands, *args] if shapes else args), {**options, "label": label})
    return getattr(builder, name)(*operands, *args, {**options, "label": label})


@pytest.mark.parametrize("label", ["", "lbl"])
@pytest.mark.parametrize(
    "name, shapes, data_type, args, options, message", INVALID, ids=[f"{c[0]}-{i}" for i, c in enumerate(INVALID)]
)
def test_invalid_calls_raise_type_error(builder, name, shapes, data_type, args, options, message, label) -> None:
    prefix = f"{name} '{label}'" if label else name
    with pytest.raises(TypeError, match=rf"^{prefix}: {message}"):
        _call(builder, name, shapes, data_type, args, options, label)


def test_concat_rejects_mixed_data_types(builder) -> None:
    a = builder.input("a", [2], "float32")
    b = builder.input("b", [2], "int32")
    with pytest.raises(TypeError, match=r"^concat 'c': inputs\[1\] data type int32 != inputs\[0\] data type float32"):
        builder.concat([a, b], 0, label="c")


def test_concat_rejects_non_operands(builder) -> None:
    a = builder.input("a", [2], "float32")
    with pytest.raises(TypeError, match=r"^concat: inputs\[1\] must be an MLOperand"):
        builder.concat([a, 3], 0)


@pytest.mark.parametrize(
    "shape, axes, message",
    [
        ([1, 2, 1], [1], r"^squeeze 's': axis 1 has size 2, not 1"),
        ([1, 2, 1], [3], r"^squeeze 's': axes\[0\] 3 is out of bounds for rank 3"),
    ],
)
def test_squeeze_rejects_bad_axes(builder, shape, axes, message) -> None:
    with pytest.raises(TypeError, match=message):
        builder.squeeze(builder.input("x", shape), axes, label="s")


@pytest.mark.parametrize(
    "axes, message",
    [
        ([0, 0], r"^unsqueeze 'u': axes \[0, 0\] contains duplicates"),
        ([4], r"^unsqueeze 'u': axes\[0\] 4 is out of bounds for output rank 3"),
    ],
)
def test_unsqueeze_rejects_bad_axes(builder, axes, message) -> None:
    with pytest.raises(TypeError, match=message):
        builder.unsqueeze(builder.input("x", [2, 3]), axes, label="u")


# --------------------------------------------------------------------------- shape inference


@pytest.mark.parametrize(
    "name, shape, args, options, expected",
    [
        ("reshape", [2, 3, 4], [[]], {}, None),
        ("reshape", [2, 3, 4], [[4, 6]], {}, [4, 6]),
        ("expand", [3, 1], [[2, 3, 5]], {}, [2, 3, 5]),
        ("transpose", [2, 3, 4], [], {}, [4, 3, 2]),
        ("transpose", [2, 3, 4], [], {"permutation": [1, 2, 0]}, [3, 4, 2]),
        ("slice", [10, 7], [[1, 2], [9, 5]], {"strides": [4, 2]}, [3, 3]),
        ("pad", [2, 3], [[1, 0], [2, 4]], {}, [5, 7]),
        ("tile", [2, 3], [[3, 2]], {}, [6, 6]),
        ("resample2d", [1, 3, 5, 7], [], {"scales": [1.5, 0.5]}, [1, 3, 7, 3]),
        ("resample2d", [1, 3, 5, 7], [], {"scales": [0.5, 0.5], "sizes": [2, 9]}, [1, 3, 2, 9]),
        ("resample2d", [2, 5, 7, 3], [], {"sizes": [9, 4], "axes": [2, 0]}, [4, 5, 9, 3]),
    ],
)
def test_output_shapes(builder, name, shape, args, options, expected) -> None:
    x = builder.input("x", shape, "float32")
    if name == "reshape" and args == [[]]:
        x = builder.input("s", [1, 1], "float32")
        expected = []
    y = getattr(builder, name)(x, *args, options)
    assert list(y.shape) == expected


def test_split_and_attributes_are_normalized(builder) -> None:
    x = builder.input("x", [2, 9, 4], "int64")
    parts = builder.split(x, 3, axis=1)
    assert [list(p.shape) for p in parts] == [[2, 3, 4]] * 3
    parts = builder.split(x, np.array(9), axis=1)
    assert [list(p.shape) for p in parts] == [[2, 1, 4]] * 9
    parts = builder.split(x, np.array([2, 7]), {"axis": 1})
    assert [list(p.shape) for p in parts] == [[2, 2, 4], [2, 7, 4]]
    assert all(p.data_type == "int64" for p in parts)


# --------------------------------------------------------------------------- numerics

#: Every data type the shape ops accept (each backend must move every one of them exactly).
DTYPES = ["float32", "float16", "int32", "uint32", "int64", "uint64", "int8", "uint8"]


@pytest.mark.parametrize("dtype", DTYPES)
def test_reshape_squeeze_unsqueeze(context, dtype) -> None:
    x = random((2, 1, 3, 1, 4), dtype)
    np.testing.assert_array_equal(run(context, lambda b, a: b.reshape(a, [6, 4]), x), x.reshape(6, 4))
    np.testing.assert_array_equal(run(context, lambda b, a: b.squeeze(a), x), x.reshape(2, 3, 4))
    np.testing.assert_array_equal(run(context, lambda b, a: b.squeeze(a, [-2]), x), x.reshape(2, 1, 3, 4))
    y = run(context, lambda b, a: b.unsqueeze(b.squeeze(a), [0, -1]), x)
    assert y.shape == (1, 2, 3, 4, 1) and y.dtype == x.dtype
    np.testing.assert_array_equal(y, x.reshape(1, 2, 3, 4, 1))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape, new_shape", [((), (2, 3)), ((3, 1), (2, 3, 4)), ((1, 4, 1), (1, 4, 5))])
def test_expand_matches_broadcast_to(context, dtype, shape, new_shape) -> None:
    x = random(shape, dtype)
    y = run(context, lambda b, a: b.expand(a, list(new_shape)), x)
    np.testing.assert_array_equal(y, np.broadcast_to(x, new_shape))


@pytest.mark.parametrize("dtype", DTYPES)
def test_transpose_every_permutation(context, dtype) -> None:
    x = random((2, 3, 4, 5), dtype)
    for perm in itertools.permutations(range(4)):
        y = run(context, lambda b, a, p=perm: b.transpose(a, {"permutation": list(p)}), x)
        np.testing.assert_array_equal(y, x.transpose(perm))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("axis", [0, 1, 2])
def test_concat_then_split_round_trip(context, dtype, axis) -> None:
    parts = [random(s, dtype, seed=i) for i, s in enumerate(
        [tuple(n if d == axis else 3 for d in range(3)) for n in (1, 4, 2)]
    )]
    joined = run(context, lambda b, *xs: b.concat(list(xs), axis), *parts)
    expected = np.concatenate(parts, axis)
    np.testing.assert_array_equal(joined, expected)
    pieces = run(context, lambda b, a: b.split(a, [1, 4, 2], axis=axis), expected)
    for got, want in zip(pieces, parts):
        np.testing.assert_array_equal(got, want)
    thirds = run(context, lambda b, a: b.split(a, 3, axis=(axis + 1) % 3), expected)
    for got, want in zip(thirds, np.split(expected, 3, axis=(axis + 1) % 3)):
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    "starts, sizes, strides",
    [([0, 0, 0], [5, 6, 7], [1, 1, 1]), ([1, 2, 3], [4, 3, 4], [2, 3, 1]), ([4, 5, 6], [1, 1, 1], [3, 3, 3]),
     ([0, 1, 0], [5, 5, 7], [5, 2, 6])],
)
def test_slice_with_strides(context, dtype, starts, sizes, strides) -> None:
    x = random((5, 6, 7), dtype)
    y = run(context, lambda b, a: b.slice(a, starts, sizes, {"strides": strides}), x)
    expected = x[tuple(slice(b, b + n, s) for b, n, s in zip(starts, sizes, strides))]
    np.testing.assert_array_equal(y, expected)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("mode", ["constant", "edge", "reflection"])
def test_pad_matches_numpy(context, dtype, mode) -> None:
    x = random((3, 4, 5), dtype)
    begin, end = [2, 0, 4], [1, 3, 2]
    y = run(context, lambda b, a: b.pad(a, begin, end, {"mode": mode, "value": 7}), x)
    widths = list(zip(begin, end))
    if mode == "constant":
        expected = np.pad(x, widths, mode="constant", constant_values=7)
    else:
        expected = np.pad(x, widths, mode={"edge": "edge", "reflection": "reflect"}[mode])
    assert y.dtype == x.dtype
    np.testing.assert_array_equal(y, expected)


@pytest.mark.parametrize(
    "dtype, value, fill",
    [("uint8", 300, 255), ("uint8", -4, 0), ("int32", 2.5, 2), ("int32", 3.5, 4), ("int8", math.nan, 0),
     ("float16", 1e6, math.inf), ("float32", -0.25, -0.25), ("uint64", 2**64 - 1, 2**64 - 1)],
)
def test_pad_value_is_cast_to_the_input_type(context, dtype, value, fill) -> None:
    x = np.ones((2,), dtype)
    y = run(context, lambda b, a: b.pad(a, [1], [0], {"value": value}), x)
    np.testing.assert_array_equal(y, np.array([fill, 1, 1], dtype))


def test_pad_scalar_is_unchanged(context) -> None:
    x = np.array(3.5, np.float32)
    np.testing.assert_array_equal(run(context, lambda b, a: b.pad(a, [], [], {"mode": "edge"}), x), x)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reps", [[1, 1, 1], [2, 1, 3], [3, 2, 1]])
def test_tile_matches_numpy(context, dtype, reps) -> None:
    x = random((2, 3, 4), dtype)
    np.testing.assert_array_equal(run(context, lambda b, a: b.tile(a, reps), x), np.tile(x, reps))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("axes", [None, [], [0], [2, 0], [1, 2, 0]])
def test_reverse_matches_flip(context, dtype, axes) -> None:
    x = random((2, 3, 4), dtype)
    y = run(context, lambda b, a: b.reverse(a) if axes is None else b.reverse(a, axes=axes), x)
    expected = np.flip(x) if axes is None else (np.flip(x, tuple(axes)) if axes else x)
    np.testing.assert_array_equal(y, expected)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("upper", [True, False])
@pytest.mark.parametrize("diagonal", [-5, -2, -1, 0, 1, 3, 7])
@pytest.mark.parametrize("shape", [(4, 6), (2, 3, 5, 4)])
def test_triangular_matches_triu_tril(context, dtype, upper, diagonal, shape) -> None:
    x = random(shape, dtype)
    y = run(context, lambda b, a: b.triangular(a, {"upper": upper, "diagonal": diagonal}), x)
    expected = np.triu(x, diagonal) if upper else np.tril(x, diagonal)
    np.testing.assert_array_equal(y, expected)


# --------------------------------------------------------------------------- resample2d


def test_resample2d_linear_spec_example(context) -> None:
    # The spec's example: a 4 x 4 input upsampled to 8 x 8.
    x = np.array([[0, 1, 2, 3], [0, 1, 2, 3], [12, 13, 14, 15], [12, 13, 14, 15]], np.float32)
    row = np.array([0, 0.25, 0.75, 1.25, 1.75, 2.25, 2.75, 3], np.float32)
    expected = row + np.array([0, 0, 0, 3, 9, 12, 12, 12], np.float32)[:, None]
    y = run(context, lambda b, a: b.resample2d(a, {"mode": "linear", "sizes": [8, 8]}), x.reshape(1, 1, 4, 4))
    np.testing.assert_allclose(y[0, 0], expected, rtol=0, atol=1e-6)


def test_resample2d_nearest_hand_computed(context) -> None:
    # 3 -> 5: input coordinates clamp((o + 0.5) * 3 / 5 - 0.5) = 0, 0.4, 1, 1.6, 2 -> 0, 0, 1, 2, 2;
    # 4 -> 2: (o + 0.5) * 2 - 0.5 = 0.5, 2.5 -> ceil(0), ceil(2) = 0, 2 (ties go down).
    x = np.arange(12, dtype=np.float32).reshape(1, 1, 3, 4)
    y = run(context, lambda b, a: b.resample2d(a, {"sizes": [5, 2]}), x)
    np.testing.assert_array_equal(y[0, 0], x[0, 0][[0, 0, 1, 2, 2]][:, [0, 2]])


def naive_resample2d(x, mode, sizes, axes):
    """The spec's per-pixel formulas, one output pixel at a time (x: float64)."""
    moved = np.moveaxis(x, axes, (-2, -1))
    in_h, in_w = moved.shape[-2:]
    out_h, out_w = sizes
    out = np.empty(moved.shape[:-2] + (out_h, out_w))

    def coordinate(o, in_size, out_size):
        scale = out_size / in_size
        return min(max((o + 0.5) / scale - 0.5, 0), in_size - 1)

    for oy in range(out_h):
        for ox in range(out_w):
            cy, cx = coordinate(oy, in_h, out_h), coordinate(ox, in_w, out_w)
            if mode == "nearest-neighbor":
                out[..., oy, ox] = moved[..., math.ceil(cy - 0.5), math.ceil(cx - 0.5)]
                continue
            x0, x1, y0, y1 = math.floor(cx), math.ceil(cx), math.floor(cy), math.ceil(cy)
            tx, ty = cx - x0, cy - y0
            vy0 = moved[..., y0, x0] * (1 - tx) + moved[..., y0, x1] * tx
            vy1 = moved[..., y1, x0] * (1 - tx) + moved[..., y1, x1] * tx
            out[..., oy, ox] = vy0 * (1 - ty) + vy1 * ty
    return np.moveaxis(out, (-2, -1), axes)


@pytest.mark.parametrize("mode", ["nearest-neighbor", "linear"])
@pytest.mark.parametrize(
    "shape, options",
    [
        ((2, 3, 5, 7), {"sizes": [11, 3]}),
        ((2, 3, 5, 7), {"scales": [1.7, 0.6]}),
        ((2, 6, 5, 3), {"sizes": [4, 13], "axes": [1, 2]}),
        ((4, 3, 5, 2), {"sizes": [9, 7], "axes": [2, 0]}),
        ((3, 4, 1, 1), {"scales": [3, 2]}),
        ((2, 3, 4, 5), {"sizes": [7, 3], "axes": [0, 3]}),
        ((2, 3, 4, 5), {"sizes": [5, 2], "axes": [3, 1]}),
        # ties between two input elements (6 -> 9, 14 -> 19, 8 -> 2): round down
        ((1, 2, 6, 14), {"sizes": [9, 19]}),
        ((1, 2, 8, 8), {"sizes": [2, 4]}),
        ((1, 1, 2, 1400), {"sizes": [3, 1001]}),
    ],
)
@pytest.mark.parametrize("dtype", ["float32", "float16", "uint8", "int8"])
def test_resample2d_matches_per_pixel_formula(context, mode, shape, options, dtype) -> None:
    x = random(shape, dtype)
    y = run(context, lambda b, a: b.resample2d(a, {"mode": mode, **options}), x)
    axes = tuple(options.get("axes", (2, 3)))
    sizes = options.get("sizes") or [math.floor(shape[a] * np.float32(s)) for a, s in zip(axes, options["scales"])]
    expected = naive_resample2d(x.astype(np.float64), mode, sizes, axes)
    assert y.dtype == x.dtype
    if mode == "nearest-neighbor":
        np.testing.assert_array_equal(y, expected.astype(dtype))
    elif dtype in ("uint8", "int8"):
        # Integer results are rounded to the nearest integer.
        assert np.abs(y.astype(np.float64) - expected).max() <= 0.5 + 1e-4
    else:
        np.testing.assert_allclose(y, expected, rtol=1e-3 if dtype == "float16" else 1e-5, atol=1e-2 if dtype == "float16" else 1e-4)


@pytest.mark.parametrize("dtype", ["uint8", "int8"])
def test_resample2d_linear_integer_ties_round_to_even(context, dtype) -> None:
    # 2 -> 3 along the width: the middle output is the mean of a pair, (a + b) / 2, computed in
    # float32 and rounded half to even, so that odd sums land on the even neighbour.
    info = np.iinfo(dtype)
    a = np.arange(info.min, info.max, dtype=np.int64)
    pairs = np.stack([a, a + 1], axis=-1).astype(dtype)  # every sum a + (a + 1) is odd
    x = pairs.reshape(1, 1, -1, 2)
    y = run(context, lambda b, v: b.resample2d(v, {"mode": "linear", "sizes": [x.shape[2], 3]}), x)
    mean = np.rint((pairs[:, 0].astype(np.float64) + pairs[:, 1]) / 2).astype(dtype)
    np.testing.assert_array_equal(y[0, 0], np.stack([pairs[:, 0], mean, pairs[:, 1]], axis=-1))


@pytest.mark.parametrize("dtype", DTYPES)
def test_shape_ops_on_scalars_and_constants(context, dtype) -> None:
    # 0-D inputs (graph inputs and constants) keep their 0-D shape through no-op shape ops.
    value = random((), dtype)
    builder = context.create_graph_builder()
    x = builder.input("x", [], dtype)
    c = builder.constant(np.asarray(value))
    outputs = {
        "t": builder.transpose(x), "s": builder.slice(c, [], []), "p": builder.pad(c, [], []),
        "r": builder.reverse(c), "e": builder.expand(c, [2, 1]), "tc": builder.transpose(c),
        "rs": builder.reshape(c, [1, 1]), "ti": builder.tile(c, []),
    }
    graph = builder.build(outputs)
    out = context.compute(graph, {"x": value})
    for name, shape in {"t": (), "s": (), "p": (), "r": (), "e": (2, 1), "tc": (), "rs": (1, 1), "ti": ()}.items():
        assert out[name].shape == shape and out[name].dtype == value.dtype, name
        np.testing.assert_array_equal(out[name], np.broadcast_to(value, shape))


# --------------------------------------------------------------------------- ONNX Runtime graphs

needs_onnxruntime = pytest.mark.skipif(
    "onnxruntime" not in webnn.available_backends(), reason="onnxruntime is not installed"
)


def onnx_ops(make, *descs):
    """The ONNX op types the onnxruntime backend emits for ``make(builder, *inputs)``."""
    context = webnn.ML().create_context(backend="onnxruntime")
    builder = context.create_graph_builder()
    inputs = [builder.input(f"x{i}", shape, dtype) for i, (shape, dtype) in enumerate(descs)]
    result = make(builder, *inputs)
    graph = builder.build({"y": result} if not isinstance(result, list) else {f"y{i}": r for i, r in enumerate(result)})
    return onnx_op_types(graph)


@needs_onnxruntime
@pytest.mark.parametrize(
    "make, descs, expected",
    [
        (lambda b, x: b.reshape(x, [6, 4]), [([2, 3, 4], "float32")], ["Reshape"]),
        (lambda b, x: b.transpose(x), [([2, 3, 4], "float32")], ["Transpose"]),
        (lambda b, x: b.transpose(x, {"permutation": [0, 1, 2]}), [([2, 3, 4], "float32")], ["Identity"]),
        (lambda b, x: b.slice(x, [0, 1], [4, 2], {"strides": [1, 2]}), [([4, 5], "float32")], ["Slice"]),
        (lambda b, x: b.pad(x, [1, 0], [0, 2], {"mode": "reflection"}), [([4, 5], "float32")], ["Pad"]),
        (lambda b, x: b.pad(x, [1, 0], [0, 2]), [([4, 5], "float16")], ["Cast", "Pad", "Cast"]),
        (lambda b, x: b.tile(x, [2, 3]), [([4, 5], "float32")], ["Tile"]),
        (lambda b, x: b.tile(x, [2, 3]), [([4, 5], "float16")], ["Reshape", "Expand", "Reshape"]),
        (lambda b, x: b.reverse(x), [([4, 5], "int8")], ["Slice"]),
        (lambda b, x: b.triangular(x), [([4, 5], "float32")], ["Trilu"]),
        (lambda b, x: b.triangular(x, {"upper": False}), [([4, 5], "uint8")], ["Where"]),
        (lambda b, x: b.resample2d(x, {"scales": [2, 2]}), [([1, 3, 4, 5], "float32")], ["Resize"]),
        (lambda b, x: b.resample2d(x, {"sizes": [2, 10], "mode": "linear"}), [([1, 3, 4, 5], "float32")], ["Resize"]),
        (lambda b, x: b.resample2d(x, {"sizes": [10, 4], "axes": [1, 2], "mode": "linear"}),
         [([1, 5, 2, 3], "float32")], ["Resize"]),
        (lambda b, x: b.resample2d(x, {"sizes": [8, 10], "axes": [0, 3], "mode": "linear"}),
         [([4, 3, 1, 5], "float32")], ["Transpose", "Resize", "Transpose"]),
        # other ratios: float32 weights from the exact coordinates, one axis at a time
        (lambda b, x: b.resample2d(x, {"sizes": [4, 7], "mode": "linear"}), [([1, 3, 4, 5], "float32")],
         ["Gather", "Mul", "Gather", "Mul", "Add"]),
        # ties that float32 arithmetic could tip the other way: the spec's picks, gathered
        (lambda b, x: b.resample2d(x, {"sizes": [6, 7]}), [([1, 3, 4, 14], "float32")], ["Gather", "Gather"]),
    ],
)
def test_onnx_lowering_is_lean(make, descs, expected) -> None:
    assert onnx_ops(make, *descs) == expected
