"""The ``webnn`` command line: ``webnn info`` (the default), ``bench``, the model tools
``validate``, ``convert``, ``compile``, ``run`` and ``visualize``, and ``cache`` (the compiled-graph cache)."""

from __future__ import annotations

import argparse
import importlib.util
import os
import re
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

import numpy as np

from . import ML, __version__, available_backends
from .backends import BACKENDS
from .cli_messages import _NAME, _unrepr, cli_message
from .errors import WebNNError, sanitize
from .ops import OPS

BENCH_WORKLOADS = ("simple", "complex", "mobilenetv2")

#: Exit codes: the work was done; the work failed (an invalid or unsupported model, a failed check or
#: measurement, a compute error); a usage error (bad or missing arguments, a file or folder that does
#: not exist).  An interrupt (Ctrl-C) exits with 130.
EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
EXIT_CODES = (
    "exit codes: 0 done; 1 the work failed (an invalid or unsupported model, a failed output check or "
    "measurement, a compute error); 2 usage error (a bad or missing argument, a file or folder that does not "
    "exist); 130 interrupted. Errors are one line on stderr: 'webnn COMMAND: error: ...'."
)
#: The ONNX opsets ``webnn convert --opset`` accepts: those the ONNX export writes (the onnxruntime
#: backend's lowering, ``webnn.backends.onnxruntime.pipeline.OPSET``; not imported here, which would
#: import ONNX Runtime for ``--help``; the tests check that they agree).
EXPORT_OPSETS = (21, 21)



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
    import warnings

    for device_type in ("cpu", "gpu", "npu"):
        try:
            with warnings.catch_warnings():  # asking for each device: a fallback is expected, not news
                warnings.simplefilter("ignore", RuntimeWarning)
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
    if info.get("openvino_device"):
        parts.append(f"openvino_device={info['openvino_device']}")
    if info.get("candidates"):  # auto
        parts.append("candidates=" + ",".join(info["candidates"]))
        parts.append(f"tune={'on' if info.get('tune') else 'off'}")
    versions = [f"{k} {v}" for k, v in info.items() if k in ("onnxruntime", "openvino", "litert", "coremltools", "numpy")]
    return "  ".join(parts + versions)


def cmd_info(args: argparse.Namespace) -> int:
    print(f"webnn {__version__}: {len(OPS)} operations")
    backends = available_backends()
    print(f"backends (most preferred first): {', '.join(backends)}; and auto (the fastest engine per graph)")
    if "coreml" not in backends and importlib.util.find_spec("coremltools") is not None:
        print(f"  {'coreml':<12} conversion only (CoreML runs on macOS): graph.convert_to_coreml(path), "
              "webnn convert IN OUT.mlpackage")
    engines = [b for b in backends if b != "reference"]
    if len(engines) > 1:
        backends = [*backends, "auto"]
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


#: The bench's output files: option and attribute.
BENCH_OUTPUTS = (("--json", "json"), ("--plot", "plot"))
#: What ``webnn bench --from-json`` takes: the options that say how to show saved results (the
#: others say what to measure, and are a usage error with it).
BENCH_SHOW_OPTIONS = ("from_json", "plot", "markdown", "wide", "func", "parser", "command")


def _check_bench_paths(args: argparse.Namespace) -> None:
    """The files and folders the bench options name exist (before a minute of measuring)."""
    if args.weights is not None and not os.path.isdir(args.weights):
        what = "is not a folder" if os.path.exists(args.weights) else "the folder does not exist"
        raise UsageError(f"--weights {args.weights}: {what} (give the folder of the MobileNetV2 .npy files)")
    for flag, attribute in BENCH_OUTPUTS:
        path = getattr(args, attribute)
        if path is None:
            continue
        folder = os.path.dirname(os.path.abspath(path))
        if os.path.isdir(path):
            raise UsageError(f"{flag} {path} is a folder; give the file to write")
        if not os.path.isdir(folder):
            raise UsageError(f"{flag} {path}: the folder {folder} does not exist")
        if not os.access(folder, os.W_OK):
            raise UsageError(f"{flag} {path}: the folder {folder} is not writable")
    if args.plot is not None:
        from .bench.plot import PlotError, check_matplotlib, check_path

        try:
            check_path(args.plot)
        except PlotError as exc:
            raise UsageError(str(exc)) from None
        try:
            check_matplotlib()
        except PlotError as exc:
            raise CliError(str(exc)) from None


def _bench_from_json(args: argparse.Namespace) -> int:
    """``webnn bench --from-json FILE``: the table (and ``--plot`` picture) of saved results."""
    import json

    from .bench import report

    defaults = args.parser.parse_args([])
    given = [name for name, value in vars(args).items()
             if name not in BENCH_SHOW_OPTIONS and value != getattr(defaults, name, None)]
    if given:
        flag = "--" + given[0].replace("_", "-")
        raise UsageError(f"--from-json shows saved results and measures nothing: {flag} does not apply with it")
    path = args.from_json
    if not os.path.isfile(path):
        raise UsageError(f"--from-json {path}: {'a folder, not a file' if os.path.isdir(path) else 'no such file'}")
    try:
        with open(path, encoding="utf-8") as f:
            results = json.load(f)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CliError(f"--from-json {path}: not a results file of webnn bench --json: {exc}") from None
    if not isinstance(results, dict) or not isinstance(results.get("workloads"), list) or "meta" not in results:
        raise CliError(f"--from-json {path}: not a results file of webnn bench --json (no 'meta' and 'workloads')")
    print(report.render_markdown(results, args.wide) if args.markdown else report.render_text(results, args.wide))
    if args.plot:
        _write_plot(results, args.plot)
    return 0


def _write_plot(results: dict[str, Any], path: str) -> None:
    from .bench.plot import PlotError, write_plot

    try:
        write_plot(results, path)
    except PlotError as exc:
        raise CliError(str(exc)) from None
    print(f"bench: wrote {path}", file=sys.stderr)


