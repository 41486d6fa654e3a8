"""``webnn bench``: plan the measurements, run each in a fresh process, check outputs, report.

Every (workload, backend) pair runs in its own Python process (``worker.py``), and so does each
direct-ONNX-Runtime baseline and each reference run, so that build times are cold, peak memory
is one graph's alone and nothing leaks from one measurement into the next.  Each target runs in
``Settings.processes`` such processes, in rounds: one process of every target in turn (a webnn
one, then its direct baseline), so that drift of a shared machine hits both alike; a ratio to
direct ONNX Runtime is the median of the rounds' ratios, reported with their interquartile range.

The persistent compiled-graph cache: each webnn process starts with an empty cache folder of its
own (``WEBNN_CACHE_DIR``), so its build is a cache miss (compile, and store the compiled graph).
When its backend has a cache, one more fresh process then runs on that folder, building and
computing once: its build and first compute are the cache-hit numbers of the row (``hit_*``).
The folder is removed afterwards.  ``Settings.cache`` False (``--no-cache``) runs the webnn
processes with ``WEBNN_CACHE=0`` and no cache-hit processes.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from . import report
from .workloads import ONNX_PREFIX, WORKLOADS, WeightsError, load_weights, make_workload, read_onnx_info

WORKER = Path(__file__).with_name("worker.py")
DEVICE_TYPES = ("cpu", "gpu", "npu")
#: Backends measured per power preference (``coreml:low-power``), which picks their compute units.
POWER_BACKENDS = ("coreml",)
POWER_PREFERENCES = ("default", "low-power", "high-performance")


class BenchError(Exception):
    """A user error in the bench's options (bad workload, backend, weights, free input dimensions
    without shapes): exit code 2."""


class BenchModelError(BenchError):
    """A model file the bench cannot read (not an ONNX model): exit code 1."""


class Settings(NamedTuple):
    workloads: tuple[str, ...]
    backends: tuple[str, ...] | None  # None: every available one (the default one in quick mode)
    runs: int
    warmup: int
    threads: int | None
    weights: str | None
    quick: bool
    direct: bool
    size: int
    seed: int
    import_repeats: int
    timeout: float
    max_seconds: float
    processes: int = 3  # fresh processes per target; one-time timings are their medians
    #: free input dimensions of the ONNX-file workloads that have none of their own
    input_shapes: dict[str, list[int]] | None = None
    #: free input dimensions per ONNX-file workload (by workload name, ``onnx:/path``)
    onnx_input_shapes: dict[str, dict[str, list[int]]] | None = None
    cache: bool = True  # measure cache hits; False: the webnn processes run with WEBNN_CACHE=0

    def shapes_for(self, workload: str) -> dict[str, list[int]] | None:
        """The input shapes of an ONNX-file workload: its own, else the ones for every model."""
        return (self.onnx_input_shapes or {}).get(workload) or self.input_shapes


def parse_onnx_option(value: str) -> tuple[str, dict[str, list[int]]]:
    """``--onnx FILE[:NAME=D0,D1,...[;NAME2=...]]``: the file and its own input shapes.

    The shapes are the part after the last ``:`` when that part contains ``=`` (so ``C:\\m.onnx``
    is a file name); a file that exists under the whole value is that file."""
    head, sep, tail = value.rpartition(":")
    if not sep or "=" not in tail or os.path.isfile(value):
        return value, {}
    if not head:
        raise BenchError(f"--onnx {value!r}: no file name before ':'")
    shapes: dict[str, list[int]] = {}
    for item in tail.split(";"):
        if not item.strip():
            continue
        name, sep, dims = item.rpartition("=")
        name = name.strip()
        if not sep or not name:
            raise BenchError(f"--onnx {value!r}: expected FILE:NAME=D0,D1,...[;NAME2=D0,D1,...]")
        try:
            shapes[name] = [int(d) for d in dims.split(",") if d.strip()]
        except ValueError:
            raise BenchError(f"--onnx {value!r}: the dimensions of {name} must be integers") from None
    return head, shapes


class Target(NamedTuple):
    """One column of measurements: a webnn backend on a device, or direct ONNX Runtime."""

    kind: str  # "webnn" or "direct"
    backend: str  # webnn backend name, or "onnxruntime" for direct
    device: str | None  # what is asked of create_context (None: its default; a power preference for coreml)
    providers: tuple[str, ...]  # onnxruntime execution providers (empty for the reference backend)

    @property
    def label(self) -> str:
        if self.backend in POWER_BACKENDS:
            return f"webnn {self.backend} ({self.device})"
        provider = (report.short_provider(self.providers[0]) if self.providers
                    else "CPU" if self.backend in ("openvino", "litert", "auto") else "numpy")
        return f"{'webnn ' + self.backend if self.kind == 'webnn' else 'direct ORT'} ({provider})"

    @property
    def short_label(self) -> str:
        """The label in the default table: ``webnn ORT (CPU)``, ``direct ORT (CPU)``, ``webnn reference``."""
        if self.backend in POWER_BACKENDS:
            return self.label
        if self.kind == "webnn" and self.backend != "onnxruntime":
            return f"webnn {self.backend}"
        provider = report.short_provider(self.providers[0]) if self.providers else "?"
        return f"{'webnn' if self.kind == 'webnn' else 'direct'} ORT ({provider})"


def workload_labels(workloads: Sequence[str]) -> dict[str, str]:
    """A short, distinct name for each workload: an ONNX file's stem (with as many of its parent
    folders as needed to tell files of the same name apart), a built-in workload's own name."""
    labels: dict[str, str] = {}
    files = {name: Path(name[len(ONNX_PREFIX):]) for name in workloads if name.startswith(ONNX_PREFIX)}
    for name in workloads:
        if name not in files:
            labels[name] = name
    depth = 0
    while files:
        def label(path: Path, depth: int = depth) -> str:
            parts = path.with_suffix("").parts if path.suffix.lower() == ".onnx" else path.parts
            return "/".join(parts[-1 - depth:])

        candidates = {name: label(path) for name, path in files.items()}
        taken = set(labels.values())
        counts: dict[str, int] = {}
        for text in candidates.values():
            counts[text] = counts.get(text, 0) + 1
        for name, text in candidates.items():
            whole = depth + 1 >= len(files[name].parts)
            if (counts[text] == 1 and text not in taken) or whole:
                labels[name] = text if text not in taken else name
                del files[name]
        depth += 1
    return {name: labels[name] for name in workloads}


