"""A TFLite model written as the flatbuffer the interpreter reads.

:class:`ModelWriter` collects tensors (with their constant bytes), operators and operator codes
of one subgraph; :meth:`ModelWriter.finish` encodes them into the model's bytes.

The encoder is this module's own (:class:`_Encoder`), for the few tables a model needs (Model,
SubGraph, Tensor, Operator, OperatorCode, Buffer and the builtin options in :mod:`.schema`): it
writes each table before what it points to, in one pass, and costs a fraction of the schema's
generated object API (and of importing it).

Constants go after the flatbuffer, each buffer naming its offset and size in the file (the
schema's form for models over 2 GB, which LiteRT reads whatever the size): the flatbuffer
holds only the graph, and the model's bytes are the flatbuffer and the constants joined once.
``finish(inline=True)`` writes the constants inside the flatbuffer instead when they fit
(:data:`MAX_MODEL_BYTES`): the form every TFLite runtime reads, for files written for use
elsewhere.

The flatbuffer format, as used here: little-endian; a table starts with the signed distance
back to its vtable (u16 vtable size, u16 table size, then one u16 per field slot: the field's
offset in the table, 0 when absent); references (to tables, vectors, strings) are unsigned
32-bit distances forward from where they are stored; a vector or string is a u32 length and its
elements (a string also a NUL); the file starts with the root table's offset and the file
identifier "TFL3".
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from typing import Any

import numpy as np

from .schema import BUILTIN_OPERATORS, OPTIONS

#: The largest model a flatbuffer holds with its constants inside (its offsets are 32-bit).
MAX_MODEL_BYTES = 2**31 - 2**20
#: Builtin codes from this one on are stored in ``builtin_code`` only (schema.fbs).
_PLACEHOLDER_FOR_GREATER_OP_CODES = 127
#: The alignment of constant data in the model (schema.fbs asks for 16: kernels read it in place).
_DATA_ALIGNMENT = 16
#: The schema version the model says it follows.
_SCHEMA_VERSION = 3


def builtin(name: str) -> int:
    """The code of builtin operator ``name`` ("ADD", "CONV_2D" ...)."""
    return BUILTIN_OPERATORS[name]


class Options:
    """A builtin options table: its code in the BuiltinOptions union and its fields' values by
    slot (None: left out, the schema's default)."""

    __slots__ = ("code", "fields", "name")

    def __init__(self, name: str, code: int, fields: list[tuple[str, Any] | None]) -> None:
        self.name = name
        self.code = code
        self.fields = fields


def options(name: str, **fields: Any) -> Options:
    """The builtin options table ``name`` ("AddOptions" ...) with ``fields`` set (the schema's
    camelCase field names)."""
    code, slots = OPTIONS[name]
    values: list[tuple[str, Any] | None] = [None] * len(slots)
    index = {field: (slot, kind) for slot, (field, kind) in enumerate(slots)}
    for field, value in fields.items():
        found = index.get(field)
        if found is None:
            raise AttributeError(f"{name} has no field {field}")
        values[found[0]] = (found[1], value)
    return Options(name, code, values)


class ModelWriter:
    """One subgraph's tensors and operators, encoded into a TFLite model by :meth:`finish`."""

    def __init__(self) -> None:
        #: per tensor: [shape, type, buffer, name]
        self.tensors: list[tuple[tuple[int, ...], int, int, str]] = []
        #: the constants' bytes; buffer i + 1 holds constants[i] (buffer 0: the empty one, by
        #: convention)
        self.constants: list[np.ndarray] = []
        #: per operator: (operator code index, inputs, outputs, options)
        self.operators: list[tuple[int, tuple[int, ...], tuple[int, ...], Options | None]] = []
        self._codes: dict[int, int] = {}

    def tensor(self, shape: Sequence[int], tensor_type: int, data: np.ndarray | None = None,
               name: str | None = None) -> int:
        """A new tensor (its index); ``data`` makes it a constant holding those bytes."""
        buffer = 0
        if data is not None:
            self.constants.append(np.ascontiguousarray(data).reshape(-1).view(np.uint8))
            buffer = len(self.constants)
        index = len(self.tensors)
        self.tensors.append((tuple(int(d) for d in shape), int(tensor_type), buffer,
                             name if name is not None else f"t{index}"))
        return index

    def shape(self, tensor: int) -> tuple[int, ...]:
        return self.tensors[tensor][0]

    def type(self, tensor: int) -> int:
        return self.tensors[tensor][1]

    def operator(self, name: str, inputs: Sequence[int], outputs: Sequence[int], options: Options | None = None) -> None:
        """Operator ``name`` reading ``inputs`` (-1: an optional input left out) and writing
        ``outputs``, with its builtin options table (from :func:`options`)."""
        code = builtin(name)
        index = self._codes.setdefault(code, len(self._codes))
        self.operators.append((index, tuple(int(i) for i in inputs), tuple(int(o) for o in outputs), options))

    def finish(self, inputs: Sequence[int], outputs: Sequence[int], *, inline: bool = False) -> bytes:
        """The model's bytes: one subgraph reading ``inputs`` and writing ``outputs``, its
        constants after the flatbuffer (or inside it, ``inline``, when they fit)."""
        return b"".join(self.pieces(inputs, outputs, inline=inline))

    def pieces(self, inputs: Sequence[int], outputs: Sequence[int], *, inline: bool = False) -> list[bytes | memoryview]:
        """The model's bytes in pieces (the flatbuffer, then each constant's padding and bytes),
        to be joined or written to a file without joining them first."""
        constant_bytes = sum(raw.nbytes for raw in self.constants)
        if inline and constant_bytes <= MAX_MODEL_BYTES:
            return [self._encode(inputs, outputs, [_data_buffer(raw) for raw in self.constants])]
        # The flatbuffer's size does not depend on the offsets (all non-zero: none is left out as
        # a default), so one estimate of where the constants start is enough, unless too small.
        start = _align(4096 + 256 * (len(self.tensors) + len(self.operators)), _DATA_ALIGNMENT)
        while True:
            buffers, offsets, end = [], [], start
            for raw in self.constants:
                end = _align(end, _DATA_ALIGNMENT)
                buffers.append(_Table([None, ("Q", end), ("Q", raw.nbytes) if raw.nbytes else None]))
                offsets.append(end)
                end += raw.nbytes
            head = self._encode(inputs, outputs, buffers)
            if len(head) <= start:
                break
            start = _align(len(head), _DATA_ALIGNMENT)
        parts: list[bytes | memoryview] = [head]
        at = len(head)
        for offset, raw in zip(offsets, self.constants):
            parts.append(bytes(offset - at))
            parts.append(raw.data)
            at = offset + raw.nbytes
        return parts

    def _encode(self, inputs: Sequence[int], outputs: Sequence[int], buffers: list[_Table]) -> bytes:
        codes = [_Table([("b", min(code, _PLACEHOLDER_FOR_GREATER_OP_CODES)), None, ("i", 1), ("i", code)])
                 for code in self._codes]
        tensors = [_Table([_ints(shape), ("b", kind), ("I", buffer) if buffer else None, name])
                   for shape, kind, buffer, name in self.tensors]
        operators = [_operator(*op) for op in self.operators]
        subgraph = _Table([_Tables(tensors), _ints(inputs), _ints(outputs), _Tables(operators), "main"])
        model = _Table([("I", _SCHEMA_VERSION), _Tables(codes), _Tables([subgraph]), "webnn",
                        _Tables([_Table([]), *buffers])])
        return _Encoder().root(model, b"TFL3")


def _operator(code: int, inputs: tuple[int, ...], outputs: tuple[int, ...], opts: Options | None) -> _Table:
    fields: list[Any] = [("I", code) if code else None, _ints(inputs), _ints(outputs)]
    if opts is not None:
        fields += [("B", opts.code), _Table(opts.fields)]
    return _Table(fields)


def _data_buffer(raw: np.ndarray) -> _Table:
    return _Table([_Vector(raw, _DATA_ALIGNMENT)])


def _ints(values: Sequence[int]) -> _Vector:
    return _Vector(np.asarray(values, dtype="<i4").reshape(-1), 4)


def _align(offset: int, alignment: int) -> int:
    return -(-offset // alignment) * alignment


# ------------------------------------------------------------------ the encoder


class _Table:
    """A table's fields by slot: None (absent), (struct format, value) for a scalar, or what it
    points to (a _Table, _Tables, _Vector or str)."""

    __slots__ = ("fields",)

    def __init__(self, fields: list[Any]) -> None:
        self.fields = fields


class _Tables:
    """A vector of tables."""

    __slots__ = ("items",)

    def __init__(self, items: list[_Table]) -> None:
        self.items = items


class _Vector:
    """A vector of scalars: the bytes of a little-endian array, its elements aligned to ``alignment``."""

    __slots__ = ("alignment", "array")

    def __init__(self, array: np.ndarray, alignment: int) -> None:
        self.array = array
        self.alignment = alignment


_SIZES = {kind: struct.calcsize("<" + kind) for kind in "bB?hHiIfqQd"}


#: A table's layout by its fields' kinds (see :func:`_layout`), computed once per kind of table.
_LAYOUTS: dict[tuple[str | None, ...], tuple[bytes, int, int, list[tuple[int, int]]]] = {}


def _layout(kinds: tuple[str | None, ...]) -> tuple[bytes, int, int, list[tuple[int, int]]]:
    """The layout of a table whose fields are of ``kinds`` (None: absent, a struct format: a
    scalar, "": a reference): its vtable's bytes, its size, its alignment and (slot, offset in
    the table) per present field.  The fields go largest first, so that each is aligned after
    the table's 4-byte distance to its vtable."""
    while kinds and kinds[-1] is None:
        kinds = kinds[:-1]
    slots = [(slot, _SIZES[kind] if kind else 4) for slot, kind in enumerate(kinds) if kind is not None]
    widest = max((width for _, width in slots), default=4)
    at = 4 if widest <= 4 else 8
    entries = [0] * len(kinds)
    places = []
    for slot, width in sorted(slots, key=lambda item: -item[1]):
        at = _align(at, width)
        entries[slot] = at
        places.append((slot, at))
        at += width
    header = struct.pack(f"<{2 + len(kinds)}H", 4 + 2 * len(kinds), at, *entries)
    return header, at, max(widest, 4), sorted(places)


class _Encoder:
    """Writes objects front to back into one bytearray: a table, then what it points to."""

    def __init__(self) -> None:
        self.out = bytearray()

    def root(self, table: _Table, identifier: bytes) -> bytes:
        self.out += bytes(8)
        self.out[4:8] = identifier
        struct.pack_into("<I", self.out, 0, self.write(table))
        return bytes(self.out)

    def _pad_to(self, position: int) -> None:
        self.out += bytes(position - len(self.out))

    def write(self, value: Any) -> int:
        """Write ``value`` (and what it points to); its position."""
        if type(value) is _Table:
            return self._table(value)
        if type(value) is _Vector:
            return self._vector(value)
        if type(value) is _Tables:
            return self._tables(value)
        return self._string(value)

    def _table(self, table: _Table) -> int:
        fields = table.fields
        kinds = tuple(None if f is None else f[0] if type(f) is tuple else "" for f in fields)
        layout = _LAYOUTS.get(kinds)
        if layout is None:
            layout = _LAYOUTS[kinds] = _layout(kinds)
        header, size, alignment, places = layout
        out = self.out
        vtable = len(header)
        start = _align(len(out) + vtable, alignment)
        out += bytes(start - vtable - len(out))
        out += header
        out += bytes(size)
        struct.pack_into("<i", out, start, vtable)
        later = []
        for slot, place in places:
            field = fields[slot]
            if type(field) is tuple:
                struct.pack_into("<" + field[0], out, start + place, field[1])
            else:
                later.append((start + place, field))
        for where, child in later:
            struct.pack_into("<I", out, where, self.write(child) - where)
        return start

    def _vector(self, vector: _Vector) -> int:
        raw = vector.array
        alignment = max(vector.alignment, 4)
        start = _align(len(self.out) + 4, alignment) - 4
        self._pad_to(start)
        self.out += struct.pack("<I", len(raw))
        self.out += raw.data.cast("B") if raw.ndim else raw.tobytes()
        return start

    def _tables(self, tables: _Tables) -> int:
        start = _align(len(self.out), 4)
        self._pad_to(start)
        count = len(tables.items)
        self.out += struct.pack("<I", count)
        self.out += bytes(4 * count)
        for i, item in enumerate(tables.items):
            where = start + 4 + 4 * i
            struct.pack_into("<I", self.out, where, self.write(item) - where)
        return start

    def _string(self, text: str) -> int:
        data = text.encode()
        start = _align(len(self.out), 4)
        self._pad_to(start)
        self.out += struct.pack("<I", len(data))
        self.out += data
        self.out += b"\0"
        return start
