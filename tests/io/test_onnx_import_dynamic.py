"""ONNX import of values known only at run time: fixed input values (``input_values=``), the
operands that WebNN takes as options but a model computes (Clip's bounds, Pad's fill, Trilu's k,
OneHot's values, Dropout's training flag), and the refusals of those that fix a shape.

Every model is built here with ``onnx.helper``, run by ONNX Runtime as the reference, and
imported on every backend."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import webnn
from webnn.cache import wait_for_stores

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

from onnx import TensorProto, helper, numpy_helper  # noqa: E402

from webnn.io.onnx_import import import_onnx  # noqa: E402
from webnn.io.onnx_import.cached import import_key  # noqa: E402

N = helper.make_node
FLOAT, INT64 = TensorProto.FLOAT, TensorProto.INT64


def tensor(name: str, elem: int, shape: Any) -> Any:
    return helper.make_tensor_value_info(name, elem, shape)


def model(nodes: list[Any], inputs: list[Any], outputs: list[Any], initializers: dict[str, np.ndarray] | None = None,
          opset: int = 17) -> Any:
    graph = helper.make_graph(nodes, "g", inputs, outputs,
                              [numpy_helper.from_array(np.asarray(a), n) for n, a in (initializers or {}).items()])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


def reference(proto: Any, feeds: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    options = ort.SessionOptions()
    options.log_severity_level = 3
    session = ort.InferenceSession(proto.SerializeToString(), options, providers=["CPUExecutionProvider"])
    return dict(zip([o.name for o in session.get_outputs()], session.run(None, feeds)))


def assert_same(expected: dict[str, np.ndarray], actual: dict[str, np.ndarray], atol: float = 0.0) -> None:
    """Same names, shapes, dtypes (bool as uint8) and values, NaN where NaN, signed zeros kept
    (``atol`` 0: bit for bit but for NaN payloads)."""
    assert sorted(actual) == sorted(expected)
    for name, want in expected.items():
        got = actual[name]
        if want.dtype == np.bool_:
            want = want.astype(np.uint8)
        assert got.shape == want.shape and got.dtype == want.dtype, name
        if atol:
            np.testing.assert_allclose(got, want, rtol=0, atol=atol, err_msg=name)
        else:
            np.testing.assert_array_equal(got, want, err_msg=name)
            if want.dtype.kind == "f":
                np.testing.assert_array_equal(np.signbit(got), np.signbit(want), err_msg=name)


def check(proto: Any, feeds: dict[str, np.ndarray], context: webnn.MLContext, atol: float = 0.0,
          **options: Any) -> webnn.MLGraph:
    """Import ``proto`` (with ``options``) and compare it with ONNX Runtime on the same feeds;
    the inputs that ``input_values`` fixes are fed to ONNX Runtime only."""
    graph = webnn.load_onnx(proto, context, **options)
    fixed = options.get("input_values") or {}
    assert set(graph.input_names) <= {n for n in feeds if n not in fixed}  # (an input nothing reads is dropped)
    actual = context.compute(graph, {n: feeds[n] for n in graph.input_names})
    assert_same(reference(proto, feeds), actual, atol)
    return graph


# --------------------------------------------------------------------------- input_values


def mode_model() -> Any:
    """y = x * scale[mode], where the mode picks a row of a table (and so a constant once fixed)."""
    nodes = [N("Gather", ["table", "mode"], ["scale"]), N("Mul", ["x", "scale"], ["y"])]
    return model(nodes, [tensor("x", FLOAT, [2, 3]), tensor("mode", INT64, [])], [tensor("y", FLOAT, None)],
                 {"table": np.array([[1, 2, 3], [-1, 0.5, 4]], np.float32)})


@pytest.mark.parametrize("mode", [0, 1])
def test_a_fixed_input_becomes_a_constant(mode: int, context: webnn.MLContext) -> None:
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    graph = check(mode_model(), {"x": x, "mode": np.array(mode, np.int64)}, context, input_values={"mode": mode})
    assert graph.input_names == ["x"]
    assert "gather" not in [op.type for op in graph.ir.operations]  # the table row was folded


@pytest.mark.parametrize("value", [1, 1.0, np.int32(1), np.array(1, np.uint8), [1][0], True])
def test_values_are_converted_to_the_input_type(value: Any, context: webnn.MLContext) -> None:
    x = np.ones((2, 3), np.float32)
    graph = webnn.load_onnx(mode_model(), context, input_values={"mode": value})
    np.testing.assert_array_equal(context.compute(graph, {"x": x})["y"], x * np.float32([-1, 0.5, 4]))


def test_free_dimensions_take_the_value_shape(context: webnn.MLContext) -> None:
    nodes = [N("ReduceSum", ["weights"], ["total"], keepdims=0), N("Mul", ["x", "total"], ["y"])]
    proto = model(nodes, [tensor("x", FLOAT, [3]), tensor("weights", FLOAT, ["n"])], [tensor("y", FLOAT, None)])
    weights = [0.5, 0.25, 2.0, 1.0]
    check(proto, {"x": np.float32([1, 2, 3]), "weights": np.float32(weights)}, context,
          input_values={"weights": weights})
    check(proto, {"x": np.float32([1, 2, 3]), "weights": np.float32([3])}, context,
          input_values={"weights": np.float32([3])}, input_shapes={"weights": [1]})


@pytest.mark.parametrize("elem, value", [
    (TensorProto.BOOL, [True, False]), (TensorProto.FLOAT16, [1.5, -2.0]), (TensorProto.UINT8, [0, 255]),
    (TensorProto.INT32, [-7, 9]), (TensorProto.DOUBLE, [0.1, 2.5]),
])
def test_fixed_values_of_each_type(elem: int, value: list[Any], context: webnn.MLContext) -> None:
    """A fixed input of a type WebNN lacks (double) is fine: it only feeds folding."""
    nodes = [N("Cast", ["v"], ["f"], to=FLOAT), N("Add", ["x", "f"], ["y"])]
    proto = model(nodes, [tensor("x", FLOAT, [2]), tensor("v", elem, [2])], [tensor("y", FLOAT, None)])
    array = np.array(value, helper.tensor_dtype_to_np_dtype(elem))
    check(proto, {"x": np.float32([1, 2]), "v": array}, context, input_values={"v": value})


def test_a_fixed_graph_output_and_import_onto_a_builder(context: webnn.MLContext) -> None:
    nodes = [N("Identity", ["mode"], ["same"]), N("Gather", ["table", "mode"], ["scale"]), N("Mul", ["x", "scale"], ["y"])]
    proto = model(nodes, [tensor("x", FLOAT, [2, 3]), tensor("mode", INT64, [])],
                  [tensor("y", FLOAT, None), tensor("same", INT64, None)], {"table": np.ones((2, 3), np.float32)})
    check(proto, {"x": np.ones((2, 3), np.float32), "mode": np.array(1, np.int64)}, context,
          input_values={"mode": 1})
    builder = context.create_graph_builder()
    outputs = import_onnx(proto, builder, input_values={"mode": 0})
    assert builder.input_names == ["x"] and sorted(outputs) == ["same", "y"]


def test_an_initializer_listed_as_input_can_be_fixed(context: webnn.MLContext) -> None:
    """An input with a default value (an initializer of the same name) takes the fixed value."""
    nodes = [N("Mul", ["x", "gain"], ["y"])]
    proto = model(nodes, [tensor("x", FLOAT, [2]), tensor("gain", FLOAT, [])], [tensor("y", FLOAT, None)],
                  {"gain": np.float32(2)})
    proto.ir_version = 3
    x = np.float32([1, -3])
    graph = webnn.load_onnx(proto, context, input_values={"gain": 5})
    assert graph.input_names == ["x"]
    np.testing.assert_array_equal(context.compute(graph, {"x": x})["y"], x * 5)


@pytest.mark.parametrize("values, message", [
    ({"nope": 1}, r"input_values names 'nope', which the model has no input called; its inputs: \['x', 'mode'\]"),
    ({"mode": 1.5}, r"input_values\['mode'\]: 1.5 is not a whole number, as ONNX type int64 needs"),
    ({"mode": float("nan")}, r"input_values\['mode'\]: nan is not a whole number"),
    ({"mode": 2**63}, r"input_values\['mode'\]: 9223372036854775808 is out of the range of ONNX type int64"),
    ({"mode": [1]}, r"input_values\['mode'\] has shape \[1\], which does not fit the input's declared shape \[\]"),
    ({"mode": "1"}, r"input_values\['mode'\] must be a number, a list of numbers or a NumPy array, got str"),
    ({"mode": [[1], [1, 2]]}, r"input_values\['mode'\] is not an array of numbers"),
    ({"mode": 1j}, r"input_values\['mode'\] must hold numbers \(bool, integer or float\), got complex128"),
    ({"mode": None}, r"input_values\['mode'\] must be a number"),
    ({3: 1}, "input_values: the input name 3 is not a string"),
])
def test_bad_input_values_name_the_input(values: dict[Any, Any], message: str, context: webnn.MLContext) -> None:
    with pytest.raises(TypeError, match=message):
        webnn.load_onnx(mode_model(), context, input_values=values)


@pytest.mark.parametrize("elem, value, message", [
    (TensorProto.UINT8, 256, "256 is out of the range of ONNX type uint8 \\(0 to 255\\)"),
    (TensorProto.UINT8, -1, "-1 is out of the range of ONNX type uint8"),
    (TensorProto.INT8, 2.0**7, "128 is out of the range of ONNX type int8"),
    (TensorProto.BOOL, 2, "2 is not a bool"),
    (TensorProto.FLOAT16, 1e6, "1000000.0 is out of the range of ONNX type float16"),
    (TensorProto.STRING, 1, "the input has ONNX type string, which a fixed value cannot have"),
])
def test_values_that_do_not_fit_the_type(elem: int, value: Any, message: str, context: webnn.MLContext) -> None:
    proto = model([N("Identity", ["x"], ["y"])], [tensor("x", FLOAT, [1]), tensor("v", elem, [])],
                  [tensor("y", FLOAT, None)])
    with pytest.raises(TypeError, match=r"input_values\['v'\]: " + message):
        webnn.load_onnx(proto, context, input_values={"v": value})


def test_fixed_value_and_input_shapes_must_agree(context: webnn.MLContext) -> None:
    proto = model([N("Identity", ["x"], ["y"])], [tensor("x", FLOAT, ["n"])], [tensor("y", FLOAT, None)])
    with pytest.raises(TypeError, match=r"input_values\['x'\] has shape \[2\], but input_shapes\['x'\] is \[3\]"):
        webnn.load_onnx(proto, context, input_shapes={"x": [3]}, input_values={"x": [1, 2]})
    with pytest.raises(TypeError, match=r"does not fit the input's declared shape \[n\]"):
        webnn.load_onnx(proto, context, input_values={"x": [[1, 2]]})


def test_different_values_never_share_a_cache_key() -> None:
    context = webnn.ML().create_context(backend="onnxruntime")
    data = model([N("Identity", ["x"], ["y"])], [tensor("x", FLOAT, [1])], [tensor("y", FLOAT, None)]).SerializeToString()
    keys = [import_key(data, context, None, None, values) for values in (
        None, {"m": 1}, {"m": 2}, {"m": np.int32(1)}, {"m": [1, 2]}, {"m": [[1, 2]]}, {"m": 1.0}, {"n": 1},
        {"m": 1, "n": 1})]
    if keys[0] is None:
        pytest.skip("this backend has no cache identity")
    assert len(set(keys)) == len(keys)
    assert import_key(data, context, None, None, {"m": 1}) == keys[1]


def test_the_cache_keeps_fixed_values_apart(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Large enough to be cached: each value is its own entry, and a hit gives its own results."""
    monkeypatch.setenv("WEBNN_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("WEBNN_CACHE", raising=False)
    table = np.random.default_rng(0).standard_normal((4, 8192)).astype(np.float32)
    nodes = [N("Gather", ["table", "mode"], ["row"]), N("Mul", ["x", "row"], ["y"])]
    data = model(nodes, [tensor("x", FLOAT, [8192]), tensor("mode", INT64, [])], [tensor("y", FLOAT, None)],
                 {"table": table}).SerializeToString()
    context = webnn.ML().create_context(backend="onnxruntime")
    x = np.linspace(-1, 1, 8192, dtype=np.float32)
    seen = []
    for mode in (1, 2, 1, 2):
        graph = webnn.load_onnx(data, context, input_values={"mode": mode})
        wait_for_stores()
        seen.append(graph.from_cache)
        np.testing.assert_array_equal(context.compute(graph, {"x": x})["y"], x * table[mode])
    if context._backend.cache is None:
        pytest.skip("the cache is off")
    assert seen == [False, False, True, True]


# --------------------------------------------------------------------------- Clip


SPECIALS = np.array([np.nan, -np.inf, -3, 0, 2, 5, np.inf, -0.0], np.float32)


@pytest.mark.parametrize("low, high", [(-1, 1), (1, -1), (np.nan, 1), (-1, np.nan), (np.nan, np.nan), (0, 0),
                                       (0.0, -0.0), (-np.inf, np.inf), (2, 2)])
@pytest.mark.parametrize("dtype", [np.float32, np.float16])
def test_clip_bounds_computed_at_run_time(low: float, high: float, dtype: Any, context: webnn.MLContext) -> None:
    """As ONNX Runtime: NaN inputs stay NaN, min > max gives max, a NaN bound bounds nothing."""
    proto = model([N("Clip", ["x", "lo", "hi"], ["y"])],
                  [tensor("x", helper.np_dtype_to_tensor_dtype(np.dtype(dtype)), [8])] +
                  [tensor(n, helper.np_dtype_to_tensor_dtype(np.dtype(dtype)), []) for n in ("lo", "hi")],
                  [tensor("y", helper.np_dtype_to_tensor_dtype(np.dtype(dtype)), None)])
    feeds = {"x": SPECIALS.astype(dtype), "lo": np.array(low, dtype), "hi": np.array(high, dtype)}
    check(proto, feeds, context)
    check(proto, feeds, context, input_values={"lo": low, "hi": high})  # constant bounds


@pytest.mark.parametrize("dtype", [np.int32, np.int64, np.uint8, np.int8])
def test_clip_integer_bounds_computed_at_run_time(dtype: Any, context: webnn.MLContext) -> None:
    elem = helper.np_dtype_to_tensor_dtype(np.dtype(dtype))
    proto = model([N("Clip", ["x", "lo", "hi"], ["y"])],
                  [tensor("x", elem, [5]), tensor("lo", elem, []), tensor("hi", elem, [])], [tensor("y", elem, None)])
    x = np.array([0, 3, 7, 100, 12], dtype)
    for low, high in ((3, 12), (12, 3)):
        check(proto, {"x": x, "lo": np.array(low, dtype), "hi": np.array(high, dtype)}, context)


def test_clip_of_an_audio_front_end(context: webnn.MLContext) -> None:
    """log-mel floor: Clip(x, min=ReduceMax(x) - 80), the bound computed from the data; one bound
    only, of shape [1] (Clip accepts one-element bounds)."""
    nodes = [
        N("ReduceMax", ["x"], ["peak"], keepdims=0),
        N("Sub", ["peak", "range"], ["floor"]),
        N("Reshape", ["floor", "one"], ["floor1"]),
        N("Clip", ["x", "floor1"], ["y"]),
        N("Clip", ["x", "", "floor"], ["z"]),
    ]
    proto = model(nodes, [tensor("x", FLOAT, [2, 40])], [tensor("y", FLOAT, None), tensor("z", FLOAT, None)],
                  {"range": np.float32(80), "one": np.array([1], np.int64)})
    x = np.random.default_rng(3).uniform(-200, 10, (2, 40)).astype(np.float32)
    check(proto, {"x": x}, context)


def test_clip_constant_min_above_max_keeps_nan(context: webnn.MLContext) -> None:
    proto = model([N("Clip", ["x", "lo", "hi"], ["y"])], [tensor("x", FLOAT, [8])], [tensor("y", FLOAT, None)],
                  {"lo": np.float32(1), "hi": np.float32(-1)})
    check(proto, {"x": SPECIALS}, context)


# --------------------------------------------------------------------------- Pad, Trilu, OneHot, Dropout


@pytest.mark.parametrize("fill", [7.5, np.nan, -np.inf, -0.0])
def test_pad_value_computed_at_run_time(fill: float, context: webnn.MLContext) -> None:
    nodes = [N("Pad", ["x", "pads", "value"], ["y"], mode="constant")]
    proto = model(nodes, [tensor("x", FLOAT, [2, 3]), tensor("value", FLOAT, [])], [tensor("y", FLOAT, None)],
                  {"pads": np.array([1, 0, 0, 2], np.int64)})
    x = np.array([[1, np.nan, 3], [4, -0.0, 6]], np.float32)
    check(proto, {"x": x, "value": np.array(fill, np.float32)}, context)


def test_pad_value_computed_at_run_time_with_a_crop_and_ints(context: webnn.MLContext) -> None:
    nodes = [N("ReduceMax", ["x"], ["top"], keepdims=0), N("Pad", ["x", "pads", "top"], ["y"])]
    proto = model(nodes, [tensor("x", TensorProto.INT32, [3, 4])], [tensor("y", TensorProto.INT32, None)],
                  {"pads": np.array([-1, 2, 1, -1], np.int64)})
    check(proto, {"x": np.arange(12, dtype=np.int32).reshape(3, 4) - 5}, context)


@pytest.mark.parametrize("upper", [0, 1])
@pytest.mark.parametrize("k", [-5, -1, 0, 2, 9])
def test_trilu_k_computed_at_run_time(upper: int, k: int, context: webnn.MLContext) -> None:
    proto = model([N("Trilu", ["x", "k"], ["y"], upper=upper)], [tensor("x", FLOAT, [2, 3, 4]), tensor("k", INT64, [])],
                  [tensor("y", FLOAT, None)])
    x = np.random.default_rng(abs(k)).standard_normal((2, 3, 4)).astype(np.float32)
    x[0, 0, 3] = np.nan
    check(proto, {"x": x, "k": np.array(k, np.int64)}, context)


def test_one_hot_values_computed_at_run_time(context: webnn.MLContext) -> None:
    nodes = [N("OneHot", ["indices", "depth", "values"], ["y"], axis=0)]
    proto = model(nodes, [tensor("indices", INT64, [4]), tensor("values", FLOAT, [2])], [tensor("y", FLOAT, None)],
                  {"depth": np.array(3, np.int64)})
    check(proto, {"indices": np.array([0, 2, -1, 1], np.int64), "values": np.float32([-2, 5])}, context)


def test_dropout_training_flag_computed_at_run_time(context: webnn.MLContext) -> None:
    """With a ratio of 0 Dropout is the identity even when training (mask all true); with another
    ratio a run-time flag is refused."""
    nodes = [N("Dropout", ["x", "ratio", "training"], ["y", "mask"])]
    inputs = [tensor("x", FLOAT, [2, 3]), tensor("training", TensorProto.BOOL, [])]
    outputs = [tensor("y", FLOAT, None), tensor("mask", TensorProto.BOOL, None)]
    x = np.random.default_rng(0).standard_normal((2, 3)).astype(np.float32)
    for training in (False, True):
        check(model(nodes, inputs, outputs, {"ratio": np.float32(0)}), {"x": x, "training": np.array(training)},
              context)
    with pytest.raises(webnn.NotSupportedError, match="training_mode .* must be a constant .* from the graph input "
                                                      "'training'; if such an input is a setting"):
        webnn.load_onnx(model(nodes, inputs, outputs, {"ratio": np.float32(0.5)}), context)
    check(model(nodes, inputs, outputs, {"ratio": np.float32(0.5)}), {"x": x, "training": np.array(False)},
          context, input_values={"training": False})


# --------------------------------------------------------------------------- refusals


def _refusal(nodes: list[Any], inputs: list[Any], message: str, context: webnn.MLContext,
             initializers: dict[str, np.ndarray] | None = None, opset: int = 17) -> None:
    proto = model(nodes, inputs, [tensor("y", FLOAT, None)], initializers, opset)
    with pytest.raises(webnn.NotSupportedError, match=message):
        webnn.load_onnx(proto, context)


HINT = r"; if such an input is a setting rather than data, fixing its value at import with input_values="


def test_slice_bounds_computed_at_run_time_are_refused(context: webnn.MLContext) -> None:
    _refusal([N("Slice", ["x", "start", "end"], ["y"], name="cut")],
             [tensor("x", FLOAT, [5]), tensor("start", INT64, [1])],
             r"node 'cut' \(Slice\): starts \(input 1, 'start'\) must be a constant \(or fold to one once the input "
             r"shapes are known\), but it is computed at run time from the graph input 'start'" + HINT,
             context, {"end": np.array([4], np.int64)})


def test_cumsum_axis_computed_at_run_time_is_refused(context: webnn.MLContext) -> None:
    _refusal([N("Abs", ["a"], ["axis"]), N("CumSum", ["x", "axis"], ["y"])],
             [tensor("x", FLOAT, [2, 3]), tensor("a", INT64, [])],
             r"axis \(input 1, 'axis'\) must be a constant .* from the graph input 'a'" + HINT, context)


def test_resize_scales_computed_at_run_time_are_refused(context: webnn.MLContext) -> None:
    _refusal([N("Resize", ["x", "", "scales"], ["y"])], [tensor("x", FLOAT, [1, 1, 2, 2]), tensor("scales", FLOAT, [4])],
             r"scales \(input 2, 'scales'\) must be a constant .* from the graph input 'scales'", context)


def test_topk_k_and_range_computed_at_run_time_are_refused(context: webnn.MLContext) -> None:
    _refusal([N("TopK", ["x", "k"], ["y", "i"])], [tensor("x", FLOAT, [4]), tensor("k", INT64, [1])],
             r"k \(input 1, 'k'\) must be a constant .* from the graph input 'k'", context)
    _refusal([N("Range", ["zero", "n", "one"], ["r"]), N("Cast", ["r"], ["y"], to=FLOAT)],
             [tensor("n", FLOAT, [])],
             r"Range has no WebNN equivalent and is only supported when its inputs are constants \(folded at "
             r"import\), but \['n'\] are computed at run time from the graph input 'n'" + HINT, context,
             {"zero": np.float32(0), "one": np.float32(1)})


def test_slice_bounds_from_a_fixed_input_fold(context: webnn.MLContext) -> None:
    proto = model([N("Slice", ["x", "start", "end"], ["y"])], [tensor("x", FLOAT, [5]), tensor("start", INT64, [1])],
                  [tensor("y", FLOAT, None)], {"end": np.array([4], np.int64)})
    graph = webnn.load_onnx(proto, context, input_values={"start": [1]})
    np.testing.assert_array_equal(context.compute(graph, {"x": np.arange(5, dtype=np.float32)})["y"], [1, 2, 3])


def test_a_shape_from_a_fixed_input_folds(context: webnn.MLContext) -> None:
    """Reshape to a shape given as an input: refused as such, imported once the input is fixed."""
    proto = model([N("Reshape", ["x", "shape"], ["y"])], [tensor("x", FLOAT, [6]), tensor("shape", INT64, [2])],
                  [tensor("y", FLOAT, None)])
    with pytest.raises(webnn.NotSupportedError, match=r"from the graph input 'shape'" + HINT):
        webnn.load_onnx(proto, context)
    check(proto, {"x": np.arange(6, dtype=np.float32), "shape": np.array([3, 2], np.int64)}, context,
          input_values={"shape": [3, 2]})
