"""Shared fixtures: ``context`` runs a test once per available backend.

The persistent compiled-graph cache of the whole test run lives in a temporary folder
(never the user's own cache), and is off (``WEBNN_CACHE=0``) unless a test turns it on.
"""

from __future__ import annotations

import os
import tempfile
from typing import Any

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


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """After the run, which tests skipped for want of data (the WPT cases, the real models), why,
    and how to get it: shown without ``-rs`` too."""
    from .models import MISSING

    reasons: dict[str, int] = {}
    for report in terminalreporter.stats.get("skipped", []):
        longrepr = report.longrepr
        reason = str(longrepr[2] if isinstance(longrepr, tuple) and len(longrepr) == 3 else longrepr)
        if MISSING in reason:
            reason = reason[reason.index(MISSING) + len(MISSING):]
            reasons[reason] = reasons.get(reason, 0) + 1
    if reasons:
        terminalreporter.section("skipped for missing test data")
        for reason, count in reasons.items():
            terminalreporter.write_line(f"{count} skipped: {reason}")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """A test on a backend that runs a subset of the ops (it declares ``data_types``: openvino)
    skips, saying so, where the backend refuses an op or data type at build: what such a backend
    refuses must also be absent from its op_support_limits() (tests/test_backends_complete.py,
    and the WPT cases check it), and what it runs is checked like every backend."""
    outcome = yield
    report = outcome.get_result()
    if report.when != "call" or not report.failed or call.excinfo is None:
        return
    if not call.excinfo.errisinstance(webnn.NotSupportedError):
        return
    context = getattr(item, "funcargs", {}).get("context")
    if isinstance(context, webnn.MLContext) and hasattr(context._backend, "data_types"):
        report.outcome = "skipped"
        report.longrepr = (str(item.path), item.location[1] or 0,
                           f"refused by the {context.backend} backend: {call.excinfo.value}")
