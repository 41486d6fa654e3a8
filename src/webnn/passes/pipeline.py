"""Passes, the context they run in, and pipelines: the order of passes as data.

A pass is a function ``(graph, context) -> graph``.  It never mutates its input, and it
returns the very same object when it changes nothing, so a pipeline that finds nothing to
do costs one scan per pass.  A backend declares its pipeline (a tuple of pass names) and
what the passes need to know about it (which ops it wants decomposed, its layout).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from ..ir import Graph
from ..limits import DEFAULT_LIMITS, Budget
from .verify import verify


@dataclass
class PassContext:
    """What the passes of one pipeline run know besides the graph."""

    #: Ops the backend has no lowering for: the decomposition pass rewrites them in spec ops.
    decompose: frozenset[str] = frozenset()
    #: The layout the backend wants for convolutions, pools and the like: "nchw" or "nhwc".
    layout: str = "nchw"
    #: What constant folding may make (bytes) and compute, for this graph.
    budget: Budget | None = None
    #: Verify the graph after every pass (tests, ``WEBNN_VERIFY_PASSES=1``).
    verify: bool = False
    #: Per pass: (name, operations before, operations after, seconds).
    stats: list[PassStat] = field(default_factory=list)


class PassStat(NamedTuple):
    name: str
    operations_before: int
    operations_after: int
    seconds: float


Pass = Callable[[Graph, PassContext], Graph]

#: Every pass by name (registered by :func:`register`).
PASSES: dict[str, Pass] = {}
#: Passes a backend's lowering depends on (it takes one layout, it lacks the decomposed ops):
#: they run even when optimization is turned off (``WEBNN_PASSES=0``).
REQUIRED_PASSES = frozenset({"canonical_layout", "decompose"})


def register(name: str) -> Callable[[Pass], Pass]:
    def add(func: Pass) -> Pass:
        if name in PASSES:
            raise AssertionError(f"pass {name} registered twice")
        PASSES[name] = func
        return func

    return add


def verifying() -> bool:
    """Whether passes are verified by default (the ``WEBNN_VERIFY_PASSES`` environment variable)."""
    return os.environ.get("WEBNN_VERIFY_PASSES", "").lower() in ("1", "true", "yes", "on")


def constants_budget(graph: Graph) -> Budget:
    """Folding's budget for ``graph``: as an import of a file as large as its constants."""
    return DEFAULT_LIMITS.budget(sum(a.nbytes for a in graph.constants.values()))


def run_pipeline(graph: Graph, names: Sequence[str], context: PassContext | None = None) -> Graph:
    """``graph`` after the passes ``names``, in order (verified after each when asked)."""
    context = context or PassContext(verify=verifying())
    if context.budget is None:
        context.budget = constants_budget(graph)
    if context.verify:
        verify(graph, "(the input graph)")
    for name in names:
        before = len(graph.operations)
        start = time.perf_counter()
        result = PASSES[name](graph, context)
        context.stats.append(PassStat(name, before, len(result.operations), time.perf_counter() - start))
        if context.verify and result is not graph:
            verify(result, name)
        graph = result
    return graph


def optimize(graph: Graph, backend: Any) -> Graph:
    """``graph`` after ``backend``'s declared pipeline (``pipeline``, ``decompose``, ``layout``
    attributes); with ``WEBNN_PASSES=0`` only the passes its lowering needs."""
    names = tuple(getattr(backend, "pipeline", ()))
    if os.environ.get("WEBNN_PASSES", "1").lower() in ("0", "off", "false", "no"):
        names = tuple(n for n in names if n in REQUIRED_PASSES)
    if not names:
        return graph
    context = PassContext(
        decompose=frozenset(getattr(backend, "decompose", ())),
        layout=getattr(backend, "layout", "nchw"),
        verify=verifying(),
    )
    return run_pipeline(graph, names, context)
