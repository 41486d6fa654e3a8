"""What the onnxruntime backend asks of the graph passes (:mod:`webnn.passes`) before lowering.

Kept apart from the backend module, which imports ONNX Runtime: ONNX export lowers through
the same pipeline without needing the engine.
"""

from __future__ import annotations

#: The ONNX opset the lowerings write.
OPSET = 21
#: The passes, in order.
PIPELINE = ("canonical_layout", "decompose", "fold", "sink_transposes", "noop", "cse", "dce")
#: Ops lowered by the shared decompositions instead of a lowering of their own.
DECOMPOSE: frozenset[str] = frozenset()
#: The one layout the lowerings take: NCHW inputs, OIHW / IOHW filters.
LAYOUT = "nchw"
