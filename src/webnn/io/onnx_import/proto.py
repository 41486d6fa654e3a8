"""A small, strict reader of ONNX files: the protobuf wire format, decoded in pure Python for
the messages the importer reads, so that importing a model never imports the ``onnx`` package
(whose import, with ``ml_dtypes`` and ``protobuf``, takes longer than reading most models).

``load_model(data)`` decodes a serialized ``ModelProto`` into objects that look like the
``onnx`` package's: the same snake_case field names as ``onnx.proto``, repeated fields as
lists, absent scalars as their defaults (``0``, ``0.0``, ``""``, ``b""``), absent messages as
empty messages, and ``HasField(name)`` / ``WhichOneof(group)`` / ``ListFields()``.  Two
differences: the numeric data fields of a TensorProto (``float_data``, ``int32_data``,
``int64_data``, ``double_data``, ``uint64_data``) are 1-D NumPy arrays.  The messages the
importer reads: ModelProto, OperatorSetIdProto, StringStringEntryProto, GraphProto, NodeProto,
AttributeProto, TensorProto (and its Segment), SparseTensorProto, ValueInfoProto, TypeProto
(Tensor, Sequence, Map, Optional, SparseTensor, Opaque) and TensorShapeProto (Dimension); the
rest of ``onnx.proto`` (FunctionProto, TrainingInfoProto, TensorAnnotation and the device
configurations) is decoded too, only so that a file is refused exactly where protobuf refuses
it (it checks the messages it knows, and skips only the fields it does not).

Decoding follows protobuf's own parsers (what ``onnx.load`` and ONNX Runtime read):

- a string that is not valid UTF-8 is kept as ``bytes`` (as the ``protobuf`` package gives it);
- scalars appearing twice keep the last value, messages appearing twice are merged, repeated
  numbers are read packed or not, a oneof member clears the others;
- a closed-enum field (``AttributeProto.type``, ``TensorProto.data_location``) with a value
  the enum does not define is ignored, as protobuf keeps it among the unknown fields;
- a known field with another wire type than its own is skipped as an unknown field;
- ``int32`` fields keep the low 32 bits of their varint, ``int64`` fields are two's complement.

Malformed input raises :class:`DecodeError` (a :class:`~webnn.io.GraphFormatError`) saying
what and at which byte: a varint that is truncated or longer than 10 bytes, a length past the
end of its message, a packed array that is not a whole number of elements, field number 0, wire
types 6 and 7, unbalanced groups, messages nested more than 100 deep (protobuf's limit, so the
same files load).  Bytes fields (``raw_data``) are copied out of the input once; nothing is
allocated beyond what the input holds.

``get_attribute_value`` and ``tensor_to_array`` give what ``onnx.helper.get_attribute_value``
and ``onnx.numpy_helper.to_array`` give, for these objects and the ``onnx`` package's alike.
"""

from __future__ import annotations

import math
import struct
import sys
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import numpy as np

from ..errors import GraphFormatError
from . import types as T

#: How deep messages may nest below the model (protobuf's default recursion limit: the same
#: files load as with ``onnx.load``).
MAX_DEPTH = 100

#: The newest opset of the default ONNX domain that the importer accepts without asking the
#: ``onnx`` package: 24, what ``onnx.defs.onnx_opset_version()`` reports in onnx 1.19 (the
#: oldest onnx the project supports: every installable onnx knows at least this many).  A model
#: importing a newer opset, or one no release defines (0 or negative), makes the importer ask
#: the installed onnx (imported then, and only then) for the newest it knows, so the accepted
#: range stays exactly that of the installed onnx: 1.19.0 refuses 25, a newer onnx accepts
#: its own newest.
ONNX_OPSET = 24

#: What is decoded: the input's bytes, read in place (fields are sliced out as ``bytes``).
Buffer = bytes | memoryview

_MASK64 = (1 << 64) - 1
_FLOAT = struct.Struct("<f")
_DOUBLE = struct.Struct("<d")


class DecodeError(GraphFormatError):
    """The bytes are not a well-formed serialized ONNX message."""

    def __init__(self, reason: str, offset: int) -> None:
        self.offset = offset
        super().__init__(f"{reason} (at byte {offset})")


# --------------------------------------------------------------------------- field kinds

# Singular fields.
STRING, BYTES, INT32, INT64, UINT64, ENUM, FLOAT, MESSAGE = range(8)
# Repeated fields held as lists.
R_STRING, R_BYTES, R_INT64, R_FLOAT, R_MESSAGE = range(8, 13)
# Repeated numbers held as 1-D NumPy arrays (the data fields of TensorProto).
A_FLOAT, A_INT32, A_INT64, A_DOUBLE, A_UINT64 = range(13, 18)

