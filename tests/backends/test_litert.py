"""The LiteRT backend: the TFLite model it writes (read back by LiteRT's plain interpreter),
fused activations, the compiled model in the persistent cache, MobileNetV2 against ONNX
Runtime, and what it refuses."""

from __future__ import annotations

import json

import numpy as np
import pytest

import webnn

pytest.importorskip("ai_edge_litert")


def conv_relu6_graph(context: webnn.MLContext, stride: int, padding: list[int]) -> webnn.MLGraph:
    rng = np.random.default_rng(0)
    b = context.create_graph_builder()
    x = b.input("x", [1, 3, 9, 9], "float32")
    w = b.constant({"dataType": "float32", "shape": [4, 3, 3, 3]}, rng.standard_normal((4, 3, 3, 3)).astype(np.float32))
    bias = b.constant({"dataType": "float32", "shape": [4]}, rng.standard_normal(4).astype(np.float32))
    y = b.clamp(b.conv2d(x, w, {"bias": bias, "strides": [stride, stride], "padding": padding}),
                {"minValue": 0, "maxValue": 6})
    return b.build({"y": y})


def conv_relu6_expected(x: np.ndarray, stride: int, padding: list[int]) -> np.ndarray:
    rng = np.random.default_rng(0)
    w = rng.standard_normal((4, 3, 3, 3)).astype(np.float64)
    bias = rng.standard_normal(4)
    top, bottom, left, right = padding
    xp = np.pad(x.astype(np.float64), ((0, 0), (0, 0), (top, bottom), (left, right)))
    oh, ow = (xp.shape[2] - 3) // stride + 1, (xp.shape[3] - 3) // stride + 1
    y = np.zeros((1, 4, oh, ow))
    for i in range(oh):
        for j in range(ow):
            patch = xp[0, :, i * stride:i * stride + 3, j * stride:j * stride + 3]
            y[0, :, i, j] = np.tensordot(w, patch, axes=([1, 2, 3], [0, 1, 2])) + bias
    return np.clip(y, 0, 6)


@pytest.mark.parametrize("stride, padding", [(1, [1, 1, 1, 1]), (2, [1, 1, 1, 1]), (2, [0, 1, 0, 1]), (1, [0, 0, 0, 0])])
def test_conv2d_padding_forms_and_fused_relu6(litert, stride, padding) -> None:
    """SAME-compatible padding, explicit padding (a PAD before a VALID convolution) and none, with
    the clamp fused into the convolution, against a NumPy formula."""
    x = np.random.default_rng(1).standard_normal((1, 3, 9, 9)).astype(np.float32)
    graph = conv_relu6_graph(litert, stride, padding)
    y = litert.compute(graph, {"x": x})["y"]
    np.testing.assert_allclose(y, conv_relu6_expected(x, stride, padding), rtol=1e-5, atol=1e-5)


def _operators(model: bytes) -> list[str]:
    from ai_edge_litert import schema_py_generated as schema

    names = {v: k for k, v in vars(schema.BuiltinOperator).items() if not k.startswith("_")}
    parsed = schema.ModelT.InitFromPackedBuf(model, 0)
    codes = [names[c.builtinCode] for c in parsed.operatorCodes]
    return [codes[op.opcodeIndex] for op in parsed.subgraphs[0].operators]


def test_the_model_is_plain_tflite_with_the_activation_fused(litert) -> None:
    from ai_edge_litert.interpreter import Interpreter

    graph = conv_relu6_graph(litert, 1, [1, 1, 1, 1])
    model = graph._compiled.model
    ops = _operators(model)
    assert "CONV_2D" in ops and "RELU6" not in ops and "MAXIMUM" not in ops, ops
    # LiteRT's own interpreter, without webnn, reads the model and gives the same result (NHWC
    # inside: the graph's NCHW input and output are transposed in the model)
    x = np.random.default_rng(2).standard_normal((1, 3, 9, 9)).astype(np.float32)
    interpreter = Interpreter(model_content=model)
    interpreter.allocate_tensors()
    interpreter.set_tensor(interpreter.get_input_details()[0]["index"], x)
    interpreter.invoke()
    y = interpreter.get_tensor(interpreter.get_output_details()[0]["index"])
    np.testing.assert_allclose(y, conv_relu6_expected(x, 1, [1, 1, 1, 1]), rtol=1e-5, atol=1e-5)


