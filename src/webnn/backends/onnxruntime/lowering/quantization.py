"""ONNX lowerings: quantization ops."""

from __future__ import annotations
