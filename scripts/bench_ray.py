"""Throughput of ``webnn.integrations.ray.map_graph``: MobileNetV2 (the bench's workload, seeded
random weights) over a Ray Dataset of random images, with 1 and 2 actors, in rows per second.

The model is saved as ONNX with a free batch dimension ("N"; the actors specialize it to the
batch size) or, with ``--format webnn``, as a ``.webnn`` file whose batch is fixed at
``--batch-size``.  A local Ray cluster of ``--cpus`` CPUs is started (its startup time is
printed), the images are put in the object store first, and each configuration runs
``--repeat`` times, interleaved; a run's time covers the whole ``map_graph`` job (the actors'
start and graph load included, which ``load`` prints apart: a cold persistent cache, then a warm
one) up to the last output row.  For scale, the same graph is also computed in this process on
one thread without Ray.  The load average is printed before and after, since the CPUs may be
shared::

    python scripts/bench_ray.py                       # 512 rows of [3, 224, 224], batches of 16
    python scripts/bench_ray.py --rows 128 --repeat 1 --size 96
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np


def save_model(folder: Path, fmt: str, size: int, batch: int) -> str:
    """MobileNetV2 as ``folder/mobilenetv2.onnx`` (free batch) or ``.webnn`` (batch ``batch``)."""
    import webnn
    from webnn.bench.workloads import NUM_CLASSES, MobileNetV2

    class Batched(MobileNetV2):
        def __init__(self, n: Any) -> None:
            super().__init__(size)
            self.n = n

        @property
        def input_shape(self) -> Any:
            return (self.n, 3, size, size)

        @property
        def output_shape(self) -> Any:
            return (self.n, NUM_CLASSES)

    if fmt == "onnx":
        import onnx

        path = folder / "mobilenetv2.onnx"
        onnx.save(Batched("N").build_onnx(), str(path))
    else:
        path = folder / "mobilenetv2.webnn"
        builder = webnn.ML().create_context(backend="reference").create_graph_builder()
        builder.build(Batched(batch).build_webnn(builder)).save(str(path))
    return str(path)


def load_text() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} CPUs"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=512)
    parser.add_argument("--size", type=int, default=224, help="image side (a multiple of 32)")
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--cpus", type=int, default=2, help="the local cluster's CPUs")
    parser.add_argument("--backend", default="onnxruntime")
    parser.add_argument("--format", choices=["onnx", "webnn"], default="onnx")
    args = parser.parse_args(argv)

    import webnn
    from webnn.integrations.ray import GraphPredictor, map_graph

    work = Path(tempfile.mkdtemp(prefix="webnn-bench-ray-"))
    cache = work / "cache"  # an empty persistent cache, for the actors' first (cold) load
    model = save_model(work, args.format, args.size, args.batch_size)
    size = sum(p.stat().st_size for p in work.glob(Path(model).name + "*"))  # with the weights file
    print(f"model: MobileNetV2 {args.size}x{args.size} ({args.format}, {size / 2**20:.1f} MiB), "
          f"{args.rows} rows, batches of {args.batch_size}, backend {args.backend}")
    print(f"before: {load_text()}")

    images = np.random.default_rng(0).uniform(-1, 1, (args.rows, 3, args.size, args.size)).astype(np.float32)
    direct = GraphPredictor(model, backend=args.backend, batch_size=args.batch_size, num_threads=1,
                            error_column=None, keep_columns=False)
    direct({"x": images[: args.batch_size]})  # warm up
    started = time.perf_counter()
    for i in range(0, args.rows, args.batch_size):
        direct({"x": images[i: i + args.batch_size]})
    print(f"in this process, 1 thread, no Ray: {args.rows / (time.perf_counter() - started):.1f} rows/s")

    import ray

    started = time.perf_counter()
    source = str(Path(webnn.__file__).resolve().parents[1])
    env = {"WEBNN_CACHE_DIR": str(cache), "WEBNN_CACHE": "1",
           "PYTHONPATH": os.pathsep.join([source, *filter(None, [os.environ.get("PYTHONPATH")])])}
    ray.init(num_cpus=args.cpus, include_dashboard=False, log_to_driver=False, runtime_env={"env_vars": env})
    print(f"ray {ray.__version__}: ray.init {time.perf_counter() - started:.1f} s")
    ray.data.DataContext.get_current().enable_progress_bars = False

    actor = ray.remote(num_cpus=1)(GraphPredictor)
    for what in ("cold cache", "warm cache"):
        predictor = actor.remote(model, backend=args.backend, batch_size=args.batch_size)
        stats = ray.get(predictor.stats.remote())
        ray.kill(predictor)
        print(f"actor load ({what}): {stats['load_seconds']:.2f} s (from cache: {stats['from_cache']}, "
              f"{stats['backend']})")

    blocks = [images[i: i + 4 * args.batch_size] for i in range(0, args.rows, 4 * args.batch_size)]
    dataset = ray.data.from_numpy(blocks).materialize()  # column "data"
    configs = [(1, 1), (2, 1), (1, 2)]  # (actors, CPUs per actor)
    times: dict[tuple[int, int], list[float]] = {c: [] for c in configs}
    for _ in range(args.repeat):
        for workers, cpus in configs:
            if workers * cpus > args.cpus:
                continue
            started = time.perf_counter()
            out = map_graph(dataset, model, backend=args.backend, batch_size=args.batch_size, concurrency=workers,
                            num_cpus=cpus, inputs={"x": "data"}, keep_columns=False)
            rows = sum(len(batch["y"]) for batch in out.iter_batches(batch_size=None))
            times[(workers, cpus)].append(time.perf_counter() - started)
            assert rows == args.rows, rows
    print(f"after: {load_text()}")
    for (workers, cpus), runs in times.items():
        if not runs:
            continue
        rates = sorted(args.rows / t for t in runs)
        print(f"{workers} actor(s) x {cpus} CPU: median {statistics.median(rates):.1f} rows/s "
              f"(runs: {', '.join(f'{r:.1f}' for r in rates)})")
    ray.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
