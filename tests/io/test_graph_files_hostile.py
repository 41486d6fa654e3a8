"""Hostile webnn-graph files, in every form: each one, read in a child process under a memory
limit, ends in a documented error (GraphFormatError / WeightsFormatError, or TypeError where the
builder refuses) within a small CPU budget; never a MemoryError, a crash or a hang.

The corpus is made here, in tmp_path: truncations of saved files (text, JSON, safetensors,
manifest and .weights) at many points, oversized, negative and overflowing sizes, offsets past
the end, lengths that disagree, wrong data types, nesting thousands deep, a safetensors header
that claims a huge length, ``@scalar`` bombs, and weights file names that leave the folder.
Each case is a folder holding a graph file and its weights files; in a folder whose name has
``noverify`` the graph is loaded with ``verify_weights=False``, so that the weights readers
themselves meet the damage (with the check, the digest catches it first).
"""

from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np

import webnn

from ..bounded import check_documented, outcomes
from .graphs import feature_graph

ATTEMPT = """
import os

_CONTEXT = webnn.ML().create_context(backend="reference")


def attempt(path):
    verify = "noverify" not in os.path.basename(os.path.dirname(path))
    webnn.load(path, _CONTEXT, verify_weights=verify)
"""

ALLOWED = frozenset({"webnn.io.errors.GraphFormatError", "webnn.io.errors.WeightsFormatError", "builtins.TypeError"})

#: A text graph whose weights (w: f32[2, 2]) are in the safetensors file its record names (no digest).
TEXT = """# weights: m.webnn.safetensors
webnn_graph "h" v1 {
  inputs { x: f32[2, 2]; }
  consts { w: f32[2, 2] @weights("w"); s: f32[2] @scalar(0.5); b: u8[4] @bytes([1, 2, 3, 4]); }
  nodes { y = matmul(x, w); z = add(y, s, label="sum"); c = cast(b, "float32"); }
  outputs { z; c; }
}
"""
W = np.arange(4, dtype=np.float32).reshape(2, 2)


def _safetensors(header: dict, data: bytes, length: int | None = None) -> bytes:
    text = json.dumps(header).encode()
    return struct.pack("<Q", len(text) if length is None else length) + text + data


def _good_safetensors() -> bytes:
    return _safetensors({"w": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]}}, W.tobytes())


def _manifest(entry: dict, **top: object) -> bytes:
    return json.dumps({"format": "wg-weights-manifest", "version": 1, "tensors": {"w": entry}, **top}).encode()


GOOD_ENTRY = {"dataType": "float32", "shape": [2, 2], "byteOffset": 0, "byteLength": 16}
MANIFEST_TEXT = TEXT.replace("# weights: m.webnn.safetensors", "# weights: m.webnn.manifest.json")


def _json_graph(**changes: object) -> dict:
    doc: dict = {
        "format": "webnn-graph-json", "version": 1, "weights": {"file": "m.json.safetensors"},
        "inputs": {"x": {"dataType": "float32", "shape": [2, 2]}},
        "consts": {"w": {"dataType": "float32", "shape": [2, 2], "init": {"kind": "weights", "ref": "w"}},
                   "s": {"dataType": "float32", "shape": [2], "init": {"kind": "scalar", "value": 0.5}}},
        "nodes": [{"id": "y", "op": "matmul", "inputs": ["x", "w"]},
                  {"id": "z", "op": "add", "inputs": ["y", "s"], "options": {"label": "sum"}}],
        "outputs": {"z": "z"},
    }
    doc.update(changes)
    return doc


def _cuts(data: bytes, count: int) -> list[bytes]:
    """``data`` cut at ``count`` points spread over it (never only its trailing white space)."""
    end = len(data.rstrip())
    return [data[:n] for n in sorted({round(i * (end - 1) / (count - 1)) for i in range(count)})]


