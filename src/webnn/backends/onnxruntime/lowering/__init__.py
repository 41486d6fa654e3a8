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

from collections.abc import Callable
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


from ....ops import FAMILIES  # noqa: E402

for _family in FAMILIES:  # register the lowerings
    import_module(f"{__name__}.{_family}")
