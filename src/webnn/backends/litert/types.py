"""WebNN data types as TFLite tensor types (the numbers of the schema's ``TensorType``)."""

from __future__ import annotations

import numpy as np

#: TFLite's TensorType values (schema.fbs), by name.
FLOAT32, FLOAT16, INT32, UINT8, INT64, BOOL, INT16, INT8, FLOAT64, UINT64, UINT32 = 0, 1, 2, 3, 4, 6, 7, 9, 10, 12, 15

#: WebNN data type -> TFLite tensor type.
TENSOR_TYPES: dict[str, int] = {
    "float32": FLOAT32, "float16": FLOAT16, "int32": INT32, "uint32": UINT32, "int64": INT64,
    "uint64": UINT64, "int8": INT8, "uint8": UINT8,
}

#: TFLite tensor type -> the NumPy dtype of its values.
NUMPY_TYPES: dict[int, type] = {
    FLOAT32: np.float32, FLOAT16: np.float16, FLOAT64: np.float64, INT32: np.int32, INT64: np.int64,
    INT16: np.int16, INT8: np.int8, UINT8: np.uint8, UINT32: np.uint32, UINT64: np.uint64, BOOL: np.bool_,
}

FLOATS = frozenset({"float32", "float16"})
SIGNED_INTS = frozenset({"int32", "int64", "int8"})
UNSIGNED_INTS = frozenset({"uint32", "uint64", "uint8"})
INTS = SIGNED_INTS | UNSIGNED_INTS
SPEC = FLOATS | INTS
