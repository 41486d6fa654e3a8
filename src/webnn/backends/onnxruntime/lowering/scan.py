"""ONNX lowerings: scan ops."""

from __future__ import annotations
