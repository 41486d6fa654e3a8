"""Saving and loading webnn-graph files (text and JSON forms, every weights form): lossless round
trips of every WPT conformance graph, the sample files of other tools, the syntax."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

import webnn
from webnn.io.document import Document
from webnn.io.files import read_document

from .graphs import CASES, WPT_FILES, assert_same_ir, build_case, feature_graph

EXAMPLES = Path(os.environ.get("WEBNN_FORMATS_DIR", Path(__file__).resolve().parents[3] / "shared" / "formats")) / "examples"
FORMS = [("webnn", "safetensors"), ("webnn", "manifest"), ("webnn", "inline"),
         ("json", "safetensors"), ("json", "manifest"), ("json", "inline")]


@pytest.fixture(scope="module")
def context() -> webnn.MLContext:
    return webnn.ML().create_context(backend="reference")


def _same_bits(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> None:
    assert a.keys() == b.keys()
    for name in a:
        assert a[name].dtype == b[name].dtype and a[name].shape == b[name].shape, name
        assert a[name].tobytes() == b[name].tobytes(), name


@pytest.mark.skipif(not CASES, reason="WPT data not found (set WEBNN_WPT_DIR)")
@pytest.mark.parametrize("wpt_file", WPT_FILES)
def test_wpt_graphs_round_trip_bit_identical(wpt_file: str, context: webnn.MLContext, tmp_path: Path) -> None:
    """Every conformance graph, saved in both forms with each weights form (all constants in the
    weights file for the manifest), loads back to the same IR and computes the same bits."""
    for case in (c for c in CASES if c.file == wpt_file):
        graph, feeds = build_case(context, case)
        expected = context.compute(graph, feeds)
        for form, weights in FORMS:
            path = tmp_path / f"graph.{form}"
            graph.save(path, weights, inline_threshold=0 if weights == "manifest" else 64)
            loaded = webnn.load(path, context)
            try:
                assert_same_ir(graph.ir, loaded.ir)
                _same_bits(expected, context.compute(loaded, feeds))
            except AssertionError as exc:
                raise AssertionError(f"{case.id} ({form}, {weights}): {exc}") from exc


@pytest.mark.parametrize(("form", "weights"), FORMS)
def test_feature_graph_round_trip(form: str, weights: str, context: webnn.MLContext, tmp_path: Path) -> None:
    graph, feeds = feature_graph(context)
    path = tmp_path / f"model.{form}"
    written = graph.save(path, weights)
    expected = {"safetensors": ["model.safetensors"], "manifest": ["model.manifest.json", "model.weights"],
                "inline": []}[weights]
    assert [os.path.basename(p) for p in written] == [f"model.{form}", *expected]
    assert sorted(os.listdir(tmp_path)) == sorted([f"model.{form}", *expected])
    loaded = webnn.load(path, context)
    assert_same_ir(graph.ir, loaded.ir)
    _same_bits(context.compute(graph, feeds), context.compute(loaded, feeds))
    # And once more: a saved loaded graph is the same file.
    again = tmp_path / "again" / f"model.{form}"
    again.parent.mkdir()
    loaded.save(again, weights)
    assert again.read_bytes() == path.read_bytes()


def test_labels_attributes_and_exact_values_are_written(context: webnn.MLContext, tmp_path: Path) -> None:
    graph, _ = feature_graph(context)
    graph.save(tmp_path / "m.webnn", "inline")
    text = (tmp_path / "m.webnn").read_text()
    assert 'label="conv \\"stem\\"\\n1"' in text
    assert "minValue=-Infinity" in text and "value=NaN" in text
    assert 'outputShapeRounding="ceil"' in text and "outputSizes=[3, 3]" in text
    assert "padding=[1, 1, 1, 1], strides=[1, 1], dilations=[1, 1], groups=1" in text
    assert '"ids:0": i64[3];' in text  # a name that is not an identifier is quoted
    assert "same = total;" in text  # a second output of the same operand
    graph.save(tmp_path / "m.json", "inline")
    data = json.loads((tmp_path / "m.json").read_text())
    clamp = next(n for n in data["nodes"] if n["op"] == "clamp")
    assert clamp["options"] == {"minValue": "-Infinity", "maxValue": 6.0, "label": "clamp"}
    total = data["consts"]["total.b"]["init"]["bytes"]
    assert np.frombuffer(bytes(total), "<i8").tolist() == [2**62 + 1, -(2**63), 2**63 - 1]


def test_int64_and_uint64_values_exact(context: webnn.MLContext, tmp_path: Path) -> None:
    b = context.create_graph_builder()
    x = b.input("x", [2], "uint64")
    big = b.constant(np.array([2**64 - 1, 2**64 - 1], np.uint64))  # all the same: @scalar
    y = b.pad(b.add(x, big), [1], [1], value=2**64 - 2)
    graph = b.build({"y": y})
    for form in ("webnn", "json"):
        path = tmp_path / f"g.{form}"
        graph.save(path)
        content = path.read_text()
        assert "18446744073709551615" in content and "18446744073709551614" in content
        loaded = webnn.load(path, context)
        feeds = {"x": np.array([1, 3], np.uint64)}
        _same_bits(context.compute(graph, feeds), context.compute(loaded, feeds))


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -0.0, 1e-45, 3.4028234663852886e38])
def test_special_float_constants(value: float, context: webnn.MLContext, tmp_path: Path) -> None:
    b = context.create_graph_builder()
    x = b.input("x", [3], "float32")
    c = b.constant(np.full(3, value, np.float32))
    with np.errstate(over="ignore"):
        h = b.constant(np.array([value, 1.0, value], np.float16))
    graph = b.build({"y": b.add(x, c), "h": b.identity(h)})
    feeds = {"x": np.array([1, -2, 0], np.float32)}
    for form, weights in FORMS:
        path = tmp_path / f"g.{form}"
        graph.save(path, weights)
        _same_bits(context.compute(graph, feeds), context.compute(webnn.load(path, context), feeds))


@pytest.mark.skipif(not EXAMPLES.is_dir(), reason="sample files not found")
@pytest.mark.parametrize(("name", "rhs"), [
    ("sample_graph.webnn", [[1, 1], [1, 1]]),  # @scalar(1.0)
    ("sample_graph.json", [[1, 2], [3, 4]]),  # inline bytes of 1, 2, 3, 4
])
def test_sample_graph(name: str, rhs: list[list[float]], context: webnn.MLContext) -> None:
    graph = webnn.load(EXAMPLES / name, context)
    assert graph.input_names == ["lhs"] and graph.output_names == ["sum"]
    lhs = np.array([[1, 2], [3, 4]], np.float32)
    out = context.compute(graph, {"lhs": lhs})["sum"]
    np.testing.assert_array_equal(out, lhs + np.array(rhs, np.float32))


@pytest.mark.skipif(not EXAMPLES.is_dir(), reason="sample files not found")
@pytest.mark.parametrize("name", ["toy_transformer.webnn", "toy_transformer.json"])
def test_toy_transformer(name: str, context: webnn.MLContext, tmp_path: Path) -> None:
    graph = webnn.load(EXAMPLES / name, context)
    x = np.array([[1, 2, 3, 4]], np.float32)
    out = context.compute(graph, {"input": x})["probs"]
    if name.endswith(".webnn"):
        weights = np.full((4, 3), 0.5, np.float32)
    else:
        weights = (np.arange(1, 13, dtype=np.float32) / np.float32(10)).reshape(4, 3)
    np.testing.assert_allclose(out, x @ weights, rtol=1e-6)
    # Our writer's output of a sample reads back the same.
    for form in ("webnn", "json"):
        path = tmp_path / f"copy.{form}"
        graph.save(path)
        _same_bits({"probs": out}, context.compute(webnn.load(path, context), {"input": x}))


@pytest.mark.skipif(not EXAMPLES.is_dir(), reason="sample files not found")
def test_samples_on_the_default_backend() -> None:
    context = webnn.ML().create_context()
    for name in sorted(os.listdir(EXAMPLES)):
        graph = webnn.load(EXAMPLES / name, context)
        feeds = {n: np.ones(d.shape, d.numpy_dtype) for n, d in graph.input_descriptors.items()}
        assert all(np.isfinite(v).all() for v in context.compute(graph, feeds).values())


def _load_text(text: str, context: webnn.MLContext, tmp_path: Path, name: str = "g.webnn") -> webnn.MLGraph:
    path = tmp_path / name
    path.write_text(text)
    return webnn.load(path, context)


def test_text_syntax_variants(context: webnn.MLContext, tmp_path: Path) -> None:
    """The published grammar's variants, plus what other writers produce."""
    graph = _load_text("""
    # a comment
    webnn_graph "variants" v2 @quantized {
      inputs { x: f32[2, 3]; y: f32[2,3]; }   # blocks in any order, repeated
      consts { s: f32[] @scalar(2); w: u8[3] @bytes([1,2, 3]); }
      nodes {
        a = mul(x, s);
        b = softmax(a, 1);                      # positional value argument
        c = concat(b, y, axis=0,);              # operands without brackets, a trailing comma
        [d, e] = split(c, 2);
        f = reduce_sum(d, axes=[0], keep_dimensions=true);   # snake_case op and option names
        g = cast(w, "float32");
        h = gather(x, w2, axis=1, label="pick");
      }
      consts { w2: i32[2] @bytes([0, 0, 0, 0, 2, 0, 0, 0]); }
      outputs { f, e; g; h }
    }
    """, context, tmp_path)
    assert graph.output_names == ["f", "e", "g", "h"]
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    y = np.ones((2, 3), np.float32)
    out = context.compute(graph, {"x": x, "y": y})
    e = np.exp(2 * x - (2 * x).max(1, keepdims=True))
    softmax = e / e.sum(1, keepdims=True)
    np.testing.assert_allclose(out["f"], softmax.sum(0, keepdims=True), rtol=1e-6)
    np.testing.assert_array_equal(out["e"], y)
    np.testing.assert_array_equal(out["g"], [1, 2, 3])
    np.testing.assert_array_equal(out["h"], x[:, [0, 2]])
    assert graph.ir.operations[-1].label == "pick"


