"""Untrusted files: every malformed, truncated or inconsistent graph or weights file raises
GraphFormatError (a ValueError) saying where; never another exception, a crash or a hang."""

from __future__ import annotations

import json
import os
import random
import re
import struct
from pathlib import Path

import numpy as np
import pytest

import webnn
from webnn.io import GraphFormatError, WeightsFormatError

from .graphs import feature_graph

GOOD = """webnn_graph "g" v1 {
  inputs { x: f32[2, 2]; }
  consts { w: f32[2, 2] @scalar(0.5); }
  nodes {
    y = matmul(x, w);
    z = softmax(y, axis=1);
  }
  outputs { z; }
}
"""


@pytest.fixture(scope="module")
def context() -> webnn.MLContext:
    return webnn.ML().create_context(backend="reference")


def _write(tmp_path: Path, name: str, data: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(data, str):
        data = data.encode()
    path.write_bytes(data)
    return path


def test_good_text_loads(context: webnn.MLContext, tmp_path: Path) -> None:
    webnn.load(_write(tmp_path, "g.webnn", GOOD), context)


# ------------------------------------------------------------------------------------- text form

TEXT_ERRORS = [
    # (replace, with, message fragment, line, column)
    ('webnn_graph "g" v1 {', 'webnn_grap "g" v1 {', "expected 'webnn_graph'", 1, 1),
    ('webnn_graph "g" v1 {', 'webnn_graph g v1 {', "graph name", 1, 13),
    ('webnn_graph "g" v1 {', 'webnn_graph "g" v7 {', "unsupported format version 7", 1, 17),
    ('webnn_graph "g" v1 {', 'webnn_graph "g" v1 @fast {', "unknown graph annotation @fast", 1, 20),
    ("inputs { x: f32[2, 2]; }", "inputs { x: f31[2, 2]; }", "expected a data type", 2, 15),
    ("inputs { x: f32[2, 2]; }", "inputs { x: f32[2, -2]; }", "expected a dimension", 2, 22),
    ("inputs { x: f32[2, 2]; }", "inputs { x: f32[2, 0]; }", "not a valid dimension", 2, 12),
    ("inputs { x: f32[2, 2]; }", "inputs { x: f32[2, 2.5]; }", "expected a dimension", 2, 22),
    ("inputs { x: f32[2, 2]; }", 'inputs { x: f32[dyn("b", 4), 2]; }', "dynamic dimensions", 2, 19),
    ("inputs { x: f32[2, 2]; }", "inputs { x: f32[2, 2] }", "expected ';'", 2, 25),
    ("inputs { x: f32[2, 2]; }", "inputs { x: f32[65536, 65536]; }", "elements, more than", 2, 12),
    ("inputs { x: f32[2, 2]; }", "inputs { x: f32[2, 2]; x: f32[1]; }", "'x' is declared twice", 2, 26),
    ("consts { w: f32[2, 2] @scalar(0.5); }", "consts { w: f32[2, 2]; }", "needs @weights", 3, 24),
    ("consts { w: f32[2, 2] @scalar(0.5); }", "consts { w: f32[2, 2] @scalar(x); }", "expected a number", 3, 33),
    ("consts { w: f32[2, 2] @scalar(0.5); }", "consts { w: f32[2, 2] @bytes([1, 2]); }", "2 inline bytes", 3, 12),
    ("consts { w: f32[2, 2] @scalar(0.5); }", "consts { w: f32[2, 2] @bytes([1, 256]); }", "0 to 255", 3, 32),
    ("consts { w: f32[2, 2] @scalar(0.5); }", "consts { w: i8[2, 2] @scalar(200); }", "out of range for int8", 3, 12),
    ("consts { w: f32[2, 2] @scalar(0.5); }", "consts { w: i32[2, 2] @scalar(1.5); }", "not an integer", 3, 12),
    ("consts { w: f32[2, 2] @scalar(0.5); }", "consts { w: f32[2, 2] @scalar(0.5) @scalar(1); }",
     "more than one initializer", 3, 38),
    ("consts { w: f32[2, 2] @scalar(0.5); }", "consts { w: f32[2, 2] @zeros(); }", "unknown constant annotation", 3, 25),
    ("consts { w: f32[2, 2] @scalar(0.5); }", 'consts { w: f32[2, 2] @weights("w"); }', "none of g.webnn.safetensors, g.webnn.manifest.json, g.safetensors, g.manifest.json", None, None),
    ("consts { w: f32[2, 2] @scalar(0.5); }", "consts { x: f32[2, 2] @scalar(0.5); }", "'x' is declared twice", 3, 12),
    ("y = matmul(x, w);", "y = matmul(x, v);", "unknown operand 'v'", 5, 19),
    ("y = matmul(x, w);", "y = matmull(x, w);", "unknown operation 'matmull'", 5, 5),
    ("y = matmul(x, w);", "y = matmul(x, w, x);", "takes 2 positional argument(s)", 5, 22),
    ("y = matmul(x, w);", "y = matmul(x);", "missing required argument 'b'", 5, 5),
    ("y = matmul(x, w);", "y = matmul(x, w, alpha=1);", "unknown option 'alpha'", 5, 22),
    ("y = matmul(x, w);", "y = matmul(x, b=w, b=x);", "option 'b' given twice", 5, 24),
    ("y = matmul(x, w);", "y = matmul(a=x, w);", "positional arguments must come before", 5, 21),
    ("y = matmul(x, w);", "y = matmul(x, w)", "expected ';'", 6, 5),
    ("y = matmul(x, w);", "y = matmul(x, w;", "expected ',' or ')'", 5, 20),
    ("y = matmul(x, w);", "y = x;", "expected '(' after the operation name", 5, 10),
    ("y = matmul(x, w);", "y = 3;", "expected an operation call", 5, 9),
    ("y = matmul(x, w);", "x = matmul(x, w);", "already used by input", 5, 5),
    ("y = matmul(x, w);", "y = matmul(x, w, label=3);", "label must be a string", 5, 22),
    ("y = matmul(x, w);", "[y, q] = matmul(x, w);", "gives 1 output(s), 2 name(s) given", 5, 5),
    ("y = matmul(x, w);", "y = matmul(x, [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]);",
     "nested more than", 5, 51),
    ("y = matmul(x, w);", "y = matmul(x, w, label=\"unterminated);", "unterminated string", 5, 28),
    ("y = matmul(x, w);", 'y = matmul(x, w, label="bad \\q escape");', "unknown escape", 5, 33),
    ("y = matmul(x, w);", "y = matmul(x, w, label=1.2.3);", "malformed number", 5, 28),
    ("y = matmul(x, w);", "y = matmul(x, w, label=12" + "3" * 5000 + ");", "number too long", 5, 28),
    ("y = matmul(x, w);", "y = matmul(x, w) ^;", "unexpected character '^'", 5, 22),
    ("z = softmax(y, axis=1);", "z = softmax(y, axis=2);", "softmax: axis 2 is out of bounds", 6, 5),
    ("z = softmax(y, axis=1);", "z = softmax(y, axis=\"one\");", "softmax: axis must be an integer", 6, 5),
    ("z = softmax(y, axis=1);", "z = softmax(y, 1, axis=1);", "argument 'axis' given more than once", 6, 23),
    ("z = softmax(y, axis=1);", "z = softmax(y, axis=NaN);", "softmax: axis", 6, 5),
    ("outputs { z; }", "outputs { q; }", "output 'q': unknown operand 'q'", 8, 13),
    ("outputs { z; }", "outputs { x; }", "graph input", None, None),
    ("outputs { z; }", "outputs { }", "the graph has no outputs", None, None),
    ("outputs { z; }", "outputs { z; z; }", "listed twice", 8, 16),
    ("  outputs { z; }\n}", "  outputs { z; }\n}\nextra", "after the end of the graph", 10, 1),
    ("  outputs { z; }\n}", "  outputs { z; }\n", "expected a block", 10, 1),
    ("  outputs { z; }\n}", "  outputs { z; }\n  weights { }\n}", "expected a block", 9, 3),
]


@pytest.mark.parametrize(("old", "new", "message", "line", "column"), TEXT_ERRORS,
                         ids=[f"{i}-{e[2][:30]}" for i, e in enumerate(TEXT_ERRORS)])
def test_text_errors(old: str, new: str, message: str, line: int | None, column: int | None,
                     context: webnn.MLContext, tmp_path: Path) -> None:
    assert old in GOOD
    path = _write(tmp_path, "g.webnn", GOOD.replace(old, new))
    with pytest.raises(GraphFormatError) as info:
        webnn.load(path, context)
    error = info.value
    assert message in str(error)
    assert error.file == str(path)
    assert (error.line, error.column) == (line, column), str(error)
    if line is not None:
        assert str(error).startswith(f"{path}:{line}:{column}: ")


def test_text_not_utf8(context: webnn.MLContext, tmp_path: Path) -> None:
    path = _write(tmp_path, "g.webnn", GOOD.encode().replace(b'"g"', b'"\xff"'))
    with pytest.raises(GraphFormatError, match=r"g\.webnn:1:14: the file is not valid UTF-8"):
        webnn.load(path, context)


def test_text_empty_and_binary(context: webnn.MLContext, tmp_path: Path) -> None:
    for data in (b"", b"\0\0\0", b"\x89PNG\r\n", b"{", b"[" * 100000):
        with pytest.raises(GraphFormatError):
            webnn.load(_write(tmp_path, "g.webnn", data), context)


def test_error_message_sanitizes_labels(context: webnn.MLContext, tmp_path: Path) -> None:
    text = GOOD.replace("axis=1", 'axis=5, label="evil\\u202e\\u0007"')
    with pytest.raises(GraphFormatError) as info:
        webnn.load(_write(tmp_path, "g.webnn", text), context)
    assert "\u202e" not in str(info.value) and "\\u202e" in str(info.value)


# ------------------------------------------------------------------------------------- JSON form


def _good_json() -> dict:
    return {
        "format": "webnn-graph-json", "version": 1,
        "inputs": {"x": {"dataType": "float32", "shape": [2, 2]}},
        "consts": {"w": {"dataType": "float32", "shape": [2, 2], "init": {"kind": "scalar", "value": 0.5}}},
        "nodes": [
            {"id": "y", "op": "matmul", "inputs": ["x", "w"], "options": {}},
            {"id": "z", "op": "softmax", "inputs": ["y"], "options": {"axis": 1}},
        ],
        "outputs": {"z": "z"},
    }


def _edit(path: tuple, value: object) -> dict:
    doc = _good_json()
    target = doc
    for key in path[:-1]:
        target = target[key]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return doc


JSON_ERRORS = [
    (("format",), "onnx", "$.format", "expected 'webnn-graph-json'"),
    (("format",), KeyError, "$", "missing 'format'"),
    (("version",), 3, "$.version", "unsupported version 3"),
    (("version",), True, "$.version", "unsupported version True"),
    (("inputs",), [], "$.inputs", "expected an object"),
    (("inputs", "x", "dataType"), "float64", "$.inputs.x.dataType", "unknown data type 'float64'"),
    (("inputs", "x", "shape"), [2, "2"], "$.inputs.x.shape[1]", "expected a dimension"),
    (("inputs", "x", "shape"), [2, True], "$.inputs.x.shape[1]", "expected a dimension"),
    (("inputs", "x", "shape"), [{"name": "b", "maxSize": 4}], "$.inputs.x.shape[0]", "dynamic dimensions"),
    (("inputs", "x", "shape"), [2, 0], "$.inputs.x", "not a valid dimension"),
    (("inputs", "x", "shape"), KeyError, "$.inputs.x", "missing 'shape'"),
    (("consts", "w", "init"), KeyError, "$.consts.w", "missing 'init'"),
    (("consts", "w", "init", "kind"), "zeros", "$.consts.w.init.kind", "unknown initializer kind"),
    (("consts", "w", "init", "value"), [1], "$.consts.w.init.value", "expected a number"),
    (("consts", "w", "init"), {"kind": "inlineBytes", "bytes": [1, 2, 3]}, "$.consts.w", "3 inline bytes"),
    (("consts", "w", "init"), {"kind": "inlineBytes", "bytes": [1, 2.0]}, "$.consts.w.init.bytes[1]", "a byte"),
    (("consts", "w", "init"), {"kind": "inlineBytes", "bytes": [1, -1]}, "$.consts.w.init.bytes[1]", "a byte"),
    (("consts", "w", "init"), {"kind": "weights", "ref": 3}, "$.consts.w.init.ref", "expected a string"),
    (("consts", "x"), {"dataType": "float32", "shape": [1], "init": {"kind": "scalar", "value": 1}},
     "$.consts.x", "both an input and a constant"),
    (("nodes",), {}, "$.nodes", "expected an array"),
    (("nodes", 0), "matmul", "$.nodes[0]", "expected an object"),
    (("nodes", 0, "op"), "matmull", "$.nodes[0]", "unknown operation 'matmull'"),
    (("nodes", 0, "id"), KeyError, "$.nodes[0]", "missing 'id'"),
    (("nodes", 0, "inputs"), ["x", 3], "$.nodes[0].inputs[1]", "expected a string"),
    (("nodes", 0, "inputs"), ["x", "v"], "$.nodes[0].inputs[1]", "unknown operand 'v'"),
    (("nodes", 0, "inputs"), ["x"], "$.nodes[0]", "missing required argument 'b'"),
    (("nodes", 0, "options"), [], "$.nodes[0].options", "expected an object"),
    (("nodes", 0, "options"), {"bogus": 1}, "$.nodes[0].options.bogus", "unknown option 'bogus'"),
    (("nodes", 0, "outputs"), [], "$.nodes[0].outputs", "at least one output"),
    (("nodes", 0, "outputs"), ["y", "q"], "$.nodes[0]", "2 name(s) given"),
    (("nodes", 1, "options", "axis"), 7, "$.nodes[1]", "axis 7 is out of bounds"),
    (("nodes", 1, "options", "axis"), [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[0]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]],
     "$.nodes[1].options.axis", "nested more than"),
    (("nodes", 1, "options", "label"), 1, "$.nodes[1].options.label", "label must be a string"),
    (("nodes", 1, "options", "input"), "x", "$.nodes[1].options.input", "given more than once"),
    (("nodes", 1, "id"), "x", "$.nodes[1]", "already used by input"),
    (("outputs",), {"z": 1}, "$.outputs.z", "expected a string"),
    (("outputs",), {"z": "q"}, "$.outputs.z", "unknown operand 'q'"),
    (("outputs",), {}, None, "the graph has no outputs"),
    (("outputs",), KeyError, "$", "missing 'outputs'"),
]


