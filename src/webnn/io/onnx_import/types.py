"""ONNX tensor element types and their NumPy / WebNN counterparts."""

from __future__ import annotations

import numpy as np

FLOAT, UINT8, INT8, UINT16, INT16, INT32, INT64, STRING, BOOL, FLOAT16, DOUBLE, UINT32, UINT64 = (
    1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13,
)
BFLOAT16, UINT4, INT4 = 16, 21, 22

NAMES: dict[int, str] = {
    1: "float", 2: "uint8", 3: "int8", 4: "uint16", 5: "int16", 6: "int32", 7: "int64",
    8: "string", 9: "bool", 10: "float16", 11: "double", 12: "uint32", 13: "uint64",
    14: "complex64", 15: "complex128", 16: "bfloat16", 17: "float8e4m3fn", 18: "float8e4m3fnuz",
    19: "float8e5m2", 20: "float8e5m2fnuz", 21: "uint4", 22: "int4", 23: "float4e2m1",
}

#: Element types with a NumPy dtype (the types constant folding computes in).
NUMPY: dict[int, np.dtype] = {
    elem: np.dtype(name) for elem, name in (
        (FLOAT, "float32"), (UINT8, "uint8"), (INT8, "int8"), (UINT16, "uint16"), (INT16, "int16"),
        (INT32, "int32"), (INT64, "int64"), (BOOL, "bool"), (FLOAT16, "float16"), (DOUBLE, "float64"),
        (UINT32, "uint32"), (UINT64, "uint64"),
        # 4-bit values are held unpacked, one per byte, as WebNN's int4 / uint4 constants are.
        (INT4, "int8"), (UINT4, "uint8"),
    )
}
_ELEM_OF_NUMPY: dict[np.dtype, int] = {dtype: elem for elem, dtype in NUMPY.items() if elem not in (INT4, UINT4)}

#: Element types a WebNN operand can hold (bool as uint8 0 / 1).
WEBNN: dict[int, str] = {
    FLOAT: "float32", FLOAT16: "float16", INT32: "int32", UINT32: "uint32", INT64: "int64",
    UINT64: "uint64", INT8: "int8", UINT8: "uint8", BOOL: "uint8", INT4: "int4", UINT4: "uint4",
}
_ELEM_OF_WEBNN: dict[str, int] = {name: elem for elem, name in WEBNN.items() if elem != BOOL}


def name(elem: int) -> str:
    return NAMES.get(elem, f"{elem} (unknown)")


def elem_of_numpy(dtype: np.dtype) -> int | None:
    return _ELEM_OF_NUMPY.get(np.dtype(dtype))


def elem_of_webnn(data_type: str) -> int:
    return _ELEM_OF_WEBNN[data_type]


#: Bits per element as an ONNX file stores them (raw_data, external data), for every fixed-size type.
STORED_BITS: dict[int, int] = {
    1: 32, 2: 8, 3: 8, 4: 16, 5: 16, 6: 32, 7: 64, 9: 8, 10: 16, 11: 64, 12: 32, 13: 64,
    14: 64, 15: 128, 16: 16, 17: 8, 18: 8, 19: 8, 20: 8, 21: 4, 22: 4, 23: 4,
}


def stored_bytes(elem: int, count: int) -> int | None:
    """The bytes ``count`` elements of type ``elem`` take in raw_data (None for strings and unknown types)."""
    bits = STORED_BITS.get(elem)
    return None if bits is None else (count * bits + 7) // 8
