"""The ``webnn`` command line: ``info`` (the default), ``--help``, usage errors."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

import webnn
from webnn.cli import main


def test_info(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["info"]) == 0
    out = capsys.readouterr().out
    assert f"webnn {webnn.__version__}" in out
    assert "operations" in out
    for backend in webnn.available_backends():
        assert backend in out
    assert "device=cpu" in out
    assert "FAILED" not in out and "MISMATCH" not in out


def test_no_command_is_info(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 0
    assert "demo softmax" in capsys.readouterr().out


@pytest.mark.parametrize("argv", [["--help"], ["info", "--help"], ["bench", "--help"], ["-h"]])
def test_help(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith("usage: webnn")
    assert captured.err == ""


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert webnn.__version__ in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["bogus"], "invalid choice"),
        (["--bogus"], "unrecognized arguments"),
        (["info", "extra"], "unrecognized arguments"),
        (["bench", "--runs", "0"], "--runs: expected a positive integer"),
        (["bench", "--runs", "x"], "--runs: expected a positive integer"),
        (["bench", "--warmup", "-1"], "--warmup"),
        (["bench", "--threads", "two"], "--threads"),
        (["bench", "--workloads", "simple,resnet"], "unknown workload(s) resnet"),
        (["bench", "--workloads", ","], "--workloads"),
        (["bench", "--timeout", "0"], "--timeout"),
        (["bench", "--backends", "tensorflow"], "unknown backend 'tensorflow'"),
        (["bench", "--backends", "reference:gpu"], "cpu only"),
        (["bench", "--backends", "onnxruntime:tpu"], "unknown device 'tpu'"),
        (["bench", "--workloads", "mobilenetv2", "--size", "100"], "multiple of 32"),
        (["bench", "--workloads", "mobilenetv2", "--weights", "/nonexistent/weights"], "does not exist"),
    ],
)
def test_usage_errors(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert message in captured.err
    assert "error:" in captured.err
    assert "Traceback" not in captured.err


def test_weights_shape_mismatch(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    import numpy as np

    from webnn.bench.workloads import expected_weight_files

    for name, shape in expected_weight_files().items():
        np.save(tmp_path / name, np.zeros(shape, np.float32))
    np.save(tmp_path / "conv_2_weight.npy", np.zeros((32, 3, 3, 3), np.float32))
    assert main(["bench", "--workloads", "mobilenetv2", "--weights", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "conv_2_weight.npy has shape [32, 3, 3, 3]" in err and "[32, 1, 3, 3]" in err


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [_src(), os.environ.get("PYTHONPATH")])))
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, env=env, timeout=120)


def _src() -> str:
    return os.path.dirname(os.path.dirname(webnn.__file__))


def test_python_m_webnn_usage_error() -> None:
    proc = _run("-m", "webnn", "bench", "--runs", "x")
    assert proc.returncode == 2
    assert "webnn bench: error: argument --runs" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stdout == ""


def test_python_m_webnn_help() -> None:
    proc = _run("-m", "webnn", "--help")
    assert proc.returncode == 0
    assert "info" in proc.stdout and "bench" in proc.stdout


def test_import_webnn_stays_light() -> None:
    proc = _run("-c", "import sys, webnn; print(sorted(m for m in sys.modules if m.startswith(('webnn.bench', "
                "'webnn.cli', 'onnx', 'argparse'))))")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


# ------------------------------------------------------------------------------ model files


@pytest.fixture()
def saved_model(tmp_path):
    """A small graph saved as model.webnn (+ model.safetensors), with an input .npy file."""
    import numpy as np

    context = webnn.ML().create_context(backend="reference")
    b = context.create_graph_builder()
    x = b.input("x", [2, 3], "float32")
    w = b.constant(np.arange(12, dtype=np.float32).reshape(3, 4) / 10)
    y = b.relu(b.matmul(x, w, label="fc"))
    graph = b.build({"y": y, "out/../s": b.softmax(y, 1)})
    graph.save(tmp_path / "model.webnn", inline_threshold=0)
    x_value = np.array([[1, -2, 3], [-1, 0.5, 2]], np.float32)
    np.save(tmp_path / "x.npy", x_value)
    return tmp_path, context.compute(graph, {"x": x_value})


@pytest.mark.parametrize("command", ["validate", "convert", "run", "visualize"])
def test_model_command_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([command, "--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: webnn {command}")
    assert ".webnn" in out and ".onnx" in out


def test_validate(saved_model, capsys: pytest.CaptureFixture[str]) -> None:
    path, _ = saved_model
    assert main(["validate", str(path / "model.webnn")]) == 0
    captured = capsys.readouterr()
    assert f"{path / 'model.webnn'}: valid" in captured.out
    assert "x: float32 [2, 3]" in captured.out and "y: float32 [2, 4]" in captured.out
    assert "operations: 3" in captured.out and "matmul: 1" in captured.out and "softmax: 1" in captured.out
    assert "loading" in captured.err  # progress on stderr
    assert main(["validate", "-q", str(path / "model.webnn")]) == 0
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize(("edit", "message"), [
    (lambda t: t.replace("matmul(", "matmull("), "model.webnn:11:5: unknown operation 'matmull'"),
    (lambda t: t.replace("f32[2, 3]", "f32[2, 5]"), "matmul 'fc': "),
    (lambda t: t[: len(t) // 2], "model.webnn:"),
])
def test_validate_invalid(saved_model, edit, message: str, capsys: pytest.CaptureFixture[str]) -> None:
    path, _ = saved_model
    model = path / "model.webnn"
    model.write_text(edit(model.read_text()))
    assert main(["validate", str(model)]) == 1
    captured = capsys.readouterr()
    assert message in captured.err
    assert captured.err.count("webnn validate: error:") == 1
    assert "Traceback" not in captured.err
    assert "valid" not in captured.out


def test_validate_usage_errors(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(tmp_path / "missing.webnn")]) == 2
    assert "missing.webnn: no such file" in capsys.readouterr().err
    (tmp_path / "model.txt").write_text("x")
    assert main(["validate", str(tmp_path / "model.txt")]) == 2
    assert "unknown file type" in capsys.readouterr().err
    assert main(["validate"]) == 2
    assert "required: FILE" in capsys.readouterr().err
    (tmp_path / "m.webnn").write_text('webnn_graph "m" v1 { consts { w: f32[2] @weights("w"); } '
                                      "nodes { y = relu(w); } outputs { y; } }")
    assert main(["validate", str(tmp_path / "m.webnn")]) == 1
    assert "none of m.webnn.safetensors, m.webnn.manifest.json, m.safetensors, m.manifest.json" in capsys.readouterr().err


def test_convert_between_forms(saved_model, capsys: pytest.CaptureFixture[str]) -> None:
    import numpy as np

    path, expected = saved_model
    assert main(["convert", "-q", str(path / "model.webnn"), str(path / "copy.json"), "--weights", "manifest",
                 "--inline-threshold", "0"]) == 0
    out = capsys.readouterr().out.split()
    assert out == [str(path / "copy.json"), str(path / "copy.json.manifest.json"), str(path / "copy.json.weights")]
    assert main(["convert", "-q", str(path / "copy.json"), str(path / "inline.webnn"), "--weights", "inline"]) == 0
    assert capsys.readouterr().out.split() == [str(path / "inline.webnn")]
    graph = webnn.load(path / "inline.webnn", webnn.ML().create_context(backend="reference"))
    result = graph.context.compute(graph, {"x": np.load(path / "x.npy")})
    for name, value in expected.items():
        assert result[name].tobytes() == value.tobytes()


def test_convert_to_onnx_and_validate_it(saved_model, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("onnxruntime")
    path, _ = saved_model
    assert main(["convert", "-q", str(path / "model.webnn"), str(path / "model.onnx")]) == 0
    assert capsys.readouterr().out.split() == [str(path / "model.onnx")]
    assert main(["validate", "-q", str(path / "model.onnx")]) == 0
    out = capsys.readouterr().out
    assert "valid" in out and "x" in out and "y" in out
    (path / "bad.onnx").write_bytes((path / "model.onnx").read_bytes()[:50])
    assert main(["validate", "-q", str(path / "bad.onnx")]) == 1
    err = capsys.readouterr().err
    assert "webnn validate: error:" in err and "Traceback" not in err


def test_onnx_input(saved_model, capsys: pytest.CaptureFixture[str]) -> None:
    """ONNX models are read through webnn.load_onnx (ONNX import), with --input-shape."""
    pytest.importorskip("onnxruntime")
    import numpy as np

    path, expected = saved_model
    assert main(["convert", "-q", str(path / "model.webnn"), str(path / "model.onnx")]) == 0
    assert main(["convert", "-q", str(path / "model.onnx"), str(path / "back.webnn"),
                 "--input-shape", "x=2,3"]) == 0
    capsys.readouterr()
    assert main(["run", "-q", str(path / "model.onnx"), "--input", f"x={path / 'x.npy'}",
                 "--output-dir", str(path / "onnx_out")]) == 0
    graph = webnn.load(path / "back.webnn", webnn.ML().create_context(backend="reference"))
    result = graph.context.compute(graph, {"x": np.load(path / "x.npy")})
    for name, value in expected.items():
        np.testing.assert_allclose(result[name], value, rtol=1e-6)


def test_run(saved_model, capsys: pytest.CaptureFixture[str]) -> None:
    import numpy as np

    path, expected = saved_model
    out_dir = path / "out"
    argv = ["run", str(path / "model.webnn"), "--input", f"x={path / 'x.npy'}", "--output-dir", str(out_dir),
            "--backend", "reference"]
    assert main(argv) == 0
    captured = capsys.readouterr()
    assert "y: float32 [2, 4]" in captured.out and "out/../s: float32 [2, 4]" in captured.out
    assert "computing on reference" in captured.err
    # Output names become safe file names inside the output directory.
    assert sorted(p.name for p in out_dir.iterdir()) == ["out_.._s.npy", "y.npy"]
    assert np.load(out_dir / "y.npy").tobytes() == expected["y"].tobytes()
    assert np.load(out_dir / "out_.._s.npy").tobytes() == expected["out/../s"].tobytes()


@pytest.mark.parametrize(("extra", "message", "code"), [
    ([], "missing --input for: x (float32 [2, 3])", 2),
    (["--input", "x"], "expected NAME=FILE.npy", 2),
    (["--input", "z=x.npy"], "the graph has no such input", 2),
    (["--input", "x=nothing.npy"], "nothing.npy: no such file", 2),
    (["--input", "x=bad.npy"], "not a readable .npy file", 1),
    (["--input", "x=int.npy"], "int64", 1),
])
def test_run_errors(saved_model, extra: list[str], message: str, code: int, capsys: pytest.CaptureFixture[str],
                    monkeypatch: pytest.MonkeyPatch) -> None:
    import numpy as np

    path, _ = saved_model
    (path / "bad.npy").write_bytes(b"not numpy")
    np.save(path / "int.npy", np.zeros((2, 3), np.int64))
    monkeypatch.chdir(path)
    assert main(["run", "-q", "model.webnn", *extra]) == code
    err = capsys.readouterr().err
    assert message in err and "webnn run: error:" in err and "Traceback" not in err


def _npy_with_header(path, header: dict, data: bytes = b"") -> None:
    import numpy as np

    with open(path, "wb") as f:
        np.lib.format.write_array_header_1_0(f, header)
        f.write(data)


@pytest.mark.parametrize(("make", "message"), [
    # A header that declares 16 GiB on a tiny file: refused before any data is read.
    (lambda p: _npy_with_header(p, {"descr": "<f8", "fortran_order": False, "shape": (2**31,)}), "holds float64"),
    (lambda p: _npy_with_header(p, {"descr": "<f4", "fortran_order": False, "shape": (2, 3)}, b"\0" * 8),
     "truncated (8 data bytes, 24 needed)"),
    (lambda p: _npy_with_header(p, {"descr": "|O", "fortran_order": False, "shape": (2, 3)}, b"\x80\x04N."),
     "holds Python objects"),
    (lambda p: _npy_with_header(p, {"descr": "<f4", "fortran_order": False, "shape": (3, 2)}, b"\0" * 24),
     "holds float32 [3, 2], the graph needs float32 [2, 3]"),
    (lambda p: p.write_bytes(b"\x93NUMPY\x09\x00"), "unsupported .npy format version"),
])
def test_run_refuses_hostile_npy_inputs(saved_model, make, message: str, capsys: pytest.CaptureFixture[str]) -> None:
    path, _ = saved_model
    make(path / "bad.npy")
    assert main(["run", "-q", str(path / "model.webnn"), "--input", f"x={path / 'bad.npy'}"]) == 1
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_hostile_npy_corpus_under_a_memory_limit(tmp_path) -> None:
    """Every hostile .npy input ends in the command's one-line error, within a small memory and
    CPU budget (the child process could not allocate what the headers declare)."""
    import io
    import zipfile

    import numpy as np

    from .bounded import check_documented, outcomes

    def header(**fields):
        return {"descr": "<f4", "fortran_order": False, "shape": (2, 3), **fields}

    cases = {
        "huge.npy": (header(shape=(2**40,)), b""),
        "huge_f8.npy": (header(descr="<f8", shape=(2, 3 * 2**30)), b"\0" * 64),
        "overflow.npy": (header(shape=(2**62, 2**62)), b""),
        "negative.npy": (header(shape=(-1, 3)), b""),
        "truncated.npy": (header(), b"\0" * 23),
        "pickle.npy": (header(descr="|O"), b"\x80\x04\x95"),
        "wrong_dtype.npy": (header(descr="<i8"), b"\0" * 48),
        "structured.npy": (header(descr=[("a", "<f4")]), b"\0" * 24),
    }
    paths = []
    for name, (fields, data) in cases.items():
        buffer = io.BytesIO()
        np.lib.format.write_array_header_1_0(buffer, fields)
        (tmp_path / name).write_bytes(buffer.getvalue() + data)
        paths.append(str(tmp_path / name))
    raw = {
        "magic.npy": b"\x93NUMPX\x01\x00" + b"\0" * 64,
        "version.npy": b"\x93NUMPY\x07\x00" + b"\0" * 64,
        "header_length.npy": b"\x93NUMPY\x02\x00\xff\xff\xff\x7f{'descr': '<f4'",
        "header_syntax.npy": b"\x93NUMPY\x01\x00\x10\x00{'descr': __import_",
        "empty.npy": b"",
    }
    for name, data in raw.items():
        (tmp_path / name).write_bytes(data)
        paths.append(str(tmp_path / name))
    with zipfile.ZipFile(tmp_path / "bomb.npz", "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("x.npy", b"\0" * (64 << 20))
    paths.append(str(tmp_path / "bomb.npz"))
    results = outcomes("""
