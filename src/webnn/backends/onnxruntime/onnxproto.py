"""A minimal encoder of ONNX protobuf messages, straight to bytes.

The backend writes each node as it lowers it, so building the model costs a
few byte concatenations per node: less than building the same model with the
``onnx`` package's message classes, and no import of that package.  Only the
fields the backend uses are here; numbers are the ``onnx.proto`` field numbers.
The encoding is the standard protobuf wire format (``tests`` parse the output
with the ``onnx`` package to check it).
"""

from __future__ import annotations

import functools
import struct
from collections.abc import Iterable, Sequence

import numpy as np

# TensorProto.DataType
FLOAT, UINT8, INT8, INT32, INT64, BOOL, FLOAT16, DOUBLE, UINT32, UINT64, UINT4, INT4 = (
    1, 2, 3, 6, 7, 9, 10, 11, 12, 13, 21, 22
)
# AttributeProto.AttributeType
_A_FLOAT, _A_INT, _A_STRING, _A_TENSOR, _A_FLOATS, _A_INTS, _A_STRINGS = 1, 2, 3, 4, 6, 7, 8
_EXTERNAL = 1  # TensorProto.DataLocation


def varint(value: int) -> bytes:
    """A protobuf varint; negative numbers as their 64-bit two's complement (10 bytes)."""
    if value < 0:
        value += 1 << 64
    if value < 0x80:
        return bytes((value,))
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


_KEYS: dict[tuple[int, int], bytes] = {}


def _key(field: int, wire: int) -> bytes:
    key = _KEYS.get((field, wire))
    if key is None:
        key = _KEYS[(field, wire)] = varint((field << 3) | wire)
    return key


def field_bytes(field: int, data: bytes) -> bytes:
    """A length-delimited field (strings, bytes, nested messages, packed numbers)."""
    n = len(data)
    return _key(field, 2) + (bytes((n,)) if n < 0x80 else varint(n)) + data


@functools.lru_cache(maxsize=8192)
def _prefixed(text: str) -> bytes:
    """A string's UTF-8 bytes after their length (value names recur: cached)."""
    data = text.encode()
    n = len(data)
    return (bytes((n,)) if n < 0x80 else varint(n)) + data


def field_str(field: int, text: str) -> bytes:
    return _key(field, 2) + _prefixed(text)


def field_int(field: int, value: int) -> bytes:
    return _key(field, 0) + varint(value)


def field_ints(field: int, values: Iterable[int]) -> bytes:
    """A packed repeated int64 field."""
    return field_bytes(field, b"".join(varint(int(v)) for v in values))


def attribute(name: str, value: object) -> bytes:
    """AttributeProto from a bool / int / float / str / NumPy array (tensor) / sequence value."""
    head = field_str(1, name)
    if isinstance(value, bool | int | np.integer):
        return head + field_int(3, int(value)) + field_int(20, _A_INT)
    if isinstance(value, float | np.floating):
        return head + _key(2, 5) + struct.pack("<f", float(value)) + field_int(20, _A_FLOAT)
    if isinstance(value, str):
        return head + field_str(4, value) + field_int(20, _A_STRING)
    if isinstance(value, bytes):
        return head + field_bytes(4, value) + field_int(20, _A_STRING)
    if isinstance(value, np.ndarray):
        raise TypeError("tensor attributes are encoded with tensor_attribute()")
    if not isinstance(value, Iterable):
        raise TypeError(f"attribute {name}: cannot encode {type(value).__name__}")
    items = list(value)
    if all(isinstance(v, str) for v in items) and items:
        return head + b"".join(field_str(9, v) for v in items) + field_int(20, _A_STRINGS)
    if all(isinstance(v, bool | int | np.integer) for v in items):
        return head + field_ints(8, items) + field_int(20, _A_INTS)
    floats = struct.pack(f"<{len(items)}f", *map(float, items))
    return head + field_bytes(7, floats) + field_int(20, _A_FLOATS)


def tensor_attribute(name: str, tensor_proto: bytes) -> bytes:
    return field_str(1, name) + field_bytes(5, tensor_proto) + field_int(20, _A_TENSOR)


def node(
    op_type: str, inputs: Sequence[str], outputs: Sequence[str], attributes: Sequence[bytes] = (),
    name: str = "", domain: str = "",
) -> bytes:
    """NodeProto."""
    parts = [b"\x0a" + _prefixed(i) for i in inputs]  # field 1, length-delimited
    parts += [b"\x12" + _prefixed(o) for o in outputs]  # field 2
    if name:
        parts.append(field_str(3, name))
    parts.append(b"\x22" + _prefixed(op_type))  # field 4
    parts += [field_bytes(5, a) for a in attributes]
    if domain:
        parts.append(field_str(7, domain))
    return b"".join(parts)


def tensor(name: str, data_type: int, dims: Sequence[int], raw: bytes | None, external_length: int = 0) -> bytes:
    """TensorProto with raw data, or declared as external data of ``external_length`` bytes
    (the session is handed the memory) when ``raw`` is None."""
    parts = [field_ints(1, dims) if dims else b"", field_int(2, data_type), field_str(8, name)]
    if raw is None:
        for key, value in (("location", name), ("offset", "0"), ("length", str(external_length))):
            parts.append(field_bytes(13, field_str(1, key) + field_str(2, value)))
        parts.append(field_int(14, _EXTERNAL))
    else:
        parts.append(field_bytes(9, raw))
    return b"".join(parts)


def value_info(name: str, elem_type: int, dims: Sequence[int]) -> bytes:
    """ValueInfoProto of a tensor with a fixed shape."""
    shape = b"".join(field_bytes(1, field_int(1, d)) for d in dims)
    tensor_type = field_int(1, elem_type) + field_bytes(2, shape)
    return field_str(1, name) + field_bytes(2, field_bytes(1, tensor_type))


def model(
    nodes: Iterable[bytes], initializers: Iterable[bytes], inputs: Iterable[bytes], outputs: Iterable[bytes],
    *, opset: int, ir_version: int, graph_name: str = "webnn", producer: str = "webnn",
) -> bytes:
    """ModelProto with one graph and the default-domain opset."""
    graph = b"".join(
        [field_bytes(1, n) for n in nodes]
        + [field_str(2, graph_name)]
        + [field_bytes(5, t) for t in initializers]
        + [field_bytes(11, i) for i in inputs]
        + [field_bytes(12, o) for o in outputs]
    )
    opset_id = field_str(1, "") + field_int(2, opset)
    return (
        field_int(1, ir_version) + field_str(2, producer) + field_bytes(7, graph) + field_bytes(8, opset_id)
    )