def test_json_variants(context: webnn.MLContext, tmp_path: Path) -> None:
    doc = {
        "format": "webnn-graph-json", "version": 2, "name": "j",
        "inputs": {"x": {"dataType": "f32", "shape": [2]}},
        "consts": {"k": {"dataType": "float32", "shape": [2], "init": {"kind": "scalar", "value": "Infinity"}}},
        "nodes": [
            {"id": "m", "op": "min", "inputs": ["x", "k"]},  # no options
            {"id": "c", "op": "concat", "inputs": [["m", "x"]], "options": {"axis": 0}},  # nested sequence
            {"id": "r", "op": "reshape", "inputs": ["c"], "options": {"new_shape": [2, 2]}},
        ],
        "outputs": ["r"],
    }
    path = tmp_path / "g.json"
    path.write_text(json.dumps(doc))
    graph = webnn.load(path, context)
    out = context.compute(graph, {"x": np.array([1, -2], np.float32)})["r"]
    np.testing.assert_array_equal(out, [[1, -2], [1, -2]])


def test_weights_argument(context: webnn.MLContext, tmp_path: Path) -> None:
    graph, feeds = feature_graph(context)
    expected = context.compute(graph, feeds)
    graph.save(tmp_path / "a.webnn", "manifest", inline_threshold=0)
    os.rename(tmp_path / "a.manifest.json", tmp_path / "other.manifest.json")
    os.rename(tmp_path / "a.weights", tmp_path / "other.weights")
    with pytest.raises(webnn.GraphFormatError, match="neither a.safetensors nor a.manifest.json"):
        webnn.load(tmp_path / "a.webnn", context)
    loaded = webnn.load(tmp_path / "a.webnn", context, weights=tmp_path / "other.manifest.json")
    _same_bits(expected, context.compute(loaded, feeds))
    loaded = webnn.load(tmp_path / "a.webnn", context, weights=str(tmp_path / "other.weights"))
    _same_bits(expected, context.compute(loaded, feeds))
    graph.save(tmp_path / "b.json", "safetensors", inline_threshold=0)
    os.rename(tmp_path / "b.safetensors", tmp_path / "w.safetensors")
    loaded = webnn.load(tmp_path / "b.json", context, weights=tmp_path / "w.safetensors")
    _same_bits(expected, context.compute(loaded, feeds))
    # A dict of arrays, keyed as the @weights references.
    from safetensors.numpy import load_file

    loaded = webnn.load(tmp_path / "b.json", context, weights=load_file(tmp_path / "w.safetensors"))
    _same_bits(expected, context.compute(loaded, feeds))


