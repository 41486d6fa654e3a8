"""ONNX lowerings: conv ops."""

from __future__ import annotations
