"""The spec layer: one module per op family, each registering its ops; :data:`OPS` imports a
family's module when one of its ops is first looked up (see :mod:`webnn.ops.names`)."""

from .base import JS_NAMES, OPS, OpDef
from .names import FAMILIES

__all__ = ["FAMILIES", "JS_NAMES", "OPS", "OpDef"]
