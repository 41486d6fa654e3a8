"""The spec layer: one module per op family; importing it registers every op in ``OPS``."""

from . import (  # noqa: F401
    activation,
    conv,
    elementwise,
    indexing,
    linalg,
    normalization,
    pool,
    quantization,
    recurrent,
    reduce,
    scan,
    shape,
)
from .base import JS_NAMES, OPS, OpDef

__all__ = ["JS_NAMES", "OPS", "OpDef"]
