"""Shared fixtures: ``context`` runs a test once per available backend.

The persistent compiled-graph cache of the whole test run lives in a temporary folder
(never the user's own cache), and is off (``WEBNN_CACHE=0``) unless a test turns it on.
"""

from __future__ import annotations

import os
import tempfile

import pytest

if "WEBNN_TEST_KEEP_CACHE_DIR" not in os.environ:
    os.environ["WEBNN_CACHE_DIR"] = tempfile.mkdtemp(prefix="webnn-test-cache-")
    # Off unless a test turns it on: thousands of small test graphs would only fill it.
    os.environ["WEBNN_CACHE"] = "0"

import webnn

BACKENDS = webnn.available_backends()


@pytest.fixture(params=BACKENDS)
def context(request: pytest.FixtureRequest) -> webnn.MLContext:
    """A context on each available backend in turn (test ids end in ``[onnxruntime]`` / ``[reference]``)."""
    return webnn.ML().create_context(backend=request.param)
