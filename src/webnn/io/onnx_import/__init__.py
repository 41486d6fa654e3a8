"""Import ONNX models as WebNN graphs: ``webnn.load_onnx`` and :func:`import_onnx`.

The importer resolves every value's static shape (free input dimensions come from
``input_shapes``), folds every node whose inputs are known constants with NumPy (shape
sub-graphs: Shape, Gather, Concat, Range, ...), and maps every other node onto spec ops, straight
onto the target builder.  A model that cannot be expressed raises
:class:`webnn.NotSupportedError` (naming the node, its op type and why), and the builder is
rolled back to where it was: no graph is ever left half built.

A model file is untrusted data: folding is bounded by a budget (``limits=``, a
:class:`webnn.Limits`) that scales with the model's size, external data is read only from the
model's own folder, and names, sizes and opset versions are checked before they are used.

The converters live in one module per ONNX op family and register themselves in a table
keyed by ONNX op type (:data:`.registry.CONVERTERS`; constant folders in
:data:`.registry.FOLDERS`).  This module does not import ``onnx``: ``import webnn`` stays light.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ...builder import MLGraphBuilder, MLOperand
    from ...context import MLContext
    from ...graph import MLGraph
    from ...limits import Limits


def load_onnx(
    model: str | os.PathLike[str] | bytes | Any,
    context: MLContext | None = None,
    input_shapes: Mapping[str, Sequence[int]] | None = None,
    *,
    input_values: Mapping[str, Any] | None = None,
    limits: Limits | None = None,
    external_data_dir: str | os.PathLike[str] | None = None,
) -> MLGraph:
    """Build an ONNX model as an :class:`~webnn.MLGraph` on ``context``.

    ``model`` is a path, the serialized bytes or an ``onnx.ModelProto``.  ``context``
    defaults to ``webnn.ML().create_context()``.  ``input_shapes`` ({input name: shape})
    fixes the free dimensions of the inputs (``dim_param``, unknown or -1); a free dimension
    left unfixed is a :class:`webnn.NotSupportedError`.  The graph's inputs and outputs have
    the names of the ONNX graph's (non-initializer) inputs and its outputs; ONNX ``bool``
    values are WebNN ``uint8`` (0 / 1).  Only spec ops are used, so the graph runs on every
    backend.  Anything that cannot be expressed exactly raises ``NotSupportedError`` naming
    the ONNX node, its op type and the reason, before anything is built.

    ``input_values`` ({input name: value}; a number, a list or a NumPy array) fixes inputs that
    are settings rather than data, such as a mode or a sample rate: each value is converted to
    the input's ONNX type (a value the type cannot hold, such as 1.5 for an integer, is a
    ``TypeError``) and must fit its declared shape (its free dimensions take the value's).  A
    fixed input is no input of the graph but a constant, and everything computed from it is
    folded at import: an ``If`` whose condition it decides imports the taken branch only.  An
    ``If`` whose condition is only known at run time imports both branches and picks each
    output with ``where`` (the branches' outputs must then agree in shape and type).

    A model file is untrusted data.  ``limits`` (a :class:`webnn.Limits`; None for the
    defaults) bounds what the import may make beyond the file's own bytes, in proportion to the
    model's size (the file or bytes plus its external data): the constants it folds, sparse
    tensors made dense.  A fold that would pass the budget is left in the graph as an op when
    WebNN has one, and is otherwise a ``NotSupportedError`` saying what it needs and how to raise
    the limits.  Tensors stored as external data are read from the model's folder only: their
    locations must be relative paths without ``..`` that resolve (symbolic links included) inside
    it, each range within its file and of the tensor's size, else
    :class:`webnn.io.GraphFormatError`.  Bytes and an ``onnx.ModelProto`` have no folder: give
    ``external_data_dir`` (the folder holding the data files) to read their external data.  The
    model's default-domain opset must be one that ONNX defines (7 to the newest the installed
    ``onnx`` package knows).

    With the persistent cache on (see ``webnn cache``), a model given as a path or bytes is
    cached whole: a later ``load_onnx`` of the same bytes with the same options, in any process,
    loads the compiled model without parsing, folding or lowering (``graph.from_cache``).
    Models with external data are not cached.
    """
    from ...context import ML, MLContext
    from .cached import load_onnx_cached

    if context is None:
        context = ML().create_context()
    elif not isinstance(context, MLContext):
        raise TypeError(f"load_onnx needs an MLContext, got {type(context).__name__}")
    graph = load_onnx_cached(model, context, input_shapes, limits, external_data_dir, input_values)
    if graph is not None:
        return graph
    from .core import load_onnx as _load_onnx  # (a cache hit needs none of the importer)

    return _load_onnx(model, context, input_shapes, input_values=input_values, limits=limits,
                      external_data_dir=external_data_dir)


def import_onnx(
    model: str | os.PathLike[str] | bytes | Any,
    builder: MLGraphBuilder,
    input_shapes: Mapping[str, Sequence[int]] | None = None,
    *,
    input_values: Mapping[str, Any] | None = None,
    limits: Limits | None = None,
    external_data_dir: str | os.PathLike[str] | None = None,
) -> dict[str, MLOperand]:
    """Add an ONNX model to ``builder``; returns its outputs by ONNX output name.

    The model's inputs become ``builder.input`` operands of the same names (a name the
    builder already has is an error).  Same rules as :func:`load_onnx`, ``input_values``,
    ``limits`` and ``external_data_dir`` included; on any error nothing is added to ``builder``.
    """
    from .core import import_onnx as _import_onnx

    return _import_onnx(model, builder, input_shapes, input_values=input_values, limits=limits,
                        external_data_dir=external_data_dir)


def supported_op_types() -> list[str]:
    """The ONNX op types (default domain) the importer maps or folds, sorted."""
    from .core import supported_op_types as _supported

    return _supported()


__all__ = ["import_onnx", "load_onnx", "supported_op_types"]
