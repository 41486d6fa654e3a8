"""Saving and loading webnn-graph files (text and JSON forms, every weights form): lossless round
trips of every WPT conformance graph, the sample files of other tools, the syntax."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import numpy as np
import pytest

import webnn
from webnn.io.document import Document, Loc
from webnn.io.files import read_document

from ..conformance.wpt import build_case, missing_wpt_message
from .graphs import CASES, WPT_FILES, assert_same_ir, feature_graph

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


@pytest.mark.skipif(not CASES, reason=missing_wpt_message())
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
    expected = {"safetensors": [f"model.{form}.safetensors"],
                "manifest": [f"model.{form}.manifest.json", f"model.{form}.weights"], "inline": []}[weights]
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
    os.rename(tmp_path / "a.webnn.manifest.json", tmp_path / "other.manifest.json")
    os.rename(tmp_path / "a.webnn.weights", tmp_path / "other.weights")
    with pytest.raises(webnn.GraphFormatError, match="names its weights file a.webnn.manifest.json, which does not"):
        webnn.load(tmp_path / "a.webnn", context)
    loaded = webnn.load(tmp_path / "a.webnn", context, weights=tmp_path / "other.manifest.json")
    _same_bits(expected, context.compute(loaded, feeds))
    loaded = webnn.load(tmp_path / "a.webnn", context, weights=str(tmp_path / "other.weights"))
    _same_bits(expected, context.compute(loaded, feeds))
    graph.save(tmp_path / "b.json", "safetensors", inline_threshold=0)
    os.rename(tmp_path / "b.json.safetensors", tmp_path / "w.safetensors")
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
    assert sorted(os.listdir(tmp_path)) == ["m.webnn", "m.webnn.manifest.json", "m.webnn.weights"]
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

    assert sorted(load_file(tmp_path / "m.webnn.safetensors")) == ["conv2d_0.filter", "total.b"]


def test_load_uses_the_default_context(tmp_path: Path) -> None:
    context = webnn.ML().create_context(backend="reference")
    graph, feeds = feature_graph(context)
    graph.save(tmp_path / "m.json")
    loaded = webnn.load(tmp_path / "m.json")
    assert loaded.context.backend == webnn.available_backends()[0]


# ------------------------------------------------------------------------------------- graph files and their weights


def _matmul_graph(context: webnn.MLContext, weights: np.ndarray) -> webnn.MLGraph:
    """y = x @ weights (weights large enough to go to the weights file)."""
    b = context.create_graph_builder()
    x = b.input("x", [1, weights.shape[0]], "float32")
    return b.build({"y": b.matmul(x, b.constant(weights))})


def _weights(seed: int) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((8, 4)).astype(np.float32)


def _y(graph: webnn.MLGraph, context: webnn.MLContext) -> np.ndarray:
    return context.compute(graph, {"x": np.arange(8, dtype=np.float32).reshape(1, 8)})["y"]


def _expected_y(weights: np.ndarray) -> np.ndarray:
    return np.arange(8, dtype=np.float32).reshape(1, 8) @ weights


@pytest.mark.parametrize("weights", ["safetensors", "manifest"])
def test_graph_files_of_one_folder_keep_their_own_weights(weights: str, context: webnn.MLContext,
                                                          tmp_path: Path) -> None:
    """m.webnn and m.json saved in one folder each load with their own weights; no save removes
    the other's files."""
    w1, w2 = _weights(1), _weights(2)
    _matmul_graph(context, w1).save(tmp_path / "m.webnn", weights)
    _matmul_graph(context, w2).save(tmp_path / "m.json", weights)
    np.testing.assert_allclose(_y(webnn.load(tmp_path / "m.webnn", context), context), _expected_y(w1), rtol=1e-5)
    np.testing.assert_allclose(_y(webnn.load(tmp_path / "m.json", context), context), _expected_y(w2), rtol=1e-5)
    # The other weights form for one of them: the other graph file's weights stay.
    other = "manifest" if weights == "safetensors" else "safetensors"
    _matmul_graph(context, w1).save(tmp_path / "m.webnn", other)
    np.testing.assert_allclose(_y(webnn.load(tmp_path / "m.json", context), context), _expected_y(w2), rtol=1e-5)
    np.testing.assert_allclose(_y(webnn.load(tmp_path / "m.webnn", context), context), _expected_y(w1), rtol=1e-5)