_WIRE = {STRING: 2, BYTES: 2, INT32: 0, INT64: 0, UINT64: 0, ENUM: 0, FLOAT: 5, MESSAGE: 2,
         R_STRING: 2, R_BYTES: 2, R_INT64: 0, R_FLOAT: 5, R_MESSAGE: 2,
         A_FLOAT: 5, A_INT32: 0, A_INT64: 0, A_DOUBLE: 1, A_UINT64: 0}
_ARRAY_DTYPES: dict[int, np.dtype] = {
    A_FLOAT: np.dtype(np.float32), A_INT32: np.dtype(np.int32), A_INT64: np.dtype(np.int64),
    A_DOUBLE: np.dtype(np.float64), A_UINT64: np.dtype(np.uint64),
}
#: The (read-only, shared) value of an empty array field.
_EMPTY = {dtype: np.empty(0, dtype) for dtype in _ARRAY_DTYPES.values()}
for _array in _EMPTY.values():
    _array.flags.writeable = False
_DEFAULTS = {STRING: "", BYTES: b"", INT32: 0, INT64: 0, UINT64: 0, ENUM: 0, FLOAT: 0.0}
_PACKABLE = frozenset({R_INT64, R_FLOAT, A_FLOAT, A_INT32, A_INT64, A_DOUBLE, A_UINT64})


class Message:
    """A decoded message: fields as attributes (see the module's docstring)."""

    #: field number -> (name, kind, wire type, message class / enum values / dtype, other oneof members)
    _FIELDS: ClassVar[dict[int, tuple[str, int, int, Any, tuple[str, ...]]]] = {}
    _LISTS: ClassVar[tuple[str, ...]] = ()
    _ARRAYS: ClassVar[dict[str, np.dtype]] = {}
    _SUBMESSAGES: ClassVar[dict[str, type[Message]]] = {}
    _SINGULAR: ClassVar[frozenset[str]] = frozenset()
    _ONEOFS: ClassVar[dict[str, tuple[str, ...]]] = {}
    _ORDER: ClassVar[tuple[tuple[str, int], ...]] = ()

    def __init__(self) -> None:
        d = self.__dict__
        if self._ARRAYS:
            d.update({name: _EMPTY[dtype] for name, dtype in self._ARRAYS.items()})
        for name in self._LISTS:
            d[name] = []

    def __getattr__(self, name: str) -> Any:
        """An absent message field reads as an empty message (it stays absent)."""
        cls = type(self)._SUBMESSAGES.get(name)
        if cls is None:
            raise AttributeError(f"{type(self).__name__} has no field {name!r}")
        return cls()

    @classmethod
    def FromString(cls, data: bytes | bytearray | memoryview) -> Any:  # noqa: N802 - protobuf's name
        message = cls()
        decode_into(message, data)
        return message

    def HasField(self, name: str) -> bool:  # noqa: N802 - protobuf's name
        """Whether the singular field (or one member of the oneof group) ``name`` is present."""
        cls = type(self)
        if name in cls._SINGULAR:
            return name in self.__dict__
        members = cls._ONEOFS.get(name)
        if members is not None:
            return any(m in self.__dict__ for m in members)
        raise ValueError(f"{cls.__name__} has no singular field {name!r}")

    def WhichOneof(self, group: str) -> str | None:  # noqa: N802 - protobuf's name
        members = type(self)._ONEOFS.get(group)
        if members is None:
            raise ValueError(f"{type(self).__name__} has no oneof {group!r}")
        return next((m for m in members if m in self.__dict__), None)

    def ListFields(self) -> list[tuple[str, Any]]:  # noqa: N802 - protobuf's name
        """(name, value) of the present singular fields and the non-empty repeated ones, by field number."""
        d = self.__dict__
        result = []
        for name, kind in type(self)._ORDER:
            if name in d and (kind < R_STRING or len(d[name])):
                result.append((name, d[name]))
        return result

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self})"

    def __str__(self) -> str:
        """Close to protobuf's text format (repeated numbers of tensors abbreviated)."""
        parts = []
        for name, value in self.ListFields():
            values = value if isinstance(value, list | np.ndarray) else [value]
            if isinstance(value, np.ndarray) and value.size > 8:
                values = [*value[:8].tolist(), "..."]
            for v in values:
                if isinstance(v, Message):
                    parts.append(f"{name} {{ {v} }}")
                else:
                    parts.append(f"{name}: {_text(v)}")
        return " ".join(parts)


def _text(value: Any) -> str:
    if isinstance(value, str):
        return '"' + value.encode("unicode_escape").decode("ascii").replace('"', '\\"') + '"'
    if isinstance(value, bytes):
        return f'"{value[:32].hex()}..." ({len(value)} bytes)' if len(value) > 64 else repr(value)[1:]
    if isinstance(value, np.generic):
        return str(value.item())
    return str(value)


