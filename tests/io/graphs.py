"""Graphs for the I/O tests: the WPT conformance graphs, a small graph using many features,
and a structural comparison of two graphs' IR."""

from __future__ import annotations

from typing import Any

import numpy as np

import webnn
from webnn.io.document import plain
from webnn.ir import Graph

from ..conformance.wpt import Case, load_cases, wpt_dir

CASES: list[Case] = load_cases() if (wpt_dir() / "conformance").is_dir() else []
WPT_FILES: list[str] = sorted({case.file for case in CASES})


def feature_graph(context: webnn.MLContext) -> tuple[webnn.MLGraph, dict[str, np.ndarray]]:
    """A small graph with labels, operand options, multi-output ops, sequences of operands,
    exact int64 values, NaN / infinite attributes, int4 constants and odd names."""
    rng = np.random.default_rng(7)
    b = context.create_graph_builder()
    x = b.input("x", [1, 3, 6, 6], "float32")
    ids = b.input("ids:0", [3], "int64")  # not an identifier: quoted in the text form
    w = b.constant(rng.standard_normal((4, 3, 3, 3)).astype(np.float32))
    bias = b.constant(np.full(4, 0.25, np.float32))
    y = b.conv2d(x, w, padding=[1, 1, 1, 1], bias=bias, label='conv "stem"\n1')
    y = b.clamp(y, min_value=-np.inf, max_value=6.0, label="clamp")
    parts = b.split(y, [1, 3], axis=1, label="/model/split")
    cat = b.concat([parts[1], parts[0]], 1, label="cat")
    pooled = b.average_pool2d(cat, window_dimensions=[3, 3], output_shape_rounding="ceil", strides=[2, 2])
    big = b.constant(np.array([2**62 + 1, -(2**63), 2**63 - 1], np.int64))
    total = b.add(ids, big, label="int64 add")
    padded = b.pad(b.cast(ids, "float32"), [1], [2], value=float("nan"), label="nan pad")
    scale = b.constant(np.full((2, 2), 0.5, np.float32))
    zero = b.constant({"dataType": "int4", "shape": [2, 2]}, np.array([-8, 7, 3, -1], np.int8))
    deq = b.dequantize_linear(zero, scale, zero, label="dq")
    sm = b.softmax(b.reshape(pooled, [1, 36]), 1)
    graph = b.build({"pooled": sm, "total": total, "padded": padded, "dequantized": deq, "same": total})
    return graph, {"x": rng.standard_normal((1, 3, 6, 6)).astype(np.float32),
                   "ids:0": np.array([1, -1, 5], np.int64)}


def _input_descs(graph: Graph, op: Any) -> list[Any]:
    result = []
    for name, ref in op.inputs.items():
        refs = ref if isinstance(ref, tuple) else (ref,)
        for r in refs:
            if r is None:
                result.append((name, None))
                continue
            constant = graph.constants.get(r)
            result.append((name, graph.operands[r], None if constant is None else constant.tobytes()))
    return result


def assert_same_ir(a: Graph, b: Graph) -> None:
    """Same inputs, outputs, operations (types, labels, attributes, operand descriptors, constant bytes)."""
    assert a.input_descriptors == b.input_descriptors
    assert a.output_descriptors == b.output_descriptors
    assert list(a.outputs) == list(b.outputs)
    assert len(a.operations) == len(b.operations)
    for x, y in zip(a.operations, b.operations):
        assert (x.type, x.label) == (y.type, y.label)
        ax, ay = dict(x.attrs), dict(y.attrs)
        if x.type.endswith("pool2d"):
            # Given output sizes that both roundings produce normalize the rounding to "floor";
            # the output sizes themselves (what the backends use) are the same.
            ax.pop("output_shape_rounding")
            ay.pop("output_shape_rounding")
        assert plain(ax) == plain(ay), (x.type, ax, ay)
        assert _input_descs(a, x) == _input_descs(b, y)
        assert [a.operands[o] for o in x.outputs] == [b.operands[o] for o in y.outputs]
