"""The coreml backend: conversion to CoreML ML Programs on every system (the program's types, the
.mlpackage coremltools reads back, what is refused and how it is said, the CLI), the backend
refused where CoreML does not run, and, on macOS only, graphs computed by CoreML."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

import webnn
from webnn.errors import NotSupportedError

pytest.importorskip("coremltools")

ON_MACOS = sys.platform == "darwin"
#: The reason every test that computes with CoreML gives where it cannot.
NEEDS_MACOS = "CoreML runs only on macOS: this test computes with CoreML (conversion is tested everywhere)"
#: CoreML's ArrayFeatureType data types.
FLOAT32, FLOAT16, INT32 = 65568, 65552, 131104


@pytest.fixture(scope="module")
def reference() -> webnn.MLContext:
    return webnn.ML().create_context(backend="reference")


def lowered(graph: webnn.MLGraph):  # type: ignore[no-untyped-def]
    from webnn.backends.coreml.backend import CoreMlBackend
    from webnn.backends.coreml.lowering import lower
    from webnn.compile import optimize

    ir = optimize(graph.ir, CoreMlBackend)
    return ir, lower(ir)


def mixed_graph(context: webnn.MLContext) -> webnn.MLGraph:
    """float16, uint8 and scalar inputs and outputs, a comparison and a where."""
    b = context.create_graph_builder()
    x = b.input("x", [2, 3], "float16")
    mask = b.input("mask", [2, 3], "uint8")
    s = b.input("s", [], "float32")
    y = b.where(mask, b.relu(x), b.neg(x), label="choose")
    big = b.greater(b.cast(y, "float32"), s)
    return b.build({"y": y, "big": big, "s2": b.mul(s, s), "same/x.0": b.identity(x)})


def test_the_program_has_the_graphs_types(reference: webnn.MLContext) -> None:
    from webnn.backends.coreml.lowering import check_types, type_name

    graph = mixed_graph(reference)
    ir, program = lowered(graph)
    assert check_types(ir, program) == []
    types = {name: (type_name(program.values[ir.outputs[name]]), tuple(program.values[ir.outputs[name]].shape))
             for name in ir.outputs}
    assert types == {"y": ("fp16", (2, 3)), "big": ("uint8", (2, 3)), "s2": ("fp32", ()), "same/x.0": ("fp16", (2, 3))}


def test_the_type_check_finds_a_wrong_value(reference: webnn.MLContext) -> None:
    from webnn.backends.coreml.lowering import check_types

    ir, program = lowered(mixed_graph(reference))
    y, big = ir.outputs["y"], ir.outputs["big"]
    program.values[y] = program.values[big]  # (a uint8 value standing for the float16 operand)
    problems = check_types(ir, program)
    assert len(problems) == 1 and "uint8 [2, 3] in the program, float16[2, 3] in the graph" in problems[0]
    program.values[y] = program.values[ir.outputs["s2"]]
    assert "fp32 [] in the program" in check_types(ir, program)[0]


def test_mlpackage_inputs_and_outputs(reference: webnn.MLContext, tmp_path: Path) -> None:
    import coremltools as ct

    graph = mixed_graph(reference)
    path = graph.convert_to_coreml(tmp_path / "m.mlpackage")
    assert path == str(tmp_path / "m.mlpackage")
    description = ct.models.MLModel(path, skip_model_load=True).get_spec().description
    inputs = [(i.name, list(i.type.multiArrayType.shape), i.type.multiArrayType.dataType) for i in description.input]
    outputs = [(o.name, list(o.type.multiArrayType.shape), o.type.multiArrayType.dataType) for o in description.output]
    # uint8 travels as int32 and a scalar as [1] (CoreML's model inputs and outputs); names become identifiers
    assert inputs == [("x", [2, 3], FLOAT16), ("mask", [2, 3], INT32), ("s", [1], FLOAT32)]
    assert outputs == [("y", [2, 3], FLOAT16), ("big", [2, 3], INT32), ("s2", [1], FLOAT32),
                       ("same_x_0", [2, 3], FLOAT16)]
    metadata = ct.models.MLModel(path, skip_model_load=True).user_defined_metadata
    assert json.loads(metadata["webnn.names"])["outputs"]["same/x.0"] == "same_x_0"
    # written again over itself; a folder that is not a package is not replaced
    assert graph.convert_to_coreml(path) == path
    (tmp_path / "other.mlpackage").mkdir()
    with pytest.raises(FileExistsError):
        graph.convert_to_coreml(tmp_path / "other.mlpackage")
    context = webnn.ML().create_context(backend="reference")  # (pywebnn's form)
    again = mixed_graph(context)
    context.convert_to_coreml(again, str(tmp_path / "p.mlpackage"))
    assert (tmp_path / "p.mlpackage" / "Manifest.json").is_file()


def test_float16_precision_on_request(reference: webnn.MLContext, tmp_path: Path) -> None:
    import coremltools as ct

    b = reference.create_graph_builder()
    x = b.input("x", [1, 4], "float32")
    w = b.constant({"dataType": "float32", "shape": [4, 2]}, np.arange(8, dtype=np.float32))
    graph = b.build({"y": b.matmul(x, w)})
    plain = ct.models.MLModel(graph.convert_to_coreml(tmp_path / "a.mlpackage"), skip_model_load=True)
    halved = ct.models.MLModel(graph.convert_to_coreml(tmp_path / "b.mlpackage", precision="float16"),
                               skip_model_load=True)

    def ops(model) -> list[str]:  # type: ignore[no-untyped-def]
        return [op.type for op in model.get_spec().mlProgram.functions["main"].block_specializations["CoreML7"].operations]

    assert "cast" not in ops(plain) and ops(halved).count("cast") >= 2  # (float16 inside, float32 outside)
    for model in (plain, halved):
        assert [o.type.multiArrayType.dataType for o in model.get_spec().description.output] == [FLOAT32]
    with pytest.raises(ValueError, match="precision"):
        graph.convert_to_coreml(tmp_path / "c.mlpackage", precision="int8")


def test_refusals_name_the_op_its_label_and_the_data_type(reference: webnn.MLContext, tmp_path: Path) -> None:
    b = reference.create_graph_builder()
    x = b.input("x", [2], "int32")
    graph = b.build({"y": b.sub(x, x, label="difference")})
    with pytest.raises(NotSupportedError, match="sub 'difference'.*int32"):
        graph.convert_to_coreml(tmp_path / "a.mlpackage")
    b = reference.create_graph_builder()
    x = b.input("x", [1, 2, 1, 1, 1, 2], "float32")
    graph = b.build({"y": b.relu(x, label="deep")})
    with pytest.raises(NotSupportedError, match="relu 'deep'.*rank 6.*rank 5 at most"):
        graph.convert_to_coreml(tmp_path / "b.mlpackage")
    b = reference.create_graph_builder()
    x = b.input("x", [2], "int64")
    graph = b.build({"y": b.abs(x)})
    with pytest.raises(NotSupportedError, match="abs.*int64"):
        graph.convert_to_coreml(tmp_path / "c.mlpackage")
    assert not any(p.name.endswith(".mlpackage") for p in tmp_path.iterdir())


def test_declared_ops_and_types() -> None:
    """What op_support_limits() of a coreml context says: each op lowered or decomposed, int64 and
    32-bit unsigned types never, integer arithmetic not, ranks up to 5."""
    from webnn.backends.coreml.backend import CoreMlBackend
    from webnn.context import MLContext
    from webnn.ops import OPS

    backend = object.__new__(CoreMlBackend)  # (its __init__ refuses where CoreML does not run)
    limits = MLContext(backend, power_preference="default", accelerated=True, device_type=None).op_support_limits()
    listed = {name for name, opdef in OPS.items() if opdef.js_name in limits}
    assert listed == set(backend.operations()) | set(backend.decompose)
    assert {"lstm", "gru", "quantize_linear", "dequantize_linear"}.isdisjoint(listed)
    types = {t for op in listed for t in backend.data_types(op) or ()}
    assert types == {"float32", "float16", "int32", "int8", "uint8"}
    assert backend.data_types("add") == {"float32", "float16"}
    assert backend.data_types("hard_swish") == {"float32", "float16"}
    assert limits["equal"]["output"]["dataTypes"] == ["uint8"]
    assert limits["conv2d"]["input"]["rankRange"]["max"] == 4 and limits["add"]["a"]["rankRange"]["max"] == 5


def test_cli_convert_writes_an_mlpackage(reference: webnn.MLContext, tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("onnx")
    import coremltools as ct

    from webnn.cli import main

    b = reference.create_graph_builder()
    x = b.input("x", [1, 3, 8, 8], "float32")
    w = b.constant({"dataType": "float32", "shape": [4, 3, 3, 3]}, np.ones((4, 3, 3, 3), np.float32))
    b.build({"y": b.relu(b.conv2d(x, w, {"padding": [1, 1, 1, 1]}))}).to_onnx(tmp_path / "model.onnx")
    out = tmp_path / "model.mlpackage"
    assert main(["convert", "-q", str(tmp_path / "model.onnx"), str(out) + "/"]) == 0
    assert capsys.readouterr().out.strip().endswith("model.mlpackage")
    description = ct.models.MLModel(str(out), skip_model_load=True).get_spec().description
    assert [(o.name, list(o.type.multiArrayType.shape)) for o in description.output] == [("y", [1, 4, 8, 8])]
    (tmp_path / "folder.mlpackage").mkdir()
    assert main(["convert", "-q", str(tmp_path / "model.onnx"), str(tmp_path / "folder.mlpackage")]) == 2
    assert "not an .mlpackage" in capsys.readouterr().err


def test_bench_targets_per_power_preference(monkeypatch: pytest.MonkeyPatch) -> None:
    from webnn.bench import runner

    monkeypatch.setattr("webnn.available_backends", lambda: ["coreml", "reference"])
    settings = runner.Settings(workloads=("simple",), backends=("coreml",), runs=2, warmup=0, threads=None,
                               weights=None, quick=False, direct=False, size=8, seed=0, import_repeats=0, timeout=60,
                               max_seconds=10)
    assert [t.label for t in runner.plan_targets(settings)] == [
        "webnn coreml (default)", "webnn coreml (low-power)", "webnn coreml (high-performance)"]
    one = runner.plan_targets(settings._replace(backends=("coreml:low-power",)))
    assert [(t.backend, t.device) for t in one] == [("coreml", "low-power")]
    with pytest.raises(runner.BenchError, match="unknown power preference 'gpu'"):
        runner.plan_targets(settings._replace(backends=("coreml:gpu",)))


@pytest.mark.skipif(ON_MACOS, reason="on macOS the coreml backend runs")
def test_the_backend_is_refused_where_coreml_does_not_run() -> None:
    assert "coreml" not in webnn.available_backends()
    with pytest.raises(NotSupportedError, match=r"CoreML runs only on macOS.*convert_to_coreml\(path\)"):
        webnn.ML().create_context(backend="coreml")


# ------------------------------------------------------------------ computing with CoreML (macOS)

macos_only = pytest.mark.skipif(not ON_MACOS, reason=NEEDS_MACOS)


@macos_only
def test_compute_matches_the_reference(reference: webnn.MLContext) -> None:
    context = webnn.ML().create_context(backend="coreml", accelerated=False, cache=False)
    rng = np.random.default_rng(0)
    feeds = {"x": rng.standard_normal((2, 3)).astype(np.float16), "mask": np.array([[1, 0, 2], [0, 0, 1]], np.uint8),
             "s": np.array(0.25, np.float32)}
    got = context.compute(mixed_graph(context), feeds)
    want = reference.compute(mixed_graph(reference), feeds)
    assert list(got) == list(want)
    for name, value in want.items():
        assert got[name].dtype == value.dtype and got[name].shape == value.shape
        np.testing.assert_array_equal(got[name], value)


@macos_only
@pytest.mark.parametrize(("hints", "units"), [
    ({"accelerated": False}, "CPU_ONLY"), ({"power_preference": "low-power"}, "CPU_AND_NE"),
    ({"power_preference": "high-performance"}, "CPU_AND_GPU"), ({}, "ALL")])
def test_compute_units_follow_the_hints(hints: dict, units: str) -> None:  # type: ignore[type-arg]
    context = webnn.ML().create_context(backend="coreml", cache=False, **hints)
    assert context.backend_info()["compute_units"] == units


@macos_only
def test_the_compiled_model_comes_from_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import subprocess

    monkeypatch.setenv("WEBNN_CACHE_DIR", str(tmp_path / "cache"))
    script = (
        "import numpy as np, webnn\n"
        "c = webnn.ML().create_context(backend='coreml')\n"
        "b = c.create_graph_builder(); x = b.input('x', [1, 64])\n"
        "w = b.constant({'dataType': 'float32', 'shape': [64, 64]}, np.eye(64, dtype=np.float32))\n"
        "y = x\n"
        "for _ in range(20): y = b.relu(b.matmul(y, w))\n"
        "g = b.build({'y': y})\n"
        "print(g.from_cache, float(c.compute(g, {'x': np.ones((1, 64), np.float32)})['y'].sum()))\n")
    runs = [subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout.split()
            for _ in range(2)]
    assert runs == [["False", "64.0"], ["True", "64.0"]]
