"""The ``webnn`` command line: ``webnn info`` (the default) and ``webnn bench``."""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from . import ML, __version__, available_backends
from .ops import OPS

BENCH_WORKLOADS = ("simple", "complex", "mobilenetv2")


# ------------------------------------------------------------------------------ info


def demo(context: Any) -> str:
    """Build and run ``softmax(relu(x @ W + b))`` on ``context`` and check it against NumPy."""
    builder = context.create_graph_builder()
    rng = np.random.default_rng(0)
    w = rng.standard_normal((4, 3)).astype(np.float32)
    b = rng.standard_normal(3).astype(np.float32)
    x = builder.input("x", [2, 4], "float32")
    y = builder.softmax(builder.relu(builder.add(builder.matmul(x, builder.constant(w)), builder.constant(b))), 1)
    start = time.perf_counter()
    graph = builder.build({"y": y})
    built = time.perf_counter()
    data = rng.standard_normal((2, 4)).astype(np.float32)
    out = context.compute(graph, {"x": data})["y"]
    done = time.perf_counter()
    h = np.maximum(data @ w + b, 0)
    expected = np.exp(h - h.max(1, keepdims=True))
    expected /= expected.sum(1, keepdims=True)
    status = "ok" if out.dtype == np.float32 and np.allclose(out, expected, rtol=1e-5, atol=1e-6) else "MISMATCH"
    return f"build {1e3 * (built - start):.2f} ms, compute {1e3 * (done - built):.2f} ms: {status}"


def backend_contexts(backend: str) -> list[Any]:
    """One context per distinct device / provider set the backend can be asked for."""
    contexts: list[Any] = []
    seen = set()
    for device_type in ("cpu", "gpu", "npu"):
        try:
            context = ML().create_context(backend=backend, device_type=device_type)
        except Exception:  # the backend does not offer this device
            continue
        info = context.backend_info()
        key = (context.device_type, tuple(info.get("providers", ())))
        if key in seen or (device_type != "cpu" and context.device_type != device_type):
            continue
        seen.add(key)
        contexts.append(context)
    return contexts


def describe(context: Any) -> str:
    info = context.backend_info()
    parts = [f"device={context.device_type}"]
    if info.get("providers"):
        parts.append("providers=" + ",".join(info["providers"]))
    versions = [f"{k} {v}" for k, v in info.items() if k in ("onnxruntime", "numpy")]
    return "  ".join(parts + versions)


def cmd_info(args: argparse.Namespace) -> int:
    print(f"webnn {__version__}: {len(OPS)} operations")
    backends = available_backends()
    print(f"backends (most preferred first): {', '.join(backends)}")
    ok = True
    for backend in backends:
        try:
            contexts = backend_contexts(backend) or [ML().create_context(backend=backend)]
        except Exception as exc:
            print(f"  {backend:<12} unavailable: {type(exc).__name__}: {exc}")
            ok = False
            continue
        for context in contexts:
            print(f"  {backend:<12} {describe(context)}")
            try:
                result = demo(context)
            except Exception as exc:
                result = f"FAILED: {type(exc).__name__}: {exc}"
            ok = ok and result.endswith(": ok")
            print(f"  {'':<12}   demo softmax(relu(x @ W + b)): {result}")
    return 0 if ok else 1


# ------------------------------------------------------------------------------ bench


def cmd_bench(args: argparse.Namespace) -> int:
    from .bench.runner import BenchError, Settings, run

    quick = args.quick
    settings = Settings(
        workloads=tuple(args.workloads),
        backends=tuple(args.backends) if args.backends else None,
        runs=args.runs if args.runs is not None else (20 if quick else 50),
        warmup=args.warmup if args.warmup is not None else (2 if quick else 5),
        threads=args.threads,
        weights=os.path.abspath(args.weights) if args.weights else None,
        quick=quick,
        direct=not args.no_direct,
        size=args.size,
        seed=args.seed,
        import_repeats=args.import_repeats if args.import_repeats is not None else (5 if quick else 9),
        processes=args.processes if args.processes is not None else (3 if quick else 5),
        timeout=args.timeout,
        max_seconds=args.max_seconds,
    )
    try:
        return run(settings, json_path=args.json, markdown=args.markdown)
    except BenchError as exc:
        args.parser.error(str(exc))
        return 2  # not reached: error() exits


# ------------------------------------------------------------------------------ parsing


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer >= 0, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected an integer >= 0, got {text!r}")
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, got {text!r}")
    return value