def _schema(cls: type[Message], fields: dict[int, tuple[Any, ...]], oneofs: dict[str, tuple[str, ...]] | None = None) -> None:
    """Declare ``cls``'s fields: {number: (name, kind[, message class or enum values])}."""
    oneofs = oneofs or {}
    group_of = {member: group for group, members in oneofs.items() for member in members}
    table: dict[int, tuple[str, int, int, Any, tuple[str, ...]]] = {}
    for number, (name, kind, *rest) in fields.items():
        arg = rest[0] if rest else _ARRAY_DTYPES.get(kind)
        group = group_of.get(name)
        others = tuple(m for m in oneofs[group] if m != name) if group else ()
        table[number] = (name, kind, _WIRE[kind], arg, others)
        if kind in _DEFAULTS:
            setattr(cls, name, _DEFAULTS[kind])
    cls._FIELDS = table
    cls._LISTS = tuple(name for name, kind, *_ in table.values() if kind in (R_STRING, R_BYTES, R_INT64, R_FLOAT,
                                                                                R_MESSAGE))
    cls._ARRAYS = {name: arg for name, kind, _, arg, _ in table.values() if kind in _ARRAY_DTYPES}
    cls._SUBMESSAGES = {name: arg for name, kind, _, arg, _ in table.values() if kind == MESSAGE}
    cls._SINGULAR = frozenset(name for name, kind, *_ in table.values() if kind < R_STRING)
    cls._ONEOFS = dict(oneofs)
    cls._ORDER = tuple((table[n][0], table[n][1]) for n in sorted(table))


class ModelProto(Message):
    pass


class OperatorSetIdProto(Message):
    pass


class StringStringEntryProto(Message):
    pass


class GraphProto(Message):
    pass


class NodeProto(Message):
    pass


class AttributeProto(Message):
    UNDEFINED, FLOAT, INT, STRING, TENSOR, GRAPH, FLOATS, INTS, STRINGS, TENSORS, GRAPHS = range(11)
    SPARSE_TENSOR, SPARSE_TENSORS, TYPE_PROTO, TYPE_PROTOS = 11, 12, 13, 14


class TensorProto(Message):
    DEFAULT, EXTERNAL = 0, 1

    class Segment(Message):
        pass


class SparseTensorProto(Message):
    pass


class ValueInfoProto(Message):
    pass


class TypeProto(Message):
    class Tensor(Message):
        pass

    class Sequence(Message):
        pass

    class Map(Message):
        pass

    class Optional(Message):
        pass

    class SparseTensor(Message):
        pass

    class Opaque(Message):
        pass


class TensorShapeProto(Message):
    class Dimension(Message):
        pass


# The messages below are decoded only so that they are checked as protobuf checks them (the
# importer never reads them): a file that onnx.load refuses is refused here too.


class FunctionProto(Message):
    pass


class TrainingInfoProto(Message):
    pass


class TensorAnnotation(Message):
    pass


class DeviceConfigurationProto(Message):
    pass


class NodeDeviceConfigurationProto(Message):
    pass


class ShardingSpecProto(Message):
    pass


class IntIntListEntryProto(Message):
    pass


class ShardedDimProto(Message):
    pass


class SimpleShardedDimProto(Message):
    pass


