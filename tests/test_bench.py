"""``webnn bench``: the workloads (WebNN and hand-made ONNX agree), MobileNetV2's layout and weights,
the measurement processes, the report, and a tiny end-to-end run."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import webnn
from webnn.bench import report, runner
from webnn.bench.workloads import (
    WORKLOADS,
    MobileNetV2,
    WeightsError,
    expected_weight_files,
    load_weights,
    make_workload,
    mobilenet_conv_layers,
)

HAVE_ORT = importlib.util.find_spec("onnxruntime") is not None and importlib.util.find_spec("onnx") is not None
needs_ort = pytest.mark.skipif(not HAVE_ORT, reason="onnxruntime and onnx are not installed")
WEIGHTS = Path(os.environ.get("WEBNN_MODELS_DIR", Path(__file__).resolve().parents[2] / "shared" / "models"))
WEIGHTS = WEIGHTS / "mobilenetv2"
needs_weights = pytest.mark.skipif(not WEIGHTS.is_dir(), reason=f"no MobileNetV2 weights in {WEIGHTS}")
SMALL = {"simple": 8, "complex": 8, "mobilenetv2": 32}


def run_webnn(workload, backend: str) -> np.ndarray:
    context = webnn.ML().create_context(backend=backend)
    builder = context.create_graph_builder()
    graph = builder.build(workload.build_webnn(builder))
    return context.compute(graph, {"x": workload.make_input()})["y"]


def run_onnx(workload) -> np.ndarray:
    import onnxruntime as ort

    session = ort.InferenceSession(workload.build_onnx().SerializeToString(), providers=["CPUExecutionProvider"])
    return session.run(None, {"x": workload.make_input()})[0]


# ------------------------------------------------------------------------------ workloads


@needs_ort
@pytest.mark.parametrize("name", list(WORKLOADS))
def test_webnn_and_onnx_versions_agree(name: str) -> None:
    workload = make_workload(name, SMALL[name])
    expected = run_webnn(workload, "reference")
    assert expected.shape == workload.output_shape and expected.dtype == np.float32
    assert np.all(np.isfinite(expected))
    direct = run_onnx(workload)
    np.testing.assert_allclose(direct, expected, rtol=workload.rtol, atol=workload.atol)
    ours = run_webnn(workload, "onnxruntime")
    np.testing.assert_allclose(ours, expected, rtol=workload.rtol, atol=workload.atol)


def test_simple_and_complex_by_hand() -> None:
    simple = make_workload("simple", 8)
    x = simple.make_input()
    y = x
    for _ in range(10):
        y = np.maximum(y + x, 0)
    np.testing.assert_array_equal(run_webnn(simple, "reference"), y)

    complex_ = make_workload("complex", 8)
    x = complex_.make_input()
    assert set(np.unique(x[x > 0])) == {np.float32(0.25)}  # the fixed point: nothing overflows or underflows
    expected = (x == 0.25).mean(axis=(2, 3), keepdims=True) * 0.25
    np.testing.assert_allclose(run_webnn(complex_, "reference"), expected, rtol=1e-6)
    assert complex_.op_count() == 201


def test_mobilenet_layers() -> None:
    model = MobileNetV2(32)
    assert model.conv_stats() == (52, 17)
    layers = mobilenet_conv_layers()
    assert [layer.index for layer in layers][:6] == [0, 2, 4, 5, 7, 9]
    assert layers[-1].index == 95 and layers[-1].cout == 1280
    assert sum(layer.stride == 2 for layer in layers) == 5
    assert len(expected_weight_files()) == 106


@needs_ort
def test_mobilenet_onnx_model_layout() -> None:
    model = MobileNetV2(32).build_onnx()
    convs = [n for n in model.graph.node if n.op_type == "Conv"]
    assert len(convs) == 52
    inits = {i.name: i for i in model.graph.initializer}
    depthwise = [n for n in convs if {a.name: a.i for a in n.attribute}["group"] == inits[n.input[1]].dims[0]
                 and inits[n.input[1]].dims[1] == 1]
    assert len(depthwise) == 17
    assert [n.op_type for n in model.graph.node][-4:] == ["GlobalAveragePool", "Flatten", "Gemm", "Softmax"]


@needs_weights
def test_real_weights_match_the_layers() -> None:
    files = {f.name for f in WEIGHTS.glob("*.npy")}
    expected = expected_weight_files()
    assert files <= set(expected), sorted(files - set(expected))
    for name in files:
        assert np.load(WEIGHTS / name, mmap_mode="r").shape == expected[name], name
    weights, notes = load_weights(str(WEIGHTS))
    assert weights["gemm_104_weight"].shape == (1000, 1280)
    if "gemm_104_weight.npy" not in files:
        assert any("gemm_104_weight.npy is missing" in note for note in notes)


@needs_weights
@needs_ort
def test_real_weights_run() -> None:
    workload = MobileNetV2(32, weights=str(WEIGHTS))
    expected = run_webnn(workload, "reference")
    np.testing.assert_allclose(run_onnx(workload), expected, rtol=workload.rtol, atol=workload.atol)
    np.testing.assert_allclose(expected.sum(), 1.0, rtol=1e-5)


def test_weights_errors(tmp_path: Path) -> None:
    with pytest.raises(WeightsError, match="does not exist"):
        load_weights(str(tmp_path / "nothing"))
    with pytest.raises(WeightsError, match=r"lacks 105 MobileNetV2 weight file\(s\): conv_0_bias.npy, conv_0_weight.npy"):
        load_weights(str(tmp_path))
    for name, shape in expected_weight_files().items():
        if name != "gemm_104_weight.npy":
            np.save(tmp_path / name, np.ones(shape, np.float32))
    weights, notes = load_weights(str(tmp_path))
    assert len(weights) == 106 and "gemm_104_weight.npy is missing" in notes[0]
    np.save(tmp_path / "conv_95_bias.npy", np.ones(1000, np.float32))
    with pytest.raises(WeightsError, match=r"conv_95_bias.npy has shape \[1000\], .* needs \[1280\]"):
        load_weights(str(tmp_path))


# ------------------------------------------------------------------------------ measurement pieces


def worker(spec: dict) -> dict:
    proc = subprocess.run([sys.executable, "-P", str(runner.WORKER), json.dumps(spec)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_worker_reports_failures_as_results() -> None:
    result = worker({"kind": "webnn", "backend": "reference", "workload": "nonexistent", "size": 8, "seed": 0})
    assert result["ok"] is False and result["step"] == "prepare workload"
    assert "unknown workload 'nonexistent'" in result["error"]


@needs_ort
def test_direct_worker_does_not_import_webnn(tmp_path: Path) -> None:
    out = tmp_path / "y.npy"
    result = worker({"kind": "direct", "backend": "onnxruntime", "providers": ["CPUExecutionProvider"],
                     "workload": "simple", "size": 8, "seed": 0, "runs": 3, "warmup": 1, "output": str(out)})
    assert result["ok"], result
    assert result["runs"] == 3 and result["min_ms"] <= result["median_ms"] <= result["p90_ms"]
    assert result["providers"] == ["CPUExecutionProvider"] and result["peak_rss_mb"] > 0
    np.testing.assert_array_equal(np.load(out), run_webnn(make_workload("simple", 8), "reference"))
    assert result["webnn_imported"] is False  # the baseline runs ONNX Runtime alone


def test_run_child_crash_and_timeout() -> None:
    crash = runner.run_child([sys.executable, "-c", "import sys; sys.stderr.write('boom\\n'); sys.exit(3)"],
                             dict(os.environ), 30)
    assert crash.result == {"ok": False, "step": "process", "error": "exit code 3: boom"}
    abort = runner.run_child([sys.executable, "-c", "import os; os.abort()"], dict(os.environ), 30)
    assert abort.result["error"] == "killed by SIGABRT: no output"
    slow = runner.run_child([sys.executable, "-c", "import time; time.sleep(30)"], dict(os.environ), 0.5)
    assert slow.result["ok"] is False and slow.result["step"] == "timeout"


def test_compare() -> None:
    ref = np.array([1.0, 0.0, np.nan, np.inf], np.float32)
    assert runner.compare(ref.copy(), ref, 1e-5, 1e-6)["status"] == "ok"
    check = runner.compare(np.array([1.1, 0.0, np.nan, np.inf], np.float32), ref, 1e-5, 1e-6)
    assert check["status"] == "FAIL" and check["max_abs"] == pytest.approx(0.1, rel=1e-5)
    assert runner.compare(np.zeros(3, np.float32), ref, 1e-5, 1e-6)["status"] == "FAIL"
    assert runner.compare(np.array([1, 0, 0, np.inf], np.float32), ref, 1, 1)["status"] == "FAIL"  # a NaN lost


def _settings(**changes) -> runner.Settings:
    base = runner.Settings(workloads=("simple",), backends=None, runs=2, warmup=0, threads=None, weights=None,
                           quick=False, direct=True, size=8, seed=0, import_repeats=0, timeout=60, max_seconds=10)
    return base._replace(**changes)


@needs_ort
def test_plan_targets_with_a_gpu(monkeypatch: pytest.MonkeyPatch) -> None:
    from webnn.backends.onnxruntime import providers

    fake = ["CUDAExecutionProvider", "CPUExecutionProvider"]
    monkeypatch.setattr(runner, "_ort_choices", lambda: (fake, providers.choose))
    monkeypatch.delenv("WEBNN_BACKEND", raising=False)
    labels = [t.label for t in runner.plan_targets(_settings())]
    engines = [name for name in ("openvino", "litert") if name in webnn.available_backends()]
    others = [*(f"webnn {name} (CPU)" for name in engines), *(["webnn auto (CPU)"] if engines else [])]
    assert labels == ["webnn onnxruntime (CPU)", "direct ORT (CPU)", "webnn onnxruntime (CUDA)", "direct ORT (CUDA)",
                      *others, "webnn reference (numpy)"]
    quick = runner.plan_targets(_settings(quick=True))  # the engines side by side, on their default devices
    assert [t.label for t in quick] == ["webnn onnxruntime (CUDA)", "direct ORT (CUDA)", *others]
    monkeypatch.setenv("WEBNN_BACKEND", "onnxruntime")  # (then that one alone)
    assert [t.label for t in runner.plan_targets(_settings(quick=True))] == ["webnn onnxruntime (CUDA)",
                                                                              "direct ORT (CUDA)"]
    monkeypatch.delenv("WEBNN_BACKEND")
    assert [t.label for t in runner.plan_targets(_settings(backends=("reference",)))] == [
        "direct ORT (CPU)", "webnn reference (numpy)"]
    monkeypatch.setattr(runner, "_ort_choices", lambda: (["CPUExecutionProvider"], providers.choose))
    with pytest.raises(runner.BenchError, match="no gpu execution provider"):
        runner.plan_targets(_settings(backends=("onnxruntime:gpu",)))


def test_report_shows_error_cells() -> None:
    ok_row = {"ok": True, "label": "direct ORT (CPU)", "kind": "direct", "build_ms": 1.5, "first_ms": 0.5,
              "build_first_ms": 2.0, "median_ms": 0.25, "min_ms": 0.2, "p90_ms": 0.3, "runs": 2,
              "peak_rss_mb": 80.0, "check": {"status": "ok", "max_abs": 0.0, "max_rel": 0.0}}
    bad_row = {"ok": False, "label": "webnn onnxruntime (CPU)", "kind": "webnn", "step": "build (builder + build())",
               "error": "NotSupportedError: build: the onnxruntime backend cannot run conv2d"}
    results = {
        "meta": {"webnn": "0", "python": "3", "numpy": "2", "cpu_count": 2,
                 "settings": {"threads": None, "runs": 2, "warmup": 0}},
        "imports": None,
        "workloads": [{"workload": "simple", "description": "d", "input_shape": [1, 3, 8, 8], "ops": 20,
                       "notes": [], "reference_check": None, "rows": [bad_row, ok_row]}],
    }
    wide = report.render_text(results, wide=True)
    assert "ERROR at build (builder + build()): NotSupportedError: build: the onnxruntime backend cannot" in wide
    assert "ok (abs 0, rel 0)" in wide
    text = report.render_text(results)
    assert all(len(line) <= report.WIDTH for line in text.splitlines())
    assert "webnn onnxruntime (CPU)  ERROR at build (builder + build()): NotSupportedError" in text  # cut short
    flat = " ".join(text.split())  # the whole error is in the notes below the table
    assert "simple: webnn onnxruntime (CPU): ERROR at build (builder + build()): NotSupportedError: build: the " \
           "onnxruntime backend cannot run conv2d" in flat
    assert "direct ORT (CPU)" in text and " ok" in text and "(abs 0" not in text  # the check in short form
    markdown = report.render_markdown(results)
    assert markdown.count("\n| ") == 2 and "ERROR at build" in markdown


# ------------------------------------------------------------------------------ end to end


def test_quick_bench_end_to_end(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    env = {k: v for k, v in os.environ.items() if k != "WEBNN_BACKEND"}
    proc = subprocess.run(
        [sys.executable, "-m", "webnn", "bench", "--quick", "--runs", "2", "--processes", "2", "--workloads",
         "simple", "--size", "16", "--import-repeats", "1", "--json", str(out)],
        capture_output=True, text=True, timeout=300, env=env,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    assert "bench: [1/" in proc.stderr  # progress on stderr
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("simple:")
    assert lines[1].split() == ["target", "b+f", "ms", "hit", "b+f", "ms", "warm", "ms", "warm/direct", "b+f/direct",
                                "check"]
    assert max(len(line) for line in lines) <= 100  # the table, its heading and the notes fit 100 columns
    default = webnn.available_backends()[0]
    short = "webnn ORT (CPU)" if default == "onnxruntime" else f"webnn {default}"
    assert any(line.strip().startswith(short) for line in lines)
    results = json.loads(out.read_text())
    (section,) = results["workloads"]
    assert section["workload"] == "simple" and section["input_shape"] == [1, 3, 16, 16]
    rows = section["rows"]
    assert rows[0]["kind"] == "webnn" and rows[0]["backend"] == default
    for row in rows:
        assert row["ok"], row
        assert row["runs"] == 4 and len(row["warm_ms"]) == 4  # 2 timed runs in each of 2 processes
        assert len(row["processes"]) == 2
        for process in row["processes"]:
            assert process["build_first_ms"] == pytest.approx(process["build_ms"] + process["first_ms"])
        assert row["build_ms"] == pytest.approx(sorted(p["build_ms"] for p in row["processes"])[0] / 2
                                                + sorted(p["build_ms"] for p in row["processes"])[1] / 2)
        assert row["check"]["status"] in ("ok", "reference")
    if HAVE_ORT:
        others = [name for name in ("openvino", "litert") if name in webnn.available_backends()]
        engines = [*others, "auto"] if others else []
        assert [(r["kind"], r["backend"]) for r in rows] == [("webnn", default), ("direct", "onnxruntime"),
                                                              *(("webnn", name) for name in engines)]
        if engines:  # auto says which engine it ran the graph on, in the cold and cache-hit processes
            assert set(rows[-1]["engines"]) <= {"onnxruntime", *others} and rows[-1]["engines"]
            assert all(p["engine"] in ("onnxruntime", *others) for p in rows[-1]["processes"])
        assert set(results["imports"]["median_ms"]) == {"onnxruntime", "webnn", "onnxruntime + webnn", "webnn + onnxruntime context"}
    if default == "onnxruntime":  # a backend with a compiled-graph cache: one cache-hit process per cold one
        ours = rows[0]
        assert set(ours["ratios"]) == {"warm_median", "build_first", "peak_rss", "hit_cold", "hit_direct"}
        assert ours["hit_processes"] == 2 and ours["hit_loaded"] == 2 and ours["cold_loaded"] == 0
        assert ours["hit_errors"] == [] and ours["hit_check"]["status"] == "ok"
        for process in ours["processes"]:
            assert process["from_cache"] is False and process["hit"]["from_cache"] is True
        hits = sorted(p["hit"]["build_first_ms"] for p in ours["processes"])
        assert ours["hit_build_first_ms"] == pytest.approx((hits[0] + hits[1]) / 2)
        # each ratio is the median of the rounds' ratios (webnn process k against direct process k)
        theirs = rows[1]["processes"]
        cold = [p["hit"]["build_first_ms"] / p["build_first_ms"] for p in ours["processes"]]
        direct = [p["hit"]["build_first_ms"] / q["build_first_ms"] for p, q in zip(ours["processes"], theirs)]
        warm = [p["median_ms"] / q["median_ms"] for p, q in zip(ours["processes"], theirs)]
        assert ours["ratio_samples"]["hit_cold"] == pytest.approx(cold)
        assert ours["ratios"]["hit_cold"] == pytest.approx(sum(cold) / 2)
        assert ours["ratios"]["hit_direct"] == pytest.approx(sum(direct) / 2)
        assert ours["ratios"]["warm_median"] == pytest.approx(sum(warm) / 2)
        assert ours["ratio_iqr"]["warm_median"] == pytest.approx([min(warm) + (max(warm) - min(warm)) / 4,
                                                                  max(warm) - (max(warm) - min(warm)) / 4])
        assert "cache: every webnn process started with an empty cache folder" in " ".join(proc.stdout.split())


SCRIPT = shutil.which("webnn", path=os.path.dirname(sys.executable))


@pytest.mark.skipif(SCRIPT is None, reason="the webnn script is not installed")
def test_console_script() -> None:
    proc = subprocess.run([str(SCRIPT), "--version"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and webnn.__version__ in proc.stdout


def _two_input_model(path: Path) -> None:
    """A small ONNX file with a free batch dimension, a float and an int64 input, two outputs."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    w = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "w"], ["h"]), helper.make_node("Cast", ["ids"], ["f"], to=TensorProto.FLOAT),
         helper.make_node("Add", ["h", "f"], ["y"]), helper.make_node("Relu", ["y"], ["r"])],
        "two_inputs",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 5]),
         helper.make_tensor_value_info("ids", TensorProto.INT64, ["batch", 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None), helper.make_tensor_value_info("r", TensorProto.FLOAT, None)],
        [numpy_helper.from_array(w, "w")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.doc_string = "padding " * 9000  # over 64 KiB: a file load_onnx's cache keeps (smaller ones bypass it)
    onnx.save(model, str(path))


@needs_ort
def test_onnx_file_workload() -> None:
    """An ONNX file as a workload: feeds for every input, the file itself on the direct side."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "m.onnx"
        _two_input_model(path)
        with pytest.raises(ValueError, match="free dimensions .* --input-shape x="):
            make_workload(f"onnx:{path}")
        workload = make_workload(f"onnx:{path}", input_shapes={"x": [3, 5], "ids": [3, 4]})
        feeds = workload.make_feeds()
        assert feeds["x"].shape == (3, 5) and feeds["ids"].dtype == np.int64 and set(np.unique(feeds["ids"])) <= {0, 1}
        assert workload.output_name == "y" and workload.op_count() == 4
        assert workload.input_label == "x [3, 5] float32, ids [3, 4] int64"
        context = webnn.ML().create_context(backend="reference")
        builder = context.create_graph_builder()
        got = context.compute(builder.build(workload.build_webnn(builder)), feeds)
        import onnxruntime as ort

        want = ort.InferenceSession(workload.build_onnx().SerializeToString(), providers=["CPUExecutionProvider"]).run(None, feeds)
        np.testing.assert_allclose(got["y"], want[0], rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(got["r"], want[1], rtol=1e-5, atol=1e-6)
        # what the measured processes get: the file's inputs read once, in the bench's own process
        info = json.loads(json.dumps(workload.info()))
        assert info == {"inputs": {"x": [[3, 5], "float32"], "ids": [[3, 4], "int64"]}, "output": "y", "nodes": 4}
        again = make_workload(f"onnx:{path}", info=info)
        assert again.inputs == workload.inputs and again.output_name == "y" and again.op_count() == 4
        graph = again.load_webnn(context)  # webnn.load_onnx, as users load models
        np.testing.assert_allclose(context.compute(graph, feeds)["y"], want[0], rtol=1e-5, atol=1e-6)


def test_parse_onnx_option(tmp_path: Path) -> None:
    assert runner.parse_onnx_option("m.onnx") == ("m.onnx", {})
    assert runner.parse_onnx_option("dir/m.onnx:x=1,3,48,320") == ("dir/m.onnx", {"x": [1, 3, 48, 320]})
    assert runner.parse_onnx_option("m.onnx:x=2,5;ids=2,4;") == ("m.onnx", {"x": [2, 5], "ids": [2, 4]})
    assert runner.parse_onnx_option(r"C:\models\m.onnx") == (r"C:\models\m.onnx", {})
    assert runner.parse_onnx_option(r"C:\m.onnx:x=1") == (r"C:\m.onnx", {"x": [1]})
    odd = tmp_path / "a:b=1.onnx"  # a file that exists under the whole value is that file
    odd.write_bytes(b"")
    assert runner.parse_onnx_option(str(odd)) == (str(odd), {})
    with pytest.raises(runner.BenchError, match="must be integers"):
        runner.parse_onnx_option("m.onnx:x=1,two")
    with pytest.raises(runner.BenchError, match="expected FILE:NAME=D0"):
        runner.parse_onnx_option("m.onnx:=1;x=2")
    settings = _settings(input_shapes={"x": [1]}, onnx_input_shapes={"onnx:/a.onnx": {"x": [2]}})
    assert settings.shapes_for("onnx:/a.onnx") == {"x": [2]} and settings.shapes_for("onnx:/b.onnx") == {"x": [1]}


def _process(build: float, hit: dict | None = None, **extra) -> dict:
    row = {"ok": True, "kind": "webnn", "build_ms": build, "first_ms": 1.0, "build_first_ms": build + 1,
           "from_cache": False, "onnx_imported": False, **extra}
    if hit is not None:
        row["hit"] = hit
    return row


def test_merge_processes_cache_hits() -> None:
    def hit(build: float, loaded: bool = True) -> dict:
        return {"ok": True, "build_ms": build, "first_ms": 1.0, "build_first_ms": build + 1, "peak_rss_mb": 60.0,
                "from_cache": loaded, "onnx_imported": False}

    row = runner.merge_processes([_process(10, hit(2)), _process(12, hit(4)), _process(11, hit(9, loaded=False))])
    assert row["build_ms"] == 11 and row["hit_processes"] == 3 and row["hit_loaded"] == 2
    assert row["hit_build_ms"] == 3 and row["hit_build_first_ms"] == 4  # the processes that did load only
    assert [p["hit"]["from_cache"] for p in row["processes"]] == [True, True, False]
    assert report.fmt_hit(row) == "4.00 (2/3 hit)"
    notes = runner.cache_notes([dict(row, label="L")], onnx_file=False)
    assert notes == ["L: the cache-hit process loaded the graph from the cache in 2 of 3 processes: "
                     "the hit columns are from those that did"]
    missed = runner.merge_processes([_process(10, hit(9, loaded=False))])
    assert missed["hit_loaded"] == 0 and missed["hit_build_first_ms"] == 10
    runner._add_ratios([dict(missed, label="L", configured_providers=[])])
    assert "NOT cache hits" in runner.cache_notes([dict(missed, label="L")], onnx_file=False)[0]
    failed = runner.merge_processes([_process(10, {"ok": False, "step": "first compute", "error": "boom"})])
    assert failed["hit_errors"] == ["at first compute: boom"] and report.fmt_hit(failed) == "ERROR"
    assert report.fmt_hit(runner.merge_processes([_process(10)])) == "-"  # no cache (the reference backend)
    notes = runner.cache_notes([dict(runner.merge_processes([_process(10, hit(2))]), label="L")], onnx_file=True)
    assert notes == ["L: the timed build imported the onnx package: cold build no, cache-hit build no"]
    early = runner.merge_processes([_process(10, hit(2), onnx_before_build=True)])
    assert "imported before the timed build" in runner.cache_notes([dict(early, label="L")], onnx_file=False)[0]


@needs_ort
def test_webnn_worker_on_an_onnx_file_imports_no_onnx_before_the_build(tmp_path: Path) -> None:
    """A webnn process gets the file's inputs from the bench: nothing imports onnx before the timed
    load_onnx; the first process compiles (a miss), the next one on the same cache loads."""
    from webnn.bench.workloads import read_onnx_info

    path = tmp_path / "m.onnx"
    _two_input_model(path)
    shapes = {"x": [2, 5], "ids": [2, 4]}
    spec = {"kind": "webnn", "backend": "onnxruntime", "workload": f"onnx:{path}", "size": 8, "seed": 0,
            "onnx_info": read_onnx_info(str(path), shapes), "runs": 2, "warmup": 0}
    env = runner.cache_env(dict(os.environ), str(tmp_path / "cache"))
    cold = runner.run_child([sys.executable, "-P", str(runner.WORKER), json.dumps(spec)], env, 120).result
    assert cold["ok"], cold
    assert cold["onnx_before_build"] is False and cold["from_cache"] is False and cold["cache_enabled"] is True
    hit = runner.run_hit(spec, env, str(tmp_path / "hit.npy"), 120, lambda line: None)
    assert hit["ok"] and hit["from_cache"] is True and hit["onnx_before_build"] is False, hit
    assert hit["onnx_imported"] is False  # a cache hit needs no onnx package
    assert os.path.exists(hit["_output"])
    off = runner.run_child([sys.executable, "-P", str(runner.WORKER), json.dumps(dict(spec, runs=0))],
                           runner.cache_env(env, None), 120).result
    assert off["ok"] and off["cache_enabled"] is False and off["from_cache"] is False


@needs_ort
def test_bench_onnx_file_end_to_end(tmp_path: Path) -> None:
    path = tmp_path / "m.onnx"
    _two_input_model(path)
    out = tmp_path / "bench.json"
    env = {k: v for k, v in os.environ.items() if k != "WEBNN_BACKEND"}
    command = [sys.executable, "-m", "webnn", "bench", "--quick", "--runs", "2", "--processes", "1",
               "--import-repeats", "0", "--onnx", str(path), "--json", str(out)]
    missing = subprocess.run(command, capture_output=True, text=True, timeout=300, env=env)
    assert missing.returncode == 2 and "--input-shape x=" in missing.stderr and "Traceback" not in missing.stderr
    # the model's own shapes (after the last ':') win over --input-shape, which applies to models without
    proc = subprocess.run(command[:-4] + ["--onnx", f"{path}:x=2,5;ids=2,4", "--input-shape", "x=7,5",
                                          "--json", str(out)],
                          capture_output=True, text=True, timeout=300, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (section,) = json.loads(out.read_text())["workloads"]
    assert section["workload"] == f"onnx:{path}" and section["ops"] == 4 and section["label"] == "m"
    assert proc.stdout.startswith("m: ONNX model m.onnx")  # the file's stem names it in the table
    assert f"m: {path}" in proc.stdout and max(len(line) for line in proc.stdout.splitlines()) <= 100
    assert section["inputs"] == "x [2, 5] float32, ids [2, 4] int64"
    rows = section["rows"]
    assert [r["kind"] for r in rows][:2] == ["webnn", "direct"]  # (then the other engines, if installed)
    for row in rows:
        if row["backend"] == "openvino" or (row["backend"] == "litert" and not row["ok"]):
            # (they refuse int64 arithmetic: reported, not a failure)
            assert not row["ok"] and row["error"].startswith("NotSupportedError"), row
            assert "not supported (not counted as failures)" in proc.stderr
            continue
        assert row["ok"] and row["check"]["status"] == "ok", row
    assert set(rows[0]["ratios"]) >= {"warm_median", "build_first", "peak_rss"}
    assert "ONNX model m.onnx (4 nodes)" in proc.stdout
    assert "the timed build imported the onnx package: cold build" in " ".join(proc.stdout.split())
    if rows[0]["backend"] == "onnxruntime":
        assert rows[0]["hit_loaded"] == 1 and rows[0]["processes"][0]["hit"]["onnx_imported"] is False
    no_cache = subprocess.run(command[:-4] + ["--onnx", str(path), "--input-shape", "x=2,5", "--input-shape",
                                              "ids=2,4", "--no-cache", "--json", str(out)],
                              capture_output=True, text=True, timeout=300, env=env)
    assert no_cache.returncode == 0, no_cache.stdout + no_cache.stderr
    results = json.loads(out.read_text())
    assert results["meta"]["settings"]["cache"] is False and "cache off (--no-cache)" in no_cache.stdout
    assert "hit b+f ms" in no_cache.stdout.splitlines()[1]
    (section,) = results["workloads"]
    assert "hit_processes" not in section["rows"][0] and section["rows"][0]["processes"][0]["from_cache"] is False
    twice = subprocess.run(command[:-4] + ["--onnx", f"{path}:x=2,5;ids=2,4", "--onnx", f"{path}:x=3,5;ids=3,4"],
                           capture_output=True, text=True, timeout=60, env=env)
    assert twice.returncode == 2 and "given twice with different input shapes" in twice.stderr
    bad = subprocess.run([sys.executable, "-m", "webnn", "bench", "--input-shape", "x=1,2"],
                         capture_output=True, text=True, timeout=60, env=env)
    assert bad.returncode == 2 and "--input-shape applies to --onnx models only" in bad.stderr


# ------------------------------------------------------------------------------ the table


def test_workload_labels() -> None:
    labels = runner.workload_labels(["simple", "onnx:/models/det/model.onnx", "onnx:/models/rec/model.onnx",
                                     "onnx:/a/ch_PP-OCRv4_det_infer.onnx", "onnx:/b/simple.onnx", "onnx:/c/noext"])
    assert labels == {"simple": "simple", "onnx:/models/det/model.onnx": "det/model",
                      "onnx:/models/rec/model.onnx": "rec/model", "onnx:/a/ch_PP-OCRv4_det_infer.onnx":
                      "ch_PP-OCRv4_det_infer", "onnx:/b/simple.onnx": "b/simple", "onnx:/c/noext": "noext"}


def _round(build_first: float, median: float, hit: float | None = None, peak: float = 80.0) -> dict:
    process = {"build_first_ms": build_first, "median_ms": median, "peak_rss_mb": peak}
    if hit is not None:
        process["hit"] = {"ok": True, "from_cache": True, "build_first_ms": hit}
    return process


def test_ratios_are_medians_of_the_rounds_with_their_spread() -> None:
    """Each round pairs a webnn process with a direct one: the ratio is the median of the rounds'
    ratios, the spread their interquartile range (an outlier round does not move either much)."""
    ours_rounds = [_round(20, 1.0, 10), _round(22, 1.1, 11), _round(21, 5.0, 9), _round(19, 0.9, 10),
                   _round(20, 1.0, 12)]
    their_rounds = [_round(10, 1.0), _round(11, 1.0), _round(10, 1.0), _round(10, 1.0), _round(10, 1.0)]
    ours = runner.merge_processes([dict(p, ok=True, kind="webnn", from_cache=False) for p in ours_rounds])
    theirs = runner.merge_processes([dict(p, ok=True, kind="direct") for p in their_rounds])
    ours.update(label="webnn onnxruntime (CPU)", kind="webnn", configured_providers=["CPUExecutionProvider"])
    theirs.update(label="direct ORT (CPU)", kind="direct", configured_providers=["CPUExecutionProvider"])
    ours.update(hit_loaded=5, hit_build_first_ms=10.0)
    runner._add_ratios([ours, theirs])
    warm = [1.0, 1.1, 5.0, 0.9, 1.0]
    assert ours["ratio_samples"]["warm_median"] == pytest.approx(warm)
    assert ours["ratios"]["warm_median"] == pytest.approx(1.0)  # the 5x round is an outlier
    assert ours["ratio_iqr"]["warm_median"] == pytest.approx([1.0, 1.1])
    assert ours["ratios"]["build_first"] == pytest.approx(2.0)
    assert ours["ratio_samples"]["hit_direct"] == pytest.approx([1.0, 1.0, 0.9, 1.0, 1.2])
    assert ours["ratios"]["hit_cold"] == pytest.approx(0.5)
    assert report.fmt_ratio(ours["ratios"]["warm_median"], ours["ratio_iqr"]["warm_median"]) == "1.00x (1.00-1.10)"
    assert report.row_cells(ours)[3] == "1.00 (1.00-1.10)"
    assert report.fmt_ratio(12.345, [10.0, 101.0]) == "12.3x (10.0-101)"
    # rounds that do not pair (a process of the baseline failed): the ratio of the rows' medians
    lone = dict(ours, processes=ours["processes"][:4])
    runner._add_ratios([lone, theirs])
    assert "warm_median" not in lone["ratio_samples"] and lone["ratios"]["warm_median"] == pytest.approx(1.0)


def test_other_backends_hits_are_paired_with_the_onnxruntime_backends_by_round() -> None:
    """hit/ORT hit: a round's cache hit on another backend over the onnxruntime backend's hit in
    the same round (the default engine's user's comparison); none for the onnxruntime row itself."""
    def row(backend: str, hits: list[float]) -> dict:
        merged = runner.merge_processes([dict(_round(50, 1.0, h), ok=True, kind="webnn", from_cache=False)
                                         for h in hits])
        merged.update(label=f"webnn {backend} (CPU)", kind="webnn", backend=backend,
                      configured_providers=["CPUExecutionProvider"], hit_loaded=len(hits),
                      hit_build_first_ms=sorted(hits)[len(hits) // 2])
        return merged

    ort, auto = row("onnxruntime", [20.0, 40.0, 22.0]), row("auto", [21.0, 38.0, 33.0])
    runner._add_ratios([ort, auto])
    assert auto["ratio_samples"]["hit_ort"] == pytest.approx([1.05, 0.95, 1.5])
    assert auto["ratios"]["hit_ort"] == pytest.approx(1.05)  # (the medians' ratio would be 33 / 22 = 1.5)
    assert "hit_ort" not in ort["ratios"]
    cells = report.row_cells(auto, wide=True)
    assert cells[report.WIDE_HEADERS.index("hit/ORT hit")] == "1.05x (1.00-1.27)"


def test_autos_warm_time_is_paired_with_the_fastest_engines_by_round() -> None:
    """warm/fastest: a round's warm median on auto over that of the single-engine row with the
    lowest warm median on the same device, in the same round; only the auto row has it."""
    def row(backend: str, warm: list[float], device: str = "cpu") -> dict:
        merged = runner.merge_processes([dict(_round(50, w, 20), ok=True, kind="webnn", from_cache=False)
                                         for w in warm])
        merged.update(label=f"webnn {backend} ({device.upper()})", kind="webnn", backend=backend, device=device,
                      configured_providers=["CPUExecutionProvider"])
        return merged

    ort, ov = row("onnxruntime", [4.0, 4.0, 4.0]), row("openvino", [2.0, 3.0, 1.0])
    gpu = row("onnxruntime", [0.5, 0.5, 0.5], "gpu")  # (faster, but not on auto's device)
    auto = row("auto", [2.1, 2.7, 2.0])
    runner._add_ratios([ort, gpu, ov, auto])
    assert auto["fastest"] == "webnn openvino (CPU)"
    assert auto["ratio_samples"]["warm_fastest"] == pytest.approx([1.05, 0.9, 2.0])
    assert auto["ratios"]["warm_fastest"] == pytest.approx(1.05)
    assert "warm_fastest" not in ov["ratios"] and "warm_fastest" not in ort["ratios"]
    cells = report.row_cells(auto, wide=True)
    assert cells[report.WIDE_HEADERS.index("warm/fastest")] == "1.05x (0.98-1.52)"


def _results(rows: list[dict], workload: str = "onnx:/some/long/folder/ch_PP-OCRv4_rec_infer.onnx") -> dict:
    return {
        "meta": {"webnn": "0.1.0", "python": "3.11.7", "numpy": "2.4.6", "cpu_count": 2,
                 "settings": {"threads": None, "runs": 20, "warmup": 2, "processes": 9, "cache": True}},
        "imports": {"repeats": 5, "median_ms": {"webnn": 70.9, "onnxruntime": 92.6}, "errors": {}},
        "workloads": [{"workload": workload, "label": "ch_PP-OCRv4_rec_infer", "description":
                       "ONNX model ch_PP-OCRv4_rec_infer.onnx (1234 nodes)", "input_shape": [1, 3, 48, 320],
                       "inputs": "x [1, 3, 48, 320] float32", "ops": 1234, "notes": ["a note " * 30],
                       "reference_check": None, "rows": rows}],
    }


def test_default_table_fits_100_columns_and_wide_has_every_column() -> None:
    check = {"status": "ok", "max_abs": 4e-06, "max_rel": 7e-05}
    ours = {"ok": True, "label": "webnn onnxruntime (CPU)", "short_label": "webnn ORT (CPU)", "kind": "webnn",
            "build_ms": 195.0, "first_ms": 24.0, "build_first_ms": 214.0, "hit_processes": 9, "hit_loaded": 8,
            "hit_build_first_ms": 70.4, "median_ms": 12.2, "min_ms": 11.4, "p90_ms": 14.0, "runs": 180,
            "peak_rss_mb": 140.0, "check": check, "hit_check": {"status": "FAIL", "max_abs": 1.0, "max_rel": 1.0},
            "ratios": {"warm_median": 0.98, "build_first": 11.72, "hit_cold": 0.33, "hit_direct": 0.57,
                       "peak_rss": 1.11},
            "ratio_iqr": {"warm_median": [0.95, 1.01], "build_first": [10.5, 12.25]},
            "providers": ["CUDAExecutionProvider"], "configured_providers": ["TensorrtExecutionProvider"]}
    direct = {"ok": True, "label": "direct ORT (CPU)", "short_label": "direct ORT (CPU)", "kind": "direct",
              "build_ms": 111.0, "first_ms": 13.6, "build_first_ms": 124.0, "median_ms": 12.4, "min_ms": 11.5,
              "p90_ms": 14.9, "runs": 180, "peak_rss_mb": 125.0, "check": check}
    reference = {"ok": True, "label": "webnn reference (numpy)", "short_label": "webnn reference",
                 "kind": "webnn", "build_first_ms": 48.3, "median_ms": 25.7, "check": {"status": "reference"},
                 "ratios": {"warm_median": 5.89, "build_first": 0.47}}
    results = _results([ours, direct, reference])
    text = report.render_text(results)
    lines = text.splitlines()
    assert max(map(len, lines)) <= 100, max(lines, key=len)
    assert lines[0].startswith("ch_PP-OCRv4_rec_infer: ONNX model ch_PP-OCRv4_rec_infer.onnx")
    assert lines[2].split()[:4] == ["target", "b+f", "ms", "hit"]  # after the heading, wrapped
    row = next(line for line in lines if line.startswith("  webnn ORT (CPU)->CUDA"))
    assert row.split()[3:] == ["214", "70.4", "(8/9)", "12.2", "0.98", "(0.95-1.01)", "11.7", "(10.5-12.2)",
                               "hit", "FAIL"]
    assert any(line.split()[:3] == ["webnn", "reference", "48.3"] and line.endswith("ref") for line in lines)
    assert "ch_PP-OCRv4_rec_infer: /some/long/folder/ch_PP-OCRv4_rec_infer.onnx" in text
    wide = report.render_text(results, wide=True)
    header = wide.splitlines()[1]
    for column in report.WIDE_HEADERS:
        assert column in header
    assert "webnn onnxruntime (CPU) -> CUDA" in wide and "ok (abs 4e-06, rel 7e-05); cache hit: FAIL" in wide
    assert "0.33x" in wide and "0.57x" in wide and "1.11x" in wide
    markdown = report.render_markdown(results)
    assert markdown.splitlines()[0] == "| workload | target | " + " | ".join(report.HEADERS) + " |"
    assert "| **ch_PP-OCRv4_rec_infer** | webnn ORT (CPU)->CUDA | 214 |" in markdown
    assert "| hit/direct |" in report.render_markdown(results, wide=True)


def test_quick_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """--quick: more rounds of fewer runs (webnn and direct processes in turn), about a minute on 2 cores."""
    from webnn import cli

    seen = {}

    def fake_run(settings, **options):
        seen.update(settings=settings, **options)
        return 0

    monkeypatch.setattr(runner, "run", fake_run)
    assert cli.main(["bench", "--quick"]) == 0
    settings = seen["settings"]
    assert settings.quick and settings.processes == cli.QUICK_ROUNDS >= 7 and settings.runs == 20
    assert seen["wide"] is False and seen["markdown"] is False
    assert cli.main(["bench", "--quick", "--wide", "--markdown", "--processes", "2"]) == 0
    assert seen["wide"] is True and seen["markdown"] is True and seen["settings"].processes == 2


def test_error_cells_speak_cli() -> None:
    row = {"ok": False, "label": "webnn onnxruntime (CPU)", "kind": "webnn", "step": "build",
           "error": "NotSupportedError: input 'x': dimension 0 ('batch') is free; fix it with input_shapes, "
                    "e.g. input_shapes={'x': [...]} (one size per dimension)"}
    cells = report.row_cells(row)
    assert isinstance(cells, str) and "input_shapes" not in cells
    assert cells.endswith("give it with --input-shape x=D0,D1,... (one size per dimension)")