def test_mobilenetv2_matches_onnxruntime() -> None:
    pytest.importorskip("onnxruntime")
    from webnn.bench.workloads import make_workload

    workload = make_workload("mobilenetv2", size=96)
    feeds = workload.make_feeds()
    results = {}
    for backend in ("litert", "onnxruntime"):
        context = webnn.ML().create_context(backend=backend, cache=False)
        results[backend] = context.compute(workload.load_webnn(context), feeds)["y"]
    np.testing.assert_allclose(results["litert"], results["onnxruntime"], rtol=1e-4, atol=1e-6)


def test_a_data_type_it_does_not_compute_is_refused_at_build(litert) -> None:
    # (TFLite has no 4-bit arithmetic: no op takes int4 here)
    assert "int4" not in litert.op_support_limits().get("cast", {}).get("input", {}).get("dataTypes", [])
    b = litert.create_graph_builder()
    x = b.input("x", [2], "float32")
    q = b.input("q", [2], "int4")
    y = b.add(x, b.cast(q, "float32", {"label": "the_cast"}))
    with pytest.raises(webnn.NotSupportedError, match="cast 'the_cast'"):
        b.build({"y": y})


def test_preferred_input_layout_is_nhwc(litert) -> None:
    assert litert.op_support_limits()["preferredInputLayout"] == "nhwc"


