"""The ONNX Runtime backend: graphs lowered to ONNX at build(), run by one InferenceSession each."""

from __future__ import annotations

from .backend import OnnxRuntimeBackend

__all__ = ["OnnxRuntimeBackend"]
