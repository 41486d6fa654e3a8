"""ONNX lowerings: pool ops."""

from __future__ import annotations
