"""The public API: contexts, builders, graphs, compute, tensors, errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

import webnn
from webnn import InvalidStateError, NotSupportedError, WebNNError


@pytest.fixture
def context() -> webnn.MLContext:
    return webnn.ML().create_context(backend="reference")


@pytest.fixture
def builder(context) -> webnn.MLGraphBuilder:
    return context.create_graph_builder()


# ----------------------------------------------------------------------------- contexts


def test_create_context_defaults() -> None:
    context = webnn.ML().create_context()
    assert context.backend in webnn.available_backends()
    assert context.power_preference == "default"
    assert context.accelerated is False  # the reference backend runs on the CPU
    assert context.device_type == "cpu"


def test_create_context_accepts_spec_options_dict() -> None:
    context = webnn.ML().create_context({"powerPreference": "low-power", "accelerated": False})
    assert context.power_preference == "low-power"


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"power_preference": "fast"}, "power_preference must be one of default, high-performance, low-power"),
        ({"device_type": "tpu"}, "device_type must be one of cpu, gpu, npu"),
        ({"accelerated": "yes"}, "accelerated must be a bool"),
        ({"backend": "tensorflow"}, "backend must be one of onnxruntime, openvino, litert, coreml, reference"),
    ],
)
def test_create_context_rejects_bad_options(kwargs, match) -> None:
    with pytest.raises(TypeError, match=match):
        webnn.ML().create_context(**kwargs)


def test_backend_from_environment(monkeypatch) -> None:
    monkeypatch.setenv("WEBNN_BACKEND", "reference")
    assert webnn.ML().create_context().backend == "reference"
    monkeypatch.setenv("WEBNN_BACKEND", "nope")
    with pytest.raises(TypeError, match="WEBNN_BACKEND must be one of onnxruntime, openvino, litert, coreml, reference, auto, got 'nope'"):
        webnn.ML().create_context()


def test_known_but_missing_backend_is_not_supported(monkeypatch) -> None:
    from webnn import backends

    monkeypatch.setitem(backends.BACKENDS, "fake", ("nowhere", "Fake", ("a_package_that_is_not_installed",)))
    with pytest.raises(NotSupportedError, match="backend 'fake' is not installed"):
        webnn.ML().create_context(backend="fake")


def test_error_hierarchy() -> None:
    for cls in (webnn.InvalidStateError, webnn.OperationError, webnn.NotSupportedError, webnn.UnknownError):
        assert issubclass(cls, WebNNError)
    assert not issubclass(TypeError, WebNNError)


# ----------------------------------------------------------------------------- builder inputs and constants


def test_input_forms(builder) -> None:
    a = builder.input("a", [2, 3])
    b = builder.input("b", {"dataType": "int32", "shape": [4]})
    c = builder.input("c", [5], "float16")
    s = builder.input("s", [])
    assert (a.data_type, a.shape) == ("float32", [2, 3])
    assert (b.data_type, b.shape) == ("int32", [4])
    assert (c.data_type, c.shape) == ("float16", [5])
    assert s.shape == [] and s.rank == 0
    assert a.name == "a"


@pytest.mark.parametrize(
    "args, match",
    [
        (("", [1]), "name must be a non-empty string"),
        (("x", [0, 2]), "dimension 0 in shape \\[0, 2\\] is not a valid dimension"),
        (("x", [-1]), "is not a valid dimension"),
        (("x", [2**31]), "is not a valid dimension"),
        (("x", [2**16, 2**16]), "elements, more than"),
        (("x", [1] * 9), "rank 9 exceeds the maximum rank 8"),
        (("x", [2], "float64"), "data type 'float64' is not one of"),
        (("x", {"shape": [2]}), "descriptor needs 'dataType' and 'shape'"),
        (("x", [1.5]), "must hold integers"),
    ],
)
def test_input_rejects_bad_descriptors(builder, args, match) -> None:
    with pytest.raises(TypeError, match=match):
        builder.input(*args)


def test_input_names_are_unique(builder) -> None:
    builder.input("x", [1])
    with pytest.raises(TypeError, match="an input named 'x' already exists"):
        builder.input("x", [1])


def test_constant_forms(builder) -> None:
    a = builder.constant(np.arange(6, dtype=np.int64).reshape(2, 3))
    assert (a.data_type, a.shape) == ("int64", [2, 3])
    b = builder.constant({"dataType": "float32", "shape": [2, 2]}, np.ones(4, np.float32))
    assert b.shape == [2, 2]
    c = builder.constant({"dataType": "float16", "shape": [2]}, np.array([1, 2], np.float16).tobytes())
    assert c.data_type == "float16"
    d = builder.constant("uint8", 300)  # the spec's cast saturates
    assert (d.data_type, d.shape) == ("uint8", [])
    e = builder.constant([1.0, 2.0, 3.0])
    assert (e.data_type, e.shape) == ("float32", [3])
    f = builder.constant([1, 2, 3], data_type="int32")
    assert f.data_type == "int32"
    g = builder.constant(np.array([True, False]))
    assert g.data_type == "uint8"


@pytest.mark.parametrize(
    "args, kwargs, match",
    [
        ((np.ones(3),), {}, "dtype float64 is not a WebNN data type"),
        (({"dataType": "float32", "shape": [2]}, np.ones(3, np.float32)), {}, "array has 3 elements"),
        (({"dataType": "float32", "shape": [2]}, b"\0" * 7), {}, "buffer has 7 bytes, descriptor float32\\[2\\] needs 8"),
        (({"dataType": "float32", "shape": [2]}, np.ones(2, np.int32)), {}, "array dtype int32 does not match"),
        (("int8", "3"), {}, "value must be a number"),
        (([1, 2, 300],), {"data_type": "int8"}, "value 300 does not fit int8"),
        (([1.5],), {"data_type": "int32"}, "value 1.5 does not fit int32"),
        (("a", "b", "c"), {}, "constant: values must be numbers"),
    ],
)
def test_constant_rejects_bad_input(builder, args, kwargs, match) -> None:
    with pytest.raises(TypeError, match=match):
        builder.constant(*args, **kwargs)


#: Python values that the declared data type cannot hold: (data type, values, message).
UNFIT_VALUES = [
    ("uint8", [300.0], r"value 300\.0 does not fit uint8 \(integers from 0 to 255\)"),
    ("uint8", [1, -1], r"value -1 does not fit uint8"),
    ("int8", [[1], [128]], r"value 128 does not fit int8"),
    ("int32", [float("nan")], r"value nan does not fit int32"),
    ("int32", [float("inf")], r"value inf does not fit int32"),
    ("int32", [2.5], r"value 2\.5 does not fit int32"),
    ("uint64", [2**64], r"value 18446744073709551616 does not fit uint64"),
    ("uint64", [float(2**64)], r"does not fit uint64"),
    ("int64", [2**63], r"value 9223372036854775808 does not fit int64"),
    ("int4", [8], r"value 8 does not fit int4"),
    ("float16", [70000.0], r"value 70000\.0 is too large for float16"),
    ("float32", [1e39], r"value 1e\+39 is too large for float32"),
    ("float32", [10**400], r"too large for float32"),
]


@pytest.mark.parametrize("data_type, values, match", UNFIT_VALUES)
def test_values_that_do_not_fit_the_data_type_are_refused(context, data_type, values, match) -> None:
    """Lists and scalars are never wrapped or saturated silently: constant, compute and write_tensor."""
    desc = {"dataType": data_type, "shape": list(np.shape(values))}
    builder = context.create_graph_builder()
    with pytest.raises(TypeError, match=match):
        builder.constant(desc, values)
    x = builder.input("x", desc)
    graph = builder.build({"y": builder.cast(x, "float32")})
    with pytest.raises(TypeError, match=match):
        context.compute(graph, {"x": values})
    tensor = context.create_tensor(desc, writable=True)
    with pytest.raises(TypeError, match=match):
        context.write_tensor(tensor, values)


@pytest.mark.parametrize("data_type, values, expected", [
    ("uint8", [0, 255, 7.0, True], [0, 255, 7, 1]),
    ("uint64", [2**64 - 1], [2**64 - 1]),
    ("int64", [-(2**63)], [-(2**63)]),
    ("float32", [float("inf"), float("-inf"), 3.4e38], [np.inf, -np.inf, np.float32(3.4e38)]),
    ("float16", [65504.0, 65519.0, 1e-8], [65504, 65504, 0]),  # rounding to the nearest float16 is not overflow
])
def test_values_that_fit_are_taken_exactly(context, data_type, values, expected) -> None:
    builder = context.create_graph_builder()
    operand = builder.constant({"dataType": data_type, "shape": [len(values)]}, values)
    array = builder._constants[operand._id]
    np.testing.assert_array_equal(array, np.array(expected, dtype=array.dtype))


def test_arrays_of_the_declared_dtype_are_taken_as_they_are(context) -> None:
    builder = context.create_graph_builder()
    x = builder.input("x", [3], "uint8")
    graph = builder.build({"y": builder.identity(x)})
    data = np.array([0, 200, 255], np.uint8)
    np.testing.assert_array_equal(context.compute(graph, {"x": data})["y"], data)
    values = np.array([np.inf, np.nan, -0.0], np.float32)
    builder = context.create_graph_builder()
    constant = builder.constant(values)
    np.testing.assert_array_equal(builder._constants[constant._id], values)


@pytest.mark.parametrize("value", [[[1, 2], [3]], [[1.0], 2.0], [1, "a"], [None]])
def test_ragged_or_non_numeric_lists_are_type_errors(context, value) -> None:
    builder = context.create_graph_builder()
    with pytest.raises(TypeError, match="constant: "):
        builder.constant(value)
    with pytest.raises(TypeError, match="constant: "):
        builder.constant({"dataType": "float32", "shape": [3]}, value)
    x = builder.input("x", [3], "float32")
    graph = builder.build({"y": builder.identity(x)})
    with pytest.raises(TypeError, match="compute: input 'x'"):
        context.compute(graph, {"x": value})


def test_constant_copies_the_data(context, builder) -> None:
    data = np.ones(2, np.float32)
    c = builder.constant(data)
    data[:] = 5
    x = builder.input("x", [2])
    graph = builder.build({"y": builder.add(x, c)})
    np.testing.assert_array_equal(context.compute(graph, {"x": np.zeros(2, np.float32)})["y"], [1, 1])


# ----------------------------------------------------------------------------- op calls


def test_js_options_dict_and_keywords_agree(context) -> None:
    results = []
    for style in ("dict", "kwargs"):
        builder = context.create_graph_builder()
        x = builder.input("x", [1, 2, 3])
        if style == "dict":
            y = builder.reduce_sum(x, {"axes": [2], "keepDimensions": True, "label": "s"})
        else:
            y = builder.reduce_sum(x, axes=[2], keep_dimensions=True, label="s")
        graph = builder.build({"y": y})
        assert graph.ir.operations[0].attrs["axes"] == (2,)
        results.append(context.compute(graph, {"x": np.arange(6, dtype=np.float32).reshape(1, 2, 3)})["y"])
    np.testing.assert_array_equal(results[0], results[1])
    np.testing.assert_array_equal(results[0], [[[3], [12]]])


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda b, x: b.relu(x, {"bogus": 1}), "relu: unknown options argument 'bogus'"),
        (lambda b, x: b.relu(x, bogus=1), "relu: unknown keyword argument 'bogus'"),
        (lambda b, x: b.relu(x, 5), "relu: the argument after input must be an options dict, got int"),
        (lambda b, x: b.add(x), "add: missing required argument 'b'"),
        (lambda b, x: b.add(x, x, {}, 4), "add: takes 2 positional arguments"),
        (lambda b, x: b.relu(x, label=3), "relu: label must be a string"),
        (lambda b, x: b.relu(np.ones(2)), "relu: input must be an MLOperand, got ndarray"),
        (lambda b, x: b.relu(x, {"input": x}), "relu: argument 'input' given more than once"),
    ],
)
def test_bad_calls_raise_type_error_naming_the_op(builder, call, match) -> None:
    x = builder.input("x", [2])
    with pytest.raises(TypeError, match=match):
        call(builder, x)


def test_operands_from_another_builder_are_rejected(context, builder) -> None:
    other = context.create_graph_builder().input("x", [2])
    with pytest.raises(TypeError, match="add 'plus': b belongs to another MLGraphBuilder"):
        builder.add(builder.input("x", [2]), other, label="plus")


def test_label_is_sanitized_in_messages(builder) -> None:
    a = builder.input("a", [2])
    b = builder.input("b", [3])
    with pytest.raises(TypeError) as info:
        builder.add(a, b, label="evil\u202eabc")
    assert "\u202e" not in str(info.value)
    assert "evil\\u202eabc" in str(info.value)


# ----------------------------------------------------------------------------- build


def test_build_rules(context) -> None:
    builder = context.create_graph_builder()
    x = builder.input("x", [2])
    c = builder.constant(np.ones(2, np.float32))
    with pytest.raises(TypeError, match="outputs must not be empty"):
        builder.build({})
    with pytest.raises(TypeError, match="output 'x' is a graph input"):
        builder.build({"x": x})
    with pytest.raises(TypeError, match="output 'c' is a graph constant"):
        builder.build({"c": c})
    with pytest.raises(TypeError, match="output names must be non-empty"):
        builder.build({"": builder.relu(x)})
    graph = builder.build({"y": builder.add(x, c)})
    with pytest.raises(InvalidStateError, match="already built"):
        builder.build({"z": x})
    with pytest.raises(InvalidStateError):
        builder.input("w", [1])
    with pytest.raises(InvalidStateError):
        builder.relu(x)
    assert graph.input_names == ["x"] and graph.output_names == ["y"]
    assert graph.input_descriptors["x"].to_dict() == {"dataType": "float32", "shape": [2]}
    assert graph.get_output_names() == ["y"] and graph.operation_count == 1


def test_build_keeps_only_what_the_outputs_need(context) -> None:
    builder = context.create_graph_builder()
    x = builder.input("x", [2])
    unused = builder.input("unused", [3])
    builder.relu(unused)
    graph = builder.build({"y": builder.relu(x)})
    assert graph.input_names == ["x"]
    assert graph.operation_count == 1
    with pytest.raises(TypeError, match="unknown \\['unused'\\]"):
        context.compute(graph, {"x": np.zeros(2, np.float32), "unused": np.zeros(3, np.float32)})


# ----------------------------------------------------------------------------- compute


def _graph(context, data_type="float32", shape=(2, 2)):
    builder = context.create_graph_builder()
    x = builder.input("x", list(shape), data_type)
    return builder.build({"y": builder.add(x, x), "z": builder.mul(x, x)})


@pytest.mark.parametrize("data_type", webnn.DATA_TYPES)
def test_compute_keeps_declared_data_types(context, data_type) -> None:
    graph = _graph(context, data_type)
    dtype = np.dtype(data_type)
    x = np.arange(4).reshape(2, 2).astype(dtype)
    out = context.compute(graph, {"x": x})
    assert out["y"].dtype == dtype and out["z"].dtype == dtype
    np.testing.assert_array_equal(out["y"], x + x)


def test_compute_checks_inputs(context) -> None:
    graph = _graph(context)
    with pytest.raises(TypeError, match="missing \\['x'\\]"):
        context.compute(graph, {})
    with pytest.raises(TypeError, match="input 'x' has shape \\[4\\], the graph needs float32\\[2, 2\\]"):
        context.compute(graph, {"x": np.zeros(4, np.float32)})
    with pytest.raises(TypeError, match="array dtype float64 does not match data type float32"):
        context.compute(graph, {"x": np.zeros((2, 2))})
    out = context.compute(graph, {"x": [[1, 2], [3, 4]]})  # Python lists are converted
    np.testing.assert_array_equal(out["y"], [[2, 4], [6, 8]])


def test_compute_into_given_outputs(context) -> None:
    graph = _graph(context)
    y = np.empty((2, 2), np.float32)
    out = context.compute(graph, {"x": np.ones((2, 2), np.float32)}, {"y": y})
    assert out["y"] is y
    np.testing.assert_array_equal(y, 2)
    with pytest.raises(TypeError, match="must be a numpy array of float32\\[2, 2\\]"):
        context.compute(graph, {"x": np.ones((2, 2), np.float32)}, {"y": np.empty(4, np.float32)})
    with pytest.raises(TypeError, match="'w' is not an output"):
        context.compute(graph, {"x": np.ones((2, 2), np.float32)}, {"w": y})


def test_compute_does_not_modify_or_alias_inputs(context) -> None:
    builder = context.create_graph_builder()
    x = builder.input("x", [2, 3])
    graph = builder.build({"y": builder.reshape(x, [3, 2])})
    data = np.arange(6, dtype=np.float32).reshape(2, 3)
    out = context.compute(graph, {"x": data})["y"]
    out[0, 0] = 100
    assert data[0, 0] == 0
    assert data.flags.writeable


def test_graph_from_other_context_and_destroyed_graph(context) -> None:
    graph = _graph(context)
    other = webnn.ML().create_context(backend="reference")
    with pytest.raises(TypeError, match="another context"):
        other.compute(graph, {"x": np.ones((2, 2), np.float32)})
    graph.destroy()
    with pytest.raises(InvalidStateError, match="graph is destroyed"):
        context.compute(graph, {"x": np.ones((2, 2), np.float32)})


# ----------------------------------------------------------------------------- tensors


def test_tensor_round_trip_and_dispatch(context) -> None:
    builder = context.create_graph_builder()
    a = builder.input("A", {"dataType": "float32", "shape": [2, 2]})
    b = builder.input("B", {"dataType": "float32", "shape": [2, 2]})
    k = builder.constant({"dataType": "float32", "shape": [2, 2]}, np.full(4, 0.2, np.float32))
    graph = builder.build({"C": builder.add(builder.mul(a, k), b)})
    ta = context.create_tensor({"dataType": "float32", "shape": [2, 2], "writable": True})
    tb = context.create_tensor({"dataType": "float32", "shape": [2, 2], "writable": True})
    tc = context.create_tensor({"dataType": "float32", "shape": [2, 2], "readable": True})
    context.write_tensor(ta, np.ones((2, 2), np.float32))
    context.write_tensor(tb, np.full(4, 0.8, np.float32).tobytes())
    context.dispatch(graph, {"A": ta, "B": tb}, {"C": tc})
    np.testing.assert_allclose(context.read_tensor(tc), np.ones((2, 2)), rtol=1e-6)
    out = np.empty(4, np.float32)
    context.read_tensor(tc, out)
    np.testing.assert_allclose(out, 1, rtol=1e-6)
    raw = np.empty(16, np.uint8)
    context.read_tensor(tc, raw)
    np.testing.assert_allclose(raw.view(np.float32), 1, rtol=1e-6)


def test_tensor_flags_and_errors(context) -> None:
    spec_style = context.create_tensor({"dataType": "int32", "shape": [3]})
    assert not spec_style.readable and not spec_style.writable
    pywebnn_style = context.create_host_tensor([3], "int32")
    assert pywebnn_style.readable and pywebnn_style.writable
    np.testing.assert_array_equal(context.read_tensor(pywebnn_style), [0, 0, 0])
    with pytest.raises(TypeError, match="not writable"):
        context.write_tensor(spec_style, np.zeros(3, np.int32))
    with pytest.raises(TypeError, match="not readable"):
        context.read_tensor(spec_style)
    with pytest.raises(TypeError, match="buffer has 4 bytes"):
        context.write_tensor(pywebnn_style, b"1234")
    with pytest.raises(TypeError, match="does not match int32\\[3\\]"):
        context.read_tensor(pywebnn_style, np.empty(2, np.int32))
    pywebnn_style.destroy()
    pywebnn_style.destroy()  # idempotent
    with pytest.raises(TypeError, match="destroyed"):
        context.read_tensor(pywebnn_style)


def test_dispatch_validation(context) -> None:
    graph = _graph(context)
    x = context.create_host_tensor([2, 2], "float32")
    y = context.create_host_tensor([2, 2], "float32")
    z = context.create_host_tensor([2, 2], "float32")
    wrong = context.create_host_tensor([4], "float32")
    with pytest.raises(TypeError, match="same tensor is used twice"):
        context.dispatch(graph, {"x": x}, {"y": x, "z": z})
    with pytest.raises(TypeError, match="input 'x' is float32\\[4\\], the graph needs float32\\[2, 2\\]"):
        context.dispatch(graph, {"x": wrong}, {"y": y, "z": z})
    with pytest.raises(TypeError, match="outputs \\['y'\\] do not match"):
        context.dispatch(graph, {"x": x}, {"y": y})
    constant = context.create_constant_tensor({"dataType": "float32", "shape": [2, 2]}, np.ones(4, np.float32))
    with pytest.raises(TypeError, match="is a constant tensor"):
        context.dispatch(graph, {"x": constant}, {"y": y, "z": z})
    context.write_tensor(x, np.full((2, 2), 3, np.float32))
    context.dispatch(graph, {"x": x}, {"y": y, "z": z})
    np.testing.assert_array_equal(context.read_tensor(z), 9)


def test_constant_tensor_outlives_destroy(context) -> None:
    tensor = context.create_constant_tensor({"dataType": "float32", "shape": [2]}, [1.0, 2.0])
    builder = context.create_graph_builder()
    x = builder.input("x", [2])
    graph = builder.build({"y": builder.add(x, builder.constant(tensor))})
    tensor.destroy()
    np.testing.assert_array_equal(context.compute(graph, {"x": np.zeros(2, np.float32)})["y"], [1, 2])
    builder = context.create_graph_builder()
    with pytest.raises(TypeError, match="tensor is destroyed"):
        builder.constant(tensor)
    with pytest.raises(TypeError, match="not a constant tensor"):
        builder.constant(context.create_tensor([2], "float32"))


def test_context_destroy(context) -> None:
    graph = _graph(context)
    tensor = context.create_host_tensor([2, 2], "float32")
    context.destroy()
    assert context.lost.done() and context.lost.result()["message"]
    assert graph.destroyed and tensor.destroyed
    with pytest.raises(InvalidStateError):
        context.create_graph_builder()
    with pytest.raises(InvalidStateError):
        context.compute(graph, {"x": np.ones((2, 2), np.float32)})
    with pytest.raises(InvalidStateError):
        context.create_tensor([1], "float32")
    context.destroy()  # idempotent


# ----------------------------------------------------------------------------- op support limits


def test_op_support_limits_structure(context) -> None:
    limits = context.op_support_limits()
    assert limits["preferredInputLayout"] == "nchw"
    assert limits["maxTensorByteLength"] > 0
    for key in ("input", "constant", "output"):
        assert set(limits[key]) == {"dataTypes", "rankRange"}
        assert limits[key]["dataTypes"] == list(webnn.DATA_TYPES)
    assert limits["add"]["a"]["rankRange"] == {"min": 0, "max": 8}


def test_repeated_calls_are_validated_like_the_first() -> None:
    """Validation outcomes are reused for identical calls only: a call that differs in a value's
    type (True against 1) or a float's sign (0.0 against -0.0) is validated on its own."""
    context = webnn.ML().create_context(backend="reference")
    builder = context.create_graph_builder()
    x = builder.input("x", [2, 3], "float32")
    assert builder.reduce_sum(x, keep_dimensions=True).shape == [1, 1]
    with pytest.raises(TypeError, match="keep_dimensions must be a bool"):
        builder.reduce_sum(x, keep_dimensions=1)
    builder.pad(x, [1, 1], [1, 1], value=0.0)
    builder.pad(x, [1, 1], [1, 1], value=-0.0)
    last, previous = builder._operations[-1], builder._operations[-2]
    assert math.copysign(1, previous.attrs["value"]) == 1 and math.copysign(1, last.attrs["value"]) == -1
    with pytest.raises(TypeError, match="clamp 'c2': min_value 2.0 is greater than max_value 1.0"):
        builder.clamp(x, min_value=2.0, max_value=1.0, label="c2")
    for _ in range(2):  # a failing call is not remembered as valid
        with pytest.raises(TypeError, match="x data type int32 is not allowed|data type"):
            builder.relu(builder.input(f"i{_}", [2], "uint32"))
