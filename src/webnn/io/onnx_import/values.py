"""Fixed input values (``load_onnx(..., input_values={"mode": 1})``): their checks, their place
in the cache key, and their conversion to the input's ONNX type.

A fixed input is a constant of the import: it is no input of the graph, and everything computed
from it folds (an ``If`` on it imports the taken branch only).  This module imports NumPy only,
so a cache hit (which keys on the values) loads none of the importer.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

import numpy as np

from ...errors import sanitize
from . import types as T

#: The integer range of the 4-bit types, held one per byte (the others use NumPy's ranges).
_NARROW_RANGES = {T.INT4: (-8, 7), T.UINT4: (0, 15)}


def check_input_values(input_values: Any) -> dict[str, np.ndarray]:
    """The values as arrays of numbers, by input name (a TypeError names what is wrong)."""
    if input_values is None:
        return {}
    if not isinstance(input_values, Mapping):
        raise TypeError(f"input_values must be a dict of input name -> value, got {type(input_values).__name__}")
    result = {}
    for name, value in input_values.items():
        if not isinstance(name, str):
            raise TypeError(f"input_values: the input name {name!r} is not a string")
        what = f"input_values[{sanitize(name)!r}]"
        if value is None or isinstance(value, str | bytes | bytearray | Mapping):
            raise TypeError(f"{what} must be a number, a list of numbers or a NumPy array, got {type(value).__name__}")
        try:
            array = np.asarray(value)
        except (ValueError, TypeError) as exc:
            raise TypeError(f"{what} is not an array of numbers: {exc}") from None
        if array.dtype.kind not in "biuf":
            raise TypeError(f"{what} must hold numbers (bool, integer or float), got {array.dtype} values")
        result[name] = array
    return result


def input_values_key(input_values: Any) -> dict[str, list[Any]] | None:
    """What the cache key holds of the values: each one's dtype, shape and a digest of its bytes
    (different values never share a key)."""
    values = check_input_values(input_values)
    if not values:
        return None
    return {
        name: [array.dtype.str, list(array.shape), hashlib.sha256(np.ascontiguousarray(array).tobytes()).hexdigest()]
        for name, array in values.items()
    }


def _first(array: np.ndarray, bad: np.ndarray) -> Any:
    """The first element of ``array`` where ``bad`` holds, as a Python number."""
    return array.reshape(-1)[int(np.argmax(bad.reshape(-1)))].item()


def fit_value(array: np.ndarray, elem: int, what: str) -> np.ndarray:
    """``array`` as ONNX type ``elem``; a value the type cannot hold exactly (a fraction for an
    integer, out of range, a float overflowing to infinity, a bool other than 0 / 1) is a TypeError."""
    if elem not in T.NUMPY:
        raise TypeError(f"{what}: the input has ONNX type {T.name(elem)}, which a fixed value cannot have")
    dtype = T.NUMPY[elem]
    kind = array.dtype.kind
    if elem == T.BOOL:
        if kind != "b":
            bad = (array != 0) & (array != 1)
            if bad.any():
                raise TypeError(f"{what}: {_first(array, bad)!r} is not a bool (True / False or 1 / 0)")
        return array.astype(np.bool_)
    if dtype.kind in "iu":
        if kind == "f":
            bad = ~np.isfinite(array) | (array != np.trunc(array))
            if bad.any():
                raise TypeError(f"{what}: {_first(array, bad)!r} is not a whole number, as ONNX type "
                                f"{T.name(elem)} needs")
        low, high = _NARROW_RANGES.get(elem) or (int(np.iinfo(dtype).min), int(np.iinfo(dtype).max))
        if array.size:
            smallest, largest = int(array.min()), int(array.max())  # exact: whole numbers
            if smallest < low or largest > high:
                value = smallest if smallest < low else largest
                raise TypeError(f"{what}: {value} is out of the range of ONNX type {T.name(elem)} ({low} to {high})")
        return array.astype(dtype)
    with np.errstate(all="ignore"):
        result = array.astype(dtype)
    if kind != "b":
        bad = np.isinf(result) & ~np.isinf(array.astype(np.float64))
        if bad.any():
            raise TypeError(f"{what}: {_first(array, bad)!r} is out of the range of ONNX type {T.name(elem)}")
    return result
