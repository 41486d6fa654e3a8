"""Performance benchmarks with pytest-benchmark: build + first compute, cold and from the
persistent compiled-graph cache, and warm compute, for the bench workloads on every backend.

Run them with::

    pytest tests/test_performance.py -k "simple or complex or mobilenet" --benchmark-only

(``--benchmark-json FILE`` keeps every number, the ``extra_info`` below included.)

**Not part of the default test run.**  Every test here is marked ``performance`` and skipped
unless the run asks for benchmarks: ``--benchmark-only`` or ``--benchmark-enable``, or
``WEBNN_PERF=1`` in the environment.  (pytest-benchmark on its own would run them in every
plain ``pytest`` run, since it benchmarks by default; ``--benchmark-skip`` still skips them, and
``--benchmark-disable`` with ``WEBNN_PERF=1`` runs each once without statistics.)  No test asserts
a time; ``cached`` does check that its processes really loaded from the cache.

The workloads are ``webnn bench``'s (:func:`webnn.bench.workloads.make_workload`, input
[1, 3, 224, 224]): ``simple``, ``complex`` and ``mobilenetv2``, the latter with the real weights
from ``../shared/models/mobilenetv2`` (or ``$WEBNN_MODELS_DIR/mobilenetv2``) when they are there,
else seeded random ones (``extra_info["weights"]`` says which).  Test ids are
``test_<case>[<workload>-<backend>]``, so ``-k simple``, ``-k mobilenet`` or ``-k reference`` pick.

The cases:

- ``cold``: a fresh process (the bench's own measurement process, ``webnn/bench/worker.py``)
  with an empty cache folder creates a context, builds the graph and computes once.  The
  benchmark's time is the wall time of that whole process, interpreter start and imports
  included: pytest-benchmark can only time what runs in the test's own process.  What the process
  measured itself, build and first compute alone, is in ``extra_info`` (``build_ms``,
  ``first_ms``, ``build_first_ms``: medians over the timed rounds; ``*_all``: every round).
  One untimed round first warms the operating system's file cache.
- ``cached``: the same, on a cache folder that an untimed first process filled: each timed
  process loads the compiled graph instead of compiling it (``extra_info["from_cache"]``).
  Skipped for a backend without a compiled-graph cache (the reference backend).
- ``warm``: ``context.compute`` alone, in this process, on a graph built once.

``WEBNN_PERF_ROUNDS`` (default 5) sets the rounds of ``cold`` and ``cached``.
"""

from __future__ import annotations

import itertools
import json
import os
import statistics
import sys
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("pytest_benchmark")

import webnn  # noqa: E402
from webnn.bench import runner  # noqa: E402
from webnn.bench.workloads import WeightsError, load_weights, make_workload  # noqa: E402

pytestmark = [
    pytest.mark.performance,
    # a string condition: pytest evaluates it with the run's ``config`` at each test's setup
    pytest.mark.skipif(
        "not (config.getoption('benchmark_only', False) or config.getoption('benchmark_enable', False)"
        " or os.environ.get('WEBNN_PERF', '').strip() not in ('', '0'))",
        reason="performance benchmarks: run with --benchmark-only (or --benchmark-enable, or WEBNN_PERF=1)",
    ),
]

WORKLOADS = ("simple", "complex", "mobilenetv2")
SIZE = 224
ROUNDS = max(1, int(os.environ.get("WEBNN_PERF_ROUNDS", "5")))
TIMEOUT = 600.0
MODELS = Path(os.environ.get("WEBNN_MODELS_DIR", Path(__file__).resolve().parents[2] / "shared" / "models"))
CASES = [pytest.param(w, b, id=f"{w}-{b}") for w in WORKLOADS for b in webnn.available_backends()]


def mobilenet_weights() -> str | None:
    """The real MobileNetV2 weights' folder, when it is there and complete enough to load."""
    folder = MODELS / "mobilenetv2"
    if not folder.is_dir():
        return None
    try:
        load_weights(str(folder))
    except WeightsError:
        return None
    return str(folder)


@pytest.fixture(scope="module")
def weights() -> str | None:
    return mobilenet_weights()


