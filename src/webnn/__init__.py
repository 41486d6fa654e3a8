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

from .async_context import AsyncMLContext
from .backends import available_backends
from .builder import MLGraphBuilder, MLOperand
from .compile import load_compiled
from .context import ML, MLContext
from .dtypes import SPEC_DATA_TYPES as DATA_TYPES
from .errors import (
    InvalidStateError,
    NotSupportedError,
    OperationError,
    UnknownError,
    WebNNError,
)
from .graph import MLGraph
from .io import GraphFormatError, load
from .io.onnx_import import load_onnx
from .ir import OperandDescriptor as MLOperandDescriptor
from .limits import Limits
from .tensor import MLTensor

__version__ = "0.1.0"

__all__ = [
    "AsyncMLContext",
    "DATA_TYPES",
    "GraphFormatError",
    "InvalidStateError",
    "Limits",
    "ML",
    "MLContext",
    "MLGraph",
    "MLGraphBuilder",
    "MLOperand",
    "MLOperandDescriptor",
    "MLTensor",
    "NotSupportedError",
    "OperationError",
    "UnknownError",
    "WebNNError",
    "available_backends",
    "load",
    "load_compiled",
    "load_onnx",
]