def cmd_bench(args: argparse.Namespace) -> int:
    from .bench.runner import BenchError, BenchModelError, Settings, parse_onnx_option, run
    from .bench.workloads import ONNX_PREFIX

    _check_bench_paths(args)
    if args.from_json is not None:
        return _bench_from_json(args)
    quick = args.quick
    workloads = list(args.workloads) if args.workloads is not None else ([] if args.onnx else list(BENCH_WORKLOADS))
    own_shapes: dict[str, dict[str, list[int]]] = {}  # --onnx FILE:NAME=D0,...: per model
    try:
        for value in args.onnx or ():
            path, model_shapes = parse_onnx_option(value)
            if not os.path.isfile(path):
                what = "a folder, not an ONNX file" if os.path.isdir(path) else "no such file"
                raise UsageError(f"--onnx {path}: {what}")
            name = ONNX_PREFIX + os.path.abspath(path)
            if name in workloads and own_shapes.get(name, {}) != model_shapes:
                raise BenchError(f"--onnx {path} is given twice with different input shapes")
            workloads.append(name)
            if model_shapes:
                own_shapes[name] = model_shapes
        shapes = _input_shapes(args.input_shape)
    except BenchError as exc:
        raise UsageError(str(exc)) from None
    if shapes and not args.onnx:
        raise UsageError("--input-shape applies to --onnx models only")
    settings = Settings(
        workloads=tuple(dict.fromkeys(workloads)),
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
        processes=args.processes if args.processes is not None else (QUICK_ROUNDS if quick else 5),
        timeout=args.timeout,
        max_seconds=args.max_seconds,
        input_shapes=shapes or None,
        onnx_input_shapes=own_shapes or None,
        cache=not args.no_cache,
    )
    try:
        return run(settings, json_path=args.json, plot_path=args.plot, markdown=args.markdown, wide=args.wide)
    except BenchModelError as exc:
        raise CliError(str(exc)) from None
    except BenchError as exc:
        raise UsageError(str(exc)) from None


#: Measurement rounds of ``webnn bench --quick`` (each a webnn process, its cache-hit process and a
#: direct ONNX Runtime one, per workload): about a minute per webnn engine on 2 cores.
QUICK_ROUNDS = 9



# ------------------------------------------------------------------------------ model files

MODEL_TYPES = (".onnx", ".webnn", ".json")
#: An output-only model type: the TFLite model the litert backend runs (``MLGraph.export_tflite``).
TFLITE = ".tflite"
#: An output-only model type: the CoreML ML Program (a folder; ``MLGraph.convert_to_coreml``).
MLPACKAGE = ".mlpackage"


class CliError(Exception):
    """The work failed (an invalid model, a compute error): printed as ``webnn <command>: error: ...``,
    exit code 1."""


class UsageError(CliError):
    """A bad or missing argument, a file or folder that does not exist: printed as ``webnn <command>:
    error: ...``, exit code 2."""


class _Parser(argparse.ArgumentParser):
    """argparse, with a usage error as one line on stderr (``webnn <command>: error: ...``) and
    exit code 2, instead of the whole usage text."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


class Progress:
    """Progress lines on stderr (a live counter on a terminal); silent with --quiet."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.live = not quiet and sys.stderr.isatty()
        self._last = 0.0

    def say(self, message: str) -> None:
        if not self.quiet:
            print(message, file=sys.stderr, flush=True)

    def count(self, done: int, total: int) -> None:
        now = time.monotonic()
        if self.live and (done == total or now - self._last > 0.1):
            self._last = now
            end = "\n" if done == total else ""
            print(f"\r  building: {done}/{total} operations", end=end, file=sys.stderr, flush=True)


def _model_type(path: str) -> str:
    lower = path.lower()
    for ext in MODEL_TYPES:
        if lower.endswith(ext):
            return ext
    raise UsageError(f"{path}: unknown file type (use {', '.join(MODEL_TYPES)})")


def _context(backend: str | None) -> Any:
    try:
        return ML().create_context(backend=backend)
    except Exception as exc:
        raise CliError(f"cannot create a {backend or 'default'} context: {exc}") from None


def _input_shapes(items: Sequence[str] | None) -> dict[str, list[int]]:
    shapes: dict[str, list[int]] = {}
    for item in items or ():
        name, sep, dims = item.rpartition("=")
        if not sep or not name:
            raise UsageError(f"--input-shape {item!r}: expected NAME=D0,D1,... (e.g. --input-shape x=1,3,224,224)")
        try:
            shapes[name] = [int(d) for d in dims.split(",") if d.strip()] if dims.strip() else []
        except ValueError:
            raise UsageError(f"--input-shape {item!r}: dimensions must be integers") from None
        if any(d <= 0 for d in shapes[name]):
            raise UsageError(f"--input-shape {item!r}: dimensions must be positive")
    return shapes


def _input_values(items: Sequence[str] | None, path: str | None) -> dict[str, np.ndarray]:
    """``--input-value NAME=V``: V a number, comma-separated numbers (reshaped to the input's
    declared shape when that is fully fixed and holds as many) or a ``.npy`` file."""
    values: dict[str, np.ndarray] = {}
    declared = _onnx_graph_inputs(path) if items and path is not None else None
    for item in items or ():
        name, sep, text = item.partition("=")
        if not sep or not name or not text.strip():
            raise UsageError(f"--input-value {item!r}: expected NAME=V (a number, numbers separated by commas, or "
                             "a .npy file), e.g. --input-value sr=16000")
        if text.lower().endswith(".npy"):
            try:
                values[name] = np.load(text, allow_pickle=False)
            except (OSError, ValueError) as exc:
                raise UsageError(f"--input-value {item!r}: cannot read {text}: {exc}") from None
            continue
        numbers: list[int | float] = []
        for part in text.split(","):
            try:
                numbers.append(int(part) if re.fullmatch(r"\s*[-+]?\d+\s*", part) else float(part))
            except ValueError:
                raise UsageError(f"--input-value {item!r}: {part.strip()!r} is not a number") from None
        array = np.array(numbers[0] if len(numbers) == 1 and "," not in text else numbers)
        dims = (declared or {}).get(name) or []
        fixed = [d for d in dims if isinstance(d, int)]
        if dims and len(fixed) == len(dims) and int(np.prod(fixed)) == array.size:
            array = array.reshape(fixed)
        values[name] = array
    return values


