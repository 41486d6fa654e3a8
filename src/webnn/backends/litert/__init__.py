"""The LiteRT backend: the graph lowered to a TFLite model (the flatbuffer LiteRT's interpreter
reads, NHWC as TFLite wants it), run by the interpreter with XNNPACK's CPU kernels.

The lowerings (``lowering/``, one module per op family) declare, per op, the data types they
compute exactly; every other op or data type is refused at ``build()`` with
``NotSupportedError`` and left out of ``op_support_limits()``.
"""

from __future__ import annotations

from .backend import LiteRtBackend

__all__ = ["LiteRtBackend"]
