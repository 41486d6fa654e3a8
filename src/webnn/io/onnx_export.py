"""Export to a standard ONNX file, which stock ONNX Runtime runs with this package's results.

The model is the onnxruntime backend's own lowering (opset 21) of the graph after that
backend's pass pipeline, with every constant written into the file instead of being handed
to a session.  Node names carry the operation labels;
the graph's input and output names are the MLGraph's.  Weights stay inline while the model
is under protobuf's 2 GB limit; above it they go to ONE external data file named after the
model (``model.onnx.data`` beside ``model.onnx``), with ONNX's external-data fields.  Both
files are written atomically (:mod:`webnn.io.atomic`), the data file put in place first.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import NotSupportedError
from .atomic import AtomicFiles

if TYPE_CHECKING:
    from ..backends.onnxruntime.emitter import Emitter
    from ..graph import MLGraph
    from ..ir import Graph

#: Models of this many bytes or more keep their weights in an external data file
#: (protobuf cannot serialize a message of 2 GiB or more).
INLINE_LIMIT_BYTES = 2**31 - 1
#: In the external data file, tensors of at least this many bytes, each at a multiple of
#: EXTERNAL_ALIGNMENT (so that ONNX Runtime can map them).
EXTERNAL_MIN_BYTES = 1024
EXTERNAL_ALIGNMENT = 4096


def _lower(graph: Graph, share_constants: bool) -> tuple[Emitter, dict[str, str], bytes]:
    """The emitter, output value names and model bytes of ``graph`` after the onnxruntime
    backend's pass pipeline (its lowerings take the canonical layout only)."""
    try:
        from ..backends.onnxruntime.emitter import Emitter, LoweringError
        from ..backends.onnxruntime.lowering import lower
    except ImportError as exc:
        raise NotSupportedError(
            f"to_onnx needs the onnxruntime and onnx packages (pip install 'webnn[onnxruntime]'): {exc}"
        ) from None
    from .. import passes
    from ..backends.onnxruntime.pipeline import DECOMPOSE, LAYOUT, PIPELINE

    context = passes.PassContext(decompose=DECOMPOSE, layout=LAYOUT, verify=passes.verifying())
    graph = passes.run_pipeline(graph, PIPELINE, context)
    emitter = Emitter(graph, share_constants=share_constants)
    try:
        outputs = lower(emitter)
    except LoweringError as exc:
        raise NotSupportedError(f"to_onnx: cannot express {exc}") from None
    return emitter, outputs, emitter.model_bytes()


def _rename_outputs(model: Any, outputs: dict[str, str]) -> None:
    """Give the graph outputs the MLGraph's names (other values that had those names are renamed)."""
    graph = model.graph
    wanted = {value: name for name, value in outputs.items()}
    targets = set(wanted.values())
    used: set[str] = {i.name for i in graph.input} | {t.name for t in graph.initializer}
    for node in graph.node:
        used.update(node.output)
    rename = {v: n for v, n in wanted.items() if v != n}
    if not rename:
        return
    taken = used | targets
    for value in used:
        if value in targets and value not in wanted:  # an inner value already named like an output
            n = 0
            while True:
                n += 1
                candidate = f"{value}_{n}"
                if candidate not in taken:
                    break
            taken.add(candidate)
            rename[value] = candidate
    for node in graph.node:
        for i, name in enumerate(node.input):
            if name in rename:
                node.input[i] = rename[name]
        for i, name in enumerate(node.output):
            if name in rename:
                node.output[i] = rename[name]
    for tensor in graph.initializer:
        if tensor.name in rename:
            tensor.name = rename[tensor.name]
    for info in graph.output:
        if info.name in rename:
            info.name = rename[info.name]


def _externalize(model: Any, shared: dict[str, np.ndarray], data_path: str, files: AtomicFiles) -> None:
    """Move the large tensors into ``data_path`` (one file, written with ``files``) and point the
    model at it."""
    from onnx import TensorProto

    location = os.path.basename(data_path)
    moved: list[tuple[Any, Any]] = []
    for tensor in model.graph.initializer:
        if tensor.data_location == TensorProto.EXTERNAL:
            moved.append((tensor, np.ascontiguousarray(shared[tensor.name]).reshape(-1).data.cast("B")))
        elif len(tensor.raw_data) >= EXTERNAL_MIN_BYTES:
            moved.append((tensor, tensor.raw_data))
    if not moved:
        return
    offset = 0
    with files.create(data_path) as f:
        for tensor, data in moved:
            padding = -offset % EXTERNAL_ALIGNMENT
            if padding:
                f.write(b"\0" * padding)
                offset += padding
            f.write(data)
            length = len(data) if isinstance(data, bytes) else data.nbytes
            tensor.ClearField("raw_data")
            del tensor.external_data[:]
            for key, value in (("location", location), ("offset", str(offset)), ("length", str(length))):
                entry = tensor.external_data.add()
                entry.key, entry.value = key, value
            tensor.data_location = TensorProto.EXTERNAL
            offset += length


def export_onnx(graph: MLGraph, path: str | os.PathLike[str] | None = None) -> bytes:
    """The ONNX model of ``graph`` (bytes), also written to ``path`` when given.

    When the weights make the model too large for one protobuf message (INLINE_LIMIT_BYTES),
    they go to ``<path>.data`` and ``path`` is required.
    """
    try:
        import onnx
    except ImportError:
        raise NotSupportedError("to_onnx needs the onnx package (pip install onnx)") from None

    ir = graph.ir
    clash = sorted(set(ir.inputs) & set(ir.outputs))
    if clash:
        raise ValueError(
            f"to_onnx: {', '.join(map(repr, clash))} names both an input and an output; "
            "ONNX needs distinct value names"
        )
    path = None if path is None else os.fspath(path)
    with AtomicFiles() as files:
        return _export(onnx, graph, path, files)


def _export(onnx: Any, graph: MLGraph, path: str | None, files: AtomicFiles) -> bytes:
    """The model's bytes; with a path, its files are written to temporaries of ``files``."""
    from .. import __version__

    ir = graph.ir
    external = sum(a.nbytes for a in ir.constants.values()) >= INLINE_LIMIT_BYTES
    if not external:
        _, outputs, data = _lower(ir, share_constants=False)
        if len(data) >= INLINE_LIMIT_BYTES:
            external = True
            del data
        else:
            model = onnx.load_from_string(data)
    if external:
        if path is None:
            raise ValueError(
                "to_onnx: the weights are too large for a single ONNX file; give a path, and they "
                "are written to <path>.data"
            )
        emitter, outputs, data = _lower(ir, share_constants=True)
        model = onnx.load_from_string(data)
        _externalize(model, emitter.shared, path + ".data", files)
    _rename_outputs(model, outputs)
    model.producer_name = "webnn"
    model.producer_version = __version__
    if path is not None:
        model.graph.name = os.path.splitext(os.path.basename(path))[0] or "webnn"
    data = model.SerializeToString()
    if path is not None:
        with files.create(path) as f:
            f.write(data)
    return data