def load_model(path: str, context: Any, args: argparse.Namespace, progress: Progress) -> Any:
    """An MLGraph from a .onnx, .webnn or .json file."""
    import webnn

    if os.path.isdir(path) and not os.path.isfile(os.path.join(path, "manifest.json")):
        raise UsageError(f"{path} is a folder, not a model file: give a .onnx, .webnn or .json file, or a "
                         "package folder written by webnn compile")
    if os.path.isdir(path):
        from .compile import load_compiled

        start = time.perf_counter()
        progress.say(f"loading the compiled package {show(path)} ...")
        graph = load_compiled(path, context)
        progress.say(f"loaded in {time.perf_counter() - start:.2f} s")
        return graph
    if not os.path.exists(path):
        raise UsageError(f"{path}: no such file")
    kind = _model_type(path)
    if not os.path.isfile(path):
        raise UsageError(f"{path} is not a regular file")
    weights_file = getattr(args, "weights_file", None)
    if weights_file is not None and not os.path.isfile(weights_file):
        raise UsageError(f"--weights-file {weights_file}: no such file")
    start = time.perf_counter()
    progress.say(f"loading {show(path)} ...")
    shapes = _onnx_input_shapes(path, args) if kind == ".onnx" else _input_shapes(getattr(args, "input_shape", None))
    values = _input_values(getattr(args, "input_value", None), path if kind == ".onnx" else None)
    if kind == ".onnx":
        try:
            graph = webnn.load_onnx(path, context, input_shapes=shapes or None, input_values=values or None)
        except TypeError as exc:  # a value that does not fit its input: said in the command line's terms
            if not str(exc).startswith("input_values"):
                raise
            message = re.sub(r"input_values\[" + _NAME + r"\]", lambda m: f"--input-value {_unrepr(m.group(1))}", str(exc))
            raise UsageError(message.replace("input_values names", "--input-value names")) from None
    else:
        if shapes:
            raise UsageError("--input-shape applies to ONNX models only (webnn-graph files declare their shapes)")
        if values:
            raise UsageError("--input-value applies to ONNX models only")
        graph = webnn.load(path, context, getattr(args, "weights_file", None), progress=progress.count)
    progress.say(f"loaded in {time.perf_counter() - start:.2f} s: {graph.operation_count} operations")
    return graph


#: A dimension of an ONNX input as declared: a size, or (free) its name (``dim_param``) or "?".
Dim = int | str


def _onnx_graph_inputs(path: str) -> dict[str, list[Dim] | None] | None:
    """The declared shapes of an ONNX file's graph inputs (initializers left out), None for an
    input without a declared shape; None when the file cannot be read this way (``load_onnx``
    then says what is wrong).  Only the graph's inputs and initializer names are decoded (with
    the importer's own reader), from the mapped file: nothing of the weights is copied."""
    import mmap

    from .io.onnx_import import proto

    try:
        with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
            view = memoryview(mapped)
            try:
                return _graph_inputs(proto, view)
            finally:
                view.release()
    except Exception:  # empty or malformed files, files that cannot be mapped
        return None


def _fields(proto: Any, buf: Any, start: int, end: int) -> Any:
    """(field number, data start, data end) of each length-delimited field in ``buf[start:end]``."""
    pos = start
    while pos < end:
        tag, pos = proto._tag(buf, pos, end)
        number, wire = tag >> 3, tag & 7
        if wire == 2:
            after, data = proto._length(buf, pos, end)
            yield number, data, after
            pos = after
        else:
            pos = proto._skip(buf, pos, end, number, wire, 0)


def _graph_inputs(proto: Any, buf: Any) -> dict[str, list[Dim] | None]:
    inputs: list[Any] = []
    initializers: set[str] = set()
    for number, start, end in _fields(proto, buf, 0, len(buf)):
        if number != 7:  # ModelProto.graph
            continue
        for field, data, after in _fields(proto, buf, start, end):
            if field == 11:  # GraphProto.input
                info = proto.ValueInfoProto()
                proto.decode_into(info, bytes(buf[data:after]))
                inputs.append(info)
            elif field == 5:  # GraphProto.initializer: its name (TensorProto.name, field 8)
                for key, a, b in _fields(proto, buf, data, after):
                    if key == 8:
                        initializers.add(bytes(buf[a:b]).decode("utf-8", "replace"))
    result: dict[str, list[Dim] | None] = {}
    for info in inputs:
        if not isinstance(info.name, str) or info.name in initializers:
            continue
        tensor = info.type.tensor_type
        if not info.type.HasField("tensor_type") or not tensor.HasField("shape"):
            result[info.name] = None
            continue
        result[info.name] = [
            d.dim_value if d.HasField("dim_value") and d.dim_value > 0 else (d.dim_param or "?")
            for d in tensor.shape.dim
        ]
    return result


def _dims_text(dims: Sequence[Dim]) -> str:
    return "[" + ", ".join(show(str(d)) for d in dims) + "]"


def _shape_arg(name: str, dims: Sequence[Dim]) -> str:
    """``--input-shape NAME=...`` as the user would type it: the fixed sizes, ``D<i>`` for the free ones."""
    return f"--input-shape {show(name)}=" + ",".join(str(d) if isinstance(d, int) else f"D{i}" for i, d in enumerate(dims))


def _check_shape(shape: Sequence[int], dims: Sequence[Dim] | None, name: str, what: str) -> None:
    """A shape given for the ONNX input ``name`` agrees with its declared ``dims``."""
    if dims is None:
        return
    declared = f"the model's input {show(name)!r} is {_dims_text(dims)}"
    if len(shape) != len(dims):
        raise UsageError(f"{what} has {len(shape)} dimensions; {declared}, {len(dims)} dimensions")
    for i, (size, dim) in enumerate(zip(shape, dims)):
        if isinstance(dim, int) and size != dim:
            raise UsageError(f"{what} has {size} as dimension {i}; {declared}, which fixes it at {dim}")


