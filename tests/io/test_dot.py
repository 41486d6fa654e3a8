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


# ------------------------------------------------------------------------------ large graphs: compact


#: A ``subgraph cluster_N`` block's first line, its attribute line, and its members line.
_CLUSTER = re.compile(r"^(\s*)subgraph (cluster_\d+) \{$")


def _clusters(text: str) -> dict[str, tuple[str | None, list[str]]]:
    """The boxes of DOT text: label -> (the label of the box around it, its own member node ids)."""
    boxes: dict[str, tuple[str | None, list[str]]] = {}
    stack: list[str] = []
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if _CLUSTER.match(line):
            label = re.search(r'label="((?:[^"\\]|\\.)*)"', lines[i + 1])
            assert label, lines[i + 1]
            boxes[label.group(1)] = (stack[-1] if stack else None, [])
            stack.append(label.group(1))
        elif stack and re.fullmatch(r"\s*(?:\w+; )*\w+;", line):
            boxes[stack[-1]][1].extend(re.findall(r"\w+", line))
        elif stack and line.strip() == "}":
            stack.pop()
    assert not stack
    return boxes


def _blocks_graph(context: webnn.MLContext) -> webnn.MLGraph:
    """Labelled like a bench workload (``block0.conv``), like a PyTorch export
    (``/enc/layer.0/attn/MatMul``), and with a prefix shared by operations far apart (``p2o.Relu.N``,
    not a block)."""
    b = context.create_graph_builder()
    y = b.input("x", [1, 4, 8, 8], "float32")
    for n in range(3):
        w = b.constant(np.ones((4, 4, 1, 1), np.float32))
        y = b.conv2d(y, w, label=f"block{n}.conv")
        z = b.clamp(y, min_value=0.0, max_value=6.0, label=f"block{n}.relu6")
        y = b.add(z, y, label=f"block{n}.add")
        y = b.sigmoid(b.mul(y, y, label=f"block{n}.gate.mul"), label=f"block{n}.gate.sigmoid")
        y = b.relu(y, label=f"p2o.Relu.{n}")  # between the blocks
    y = b.reshape(y, [1, 256])
    for n in range(2):
        q = b.matmul(y, b.constant(np.ones((256, 256), np.float32)), label=f"/enc/layer.{n}/attn/MatMul")
        k = b.matmul(q, b.constant(np.ones((256, 256), np.float32)), label=f"/enc/layer.{n}/attn/MatMul_1")
        y = b.add(b.tanh(k, label=f"/enc/layer.{n}/attn/Tanh"), y, label=f"/enc/layer.{n}/Add")
    return b.build({"y": y})


def test_compact_boxes_blocks_by_label_prefix(context: webnn.MLContext) -> None:
    graph = _blocks_graph(context)
    text = graph.to_dot(compact=True)
    ops = {op.label: f"op_{i}" for i, op in enumerate(graph.ir.operations)}
    boxes = _clusters(text)
    assert boxes == {
        "block0": (None, [ops["block0.conv"], ops["block0.relu6"], ops["block0.add"],
                          ops["block0.gate.mul"], ops["block0.gate.sigmoid"]]),
        "block1": (None, [ops["block1.conv"], ops["block1.relu6"], ops["block1.add"],
                          ops["block1.gate.mul"], ops["block1.gate.sigmoid"]]),
        "block2": (None, [ops["block2.conv"], ops["block2.relu6"], ops["block2.add"],
                          ops["block2.gate.mul"], ops["block2.gate.sigmoid"]]),
        # "enc" and "enc/layer" hold the same operations: one box; each layer's 3 attention ops a box
        "enc": (None, []),
        "enc/layer.0": ("enc", [ops["/enc/layer.0/Add"]]),
        "enc/layer.0/attn": ("enc/layer.0", [ops[f"/enc/layer.0/attn/{n}"] for n in ("MatMul", "MatMul_1", "Tanh")]),
        "enc/layer.1": ("enc", [ops["/enc/layer.1/Add"]]),
        "enc/layer.1/attn": ("enc/layer.1", [ops[f"/enc/layer.1/attn/{n}"] for n in ("MatMul", "MatMul_1", "Tanh")]),
    }  # no "p2o" / "p2o.Relu" box: its 3 operations are not joined; no "block0.gate" box: 2 operations
    # the constants are written in their readers' nodes, not drawn
    assert "const_" not in text
    assert 'label="conv2d\\nblock0.conv\\nfilter: float32 [4, 4, 1, 1]"' in text
    assert 'label="matmul\\n/enc/layer.1/attn/MatMul_1\\nb: float32 [256, 256]"' in text
    uses = sum(1 for op in graph.ir.operations for operand in op.input_ids() if operand not in graph.ir.constants)
    assert len(re.findall(r"^  \w+ -> \w+ ", text, re.M)) == uses + len(graph.ir.outputs)
    # every node is in at most one box, and every id a box names is a node
    members = [node for _, ids in boxes.values() for node in ids]
    assert len(members) == len(set(members)) and all(f"  {node} [label=" in text for node in members)
    assert text.count("{") == text.count("}")


