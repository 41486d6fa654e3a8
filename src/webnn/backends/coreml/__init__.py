"""The CoreML backend: the graph lowered to a CoreML ML Program (MIL, the iOS 17 / macOS 14
opset) with coremltools' builder, written as an ``.mlpackage`` on every system
(``graph.convert_to_coreml(path)``) and run by CoreML where it runs (macOS).

The lowerings (``lowering/``, one module per op family) declare, per op, the data types they
compute exactly; every other op or data type is refused with ``NotSupportedError`` and left out
of ``op_support_limits()``.
"""

from __future__ import annotations

from .backend import CoreMlBackend

__all__ = ["CoreMlBackend"]