def _onnx_input_shapes(path: str, args: argparse.Namespace) -> dict[str, list[int]]:
    """The ``input_shapes`` for ``load_onnx``: ``--input-shape``, and (``webnn run``) the shapes
    of the ``--input`` arrays of inputs with free dimensions; an explicit ``--input-shape`` wins,
    and must agree with the array.  Every input with free dimensions must get a shape (else a
    usage error saying how to give it)."""
    explicit = _input_shapes(getattr(args, "input_shape", None))
    declared = _onnx_graph_inputs(path)
    if declared is None:
        return explicit  # load_onnx says what is wrong with the file
    for name, shape in explicit.items():
        if name not in declared:
            known = ", ".join(show(n) for n in declared) or "none"
            raise UsageError(f"--input-shape {show(name)}=...: the model has no input {show(name)!r} (its inputs: {known})")
        _check_shape(shape, declared[name], name, f"--input-shape {show(name)}={','.join(map(str, shape))}")
    shapes = dict(explicit)
    running = getattr(args, "command", None) == "run"  # (convert's IN is args.input too)
    for name, file in _input_items(args.input if running else None):
        dims = declared.get(name)
        if name not in declared or (dims is not None and all(isinstance(d, int) for d in dims)):
            continue  # not an input (said later), or fully declared (the array is checked when read)
        shape = list(npy_shape(file, f"--input {name}"))
        if name in explicit:
            if shape != explicit[name]:
                raise UsageError(f"--input-shape {show(name)}={','.join(map(str, explicit[name]))} does not match "
                                 f"--input {show(name)}={show(file)}, which holds an array of shape {shape}")
            continue
        _check_shape(shape, dims, name, f"--input {show(name)}={show(file)} (an array of shape {shape})")
        shapes[name] = shape
    valued = {item.partition("=")[0] for item in getattr(args, "input_value", None) or ()}
    free = [n for n, d in declared.items()
            if (d is None or not all(isinstance(x, int) for x in d)) and n not in shapes and n not in valued]
    if free:
        hints = []
        for name in free:
            dims = declared[name]
            if dims is None:
                hints.append(f"input {show(name)!r} declares no shape: give it with --input-shape {show(name)}=D0,D1,...")
            else:
                hints.append(f"input {show(name)!r} has free dimensions {_dims_text(dims)}: give them with "
                             f"{_shape_arg(name, dims)}")
        how = " (one size per dimension"
        how += "; or give the input's array with --input NAME=FILE.npy, whose shape is taken)" if running else ")"
        raise UsageError("; ".join(hints) + how)
    return shapes


def show(text: str) -> str:
    """A name taken from a model file (or a path), safe to print: control characters, bidi
    overrides and terminal escape sequences are written as ``\\uXXXX``."""
    return sanitize(str(text))


def _describe(desc: Any) -> str:
    return f"{desc.data_type} [{', '.join(map(str, desc.shape))}]"


def cmd_validate(args: argparse.Namespace) -> int:
    progress = Progress(args.quiet)
    path = args.file
    graph = load_model(path, _context(args.backend), args, progress)
    ir = graph.ir
    print(f"{show(path)}: valid")
    print("inputs:")
    for name, desc in graph.input_descriptors.items():
        print(f"  {show(name)}: {_describe(desc)}")
    print("outputs:")
    for name, desc in graph.output_descriptors.items():
        print(f"  {show(name)}: {_describe(desc)}")
    counts: dict[str, int] = {}
    for op in ir.operations:
        name = OPS[op.type].js_name
        counts[name] = counts.get(name, 0) + 1
    print(f"operations: {len(ir.operations)}")
    for op, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        print(f"  {op}: {n}")
    size = sum(a.nbytes for a in ir.constants.values())
    print(f"constants: {len(ir.constants)} ({size} bytes)")
    return 0


def cmd_convert(args: argparse.Namespace) -> int:
    progress = Progress(args.quiet)
    lower = args.output.rstrip("/" + os.sep).lower()
    out_kind = next((kind for kind in (TFLITE, MLPACKAGE) if lower.endswith(kind)), None) or _model_type(args.output)
    if out_kind == MLPACKAGE:
        args.output = args.output.rstrip("/" + os.sep)
        if os.path.isdir(args.output) and not os.path.isfile(os.path.join(args.output, "Manifest.json")):
            raise UsageError(f"OUT {args.output} is a folder that is not an .mlpackage: not replaced")
        folder = os.path.dirname(os.path.abspath(args.output))
        if not os.path.isdir(folder):
            raise UsageError(f"OUT {args.output}: the folder {folder} does not exist")
    else:
        _check_output(args.output, "OUT")
    if args.opset is not None and out_kind != ".onnx":
        raise UsageError(f"--opset applies to .onnx output only, not {out_kind}")
    graph = load_model(args.input, _context(args.backend), args, progress)
    start = time.perf_counter()
    progress.say(f"writing {show(args.output)} ...")
    if out_kind == ".onnx":
        graph.to_onnx(args.output)
        written = [args.output] + ([args.output + ".data"] if os.path.exists(args.output + ".data") else [])
    elif out_kind == TFLITE:
        graph.export_tflite(args.output)
        written = [args.output]
    elif out_kind == MLPACKAGE:
        written = [graph.convert_to_coreml(args.output)]
    else:
        written = graph.save(args.output, args.weights, inline_threshold=args.inline_threshold)
    progress.say(f"written in {time.perf_counter() - start:.2f} s")
    for path in written:
        print(show(path))
    return 0


def cmd_compile(args: argparse.Namespace) -> int:
    progress = Progress(args.quiet)
    if os.path.exists(args.output) and not os.path.isdir(args.output):
        raise UsageError(f"-o {args.output} is a file; give the package folder to write")
    if not os.path.isdir(os.path.dirname(os.path.abspath(args.output))):
        raise UsageError(f"-o {args.output}: the folder {os.path.dirname(os.path.abspath(args.output))} does not exist")
    graph = load_model(args.input, _context(args.backend), args, progress)
    start = time.perf_counter()
    progress.say(f"compiling for {graph.context.backend} into {show(args.output)} ...")
    folder = graph.save_compiled(args.output)
    progress.say(f"written in {time.perf_counter() - start:.2f} s")
    print(show(folder))
    return 0


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