@pytest.mark.parametrize(("edit", "value", "json_path", "message"), JSON_ERRORS,
                         ids=[f"{i}-{e[3][:30]}" for i, e in enumerate(JSON_ERRORS)])
def test_json_errors(edit: tuple, value: object, json_path: str | None, message: str,
                     context: webnn.MLContext, tmp_path: Path) -> None:
    path = _write(tmp_path, "g.json", json.dumps(_edit(edit, value)))
    with pytest.raises(GraphFormatError) as info:
        webnn.load(path, context)
    assert message in str(info.value)
    assert info.value.json_path == json_path, str(info.value)
    assert info.value.file == str(path)


@pytest.mark.parametrize(("text", "message"), [
    ("", "invalid JSON: Expecting value"),
    ("{", "invalid JSON"),
    ('{"format": "webnn-graph-json", "format": "x"}', "duplicate key 'format'"),
    ("[" * 100000, "invalid JSON"),
    ('{"version": 1' + "0" * 5000 + "}", "invalid JSON"),
    ("[1, 2]", "expected an object"),
    ("\ufeff" + json.dumps(_good_json()), None),  # a BOM is fine
])
def test_json_syntax_errors(text: str, message: str | None, context: webnn.MLContext, tmp_path: Path) -> None:
    path = _write(tmp_path, "g.json", text)
    if message is None:
        webnn.load(path, context)
        return
    with pytest.raises(GraphFormatError, match=message.replace("(", r"\(")):
        webnn.load(path, context)


