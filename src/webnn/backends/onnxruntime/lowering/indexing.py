"""ONNX lowerings: indexing ops."""

from __future__ import annotations
