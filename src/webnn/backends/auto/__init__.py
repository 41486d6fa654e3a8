"""``backend="auto"``: each graph runs on the installed engine that runs it fastest.

The rule, per graph at ``build()``:

1. The candidates are the installed engines (:data:`ENGINES`, in order of preference) that run
   every op and data type of the graph (``op_support_limits()`` of each); the reference backend
   only when no engine runs the graph.
2. A choice remembered in the persistent cache for this graph and these engines (their
   versions and the context's options) is taken.
3. Otherwise, with ``tune=True`` (the default) and a graph worth caching (see
   :func:`webnn.compile.worth_caching`; the caller tells), every candidate compiles the graph
   and runs it on the same random inputs, in rounds of a block of runs per engine, one engine
   after the other, :data:`ROUNDS` rounds (see there), and the two fastest once more when they
   are close (:data:`RUNOFF_GAP`); an engine's time is the median of its fastest block, and the
   fastest engine wins when its time is below :data:`MARGIN` times the
   preferred engine's; the choice is remembered for the next process, whose build then loads the
   winner's compiled model from the cache.  A graph that only one engine runs is remembered
   too (the next process then loads no other engine to find that out again).
4. Otherwise the first candidate (ONNX Runtime where installed) runs it.

An ``auto`` context imports the engines that import in milliseconds (:data:`QUICK`) when it
is created, so a graph whose remembered winner is one of them loads on it directly.  A
remembered winner that this process has not imported yet would make the first result wait
for the engine's import (OpenVINO: 150-250 ms): the graph then starts on the remembered
*start* engine (the fastest quick engine in the tuning, from the cache; the first candidate
when none is remembered); once its first compute or dispatch has returned, a background
thread loads the winner (from the cache) and the graph switches to it
(:meth:`webnn.MLGraph.wait_ready` waits for that).  ``graph.backend`` says which engine
runs a graph.  ``load_onnx`` keeps a choice per model file and options as well
(:mod:`webnn.io.onnx_import.cached`).
"""

from __future__ import annotations

import functools
import importlib.util
import math
import sys
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from ...errors import NotSupportedError
from ...ir import Graph, OperandDescriptor
from .. import BACKENDS, load_backend, package_version
from ..base import UsesPersistentCache

#: The public layer's objects, which this backend receives and returns without importing their
#: modules (they import the backends): a ``webnn.MLContext`` and a ``webnn.MLGraph``.
MLContext = Any
MLGraph = Any

#: The engines ``auto`` chooses among, in order of preference (the first runs a graph when
#: nothing says another is faster: ONNX Runtime compiles in milliseconds).
ENGINES = ("onnxruntime", "openvino", "litert")
#: The engines whose packages import in milliseconds (ONNX Runtime, which the context loads
#: anyway, and LiteRT's interpreter, about 10 ms here; OpenVINO takes 150-250 ms): an ``auto``
#: context imports them when it is created.  Their cache hits are also the fastest here (a
#: LiteRT hit, build + first compute, took 0.42-1.02x of ONNX Runtime's on the benchmark's
#: six graphs).
QUICK = ("onnxruntime", "litert")
#: Rounds of timing when tuning: ROUNDS, each a block of timed runs per engine, after a pause of
#: SETTLE_S and untimed runs for WARM_S (one at least).  The pause lets the other engines' worker
#: threads stop: ONNX Runtime's spin for 10-20 ms after a run, and slowed OpenVINO's runs that
#: followed by up to 60% on the PP-OCR models here; the untimed runs bring the engine back to its
#: steady speed (after the other engines' blocks, OpenVINO's first ten runs of the 200-op workload
#: took 1.5 times its steady time, and the choice went to a slower engine).  A block is BLOCK
#: runs, more for a fast graph (as many as fill BLOCK_S: a median over many runs of a
#: sub-millisecond graph); the timing stops early, after MIN_ROUNDS, once it took BUDGET_S.
ROUNDS = 5
MIN_ROUNDS = 3
BLOCK = 3
BLOCK_S = 0.02
WARM_S = 0.015
SETTLE_S = 0.02
BUDGET_S = 1.5
#: Another engine wins only when its time is below this fraction of the preferred engine's.
MARGIN = 0.97
#: A runoff: when the second fastest engine's time is within RUNOFF_GAP times the fastest's, the
#: two are timed again, alone, in RUNOFF_ROUNDS more rounds with RUNOFF_WARM_S of untimed runs
#: before each block, and each one's time is its fastest block of all.  On the 200-op workload
#: OpenVINO (steady 1.2-1.4 ms here) and LiteRT (1.7-1.9 ms) came out within 5% of each other in
#: one tuning of six, and the slower engine was chosen in one benchmark run of two: a burst of
#: other work can cover all of one engine's blocks in five short rounds, rarely those of nine.
RUNOFF_GAP = 1.25
RUNOFF_ROUNDS = 4
RUNOFF_WARM_S = 0.04
#: How a graph is compiled on one engine: :func:`webnn.compile.compile_on`.
Compile = Callable[..., Any]


