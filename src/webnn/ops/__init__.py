"""The spec layer: one module per op family; importing it registers every op in ``OPS``."""

from importlib import import_module

from .base import JS_NAMES, OPS, OpDef

#: The op families: a module of that name in ops/ and in each backend's kernel / lowering package.
FAMILIES = (
    "activation", "conv", "elementwise", "indexing", "linalg", "normalization", "pool", "quantization",
    "recurrent", "reduce", "scan", "shape",
)

for _family in FAMILIES:
    import_module(f"{__name__}.{_family}")

__all__ = ["FAMILIES", "JS_NAMES", "OPS", "OpDef"]