# ------------------------------------------------------------------------------ planning


def _ort_choices() -> tuple[list[str], Any]:
    import onnxruntime as ort

    from ..backends.onnxruntime import providers

    return ort.get_available_providers(), providers.choose


def plan_targets(settings: Settings) -> list[Target]:
    """The measurement targets, webnn ones each followed by their direct baseline."""
    from .. import available_backends
    from ..backends import AUTO, BACKENDS

    available = available_backends()
    engines = [name for name in available if name != "reference"]
    if len(engines) > 1:
        available.append(AUTO)  # (auto chooses among two engines or more)
    wanted: list[tuple[str, str | None]]  # (backend, device: None for the context's default, or "all")
    if settings.backends is None:
        if settings.quick:  # the CPU engines side by side (the default one alone when it is set)
            default = os.environ.get("WEBNN_BACKEND")
            if default in available:
                wanted = [(default, None)]
            else:
                wanted = [(name, None) for name in available if name != "reference"] or [(available[0], None)]
        else:
            wanted = [(name, "all") for name in available]
    else:
        wanted = []
        for item in settings.backends:
            name, _, asked = item.partition(":")
            if name not in BACKENDS and name != AUTO:
                raise BenchError(f"unknown backend {name!r} (known: {', '.join([*BACKENDS, AUTO])})")
            if name not in available:
                raise BenchError(
                    f"backend {name!r} is not installed here (available: {', '.join(available)})"
                )
            known = POWER_PREFERENCES if name in POWER_BACKENDS else DEVICE_TYPES
            if asked and asked not in known:
                what = "power preference" if name in POWER_BACKENDS else "device"
                raise BenchError(f"unknown {what} {asked!r} in {item!r} (known: {', '.join(known)})")
            wanted.append((name, asked or "all"))

    targets: list[Target] = []
    for name, device in wanted:
        if name in POWER_BACKENDS:  # (one target per power preference: "all" each, None the default)
            for preference in POWER_PREFERENCES if device == "all" else (device or "default",):
                targets.append(Target("webnn", name, preference, ()))
            continue
        if name != "onnxruntime":
            if device not in (None, "all", "cpu"):
                raise BenchError(f"backend {name!r} runs on the cpu only, not {device!r}")
            targets.append(Target("webnn", name, None, ()))
            continue
        have, choose = _ort_choices()
        choices: list[tuple[str | None, Any]]
        if device is None:  # the context's default device
            choices = [(None, choose(have))]
        elif device == "all":  # every device with a provider of its own, and the CPU
            choices = [(d, choose(have, device_type=d)) for d in DEVICE_TYPES]
            choices = [(d, c) for d, c in choices if d == "cpu" or c.providers[0] != "CPUExecutionProvider"]
        else:
            choice = choose(have, device_type=device)
            if device != "cpu" and choice.providers[0] == "CPUExecutionProvider":
                raise BenchError(
                    f"onnxruntime has no {device} execution provider here (available: {', '.join(have)})"
                )
            choices = [(device, choice)]
        for d, choice in choices:
            target = Target("webnn", name, d, tuple(choice.providers))
            if target not in targets:
                targets.append(target)
                if settings.direct:
                    targets.append(Target("direct", "onnxruntime", d, tuple(choice.providers)))
    if settings.direct and not any(t.kind == "direct" for t in targets) and "onnxruntime" in available:
        targets.append(Target("direct", "onnxruntime", "cpu", ("CPUExecutionProvider",)))
    # the webnn backends first in the order given, the reference last (it is the slowest)
    targets.sort(key=lambda t: t.backend == "reference")
    return targets


