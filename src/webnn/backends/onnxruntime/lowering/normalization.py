"""ONNX lowerings: normalization ops."""

from __future__ import annotations
