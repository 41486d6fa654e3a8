"""Contexts the backend tests share (one per test module)."""

from __future__ import annotations

import pytest

import webnn


@pytest.fixture(scope="module")
def reference() -> webnn.MLContext:
    return webnn.ML().create_context(backend="reference")


@pytest.fixture(scope="module")
def litert() -> webnn.MLContext:
    """The litert backend, without the persistent cache (the test modules skip without LiteRT)."""
    return webnn.ML().create_context(backend="litert", cache=False)