def test_json_error_line_and_column(context: webnn.MLContext, tmp_path: Path) -> None:
    path = _write(tmp_path, "g.json", '{\n  "format": "webnn-graph-json",\n  "version": 1,,\n}')
    with pytest.raises(GraphFormatError) as info:
        webnn.load(path, context)
    assert (info.value.line, info.value.column) == (3, 16)


# ------------------------------------------------------------------------------------- weights


@pytest.fixture()
def saved(context: webnn.MLContext, tmp_path: Path) -> tuple[webnn.MLGraph, dict, Path]:
    graph, feeds = feature_graph(context)
    return graph, feeds, tmp_path


def test_safetensors_truncated_and_corrupt(saved: tuple, context: webnn.MLContext) -> None:
    graph, _, tmp_path = saved
    graph.save(tmp_path / "m.webnn", inline_threshold=0)
    weights = tmp_path / "m.webnn.safetensors"
    data = weights.read_bytes()
    for length in (0, 4, 8, 9, 20, len(data) // 2, len(data) - 1):
        weights.write_bytes(data[:length])
        with pytest.raises(WeightsFormatError, match="not a valid safetensors file") as info:
            webnn.load(tmp_path / "m.webnn", context, verify_weights=False)
        assert info.value.file == str(weights)
    header = struct.pack("<Q", 2**40) + data[8:]  # a header length beyond the file
    weights.write_bytes(header)
    with pytest.raises(WeightsFormatError, match="not a valid safetensors file"):
        webnn.load(tmp_path / "m.webnn", context, verify_weights=False)
    weights.write_bytes(data + b"extra")
    with pytest.raises(WeightsFormatError):
        webnn.load(tmp_path / "m.webnn", context, verify_weights=False)


def _save_safetensors(path: Path, arrays: dict) -> None:
    from safetensors.numpy import save_file

    save_file(arrays, str(path))


def test_safetensors_mismatches(saved: tuple, context: webnn.MLContext) -> None:
    graph, _, tmp_path = saved
    graph.save(tmp_path / "m.webnn", inline_threshold=0)
    from safetensors.numpy import load_file

    good = load_file(tmp_path / "m.webnn.safetensors")
    cases = [
        ({**good, "conv2d_0.filter": good["conv2d_0.filter"].astype(np.float16)}, "conv2d_0.filter", "dtype F16"),
        ({**good, "conv2d_0.filter": good["conv2d_0.filter"].reshape(4, 27)}, "conv2d_0.filter", "shape [4, 27]"),
        ({k: v for k, v in good.items() if k != "total.b"}, "total.b", "no such tensor"),
        ({**good, "dequantized.input": np.array([[9, 0], [0, 0]], np.int8)}, None, "int4 values must be in"),
    ]
    for arrays, key, message in cases:
        _save_safetensors(tmp_path / "m.webnn.safetensors", arrays)
        with pytest.raises(GraphFormatError, match=re.escape(message)) as info:
            webnn.load(tmp_path / "m.webnn", context, verify_weights=False)
        if key is not None:
            assert info.value.key == key
            assert f"(tensor {key!r})" in str(info.value)


def test_manifest_errors(saved: tuple, context: webnn.MLContext) -> None:
    graph, _, tmp_path = saved
    graph.save(tmp_path / "m.json", "manifest", inline_threshold=0)
    manifest_path = tmp_path / "m.json.manifest.json"
    weights_path = tmp_path / "m.json.weights"
    manifest = json.loads(manifest_path.read_text())
    data = weights_path.read_bytes()

    def check(edit: object, message: str, key: str | None = None) -> None:
        doc = json.loads(json.dumps(manifest))
        edit(doc)  # type: ignore[operator]
        manifest_path.write_text(json.dumps(doc))
        with pytest.raises(WeightsFormatError, match=message) as info:
            webnn.load(tmp_path / "m.json", context, verify_weights=False)
        if key is not None:
            assert info.value.key == key, str(info.value)

    filt = "conv2d_0.filter"
    check(lambda d: d.update(format="other"), "expected 'wg-weights-manifest'")
    check(lambda d: d.update(version=9), "unsupported version 9")
    check(lambda d: d.update(endianness="middle"), "expected 'little' or 'big'")
    check(lambda d: d.update(tensors=[]), "expected an object")
    check(lambda d: d["tensors"].pop(filt), "no such tensor", filt)
    check(lambda d: d["tensors"][filt].update(byteLength=4), "4 bytes, but float32", filt)
    check(lambda d: d["tensors"][filt].update(byteOffset=-1), "integer >= 0", filt)
    check(lambda d: d["tensors"][filt].update(byteOffset=2**62), "past the end of the file", filt)
    check(lambda d: d["tensors"][filt].update(dataType="float16"), "float16, but the graph declares float32", filt)
    check(lambda d: d["tensors"][filt].update(shape=[108]), r"\[108\], but the graph declares", filt)
    check(lambda d: d["tensors"][filt].update(layout="column-major"), "unsupported layout", filt)
    manifest_path.write_text(json.dumps(manifest))
    weights_path.write_bytes(data[:-1])
    with pytest.raises(WeightsFormatError, match=r"past the end of the file \(489 bytes\): truncated") as info:
        webnn.load(tmp_path / "m.json", context, verify_weights=False)
    assert info.value.file == str(weights_path)
    weights_path.unlink()
    with pytest.raises(WeightsFormatError, match="does not exist"):
        webnn.load(tmp_path / "m.json", context, verify_weights=False)
    manifest_path.write_text("{not json")
    with pytest.raises(WeightsFormatError, match="invalid JSON"):
        webnn.load(tmp_path / "m.json", context, verify_weights=False)


def test_big_endian_manifest(saved: tuple, context: webnn.MLContext) -> None:
    graph, feeds, tmp_path = saved
    graph.save(tmp_path / "m.webnn", "manifest", inline_threshold=0)
    manifest = json.loads((tmp_path / "m.webnn.manifest.json").read_text())
    data = bytearray((tmp_path / "m.webnn.weights").read_bytes())
    for entry in manifest["tensors"].values():
        size = {"float32": 4, "int64": 8}.get(entry["dataType"], 1)
        start, end = entry["byteOffset"], entry["byteOffset"] + entry["byteLength"]
        if size > 1:
            data[start:end] = np.frombuffer(bytes(data[start:end]), f"<u{size}").astype(f">u{size}").tobytes()
    manifest["endianness"] = "big"
    (tmp_path / "m.webnn.manifest.json").write_text(json.dumps(manifest))
    (tmp_path / "m.webnn.weights").write_bytes(bytes(data))
    loaded = webnn.load(tmp_path / "m.webnn", context, verify_weights=False)
    for name, value in context.compute(graph, feeds).items():
        assert value.tobytes() == context.compute(loaded, feeds)[name].tobytes()


# ------------------------------------------------------------------------------------- fuzzing


def _fuzz(target: Path, graph_path: Path, context: webnn.MLContext, seed: int, rounds: int) -> tuple[int, int]:
    """Random truncations and byte flips of ``target``: loading ``graph_path`` gives a graph or a
    GraphFormatError, nothing else."""
    original = target.read_bytes()
    rng = random.Random(seed)
    loaded = failed = 0
    try:
        for i in range(rounds):
            data = bytearray(original)
            if i % 2 == 0:
                data = data[: rng.randrange(len(data))]
            else:
                for _ in range(rng.randint(1, 4)):
                    data[rng.randrange(len(data))] = rng.randrange(256)
            target.write_bytes(bytes(data))
            try:
                webnn.load(graph_path, context, verify_weights=False)
                loaded += 1
            except GraphFormatError:
                failed += 1
    finally:
        target.write_bytes(original)
    return loaded, failed


@pytest.mark.parametrize("form", ["webnn", "json"])
def test_fuzz_graph_files(form: str, saved: tuple, context: webnn.MLContext) -> None:
    graph, _, tmp_path = saved
    graph.save(tmp_path / f"m.{form}", "inline")
    loaded, failed = _fuzz(tmp_path / f"m.{form}", tmp_path / f"m.{form}", context, seed=1, rounds=300)
    assert failed > 100


@pytest.mark.parametrize("weights_file", ["m.json.safetensors", "m.json.manifest.json", "m.json.weights"])
def test_fuzz_weights_files(weights_file: str, saved: tuple, context: webnn.MLContext) -> None:
    graph, _, tmp_path = saved
    graph.save(tmp_path / "m.json", "manifest" if "safetensors" not in weights_file else "safetensors",
               inline_threshold=0)
    loaded, failed = _fuzz(tmp_path / weights_file, tmp_path / "m.json", context, seed=2, rounds=200)
    assert failed > 50
    if weights_file == "m.json.weights":
        assert loaded > 0  # flipped bytes inside the tensors are valid weights


def test_every_truncation_of_a_small_text_file(context: webnn.MLContext, tmp_path: Path) -> None:
    data = GOOD.encode()
    path = tmp_path / "g.webnn"
    for length in range(len(data) - 1):  # (without its final line break, the file is complete)
        path.write_bytes(data[:length])
        with pytest.raises(GraphFormatError):
            webnn.load(path, context)


def test_every_truncation_of_a_small_json_file(context: webnn.MLContext, tmp_path: Path) -> None:
    data = json.dumps(_good_json()).encode()
    path = tmp_path / "g.json"
    for length in range(len(data) - 1):
        path.write_bytes(data[:length])
        with pytest.raises(GraphFormatError):
            webnn.load(path, context)


def test_missing_graph_file(context: webnn.MLContext, tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        webnn.load(tmp_path / "nothing.webnn", context)
    assert issubclass(GraphFormatError, ValueError)
    os.mkdir(tmp_path / "dir.webnn")
    with pytest.raises(OSError):
        webnn.load(tmp_path / "dir.webnn", context)


def test_huge_numbers(context: webnn.MLContext, tmp_path: Path) -> None:
    huge = "9" * 4000
    graph = webnn.load(_write(tmp_path, "g.webnn", GOOD.replace("@scalar(0.5)", f"@scalar({huge})")), context)
    assert np.isinf(graph.ir.constants[1]).all()
    text = GOOD.replace("f32[2, 2] @scalar(0.5)", f"i64[2, 2] @scalar({huge})")
    with pytest.raises(GraphFormatError, match="out of range for int64"):
        webnn.load(_write(tmp_path, "g.webnn", text), context)
    with pytest.raises(GraphFormatError, match="softmax"):
        webnn.load(_write(tmp_path, "g.webnn", GOOD.replace("axis=1", f"axis={huge}")), context)
