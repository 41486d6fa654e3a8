"""Helpers shared by the tests."""

from __future__ import annotations

import pytest


def onnx_nodes(graph) -> list:
    """The ONNX nodes (``onnx.NodeProto``) the onnxruntime backend emits for an MLGraph."""
    pytest.importorskip("onnxruntime")
    from webnn.backends.onnxruntime.emitter import Emitter
    from webnn.backends.onnxruntime.lowering import lower

    emitter = Emitter(graph.ir)
    lower(emitter)
    return list(emitter.model.graph.node)


def onnx_op_types(graph) -> list[str]:
    return [node.op_type for node in onnx_nodes(graph)]
