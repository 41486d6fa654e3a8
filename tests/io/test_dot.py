"""Graph pictures: DOT text (always tested), rendering with Graphviz's dot (when installed)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import numpy as np
import pytest

import webnn
from webnn.io import dot as dot_module

from .graphs import feature_graph

HAS_DOT = shutil.which("dot") is not None
#: A DOT statement line: ids, attribute lists of key=value with quoted strings.
_QUOTED = r'"(?:[^"\\]|\\.)*"'
_ATTRS = rf"\[(?:\w+=(?:{_QUOTED}|[\w#.]+)(?:, )?)*\]"
_STATEMENT = re.compile(rf"^  (?:\w+(?: -> \w+)? {_ATTRS};|rankdir=TB;|(?:node|edge) {_ATTRS};)$")


@pytest.fixture(scope="module")
def context() -> webnn.MLContext:
    return webnn.ML().create_context(backend="reference")


def _check_syntax(text: str) -> None:
    lines = text.splitlines()
    assert re.fullmatch(rf"digraph {_QUOTED} {{", lines[0])
    assert lines[-1] == "}"
    for line in lines[1:-1]:
        assert _STATEMENT.match(line), line


def test_dot_text(context: webnn.MLContext) -> None:
    graph, _ = feature_graph(context)
    text = graph.to_dot()
    _check_syntax(text)
    ir = graph.ir
    # One node per input, constant, operation and output; one edge per operand use and output.
    nodes = [line for line in text.splitlines() if re.match(r"^  \w+ \[label=", line)]
    assert len(nodes) == len(ir.inputs) + len(ir.constants) + len(ir.operations) + len(ir.outputs)
    uses = sum(len(op.input_ids()) for op in ir.operations)
    assert len(re.findall(r"^  \w+ -> \w+ ", text, re.M)) == uses + len(ir.outputs)
    assert 'op_0 [label="conv2d\\nconv \\"stem\\"\\n1"' in text  # op type, then the label (escaped)
    assert 'op_2 [label="split\\n/model/split"' in text
    assert 'input_0 -> op_0 [label="float32 [1, 3, 6, 6]"]' in text
    assert '[label="float32 [4] (bias)"]' in text
    assert '[label="#1 float32 [1, 3, 6, 6]"]' in text  # which output of a multi-output op
    assert 'input_1 [label="input ids:0"' in text
    assert 'label="output same"' in text
    assert 'label="constant int4 [2, 2]"' in text


@pytest.mark.parametrize("label", ['a"b', "back\\slash", "line\nbreak", "bell\x07", "rtl\u202eevil", '"; x -> y [', "\\"])
def test_dot_escapes_labels_and_names(label: str, context: webnn.MLContext) -> None:
    b = context.create_graph_builder()
    x = b.input(label, [2], "float32")
    graph = b.build({label + "_out": b.relu(x, label=label)})
    text = graph.to_dot()
    _check_syntax(text)
    assert "\x07" not in text and "\u202e" not in text
    assert len(re.findall(r"^  \w+ -> \w+ ", text, re.M)) == 2


def test_dot_long_labels_are_shortened(context: webnn.MLContext) -> None:
    b = context.create_graph_builder()
    x = b.input("x", [2], "float32")
    graph = b.build({"y": b.relu(x, label="L" * 1000)})
    text = graph.to_dot()
    assert "L" * dot_module.MAX_LABEL not in text and "L" * 10 + "..." in text


def test_render_dot_text(context: webnn.MLContext, tmp_path: Path) -> None:
    graph, _ = feature_graph(context)
    graph.render(tmp_path / "g.dot")
    assert (tmp_path / "g.dot").read_text() == graph.to_dot()


def test_render_without_dot(context: webnn.MLContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    graph, _ = feature_graph(context)
    monkeypatch.setattr(dot_module, "find_dot", lambda: None)
    with pytest.raises(RuntimeError, match="Graphviz 'dot' program is not installed"):
        graph.render(tmp_path / "g.svg")
    assert not (tmp_path / "g.svg").exists()
    with pytest.raises(ValueError, match=r"\.svg, \.png, \.pdf or \.dot"):
        graph.render(tmp_path / "g.jpg")


@pytest.mark.skipif(not HAS_DOT, reason="Graphviz dot is not installed")
@pytest.mark.parametrize(("ext", "magic"), [(".svg", b"<?xml"), (".png", b"\x89PNG")])
def test_render(ext: str, magic: bytes, context: webnn.MLContext, tmp_path: Path) -> None:
    graph, _ = feature_graph(context)
    graph.render(tmp_path / f"g{ext}")
    data = (tmp_path / f"g{ext}").read_bytes()
    assert data.startswith(magic)
    if ext == ".svg":
        assert b"conv2d" in data and b"/model/split" in data


@pytest.mark.skipif(not HAS_DOT, reason="Graphviz dot is not installed")
def test_render_odd_labels(context: webnn.MLContext, tmp_path: Path) -> None:
    b = context.create_graph_builder()
    x = b.input('in"put\\', [2], "float32")
    c = b.constant(np.ones(2, np.float32))
    graph = b.build({"out\n": b.add(x, c, label='"]; evil [label="x')})
    graph.render(tmp_path / "g.svg")
    assert (tmp_path / "g.svg").read_bytes().startswith(b"<?xml")
