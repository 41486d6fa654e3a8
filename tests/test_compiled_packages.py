"""Ahead-of-time compiled packages (``webnn compile``, ``save_compiled`` / ``load_compiled``) and
``load_onnx`` through the persistent cache."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import webnn
from webnn.cli import main

pytest.importorskip("onnxruntime")
onnx = pytest.importorskip("onnx")


def small_graph(context):
    b = context.create_graph_builder()
    x = b.input("x", [2, 64], "float32")
    w = b.constant(np.linspace(-1, 1, 64 * 40, dtype=np.float32).reshape(64, 40))  # 10 KB: in weights.bin
    y = b.softmax(b.relu(b.matmul(x, w)), 1, label="head")
    return b.build({"y": y})


FEEDS = {"x": np.linspace(-2, 2, 128, dtype=np.float32).reshape(2, 64)}


def test_a_package_loads_and_computes_what_the_graph_computes(tmp_path):
    context = webnn.ML().create_context(backend="onnxruntime", cache=False)
    graph = small_graph(context)
    folder = graph.save_compiled(tmp_path / "model.webnnc")
    assert sorted(os.listdir(folder)) == [
        "graph.webnn", "graph.webnn.safetensors", "manifest.json", "model.onnx", "weights.bin"]
    loaded = webnn.load_compiled(folder, context)
    assert loaded.from_cache
    assert loaded.input_descriptors == graph.input_descriptors and loaded.output_descriptors == graph.output_descriptors
    np.testing.assert_array_equal(context.compute(loaded, FEEDS)["y"], context.compute(graph, FEEDS)["y"])
    # the IR comes back on demand, label included
    assert [op.type for op in loaded.ir.operations] == ["matmul", "relu", "softmax"]
    assert loaded.ir.operations[-1].label == "head"
    reference = webnn.ML().create_context(backend="reference")
    np.testing.assert_allclose(context.compute(loaded, FEEDS)["y"], reference.compute(small_graph(reference), FEEDS)["y"],
                               rtol=1e-5, atol=1e-7)


def test_a_package_from_another_setup_is_refused(tmp_path):
    context = webnn.ML().create_context(backend="onnxruntime", cache=False)
    folder = small_graph(context).save_compiled(tmp_path / "p")
    manifest_path = os.path.join(folder, "manifest.json")
    manifest = json.loads(open(manifest_path).read())
    manifest["identity"]["backend"]["version"] = "0.0.1"
    manifest["identity"]["backend"]["machine"] = "another"
    open(manifest_path, "w").write(json.dumps(manifest))
    with pytest.raises(webnn.NotSupportedError, match="engine version '0.0.1'.*machine"):
        webnn.load_compiled(folder, context)


@pytest.mark.parametrize("damage", ["model.onnx", "weights.bin", "graph.webnn", "graph.webnn.safetensors"])
def test_a_damaged_package_is_refused(tmp_path, damage):
    context = webnn.ML().create_context(backend="onnxruntime", cache=False)
    folder = small_graph(context).save_compiled(tmp_path / "p")
    path = os.path.join(folder, damage)
    data = bytearray(open(path, "rb").read())
    data[len(data) // 2] ^= 1
    open(path, "wb").write(bytes(data))
    with pytest.raises(ValueError, match="damaged"):
        webnn.load_compiled(folder, context)


def test_not_a_package(tmp_path):
    with pytest.raises(ValueError, match="not a compiled package"):
        webnn.load_compiled(tmp_path)
    (tmp_path / "x").mkdir()
    context = webnn.ML().create_context(backend="onnxruntime", cache=False)
    with pytest.raises(FileExistsError):
        small_graph(context).save_compiled(tmp_path)  # a folder that is not a package is never replaced


def test_webnn_compile_and_run_a_package(tmp_path, capsys):
    model = onnx.helper.make_model(
        onnx.helper.make_graph(
            [onnx.helper.make_node("Relu", ["x"], ["r"]), onnx.helper.make_node("Neg", ["r"], ["y"])], "g",
            [onnx.helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, [3])],
            [onnx.helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, [3])]),
        opset_imports=[onnx.helper.make_opsetid("", 17)])
    onnx.save(model, tmp_path / "m.onnx")
    out = tmp_path / "m.webnnc"
    assert main(["compile", str(tmp_path / "m.onnx"), "-o", str(out), "--backend", "onnxruntime", "-q"]) == 0
    np.save(tmp_path / "x.npy", np.array([-1, 0, 2], np.float32))
    assert main(["run", str(out), "--input", f"x={tmp_path / 'x.npy'}", "--output-dir", str(tmp_path / "o"),
                 "--backend", "onnxruntime", "-q"]) == 0
    np.testing.assert_array_equal(np.load(tmp_path / "o" / "y.npy"), [-0.0, -0.0, -2.0])


LOAD = textwrap.dedent("""
    import json, sys
    import numpy as np, webnn
    context = webnn.ML().create_context(backend="onnxruntime")
    graph = webnn.load_onnx(sys.argv[1], context)
    y = context.compute(graph, {"x": np.linspace(-2, 2, 320, dtype=np.float32).reshape(2, 160)})["y"]
    text = repr(graph)  # says the operation count without importing the model again
    print(json.dumps({"from_cache": graph.from_cache, "onnx_imported": "onnx" in sys.modules,
                      "reimported": "webnn.io.onnx_import.core" in sys.modules,
                      "y": y.tolist(), "ops": graph.operation_count, "repr": text}))
