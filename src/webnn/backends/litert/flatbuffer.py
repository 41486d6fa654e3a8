"""A TFLite model written as the flatbuffer the interpreter reads, with the schema's generated
object API that the ``ai-edge-litert`` wheel ships (``schema_py_generated``).

:class:`ModelWriter` collects tensors (with their constant bytes), operators and operator codes
of one subgraph; :meth:`ModelWriter.finish` packs them into the model's bytes.

Constants go after the flatbuffer, each buffer naming its offset and size in the file (the
schema's form for models over 2 GB, which LiteRT reads whatever the size): the flatbuffer
holds only the graph, so packing it never copies the weights, and the model's bytes are the
flatbuffer and the constants joined once.  ``finish(inline=True)`` writes the constants
inside the flatbuffer instead when they fit (:data:`MAX_MODEL_BYTES`): the form every TFLite
runtime reads, for files written for use elsewhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import flatbuffers
import numpy as np
from ai_edge_litert import schema_py_generated as schema

#: The largest model a flatbuffer holds with its constants inside (its offsets are 32-bit).
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
        #: the constants' bytes; buffer i + 1 holds constants[i] (buffer 0: the empty one, by
        #: convention)
        self.constants: list[np.ndarray] = []
        self.operators: list[Any] = []
        self._codes: dict[int, int] = {}
        self._code_tables: list[Any] = []

    def tensor(self, shape: Sequence[int], tensor_type: int, data: np.ndarray | None = None,
               name: str | None = None) -> int:
        """A new tensor (its index); ``data`` makes it a constant holding those bytes."""
        table = schema.TensorT()
        table.shape = np.asarray(list(shape), dtype=np.int32)
        table.type = tensor_type
        table.name = name if name is not None else f"t{len(self.tensors)}"
        table.buffer = 0
        if data is not None:
            self.constants.append(np.ascontiguousarray(data).reshape(-1).view(np.uint8))
            table.buffer = len(self.constants)
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

    def finish(self, inputs: Sequence[int], outputs: Sequence[int], *, inline: bool = False) -> bytes:
        """The model's bytes: one subgraph reading ``inputs`` and writing ``outputs``, its
        constants after the flatbuffer (or inside it, ``inline``, when they fit)."""
        constant_bytes = sum(raw.nbytes for raw in self.constants)
        if inline and constant_bytes <= MAX_MODEL_BYTES:
            buffers = [schema.BufferT()]
            for raw in self.constants:
                buffers.append(_AlignedBuffer())
                buffers[-1].data = raw
            return self._pack(inputs, outputs, buffers, 1024 + constant_bytes)
        # The flatbuffer's size does not depend on the offsets (all non-zero: none is left out as
        # a default), so one estimate of where the constants start is enough, unless too small.
        start = _align(4096 + 512 * (len(self.tensors) + len(self.operators)), _DATA_ALIGNMENT)
        while True:
            buffers, ends = [schema.BufferT()], start
            for raw in self.constants:
                ends = _align(ends, _DATA_ALIGNMENT)
                buffers.append(schema.BufferT(offset=ends, size=raw.nbytes))
                ends += raw.nbytes
            head = self._pack(inputs, outputs, buffers, start)
            if len(head) <= start:
                break
            start = _align(len(head), _DATA_ALIGNMENT)
        parts, at = [head], len(head)
        for buffer, raw in zip(buffers[1:], self.constants):
            parts.append(bytes(buffer.offset - at))
            parts.append(raw.data)
            at = buffer.offset + raw.nbytes
        return b"".join(parts)

    def _pack(self, inputs: Sequence[int], outputs: Sequence[int], buffers: list[Any], size: int) -> bytes:
        subgraph = schema.SubGraphT()
        subgraph.tensors = self.tensors
        subgraph.inputs = np.asarray(list(inputs), dtype=np.int32)
        subgraph.outputs = np.asarray(list(outputs), dtype=np.int32)
        subgraph.operators = self.operators
        subgraph.name = "main"
        model = schema.ModelT()
        model.version = 3
        model.subgraphs = [subgraph]
        model.buffers = buffers
        model.operatorCodes = self._code_tables
        model.description = "webnn"
        builder = flatbuffers.Builder(size)
        builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
        return bytes(builder.Output())


def _align(offset: int, alignment: int) -> int:
    return -(-offset // alignment) * alignment
