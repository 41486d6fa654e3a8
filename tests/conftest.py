"""Shared fixtures: ``context`` runs a test once per available backend."""

from __future__ import annotations

import pytest

import webnn

BACKENDS = webnn.available_backends()


@pytest.fixture(params=BACKENDS)
def context(request: pytest.FixtureRequest) -> webnn.MLContext:
    """A context on each available backend in turn (test ids end in ``[onnxruntime]`` / ``[reference]``)."""
    return webnn.ML().create_context(backend=request.param)
