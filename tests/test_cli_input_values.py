"""``--input-value NAME=V`` of the ``webnn`` model commands: an ONNX input fixed at load time
(a number, numbers separated by commas, or a .npy file), so that an ``If`` on it imports only
the branch it takes; bad values are usage errors naming the input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import webnn
from webnn.cli import main

onnx = pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")

from onnx import TensorProto, helper, numpy_helper  # noqa: E402

N = helper.make_node


@pytest.fixture
def rate_model(tmp_path: Path) -> Path:
    """y = mean of frames of 4 samples when sr is 16000, max of frames of 3 otherwise: each
    branch fits only its own input length, so the model needs sr fixed to import."""
    def branch(name: str, op: str, frame: int) -> object:
        return helper.make_graph(
            [N("Reshape", ["audio", f"frames{frame}"], [f"f{frame}"]),
             N(op, [f"f{frame}"], [f"m{frame}"], axes=[1], keepdims=0)],
            name, [], [helper.make_tensor_value_info(f"m{frame}", TensorProto.FLOAT, None)],
            [numpy_helper.from_array(np.array([-1, frame], np.int64), f"frames{frame}")])

    nodes = [N("Equal", ["sr", "rate"], ["is16"]),
             N("If", ["is16"], ["y"], then_branch=branch("rate16", "ReduceMean", 4),
               else_branch=branch("rate8", "ReduceMax", 3)),
             N("Mul", ["y", "gain"], ["z"])]
    graph = helper.make_graph(
        nodes, "g",
        [helper.make_tensor_value_info("audio", TensorProto.FLOAT, [8]),
         helper.make_tensor_value_info("sr", TensorProto.INT64, []),
         helper.make_tensor_value_info("gain", TensorProto.FLOAT, [1, 2])],
        [helper.make_tensor_value_info("z", TensorProto.FLOAT, None)],
        [numpy_helper.from_array(np.array(16000, np.int64), "rate")])
    path = tmp_path / "rate.onnx"
    path.write_bytes(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]).SerializeToString())
    np.save(tmp_path / "audio.npy", np.arange(8, dtype=np.float32))
    np.save(tmp_path / "gain.npy", np.array([[2, -1]], np.float32))
    return path


def test_validate_with_a_fixed_rate(rate_model: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "-q", str(rate_model), "--input-value", "sr=16000"]) == 0
    out = capsys.readouterr().out
    assert "audio: float32 [8]" in out and "gain: float32 [1, 2]" in out and "sr:" not in out
    assert "where" not in out  # one branch only


def test_without_the_value_the_error_says_how_to_fix_it(rate_model: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "-q", str(rate_model)]) == 1
    err = capsys.readouterr().err
    assert "cannot reshape [8] to [-1, 3]" in err
    assert "computed from the graph input 'sr'" in err and "--input-value NAME=V" in err
    assert "input_values=" not in err


def test_run_with_numbers_and_npy_values(rate_model: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = rate_model.parent
    out = folder / "out"
    assert main(["run", "-q", str(rate_model), "--input", f"audio={folder / 'audio.npy'}", "--input-value",
                 "sr=16000", "--input-value", "gain=2,-1", "--output-dir", str(out), "--backend", "reference"]) == 0
    expected = np.arange(8, dtype=np.float32).reshape(2, 4).mean(axis=1) * np.float32([[2, -1]])
    np.testing.assert_allclose(np.load(out / "z.npy"), expected, rtol=1e-6)
    assert main(["run", "-q", str(rate_model), "--input", f"audio={folder / 'audio.npy'}", "--input-value",
                 "sr=16000", "--input-value", f"gain={folder / 'gain.npy'}", "--output-dir", str(out)]) == 0
    np.testing.assert_allclose(np.load(out / "z.npy"), expected, rtol=1e-6)
    capsys.readouterr()


@pytest.mark.parametrize("command", ["convert", "compile"])
def test_convert_and_compile_take_values(rate_model: Path, command: str, capsys: pytest.CaptureFixture[str]) -> None:
    folder = rate_model.parent
    target = str(folder / ("fixed.webnn" if command == "convert" else "package"))
    argv = [command, "-q", str(rate_model), target, "--input-value", "sr=16000"]
    if command == "compile":
        argv = [command, "-q", str(rate_model), "-o", target, "--input-value", "sr=16000", "--backend", "onnxruntime"]
    assert main(argv) == 0
    capsys.readouterr()
    if command == "convert":
        graph = webnn.load(target, webnn.ML().create_context(backend="reference"))
        assert sorted(graph.input_names) == ["audio", "gain"]


@pytest.mark.parametrize("value, message", [
    ("sr", "--input-value 'sr': expected NAME=V"),
    ("sr=", "--input-value 'sr=': expected NAME=V"),
    ("sr=fast", "--input-value 'sr=fast': 'fast' is not a number"),
    ("sr=16000.5", "--input-value sr: 16000.5 is not a whole number, as ONNX type int64 needs"),
    ("sr=1,2", "--input-value sr has shape [2], which does not fit the input's declared shape []"),
    ("nope=1", "--input-value names 'nope', which the model has no input called"),
    ("sr=missing.npy", "--input-value 'sr=missing.npy': cannot read missing.npy"),
])
def test_bad_values_are_usage_errors(rate_model: Path, value: str, message: str,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "-q", str(rate_model), "--input-value", value]) == 2
    err = capsys.readouterr().err
    assert err.startswith("webnn validate: error: ") and message in err


def test_values_apply_to_onnx_models_only(rate_model: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = rate_model.parent
    assert main(["validate", "-q", str(rate_model), "--input-value", "sr=8000"]) == 1  # 8 samples: no 3-frames
    assert "cannot reshape [8] to [-1, 3]" in capsys.readouterr().err
    assert main(["convert", "-q", str(rate_model), str(folder / "m.webnn"), "--input-value", "sr=16000"]) == 0
    capsys.readouterr()
    assert main(["validate", "-q", str(folder / "m.webnn"), "--input-value", "sr=1"]) == 2
    assert "--input-value applies to ONNX models only" in capsys.readouterr().err
