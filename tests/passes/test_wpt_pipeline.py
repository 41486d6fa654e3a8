"""Every WPT conformance case, on the reference backend, through every pass.

The pipeline here is the longest there is (every decomposition, layout canonicalization to
NCHW and to NHWC, transpose sinking, no-op removal, folding, CSE, DCE) with the verifier
after each pass; the results must still meet the WPT expectations within their tolerances.
"""

from __future__ import annotations

import pytest

import webnn
from webnn.passes.decompose import DECOMPOSITIONS

from ..conformance.test_wpt import CASES, check_case

EVERY_PASS = ("canonical_layout", "decompose", "fold", "sink_transposes", "noop", "cse", "dce")


@pytest.fixture(scope="module", params=["nchw", "nhwc"])
def context(request: pytest.FixtureRequest) -> webnn.MLContext:
    context = webnn.ML().create_context(backend="reference")
    backend = context._backend
    backend.pipeline = EVERY_PASS
    backend.layout = request.param
    backend.decompose = frozenset(DECOMPOSITIONS)
    return context


@pytest.fixture(autouse=True)
def _verify_passes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEBNN_VERIFY_PASSES", "1")
    monkeypatch.delenv("WEBNN_PASSES", raising=False)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_conformance_through_every_pass(context: webnn.MLContext, case) -> None:
    check_case(context, case)
