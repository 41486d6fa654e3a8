"""One measurement, in a fresh process: ``python -P worker.py 'SPEC_JSON'``.

The bench runs this file by path (not as ``-m webnn.bench.worker``) so that a
direct-ONNX-Runtime measurement never imports the webnn package: its memory
and timings are ONNX Runtime's alone.  The workloads module is loaded by path
for the same reason.

The webnn package's persistent compiled-graph cache is whatever the environment
says (``WEBNN_CACHE_DIR``, ``WEBNN_CACHE``): the bench gives each process an empty
folder of its own (a cold build, which compiles and stores) and then runs one more
process on that folder (a cache hit).  The result says which happened
(``from_cache``), whether the context's backend has a cache at all
(``cache_enabled``) and whether the timed build imported the ``onnx`` package
(``onnx_imported``; ``onnx_before_build`` says whether it was already imported).

Progress goes to stderr, one line per step; the result is one JSON object on
stdout.  Anything else written to stdout while measuring (by Python or native
code) is sent to stderr, so that stdout holds only the result.  A failure is a
result too: ``{"ok": false, "step": ..., "error": ...}``.
"""

from __future__ import annotations

import importlib.util
import json
import math
import os
import resource
import statistics
import sys
import time
from pathlib import Path
from typing import Any

#: Backends measured per power preference (runner.POWER_BACKENDS; this script imports nothing of
#: webnn's before it measures a webnn backend).
POWER_BACKENDS = ("coreml",)


def log(message: str) -> None:
    sys.stderr.write(message + "\n")
    sys.stderr.flush()