def attempt(path):
    import webnn
    from webnn.cli import read_npy
    read_npy(path, "--input x", webnn.MLOperandDescriptor("float32", (2, 3)))
""", paths, headroom_mb=512)
    check_documented(results, allowed=frozenset({"webnn.cli.CliError"}), cpu_seconds=2.0)


def test_run_reads_fortran_order_and_big_endian_npy(saved_model, capsys: pytest.CaptureFixture[str]) -> None:
    import numpy as np

    path, expected = saved_model
    x = np.load(path / "x.npy")
    np.save(path / "xf.npy", np.asfortranarray(x).astype(">f4"))
    assert main(["run", "-q", str(path / "model.webnn"), "--input", f"x={path / 'xf.npy'}",
                 "--output-dir", str(path / "o"), "--backend", "reference"]) == 0
    assert np.load(path / "o" / "y.npy").tobytes() == expected["y"].tobytes()


def test_names_from_model_files_are_printed_escaped(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    """A hostile file cannot send terminal escape sequences through the names it declares."""
    import numpy as np

    evil = "x\x1b]0;owned\x07\x1b[2J\u202e"
    context = webnn.ML().create_context(backend="reference")
    b = context.create_graph_builder()
    x = b.input(evil, [2], "float32")
    graph = b.build({evil + "out": b.relu(x)})
    graph.save(tmp_path / "m.webnn")
    np.save(tmp_path / "x.npy", np.ones(2, np.float32))
    assert main(["validate", "-q", str(tmp_path / "m.webnn")]) == 0
    assert main(["run", "-q", str(tmp_path / "m.webnn"), "--backend", "reference"]) == 2  # missing --input
    assert main(["run", "-q", str(tmp_path / "m.webnn"), "--backend", "reference",
                 "--input", f"{evil}={tmp_path / 'x.npy'}"]) == 0
    captured = capsys.readouterr()
    for text in (captured.out, captured.err):
        assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text
    assert "x\\u001b]0;owned\\u0007" in captured.out and "x\\u001b]0;owned" in captured.err


def test_output_file_names() -> None:
    from webnn.cli import output_file_names

    assert output_file_names(["y", "../../etc/passwd", ".hidden", "a b", "Y", "", "a_b"]) == {
        "y": "y.npy", "../../etc/passwd": "_.._.._etc_passwd.npy", ".hidden": "_.hidden.npy",
        "a b": "a_b.npy", "Y": "Y_1.npy", "": "output.npy", "a_b": "a_b_1.npy",
    }


def test_visualize(saved_model, capsys: pytest.CaptureFixture[str]) -> None:
    import shutil

    path, _ = saved_model
    assert main(["visualize", "-q", str(path / "model.webnn"), "-o", str(path / "g.dot")]) == 0
    assert (path / "g.dot").read_text().startswith("digraph")
    assert capsys.readouterr().out.strip() == str(path / "g.dot")
    assert main(["visualize", "-q", str(path / "model.webnn"), "-o", str(path / "g.jpg")]) == 2
    assert ".svg, .png, .pdf or .dot" in capsys.readouterr().err
    if shutil.which("dot") is None:
        assert main(["visualize", "-q", str(path / "model.webnn"), "-o", str(path / "g.svg")]) == 1
        assert "Graphviz 'dot' program is not installed" in capsys.readouterr().err
    else:
        assert main(["visualize", "-q", str(path / "model.webnn"), "-o", str(path / "g.svg")]) == 0
        assert (path / "g.svg").read_bytes().startswith(b"<?xml")


def test_python_m_webnn_validate_error(tmp_path) -> None:
    (tmp_path / "bad.json").write_text('{"format": "webnn-graph-json", "version": 1, "nodes": 3}')
    proc = _run("-m", "webnn", "validate", str(tmp_path / "bad.json"))
    assert proc.returncode == 1
    assert proc.stderr.strip().endswith("bad.json at $.nodes: expected an array, got the number 3")
    assert "Traceback" not in proc.stderr and proc.stdout == ""


def test_unsupported_onnx_model_is_a_clean_error(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper

    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [4, 4])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, None)
    node = helper.make_node("Det", ["x"], ["y"], name="determinant")
    model = helper.make_model(helper.make_graph([node], "g", [x], [y]), opset_imports=[helper.make_opsetid("", 17)])
    onnx.save(model, str(tmp_path / "det.onnx"))
    assert main(["validate", "-q", str(tmp_path / "det.onnx")]) == 1
    err = capsys.readouterr().err
    assert "'determinant' (Det)" in err and "not supported" in err and "Traceback" not in err


# ------------------------------------------------------------------------------ ONNX inputs with free dimensions


def _free_batch_model(path) -> None:
    """An ONNX file whose input x is [batch, 5] (a free dimension): y = x @ w."""
    import numpy as np

    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper, numpy_helper

    w = np.arange(20, dtype=np.float32).reshape(5, 4) / 10
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "w"], ["y"])], "free",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 5])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], [numpy_helper.from_array(w, "w")],
    )
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(path))


def test_run_takes_free_dimensions_from_the_input_arrays(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    import numpy as np

    _free_batch_model(tmp_path / "m.onnx")
    x = np.random.default_rng(0).standard_normal((3, 5)).astype(np.float32)
    np.save(tmp_path / "x.npy", x)
    w = np.arange(20, dtype=np.float32).reshape(5, 4) / 10
    run = ["run", "-q", str(tmp_path / "m.onnx"), "--input", f"x={tmp_path / 'x.npy'}", "--backend", "reference"]
    assert main([*run, "--output-dir", str(tmp_path / "out")]) == 0
    assert "y: float32 [3, 4]" in capsys.readouterr().out
    np.testing.assert_allclose(np.load(tmp_path / "out" / "y.npy"), x @ w, rtol=1e-6)
    # An explicit --input-shape that agrees is taken; one that does not is a usage error naming both.
    assert main([*run, "--input-shape", "x=3,5"]) == 0
    capsys.readouterr()
    assert main([*run, "--input-shape", "x=2,5"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "webnn run: error: --input-shape x=2,5 does not match --input x=" in err
    assert "shape [3, 5]" in err
    # An array that contradicts the model's fixed dimension: said in command-line terms.
    np.save(tmp_path / "x4.npy", np.zeros((3, 4), np.float32))
    assert main(["run", "-q", str(tmp_path / "m.onnx"), "--input", f"x={tmp_path / 'x4.npy'}"]) == 2
    err = capsys.readouterr().err
    assert "--input x=" in err and "fixes it at 5" in err and "[batch, 5]" in err


@pytest.mark.parametrize(("argv", "message"), [
    (["validate"], "input 'x' has free dimensions [batch, 5]: give them with --input-shape x=D0,5"),
    (["run"], "or give the input's array with --input NAME=FILE.npy"),
    (["validate", "--input-shape", "z=1,5"], "--input-shape z=...: the model has no input 'z' (its inputs: x)"),
    (["validate", "--input-shape", "x=2,5,1"], "--input-shape x=2,5,1 has 3 dimensions"),
    (["validate", "--input-shape", "x=2,6"], "has 6 as dimension 1; the model's input 'x' is [batch, 5]"),
    (["validate", "--input-shape", "x=0,5"], "dimensions must be positive"),
    (["convert", "--input-shape", "x"], "expected NAME=D0,D1,... (e.g. --input-shape x=1,3,224,224)"),
])
def test_free_dimension_errors_speak_cli(tmp_path, argv: list[str], message: str,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    _free_batch_model(tmp_path / "m.onnx")
    command, *options = argv
    files = [str(tmp_path / "m.onnx")] + ([str(tmp_path / "out.webnn")] if command == "convert" else [])
    assert main([command, "-q", *files, *options]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"webnn {command}: error: ") and err.count("\n") == 1, err
    assert message in err
    assert "input_shapes" not in err and "Traceback" not in err


def test_library_messages_are_phrased_for_the_command_line(tmp_path) -> None:
    """Messages of load_onnx / load that name Python keywords reach a webnn user in CLI terms."""
    from webnn.cli import cli_message

    _free_batch_model(tmp_path / "m.onnx")
    with pytest.raises(webnn.NotSupportedError) as free:
        webnn.load_onnx(tmp_path / "m.onnx", webnn.ML().create_context(backend="reference"))
    assert "input_shapes={'x': [...]}" in str(free.value)
    text = cli_message(str(free.value))
    assert "input_shapes" not in text and "give it with --input-shape x=D0,D1,..." in text
    with pytest.raises(TypeError) as rank:
        webnn.load_onnx(tmp_path / "m.onnx", webnn.ML().create_context(backend="reference"),
                        input_shapes={"x": [1, 2, 3]})
    assert cli_message(str(rank.value)).startswith("--input-shape x [1, 2, 3] has rank 3")
    assert cli_message("input_shapes names 'z', which the model has no input called").startswith("--input-shape names")
    assert cli_message("none of m.safetensors is beside it (pass weights=...)").endswith(
        "(give it with --weights-file FILE)")
    assert "verify_weights" not in cli_message("written for b.webnn (load with verify_weights=False to use it anyway)")
    assert "limits=" not in cli_message("a budget of 4 GiB (raise them with limits=webnn.Limits(...))").split(";")[0]


# ------------------------------------------------------------------------------ exit codes, one-line errors


def test_help_documents_the_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "exit codes: 0 done; 1 the work failed" in out and "2 usage error" in out


@pytest.mark.parametrize(("argv", "message"), [
    (["bench", "--weights", "/nonexistent"], "webnn bench: error: --weights /nonexistent: the folder does not exist"),
    (["bench", "--onnx", "missing.onnx"], "webnn bench: error: --onnx missing.onnx: no such file"),
    (["bench", "--onnx", "."], "webnn bench: error: --onnx .: a folder, not an ONNX file"),
    (["bench", "--json", "/no/such/dir/x.json"], "webnn bench: error: --json /no/such/dir/x.json: the folder /no/such/dir"),
    (["bench", "--json", "."], "webnn bench: error: --json . is a folder"),
    (["bench", "--runs", "0"], "webnn bench: error: argument --runs: expected a positive integer"),
    (["validate", "."], "webnn validate: error: . is a folder, not a model file: give a .onnx, .webnn or .json file"),
    (["validate", "missing.onnx"], "webnn validate: error: missing.onnx: no such file"),
    (["run", "model.webnn", "--weights-file", "nothing.safetensors"], "--weights-file nothing.safetensors: no such file"),
    (["convert", "model.webnn", "/no/such/dir/m.json"], "the folder /no/such/dir does not exist"),
    (["convert", "model.webnn", "m.txt"], "m.txt: unknown file type"),
    (["visualize", "model.webnn", "-o", "/no/such/dir/g.dot"], "the folder /no/such/dir does not exist"),
    (["compile", "model.webnn", "-o", "/no/such/dir/pkg"], "the folder /no/such/dir does not exist"),
    (["run", "model.webnn", "--input", "x=x.npy", "--output-dir", "x.npy"], "--output-dir x.npy is a file"),
])
def test_usage_errors_are_one_line_with_exit_code_2(saved_model, argv: list[str], message: str,
                                                    capsys: pytest.CaptureFixture[str],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    path, _ = saved_model
    monkeypatch.chdir(path)
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1, captured.err  # one line, no usage text
    assert message in captured.err and captured.err.startswith(f"webnn {argv[0]}: error: ")
    assert "Errno" not in captured.err and "Traceback" not in captured.err


def test_a_failed_command_exits_1(saved_model, capsys: pytest.CaptureFixture[str]) -> None:
    """An invalid model is the work failing (1), not a usage error (2)."""
    path, _ = saved_model
    (path / "bad.json").write_text('{"format": "webnn-graph-json", "version": 1, "nodes": 3}')
    assert main(["validate", "-q", str(path / "bad.json")]) == 1
    assert capsys.readouterr().err.count("\n") == 1


def test_cache_errors(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("WEBNN_CACHE_MAX_SIZE", "lots")
    assert main(["cache"]) == 1  # a bad setting of the environment, not of the command line
    err = capsys.readouterr().err
    assert err.startswith("webnn cache: error: WEBNN_CACHE_MAX_SIZE must be") and err.count("\n") == 1


# ------------------------------------------------------------------------------ convert --opset, --weights inline


def test_opset_range(saved_model, capsys: pytest.CaptureFixture[str]) -> None:
    from webnn.cli import EXPORT_OPSETS

    low, high = EXPORT_OPSETS
    assert main(["convert", "--help"]) == 0
    help_text = " ".join(capsys.readouterr().out.split())
    assert f"--opset N ONNX output: the opset to write; accepted: {low}-{high}" in help_text
    path, _ = saved_model
    for bad in (str(high + 1), "23", str(low - 1), "7", "x"):
        assert main(["convert", "-q", str(path / "model.webnn"), str(path / "m.onnx"), "--opset", bad]) == 2
        err = capsys.readouterr().err
        assert f"argument --opset: the ONNX export writes opset {low}" in err and f"{low}-{high}" in err
        assert err.count("\n") == 1 and not (path / "m.onnx").exists()
    assert main(["convert", "-q", str(path / "model.webnn"), str(path / "m.webnn"), "--opset", str(low)]) == 2
    assert "--opset applies to .onnx output only" in capsys.readouterr().err


def test_opset_range_is_what_the_export_writes(saved_model, capsys: pytest.CaptureFixture[str]) -> None:
    onnx = pytest.importorskip("onnx")
    pytest.importorskip("onnxruntime")
    from webnn.backends.onnxruntime.pipeline import OPSET
    from webnn.cli import EXPORT_OPSETS

    assert EXPORT_OPSETS == (OPSET, OPSET)
    assert OPSET <= onnx.defs.onnx_opset_version()
    path, _ = saved_model
    assert main(["convert", "-q", str(path / "model.webnn"), str(path / "m.onnx"), "--opset", str(OPSET)]) == 0
    model = onnx.load(str(path / "m.onnx"))
    assert {o.domain: o.version for o in model.opset_import}[""] == OPSET


def test_inline_weights_help_says_what_it_costs(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["convert", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "the format has no binary encoding there" in text and "about 3.5 times the weights' size" in text
