"""Graph pictures: Graphviz DOT text, rendered to SVG / PNG with the ``dot`` program."""

from __future__ import annotations

import os
import shutil
import subprocess
from typing import TYPE_CHECKING

from ..ops import OPS
from ..ops.base import camel

if TYPE_CHECKING:
    from ..graph import MLGraph
    from ..ir import Graph, OperandDescriptor

#: Output formats ``render`` knows, by file extension.
RENDER_FORMATS = {".svg": "svg", ".png": "png", ".pdf": "pdf"}
#: Seconds ``dot`` may take.
RENDER_TIMEOUT = 300
#: Label text longer than this is shortened.
MAX_LABEL = 80


def escape(text: str) -> str:
    """``text`` as the inside of a DOT double-quoted string: backslashes and quotes escaped,
    line breaks and other control characters written out, nothing Graphviz would interpret."""
    if len(text) > MAX_LABEL:
        text = text[: MAX_LABEL - 3] + "..."
    out = []
    for ch in text:
        code = ord(ch)
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif ch == "\n":
            out.append("\\n")  # a line break in the label
        elif code < 0x20 or code == 0x7F or 0x80 <= code < 0xA0 or 0xD800 <= code <= 0xDFFF \
                or 0x202A <= code <= 0x202E or 0x2066 <= code <= 0x2069:
            out.append(f"\\\\u{code:04x}")
        else:
            out.append(ch)
    return "".join(out)


def _q(text: str) -> str:
    return f'"{escape(text)}"'


def _desc(desc: OperandDescriptor) -> str:
    return f"{desc.data_type} [{', '.join(map(str, desc.shape))}]"


#: Graphs of at least this many operations are drawn compact unless told otherwise.
COMPACT_OPS = 30


def graph_to_dot(graph: Graph, name: str = "webnn", compact: bool | None = None) -> str:
    """DOT text: inputs, constants, operations and outputs as nodes, operands as edges
    labelled with their data type and shape.

    ``compact`` (for large graphs; None, the default: for graphs of ``COMPACT_OPS`` operations or
    more): the constants are written in the nodes of the operations that read them, not drawn as
    nodes of their own (a network's weights would double the nodes and spread the picture
    sideways), and boxes group the blocks that the operations' labels name (``dot_clusters``)."""
    if compact is None:
        compact = len(graph.operations) >= COMPACT_OPS
    inline = {operand for operand in graph.constants if compact} - set(graph.outputs.values())
    lines = [
        f"digraph {_q(name)} {{",
        "  rankdir=TB;",
        '  node [fontname="Helvetica", fontsize=11];',
        '  edge [fontname="Helvetica", fontsize=9];',
    ]
    producer: dict[int, str] = {}
    #: For the outputs of multi-output operations: which output the edge carries.
    which: dict[int, str] = {}
    for i, (input_name, operand) in enumerate(graph.inputs.items()):
        node_id = f"input_{i}"
        producer[operand] = node_id
        lines.append(
            f"  {node_id} [label={_q('input ' + input_name)}, shape=oval, style=filled, fillcolor=\"#d4edda\"];"
        )
    for operand in graph.constants:
        if operand in inline:
            continue
        node_id = f"const_{operand}"
        producer[operand] = node_id
        lines.append(
            f"  {node_id} [label={_q('constant ' + _desc(graph.operands[operand]))}, shape=box, "
            'style="filled", fillcolor="#eeeeee", fontsize=9];'
        )
    for index, op in enumerate(graph.operations):
        node_id = f"op_{index}"
        js_name = OPS[op.type].js_name if op.type in OPS else op.type
        texts = [js_name] + ([op.label] if op.label else [])
        edges = []
        for param, ref in op.inputs.items():
            refs = ref if isinstance(ref, tuple) else (ref,)
            for operand in refs:
                if operand is None:
                    continue
                edge = _desc(graph.operands[operand])
                if operand in inline:
                    texts.append(f"{camel(param)}: {edge}")
                    continue
                port = "" if param in ("input", "a", "inputs") else f" ({camel(param)})"
                label = which.get(operand, "") + edge + port
                edges.append(f"  {producer[operand]} -> {node_id} [label={_q(label)}];")
        label = "\\n".join(escape(text) for text in texts)
        lines.append(f'  {node_id} [label="{label}", shape=box, style="rounded,filled", fillcolor="#dbe9f6"];')
        lines.extend(edges)
        for k, operand in enumerate(op.outputs):
            producer[operand] = node_id
            if len(op.outputs) > 1:
                which[operand] = f"#{k} "
    for i, (output_name, operand) in enumerate(graph.outputs.items()):
        node_id = f"output_{i}"
        lines.append(
            f"  {node_id} [label={_q('output ' + output_name)}, shape=oval, style=filled, fillcolor=\"#fde2c8\"];"
        )
        label = which.get(operand, "") + _desc(graph.operands[operand])
        lines.append(f"  {producer[operand]} -> {node_id} [label={_q(label)}];")
    if compact:
        from .dot_clusters import dot_lines

        lines.extend(dot_lines(graph, _q))
    lines.append("}")
    return "\n".join(lines) + "\n"


def to_dot(graph: MLGraph, compact: bool | None = None) -> str:
    return graph_to_dot(graph.ir, compact=compact)


def find_dot() -> str | None:
    return shutil.which("dot")


def render(graph: MLGraph, path: str | os.PathLike[str], compact: bool | None = None) -> None:
    """Draw ``graph`` to ``path``: ``.svg``, ``.png`` or ``.pdf`` with Graphviz's ``dot``, ``.dot`` as text;
    ``compact`` as ``graph_to_dot`` takes it."""
    path = os.fspath(path)
    ext = os.path.splitext(path)[1].lower()
    text = to_dot(graph, compact)
    if ext in (".dot", ".gv"):
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return
    if ext not in RENDER_FORMATS:
        raise ValueError(f"render: {path}: the extension must be .svg, .png, .pdf or .dot")
    dot = find_dot()
    if dot is None:
        raise RuntimeError(
            "render: the Graphviz 'dot' program is not installed (install Graphviz, e.g. "
            "`apt install graphviz` or `brew install graphviz`), or write DOT text with a .dot path"
        )
    try:
        proc = subprocess.run(
            [dot, f"-T{RENDER_FORMATS[ext]}", "-o", path], input=text.encode("utf-8"),
            capture_output=True, timeout=RENDER_TIMEOUT,
        )
    except subprocess.TimeoutExpired:
        raise RuntimeError(f"render: dot took more than {RENDER_TIMEOUT} s") from None
    if proc.returncode != 0:
        message = proc.stderr.decode("utf-8", "replace").strip()
        raise RuntimeError(f"render: dot failed (exit code {proc.returncode}): {message}")