# ------------------------------------------------------------------------------ child processes


def child_env() -> dict[str, str]:
    """The environment of the measured processes: bytecode caching on, as in a real install."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def precompile(env: dict[str, str]) -> None:
    """Write the .pyc files of the webnn package, so that no measured import compiles source."""
    package = Path(__file__).resolve().parent.parent
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", "-j", "0", str(package)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False,
    )


class ChildResult(NamedTuple):
    result: dict[str, Any]
    stderr_tail: list[str]


def run_child(
    argv: Sequence[str], env: dict[str, str], timeout: float, on_line: Callable[[str], None] | None = None
) -> ChildResult:
    """Run a child, forwarding its stderr lines as they come; its stdout's last line is JSON."""
    proc = subprocess.Popen(
        list(argv), stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
        env=env, text=True, errors="replace",
    )
    out: list[str] = []
    reader = threading.Thread(target=lambda: out.append(proc.stdout.read()), daemon=True)  # type: ignore[union-attr]
    reader.start()
    timed_out = threading.Event()

    def kill() -> None:
        timed_out.set()
        proc.kill()

    timer = threading.Timer(timeout, kill)
    timer.start()
    tail: list[str] = []
    try:
        for line in proc.stderr:  # type: ignore[union-attr]
            line = line.rstrip()
            if not line:
                continue
            tail = (tail + [line])[-20:]
            if on_line is not None:
                on_line(line)
        proc.wait()
    finally:
        timer.cancel()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    reader.join()
    stdout = "".join(out).strip()
    if timed_out.is_set():
        return ChildResult({"ok": False, "step": "timeout", "error": f"no result within {timeout:g} s"}, tail)
    try:
        result = json.loads(stdout.splitlines()[-1])
    except (json.JSONDecodeError, IndexError):
        last = tail[-1] if tail else "no output"
        code = proc.returncode
        how = f"killed by {_signal_name(-code)}" if code < 0 else f"exit code {code}"
        result = {"ok": False, "step": "process", "error": f"{how}: {last}"}
    return ChildResult(result, tail)


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


# ------------------------------------------------------------------------------ measurements


def measure_imports(env: dict[str, str], repeats: int, progress: Callable[[str], None]) -> dict[str, Any]:
    """Median import times (ms) in fresh processes: onnxruntime, webnn, webnn with an onnxruntime context."""
    from .. import available_backends

    snippets = {"webnn": "import webnn"}
    if "onnxruntime" in available_backends():
        snippets["onnxruntime"] = "import onnxruntime"
        snippets["onnxruntime + webnn"] = "import onnxruntime; import webnn"
        snippets["webnn + onnxruntime context"] = (
            "import webnn; webnn.ML().create_context(backend='onnxruntime')"
        )
    code = (
        "import sys, time, json; t = time.perf_counter(); exec(sys.argv[1]); "
        "print(json.dumps({'ms': 1e3 * (time.perf_counter() - t)}))"
    )
    samples: dict[str, list[float]] = {name: [] for name in snippets}
    errors: dict[str, str] = {}
    progress(f"import times: {len(snippets)} imports x {repeats} fresh processes (after one untimed run each)")
    for round_ in range(repeats + 1):  # round 0 warms the file cache and writes any missing .pyc
        for name, snippet in snippets.items():  # interleaved, so that drift hits all alike
            if name in errors:
                continue
            child = run_child([sys.executable, "-P", "-c", code, snippet], env, 120)
            if not child.result.get("ok", True):
                errors[name] = child.result["error"]
            elif round_:
                samples[name].append(child.result["ms"])
    medians = {name: statistics.median(v) for name, v in samples.items() if v}
    result: dict[str, Any] = {"repeats": repeats, "median_ms": medians, "samples_ms": samples, "errors": errors}
    if "onnxruntime" in medians and "onnxruntime + webnn" in medians:
        # The target: what `import webnn` adds to a process that imports onnxruntime anyway.
        result["overhead_ms"] = medians["onnxruntime + webnn"] - medians["onnxruntime"]
    return result