def _sha256(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_graph_file_records_its_weights_file_and_digest(context: webnn.MLContext, tmp_path: Path) -> None:
    graph = _matmul_graph(context, _weights(1))
    graph.save(tmp_path / "m.webnn")
    header = (tmp_path / "m.webnn").read_text().split("webnn_graph")[0]
    assert f"# weights: m.webnn.safetensors sha256={_sha256(tmp_path / 'm.webnn.safetensors')}\n" in header
    graph.save(tmp_path / "m.json", "manifest")
    record = json.loads((tmp_path / "m.json").read_text())["weights"]
    assert record == {"file": "m.json.manifest.json", "sha256": _sha256(tmp_path / "m.json.manifest.json"),
                      "data": {"file": "m.json.weights", "sha256": _sha256(tmp_path / "m.json.weights")}}
    graph.save(tmp_path / "my model.webnn", "manifest")
    header = (tmp_path / "my model.webnn").read_text().split("webnn_graph")[0]
    assert f'# weights: "my model.webnn.manifest.json" sha256={_sha256(tmp_path / "my model.webnn.manifest.json")}' in header
    assert f'# weights data: "my model.webnn.weights" sha256={_sha256(tmp_path / "my model.webnn.weights")}' in header
    # The weights files name the graph file they belong to.
    from safetensors import safe_open

    assert safe_open(str(tmp_path / "m.webnn.safetensors"), "numpy").metadata()["graph"] == "m.webnn"
    assert json.loads((tmp_path / "m.json.manifest.json").read_text())["graph"] == "m.json"
    loaded = webnn.load(tmp_path / "my model.webnn", context)
    np.testing.assert_allclose(_y(loaded, context), _expected_y(_weights(1)), rtol=1e-5)


@pytest.mark.parametrize(("form", "weights"), [("webnn", "safetensors"), ("json", "manifest")])
def test_weights_of_another_save_are_refused(form: str, weights: str, context: webnn.MLContext,
                                             tmp_path: Path) -> None:
    """A graph file whose weights file was replaced by another save's: a WeightsFormatError naming
    both files and both digests, also for weights given by path; a dict, or verify_weights=False,
    is taken as it is."""
    _matmul_graph(context, _weights(1)).save(tmp_path / f"m.{form}", weights)
    (tmp_path / "other").mkdir()
    _matmul_graph(context, _weights(2)).save(tmp_path / "other" / f"m.{form}", weights)
    # The bytes that differ: the safetensors file, or the manifest's data (the manifests are the same).
    differ = {"safetensors": f"m.{form}.safetensors", "manifest": f"m.{form}.weights"}[weights]
    main = {"safetensors": differ, "manifest": f"m.{form}.manifest.json"}[weights]
    recorded = _sha256(tmp_path / differ)
    for name in {main, differ}:
        os.replace(tmp_path / "other" / name, tmp_path / name)
    found = _sha256(tmp_path / differ)
    with pytest.raises(webnn.io.WeightsFormatError) as info:
        webnn.load(tmp_path / f"m.{form}", context)
    assert str(info.value) == (f"{tmp_path / differ}: m.{form} expects {differ} with sha256 {recorded[:16]}..., "
                               f"the file has {found[:16]}...: it was written by another save")
    with pytest.raises(webnn.io.WeightsFormatError,
                       match=f"m.{form} expects {differ} with sha256 {recorded[:16]}.*verify_weights=False"):
        webnn.load(tmp_path / f"m.{form}", context, weights=tmp_path / main)
    loaded = webnn.load(tmp_path / f"m.{form}", context, verify_weights=False)
    np.testing.assert_allclose(_y(loaded, context), _expected_y(_weights(2)), rtol=1e-5)
    from safetensors.numpy import load_file

    _matmul_graph(context, _weights(3)).save(tmp_path / "w.json", inline_threshold=0)
    loaded = webnn.load(tmp_path / f"m.{form}", context, weights=load_file(tmp_path / "w.json.safetensors"))
    np.testing.assert_allclose(_y(loaded, context), _expected_y(_weights(3)), rtol=1e-5)
    with pytest.raises(TypeError, match="verify_weights"):
        webnn.load(tmp_path / f"m.{form}", context, verify_weights=None)  # type: ignore[arg-type]


def test_manifest_data_of_another_save_is_refused(context: webnn.MLContext, tmp_path: Path) -> None:
    _matmul_graph(context, _weights(1)).save(tmp_path / "m.webnn", "manifest")
    recorded = _sha256(tmp_path / "m.webnn.weights")
    (tmp_path / "m.webnn.weights").write_bytes(_weights(2).tobytes())  # same length, other values
    with pytest.raises(webnn.io.WeightsFormatError,
                       match=f"m.webnn expects m.webnn.weights with sha256 {recorded[:16]}") as info:
        webnn.load(tmp_path / "m.webnn", context)
    assert info.value.file == str(tmp_path / "m.webnn.weights")


RECORDS = [
    ("# weights: ../m.webnn.safetensors\n", "has a folder part"),
    ("# weights: sub/m.webnn.safetensors\n", "has a folder part"),
    ("# weights: /tmp/m.webnn.safetensors\n", "has a folder part"),
    ('# weights: "..\\\\m.webnn.safetensors"\n', "has a folder part"),
    ("# weights: ..\n", "is not a file name"),
    ("# weights: m.webnn.onnx\n", "neither a .safetensors nor a .manifest.json"),
    ("# weights: m.webnn.safetensors sha256=abc\n", "not a SHA-256 digest"),
    ("# weights: m.webnn.safetensors md5=abc\n", "malformed weights record"),
    ("# weights: m.webnn.manifest.json\n# weights data: ../m.weights\n", "has a folder part"),
    ("# weights data: m.webnn.weights\n", "without a 'weights:' record"),
    ("# weights: m.webnn.safetensors\n# weights data: m.webnn.weights\n", "goes with a manifest"),
    ("# weights: a.safetensors\n# weights: b.safetensors\n", "a second 'weights:' record"),
]


@pytest.mark.parametrize(("record", "message"), RECORDS, ids=[m for _, m in RECORDS])
def test_text_weights_record_names_a_file_beside_the_graph(record: str, message: str, context: webnn.MLContext,
                                                          tmp_path: Path) -> None:
    _matmul_graph(context, _weights(1)).save(tmp_path / "m.webnn", inline_threshold=0)
    text = (tmp_path / "m.webnn").read_text()
    body = text[text.index("webnn_graph"):]
    (tmp_path / "m.webnn").write_text("# written by someone\n" + record + body)
    with pytest.raises(webnn.GraphFormatError, match=re.escape(message)) as info:
        webnn.load(tmp_path / "m.webnn", context)
    assert info.value.line is not None and 2 <= info.value.line <= 3


@pytest.mark.parametrize(("record", "json_path", "message"), [
    ({"file": "../m.json.safetensors"}, "$.weights.file", "has a folder part"),
    ({"file": "C:\\m.json.safetensors"}, "$.weights.file", "has a folder part"),
    ({"file": 3}, "$.weights.file", "expected a string"),
    ({"file": "m.json.safetensors", "sha256": "00"}, "$.weights.sha256", "not a SHA-256 digest"),
    ({"file": "m.json.manifest.json", "data": {"file": "/etc/passwd"}}, "$.weights.data.file", "has a folder part"),
    ({"file": "m.json.safetensors", "data": {"file": "x.weights"}}, "$.weights.data", "only a manifest"),
    ("m.json.safetensors", "$.weights", "expected an object"),
])
def test_json_weights_record_names_a_file_beside_the_graph(record: object, json_path: str, message: str,
                                                          context: webnn.MLContext, tmp_path: Path) -> None:
    _matmul_graph(context, _weights(1)).save(tmp_path / "m.json", inline_threshold=0)
    data = json.loads((tmp_path / "m.json").read_text())
    data["weights"] = record
    (tmp_path / "m.json").write_text(json.dumps(data))
    with pytest.raises(webnn.GraphFormatError, match=re.escape(message)) as info:
        webnn.load(tmp_path / "m.json", context)
    assert info.value.json_path == json_path


def test_a_record_naming_another_file_beside_the_graph(context: webnn.MLContext, tmp_path: Path) -> None:
    """The weights file the record names is read, wherever the default name points."""
    _matmul_graph(context, _weights(1)).save(tmp_path / "m.webnn", inline_threshold=0)
    _matmul_graph(context, _weights(2)).save(tmp_path / "n.webnn", inline_threshold=0)
    text = (tmp_path / "m.webnn").read_text().replace("# weights: m.webnn.safetensors", "# weights: n.webnn.safetensors")
    digest = _sha256(tmp_path / "n.webnn.safetensors")
    text = re.sub(r"sha256=[0-9a-f]{64}", f"sha256={digest}", text)
    (tmp_path / "m.webnn").write_text(text)
    np.testing.assert_allclose(_y(webnn.load(tmp_path / "m.webnn", context), context), _expected_y(_weights(2)),
                               rtol=1e-5)
    os.remove(tmp_path / "n.webnn.safetensors")
    with pytest.raises(webnn.io.WeightsFormatError, match="m.webnn names its weights file n.webnn.safetensors, which "
                                                          "does not exist"):
        webnn.load(tmp_path / "m.webnn", context)


def _without_record(path: Path) -> None:
    """The graph file as earlier versions and other tools write it: no weights record."""
    if path.suffix == ".json":
        data = json.loads(path.read_text())
        del data["weights"]
        path.write_text(json.dumps(data))
    else:
        path.write_text("".join(line for line in path.read_text().splitlines(True) if "# weights" not in line))


@pytest.mark.parametrize("form", ["webnn", "json"])
def test_files_without_a_weights_record_still_load(form: str, context: webnn.MLContext, tmp_path: Path) -> None:
    """<whole name>.safetensors / .manifest.json first, then <stem>.safetensors / .manifest.json."""
    graph = _matmul_graph(context, _weights(1))
    graph.save(tmp_path / f"m.{form}", "manifest")
    _without_record(tmp_path / f"m.{form}")
    for name in (f"m.{form}.manifest.json", f"m.{form}.weights"):
        os.rename(tmp_path / name, tmp_path / name.replace(f"m.{form}.", "m.", 1))  # the old names
    np.testing.assert_allclose(_y(webnn.load(tmp_path / f"m.{form}", context), context), _expected_y(_weights(1)),
                               rtol=1e-5)
    # The whole name is looked for first.
    _matmul_graph(context, _weights(2)).save(tmp_path / "n.webnn")
    os.rename(tmp_path / "n.webnn.safetensors", tmp_path / f"m.{form}.safetensors")
    np.testing.assert_allclose(_y(webnn.load(tmp_path / f"m.{form}", context), context), _expected_y(_weights(2)),
                               rtol=1e-5)


def test_save_never_replaces_or_removes_weights_of_another_graph_file(context: webnn.MLContext,
                                                                     tmp_path: Path) -> None:
    graph = _matmul_graph(context, _weights(1))
    # Weights files named after the stem (an earlier version's, or another tool's) are never touched.
    (tmp_path / "m.safetensors").write_bytes(b"old")
    (tmp_path / "m.manifest.json").write_bytes(b"old")
    graph.save(tmp_path / "m.webnn", "manifest")
    graph.save(tmp_path / "m.json", "inline")
    assert (tmp_path / "m.safetensors").read_bytes() == b"old" == (tmp_path / "m.manifest.json").read_bytes()
    # A weights file that records another graph file as its owner (here: renamed) is not replaced.
    graph.save(tmp_path / "a.webnn")
    graph.save(tmp_path / "b.webnn", "manifest")
    os.rename(tmp_path / "a.webnn.safetensors", tmp_path / "c.webnn.safetensors")
    os.rename(tmp_path / "b.webnn.manifest.json", tmp_path / "d.webnn.manifest.json")
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    for name, weights in (("c.webnn", "safetensors"), ("d.webnn", "manifest")):
        with pytest.raises(FileExistsError, match=f"belongs to the graph file '[ab].webnn', not '{name}'"):
            graph.save(tmp_path / name, weights)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before  # nothing written
    # ... nor removed as a stale file of the other form: the save goes on, the file stays.
    graph.save(tmp_path / "c.webnn", "manifest")
    graph.save(tmp_path / "d.webnn", "inline")
    assert (tmp_path / "c.webnn.safetensors").read_bytes() == before["c.webnn.safetensors"]
    assert (tmp_path / "d.webnn.manifest.json").read_bytes() == before["d.webnn.manifest.json"]
    np.testing.assert_allclose(_y(webnn.load(tmp_path / "c.webnn", context), context), _expected_y(_weights(1)),
                               rtol=1e-5)


@pytest.mark.parametrize("failure", ["weights", "graph", "fsync", "replace"])
@pytest.mark.parametrize("weights", ["safetensors", "manifest"])
def test_a_failed_save_leaves_the_previous_files(failure: str, weights: str, context: webnn.MLContext,
                                                 tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A failure while writing (a weights tensor, the graph file, fsync, the first os.replace)
    leaves the previous graph file and weights as they were, and no temporary file."""
    import webnn.io.atomic
    import webnn.io.files
    import webnn.io.weights

    _matmul_graph(context, _weights(1)).save(tmp_path / "m.webnn", weights)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}

    def fail(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    target = {"weights": (webnn.io.weights, "_le_bytes"), "graph": (webnn.io.files, "format_text"),
              "fsync": (webnn.io.atomic.os, "fsync"), "replace": (webnn.io.atomic.os, "replace")}[failure]
    monkeypatch.setattr(*target, fail)
    with pytest.raises(OSError, match="No space left"):
        _matmul_graph(context, _weights(2)).save(tmp_path / "m.webnn", weights)
    monkeypatch.undo()
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before
    np.testing.assert_allclose(_y(webnn.load(tmp_path / "m.webnn", context), context), _expected_y(_weights(1)),
                               rtol=1e-5)


def test_atomic_files_are_put_in_place_in_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from webnn.io import atomic

    replaced: list[str] = []
    real_replace = os.replace

    def replace(src: str, dst: str) -> None:
        assert os.path.dirname(src) == os.path.dirname(dst) and os.path.basename(src).startswith(".")
        replaced.append(os.path.basename(dst))
        real_replace(src, dst)

    monkeypatch.setattr(atomic.os, "replace", replace)
    (tmp_path / "b").write_bytes(b"old")
    with atomic.AtomicFiles() as files:
        with files.create(tmp_path / "a") as f:
            f.write(b"A")
        with files.create(tmp_path / "b") as f:
            f.write(b"B")
        assert (tmp_path / "b").read_bytes() == b"old" and not (tmp_path / "a").exists()
    assert replaced == ["a", "b"]
    assert sorted(os.listdir(tmp_path)) == ["a", "b"] and (tmp_path / "b").read_bytes() == b"B"
    # Permissions as open() gives them (the umask applies), not a temporary file's 0600.
    mask = os.umask(0o022)
    os.umask(mask)
    assert (tmp_path / "a").stat().st_mode & 0o777 == 0o666 & ~mask


def test_onnx_export_is_atomic(context: webnn.MLContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("onnx")
    from webnn.io import atomic

    graph = _matmul_graph(context, _weights(1))
    graph.to_onnx(tmp_path / "m.onnx")
    before = (tmp_path / "m.onnx").read_bytes()

    def fail(*args: object) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(atomic.os, "fsync", fail)
    with pytest.raises(OSError, match="Input/output error"):
        _matmul_graph(context, _weights(2)).to_onnx(tmp_path / "m.onnx")
    assert os.listdir(tmp_path) == ["m.onnx"] and (tmp_path / "m.onnx").read_bytes() == before


@pytest.mark.parametrize("data_type", ["float32", "float16", "int32", "uint32", "int64", "uint64", "int8", "uint8",
                                       "int4", "uint4"])
def test_safetensors_written_here_read_by_the_safetensors_package(data_type: str, context: webnn.MLContext,
                                                                 tmp_path: Path) -> None:
    from safetensors import safe_open

    low = {"int4": -8, "uint4": 0}.get(data_type, 0)
    values = (np.arange(24) % 7 + low).reshape(2, 3, 4)
    four_bits = data_type in ("int4", "uint4")
    dtype = {"int4": np.int8, "uint4": np.uint8}.get(data_type) or webnn.MLOperandDescriptor(data_type, [1]).numpy_dtype
    b = context.create_graph_builder()
    c = b.constant({"dataType": data_type, "shape": [2, 3, 4]}, values.astype(dtype))
    if four_bits:  # 4-bit values are used through dequantizeLinear
        y = b.dequantize_linear(c, b.constant(np.ones((2, 3, 4), np.float32)),
                                b.constant({"dataType": data_type, "shape": [2, 3, 4]}, np.zeros(24, dtype)))
    else:
        y = b.identity(c)
    graph = b.build({"y": y})
    graph.save(tmp_path / "m.json", inline_threshold=0)
    with safe_open(str(tmp_path / "m.json.safetensors"), "numpy") as f:
        assert f.metadata() == {"producer": "webnn", "graph": "m.json"}
        np.testing.assert_array_equal(f.get_tensor("y.input"), values)
        assert f.get_tensor("y.input").dtype == dtype
    loaded = webnn.load(tmp_path / "m.json", context)
    np.testing.assert_array_equal(context.compute(loaded, {})["y"], values)


def test_bytes_lists_are_read_a_chunk_at_a_time(context: webnn.MLContext, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from webnn.io import text_format

    monkeypatch.setattr(text_format, "_BYTES_CHUNK", 5)
    values = np.random.default_rng(3).integers(0, 256, 301).astype(np.uint8)
    listed = ",".join(f"{v}" if i % 3 else f" \n{v} " for i, v in enumerate(values))
    text = (f'webnn_graph "b" v1 {{ consts {{ c: u8[301] @bytes([{listed}]); }} nodes {{ y = identity(c); }} '
            "outputs { y; } }")
    graph = _load_text(text, context, tmp_path)
    np.testing.assert_array_equal(context.compute(graph, {})["y"], values)
    with pytest.raises(webnn.GraphFormatError, match="0 to 255"):
        _load_text(text.replace(f"{values[200]}", "256", 1), context, tmp_path)


# ------------------------------------------------------------------------------------- what reading may make


def test_scalar_constants_are_charged_to_the_budget(context: webnn.MLContext, tmp_path: Path) -> None:
    text = ('webnn_graph "s" v1 { consts { a: f32[1024, 1024] @scalar(1); b: f32[1024, 1024] @scalar(2); }\n'
            "  nodes { y = add(a, b); } outputs { y; } }\n")
    graph = _load_text(text, context, tmp_path)  # 8 MiB from ~150 bytes: within the default floor
    assert context.compute(graph, {})["y"][5, 7] == 3
    limits = webnn.Limits(min_expansion=6 * 2**20, expansion_per_byte=0)
    with pytest.raises(webnn.GraphFormatError) as info:
        webnn.load(tmp_path / "g.webnn", context, limits=limits)
    assert str(info.value).startswith(f"{tmp_path / 'g.webnn'}:1:")
    assert ("constant 'b': @scalar makes float32[1024, 1024] (4 MiB), more than reading this file may make "
            "(2 MiB left of 6 MiB and") in str(info.value)
    assert "limits=webnn.Limits" in str(info.value)
    with pytest.raises(TypeError, match="load: limits must be a webnn.Limits"):
        webnn.load(tmp_path / "g.webnn", context, limits=2**30)  # type: ignore[arg-type]


# ------------------------------------------------------------------------------------- the text parser


class _CountingText(str):
    """A str that counts the characters its count / find / rfind calls look at."""

    looked_at = 0

    def _span(self, args: tuple) -> int:
        start = args[1] if len(args) > 1 and args[1] is not None else 0
        end = args[2] if len(args) > 2 and args[2] is not None else len(self)
        return max(0, end - start)

    def count(self, *args):  # type: ignore[no-untyped-def, override]
        _CountingText.looked_at += self._span(args)
        return super().count(*args)

    def rfind(self, *args):  # type: ignore[no-untyped-def, override]
        _CountingText.looked_at += self._span(args)
        return super().rfind(*args)

    def find(self, *args):  # type: ignore[no-untyped-def, override]
        found = super().find(*args)
        start = args[1] if len(args) > 1 else 0
        _CountingText.looked_at += (found if found >= 0 else len(self)) - start
        return found


def test_text_positions_do_not_rescan_the_text() -> None:
    """Line:column positions cost no pass over the text before them (a linear parser)."""
    from webnn.io.text_format import _Parser

    nodes = "".join(f"    y{i} = relu(y{i - 1});\n" for i in range(1, 3000))
    text = f'webnn_graph "g" v1 {{\n  inputs {{ y0: f32[2]; }}\n  nodes {{\n{nodes}  }}\n  outputs {{ y2999; }}\n}}\n'
    _CountingText.looked_at = 0
    doc = _Parser(_CountingText(text), "g.webnn").document()
    assert doc.nodes[-1].loc == Loc(3002, 5) and doc.nodes[-1].arg_locs[0] == Loc(3002, 18)
    assert _CountingText.looked_at <= 4 * len(text), (_CountingText.looked_at, len(text))


def test_bench_formats_script(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import importlib.util

    script = Path(__file__).resolve().parents[2] / "scripts" / "bench_formats.py"
    spec = importlib.util.spec_from_file_location("bench_formats", script)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(["--ops", "40", "--repeat", "2", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["ops"] == 40 and report["repeat"] == 2
    for form in ("text", "json"):
        assert 0 < report[form]["min_s"] <= report[form]["median_s"] <= report[form]["max_s"]
        assert report[form]["bytes"] > 0
    assert report["ratio_text_to_json"] > 0
