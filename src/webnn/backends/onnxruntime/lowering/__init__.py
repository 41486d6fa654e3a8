"""WebNN operations as ONNX nodes: one lowering function per op, registered by op name.

A lowering receives the :class:`~webnn.backends.onnxruntime.emitter.Emitter`
(whose ``op`` is the operation being lowered) and the operation; it adds nodes
and returns the ONNX value name of each output (a list for multi-output ops).
Attributes are the normalized ones of the graph IR: nothing is re-validated.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import Any

from ....ir import Operation
from ..emitter import Emitter, LoweringError

Lowering = Callable[[Emitter, Operation], Any]
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
    names = emitter._names
    for op in emitter.graph.operations:
        fn = LOWERINGS.get(op.type)
        if fn is None:
            raise LoweringError(f"{op.type}: no onnxruntime lowering")
        emitter.op = op
        result = fn(emitter, op)
        if type(result) is str and len(op.outputs) == 1:
            names[op.outputs[0]] = result
            continue
        results = result if isinstance(result, list) else [result]
        if len(results) != len(op.outputs):
            raise AssertionError(f"{op.type}: lowering returned {len(results)} outputs, expected {len(op.outputs)}")
        for operand, name in zip(op.outputs, results):
            names[operand] = name
    emitter.op = None
    return emitter.finish()


from ....ops import FAMILIES  # noqa: E402

for _family in FAMILIES:  # register the lowerings
    import_module(f"{__name__}.{_family}")