def test_compact_is_for_large_graphs(context: webnn.MLContext) -> None:
    graph, _ = feature_graph(context)  # small: drawn as before, every constant a node, no boxes
    assert len(graph.ir.operations) < dot_module.COMPACT_OPS
    assert graph.to_dot() == graph.to_dot(compact=False)
    _check_syntax(graph.to_dot())
    assert "subgraph" not in graph.to_dot() and "const_" in graph.to_dot()
    b = context.create_graph_builder()
    y = b.input("x", [2], "float32")
    for n in range(dot_module.COMPACT_OPS):
        y = b.add(y, b.constant(np.ones(2, np.float32)), label=f"part{n // 10}.add{n}")
    large = b.build({"y": y})
    assert large.to_dot() == large.to_dot(compact=True)
    assert set(_clusters(large.to_dot())) == {"part0", "part1", "part2"}
    no = large.to_dot(compact=False)
    assert "subgraph" not in no and no.count("const_") == 2 * dot_module.COMPACT_OPS


def _mobilenetv2(context: webnn.MLContext) -> webnn.MLGraph:
    """The bench's MobileNetV2 (seeded random weights: the same graph as with the real ones)."""
    from webnn.bench.workloads import make_workload

    builder = context.create_graph_builder()
    return builder.build(make_workload("mobilenetv2", 32).build_webnn(builder))


def test_mobilenetv2_dot_has_a_box_per_block(context: webnn.MLContext) -> None:
    graph = _mobilenetv2(context)
    boxes = _clusters(graph.to_dot())
    assert list(boxes) == [f"block{n}" for n in range(17)] + ["head"]
    assert all(parent is None and len(ids) in (3, 5, 6) for name, (parent, ids) in boxes.items() if name != "head")
    labels = {f"op_{i}": op.label for i, op in enumerate(graph.ir.operations)}
    assert [labels[node] for node in boxes["block2"][1]] == [
        "block2.expand", "block2.expand_relu6", "block2.depthwise", "block2.depthwise_relu6", "block2.project",
        "block2.add"]


def test_mobilenetv2_imported_from_onnx_has_the_boxes(context: webnn.MLContext) -> None:
    """ONNX node names are the op labels: the bench's ONNX MobileNetV2 gets the same boxes."""
    pytest.importorskip("onnx", reason="onnx is not installed")
    from webnn.bench.workloads import make_workload

    model = make_workload("mobilenetv2", 32).build_onnx()
    graph = webnn.load_onnx(model.SerializeToString(), context)
    assert list(_clusters(graph.to_dot())) == [f"block{n}" for n in range(17)] + ["head"]


@pytest.mark.skipif(not HAS_DOT, reason="Graphviz dot is not installed")
def test_render_mobilenetv2(context: webnn.MLContext, tmp_path: Path) -> None:
    import xml.etree.ElementTree as ET

    graph = _mobilenetv2(context)
    graph.render(tmp_path / "m.svg")
    root = ET.parse(tmp_path / "m.svg").getroot()
    svg = "{http://www.w3.org/2000/svg}"
    groups = list(root.iter(f"{svg}g"))
    boxes = ["".join(g.find(f"{svg}text").itertext()) for g in groups if g.get("class") == "cluster"]
    assert boxes == [f"block{n}" for n in range(17)] + ["head"]
    nodes = [g for g in groups if g.get("class") == "node"]
    assert len(nodes) == len(graph.ir.operations) + 2  # the operations, the input and the output: no constants
    # tall and narrow: about one node wide (drawing the constants as nodes made it ten times wider)
    width, height = (float(root.get(key, "0").removesuffix("pt")) for key in ("width", "height"))
    assert width < 600 < 5 * width < height
    graph.render(tmp_path / "wide.svg", compact=False)
    assert float(ET.parse(tmp_path / "wide.svg").getroot().get("width", "0").removesuffix("pt")) > 3 * width


def test_visualize_compact_option(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("onnx", reason="onnx is not installed")
    from webnn.bench.workloads import make_workload
    from webnn.cli import main

    model = tmp_path / "m.onnx"
    model.write_bytes(make_workload("mobilenetv2", 32).build_onnx().SerializeToString())
    assert main(["visualize", "-q", str(model), "-o", str(tmp_path / "a.dot")]) == 0
    assert "subgraph cluster_0" in (tmp_path / "a.dot").read_text()
    assert main(["visualize", "-q", str(model), "-o", str(tmp_path / "b.dot"), "--no-compact"]) == 0
    assert "subgraph" not in (tmp_path / "b.dot").read_text() and "const_" in (tmp_path / "b.dot").read_text()
    capsys.readouterr()