def test_compiled_models_load_from_the_cache(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("WEBNN_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("WEBNN_CACHE", raising=False)
    from webnn.cache import wait_for_stores

    x = np.random.default_rng(3).standard_normal((2, 64)).astype(np.float32)
    w = np.linspace(-1, 1, 64, dtype=np.float32)
    context = webnn.ML().create_context(backend="litert")
    graphs = []
    for _ in range(2):  # (a graph worth caching: 24 operations)
        b = context.create_graph_builder()
        y = b.input("x", [2, 64], "float32")
        for _ in range(12):
            y = b.relu(b.add(b.mul(y, b.constant(w)), y))
        graphs.append(b.build({"y": y}))
        wait_for_stores()
    assert [g.from_cache for g in graphs] == [False, True]
    manifests = [json.loads(p.read_text()) for p in tmp_path.glob("v2/*/*/manifest.json")]
    assert [m["meta"]["format"] for m in manifests] == ["litert-tflite"]
    expected = x.astype(np.float64)
    for _ in range(12):
        expected = np.maximum(expected * w + expected, 0)
    # (the first graph's interpreter maps the model file it wrote, which the store has removed
    # since; the second maps the cache's copy)
    for graph in graphs:
        np.testing.assert_allclose(context.compute(graph, {"x": x})["y"], expected, rtol=1e-5)


def test_export_tflite_of_a_graph_built_on_another_backend_runs_in_plain_litert(tmp_path) -> None:
    """The .tflite file of a graph an ONNX Runtime context built, run by LiteRT's interpreter
    alone, gives ONNX Runtime's result."""
    pytest.importorskip("onnxruntime")
    from ai_edge_litert.interpreter import Interpreter

    from webnn.bench.workloads import make_workload

    workload = make_workload("mobilenetv2", size=64)
    context = webnn.ML().create_context(backend="onnxruntime", cache=False)
    graph = workload.load_webnn(context)
    feeds = workload.make_feeds()
    path = tmp_path / "mobilenetv2.tflite"
    model = graph.export_tflite(path)
    assert path.read_bytes() == model and model[4:8] == b"TFL3"
    interpreter = Interpreter(model_path=str(path))
    interpreter.allocate_tensors()
    interpreter.set_tensor(interpreter.get_input_details()[0]["index"], feeds["x"])
    interpreter.invoke()
    y = interpreter.get_tensor(interpreter.get_output_details()[0]["index"])
    np.testing.assert_allclose(y, context.compute(graph, feeds)["y"], rtol=1e-4, atol=1e-6)


def test_webnn_convert_writes_a_tflite_model(tmp_path, capsys) -> None:
    pytest.importorskip("onnxruntime")
    from ai_edge_litert.interpreter import Interpreter

    from webnn.cli import main

    context = webnn.ML().create_context(backend="onnxruntime", cache=False)
    graph = conv_relu6_graph(context, 2, [1, 1, 1, 1])
    graph.to_onnx(tmp_path / "conv.onnx")
    assert main(["convert", str(tmp_path / "conv.onnx"), str(tmp_path / "conv.tflite"), "--quiet"]) == 0
    assert capsys.readouterr().out.strip().endswith("conv.tflite")
    x = np.random.default_rng(4).standard_normal((1, 3, 9, 9)).astype(np.float32)
    interpreter = Interpreter(model_path=str(tmp_path / "conv.tflite"))
    interpreter.allocate_tensors()
    interpreter.set_tensor(interpreter.get_input_details()[0]["index"], x)
    interpreter.invoke()
    y = interpreter.get_tensor(interpreter.get_output_details()[0]["index"])
    np.testing.assert_allclose(y, conv_relu6_expected(x, 2, [1, 1, 1, 1]), rtol=1e-5, atol=1e-5)


def test_a_clamp_with_a_negative_zero_bound_is_not_fused(litert) -> None:
    """clamp to [-0, 6] keeps -0 for negative values (the bound itself); RELU6 would give +0."""
    b = litert.create_graph_builder()
    x = b.input("x", [1, 2, 2, 2], "float32")
    w = b.constant({"dataType": "float32", "shape": [1, 2, 1, 1]}, np.array([1, 1], np.float32).reshape(1, 2, 1, 1))
    y = b.clamp(b.conv2d(x, w), {"minValue": -0.0, "maxValue": 6.0})
    graph = b.build({"y": y})
    value = np.array([-3, 1, 2, 9, -1, 0.5, 0, 0], np.float32).reshape(1, 2, 2, 2)
    result = litert.compute(graph, {"x": value})["y"].reshape(-1)
    expected = np.array([-0.0, 1.5, 2.0, 6.0], np.float32)
    np.testing.assert_array_equal(result, expected)
    assert list(np.signbit(result)) == [True, False, False, False]



def test_mobilenetv2_with_the_real_weights_matches_raw_onnxruntime() -> None:
    """The shared MobileNetV2 weights (``../shared/models/mobilenetv2``): the graph built with the
    builder on litert against the equivalent ONNX model run by ONNX Runtime itself."""
    ort = pytest.importorskip("onnxruntime")
    import os
    from pathlib import Path

    from webnn.bench.workloads import WeightsError, load_weights, make_workload

    folder = Path(os.environ.get("WEBNN_MODELS_DIR", Path(__file__).resolve().parents[3] / "shared" / "models"))
    folder = folder / "mobilenetv2"
    try:
        load_weights(str(folder))
    except (WeightsError, OSError) as exc:
        pytest.skip(f"the real MobileNetV2 weights are not in {folder}: {exc}")
    workload = make_workload("mobilenetv2", weights=str(folder))
    feeds = workload.make_feeds()
    session = ort.InferenceSession(workload.build_onnx().SerializeToString(), providers=["CPUExecutionProvider"])
    (want,) = session.run(None, feeds)
    context = webnn.ML().create_context(backend="litert", cache=False)
    got = context.compute(workload.load_webnn(context), feeds)["y"]
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-6)
    assert int(np.argmax(got)) == int(np.argmax(want))
