"""WebNN data types as OpenVINO element types."""

from __future__ import annotations

import openvino as ov

#: WebNN data type -> the OpenVINO element type that stores its values (int4 / uint4 values
#: travel one per byte, as the graph stores them: as i8 / u8).
ELEMENT_TYPES: dict[str, ov.Type] = {
    "float32": ov.Type.f32, "float16": ov.Type.f16, "int32": ov.Type.i32, "uint32": ov.Type.u32,
    "int64": ov.Type.i64, "uint64": ov.Type.u64, "int8": ov.Type.i8, "uint8": ov.Type.u8,
    "int4": ov.Type.i8, "uint4": ov.Type.u8,
}

FLOATS = frozenset({"float32", "float16"})
SIGNED_INTS = frozenset({"int32", "int64", "int8"})
UNSIGNED_INTS = frozenset({"uint32", "uint64", "uint8"})
INTS = SIGNED_INTS | UNSIGNED_INTS
SPEC = FLOATS | INTS
ALL = SPEC | {"int4", "uint4"}
