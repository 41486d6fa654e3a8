"""``python -m webnn``: the available backends and a small demo graph on each."""

from __future__ import annotations

import sys
import time

import numpy as np

from . import ML, __version__, available_backends
from .ops import OPS


def demo(backend: str) -> str:
    """Build and run ``softmax(relu(x @ W + b))`` and check it against NumPy."""
    context = ML().create_context(backend=backend)
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
    return (
        f"  {backend:<12} device={context.device_type} accelerated={context.accelerated}  "
        f"build {1e3 * (built - start):.2f} ms, compute {1e3 * (done - built):.2f} ms, "
        f"softmax(relu(x @ W + b)) {status}"
    )


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv:
        print(f"usage: python -m webnn   (unknown arguments: {' '.join(argv)})", file=sys.stderr)
        return 2
    print(f"webnn {__version__}: {len(OPS)} operations")
    backends = available_backends()
    print(f"backends: {', '.join(backends)}")
    results = [demo(name) for name in backends]
    print("demo graph:")
    print("\n".join(results))
    return 0 if all(line.endswith("ok") for line in results) else 1


if __name__ == "__main__":
    sys.exit(main())