def output_file_names(names: Sequence[str]) -> dict[str, str]:
    """A safe, distinct file name (``<name>.npy``) for each output name: no directories, no dot files."""
    result: dict[str, str] = {}
    used: set[str] = set()
    for name in names:
        base = _UNSAFE.sub("_", name) or "output"
        if base.startswith("."):
            base = "_" + base
        candidate, n = base, 0
        while candidate.lower() in used:
            n += 1
            candidate = f"{base}_{n}"
        used.add(candidate.lower())
        result[name] = candidate + ".npy"
    return result


#: The longest .npy header read (NumPy writes a few hundred bytes).
_NPY_MAX_HEADER = 10_000


def _npy_header(f: Any, path: str, what: str) -> tuple[tuple[int, ...], bool, np.dtype, int]:
    """The shape, Fortran order, dtype and data size of the open ``.npy`` file ``f`` (left at its
    data), read within a bounded header length."""
    from numpy.lib import format as npy

    size = os.fstat(f.fileno()).st_size
    version = npy.read_magic(f)
    read_header = {(1, 0): npy.read_array_header_1_0, (2, 0): npy.read_array_header_2_0}.get(version)
    if read_header is None:
        raise CliError(f"{what}: {path}: unsupported .npy format version {version}")
    # The header's length, checked before NumPy reads that many bytes.
    field = 2 if version == (1, 0) else 4
    length = int.from_bytes(f.read(field), "little")
    if length > _NPY_MAX_HEADER or f.tell() + length > size:
        raise CliError(f"{what}: {path}: the .npy header claims {length} bytes (the file has {size})")
    f.seek(-field, os.SEEK_CUR)
    try:
        shape, fortran_order, dtype = read_header(f, max_header_size=_NPY_MAX_HEADER)
    except Exception as exc:  # NumPy's parser raises ValueError, SyntaxError, tokenize errors...
        raise CliError(f"{what}: {path}: malformed .npy header: {type(exc).__name__}: {exc}") from None
    if dtype.hasobject:
        raise CliError(f"{what}: {path} holds Python objects (pickled data is never loaded)")
    return tuple(shape), fortran_order, dtype, size - f.tell()


def _open_npy(path: str, what: str) -> Any:
    if os.path.isdir(path):
        raise UsageError(f"{what}: {path} is a folder, not a .npy file")
    try:
        return open(path, "rb")
    except FileNotFoundError:
        raise UsageError(f"{what}: {path}: no such file") from None
    except OSError as exc:
        raise CliError(f"{what}: {path} is not a readable .npy file: {exc}") from None


def npy_shape(path: str, what: str) -> tuple[int, ...]:
    """The shape of the array in a ``.npy`` file (its header only is read)."""
    with _open_npy(path, what) as f:
        try:
            return _npy_header(f, path, what)[0]
        except CliError:
            raise
        except (OSError, ValueError) as exc:
            raise CliError(f"{what}: {path} is not a readable .npy file: {exc}") from None


def read_npy(path: str, what: str, desc: Any) -> np.ndarray:
    """The array of a ``.npy`` file, which must hold ``desc``'s shape and data type.

    The header is read and checked against ``desc`` and the file's size before any data is
    read, so a file that declares a huge array costs nothing; pickled objects are refused.
    A file that does not exist is a :class:`UsageError`, one that is not a valid ``.npy`` file
    of that shape and type a :class:`CliError`.
    """
    with _open_npy(path, what) as f:
        try:
            shape, fortran_order, dtype, available = _npy_header(f, path, what)
            count = 1
            for d in shape:
                count *= d
            if tuple(shape) != desc.shape or dtype.newbyteorder("=") != desc.numpy_dtype:
                raise CliError(f"{what}: {path} holds {dtype} {list(shape)}, the graph needs {_describe(desc)}")
            if available < count * dtype.itemsize:
                raise CliError(f"{what}: {path} is truncated ({available} data bytes, "
                               f"{count * dtype.itemsize} needed)")
            array = np.fromfile(f, dtype=dtype, count=count)
        except CliError:
            raise
        except (OSError, ValueError) as exc:
            raise CliError(f"{what}: {path} is not a readable .npy file: {exc}") from None
    array = array.reshape(shape, order="F" if fortran_order else "C")
    return np.ascontiguousarray(array, dtype=desc.numpy_dtype)


def _input_items(items: Sequence[str] | None) -> list[tuple[str, str]]:
    """The ``--input NAME=FILE.npy`` options as (name, file)."""
    result = []
    for item in items or ():
        name, sep, path = item.partition("=")
        if not sep or not name or not path:
            raise UsageError(f"--input {item!r}: expected NAME=FILE.npy")
        result.append((name, path))
    return result


def _read_inputs(items: Sequence[str] | None, graph: Any) -> dict[str, np.ndarray]:
    feeds: dict[str, np.ndarray] = {}
    for name, path in _input_items(items):
        if name not in graph.input_descriptors:
            inputs = ", ".join(show(n) for n in graph.input_names)
            raise UsageError(f"--input {name!r}: the graph has no such input (inputs: {inputs})")
        feeds[name] = read_npy(path, f"--input {name}", graph.input_descriptors[name])
    missing = [n for n in graph.input_names if n not in feeds]
    if missing:
        needed = ", ".join(f"{show(n)} ({_describe(graph.input_descriptors[n])})" for n in missing)
        raise UsageError(f"missing --input for: {needed}")
    return feeds


def _check_output(path: str, what: str) -> None:
    """The folder an output file goes to exists, and the path is not a folder."""
    if os.path.isdir(path):
        raise UsageError(f"{what} {path} is a folder; give the file to write")
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise UsageError(f"{what} {path}: the folder {folder} does not exist")


