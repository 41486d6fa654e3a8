"""WebNN operations as ONNX nodes: one lowering function per op, registered by op name.

A lowering receives an :class:`~webnn.backends.onnxruntime.emitter.OpEmitter` (the shared
emitter as seen from the operation being lowered: its inputs, its output descriptors, nodes
named after it) and the operation; it adds nodes and returns the ONNX value name of each
output (a list for multi-output ops).  Attributes are the normalized ones of the graph IR:
nothing is re-validated.  The graph has been through the backend's pass pipeline
(:mod:`..pipeline`): convolutions, pools and instance normalization come in the canonical
layout only (:mod:`.canonical`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from importlib import import_module

from ....ir import Operation
from ..emitter import Emitter, LoweringError, OpEmitter

Lowering = Callable[[OpEmitter, Operation], str | list[str]]
LOWERINGS: dict[str, Lowering] = {}


def lowering(*names: str) -> Callable[[Lowering], Lowering]:
    def register(func: Lowering) -> Lowering:
        for name in names:
            if name in LOWERINGS:
                raise AssertionError(f"onnxruntime lowering for {name} defined twice")
            LOWERINGS[name] = func
        return func

    return register


def lower(emitter: Emitter) -> dict[str, str]:
    """Lower every operation of the emitter's graph; returns the output value names."""
    load({op.type for op in emitter.graph.operations})
    for op in emitter.graph.operations:
        fn = LOWERINGS.get(op.type)
        if fn is None:
            raise LoweringError(f"{op.type}: no onnxruntime lowering")
        result = fn(OpEmitter(emitter, op), op)
        results = [result] if isinstance(result, str) else result
        if len(results) != len(op.outputs):
            raise AssertionError(f"{op.type}: lowering returned {len(results)} outputs, expected {len(op.outputs)}")
        for operand, name in zip(op.outputs, results):
            emitter.bind(operand, name)
    return emitter.finish()


_LOADED: set[str] = set()


def load(op_types: Iterable[str] | None = None) -> None:
    """Import (once) the lowering modules of the families of ``op_types`` (None: every family),
    so that a build imports only what its graph needs."""
    from ....ops import FAMILIES, OPS

    if op_types is None:
        families = set(FAMILIES)
    else:
        families = {OPS[t].func.__module__.rsplit(".", 1)[1] for t in op_types if t in OPS}
    for family in sorted(families - _LOADED):
        import_module(f"{__name__}.{family}")
        _LOADED.add(family)
