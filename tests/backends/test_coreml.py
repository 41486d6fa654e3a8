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
    """What op_support_limits() of a coreml context says: each op lowered or decomposed, int64,
    32-bit unsigned and 4-bit types never, int32 arithmetic not, ranks up to 5."""
    from webnn.backends.coreml.backend import CoreMlBackend
    from webnn.context import MLContext
    from webnn.ops import OPS

    backend = object.__new__(CoreMlBackend)  # (its __init__ refuses where CoreML does not run)
    limits = MLContext(backend, power_preference="default", accelerated=True, device_type=None).op_support_limits()
    listed = {name for name, opdef in OPS.items() if opdef.js_name in limits}
    assert listed == set(backend.operations()) | set(backend.decompose)
    assert {"lstm", "gru", "lstm_cell", "gru_cell", "quantize_linear", "dequantize_linear"} <= listed
    assert backend.data_types("lstm") == {"float32", "float16"}
    assert set(limits["quantizeLinear"]["zeroPoint"]["dataTypes"]) == {"uint8", "int8", "int32"}
    assert set(limits["dequantizeLinear"]["input"]["dataTypes"]) == {"uint8", "int8", "int32"}
    assert set(limits["dequantizeLinear"]["output"]["dataTypes"]) == {"float32", "float16"}
    assert backend.data_types("clamp") == {"float32", "float16", "int32", "int8", "uint8"}
    assert backend.data_types("relu") == backend.data_types("sign") == {"float32", "float16", "int32", "int8"}
    types = {t for op in listed for t in backend.data_types(op) or ()}
    assert types == {"float32", "float16", "int32", "int8", "uint8"}
    assert backend.data_types("add") == {"float32", "float16", "int8", "uint8"}
    assert backend.data_types("div") == {"float32", "float16"}
    assert backend.data_types("hard_swish") == {"float32", "float16"}
    assert limits["equal"]["output"]["dataTypes"] == ["uint8"]
    assert limits["conv2d"]["input"]["rankRange"]["max"] == 4 and limits["add"]["a"]["rankRange"]["max"] == 5


# ------------------------------------------------------------------ values under MIL's op definitions


def mil_values(graph: webnn.MLGraph) -> dict[str, np.ndarray]:
    """The outputs of a graph of constants as coremltools' MIL value inference computes its
    program (MIL's definitions of its ops, not CoreML's kernels: see test_coreml_wpt)."""
    from webnn.backends.coreml.backend import CoreMlBackend
    from webnn.backends.coreml.lowering import check_types, lower
    from webnn.passes.pipeline import PassContext, run_pipeline

    passes = PassContext(decompose=CoreMlBackend.decompose, layout=CoreMlBackend.layout)
    ir = run_pipeline(graph.ir, ("canonical_layout", "decompose"), passes)  # (no folding)
    program = lower(ir)
    assert check_types(ir, program) == []
    values = {name: program.values[operand].val for name, operand in ir.outputs.items()}
    assert all(v is not None for v in values.values()), "coremltools did not evaluate every output"
    return {name: np.asarray(v) for name, v in values.items()}


def assert_matches_the_reference(reference: webnn.MLContext, graph: webnn.MLGraph, float16: bool = False) -> None:
    want = reference.compute(graph, {})
    got = mil_values(graph)
    assert sorted(got) == sorted(want)
    for name, value in want.items():
        have = got[name].astype(value.dtype).reshape(value.shape)
        if value.dtype.kind == "f":
            tolerance = {"rtol": 2e-3, "atol": 2e-3} if float16 else {"rtol": 1e-5, "atol": 1e-6}
            np.testing.assert_allclose(have, value, **tolerance, err_msg=name)
        else:
            np.testing.assert_array_equal(have, value, err_msg=name)


def _constant(b, rng: np.random.Generator, shape: list[int], data_type: str = "float32"):  # type: ignore[no-untyped-def]
    values = (rng.standard_normal(shape) * 0.5).astype(webnn.dtypes.to_numpy(data_type))
    return b.constant({"dataType": data_type, "shape": shape}, values)


LSTM_OPTIONS = [
    {},  # default activations (sigmoid, tanh, tanh), no bias, zero states
    {"direction": "both", "return_sequence": True, "bias": True, "recurrent_bias": True, "peephole_weight": True,
     "initial_hidden_state": True, "initial_cell_state": True},
    {"direction": "backward", "layout": "ifgo", "activations": ["tanh", "relu", "sigmoid"], "recurrent_bias": True,
     "return_sequence": True},
    {"direction": "both", "layout": "ifgo", "peephole_weight": True, "initial_cell_state": True, "data_type": "float16"},
]