_schema(ModelProto, {
    1: ("ir_version", INT64), 8: ("opset_import", R_MESSAGE, OperatorSetIdProto), 2: ("producer_name", STRING),
    3: ("producer_version", STRING), 4: ("domain", STRING), 5: ("model_version", INT64), 6: ("doc_string", STRING),
    7: ("graph", MESSAGE, GraphProto), 14: ("metadata_props", R_MESSAGE, StringStringEntryProto),
    20: ("training_info", R_MESSAGE, TrainingInfoProto), 25: ("functions", R_MESSAGE, FunctionProto),
    26: ("configuration", R_MESSAGE, DeviceConfigurationProto),
})
_schema(OperatorSetIdProto, {1: ("domain", STRING), 2: ("version", INT64)})
_schema(StringStringEntryProto, {1: ("key", STRING), 2: ("value", STRING)})
_schema(GraphProto, {
    1: ("node", R_MESSAGE, NodeProto), 2: ("name", STRING), 5: ("initializer", R_MESSAGE, TensorProto),
    15: ("sparse_initializer", R_MESSAGE, SparseTensorProto), 10: ("doc_string", STRING),
    11: ("input", R_MESSAGE, ValueInfoProto), 12: ("output", R_MESSAGE, ValueInfoProto),
    13: ("value_info", R_MESSAGE, ValueInfoProto), 14: ("quantization_annotation", R_MESSAGE, TensorAnnotation),
    16: ("metadata_props", R_MESSAGE, StringStringEntryProto),
})
_schema(NodeProto, {
    1: ("input", R_STRING), 2: ("output", R_STRING), 3: ("name", STRING), 4: ("op_type", STRING),
    7: ("domain", STRING), 8: ("overload", STRING), 5: ("attribute", R_MESSAGE, AttributeProto),
    6: ("doc_string", STRING), 9: ("metadata_props", R_MESSAGE, StringStringEntryProto),
    10: ("device_configurations", R_MESSAGE, NodeDeviceConfigurationProto),
})
_schema(AttributeProto, {
    1: ("name", STRING), 21: ("ref_attr_name", STRING), 13: ("doc_string", STRING),
    20: ("type", ENUM, frozenset(range(15))), 2: ("f", FLOAT), 3: ("i", INT64), 4: ("s", BYTES),
    5: ("t", MESSAGE, TensorProto), 6: ("g", MESSAGE, GraphProto), 22: ("sparse_tensor", MESSAGE, SparseTensorProto),
    14: ("tp", MESSAGE, TypeProto), 7: ("floats", R_FLOAT), 8: ("ints", R_INT64), 9: ("strings", R_BYTES),
    10: ("tensors", R_MESSAGE, TensorProto), 11: ("graphs", R_MESSAGE, GraphProto),
    23: ("sparse_tensors", R_MESSAGE, SparseTensorProto), 15: ("type_protos", R_MESSAGE, TypeProto),
})
_schema(TensorProto, {
    1: ("dims", R_INT64), 2: ("data_type", INT32), 3: ("segment", MESSAGE, TensorProto.Segment),
    4: ("float_data", A_FLOAT), 5: ("int32_data", A_INT32), 6: ("string_data", R_BYTES), 7: ("int64_data", A_INT64),
    8: ("name", STRING), 12: ("doc_string", STRING), 9: ("raw_data", BYTES),
    13: ("external_data", R_MESSAGE, StringStringEntryProto), 14: ("data_location", ENUM, frozenset({0, 1})),
    10: ("double_data", A_DOUBLE), 11: ("uint64_data", A_UINT64),
    16: ("metadata_props", R_MESSAGE, StringStringEntryProto),
})
_schema(TensorProto.Segment, {1: ("begin", INT64), 2: ("end", INT64)})
_schema(SparseTensorProto, {1: ("values", MESSAGE, TensorProto), 2: ("indices", MESSAGE, TensorProto),
                            3: ("dims", R_INT64)})
_schema(ValueInfoProto, {1: ("name", STRING), 2: ("type", MESSAGE, TypeProto), 3: ("doc_string", STRING),
                         4: ("metadata_props", R_MESSAGE, StringStringEntryProto)})
_schema(TypeProto, {
    1: ("tensor_type", MESSAGE, TypeProto.Tensor), 4: ("sequence_type", MESSAGE, TypeProto.Sequence),
    5: ("map_type", MESSAGE, TypeProto.Map), 9: ("optional_type", MESSAGE, TypeProto.Optional),
    8: ("sparse_tensor_type", MESSAGE, TypeProto.SparseTensor), 7: ("opaque_type", MESSAGE, TypeProto.Opaque),
    6: ("denotation", STRING),
}, oneofs={"value": ("tensor_type", "sequence_type", "map_type", "optional_type", "sparse_tensor_type",
                     "opaque_type")})
_schema(TypeProto.Tensor, {1: ("elem_type", INT32), 2: ("shape", MESSAGE, TensorShapeProto)})
_schema(TypeProto.Sequence, {1: ("elem_type", MESSAGE, TypeProto)})
_schema(TypeProto.Map, {1: ("key_type", INT32), 2: ("value_type", MESSAGE, TypeProto)})
_schema(TypeProto.Optional, {1: ("elem_type", MESSAGE, TypeProto)})
_schema(TypeProto.SparseTensor, {1: ("elem_type", INT32), 2: ("shape", MESSAGE, TensorShapeProto)})
_schema(TypeProto.Opaque, {1: ("domain", STRING), 2: ("name", STRING)})
_schema(TensorShapeProto, {1: ("dim", R_MESSAGE, TensorShapeProto.Dimension)})
_schema(TensorShapeProto.Dimension, {1: ("dim_value", INT64), 2: ("dim_param", STRING), 3: ("denotation", STRING)},
        oneofs={"value": ("dim_value", "dim_param")})
_schema(FunctionProto, {
    1: ("name", STRING), 4: ("input", R_STRING), 5: ("output", R_STRING), 6: ("attribute", R_STRING),
    11: ("attribute_proto", R_MESSAGE, AttributeProto), 7: ("node", R_MESSAGE, NodeProto), 8: ("doc_string", STRING),
    9: ("opset_import", R_MESSAGE, OperatorSetIdProto), 10: ("domain", STRING), 13: ("overload", STRING),
    12: ("value_info", R_MESSAGE, ValueInfoProto), 14: ("metadata_props", R_MESSAGE, StringStringEntryProto),
})
_schema(TrainingInfoProto, {
    1: ("initialization", MESSAGE, GraphProto), 2: ("algorithm", MESSAGE, GraphProto),
    3: ("initialization_binding", R_MESSAGE, StringStringEntryProto),
    4: ("update_binding", R_MESSAGE, StringStringEntryProto),
})
_schema(TensorAnnotation, {1: ("tensor_name", STRING),
                           2: ("quant_parameter_tensor_names", R_MESSAGE, StringStringEntryProto)})