@pytest.fixture(scope="module")
def child_env() -> dict[str, str]:
    """The measured processes' environment, with the webnn package's .pyc files written first."""
    env = runner.child_env()
    runner.precompile(env)
    return env


def worker_spec(workload: str, backend: str, weights: str | None) -> dict[str, Any]:
    return {"kind": "webnn", "backend": backend, "device": None, "providers": [], "workload": workload,
            "size": SIZE, "seed": 0, "weights": weights if workload == "mobilenetv2" else None,
            "runs": 0, "warmup": 0, "output": None}


def measure(spec: dict[str, Any], env: dict[str, str], cache_dir: str) -> dict[str, Any]:
    """One fresh measurement process on ``cache_dir``: its result (build_ms, first_ms, from_cache, ...)."""
    child = runner.run_child([sys.executable, "-P", str(runner.WORKER), json.dumps(spec)],
                             runner.cache_env(env, cache_dir), TIMEOUT)
    if not child.result.get("ok"):
        pytest.fail(f"the measurement process failed at {child.result.get('step')}: {child.result.get('error')}\n"
                    + "\n".join(child.stderr_tail))
    return child.result


def record(benchmark: Any, results: list[dict[str, Any]], workload: str, weights: str | None) -> None:
    """The processes' own measurements in ``extra_info``: medians, and every round's."""
    info = benchmark.extra_info
    for key in ("build_ms", "first_ms", "build_first_ms", "peak_rss_mb"):
        values = [r[key] for r in results]
        info[key] = statistics.median(values)
        info[key + "_all"] = values
    info["from_cache"] = [r["from_cache"] for r in results]
    info["onnx_imported"] = any(r.get("onnx_imported") for r in results)
    info["timed"] = "wall time of a fresh process: start, import webnn, context, build, first compute"
    if workload == "mobilenetv2":
        info["weights"] = weights or "seeded random"


@pytest.mark.parametrize("workload,backend", CASES)
def test_cold(benchmark: Any, workload: str, backend: str, tmp_path: Path, child_env: dict[str, str],
              weights: str | None) -> None:
    benchmark.group = workload
    spec = worker_spec(workload, backend, weights)
    folders = (str(tmp_path / f"cache-{n}") for n in itertools.count())  # a new, empty one each round
    results: list[dict[str, Any]] = []

    def run(folder: str) -> None:
        results.append(measure(spec, child_env, folder))

    benchmark.pedantic(run, setup=lambda: ((next(folders),), {}), rounds=ROUNDS, warmup_rounds=1)
    timed = results[1:1 + ROUNDS] or results  # (--benchmark-disable runs it once, untimed)
    assert not any(r["from_cache"] for r in timed)  # each began with an empty cache
    record(benchmark, timed, workload, weights)


@pytest.mark.parametrize("workload,backend", CASES)
def test_cached(benchmark: Any, workload: str, backend: str, tmp_path: Path, child_env: dict[str, str],
                weights: str | None) -> None:
    benchmark.group = workload
    spec = worker_spec(workload, backend, weights)
    folder = str(tmp_path / "cache")
    first = measure(spec, child_env, folder)  # untimed: compiles, and stores the compiled graph
    if not first.get("cache_enabled"):
        pytest.skip(f"the {backend} backend has no compiled-graph cache")
    results: list[dict[str, Any]] = []

    def run() -> None:
        results.append(measure(spec, child_env, folder))

    benchmark.pedantic(run, rounds=ROUNDS)
    assert all(r["from_cache"] for r in results), "a process of the cached case compiled instead of loading"
    record(benchmark, results, workload, weights)


@pytest.mark.parametrize("workload,backend", CASES)
def test_warm(benchmark: Any, workload: str, backend: str, weights: str | None) -> None:
    benchmark.group = workload
    model = make_workload(workload, SIZE, weights=weights if workload == "mobilenetv2" else None)
    context = webnn.ML().create_context(backend=backend)
    graph = model.load_webnn(context)
    feeds = model.make_feeds()
    context.compute(graph, feeds)  # the first compute is not a warm one
    result = benchmark(context.compute, graph, feeds)
    assert result[model.output_name].shape == model.output_shape
    benchmark.extra_info.update(timed="context.compute on a built graph, in this process",
                                **({"weights": weights or "seeded random"} if workload == "mobilenetv2" else {}))
