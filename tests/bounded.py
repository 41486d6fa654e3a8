"""Running hostile inputs in a child process under a memory limit, to show that each one ends in a
documented error within a small memory and time budget (never a MemoryError, a crash or a hang).

``outcomes(attempt, paths)`` starts one Python process that imports webnn, onnx and ONNX Runtime,
then caps its address space at what it uses after those imports plus ``headroom_mb`` and calls
``attempt(path)`` (Python source defining a function of that name) on each path in turn.  Each
outcome is the exception's class (``module.QualName``; ``None`` when no exception was raised), the
start of its message and the CPU seconds spent.  A crash of the child fails the caller's test with
its exit status and the path it was working on.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

#: The exception classes the package documents for unreadable or refused models.
DOCUMENTED = frozenset({
    "webnn.io.errors.GraphFormatError",
    "webnn.io.errors.WeightsFormatError",
    "webnn.errors.NotSupportedError",
    "builtins.TypeError",
})

_CHILD = r'''
import json, os, resource, sys, time, traceback
import numpy, webnn
try:
    import onnx, onnxruntime  # noqa: F401  (loaded before the limit, as a user's process would have)
except ImportError:
    pass
import webnn.io.files, webnn.io.onnx_import.core  # noqa: F401
webnn.io.onnx_import.core.load_all()

def _vm_bytes():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0

{attempt}

paths = json.loads(sys.argv[1])
limit = _vm_bytes() + {headroom} * 2**20
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
for path in paths:
    sys.stderr.write(path + "\n")
    sys.stderr.flush()
    start = time.process_time()
    kind, message = None, ""
    try:
        attempt(path)
    except BaseException as exc:  # noqa: BLE001 - every outcome is reported
        kind = type(exc).__module__ + "." + type(exc).__qualname__
        message = str(exc)[:300]
        if not isinstance(exc, (TypeError, ValueError)) or isinstance(exc, MemoryError):
            message += " | " + "".join(traceback.format_exception(exc))[-1500:]
    print(json.dumps({{"path": path, "error": kind, "message": message,
                      "cpu": time.process_time() - start}}), flush=True)
'''


@dataclass
class Outcome:
    path: str
    error: str | None
    message: str
    cpu: float


def outcomes(attempt: str, paths: Sequence[str], *, headroom_mb: int = 768, timeout: float = 300) -> list[Outcome]:
    """Run ``attempt(path)`` for each path in one child process under the memory limit."""
    source = _CHILD.format(attempt=textwrap.dedent(attempt), headroom=int(headroom_mb))
    env = dict(os.environ, OMP_NUM_THREADS="1")
    proc = subprocess.run(
        [sys.executable, "-c", source, json.dumps(list(paths))],
        capture_output=True, text=True, timeout=timeout, env=env,
    )
    results = [Outcome(**json.loads(line)) for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode != 0 or len(results) != len(paths):
        last = proc.stderr.strip().splitlines()[-30:]
        raise AssertionError(
            f"the child process ended with status {proc.returncode} after {len(results)} of {len(paths)} "
            "files; its last output:\n" + "\n".join(last)
        )
    return results


def check_documented(results: Iterable[Outcome], *, allowed: frozenset[str] = DOCUMENTED,
                     cpu_seconds: float = 5.0, expect_error: bool = True) -> None:
    """Each outcome is a documented error (or success when ``expect_error`` is false) within the
    CPU budget; the assertion lists every file that is not."""
    bad = []
    for r in results:
        if r.error is None:
            if expect_error:
                bad.append(f"{r.path}: loaded without an error")
        elif r.error not in allowed:
            bad.append(f"{r.path}: {r.error}: {r.message}")
        if r.cpu > cpu_seconds:
            bad.append(f"{r.path}: took {r.cpu:.1f} s of CPU (budget {cpu_seconds} s)")
    assert not bad, "\n".join(bad)