def test_save_replaces_stale_weights_of_the_other_form(context: webnn.MLContext, tmp_path: Path) -> None:
    graph, feeds = feature_graph(context)
    graph.save(tmp_path / "m.webnn", "safetensors")
    graph.save(tmp_path / "m.webnn", "manifest")
    assert sorted(os.listdir(tmp_path)) == ["m.manifest.json", "m.webnn", "m.weights"]
    graph.save(tmp_path / "m.webnn", "inline")
    assert os.listdir(tmp_path) == ["m.webnn"]


def test_save_arguments(context: webnn.MLContext, tmp_path: Path) -> None:
    graph, _ = feature_graph(context)
    with pytest.raises(ValueError, match=r"\.webnn .* or \.json"):
        graph.save(tmp_path / "m.txt")
    with pytest.raises(ValueError, match="weights must be one of"):
        graph.save(tmp_path / "m.webnn", "pickle")
    with pytest.raises(ValueError, match="inline_threshold"):
        graph.save(tmp_path / "m.webnn", inline_threshold=-1)


def test_inline_threshold(context: webnn.MLContext, tmp_path: Path) -> None:
    graph, _ = feature_graph(context)
    graph.save(tmp_path / "m.webnn", inline_threshold=16)
    doc: Document = read_document(tmp_path / "m.webnn")
    kinds = {name: d.init[0] for name, d in doc.consts.items()}
    assert kinds == {"conv2d_0.filter": "weights", "conv2d_0.bias": "scalar", "total.b": "weights",
                     "dequantized.scale": "scalar", "dequantized.input": "bytes"}
    from safetensors.numpy import load_file

    assert sorted(load_file(tmp_path / "m.safetensors")) == ["conv2d_0.filter", "total.b"]


def test_load_uses_the_default_context(tmp_path: Path) -> None:
    context = webnn.ML().create_context(backend="reference")
    graph, feeds = feature_graph(context)
    graph.save(tmp_path / "m.json")
    loaded = webnn.load(tmp_path / "m.json")
    assert loaded.context.backend == webnn.available_backends()[0]
