"""Reference kernels: shape ops."""

from __future__ import annotations
