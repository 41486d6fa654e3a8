"""The NumPy reference backend: exact spec semantics, vectorised kernels.

Kernels live in one module per op family and register themselves by op name
with :func:`~webnn.backends.reference.registry.kernel`.  A kernel receives the
operation's input arrays and attributes as keyword arguments and returns an
array (or a list of arrays for multi-output ops); the executor stores results
with the declared output dtype.
"""

from __future__ import annotations

from .executor import ReferenceBackend

__all__ = ["ReferenceBackend"]
