"""Every WPT WebNN conformance case, on every available backend.

The data lives in ``WEBNN_WPT_DIR`` (default ``../shared/wpt`` beside the
repository).  Without it the cases skip with that reason, unless
``WEBNN_REQUIRE_WPT=1`` (set by CI), which makes missing data a failure.
"""

from __future__ import annotations

import os

import pytest

import webnn

from .wpt import compare, load_cases, method_name, missing_wpt_message, run_case, wpt_dir

CASES = load_cases() if (wpt_dir() / "conformance").is_dir() else []
BACKENDS = webnn.available_backends()


def test_wpt_data_present() -> None:
    if not CASES:
        message = missing_wpt_message()
        if os.environ.get("WEBNN_REQUIRE_WPT") == "1":
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="module", params=BACKENDS)
def context(request: pytest.FixtureRequest) -> webnn.MLContext:
    return webnn.ML().create_context(backend=request.param)


def check_case(context: webnn.MLContext, case) -> None:
    """Run a case on ``context`` and compare every output with its expected values."""
    for operator in case.graph["operators"]:
        if method_name(operator["name"]) is None:
            pytest.skip(f"{operator['name']} is not implemented")
    results = run_case(context, case)
    for name, spec in case.expected.items():
        compare(name, results[name], spec, case.tolerance)


#: Without the data, one placeholder that skips saying why (not pytest's "empty parameter set").
NO_CASES = [pytest.param(None, id="no-wpt-data", marks=pytest.mark.skip(reason=missing_wpt_message()))]


@pytest.mark.parametrize("case", CASES or NO_CASES, ids=[c.id for c in CASES] or None)
def test_conformance(context: webnn.MLContext, case) -> None:
    check_case(context, case)
