"""The OpenVINO backend: the graph lowered straight to an OpenVINO model (its Python opset API,
no ONNX round trip), compiled once at ``build()``.

The lowerings (``lowering/``, one module per op family) declare, per op, the data types they
compute exactly; every other op or data type is refused at ``build()`` with
``NotSupportedError`` and left out of ``op_support_limits()``.
"""

from __future__ import annotations

from .backend import OpenVinoBackend

__all__ = ["OpenVinoBackend"]