class Corpus:
    """Case folders under ``root``; each case's graph file path is in ``paths``."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.paths: list[str] = []
        self.expect: dict[str, str] = {}

    def add(self, name: str, graph: str, files: dict[str, bytes | str], message: str | None = None) -> None:
        folder = self.root / f"{len(self.paths):03d}-{name}"
        folder.mkdir()
        for file, data in files.items():
            (folder / file).write_bytes(data.encode() if isinstance(data, str) else data)
        self.paths.append(str(folder / graph))
        if message is not None:
            self.expect[str(folder / graph)] = message


def _text_cases(corpus: Corpus, saved: Path) -> None:
    weights = {"m.webnn.safetensors": _good_safetensors()}
    for i, cut in enumerate(_cuts((saved / "m.webnn").read_bytes(), 30)):
        corpus.add(f"text-cut{i}", "m.webnn", {"m.webnn": cut, "m.webnn.safetensors":
                                                (saved / "m.webnn.safetensors").read_bytes()})
    replace = [
        ("x: f32[2, 2]", "x: f32[4294967296, 4294967296]", "not a valid dimension"),
        ("x: f32[2, 2]", "x: f32[99999999999999999999999999]", "not a valid dimension"),
        ("x: f32[2, 2]", "x: f32[" + "9" * 5000 + "]", "number too long"),
        ("x: f32[2, 2]", "x: f32[-1]", "expected a dimension"),
        ("x: f32[2, 2]", "x: f32[65536, 32768]", "more than"),
        ("x: f32[2, 2]", "x: f32[" + ", ".join(["1"] * 70) + "]", "too many dimensions"),
        ("x: f32[2, 2]", "x: f64[2, 2]", "expected a data type"),
        ("s: f32[2] @scalar(0.5)", "s: u8[2147483647] @scalar(1)", "more than reading this file may make"),
        ("s: f32[2] @scalar(0.5)", "s: f32[536870911] @scalar(1)", "more than reading this file may make"),
        ("s: f32[2] @scalar(0.5)", "s: f32[65536, 65536] @scalar(1)", "more than 2147483647"),
        ("s: f32[2] @scalar(0.5)", "s: i64[16777216, 64] @scalar(1)", "more than"),
        ("s: f32[2] @scalar(0.5)", "s: f32[2] @scalar(" + "1" * 5000 + ")", "number too long"),
        ("b: u8[4] @bytes([1, 2, 3, 4])", "b: u8[4] @bytes([1, 2, 3])", "3 inline bytes"),
        ("b: u8[4] @bytes([1, 2, 3, 4])", "b: u8[2147483647] @bytes([1])", "1 inline bytes"),
        ("b: u8[4] @bytes([1, 2, 3, 4])", "b: u8[4] @bytes([1, 2, 3, 999])", "0 to 255"),
        ("b: u8[4] @bytes([1, 2, 3, 4])", "b: u8[4] @bytes([-1, 2, 3, 4])", "0 to 255"),
        ("b: u8[4] @bytes([1, 2, 3, 4])", "b: u8[4] @bytes(" + "[" * 100000 + ")", "nested more than"),
        ('label="sum"', "label=" + "[" * 100000 + "1" + "]" * 100000, "nested more than"),
        ('label="sum"', 'label="' + "\\u00" * 10, "escape"),
        ("# weights: m.webnn.safetensors", "# weights: ../m.webnn.safetensors", "has a folder part"),
        ("# weights: m.webnn.safetensors", "# weights: /etc/m.webnn.safetensors", "has a folder part"),
        ("# weights: m.webnn.safetensors", '# weights: "..\\\\m.webnn.safetensors"', "has a folder part"),
        ("# weights: m.webnn.safetensors", "# weights: missing.safetensors", "which does not exist"),
        ("# weights: m.webnn.safetensors", "# weights: m.webnn.safetensors sha256=" + "0" * 64,
         "it was written by another save"),
    ]
    for i, (old, new, message) in enumerate(replace):
        assert old in TEXT
        corpus.add(f"text{i}", "m.webnn", {"m.webnn": TEXT.replace(old, new), **weights}, message)
    # @scalar bombs: 2 GiB from a hundred bytes; constants each within the budget, together past it.
    for i, consts in enumerate(["c: u8[2147483647] @scalar(1);", "c: f32[536870911] @scalar(0.5);",
                                " ".join(f"k{i}: u8[67108864] @scalar({i});" for i in range(20)) + " c: u8[1] @scalar(1);"]):
        bomb = f'webnn_graph "b" v1 {{ consts {{ {consts} }} nodes {{ y = identity(c); }} outputs {{ y; }} }}'
        corpus.add(f"text-bomb{i}", "m.webnn", {"m.webnn": bomb}, "more than reading this file may make")
    corpus.add("text-binary", "m.webnn", {"m.webnn": b"\0\xff" * 1000})


def _json_cases(corpus: Corpus, saved: Path) -> None:
    weights = {"m.json.safetensors": _good_safetensors()}
    for i, cut in enumerate(_cuts((saved / "m.json").read_bytes(), 30)):
        corpus.add(f"json-cut{i}", "m.json", {"m.json": cut, "m.json.manifest.json":
                                              (saved / "m.json.manifest.json").read_bytes(),
                                              "m.json.weights": (saved / "m.json.weights").read_bytes()})
    shapes = [[2**64], [-1], [2**31, 2**31], ["2"], [1.5], [[2]], [1] * 70]
    for i, shape in enumerate(shapes):
        doc = _json_graph(inputs={"x": {"dataType": "float32", "shape": shape}})
        corpus.add(f"json-shape{i}", "m.json", {"m.json": json.dumps(doc), **weights})
    consts = [
        ({"dataType": "uint8", "shape": [2147483647], "init": {"kind": "scalar", "value": 1}},
         "more than reading this file may make"),
        ({"dataType": "float32", "shape": [2], "init": {"kind": "inlineBytes", "bytes": [0] * 7}}, "7 inline bytes"),
        ({"dataType": "uint8", "shape": [2147483647], "init": {"kind": "inlineBytes", "bytes": [1]}},
         "1 inline bytes"),
        ({"dataType": "float32", "shape": [2], "init": {"kind": "inlineBytes", "bytes": [256] * 8}}, "a byte"),
        ({"dataType": "float64", "shape": [2], "init": {"kind": "scalar", "value": 1}}, "unknown data type"),
        ({"dataType": "float32", "shape": [2], "init": {"kind": "scalar", "value": "1" * 5000}}, "expected a number"),
    ]
    for i, (const, message) in enumerate(consts):
        doc = _json_graph()
        doc["consts"]["s"] = const
        corpus.add(f"json-const{i}", "m.json", {"m.json": json.dumps(doc), **weights}, message)
    records = [({"file": "../m.json.safetensors"}, "has a folder part"),
               ({"file": "/tmp/m.json.safetensors"}, "has a folder part"),
               ({"file": "m.json.manifest.json", "data": {"file": "../../m.weights"}}, "has a folder part"),
               ({"file": "m.json.safetensors", "sha256": "f" * 64}, "it was written by another save")]
    for i, (record, message) in enumerate(records):
        corpus.add(f"json-record{i}", "m.json", {"m.json": json.dumps(_json_graph(weights=record)), **weights},
                   message)
    nested = [
        "[" * 100000,
        '{"a":' * 100000 + "1" + "}" * 100000,
        json.dumps(_json_graph())[:-1] + ', "deep": ' + "[" * 50000 + "]" * 50000 + "}",
        json.dumps(_json_graph(version=int("9" * 4000))),
    ]
    for i, text in enumerate(nested):
        corpus.add(f"json-nested{i}", "m.json", {"m.json": text, **weights})
    bomb = {"format": "webnn-graph-json", "version": 1, "nodes": [{"id": "y", "op": "identity", "inputs": ["c"]}],
            "consts": {"c": {"dataType": "uint8", "shape": [2147483647], "init": {"kind": "scalar", "value": 1}}},
            "outputs": {"y": "y"}}
    corpus.add("json-bomb", "m.json", {"m.json": json.dumps(bomb)}, "more than reading this file may make")
    doc = _json_graph()
    doc["nodes"][1]["options"]["label"] = json.loads("[" * 500 + "]" * 500)
    corpus.add("json-deep-option", "m.json", {"m.json": json.dumps(doc), **weights}, "nested more than")


def _safetensors_cases(corpus: Corpus, saved: Path) -> None:
    graph = {"m.webnn": TEXT}
    good = _good_safetensors()
    for i, cut in enumerate(_cuts(good, 20)):
        corpus.add(f"st-cut{i}-noverify", "m.webnn", {**graph, "m.webnn.safetensors": cut})
    for i, cut in enumerate(_cuts((saved / "m.webnn.safetensors").read_bytes(), 6)):
        corpus.add(f"st-saved-cut{i}", "m.webnn", {"m.webnn": (saved / "m.webnn").read_bytes(),
                                                   "m.webnn.safetensors": cut}, "written by another save")
    entry = {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]}
    headers = [
        ({"w": {**entry, "data_offsets": [0, 2**40]}}, "past the end of the data"),
        ({"w": {**entry, "data_offsets": [-16, 0]}}, "begin <= end"),
        ({"w": {**entry, "data_offsets": [16, 0]}}, "begin <= end"),
        ({"w": {**entry, "data_offsets": [0, 2**64 + 16]}}, "past the end"),
        ({"w": {**entry, "data_offsets": ["0", 16]}}, "two integers"),
        ({"w": {**entry, "shape": [-1, 2]}}, "integers >= 0"),
        ({"w": {**entry, "shape": [2**40, 2**40]}}, "its data_offsets give 16"),
        ({"w": {**entry, "shape": [4]}}, "shape [4], but the graph declares [2, 2]"),
        ({"w": {**entry, "dtype": "F64", "shape": [2]}}, "dtype F64"),
        ({"w": {**entry, "dtype": "XYZ"}}, "dtype XYZ"),
        ({"w": {**entry, "dtype": 4}}, "not a string"),
        ({"w": entry, "v": {**entry, "data_offsets": [8, 24]}}, "past the end"),
        ({"w": entry, "v": {**entry, "dtype": "U8", "shape": [8], "data_offsets": [4, 12]}}, "overlaps"),
        ({"w": entry, "__metadata__": []}, "__metadata__"),
        ({"v": entry}, "no such tensor"),
    ]
    for i, (header, message) in enumerate(headers):
        corpus.add(f"st-header{i}-noverify", "m.webnn", {**graph, "m.webnn.safetensors": _safetensors(
            header, W.tobytes())}, message)
    raw = [
        (_safetensors({"w": entry}, W.tobytes(), length=2**63), "the header length is"),
        (_safetensors({"w": entry}, W.tobytes(), length=2**40), "the header length is"),
        (good + b"\0" * 8, "bytes after the last tensor"),
        (struct.pack("<Q", 200000) + b"[" * 200000 + W.tobytes(), "nested too deeply"),
        (struct.pack("<Q", 4) + b"[1,2" + W.tobytes(), "invalid JSON"),
        (struct.pack("<Q", 2) + b"[]" + W.tobytes(), "not an object"),
        (b"\xff" * 40, "header length"),
    ]
    for i, (data, message) in enumerate(raw):
        corpus.add(f"st-raw{i}-noverify", "m.webnn", {**graph, "m.webnn.safetensors": data}, message)
    # The graph declares a huge tensor; the file's header agrees but holds 16 bytes.
    big = TEXT.replace("w: f32[2, 2]", "w: u8[2147483647]").replace("y = matmul(x, w);", "y = matmul(x, x);")
    header = {"w": {"dtype": "U8", "shape": [2147483647], "data_offsets": [0, 2147483647]}}
    corpus.add("st-huge-noverify", "m.webnn", {"m.webnn": big, "m.webnn.safetensors": _safetensors(header, W.tobytes())},
               "past the end of the data")


def _manifest_cases(corpus: Corpus, saved: Path) -> None:
    graph = {"m.webnn": MANIFEST_TEXT}
    data = {"m.webnn.weights": W.tobytes()}
    good = _manifest(GOOD_ENTRY)
    for i, cut in enumerate(_cuts(good, 12)):
        corpus.add(f"mf-cut{i}-noverify", "m.webnn", {**graph, **data, "m.webnn.manifest.json": cut})
    for i, cut in enumerate(_cuts(W.tobytes(), 8)):
        corpus.add(f"mf-data-cut{i}-noverify", "m.webnn", {**graph, "m.webnn.manifest.json": good,
                                                           "m.webnn.weights": cut}, "truncated")
    for i, cut in enumerate(_cuts((saved / "m.json.weights").read_bytes(), 4)):
        corpus.add(f"mf-saved-cut{i}", "m.json", {"m.json": (saved / "m.json").read_bytes(),
                                                  "m.json.manifest.json": (saved / "m.json.manifest.json").read_bytes(),
                                                  "m.json.weights": cut}, "written by another save")
    entries = [
        ({**GOOD_ENTRY, "byteLength": -16}, "integer >= 0"),
        ({**GOOD_ENTRY, "byteLength": 2**64}, "bytes, but float32"),
        ({**GOOD_ENTRY, "byteLength": 8}, "8 bytes, but float32"),
        ({**GOOD_ENTRY, "byteOffset": 2**63}, "past the end of the file"),
        ({**GOOD_ENTRY, "byteOffset": 8}, "past the end of the file"),
        ({**GOOD_ENTRY, "byteOffset": -1}, "integer >= 0"),
        ({**GOOD_ENTRY, "byteOffset": 1.5}, "integer >= 0"),
        ({**GOOD_ENTRY, "dataType": "int64"}, "int64, but the graph declares float32"),
        ({**GOOD_ENTRY, "dataType": 7}, "expected a string"),
        ({**GOOD_ENTRY, "shape": [2**40, 2**40]}, "but the graph declares"),
        ({**GOOD_ENTRY, "shape": "2x2"}, "array of integers"),
        ({**GOOD_ENTRY, "layout": "tiled"}, "unsupported layout"),
    ]
    for i, (entry, message) in enumerate(entries):
        corpus.add(f"mf-entry{i}-noverify", "m.webnn", {**graph, **data, "m.webnn.manifest.json": _manifest(entry)},
                   message)
    raw = [
        (b"[" * 100000, "nested too deeply"),
        (b'{"tensors":' * 50000 + b"{}" + b"}" * 50000, "nested too deeply"),
        (b"[]", "expected an object"),
        (json.dumps({"format": "wg-weights-manifest", "tensors": []}).encode(), "expected an object"),
        (_manifest(GOOD_ENTRY, endianness="middle"), "'little' or 'big'"),
        (_manifest(GOOD_ENTRY, version=2**70), "unsupported version"),
        (b"\xff\xfe", "not valid UTF-8"),
    ]
    for i, (manifest, message) in enumerate(raw):
        corpus.add(f"mf-raw{i}-noverify", "m.webnn", {**graph, **data, "m.webnn.manifest.json": manifest}, message)
    big = MANIFEST_TEXT.replace("w: f32[2, 2]", "w: u8[2147483647]").replace("y = matmul(x, w);", "y = matmul(x, x);")
    entry = {"dataType": "uint8", "shape": [2147483647], "byteOffset": 0, "byteLength": 2147483647}
    corpus.add("mf-huge-noverify", "m.webnn", {"m.webnn": big, **data, "m.webnn.manifest.json": _manifest(entry)},
               "past the end of the file")
    escaping = MANIFEST_TEXT.replace("\n", "\n# weights data: ../../m.webnn.weights\n", 1)
    corpus.add("mf-data-escapes", "m.webnn", {"m.webnn": escaping, **data, "m.webnn.manifest.json": good},
               "has a folder part")


def test_hostile_graph_files(tmp_path: Path) -> None:
    context = webnn.ML().create_context(backend="reference")
    graph, _ = feature_graph(context)
    saved = tmp_path / "saved"
    saved.mkdir()
    graph.save(saved / "m.webnn", inline_threshold=0)
    graph.save(saved / "m.json", "manifest", inline_threshold=0)
    corpus = Corpus(tmp_path)
    for make in (_text_cases, _json_cases, _safetensors_cases, _manifest_cases):
        make(corpus, saved)
    # The unbroken files load (the corpus breaks what works).
    for name, files in (("good-text", {"m.webnn": TEXT, "m.webnn.safetensors": _good_safetensors()}),
                        ("good-manifest-noverify", {"m.webnn": MANIFEST_TEXT, "m.webnn.manifest.json":
                                                    _manifest(GOOD_ENTRY), "m.webnn.weights": W.tobytes()})):
        corpus.add(name, "m.webnn", files)
    results = outcomes(ATTEMPT, corpus.paths)
    good = {r.path: r for r in results[-2:]}
    assert all(r.error is None for r in good.values()), good
    check_documented(results[:-2], allowed=ALLOWED)
    wrong = [f"{r.path}: expected {corpus.expect[r.path]!r}, got {r.message[:200]!r}"
             for r in results if r.path in corpus.expect and corpus.expect[r.path] not in r.message]
    assert not wrong, "\n".join(wrong)
