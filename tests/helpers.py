"""Helpers shared by the tests."""

from __future__ import annotations

import pytest


def onnx_nodes(graph) -> list:
    """The ONNX nodes (``onnx.NodeProto``) the onnxruntime backend emits for an MLGraph (after
    its pass pipeline, as at build)."""
    pytest.importorskip("onnxruntime")
    from webnn.backends.onnxruntime.emitter import Emitter
    from webnn.backends.onnxruntime.lowering import lower
    from webnn.backends.onnxruntime.pipeline import DECOMPOSE, LAYOUT, PIPELINE
    from webnn.passes import PassContext, run_pipeline

    lowered = run_pipeline(graph.ir, PIPELINE, PassContext(decompose=DECOMPOSE, layout=LAYOUT, verify=True))
    emitter = Emitter(lowered)
    lower(emitter)
    return list(emitter.model.graph.node)


def onnx_op_types(graph) -> list[str]:
    return [node.op_type for node in onnx_nodes(graph)]


#: Backends whose engine flushes float32 subnormal operands and results of its arithmetic to zero
#: (XNNPACK, under the litert backend; WPT's cases pass): tests of subnormal values hold them to
#: the reference where the reference's values are normal.
FLUSHES_SUBNORMALS = frozenset({"litert"})
