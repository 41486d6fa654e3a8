"""mypy over the package: zero errors in the IR, the passes, the backends and the cache; elsewhere
no file may have more errors than ``.ci/mypy-baseline.json`` records (a list that only shrinks).

When a file's count goes down, lower its number in the baseline (the test says so); when a
file reaches zero, remove it.  Skipped when mypy is not installed.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / ".ci" / "mypy-baseline.json"
#: Where no error is tolerated at all.
STRICT = ("src/webnn/ir.py", "src/webnn/passes/", "src/webnn/backends/", "src/webnn/cache.py",
          "src/webnn/fingerprint.py", "src/webnn/compile.py")


def test_mypy_errors_only_shrink() -> None:
    pytest.importorskip("mypy")
    import numpy as np

    if int(np.__version__.split(".")[0]) < 2:
        pytest.skip("the counts are those of NumPy 2's type stubs (the floor run has NumPy 1)")
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "src/webnn", "--ignore-missing-imports", "--no-error-summary",
         "--show-error-codes", "--cache-dir", str(ROOT / ".mypy_cache")],
        cwd=ROOT, capture_output=True, text=True, timeout=900,
    )
    errors = [line for line in done.stdout.splitlines() if re.match(r"^[^:]+:\d+: error:", line)]
    if done.returncode not in (0, 1) or (done.returncode == 1 and not errors):
        pytest.fail(f"mypy did not run: {done.stderr or done.stdout}")
    counts = Counter(line.split(":", 1)[0] for line in errors)
    baseline = json.loads(BASELINE.read_text())
    strict = sorted(f for f in counts if f.startswith(STRICT))
    assert not strict, "mypy errors where none are allowed:\n" + "\n".join(
        line for line in errors if line.startswith(tuple(strict)))
    grown = {f: (n, baseline.get(f, 0)) for f, n in counts.items() if n > baseline.get(f, 0)}
    assert not grown, "mypy errors grew (file: now, allowed):\n" + "\n".join(
        f"{f}: {n}, {allowed}" for f, (n, allowed) in sorted(grown.items())) + "\n" + "\n".join(
        line for line in errors if line.split(":", 1)[0] in grown)
    shrunk = {f: (counts.get(f, 0), n) for f, n in baseline.items() if counts.get(f, 0) < n}
    assert not shrunk, (
        "mypy errors went down: lower these numbers in .ci/mypy-baseline.json (file: now, recorded):\n"
        + "\n".join(f"{f}: {now}, {was}" for f, (now, was) in sorted(shrunk.items())))