_schema(DeviceConfigurationProto, {1: ("name", STRING), 2: ("num_devices", INT32), 3: ("device", R_STRING)})
_schema(NodeDeviceConfigurationProto, {1: ("configuration_id", STRING),
                                       2: ("sharding_spec", R_MESSAGE, ShardingSpecProto), 3: ("pipeline_stage", INT32)})
_schema(ShardingSpecProto, {1: ("tensor_name", STRING), 2: ("device", R_INT64),
                            3: ("index_to_device_group_map", R_MESSAGE, IntIntListEntryProto),
                            4: ("sharded_dim", R_MESSAGE, ShardedDimProto)})
_schema(IntIntListEntryProto, {1: ("key", INT64), 2: ("value", R_INT64)})
_schema(ShardedDimProto, {1: ("axis", INT64), 2: ("simple_sharding", R_MESSAGE, SimpleShardedDimProto)})
_schema(SimpleShardedDimProto, {1: ("dim_value", INT64), 2: ("dim_param", STRING), 3: ("num_shards", INT64)},
        oneofs={"dim": ("dim_value", "dim_param")})


# --------------------------------------------------------------------------- decoding


def load_model(data: bytes | bytearray | memoryview) -> ModelProto:
    """The ModelProto serialized in ``data`` (read in place: only the fields are copied out)."""
    model = ModelProto()
    decode_into(model, data)
    return model


def decode_into(message: Message, data: bytes | bytearray | memoryview) -> None:
    """Merge the serialized ``data`` into ``message`` (protobuf's ``MergeFromString``)."""
    buf: Buffer
    if isinstance(data, bytes):
        buf = data
    else:
        try:
            buf = memoryview(data).cast("B")  # bytes of any buffer, read in place
        except TypeError:  # not contiguous
            buf = bytes(data)
    try:
        _decode(message, buf, 0, len(buf), 0)
    except RecursionError:  # only when called with the Python stack nearly full already
        raise DecodeError("messages nest too deeply for the Python stack", 0) from None