""")


def test_small_models_bypass_the_import_cache(tmp_path, monkeypatch):
    model = onnx.helper.make_model(
        onnx.helper.make_graph([onnx.helper.make_node("Relu", ["x"], ["y"])], "g",
                               [onnx.helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, [3])],
                               [onnx.helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, [3])]),
        opset_imports=[onnx.helper.make_opsetid("", 17)])
    monkeypatch.setenv("WEBNN_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("WEBNN_CACHE", raising=False)
    context = webnn.ML().create_context(backend="onnxruntime")
    for _ in range(2):
        assert not webnn.load_onnx(model.SerializeToString(), context).from_cache
    assert not list((tmp_path / "cache").glob("v2/*/*/manifest.json"))


def test_load_onnx_a_second_time_parses_nothing(tmp_path):
    weights = np.linspace(-1, 1, 160 * 120, dtype=np.float32).reshape(160, 120)  # 75 KiB: worth caching
    w = onnx.numpy_helper.from_array(weights, "w")
    model = onnx.helper.make_model(
        onnx.helper.make_graph(
            [onnx.helper.make_node("MatMul", ["x", "w"], ["m"]), onnx.helper.make_node("Sigmoid", ["m"], ["y"])],
            "g", [onnx.helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, [2, 160])],
            [onnx.helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, [2, 120])], [w]),
        opset_imports=[onnx.helper.make_opsetid("", 17)])
    onnx.save(model, tmp_path / "m.onnx")
    env = {**os.environ, "WEBNN_CACHE_DIR": str(tmp_path / "cache")}
    env.pop("WEBNN_CACHE", None)
    runs = [json.loads(subprocess.run([sys.executable, "-c", LOAD, str(tmp_path / "m.onnx")], env=env, check=True,
                                      capture_output=True, text=True, timeout=120).stdout.splitlines()[-1])
            for _ in range(2)]
    assert [r["from_cache"] for r in runs] == [False, True]
    assert runs[1]["onnx_imported"] is False  # a hit needs no onnx package
    assert runs[1]["reimported"] is False and "operations=2" in runs[1]["repr"]  # nor the importer
    assert runs[1]["ops"] == runs[0]["ops"] == 2  # the IR is imported again on demand
    x = np.linspace(-2, 2, 320, dtype=np.float32).reshape(2, 160)
    expected = 1 / (1 + np.exp(-(x.astype(np.float64) @ weights)))
    for run in runs:
        np.testing.assert_allclose(run["y"], expected, rtol=1e-4, atol=1e-6)
    # other input shapes or another file are other entries
    onnx.save(model, tmp_path / "m2.onnx")
    model.graph.node[1].op_type = "Relu"
    onnx.save(model, tmp_path / "m.onnx")
    third = json.loads(subprocess.run([sys.executable, "-c", LOAD, str(tmp_path / "m.onnx")], env=env, check=True,
                                      capture_output=True, text=True, timeout=120).stdout.splitlines()[-1])
    assert third["from_cache"] is False
    np.testing.assert_allclose(third["y"], np.maximum(x.astype(np.float64) @ weights, 0), rtol=1e-4, atol=1e-4)