def cmd_run(args: argparse.Namespace) -> int:
    progress = Progress(args.quiet)
    _input_items(args.input)
    if args.output_dir and os.path.exists(args.output_dir) and not os.path.isdir(args.output_dir):
        raise UsageError(f"--output-dir {args.output_dir} is a file, not a folder")
    context = _context(args.backend)
    graph = load_model(args.file, context, args, progress)
    feeds = _read_inputs(args.input, graph)
    progress.say(f"computing on {context.backend} ({context.device_type}) ...")
    start = time.perf_counter()
    try:
        results = context.compute(graph, feeds)
    except TypeError as exc:
        raise CliError(str(exc)) from None
    progress.say(f"computed in {1e3 * (time.perf_counter() - start):.2f} ms")
    files = output_file_names(list(results))
    if args.output_dir:
        os.makedirs(args.output_dir, exist_ok=True)
    for name, array in results.items():
        line = f"{show(name)}: {array.dtype} {list(array.shape)}"
        if args.output_dir:
            path = os.path.join(args.output_dir, files[name])
            np.save(path, array, allow_pickle=False)
            line += f" -> {show(path)}"
        print(line)
    return 0


def cmd_visualize(args: argparse.Namespace) -> int:
    progress = Progress(args.quiet)
    ext = os.path.splitext(args.output)[1].lower()
    if ext not in (".svg", ".png", ".pdf", ".dot", ".gv"):
        raise UsageError(f"-o {args.output}: the picture must be .svg, .png, .pdf or .dot")
    _check_output(args.output, "-o")
    graph = load_model(args.file, _context(args.backend), args, progress)
    progress.say(f"drawing {show(args.output)} ...")
    try:
        graph.render(args.output, compact=args.compact)
    except RuntimeError as exc:
        raise CliError(str(exc).removeprefix("render: ")) from None
    print(show(args.output))
    return 0


def _run_tool(func: Any) -> Any:
    """Run a command: its errors are one line on stderr (``webnn <command>: error: ...``), with exit
    code 2 for a usage error (bad arguments, missing files) and 1 when the work failed (an invalid
    model, a compute error)."""

    def run(args: argparse.Namespace) -> int:
        from .io.errors import GraphFormatError

        code = EXIT_FAILED
        try:
            return int(func(args))
        except UsageError as exc:
            message, code = str(exc), EXIT_USAGE
        except CliError as exc:
            message = str(exc)
        except GraphFormatError as exc:
            message = str(exc)
        except OSError as exc:
            message = f"{exc.filename + ': ' if exc.filename else ''}{exc.strerror or exc}"
        except (TypeError, ValueError, WebNNError) as exc:
            message = f"{type(exc).__name__}: {exc}"
        except Exception as exc:
            if os.environ.get("WEBNN_DEBUG"):
                raise
            message = f"{type(exc).__name__}: {exc} (set WEBNN_DEBUG=1 for a traceback)"
        name = f"webnn {args.command}" if getattr(args, "command", None) else "webnn"
        print(f"{name}: error: {sanitize(cli_message(message))}", file=sys.stderr)
        return code

    return run


# ------------------------------------------------------------------------------ parsing


def _number(cast: Callable[[str], Any], valid: Callable[[Any], bool], expected: str) -> Callable[[str], Any]:
    """An argparse type: ``cast`` of the text, which ``valid`` must accept."""

    def parse(text: str) -> Any:
        try:
            value = cast(text)
        except ValueError:
            value = None
        if value is None or not valid(value):
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}")
        return value

    return parse


def _opset(text: str) -> int:
    """``--opset``: an ONNX opset the export writes (EXPORT_OPSETS)."""
    low, high = EXPORT_OPSETS
    try:
        value = int(text)
    except ValueError:
        value = None
    if value is None or not low <= value <= high:
        accepted = f"{low}" if low == high else f"{low} to {high}"
        raise argparse.ArgumentTypeError(
            f"the ONNX export writes opset {accepted} (accepted: {low}-{high}), got {text!r}")
    return value


_positive_int = _number(int, lambda v: v >= 1, "a positive integer")
_count = _number(int, lambda v: v >= 0, "an integer >= 0")
_seconds = _number(float, lambda v: v > 0, "a positive number of seconds")


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


# ------------------------------------------------------------------------------ cache