def _installed(name: str) -> bool:
    return all(importlib.util.find_spec(n) is not None for n in BACKENDS[name][2])


def _version(name: str) -> str:
    """The installed version of engine ``name``'s package, without importing it."""
    return package_version(BACKENDS[name][2][0])


def runs_graph(backend: Any, graph: Graph) -> bool:
    """Whether ``backend`` declares every op of ``graph`` with its operands' data types."""
    types = getattr(backend, "operand_types", None)
    if types is None:
        return True
    for op in graph.operations:
        for operands, output in ((op.input_ids(), False), (op.outputs, True)):
            allowed = types(op.type, output)
            if allowed is None or any(graph.operands[i].data_type not in allowed for i in operands):
                return False
    return True


def random_inputs(descs: Mapping[str, OperandDescriptor], seed: int = 0) -> dict[str, np.ndarray]:
    """Inputs to time a graph with: standard normal floats, small non-negative integers."""
    rng = np.random.default_rng(seed)
    out = {}
    for name, desc in descs.items():
        if desc.data_type.startswith("float"):
            out[name] = rng.standard_normal(desc.shape).astype(desc.numpy_dtype)
        else:
            out[name] = rng.integers(0, 2, desc.shape).astype(desc.numpy_dtype)
    return out


class AutoBackend(UsesPersistentCache):
    """Chooses an engine per graph (see the module's documentation)."""

    name = "auto"

    def __init__(self, *, tune: bool = True, cache: bool = True, **options: Any) -> None:
        self.tune = tune
        self._use_cache = cache
        self._options = dict(options, cache=cache)
        self.engines = [name for name in ENGINES if _installed(name)]
        self._loaded: dict[str, Any] = {}
        self._identities: dict[tuple[str, ...], str] = {}  # (see _identity)
        #: The engines' package versions, read once (a choice is remembered per versions).
        self._versions = {name: _version(name) for name in self.engines}
        self._lock = threading.Lock()
        first = self.engine(self.engines[0] if self.engines else "reference")
        for name in self.engines:
            if name in QUICK:
                try:
                    importlib.import_module(BACKENDS[name][0])
                except ImportError:  # (a broken install: the engine fails where it is used, not here)
                    pass
        self.accelerated, self.device = first.accelerated, first.device

    def engine(self, name: str) -> Any:
        """The backend ``name`` with this context's options (loaded on first use)."""
        with self._lock:
            backend = self._loaded.get(name)
            if backend is None:
                options = dict(self._options)
                if name != "onnxruntime":
                    options.pop("provider_options", None)
                backend = self._loaded[name] = load_backend(name, **options)
            return backend

    def create_storage(self, desc: OperandDescriptor, data: np.ndarray | None = None) -> Any:
        """Storage every engine reads and writes (ONNX Runtime's host memory where installed)."""
        return self.engine(self.engines[0] if self.engines else "reference").create_storage(desc, data)

    def info(self) -> dict[str, Any]:
        return {"backend": self.name, "device": self.device, "accelerated": self.accelerated,
                "candidates": list(self.engines) or ["reference"], "tune": self.tune,
                "engines": dict(self._versions)}

    # ----------------------------------------------------------------------- choosing

    def _identity(self, names: list[str]) -> str:
        """What, besides the graph, decides a choice among engines ``names`` (read once per
        context and set of engines)."""
        identity = self._identities.get(tuple(names))
        if identity is None:
            import json

            from ... import __version__
            from ...fingerprint import machine_digest

            options = {k: v for k, v in self._options.items() if k != "cache"}
            identity = self._identities[tuple(names)] = json.dumps(
                {"webnn": __version__, "engines": {n: self._versions[n] for n in names}, "options": options,
                 "machine": machine_digest()}, sort_keys=True, default=str)
        return identity

    def choice_key(self, graph: Graph, names: list[str]) -> str:
        """The persistent-cache key of the choice among ``names`` for ``graph``."""
        import hashlib

        from ...fingerprint import graph_digest

        return hashlib.sha256(f"auto choice\n{graph_digest(graph)}\n{self._identity(names)}".encode()).hexdigest()

    def import_choice_key(self, text: str) -> str:
        """The key of the choice for an ONNX import (``text``: the model's digest and options)."""
        import hashlib

        return hashlib.sha256(f"auto onnx import\n{text}\n{self._identity(self.engines)}".encode()).hexdigest()

    def import_choice(self, text: str) -> tuple[Any, str | None] | None:
        """For an ONNX import remembered before: (the engine to load it on now, the engine to
        switch to once the first result is out, or None); None when there is no such memory."""
        if len(self.engines) < 2 or self.cache is None:
            return None
        name, start = self.remembered(self.import_choice_key(text))
        if name not in self.engines:
            return None
        if self._imported(name):
            return self.engine(name), None
        return self.engine(start), name

    def _imported(self, name: str) -> bool:
        """Whether engine ``name`` loads without waiting for its package's import."""
        return name == self.engines[0] or BACKENDS[name][2][0] in sys.modules

    def remembered(self, key: str) -> tuple[str | None, str]:
        """The engine remembered for ``key`` (None when none is) and the engine to start on
        while it loads (the first candidate when none is remembered)."""
        cache = self.cache
        entry = cache.get(key) if cache is not None else None
        meta = entry.meta if entry is not None else {}
        name, start = meta.get("backend"), meta.get("start")
        if not (isinstance(start, str) and start in self.engines and self._imported(start)):
            start = self.engines[0] if self.engines else "reference"
        return (name if isinstance(name, str) else None), start

    def remember(self, key: str, name: str, times: Mapping[str, float], start: str | None = None) -> None:
        """Remember engine ``name`` for ``key``, with the engines' tuning times (ms) if any,
        and the engine to start on while ``name`` loads (``start``; default: the first candidate)."""
        cache = self.cache
        if cache is not None:
            meta: dict[str, Any] = {"backend": name, "time_ms": {k: round(v, 4) for k, v in times.items()}}
            if start is not None:
                meta["start"] = start
            cache.put(key, {}, meta)

    def compile_graph(self, context: MLContext, graph: Graph, compile_on: Compile, cacheable: bool) -> MLGraph:
        """``graph`` compiled on the engine the rule chooses (see the module's documentation) by
        ``compile_on(context, graph, engine)`` (:func:`webnn.compile.compile_on`); ``cacheable``:
        whether the graph is worth the persistent cache."""
        engines = list(self.engines)
        fallbacks = [*engines, "reference"]
        if len(engines) < 2 or self.cache is None or not cacheable:
            return self._first_that_compiles(context, graph, fallbacks, compile_on)
        key = self.choice_key(graph, engines)
        winner, start = self.remembered(key)
        if winner in engines:
            if self._imported(winner):
                return self._first_that_compiles(context, graph, [winner, *fallbacks], compile_on)
            built = self._first_that_compiles(context, graph, [start, *fallbacks], compile_on)
            if built.backend != winner:
                self.switch_later(built, winner, compile_on)
            return built
        if not self.tune:
            return self._first_that_compiles(context, graph, fallbacks, compile_on)
        candidates = [name for name in engines if runs_graph(self.engine(name), graph)]
        if len(candidates) < 2:  # (remembered too: the next process loads no other engine)
            built = self._first_that_compiles(context, graph, [*candidates, *fallbacks], compile_on)
            self.remember(key, built.backend, {})
            return built
        return self._tuned(context, graph, candidates, key, compile_on)

    def _first_that_compiles(self, context: MLContext, graph: Graph, names: list[str], compile_on: Compile
                             ) -> MLGraph:
        names = list(dict.fromkeys(names))
        for i, name in enumerate(names):
            try:
                return compile_on(context, graph, self.engine(name))
            except NotSupportedError:
                if i == len(names) - 1:
                    raise
        raise AssertionError("no candidates")

    def _tuned(self, context: MLContext, graph: Graph, names: list[str], key: str, compile_on: Compile) -> MLGraph:
        """Compile on every candidate, time them, keep the fastest and remember it."""
        built: dict[str, MLGraph] = {}
        # The compiled graphs' cache writes wait until the choice is made: they would slow the
        # timing (onnxruntime optimizes the model once more to save it), and a losing engine's
        # is not worth making, unless it is the start engine, on which a later process starts
        # while it loads the winner.
        held: dict[str, Any] = {}
        for name in names:
            try:
                built[name] = compile_on(context, graph, self.engine(name), held=held)
            except NotSupportedError:
                continue
        if len(built) < 2:
            for writes in held.values():
                writes.store()
            if not built:
                return self._first_that_compiles(context, graph, ["reference"], compile_on)
            only = next(iter(built.values()))
            self.remember(key, only.backend, {})
            return only
        feeds = random_inputs(graph.input_descriptors)
        from ...cache import wait_for_stores

        wait_for_stores()  # (other graphs' writes)
        runs = {name: functools.partial(g._compiled.run, feeds) for name, g in built.items()}
        blocks = time_blocks(runs, ROUNDS, MIN_ROUNDS, BUDGET_S, WARM_S)
        leading = sorted(blocks, key=lambda name: min(blocks[name]))[:2]
        if min(blocks[leading[1]]) < RUNOFF_GAP * min(blocks[leading[0]]):
            more = time_blocks({name: runs[name] for name in leading}, RUNOFF_ROUNDS, RUNOFF_ROUNDS, math.inf,
                               RUNOFF_WARM_S)
            for name, times in more.items():
                blocks[name] = blocks[name] + times
        first = next(iter(built))
        best = {name: min(t) for name, t in blocks.items()}
        winner = min(best, key=best.__getitem__)
        if best[winner] >= MARGIN * best[first]:
            winner = first
        quick = [name for name in best if name in QUICK]
        start = winner if winner in QUICK or not quick else min(quick, key=best.__getitem__)
        self.remember(key, winner, {name: 1e3 * t for name, t in best.items()}, start)
        for name, writes in held.items():
            if name in (winner, start):
                writes.store()
            else:
                writes.drop()
        for name, g in built.items():
            if name != winner:
                g.destroy()
        return built[winner]

    def switch_later(self, graph: MLGraph, name: str, compile_on: Compile) -> None:
        """Load ``graph`` on engine ``name`` in a background thread, then run it there."""

        def load() -> None:
            try:
                other = compile_on(graph.context, graph._graph, self.engine(name))
            except Exception:  # the graph stays where it is
                return
            graph._switch_to(other)

        # (run once the first compute or dispatch of the graph has returned: loading the other
        # engine must not slow the first result down)
        graph._defer(load)