def load_workloads() -> Any:
    name = "_webnn_bench_workloads"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name("workloads.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def peak_rss_mb() -> float:
    """The process's peak resident set size so far, in MiB."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10  # bytes on macOS, KiB elsewhere


def wait_for_cache_stores() -> float:
    """Wait for the compiled-graph cache's background writes of this process (ms waited), so
    that they do not run during the timed runs.  (A process waits for them at exit anyway.)"""
    start = time.perf_counter()
    from webnn.cache import wait_for_stores as wait

    wait()
    return 1e3 * (time.perf_counter() - start)


def wait_ready(graph: Any) -> float:
    """Wait for a graph's background switch to another engine (``backend="auto"``; ms waited)."""
    start = time.perf_counter()
    wait = getattr(graph, "wait_ready", None)
    if wait is not None:
        wait()
    return 1e3 * (time.perf_counter() - start)


def percentile(sorted_values: list[float], q: float) -> float:
    """The nearest-rank percentile (q in 0..100) of a sorted list."""
    rank = max(1, math.ceil(q / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


class Measurement:
    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec
        self.step = "start"
        self.result: dict[str, Any] = {"ok": False}

    def begin(self, step: str) -> None:
        self.step = step
        log(step)

    def run(self) -> dict[str, Any]:
        spec = self.spec
        direct = spec["kind"] == "direct"
        self.begin("import " + ("onnxruntime" if direct else "webnn"))
        start = time.perf_counter()
        if direct:
            import onnx  # noqa: F401  (the model is built with onnx.helper)
            import onnxruntime as ort
        else:
            import webnn
        self.result["import_ms"] = 1e3 * (time.perf_counter() - start)

        self.begin("prepare workload")
        workloads = load_workloads()
        workload = workloads.make_workload(
            spec["workload"], spec["size"], seed=spec["seed"], weights=spec.get("weights"),
            input_shapes=spec.get("input_shapes"), info=spec.get("onnx_info"),
        )
        feeds = workload.make_feeds()
        timed_output = workload.output_name
        self.result["rss_before_build_mb"] = peak_rss_mb()

        if direct:
            self.begin("build (onnx.helper model + InferenceSession)")
            start = time.perf_counter()
            model = workload.build_onnx().SerializeToString()
            options = ort.SessionOptions()
            options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
            options.log_severity_level = 3
            if spec.get("threads"):
                options.intra_op_num_threads = spec["threads"]
                options.inter_op_num_threads = 1
            session = ort.InferenceSession(model, options, providers=spec["providers"])
            self.result["build_ms"] = 1e3 * (time.perf_counter() - start)
            del model

            def rebuild() -> None:
                model = workload.build_onnx().SerializeToString()
                ort.InferenceSession(model, options, providers=spec["providers"])

            self.result["providers"] = session.get_providers()
            self.result["info"] = {"onnxruntime": ort.__version__, "threads": spec.get("threads")}
            names = workload.direct_outputs
            position = 0 if names else [o.name for o in session.get_outputs()].index(timed_output)

            def compute() -> Any:
                return session.run(names, feeds)[position]
        else:
            self.begin("create context")
            start = time.perf_counter()
            device = spec.get("device")
            choice = ({"power_preference": device or "default"} if spec["backend"] in POWER_BACKENDS
                      else {"device_type": device})
            context = webnn.ML().create_context(backend=spec["backend"], num_threads=spec.get("threads"), **choice)
            self.result["context_ms"] = 1e3 * (time.perf_counter() - start)
            info = context.backend_info()
            self.result["info"] = info
            self.result["device"] = context.device_type
            self.result["cache_enabled"] = getattr(getattr(context, "_backend", None), "cache", None) is not None
            self.result["onnx_before_build"] = "onnx" in sys.modules
            self.begin(f"build ({workload.load_label})")
            start = time.perf_counter()
            graph = workload.load_webnn(context)
            self.result["build_ms"] = 1e3 * (time.perf_counter() - start)
            self.result["onnx_imported"] = "onnx" in sys.modules and not self.result["onnx_before_build"]
            self.result["from_cache"] = bool(getattr(graph, "from_cache", False))
            # the providers the session really uses (a provider can fall back to the CPU)
            session = getattr(getattr(graph, "_compiled", None), "session", None)
            self.result["providers"] = session.get_providers() if session is not None else info.get("providers")

            def compute() -> Any:
                return context.compute(graph, feeds)[timed_output]

            def rebuild() -> None:
                # compiled again, not loaded: the cache is off for this build (read per build)
                os.environ["WEBNN_CACHE"] = "0"
                workload.load_webnn(context).destroy()

        self.begin("first compute")
        start = time.perf_counter()
        y = compute()
        self.result["first_ms"] = 1e3 * (time.perf_counter() - start)
        self.result["build_first_ms"] = self.result["build_ms"] + self.result["first_ms"]
        if spec.get("output"):
            import numpy as np

            np.save(spec["output"], np.asarray(y))
        if not direct:
            # (auto: a remembered faster engine may still be loading; the warm runs time it)
            self.result["switch_wait_ms"] = wait_ready(graph)
            self.result["engine"] = getattr(graph, "backend", spec["backend"])
            self.result["store_wait_ms"] = wait_for_cache_stores()

        runs, warmup, budget = spec.get("runs", 0), spec.get("warmup", 0), spec.get("max_seconds") or math.inf
        if runs:
            if warmup:
                self.begin(f"warm-up ({warmup} runs)")
            for _ in range(warmup):
                compute()
            self.begin(f"timed runs ({runs})")
            times = []
            began = time.perf_counter()
            for _ in range(runs):
                start = time.perf_counter()
                compute()
                end = time.perf_counter()
                times.append(1e3 * (end - start))
                if end - began > budget and len(times) >= 3:
                    log(f"stopping after {len(times)} runs: the {budget:g} s budget is spent")
                    break
            ordered = sorted(times)
            self.result.update(warm_ms=times, runs=len(times), median_ms=statistics.median(ordered),
                               min_ms=ordered[0], p90_ms=percentile(ordered, 90))
        self.result["peak_rss_mb"] = peak_rss_mb()
        if runs:
            # a second build in the same process: the build time without one-time costs (lazy imports)
            self.begin("second build")
            start = time.perf_counter()
            rebuild()
            self.result["rebuild_ms"] = 1e3 * (time.perf_counter() - start)
        if direct:  # a self-check: the baseline must not pay for webnn
            self.result["webnn_imported"] = any(m == "webnn" or m.startswith("webnn.") for m in sys.modules)
        self.result["ok"] = True
        self.begin(f"done: build {self.result['build_ms']:.1f} ms, first {self.result['first_ms']:.1f} ms"
                   + (f", warm median {self.result['median_ms']:.2f} ms" if runs else ""))
        return self.result


def main() -> int:
    if len(sys.argv) != 2:
        log("usage: python -P worker.py SPEC_JSON  (an internal entry point of `webnn bench`)")
        return 2
    spec = json.loads(sys.argv[1])
    sys.stdout.flush()
    result_fd = os.dup(1)
    os.dup2(2, 1)  # stray output (Python or native) goes to stderr while measuring
    measurement = Measurement(spec)
    try:
        result = measurement.run()
    except Exception as exc:  # a failed workload is a result, not a crash
        message = str(exc).strip()
        error = f"{type(exc).__name__}: {message}" if message else type(exc).__name__
        result = dict(measurement.result, ok=False, step=measurement.step, error=error)
        log(f"failed at {measurement.step}: {result['error']}")
    sys.stdout.flush()
    with os.fdopen(result_fd, "w") as out:
        out.write(json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