def cmd_cache(args: argparse.Namespace) -> int:
    from .cache import CompiledCache, cache_directory, cache_settings, format_bytes

    try:
        directory, max_bytes = cache_settings()
        cache = CompiledCache(directory or cache_directory(), max_bytes)
        if args.action == "path":
            print(cache.directory)
        elif args.action == "clear":
            print(f"removed {cache.clear()} entries from {cache.directory}")
        else:
            info = cache.info()
            state = "enabled" if directory is not None else f"disabled (WEBNN_CACHE={os.environ.get('WEBNN_CACHE')})"
            print(f"folder:  {info['path']}")
            print(f"state:   {state}")
            print(f"entries: {info['entries']}")
            print(f"size:    {format_bytes(info['bytes'])} of at most {format_bytes(info['max_bytes'])}")
    except (ValueError, OSError) as exc:  # a bad setting in the environment, a folder that cannot be read
        raise CliError(str(exc)) from None
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="webnn",
        description="WebNN for Python. Without a command: the same as `webnn info`.",
        epilog=EXIT_CODES,
    )
    parser.add_argument("--version", action="version", version=f"webnn {__version__}")
    parser.set_defaults(func=_run_tool(cmd_info), parser=parser)
    commands = parser.add_subparsers(title="commands", dest="command", metavar="{info,bench,validate,convert,compile,run,visualize,cache}")

    info = commands.add_parser(
        "info", help="version, operations, backends and their devices; runs a small demo graph on each",
        description="Print the version, the number of operations, the available backends with their devices "
        "and execution providers, and run a small demo graph on each (exit code 1 if a demo fails).",
    )
    info.set_defaults(func=_run_tool(cmd_info), parser=info)

    bench = commands.add_parser(
        "bench", help="benchmark the backends against ONNX Runtime used directly",
        description="Benchmark WebNN graphs (simple, complex, MobileNetV2) on every available backend and "
        "device, each in a fresh process, against the same graph written directly as an ONNX model and run "
        "with ONNX Runtime on the same provider. Reports build, first-compute and warm times, peak memory, "
        "an output check against the reference backend, and the import cost. Each webnn process starts with an "
        "empty compiled-graph cache of its own (a cache miss); where the backend has a cache, one more fresh "
        "process then builds and computes once from the cache it filled: the 'hit' columns. ONNX files are "
        "loaded with webnn.load_onnx, as users load them. Progress goes to stderr, the table to stdout: "
        "build + first compute (a cache miss, and a cache hit), the warm median, the ratios to direct ONNX "
        "Runtime with their range over the measurement rounds, and the output check; --wide gives every "
        "column, --json every number. Exit code 1 if a measurement or output check failed, 2 for a usage "
        "error (a bad option, a file or folder that does not exist).",
    )
    bench.set_defaults(func=_run_tool(cmd_bench), parser=bench)
    bench.add_argument("--quick", action="store_true",
                       help=f"the installed CPU engines (onnxruntime, openvino, litert, and auto when two are there; "
                            f"the WEBNN_BACKEND one alone when it is set) and direct ONNX Runtime, {QUICK_ROUNDS} "
                            "rounds of fresh processes with fewer runs each (1-3 minutes on 2 cores)")
    bench.add_argument("--workloads", type=_workloads, default=None, metavar="LIST",
                       help=f"comma-separated, from {','.join(BENCH_WORKLOADS)} (default: all, or none with --onnx)")
    bench.add_argument("--onnx", action="append", metavar="FILE[:NAME=D0,D1,...[;NAME2=...]]", default=None,
                       help="also an ONNX model file (repeatable): loaded with webnn.load_onnx on each backend, "
                       "and the file itself run directly on ONNX Runtime. After the last ':', the shapes of this "
                       "model's inputs with free dimensions, ';'-separated (quote it in a shell), e.g. "
                       "--onnx 'det.onnx:x=1,3,160,224'")
    bench.add_argument("--input-shape", action="append", metavar="NAME=D0,D1,...",
                       help="--onnx models: the shape of an input with free dimensions (repeatable), for every "
                       "--onnx model that gives no shapes of its own")
    bench.add_argument("--backends", type=_backends, default=None, metavar="LIST",
                       help="comma-separated webnn backends, optionally with a device: onnxruntime, "
                       "onnxruntime:gpu, openvino, auto, reference (default: every available backend on every "
                       "device it has, and auto; --quick: the CPU engines and auto)")
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
    bench.add_argument("--plot", metavar="FILE", default=None,
                       help="also draw the results to FILE (.png or .svg): warm and build + first compute times "
                            "per workload and target as bars with their spread, the ratios to direct ONNX Runtime "
                            "above them (needs matplotlib: pip install 'webnn[plot]')")
    bench.add_argument("--from-json", metavar="FILE", default=None,
                       help="measure nothing: show the results a --json FILE saved (the table, and --plot)")
    bench.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    bench.add_argument("--wide", action="store_true",
                       help="every column (build, first compute, min, p90, runs, peak memory, every ratio and "
                            "the check's errors), not only the main ones (which fit 100 columns)")
    bench.add_argument("--no-direct", action="store_true", help="skip the direct ONNX Runtime baselines")
    bench.add_argument("--no-cache", action="store_true",
                       help="run the webnn processes with the compiled-graph cache off (WEBNN_CACHE=0) and skip "
                       "the cache-hit processes (to compare with numbers from before the cache)")
    bench.add_argument("--size", type=_positive_int, default=224, metavar="N",
                       help="input height and width (default 224; a multiple of 32 for mobilenetv2)")
    bench.add_argument("--seed", type=_count, default=0, metavar="N", help="seed of the inputs and random weights")
    bench.add_argument("--processes", type=_positive_int, default=None, metavar="N",
                       help=f"rounds of fresh processes: in each, every target runs once, webnn and direct ONNX "
                            f"Runtime in turn (default 5; --quick: {QUICK_ROUNDS}); one-time timings (build, first "
                            "compute, peak memory) are the processes' medians, ratios the median of the rounds' ones")
    bench.add_argument("--import-repeats", type=_count, default=None, metavar="N",
                       help="fresh processes per import timing (default 9; --quick: 5; 0: skip)")
    bench.add_argument("--timeout", type=_seconds, default=600.0, metavar="S",
                       help="seconds before a measurement process is stopped (default 600)")
    bench.add_argument("--max-seconds", type=_seconds, default=60.0, metavar="S",
                       help="stop a target's timed runs after S seconds, keeping at least 3 (default 60)")

    def model_options(sub: argparse.ArgumentParser, backend_default: str | None) -> None:
        which = "the default backend" if backend_default is None else backend_default
        sub.add_argument("--backend", choices=list(BACKENDS), default=backend_default,
                         help=f"the backend that builds the graph (default: {which})")
        sub.add_argument("--input-shape", action="append", metavar="NAME=D0,D1,...",
                         help="ONNX models: the shape of an input with free dimensions (repeatable), "
                              "e.g. --input-shape input=1,3,224,224 (webnn run takes the shapes of the --input "
                              "arrays when not given)")
        sub.add_argument("--input-value", action="append", metavar="NAME=V",
                         help="ONNX models: fix an input that is a setting rather than data (repeatable): V is a "
                              "number, numbers separated by commas, or a .npy file, e.g. --input-value sr=16000; "
                              "the input becomes a constant of the graph, and what depends on it (an If on it) "
                              "is decided at load time")
        sub.add_argument("--weights-file", metavar="FILE", default=None,
                         help="webnn-graph files: the weights (.safetensors or .manifest.json); default: the "
                              "weights file the graph file names (e.g. model.webnn.safetensors beside it)")
        sub.add_argument("-q", "--quiet", action="store_true", help="no progress messages on stderr")

    validate = commands.add_parser(
        "validate", help="check a model file (.onnx, .webnn, .json) and summarize it",
        description="Load a model (.onnx, .webnn or .json) and build its graph, which checks every rule of "
        "the WebNN spec; print its inputs, outputs and operation counts. Exit code 1 if the file is invalid "
        "(the message says where: file:line:column, JSON path, or tensor key), 2 for a usage error (a file "
        "that does not exist, a folder, an unknown file type).",
    )
    validate.set_defaults(func=_run_tool(cmd_validate), parser=validate)
    validate.add_argument("file", metavar="FILE", help="the model file")
    model_options(validate, "reference")

    convert = commands.add_parser(
        "convert", help="convert between .onnx, .webnn and .json (and write .tflite, .mlpackage) by file extension",
        description="Convert a model; the formats follow from the extensions: .onnx (ONNX), .webnn "
        "(webnn-graph text form) or .json (webnn-graph JSON form). webnn-graph weights go to "
        "OUT.safetensors (or --weights manifest: OUT.manifest.json + OUT.weights), e.g. model.webnn.safetensors. "
        "Prints the files written. .onnx output is a standard ONNX model of opset "
        f"{EXPORT_OPSETS[0]}{'' if EXPORT_OPSETS[0] == EXPORT_OPSETS[1] else f' to {EXPORT_OPSETS[1]}'}. "
        ".tflite output is the TFLite model the litert backend runs (needs the litert extra), for LiteRT "
        "elsewhere, e.g. on Android. .mlpackage output is a CoreML ML Program (iOS 17 / macOS 14; needs the "
        "coreml extra), written on any system.",
    )
    convert.set_defaults(func=_run_tool(cmd_convert), parser=convert)
    convert.add_argument("input", metavar="IN", help="the model to read (.onnx, .webnn, .json)")
    convert.add_argument("output", metavar="OUT", help="the file to write (.onnx, .webnn, .json, .tflite, .mlpackage)")
    convert.add_argument("--weights", choices=["safetensors", "manifest", "inline"], default="safetensors",
                         help="webnn-graph output: where the weights go (default: safetensors). inline: in the "
                              "graph file itself, one file to pass around or read; the format has no binary "
                              "encoding there, so each byte is written as a decimal number: about 3.5 times the "
                              "weights' size, and about 0.1 s per MB of weights to write or read (a weights file "
                              "takes milliseconds). Use it for small graphs, tests and files read by eye, not "
                              "for models with real weights")
    convert.add_argument("--opset", type=_opset, default=None, metavar="N",
                         help=f"ONNX output: the opset to write; accepted: {EXPORT_OPSETS[0]}-{EXPORT_OPSETS[1]} "
                              "(what the ONNX export writes; other values are a usage error)")
    convert.add_argument("--inline-threshold", type=_count, default=64, metavar="BYTES",
                         help="webnn-graph output: constants of at most BYTES bytes stay in the graph file "
                              "(default 64; 0: none)")
    model_options(convert, "reference")

    compile_ = commands.add_parser(
        "compile", help="compile a model ahead of time into a package folder for deployment",
        description="Load a model (.onnx, .webnn or .json), run the backend's graph passes and compile it, and "
        "write a compiled package: a folder with the engine's compiled model, the graph and a manifest "
        "(versions, machine, file digests). webnn.load_compiled(OUT) and `webnn run OUT` load it without "
        "lowering or optimizing again; a package made for another engine version or machine is refused.",
    )
    compile_.set_defaults(func=_run_tool(cmd_compile), parser=compile_)
    compile_.add_argument("input", metavar="MODEL", help="the model to compile (.onnx, .webnn, .json)")
    compile_.add_argument("-o", "--output", required=True, metavar="OUT", help="the package folder to write")
    model_options(compile_, None)

    run = commands.add_parser(
        "run", help="compute a model on .npy inputs",
        description="Load a model (.onnx, .webnn, .json), compute it on inputs read from .npy files, and print "
        "each output's data type and shape; with --output-dir, save each output as DIR/<name>.npy.",
    )
    run.set_defaults(func=_run_tool(cmd_run), parser=run)
    run.add_argument("file", metavar="FILE", help="the model file")
    run.add_argument("--input", action="append", metavar="NAME=FILE.npy",
                     help="an input's values (repeatable; dtype and shape must match the graph's input)")
    run.add_argument("--output-dir", metavar="DIR", default=None, help="save each output as DIR/<name>.npy")
    model_options(run, None)

    visualize = commands.add_parser(
        "visualize", help="draw a model's graph (.svg, .png with Graphviz; .dot text)",
        description="Draw the graph of a model (.onnx, .webnn, .json): operations, inputs, constants and "
        "outputs, with each edge's data type and shape. .svg, .png and .pdf need Graphviz's dot program; "
        ".dot writes the Graphviz text.",
    )
    visualize.set_defaults(func=_run_tool(cmd_visualize), parser=visualize)
    visualize.add_argument("file", metavar="FILE", help="the model file")
    visualize.add_argument("-o", "--output", required=True, metavar="OUT",
                           help="the picture: .svg, .png, .pdf or .dot")
    visualize.add_argument("--compact", action=argparse.BooleanOptionalAction, default=None,
                           help="the drawing for large graphs: constants written in the nodes of the operations "
                                "that read them, and boxes around the blocks the operations' labels name "
                                "('block3' around 'block3.expand' and 'block3.add'; a prefix ends at '.' or '/'; "
                                "a box holds 3 or more connected operations). Default: for graphs of 30 "
                                "operations or more")
    model_options(visualize, "reference")

    cache = commands.add_parser(
        "cache", help="the compiled-graph cache: info (the default), path, clear",
        description="Show (info, the default), locate (path) or empty (clear) the on-disk cache of compiled "
        "graphs. The environment sets it: WEBNN_CACHE_DIR (the folder), WEBNN_CACHE=0 (disabled), "
        "WEBNN_CACHE_MAX_SIZE (the bound, e.g. 512M or 2G; default 2G). clear works even when disabled.",
    )
    cache.set_defaults(func=_run_tool(cmd_cache), parser=cache)
    cache.add_argument("action", nargs="?", choices=["info", "path", "clear"], default="info",
                       help="info: folder, entries and size; path: the folder only; clear: remove every entry")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (EXIT_CODES: 0 done, 1 the work failed, 2 a
    usage error, 130 interrupted)."""
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
