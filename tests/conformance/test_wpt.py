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
    try:
        results = run_case(context, case)
    except webnn.NotSupportedError as exc:
        # A backend that runs a subset (it declares data_types) refuses the rest at build, and
        # must have left it out of op_support_limits(); the others refuse nothing.
        if getattr(context._backend, "data_types", None) is None:
            raise
        _check_refusal_is_declared(context, case, exc)
        pytest.skip(f"refused: {exc}")
    for name, spec in case.expected.items():
        compare(name, results[name], spec, case.tolerance)


def _check_refusal_is_declared(context: webnn.MLContext, case, exc: Exception) -> None:
    """A refused case uses an op (or one of its data types) that op_support_limits() leaves out."""
    limits = context.op_support_limits()
    for operator in case.graph["operators"]:
        js = operator["name"]
        if js not in limits:
            return
        types = {t for operand in limits[js].values() if isinstance(operand, dict) for t in operand["dataTypes"]}
        used = {d["descriptor"]["dataType"] for d in case.graph.get("inputs", {}).values()
                if isinstance(d, dict) and isinstance(d.get("descriptor"), dict)}
        used |= {t for t in _strings(operator.get("arguments")) if t in webnn.DATA_TYPES}  # (output types)
        if used - types:
            return
    pytest.fail(f"refused although op_support_limits() lists every op and data type of the case: {exc}")


def _strings(value) -> list[str]:
    """Every string in a nested JSON value."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


#: Without the data, one placeholder that skips saying why (not pytest's "empty parameter set").
NO_CASES = [pytest.param(None, id="no-wpt-data", marks=pytest.mark.skip(reason=missing_wpt_message()))]


@pytest.mark.parametrize("case", CASES or NO_CASES, ids=[c.id for c in CASES] or None)
def test_conformance(context: webnn.MLContext, case) -> None:
    check_case(context, case)