def compare(output: np.ndarray, reference: np.ndarray, rtol: float, atol: float) -> dict[str, Any]:
    """ok when |output - reference| <= atol + rtol * |reference| everywhere (NaN only where the reference has NaN)."""
    if output.shape != reference.shape:
        return {"status": "FAIL", "why": f"shape {list(output.shape)} != {list(reference.shape)}"}
    out = output.astype(np.float64)
    ref = reference.astype(np.float64)
    with np.errstate(invalid="ignore", over="ignore"):
        diff = np.abs(out - ref)
        same_special = (np.isnan(out) & np.isnan(ref)) | (np.isinf(ref) & (out == ref))
        diff = np.where(same_special, 0.0, diff)
        diff = np.where(np.isnan(diff), np.inf, diff)
        rel = diff / np.maximum(np.abs(ref), np.finfo(np.float32).tiny)
        ok = bool(np.all(diff <= atol + rtol * np.where(np.isfinite(ref), np.abs(ref), 0.0)))
    return {
        "status": "ok" if ok else "FAIL",
        "max_abs": float(diff.max(initial=0.0)),
        "max_rel": float(np.where(same_special, 0.0, rel).max(initial=0.0)),
        "rtol": rtol, "atol": atol,
    }


def run(settings: Settings, *, stdout: Any = None, stderr: Any = None, json_path: str | None = None,
        plot_path: str | None = None, markdown: bool = False, wide: bool = False) -> int:
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr

    def progress(message: str) -> None:
        print(f"bench: {message}", file=stderr, flush=True)

    def forward(prefix: str) -> Callable[[str], None]:
        """A measurement process's progress lines, after ``prefix``."""
        return lambda line: progress(f"{prefix} {line}")

    labels = workload_labels(settings.workloads)
    onnx_infos: dict[str, dict[str, Any]] = {}
    for name in settings.workloads:
        if name.startswith(ONNX_PREFIX):
            try:  # read once here (the measured processes get it: they must not import onnx for it)
                onnx_infos[name] = read_onnx_info(name[len(ONNX_PREFIX):], settings.shapes_for(name))
            except ImportError as exc:
                raise BenchError(f"benchmarking ONNX files needs the onnx package: {exc}") from None
            except (OSError, ValueError) as exc:
                raise BenchError(str(exc)) from None
            except Exception as exc:  # the onnx package's parse errors
                raise BenchModelError(f"{name[len(ONNX_PREFIX):]}: not a readable ONNX model: {exc}") from None
        elif name not in WORKLOADS:
            raise BenchError(f"unknown workload {name!r} (known: {', '.join(WORKLOADS)})")
    if "mobilenetv2" in settings.workloads and settings.size % 32:
        raise BenchError(f"--size must be a multiple of 32 for mobilenetv2, got {settings.size}")
    weight_notes: list[str] = []
    if settings.weights is not None and "mobilenetv2" in settings.workloads:
        try:
            _, weight_notes = load_weights(settings.weights, settings.seed)  # checked once, up front
        except WeightsError as exc:
            raise BenchError(str(exc)) from None
        for note in weight_notes:
            print(f"note: {note}", file=stderr, flush=True)
    targets = plan_targets(settings)
    have_reference = "reference" in _available()

    env = child_env()
    progress("precompiling the webnn package")
    precompile(env)
    imports = measure_imports(env, settings.import_repeats, progress) if settings.import_repeats else None

    sections: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="webnn-bench-") as tmp:
        jobs: list[tuple[str, Target | None, int]] = []
        for name in settings.workloads:
            if have_reference and not any(t.backend == "reference" for t in targets):
                jobs.append((name, None, 0))  # first, a reference run for the output check only
            # Each target in several fresh processes, interleaved so that drift hits all alike.
            jobs.extend((name, t, k) for k in range(max(1, settings.processes)) for t in targets)
        reference_outputs: dict[str, str] = {}
        rows_by_workload: dict[str, list[dict[str, Any]]] = {name: [] for name in settings.workloads}
        runs_by_target: dict[tuple[str, Target], list[dict[str, Any]]] = {}
        for number, (name, target, process) in enumerate(jobs, 1):
            label = target.label if target else "reference (output check)"
            prefix = f"[{number}/{len(jobs)}] {labels[name]} | {target.short_label if target else label} |"
            output = os.path.join(tmp, f"{number}.npy")
            spec = {
                "kind": target.kind if target else "webnn",
                "backend": target.backend if target else "reference",
                "device": target.device if target else None,
                "providers": list(target.providers) if target else [],
                "workload": name, "size": settings.size, "seed": settings.seed, "weights": settings.weights,
                "input_shapes": settings.shapes_for(name), "onnx_info": onnx_infos.get(name),
                "threads": settings.threads, "output": output,
                "runs": settings.runs if target else 0, "warmup": settings.warmup,
                "max_seconds": settings.max_seconds,
            }
            if target and target.kind == "webnn" and target.backend == "reference":
                spec["threads"] = None  # the reference backend has no thread setting
            cache_dir = os.path.join(tmp, f"cache-{number}") if settings.cache and spec["kind"] == "webnn" else None
            child_env_ = cache_env(env, cache_dir) if spec["kind"] == "webnn" else env
            child = run_child(
                [sys.executable, "-P", str(WORKER), json.dumps(spec)], child_env_, settings.timeout,
                forward(prefix),
            )
            row = dict(child.result)
            if not row.get("ok"):
                row["stderr_tail"] = child.stderr_tail
            row.update(label=label, short_label=target.short_label if target else label, kind=spec["kind"],
                       backend=spec["backend"], requested_device=spec["device"],
                       configured_providers=spec["providers"])
            if row.get("ok") and os.path.exists(output):
                row["_output"] = output
            if cache_dir is not None:
                if target is not None and row.get("ok") and row.get("cache_enabled"):
                    row["hit"] = run_hit(spec, child_env_, os.path.join(tmp, f"{number}-hit.npy"), settings.timeout,
                                         forward(f"{prefix} cache hit |"))
                shutil.rmtree(cache_dir, ignore_errors=True)
            if spec["backend"] == "reference" and spec["kind"] == "webnn" and row.get("_output"):
                reference_outputs[name] = row["_output"]
            if target is None:
                row["check_only"] = True
                rows_by_workload[name].append(row)
            else:
                runs_by_target.setdefault((name, target), []).append(row)
                if process == 0:
                    rows_by_workload[name].append(row)  # replaced by the merged row below
        for (name, _target), runs in runs_by_target.items():
            rows = rows_by_workload[name]
            rows[rows.index(runs[0])] = merge_processes(runs)

        for name in settings.workloads:
            workload = make_workload(name, settings.size, seed=settings.seed,
                                     weights=settings.weights if name == "mobilenetv2" else None,
                                     input_shapes=settings.shapes_for(name), info=onnx_infos.get(name))
            rows = rows_by_workload[name]
            reference_path = reference_outputs.get(name)
            reference = np.load(reference_path) if reference_path else None
            for row in rows:
                path = row.pop("_output", None)
                hit_paths = row.pop("_hit_outputs", [])
                if row["backend"] == "reference" and row["kind"] == "webnn":
                    row["check"] = {"status": "reference"} if path else {"status": "n/a"}
                elif path is None:
                    row["check"] = {"status": "n/a"}
                elif reference is None:
                    row["check"] = {"status": "n/a", "why": "no reference output"}
                else:
                    row["check"] = compare(np.load(path), reference, workload.rtol, workload.atol)
                if hit_paths and reference is not None:  # the cache-hit processes' outputs, the worst one
                    checks = [compare(np.load(p), reference, workload.rtol, workload.atol) for p in hit_paths]
                    row["hit_check"] = max(checks, key=lambda c: (c["status"] != "ok", c.get("max_abs", 0.0)))
            timed = [r for r in rows if not r.get("check_only")]
            _add_ratios(timed)
            sections.append({
                "workload": name,
                "label": labels[name],
                "description": workload.description,
                "input_shape": list(workload.input_shape),
                "inputs": workload.input_label,
                "output_shape": list(workload.output_shape),
                "ops": workload.op_count(),
                "notes": list(workload.notes) + cache_notes(timed, name.startswith(ONNX_PREFIX)),
                "reference_check": next(
                    ({k: r.get(k) for k in ("ok", "error", "step")} for r in rows if r.get("check_only")), None
                ),
                "rows": timed,
            })

    results = {
        "meta": _meta(settings, targets),
        "imports": imports,
        "workloads": sections,
    }
    text = report.render_markdown(results, wide) if markdown else report.render_text(results, wide)
    print(text, file=stdout, flush=True)
    if json_path:
        try:
            with open(json_path, "w") as f:
                json.dump(results, f, indent=1)
                f.write("\n")
        except OSError as exc:
            print(f"webnn bench: error: cannot write {json_path}: {exc}", file=stderr)
            return 1
        progress(f"wrote {json_path}")
    if plot_path:
        from .plot import PlotError, write_plot

        try:
            write_plot(results, plot_path)
        except (OSError, PlotError) as exc:
            print(f"webnn bench: error: cannot draw {plot_path}: {exc}", file=stderr)
            return 1
        progress(f"wrote {plot_path}")
    # (a backend that declares the graph unsupported, where the user did not name it, is no failure:
    # the table says so, as op_support_limits() does)
    refused = [f"{s['label']} {r['label']}" for s in sections for r in s["rows"]
               if not r.get("ok") and settings.backends is None
               and str(r.get("error", "")).startswith("NotSupportedError")]
    failed = [
        f"{s['label']} {r['label']}" for s in sections for r in s["rows"]
        if (not r.get("ok") or r.get("check", {}).get("status") == "FAIL")
        and f"{s['label']} {r['label']}" not in refused
    ]
    if refused:
        progress(f"{len(refused)} not supported (not counted as failures): {'; '.join(refused)}")
    failed += [
        f"{s['label']} {r['label']} cache hit" for s in sections for r in s["rows"]
        if r.get("ok") and (r.get("hit_errors") or r.get("hit_check", {}).get("status") == "FAIL")
    ]
    failed += [f"{s['label']} reference check" for s in sections
               if s["reference_check"] and not s["reference_check"]["ok"]]
    if failed:
        progress(f"{len(failed)} failed: {'; '.join(failed)}")
        return 1
    return 0