def _varint(buf: Buffer, pos: int, end: int) -> tuple[int, int]:
    """The varint at ``pos`` (as an unsigned 64-bit value) and the position after it."""
    result = shift = 0
    start = pos
    while pos < end:
        byte = buf[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if byte < 0x80:
            return result & _MASK64, pos
        shift += 7
        if shift == 70:
            raise DecodeError("a varint is longer than 10 bytes", start)
    raise DecodeError("a varint is cut off by the end of its message", start)


def _tag(buf: Buffer, pos: int, end: int) -> tuple[int, int]:
    """A field's tag: a varint of at most 5 bytes and 32 bits, as protobuf reads it."""
    tag, after = _varint(buf, pos, end)
    if after - pos > 5 or tag > 0xFFFFFFFF:
        raise DecodeError(f"the tag {tag} takes {after - pos} bytes, more than 32 bits", pos)
    return tag, after


def _length(buf: Buffer, pos: int, end: int) -> tuple[int, int]:
    """A length prefix at ``pos`` (at most 5 bytes, as protobuf reads it): (the position after
    the field, the position of its data)."""
    n = buf[pos] if pos < end else 0x80
    if n < 0x80:
        pos += 1
    else:
        n, after = _varint(buf, pos, end)
        if after - pos > 5:
            raise DecodeError(f"a length prefix takes {after - pos} bytes, more than 32 bits", pos)
        pos = after
    if n > end - pos:
        raise DecodeError(f"a field of {n} bytes runs past the end of its message ({end - pos} bytes left)", pos)
    return pos + n, pos


def _skip(buf: Buffer, pos: int, end: int, number: int, wire: int, depth: int) -> int:
    """The position after the value of an unknown field (its tag already read)."""
    if wire == 0:
        return _varint(buf, pos, end)[1]
    if wire == 2:
        return _length(buf, pos, end)[0]
    if wire in (1, 5):
        size = 8 if wire == 1 else 4
        if end - pos < size:
            raise DecodeError(f"a {size}-byte field is cut off by the end of its message", pos)
        return pos + size
    if wire == 3:
        if depth >= MAX_DEPTH:
            raise DecodeError(f"messages nest more than {MAX_DEPTH} deep", pos)
        while True:
            if pos >= end:
                raise DecodeError(f"group {number} has no end", pos)
            tag, pos = _tag(buf, pos, end)  # field number 0 is not refused in a group (as protobuf)
            if tag & 7 == 4:
                if tag >> 3 != number:
                    raise DecodeError(f"group {number} ends with the end of group {tag >> 3}", pos)
                return pos
            pos = _skip(buf, pos, end, tag >> 3, tag & 7, depth + 1)
    if wire == 4:
        raise DecodeError(f"an end of group {number} without its start", pos)
    raise DecodeError(f"wire type {wire} (of field {number}) does not exist", pos)


def _signed64(value: int) -> int:
    return value - (1 << 64) if value >= 1 << 63 else value


def _signed32(value: int) -> int:
    value &= 0xFFFFFFFF
    return value - (1 << 32) if value >= 1 << 31 else value


def _text_of(raw: Buffer) -> str | bytes:
    try:
        return str(raw, "utf-8")
    except UnicodeDecodeError:
        return bytes(raw)


def _varints(buf: Buffer, pos: int, end: int) -> list[int]:
    """The packed varints of ``buf[pos:end]`` (unsigned 64-bit)."""
    if end - pos > 256:
        return _varint_array(buf, pos, end).tolist()  # type: ignore[no-any-return]
    values = []
    while pos < end:
        byte = buf[pos]
        if byte < 0x80:
            values.append(byte)
            pos += 1
        else:
            value, pos = _varint(buf, pos, end)
            values.append(value)
    return values


_CHUNK = 1 << 20


def _varint_array(buf: Buffer, pos: int, end: int) -> np.ndarray:
    """The packed varints of ``buf[pos:end]`` as uint64, decoded with NumPy a chunk at a time."""
    data = np.frombuffer(buf, np.uint8, end - pos, pos)
    chunks = []
    start = 0
    while start < data.size:
        stop = min(start + _CHUNK, data.size)
        ends = np.flatnonzero(data[start:stop] < 0x80)
        if ends.size == 0:
            kind = "longer than 10 bytes" if stop - start >= 10 else "cut off by the end of its message"
            raise DecodeError(f"a varint is {kind}", pos + start)
        chunk = data[start:start + int(ends[-1]) + 1]
        firsts = np.empty_like(ends)
        firsts[0] = 0
        firsts[1:] = ends[:-1] + 1
        lengths = ends - firsts + 1
        longest = int(lengths.max())
        if longest > 10:
            at = int(firsts[int(np.argmax(lengths))])
            raise DecodeError("a varint is longer than 10 bytes", pos + start + at)
        if longest == 1:
            chunks.append(chunk.astype(np.uint64))
        else:
            shifts = (np.arange(chunk.size) - np.repeat(firsts, lengths)) * 7
            parts = (chunk & 0x7F).astype(np.uint64) << shifts.astype(np.uint64)
            chunks.append(np.bitwise_or.reduceat(parts, firsts))
        start += chunk.size
    if not chunks:
        return np.empty(0, np.uint64)
    return chunks[0] if len(chunks) == 1 else np.concatenate(chunks)


def _packed_array(kind: int, buf: Buffer, pos: int, end: int) -> np.ndarray:
    n = end - pos
    if kind in (A_FLOAT, A_DOUBLE):
        size = 4 if kind == A_FLOAT else 8
        if n % size:
            raise DecodeError(f"a packed field of {n} bytes is not a whole number of {size}-byte values", pos)
        return np.frombuffer(buf, "<f4" if size == 4 else "<f8", n // size, pos).astype(_ARRAY_DTYPES[kind])
    values = _varint_array(buf, pos, end)
    if kind == A_INT32:
        return values.astype(np.uint32).view(np.int32)
    return values.view(np.int64) if kind == A_INT64 else values


def _finish_arrays(d: dict[str, Any], arrays: dict[str, np.dtype]) -> None:
    """Each array field, decoded as a list of packed chunks and single values, made one array."""
    for name, dtype in arrays.items():
        parts = d[name]
        if not parts:
            d[name] = _EMPTY[dtype]
            continue
        chunks: list[np.ndarray] = []
        single: list[Any] = []
        for part in parts:
            if isinstance(part, np.ndarray):
                if single:
                    chunks.append(np.array(single, dtype))
                    single = []
                chunks.append(part)
            else:
                single.append(part)
        if single:
            chunks.append(np.array(single, dtype))
        d[name] = chunks[0] if len(chunks) == 1 else np.concatenate(chunks)


def _decode(message: Message, buf: Buffer, pos: int, end: int, depth: int) -> None:
    """Merge the fields in ``buf[pos:end]`` into ``message``, nested ``depth`` deep in the model."""
    cls = type(message)
    fields = cls._FIELDS
    d = message.__dict__
    arrays = cls._ARRAYS
    for name in arrays:  # decoded as lists of parts, made arrays at the end
        d[name] = [d[name]] if len(d[name]) else []
    while pos < end:
        tag = buf[pos]
        if tag < 0x80:
            pos += 1
        else:
            tag, pos = _tag(buf, pos, end)
        number, wire = tag >> 3, tag & 7
        spec = fields.get(number)
        if spec is None or (wire != spec[2] and not (wire == 2 and spec[1] in _PACKABLE)):
            if number == 0:
                raise DecodeError("field number 0 is invalid", pos)
            pos = _skip(buf, pos, end, number, wire, depth)
            continue
        name, kind, _, arg, others = spec
        if wire == 2:
            n = buf[pos] if pos < end else 0x80
            if n < 0x80 and n <= end - pos - 1:
                pos += 1
                stop = pos + n
            else:
                stop, pos = _length(buf, pos, end)
            if kind == MESSAGE:
                for other in others:
                    d.pop(other, None)
                sub = d.get(name)
                if sub is None:
                    sub = d[name] = arg()
                if depth >= MAX_DEPTH:
                    raise DecodeError(f"messages nest more than {MAX_DEPTH} deep", pos)
                _decode(sub, buf, pos, stop, depth + 1)
            elif kind == R_MESSAGE:
                sub = arg()
                if depth >= MAX_DEPTH:
                    raise DecodeError(f"messages nest more than {MAX_DEPTH} deep", pos)
                _decode(sub, buf, pos, stop, depth + 1)
                d[name].append(sub)
            elif kind == STRING:
                for other in others:
                    d.pop(other, None)
                d[name] = _text_of(buf[pos:stop])
            elif kind == R_STRING:
                d[name].append(_text_of(buf[pos:stop]))
            elif kind == BYTES:
                d[name] = bytes(buf[pos:stop])  # one copy (bytes of bytes is the same object)
            elif kind == R_BYTES:
                d[name].append(bytes(buf[pos:stop]))
            elif kind == R_INT64:
                d[name].extend(_signed64(v) for v in _varints(buf, pos, stop))
            elif kind == R_FLOAT:
                if (stop - pos) % 4:
                    raise DecodeError(f"a packed field of {stop - pos} bytes is not a whole number of floats", pos)
                d[name].extend(struct.unpack_from(f"<{(stop - pos) // 4}f", buf, pos))
            else:  # a packed array
                d[name].append(_packed_array(kind, buf, pos, stop))
            pos = stop
        elif wire == 0:
            value = buf[pos] if pos < end else 0x80
            if value < 0x80:
                pos += 1
            else:
                value, pos = _varint(buf, pos, end)
            if kind == INT64 or kind == R_INT64 or kind == A_INT64:
                value = _signed64(value)
            elif kind == INT32 or kind == ENUM or kind == A_INT32:
                value = _signed32(value)
                if kind == ENUM and value not in arg:
                    continue  # protobuf keeps it as an unknown field
            if kind >= R_STRING:
                d[name].append(value)
            else:
                for other in others:
                    d.pop(other, None)
                d[name] = value
        else:  # wire 5 (float) or 1 (double)
            size = 4 if wire == 5 else 8
            if end - pos < size:
                raise DecodeError(f"a {size}-byte field is cut off by the end of its message", pos)
            value = (_FLOAT if wire == 5 else _DOUBLE).unpack_from(buf, pos)[0]
            pos += size
            if kind >= R_STRING:
                d[name].append(value)
            else:
                d[name] = value
    if arrays:
        _finish_arrays(d, arrays)


# --------------------------------------------------------------------------- values


def get_attribute_value(attr: Any) -> Any:
    """The value of an AttributeProto by its declared type, as ``onnx.helper.get_attribute_value``
    gives it: a float, an int, bytes, a message, or a list of them; None for UNDEFINED."""
    if attr.ref_attr_name:
        raise ValueError(f"Cannot get value of reference attribute: {attr}")
    kind = attr.type
    getter = _ATTRIBUTE_VALUES.get(kind)
    if getter is None:
        raise ValueError(f"Unsupported ONNX attribute: {attr}")
    return getter(attr)


_ATTRIBUTE_VALUES: dict[int, Callable[[Any], Any]] = {
    AttributeProto.UNDEFINED: lambda a: None,
    AttributeProto.FLOAT: lambda a: a.f,
    AttributeProto.INT: lambda a: a.i,
    AttributeProto.STRING: lambda a: a.s,
    AttributeProto.TENSOR: lambda a: a.t,
    AttributeProto.SPARSE_TENSOR: lambda a: a.sparse_tensor,
    AttributeProto.GRAPH: lambda a: a.g,
    AttributeProto.TYPE_PROTO: lambda a: a.tp,
    AttributeProto.FLOATS: lambda a: list(a.floats),
    AttributeProto.INTS: lambda a: list(a.ints),
    AttributeProto.STRINGS: lambda a: list(a.strings),
    AttributeProto.TENSORS: lambda a: list(a.tensors),
    AttributeProto.SPARSE_TENSORS: lambda a: list(a.sparse_tensors),
    AttributeProto.GRAPHS: lambda a: list(a.graphs),
    AttributeProto.TYPE_PROTOS: lambda a: list(a.type_protos),
}

#: Element types stored in int32_data as 16-bit patterns, and as 8-bit values (bool).
_INT32_AS_16_BITS = frozenset({T.FLOAT16, T.INT16, T.UINT16})
_INT32_AS_8_BITS = frozenset({T.BOOL})
#: The field that holds the other element types when they are not raw_data, and its dtype.
_STORAGE: dict[int, tuple[str, np.dtype]] = {
    T.FLOAT: ("float_data", np.dtype(np.float32)), T.INT32: ("int32_data", np.dtype(np.int32)),
    T.INT8: ("int32_data", np.dtype(np.int32)), T.UINT8: ("int32_data", np.dtype(np.int32)),
    T.INT64: ("int64_data", np.dtype(np.int64)), T.DOUBLE: ("double_data", np.dtype(np.float64)),
    T.UINT32: ("uint64_data", np.dtype(np.uint64)), T.UINT64: ("uint64_data", np.dtype(np.uint64)),
}
_COMPLEX64, _COMPLEX128 = 14, 15


def tensor_to_array(tensor: Any) -> np.ndarray:
    """The data of a TensorProto as ``onnx.numpy_helper.to_array`` gives it, for the element
    types NumPy has: those of :data:`.types.NUMPY` (int4 / uint4 unpacked, one value per int8 /
    uint8), complex64, complex128 and strings (an object array of ``str``).  Other types
    (bfloat16, the float8 and 4-bit float types, ...) need ``ml_dtypes``: a ValueError.  Raw data
    is read little-endian; external data must have been read into raw_data already."""
    if tensor.HasField("segment"):
        raise ValueError("Currently not supporting loading segments.")
    elem = tensor.data_type
    if elem == 0:
        raise TypeError("The element type in the input tensor is UNDEFINED.")
    dims = [int(d) for d in tensor.dims]
    if elem == T.STRING:
        return np.asarray([s.decode("utf-8") for s in tensor.string_data]).astype(object).reshape(dims)
    if tensor.data_location == 1:
        raise ValueError("the tensor's external data has not been read")
    dtype = T.NUMPY.get(elem)
    if elem in (_COMPLEX64, _COMPLEX128):
        dtype = np.dtype(np.complex64 if elem == _COMPLEX64 else np.complex128)
    if dtype is None:
        raise ValueError(f"ONNX type {T.name(elem)} has no NumPy dtype (it needs ml_dtypes)")
    if tensor.HasField("raw_data"):
        raw = tensor.raw_data
        if elem in (T.INT4, T.UINT4):
            return _unpack_4bit(np.frombuffer(raw, np.uint8), dims, elem == T.INT4)
        array = np.frombuffer(raw, dtype=dtype.newbyteorder("<"))
        if sys.byteorder == "big":  # pragma: no cover - little-endian machines only in CI
            array = array.astype(dtype)
        return array.reshape(dims)
    if elem in _INT32_AS_16_BITS:
        return np.array(tensor.int32_data, dtype=np.int32).view(np.uint32).astype(np.uint16).reshape(dims).view(dtype)
    if elem in _INT32_AS_8_BITS:
        return np.array(tensor.int32_data, dtype=np.int32).view(np.uint32).astype(np.uint8).view(dtype).reshape(dims)
    if elem in (T.INT4, T.UINT4):
        data = np.array(tensor.int32_data, dtype=np.int32).view(np.uint32).astype(np.uint8)
        return _unpack_4bit(data, dims, elem == T.INT4)
    if elem in (_COMPLEX64, _COMPLEX128):
        parts = tensor.float_data if elem == _COMPLEX64 else tensor.double_data
        return np.array(parts, dtype=np.float32 if elem == _COMPLEX64 else np.float64).view(dtype=dtype).reshape(dims)
    field, storage = _STORAGE[elem]
    return np.asarray(getattr(tensor, field), dtype=storage).astype(dtype).reshape(dims)


def _unpack_4bit(data: np.ndarray, dims: Sequence[int], signed: bool) -> np.ndarray:
    """Two 4-bit values per byte, low nibble first, one per byte (sign-extended for int4)."""
    result = np.empty(data.size * 2, np.uint8)
    result[0::2] = data & 0x0F
    result[1::2] = data >> 4
    count = math.prod(dims)
    if result.size == count + 1:  # the padding nibble of an odd count
        result = result[:-1]
    if count > result.size:
        raise ValueError(f"Packed 4-bit data ({data.size} bytes, {result.size} elements unpacked) is too small for "
                         f"the declared shape {list(dims)} ({count} elements required).")
    result.resize(dims, refcheck=False)
    if signed:
        return ((result.view(np.int8) << 4) >> 4).astype(np.int8)
    return result