def _workloads(text: str) -> list[str]:
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in BENCH_WORKLOADS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown workload(s) {', '.join(unknown) or '(none given)'}; choose from {','.join(BENCH_WORKLOADS)}"
        )
    return list(dict.fromkeys(names))


def _backends(text: str) -> list[str]:
    names = [n.strip() for n in text.split(",") if n.strip()]
    if not names:
        raise argparse.ArgumentTypeError("expected a comma-separated list of backends")
    return list(dict.fromkeys(names))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="webnn",
        description="WebNN for Python. Without a command: the same as `webnn info`.",
    )
    parser.add_argument("--version", action="version", version=f"webnn {__version__}")
    parser.set_defaults(func=cmd_info, parser=parser)
    commands = parser.add_subparsers(title="commands", dest="command", metavar="{info,bench}")

    info = commands.add_parser(
        "info", help="version, operations, backends and their devices; runs a small demo graph on each",
        description="Print the version, the number of operations, the available backends with their devices "
        "and execution providers, and run a small demo graph on each (exit code 1 if a demo fails).",
    )
    info.set_defaults(func=cmd_info, parser=info)

    bench = commands.add_parser(
        "bench", help="benchmark the backends against ONNX Runtime used directly",
        description="Benchmark WebNN graphs (simple, complex, MobileNetV2) on every available backend and "
        "device, each in a fresh process, against the same graph written directly as an ONNX model and run "
        "with ONNX Runtime on the same provider. Reports build, first-compute and warm times, peak memory, "
        "an output check against the reference backend, and the import cost. Progress goes to stderr, the "
        "table to stdout. Exit code 1 if a measurement or output check failed.",
    )
    bench.set_defaults(func=cmd_bench, parser=bench)
    bench.add_argument("--quick", action="store_true",
                       help="the default backend and direct ONNX Runtime only, fewer runs (about a minute)")
    bench.add_argument("--workloads", type=_workloads, default=list(BENCH_WORKLOADS), metavar="LIST",
                       help=f"comma-separated, from {','.join(BENCH_WORKLOADS)} (default: all)")
    bench.add_argument("--backends", type=_backends, default=None, metavar="LIST",
                       help="comma-separated webnn backends, optionally with a device: onnxruntime, "
                       "onnxruntime:gpu, reference (default: every available backend on every device it has; "
                       "--quick: the default backend)")
    bench.add_argument("--runs", type=_positive_int, default=None, metavar="N",
                       help="timed warm runs per process (default 50; --quick: 20)")
    bench.add_argument("--warmup", type=_count, default=None, metavar="N",
                       help="untimed runs after the first compute (default 5; --quick: 2)")
    bench.add_argument("--threads", type=_positive_int, default=None, metavar="N",
                       help="intra-op threads for webnn's onnxruntime backend and direct ONNX Runtime alike "
                       "(inter-op 1); default: ONNX Runtime's default")
    bench.add_argument("--weights", metavar="DIR", default=None,
                       help="MobileNetV2 weights as .npy files (conv_N_weight.npy OIHW, conv_N_bias.npy, "
                       "gemm_104_*.npy); default: seeded random weights")
    bench.add_argument("--json", metavar="FILE", default=None, help="write every number to FILE as JSON")
    bench.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    bench.add_argument("--no-direct", action="store_true", help="skip the direct ONNX Runtime baselines")
    bench.add_argument("--size", type=_positive_int, default=224, metavar="N",
                       help="input height and width (default 224; a multiple of 32 for mobilenetv2)")
    bench.add_argument("--seed", type=_count, default=0, metavar="N", help="seed of the inputs and random weights")
    bench.add_argument("--processes", type=_positive_int, default=None, metavar="N",
                       help="fresh processes per measurement (default 5; --quick: 3); one-time timings "
                            "(build, first compute, peak memory) are their medians")
    bench.add_argument("--import-repeats", type=_count, default=None, metavar="N",
                       help="fresh processes per import timing (default 9; --quick: 5; 0: skip)")
    bench.add_argument("--timeout", type=_seconds, default=600.0, metavar="S",
                       help="seconds before a measurement process is stopped (default 600)")
    bench.add_argument("--max-seconds", type=_seconds, default=60.0, metavar="S",
                       help="stop a target's timed runs after S seconds, keeping at least 3 (default 60)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (2 for usage errors)."""
    parser = build_parser()
    try:
        args = parser.parse_args(sys.argv[1:] if argv is None else list(argv))
        return args.func(args)
    except SystemExit as exc:  # argparse: --help, --version, usage errors
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    except KeyboardInterrupt:
        print("webnn: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
