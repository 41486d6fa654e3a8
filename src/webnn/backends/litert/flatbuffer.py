"""A TFLite model written as the flatbuffer the interpreter reads, with the schema's generated
object API that the ``ai-edge-litert`` wheel ships (``schema_py_generated``).

:class:`ModelWriter` collects tensors (with their constant bytes), operators and operator codes
of one subgraph; :meth:`ModelWriter.finish` packs them into the model's bytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import flatbuffers
import numpy as np
from ai_edge_litert import schema_py_generated as schema

#: The largest model a flatbuffer holds (its offsets are 32-bit; constants beyond would need
#: TFLite's external buffers).
MAX_MODEL_BYTES = 2**31 - 2**20
#: Builtin codes from this one on are stored in ``builtin_code`` only (schema.fbs).
_PLACEHOLDER_FOR_GREATER_OP_CODES = 127


#: The alignment of constant data in the model (schema.fbs asks for 16: kernels read it in place).
_DATA_ALIGNMENT = 16


class _AlignedBuffer(schema.BufferT):  # type: ignore[misc]
    """A constant's bytes, packed at the alignment the schema asks for (the generated code
    ignores it)."""

    def Pack(self, builder: flatbuffers.Builder) -> int:  # noqa: N802 (the schema's name)
        data = None
        if self.data is not None:
            raw = memoryview(self.data)
            builder.StartVector(1, raw.nbytes, _DATA_ALIGNMENT)
            builder.head -= raw.nbytes
            builder.Bytes[builder.head:builder.head + raw.nbytes] = raw
            data = builder.EndVector()
        schema.BufferStart(builder)
        if data is not None:
            schema.BufferAddData(builder, data)
        return int(schema.BufferEnd(builder))


class ModelTooLargeError(Exception):
    """The model's constants do not fit in one flatbuffer."""


def builtin(name: str) -> int:
    """The code of builtin operator ``name`` ("ADD", "CONV_2D" ...)."""
    return int(getattr(schema.BuiltinOperator, name))


def options(name: str, **fields: Any) -> Any:
    """The builtin options table ``name`` ("AddOptions" ...) with ``fields`` set (the schema's
    camelCase field names)."""
    table = getattr(schema, name + "T")()
    for field, value in fields.items():
        if not hasattr(table, field):
            raise AttributeError(f"{name} has no field {field}")
        setattr(table, field, value)
    return table


class ModelWriter:
    """One subgraph's tensors and operators, packed into a TFLite model by :meth:`finish`."""

    def __init__(self) -> None:
        self.tensors: list[Any] = []
        self.buffers: list[Any] = [schema.BufferT()]  # (buffer 0: the empty one, by convention)
        self.operators: list[Any] = []
        self._codes: dict[int, int] = {}
        self._code_tables: list[Any] = []
        self._constant_bytes = 0

    def tensor(self, shape: Sequence[int], tensor_type: int, data: np.ndarray | None = None,
               name: str | None = None) -> int:
        """A new tensor (its index); ``data`` makes it a constant holding those bytes."""
        table = schema.TensorT()
        table.shape = np.asarray(list(shape), dtype=np.int32)
        table.type = tensor_type
        table.name = name if name is not None else f"t{len(self.tensors)}"
        table.buffer = 0
        if data is not None:
            raw = np.ascontiguousarray(data).reshape(-1).view(np.uint8)
            self._constant_bytes += raw.nbytes
            if self._constant_bytes > MAX_MODEL_BYTES:
                raise ModelTooLargeError(
                    f"the graph's constants exceed {MAX_MODEL_BYTES} bytes, more than one TFLite flatbuffer holds")
            buffer = _AlignedBuffer()
            buffer.data = raw
            self.buffers.append(buffer)
            table.buffer = len(self.buffers) - 1
        self.tensors.append(table)
        return len(self.tensors) - 1

    def shape(self, tensor: int) -> tuple[int, ...]:
        return tuple(int(d) for d in self.tensors[tensor].shape)

    def type(self, tensor: int) -> int:
        return int(self.tensors[tensor].type)

    def operator(self, name: str, inputs: Sequence[int], outputs: Sequence[int], options: Any = None) -> None:
        """Operator ``name`` reading ``inputs`` (-1: an optional input left out) and writing
        ``outputs``, with its builtin options table (from :func:`options`)."""
        code = builtin(name)
        index = self._codes.get(code)
        if index is None:
            table = schema.OperatorCodeT()
            table.builtinCode = code
            table.deprecatedBuiltinCode = min(code, _PLACEHOLDER_FOR_GREATER_OP_CODES)
            table.version = 1
            index = self._codes[code] = len(self._code_tables)
            self._code_tables.append(table)
        op = schema.OperatorT()
        op.opcodeIndex = index
        op.inputs = np.asarray(list(inputs), dtype=np.int32)
        op.outputs = np.asarray(list(outputs), dtype=np.int32)
        if options is not None:
            op.builtinOptionsType = getattr(schema.BuiltinOptions, type(options).__name__[:-1])
            op.builtinOptions = options
        self.operators.append(op)

    def finish(self, inputs: Sequence[int], outputs: Sequence[int]) -> bytes:
        """The model's bytes: one subgraph reading ``inputs`` and writing ``outputs``."""
        subgraph = schema.SubGraphT()
        subgraph.tensors = self.tensors
        subgraph.inputs = np.asarray(list(inputs), dtype=np.int32)
        subgraph.outputs = np.asarray(list(outputs), dtype=np.int32)
        subgraph.operators = self.operators
        subgraph.name = "main"
        model = schema.ModelT()
        model.version = 3
        model.subgraphs = [subgraph]
        model.buffers = self.buffers
        model.operatorCodes = self._code_tables
        model.description = "webnn"
        builder = flatbuffers.Builder(1024 + self._constant_bytes)
        builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
        return bytes(builder.Output())