#: One-time measurements: their median over the fresh processes is reported.
_PER_PROCESS = ("import_ms", "context_ms", "build_ms", "first_ms", "build_first_ms", "rebuild_ms",
                "rss_before_build_mb", "peak_rss_mb")


def merge_processes(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """One row from a target's fresh-process runs: medians of the one-time measurements, the warm
    statistics over all timed runs together, and each process's own numbers under ``processes``."""
    ok = [r for r in runs if r.get("ok")]
    if len(ok) != len(runs):
        return next(r for r in runs if not r.get("ok"))
    row = dict(ok[0])
    for key in _PER_PROCESS:
        values = [r[key] for r in ok if r.get(key) is not None]
        if values:
            row[key] = statistics.median(values)
    warm = sorted(t for r in ok for t in r.get("warm_ms", []))
    if warm:
        row.update(warm_ms=warm, runs=len(warm), median_ms=statistics.median(warm), min_ms=warm[0],
                   p90_ms=warm[min(len(warm) - 1, max(0, -(-90 * len(warm) // 100) - 1))])
    row.pop("hit", None)
    engines = sorted({str(r["engine"]) for r in ok if r.get("engine")} | {
        str(r["hit"]["engine"]) for r in ok if isinstance(r.get("hit"), dict) and r["hit"].get("engine")})
    if row.get("backend") == "auto" and engines:
        row["engines"] = engines  # (what auto ran the graph on, in the cold and hit processes)
    if "from_cache" in row:  # a webnn process
        row["cold_loaded"] = sum(1 for r in ok if r.get("from_cache"))
        row["onnx_imported"] = any(r.get("onnx_imported") for r in ok)
        row["onnx_before_build"] = any(r.get("onnx_before_build") for r in ok)
    hits = [r["hit"] for r in ok if "hit" in r]
    if hits:
        good = [h for h in hits if h.get("ok")]
        loaded = [h for h in good if h.get("from_cache")]
        # the cache-hit numbers: those of the processes that did load from the cache (of all, if none did)
        for key in _PER_HIT:
            values = [h[key] for h in (loaded or good) if h.get(key) is not None]
            if values:
                row["hit_" + key] = statistics.median(values)
        row.update(
            hit_processes=len(hits), hit_loaded=len(loaded),
            hit_onnx_imported=any(h.get("onnx_imported") for h in good),
            hit_onnx_before_build=any(h.get("onnx_before_build") for h in good),
            hit_errors=[f"at {h.get('step', '?')}: {h.get('error', 'failed')}" for h in hits if not h.get("ok")],
            _hit_outputs=[h["_output"] for h in good if h.get("_output")],
        )
    row["processes"] = []
    for r in ok:
        process = {key: r.get(key) for key in _PER_PROCESS + ("median_ms",)}
        process.update((key, r[key]) for key in ("from_cache", "onnx_imported", "store_wait_ms", "engine",
                                                  "switch_wait_ms") if key in r)
        if "hit" in r:
            process["hit"] = {k: v for k, v in r["hit"].items() if not k.startswith("_")}
        row["processes"].append(process)
    return row


#: The cache-hit process's measurements, merged into the row as ``hit_<name>`` (medians).
_PER_HIT = ("build_ms", "first_ms", "build_first_ms", "peak_rss_mb")


def cache_env(env: dict[str, str], cache_dir: str | None) -> dict[str, str]:
    """A webnn process's environment: the cache in ``cache_dir``, or off (None)."""
    env = dict(env)
    if cache_dir is None:
        env["WEBNN_CACHE"] = "0"
    else:
        env["WEBNN_CACHE_DIR"] = cache_dir
        env.pop("WEBNN_CACHE", None)
        env.pop("WEBNN_CACHE_MAX_SIZE", None)
    return env


def run_hit(spec: dict[str, Any], env: dict[str, str], output: str, timeout: float,
            on_line: Callable[[str], None]) -> dict[str, Any]:
    """The cache-hit measurement: a fresh process on the cache folder a cold one filled, building
    and computing once."""
    child = run_child([sys.executable, "-P", str(WORKER), json.dumps(dict(spec, runs=0, warmup=0, output=output))],
                      env, timeout, on_line)
    result = child.result
    if not result.get("ok"):
        return {"ok": False, "step": result.get("step"), "error": result.get("error"), "stderr_tail": child.stderr_tail}
    hit = {key: result.get(key) for key in _PER_HIT + ("from_cache", "onnx_imported", "onnx_before_build", "engine")}
    hit["ok"] = True
    if os.path.exists(output):
        hit["_output"] = output
    return hit


def cache_notes(rows: list[dict[str, Any]], onnx_file: bool) -> list[str]:
    """What the report must say about the cache: hits that were not, failed hit processes, and
    (for ONNX files always, else when it happened) whether the timed build imported ``onnx``."""
    notes = []
    for row in rows:
        if row["kind"] != "webnn" or not row.get("ok"):
            continue
        label, n = row.get("short_label", row["label"]), row.get("hit_processes", 0)
        if row.get("cold_loaded"):
            notes.append(f"{label}: the cold build loaded from the cache in {row['cold_loaded']} process(es) "
                         "(its cache folder was meant to be empty): its numbers are not cold")
        if n and row["hit_loaded"] < n:
            notes.append(
                f"{label}: the cache-hit process loaded the graph from the cache in {row['hit_loaded']} of {n} "
                "processes: " + ("the hit columns are from those that did" if row["hit_loaded"] else
                                 "the hit columns are NOT cache hits (they are second cold builds)"))
        for error in row.get("hit_errors", ()):
            notes.append(f"{label}: a cache-hit process failed {error}")
        if row.get("onnx_before_build") or row.get("hit_onnx_before_build"):
            notes.append(f"{label}: the onnx package was imported before the timed build: whether the build "
                         "imports it is not measured")
        if onnx_file or row.get("onnx_imported") or row.get("hit_onnx_imported"):
            said = f"cold build {'yes' if row.get('onnx_imported') else 'no'}"
            if n:
                said += f", cache-hit build {'yes' if row.get('hit_onnx_imported') else 'no'}"
            notes.append(f"{label}: the timed build imported the onnx package: {said}")
    return notes


def _available() -> list[str]:
    from .. import available_backends

    return available_backends()


def _add_ratios(rows: list[dict[str, Any]]) -> None:
    """ours / direct for warm median, build + first, cache-hit build + first and peak memory,
    against the direct row on the same providers (or, for a backend without providers, the direct
    CPU row); and the cache-hit build + first over the row's own (cold) one.

    The processes of a target and of its baseline ran in rounds, one of each in turn, so that
    drift of the machine hits both alike: each round gives a ratio (``ratio_samples``), the
    ratio is their median and ``ratio_iqr`` their interquartile range (the middle half: an outlier
    round on a busy machine does not widen it).  Without rounds to pair (a failed process), the
    ratio is that of the rows' medians.

    A webnn row on another backend also gets ``hit_ort``: its cache-hit build + first over that of
    webnn's onnxruntime backend on the same providers, paired by round the same way (what a user
    of the default engine gains or pays in a process that finds its graph in the cache).

    An ``auto`` row also gets ``warm_fastest``: its warm median over that of the fastest
    single-engine webnn row on the same device (the lowest warm median; named in the row's
    ``fastest``), paired by round the same way."""
    directs = [r for r in rows if r["kind"] == "direct"]
    ort_rows = [r for r in rows if r["kind"] == "webnn" and r.get("backend") == "onnxruntime"]
    engines = [r for r in rows if r["kind"] == "webnn" and r.get("backend") not in ("auto", "reference")
               and r.get("ok") and r.get("median_ms")]
    for row in rows:
        if row["kind"] != "webnn":
            continue
        ratios: dict[str, float] = {}
        samples: dict[str, list[float]] = {}
        hit = row.get("hit_build_first_ms") if row.get("hit_loaded") else None  # real hits only
        if row.get("ok") and hit is not None and row.get("build_first_ms"):
            ratios["hit_cold"] = hit / row["build_first_ms"]
            samples["hit_cold"] = _round_ratios(row.get("processes", []), row.get("processes", []),
                                                _hit_value, lambda p: p.get("build_first_ms"))
        ort = _on_providers(ort_rows, row)
        ort_hit = ort.get("hit_build_first_ms") if ort is not None and ort.get("hit_loaded") else None
        if ort is not None and ort is not row and row.get("ok") and ort.get("ok") and hit is not None and ort_hit:
            ratios["hit_ort"] = hit / ort_hit
            samples["hit_ort"] = _round_ratios(row.get("processes", []), ort.get("processes", []),
                                               _hit_value, _hit_value)
        fastest = min((r for r in engines if r.get("device") == row.get("device")), key=_field("median_ms"),
                      default=None) if row.get("backend") == "auto" else None
        if fastest is not None and row.get("ok") and row.get("median_ms"):
            row["fastest"] = fastest["label"]
            ratios["warm_fastest"] = row["median_ms"] / fastest["median_ms"]
            samples["warm_fastest"] = _round_ratios(row.get("processes", []), fastest.get("processes", []),
                                                    _field("median_ms"), _field("median_ms"))
        baseline = _on_providers(directs, row)
        if baseline is not None:
            row["baseline"] = baseline["label"]
            ours_processes, their_processes = row.get("processes", []), baseline.get("processes", [])
            for key, ours, field, of_ours in (
                ("warm_median", row.get("median_ms"), "median_ms", None),
                ("build_first", row.get("build_first_ms"), "build_first_ms", None),
                ("hit_direct", hit, "build_first_ms", _hit_value),
                ("peak_rss", row.get("peak_rss_mb"), "peak_rss_mb", None),
            ):
                theirs = baseline.get(field)
                if row.get("ok") and baseline.get("ok") and ours is not None and theirs:
                    ratios[key] = ours / theirs
                    value = _field(field)
                    samples[key] = _round_ratios(ours_processes, their_processes, of_ours or value, value)
        samples = {key: values for key, values in samples.items() if values}
        for key, values in samples.items():
            ratios[key] = statistics.median(values)
        if ratios or baseline is not None:
            row["ratios"] = ratios
            row["ratio_samples"] = samples
            row["ratio_iqr"] = {key: interquartile(v) for key, v in samples.items() if len(v) > 1}


def _on_providers(candidates: list[dict[str, Any]], row: dict[str, Any]) -> dict[str, Any] | None:
    """The first of ``candidates`` configured with ``row``'s providers, else the first on the CPU
    provider alone (the baseline of a backend without providers)."""
    for providers in (row["configured_providers"], ["CPUExecutionProvider"]):
        found = next((c for c in candidates if c["configured_providers"] == providers), None)
        if found is not None:
            return found
    return None


def interquartile(values: list[float]) -> list[float]:
    """The first and third quartiles of ``values`` (two or more), interpolated between samples."""
    q1, _, q3 = statistics.quantiles(values, n=4, method="inclusive")
    return [q1, q3]


def _field(name: str) -> Callable[[dict[str, Any]], Any]:
    """A process's measurement ``name``."""
    return lambda process: process.get(name)


def _hit_value(process: dict[str, Any]) -> float | None:
    """A process's cache-hit build + first compute, when its hit process did load from the cache."""
    hit = process.get("hit") or {}
    return hit.get("build_first_ms") if hit.get("ok") and hit.get("from_cache") else None


def _round_ratios(ours: list[dict[str, Any]], theirs: list[dict[str, Any]],
                  our_value: Callable[[dict[str, Any]], Any], their_value: Callable[[dict[str, Any]], Any]) -> list[float]:
    """The ratio of each round's values (the k-th process of one target and of the other), when
    every process of both succeeded (else the rounds do not pair: none)."""
    if not ours or len(ours) != len(theirs):
        return []
    ratios = []
    for a, b in zip(ours, theirs):
        x, y = our_value(a), their_value(b)
        if x is not None and y:
            ratios.append(x / y)
    return ratios


def _meta(settings: Settings, targets: list[Target]) -> dict[str, Any]:
    from .. import __version__

    meta: dict[str, Any] = {
        "webnn": __version__,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpu_count": os.cpu_count(),
        "settings": settings._asdict(),
        "targets": [t.label for t in targets],
    }
    try:
        import onnxruntime

        meta["onnxruntime"] = onnxruntime.__version__
        meta["onnxruntime_providers"] = onnxruntime.get_available_providers()
    except ImportError:
        pass
    return meta
