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
