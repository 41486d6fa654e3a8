"""WebNN operand data types and their NumPy counterparts.

``uint8`` doubles as the boolean type of the logical operators.  ``int4`` and
``uint4`` are not spec data types (Chromium and the WPT quantization cases use
them); they are stored unpacked, one value per ``int8`` / ``uint8`` element.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np


class DataTypeInfo(NamedTuple):
    name: str
    numpy: np.dtype
    is_float: bool
    is_signed: bool
    bits: int
    """Bits of one value; ``byte_size`` is what one element takes in memory."""

    @property
    def byte_size(self) -> int:
        return self.numpy.itemsize

    @property
    def min(self) -> int | float:
        if self.is_float:
            return -np.inf
        return -(1 << (self.bits - 1)) if self.is_signed else 0

    @property
    def max(self) -> int | float:
        if self.is_float:
            return np.inf
        return (1 << (self.bits - 1)) - 1 if self.is_signed else (1 << self.bits) - 1


def _info(name: str, np_name: str, is_float: bool, is_signed: bool, bits: int) -> DataTypeInfo:
    return DataTypeInfo(name, np.dtype(np_name), is_float, is_signed, bits)


DATA_TYPES: dict[str, DataTypeInfo] = {
    info.name: info
    for info in (
        _info("float32", "float32", True, True, 32),
        _info("float16", "float16", True, True, 16),
        _info("int32", "int32", False, True, 32),
        _info("uint32", "uint32", False, False, 32),
        _info("int64", "int64", False, True, 64),
        _info("uint64", "uint64", False, False, 64),
        _info("int8", "int8", False, True, 8),
        _info("uint8", "uint8", False, False, 8),
        _info("int4", "int8", False, True, 4),
        _info("uint4", "uint8", False, False, 4),
    )
}

#: The eight data types of the spec's ``MLOperandDataType`` enum, in spec order.
SPEC_DATA_TYPES: tuple[str, ...] = (
    "float32", "float16", "int32", "uint32", "int64", "uint64", "int8", "uint8",
)
#: Data types that are not in the spec but accepted where noted (stored unpacked).
SUB_BYTE_DATA_TYPES: tuple[str, ...] = ("int4", "uint4")
ALL_DATA_TYPES: tuple[str, ...] = SPEC_DATA_TYPES + SUB_BYTE_DATA_TYPES

FLOAT_TYPES: tuple[str, ...] = ("float32", "float16")
INT_TYPES: tuple[str, ...] = ("int32", "uint32", "int64", "uint64", "int8", "uint8")
SIGNED_TYPES: tuple[str, ...] = ("float32", "float16", "int32", "int64", "int8")

_BY_NUMPY: dict[np.dtype, str] = {
    np.dtype(n): n for n in SPEC_DATA_TYPES
}


def normalize(value: object) -> object:
    """``value`` as a data type name when it is a NumPy dtype or scalar type of one
    (``np.float32``, ``np.dtype("float32")``: "float32"); anything else as it is (the caller
    validates it)."""
    if isinstance(value, str):
        return value
    if isinstance(value, np.dtype) or (isinstance(value, type) and issubclass(value, np.generic)):
        return _BY_NUMPY.get(np.dtype(value).newbyteorder("="), value)
    return value


def info(data_type: str) -> DataTypeInfo:
    return DATA_TYPES[data_type]


def to_numpy(data_type: str) -> np.dtype:
    """The NumPy dtype that stores ``data_type``."""
    return DATA_TYPES[data_type].numpy


def from_numpy(dtype: np.dtype | type) -> str | None:
    """The WebNN data type stored as ``dtype``, ``uint8`` for ``bool``, or None."""
    dtype = np.dtype(dtype)
    if dtype == np.bool_:
        return "uint8"
    return _BY_NUMPY.get(dtype.newbyteorder("="))


def is_float(data_type: str) -> bool:
    return DATA_TYPES[data_type].is_float
