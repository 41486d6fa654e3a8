"""Time ``webnn.load`` of one large graph in the webnn-graph text form (``.webnn``) and JSON form.

The graph is a chain of ``--ops`` elementwise operations (add, mul, relu, clamp, ...) on a small
input, with small constants (written inline) and a few larger ones (in the safetensors file), so
that the time goes to reading the graph file and rebuilding the graph, not to moving weights.
Both forms are loaded ``--repeat`` times, interleaved (text, JSON, text, JSON, ...), so that the
machine's drift touches both alike; the report gives each form's median, its spread (min to max)
and the ratio of the medians::

    python scripts/bench_formats.py              # 50,000 operations, 5 repetitions
    python scripts/bench_formats.py --ops 2000 --repeat 2
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

import webnn


def build_graph(context: webnn.MLContext, ops: int) -> webnn.MLGraph:
    """A chain of ``ops`` operations: elementwise binary ops with constants and unary ops in turn."""
    rng = np.random.default_rng(0)
    builder = context.create_graph_builder()
    x = builder.input("x", [2, 8], "float32")
    y = x
    for index in range(ops):
        step = index % 5
        if step == 0:
            y = builder.add(y, builder.constant(np.full((2, 8), index % 7, np.float32)), label=f"add {index}")
        elif step == 1:
            y = builder.relu(y)
        elif step == 2:
            values = rng.standard_normal((2, 8)).astype(np.float32) if index % 1000 == 2 else np.float32(0.5)
            y = builder.mul(y, builder.constant(np.broadcast_to(values, (2, 8)).copy()))
        elif step == 3:
            y = builder.clamp(y, min_value=-4.0, max_value=4.0)
        else:
            y = builder.tanh(y)
    return builder.build({"y": y})


def bench(ops: int, repeat: int, folder: Path) -> dict[str, object]:
    """Save the graph in both forms under ``folder`` and time loading each, interleaved."""
    context = webnn.ML().create_context(backend="reference")
    graph = build_graph(context, ops)
    paths = {"text": folder / "bench.webnn", "json": folder / "bench.json"}
    for path in paths.values():
        graph.save(path)
    times: dict[str, list[float]] = {form: [] for form in paths}
    for _ in range(repeat):
        for form, path in paths.items():
            start = time.perf_counter()
            loaded = webnn.load(path, context)
            times[form].append(time.perf_counter() - start)
            if len(loaded.ir.operations) != ops:
                raise AssertionError(f"{path}: {len(loaded.ir.operations)} operations loaded, {ops} saved")
    report: dict[str, object] = {"ops": ops, "repeat": repeat}
    for form, values in times.items():
        report[form] = {"median_s": statistics.median(values), "min_s": min(values), "max_s": max(values),
                        "bytes": paths[form].stat().st_size}
    report["ratio_text_to_json"] = statistics.median(times["text"]) / statistics.median(times["json"])
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ops", type=int, default=50_000, help="operations in the graph (default 50000)")
    parser.add_argument("--repeat", type=int, default=5, help="loads of each form, interleaved (default 5)")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    if args.ops < 1 or args.repeat < 1:
        parser.error("--ops and --repeat must be at least 1")
    with tempfile.TemporaryDirectory() as folder:
        report = bench(args.ops, args.repeat, Path(folder))
    if args.json:
        print(json.dumps(report))
        return 0
    print(f"{args.ops} operations, {args.repeat} interleaved loads of each form")
    for form in ("text", "json"):
        r = report[form]
        assert isinstance(r, dict)
        print(f"  {form:5} {r['bytes']:>11,} bytes  median {r['median_s']:.3f} s  "
              f"(min {r['min_s']:.3f}, max {r['max_s']:.3f})")
    print(f"  text / JSON: {report['ratio_text_to_json']:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
