"""ONNX lowerings: recurrent ops."""

from __future__ import annotations
