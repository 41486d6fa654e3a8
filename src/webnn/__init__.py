"""WebNN for Python: the W3C Web Neural Network API.

>>> import numpy as np, webnn
>>> context = webnn.ML().create_context()
>>> builder = context.create_graph_builder()
>>> x = builder.input("x", [2, 2], "float32")
>>> graph = builder.build({"y": builder.relu(x)})
>>> context.compute(graph, {"x": np.array([[-1, 2], [3, -4]], np.float32)})["y"]
array([[0., 2.],
       [3., 0.]], dtype=float32)
"""

from typing import TYPE_CHECKING, Any

from .backends import available_backends
from .compile import load_compiled
from .context import ML, MLContext
from .dtypes import SPEC_DATA_TYPES as DATA_TYPES
from .errors import (
    InvalidStateError,
    NotSupportedError,
    OperationError,
    TensorStateError,
    UnknownError,
    ValidationError,
    WebNNError,
)
from .graph import MLGraph
from .io import GraphFormatError, load
from .io.onnx_import import load_onnx
from .ir import OperandDescriptor as MLOperandDescriptor
from .limits import Limits
from .tensor import MLDeviceTensor, MLTensor

__version__ = "0.1.0"

if TYPE_CHECKING:
    from .async_context import AsyncMLContext
    from .builder import MLGraphBuilder, MLOperand
    from .hub import Hub

#: Names whose modules load on first use: the op definitions and the builder cost more to import
#: than the rest of the package, and a process that only runs compiled graphs never needs them.
_LAZY = {"MLGraphBuilder": "builder", "MLOperand": "builder", "AsyncMLContext": "async_context", "Hub": "hub"}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'webnn' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))

__all__ = [
    "AsyncMLContext",
    "DATA_TYPES",
    "GraphFormatError",
    "Hub",
    "InvalidStateError",
    "Limits",
    "ML",
    "MLContext",
    "MLDeviceTensor",
    "MLGraph",
    "MLGraphBuilder",
    "MLOperand",
    "MLOperandDescriptor",
    "MLTensor",
    "NotSupportedError",
    "OperationError",
    "TensorStateError",
    "UnknownError",
    "ValidationError",
    "WebNNError",
    "available_backends",
    "load",
    "load_compiled",
    "load_onnx",
]
