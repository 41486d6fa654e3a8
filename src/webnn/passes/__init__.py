"""Graph passes: IR -> IR rewrites between the builder and the backends.

Each pass is a small pure function registered by name (:data:`PASSES`); a backend
declares its pipeline as a tuple of names, and :func:`run_pipeline` runs it, verifying the
graph after every pass in tests and debug mode (``WEBNN_VERIFY_PASSES=1``).

- ``canonical_layout``: one layout for convolutions, pools and instance normalization;
- ``sink_transposes``: transposes moved below elementwise ops, so that pairs meet;
- ``noop``: identities, reshapes / casts / expands to the same shape or type, transposes
  that cancel;
- ``decompose``: ops the backend lacks, in other spec ops;
- ``fold``: constant subgraphs computed once, by the reference kernels, within a budget;
- ``cse``: repeated operations and equal small constants merged;
- ``dce``: what no output needs removed.
"""

from __future__ import annotations

from . import cse, dce, decompose, fold, layout, noop  # noqa: F401  (register the passes)
from .pipeline import PASSES, PassContext, PassStat, register, run_pipeline, verifying
from .rewrite import Rewriter
from .verify import VerificationError, verify

__all__ = [
    "PASSES", "PassContext", "PassStat", "Rewriter", "VerificationError", "register", "run_pipeline",
    "verify", "verifying",
]