@pytest.mark.parametrize("options", LSTM_OPTIONS, ids=range(len(LSTM_OPTIONS)))
def test_lstm_matches_the_reference(reference: webnn.MLContext, options: dict) -> None:  # type: ignore[type-arg]
    options = dict(options)
    data_type = options.pop("data_type", "float32")
    rng = np.random.default_rng(1)
    steps, batch, inputs, hidden = 3, 2, 3, 4
    dirs = 2 if options.get("direction") == "both" else 1
    b = reference.create_graph_builder()
    shapes = {"bias": [dirs, 4 * hidden], "recurrent_bias": [dirs, 4 * hidden], "peephole_weight": [dirs, 3 * hidden],
              "initial_hidden_state": [dirs, batch, hidden], "initial_cell_state": [dirs, batch, hidden]}
    for name, shape in shapes.items():
        if options.pop(name, False):
            options[name] = _constant(b, rng, shape, data_type)
    outputs = b.lstm(_constant(b, rng, [steps, batch, inputs], data_type),
                     _constant(b, rng, [dirs, 4 * hidden, inputs], data_type),
                     _constant(b, rng, [dirs, 4 * hidden, hidden], data_type), steps, hidden, **options)
    graph = b.build({f"out{i}": o for i, o in enumerate(outputs)})
    assert_matches_the_reference(reference, graph, float16=data_type == "float16")


GRU_OPTIONS = [
    {},  # reset after, default activations, no bias, zero state
    {"direction": "both", "return_sequence": True, "bias": True, "reset_after": False, "layout": "rzn",
     "initial_hidden_state": True},
    {"direction": "both", "return_sequence": True, "recurrent_bias": True, "activations": ["tanh", "sigmoid"]},
    {"direction": "backward", "bias": True, "recurrent_bias": True, "data_type": "float16"},
]


@pytest.mark.parametrize("options", GRU_OPTIONS, ids=range(len(GRU_OPTIONS)))
def test_gru_matches_the_reference(reference: webnn.MLContext, options: dict) -> None:  # type: ignore[type-arg]
    options = dict(options)
    data_type = options.pop("data_type", "float32")
    rng = np.random.default_rng(2)
    steps, batch, inputs, hidden = 4, 2, 3, 3
    dirs = 2 if options.get("direction") == "both" else 1
    b = reference.create_graph_builder()
    shapes = {"bias": [dirs, 3 * hidden], "recurrent_bias": [dirs, 3 * hidden],
              "initial_hidden_state": [dirs, batch, hidden]}
    for name, shape in shapes.items():
        if options.pop(name, False):
            options[name] = _constant(b, rng, shape, data_type)
    outputs = b.gru(_constant(b, rng, [steps, batch, inputs], data_type),
                    _constant(b, rng, [dirs, 3 * hidden, inputs], data_type),
                    _constant(b, rng, [dirs, 3 * hidden, hidden], data_type), steps, hidden, **options)
    graph = b.build({f"out{i}": o for i, o in enumerate(outputs)})
    assert_matches_the_reference(reference, graph, float16=data_type == "float16")


def test_cells_match_the_reference(reference: webnn.MLContext) -> None:
    rng = np.random.default_rng(3)
    batch, inputs, hidden = 2, 3, 4
    b = reference.create_graph_builder()
    x, h, c = (_constant(b, rng, shape) for shape in ([batch, inputs], [batch, hidden], [batch, hidden]))
    lstm = b.lstm_cell(x, _constant(b, rng, [4 * hidden, inputs]), _constant(b, rng, [4 * hidden, hidden]), h, c,
                       hidden, bias=_constant(b, rng, [4 * hidden]), peephole_weight=_constant(b, rng, [3 * hidden]),
                       layout="ifgo")
    plain = b.lstm_cell(x, _constant(b, rng, [4 * hidden, inputs]), _constant(b, rng, [4 * hidden, hidden]), h, c,
                        hidden)
    gru = b.gru_cell(x, _constant(b, rng, [3 * hidden, inputs]), _constant(b, rng, [3 * hidden, hidden]), h, hidden,
                     recurrent_bias=_constant(b, rng, [3 * hidden]), activations=["sigmoid", "relu"])
    gru_before = b.gru_cell(x, _constant(b, rng, [3 * hidden, inputs]), _constant(b, rng, [3 * hidden, hidden]), h,
                            hidden, bias=_constant(b, rng, [3 * hidden]), reset_after=False)
    graph = b.build({"lstm_h": lstm[0], "lstm_c": lstm[1], "plain_h": plain[0], "plain_c": plain[1], "gru": gru,
                     "gru_before": gru_before})
    assert_matches_the_reference(reference, graph)