def time_blocks(runs: Mapping[str, Callable[[], Any]], rounds: int, min_rounds: int, budget_s: float,
                warm_s: float) -> dict[str, list[float]]:
    """Each engine's block medians (s), from ``rounds`` rounds in which every engine (``runs``:
    name -> one run of its compiled graph) runs a block, one engine after the other (see
    :data:`ROUNDS`); after ``min_rounds`` rounds, the timing stops once it took ``budget_s``.

    An engine's time is then its fastest block's median: on a shared machine other work only
    ever adds time, in bursts that can cover several blocks of one engine (the median of the
    rounds' ratios flipped the choice on the PP-OCR models here)."""
    blocks: dict[str, list[float]] = {name: [] for name in runs}
    sizes: dict[str, int] = {}
    began = time.perf_counter()
    for done in range(1, rounds + 1):
        for name, run in runs.items():
            time.sleep(SETTLE_S)
            start = time.perf_counter()
            run()
            if name not in sizes:  # (from the first untimed run, which may be slower)
                sizes[name] = max(BLOCK, min(1000, int(BLOCK_S / max(time.perf_counter() - start, 1e-6))))
            while time.perf_counter() - start < warm_s:
                run()
            times = []
            for _ in range(sizes[name]):
                start = time.perf_counter()
                run()
                times.append(time.perf_counter() - start)
            blocks[name].append(float(np.median(times)))
        if done >= min_rounds and time.perf_counter() - began >= budget_s:
            break
    return blocks