def test_quantization_matches_the_reference(reference: webnn.MLContext) -> None:
    """Halves to even, saturation (int32's too), NaN, blockwise scales on two axes, float16,
    int32 differences beyond 2**24."""
    b = reference.create_graph_builder()
    x = np.array([[0.5, 1.5, 2.5, -0.5, -1.5, -2.5], [3e9, -3e9, np.inf, -np.inf, np.nan, 1e12],
                  [126.5, 127.5, -128.5, 255.5, 7.0, -7.0], [1e-3, -1e-3, 0.0, -0.0, 2.5e9, -2.5e9]], np.float32)
    scale = np.array([[1.0, 0.5], [2.0, -1.0]], np.float32)  # (blocks of 2 rows and 3 columns)
    x_op = b.constant({"dataType": "float32", "shape": [4, 6]}, x)
    s_op = b.constant({"dataType": "float32", "shape": [2, 2]}, scale)
    outputs = {}
    for data_type, zero in (("int8", [[1, -3], [0, 127]]), ("uint8", [[0, 128], [255, 3]]),
                            ("int32", [[2**31 - 1, -2**31], [5, -1_500_000_000]])):
        z_op = b.constant({"dataType": data_type, "shape": [2, 2]}, np.array(zero, webnn.dtypes.to_numpy(data_type)))
        q = b.quantize_linear(x_op, s_op, z_op)
        outputs[f"q_{data_type}"] = q
        outputs[f"d_{data_type}"] = b.dequantize_linear(q, s_op, z_op)
    half = b.constant({"dataType": "float16", "shape": [6]}, np.array([0.5, 1.5, -2.5, 300, -300, 3.25], np.float16))
    h_scale = b.constant({"dataType": "float16", "shape": [1]}, np.array([0.5], np.float16))
    h_zero = b.constant({"dataType": "uint8", "shape": [1]}, np.array([10], np.uint8))
    outputs["q_half"] = b.quantize_linear(half, h_scale, h_zero)
    outputs["d_half"] = b.dequantize_linear(outputs["q_half"], h_scale, h_zero)
    big = b.constant({"dataType": "int32", "shape": [4]}, np.array([2**31 - 1, -2**31, 16_777_217, 3], np.int32))
    big_zero = b.constant({"dataType": "int32", "shape": [1]}, np.array([-2**31 + 5], np.int32))
    outputs["d_big"] = b.dequantize_linear(big, b.constant({"dataType": "float32", "shape": [1]},
                                                           np.array([0.25], np.float32)), big_zero)
    graph = b.build(outputs)
    assert_matches_the_reference(reference, graph)
    q = reference.compute(graph, {})
    assert q["q_int8"][0].tolist() == [1, 3, 3, -4, -6, -8] and q["q_int32"][1, 0] == 2**31 - 1  # (what is checked)


def test_small_integer_activations_and_arithmetic_match_the_reference(reference: webnn.MLContext) -> None:
    b = reference.create_graph_builder()
    i8 = b.constant({"dataType": "int8", "shape": [6]}, np.array([-128, -5, 0, 1, 100, 127], np.int8))
    u8 = b.constant({"dataType": "uint8", "shape": [6]}, np.array([0, 1, 5, 128, 200, 255], np.uint8))
    i32 = b.constant({"dataType": "int32", "shape": [4]}, np.array([-2**31, -7, 0, 2**31 - 1], np.int32))
    graph = b.build({
        "relu8": b.relu(i8), "sign8": b.sign(i8), "clamp8": b.clamp(i8, min_value=-6, max_value=99),
        "clampu8": b.clamp(u8, min_value=3, max_value=200), "neg8": b.neg(i8), "abs8": b.abs(i8), "neg32": b.neg(i32),
        "abs32": b.abs(i32), "add8": b.add(i8, i8), "sub8": b.sub(i8, b.neg(i8)), "mulu8": b.mul(u8, u8),
        "subu8": b.sub(u8, b.clamp(u8, min_value=100))})
    assert_matches_the_reference(reference, graph)


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
