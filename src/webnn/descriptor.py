"""Turning user input (descriptor dicts, shapes, buffers, arrays) into checked descriptors and arrays."""

from __future__ import annotations

import operator
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from . import dtypes
from .arena import ConstantArena
from .errors import ValidationError
from .ir import MAX_DIMENSION, MAX_RANK, MAX_TENSOR_BYTE_LENGTH, OperandDescriptor

DescriptorLike = Mapping[str, Any] | OperandDescriptor


def to_descriptor(
    what: str,
    descriptor: Any,
    data_type: Any = None,
    *,
    allowed: Sequence[str] = dtypes.ALL_DATA_TYPES,
) -> OperandDescriptor:
    """A checked descriptor from ``{"dataType": ..., "shape": ...}``, an
    :class:`OperandDescriptor`, or a shape plus ``data_type`` (the pywebnn form).

    Raises ``TypeError`` naming ``what`` (e.g. ``"input 'x'"``) when the
    descriptor is malformed or fails the spec's "check dimensions" steps.
    """
    if isinstance(descriptor, OperandDescriptor):
        dt, shape = descriptor.data_type, descriptor.shape
    elif isinstance(descriptor, Mapping):
        if data_type is not None:
            raise ValidationError(f"{what}: give the data type in the descriptor or as an argument, not both")
        dt = descriptor.get("dataType", descriptor.get("data_type"))
        shape = descriptor.get("shape", descriptor.get("dimensions"))
        if dt is None or shape is None:
            raise ValidationError(f"{what}: descriptor needs 'dataType' and 'shape', got {dict(descriptor)!r}")
    else:
        shape, dt = descriptor, ("float32" if data_type is None else data_type)
    name = dtypes.normalize(dt)
    if not isinstance(name, str) or name not in allowed:
        raise ValidationError(f"{what}: data type {name!r} is not one of {', '.join(allowed)}")
    return OperandDescriptor(name, check_shape(what, shape))


def check_shape(what: str, shape: Any) -> tuple[int, ...]:
    """The spec's "check dimensions": every dimension positive and within int32, rank and size bounded."""
    if isinstance(shape, str | bytes) or not isinstance(shape, Sequence | np.ndarray):
        raise ValidationError(f"{what}: shape must be a sequence of integers, got {type(shape).__name__}")
    dims: list[int] = []
    for d in shape:
        if isinstance(d, bool | np.bool_):
            raise ValidationError(f"{what}: shape {list(shape)!r} must hold integers")
        try:
            dims.append(operator.index(d))
        except TypeError:
            raise ValidationError(f"{what}: shape {list(shape)!r} must hold integers") from None
    if len(dims) > MAX_RANK:
        raise ValidationError(f"{what}: rank {len(dims)} exceeds the maximum rank {MAX_RANK}")
    for d in dims:
        if not 0 < d <= MAX_DIMENSION:
            raise ValidationError(f"{what}: dimension {d} in shape {dims} is not a valid dimension (1 to {MAX_DIMENSION})")
    count = 1
    for d in dims:
        count *= d
    if count > MAX_DIMENSION:
        raise ValidationError(f"{what}: shape {dims} has {count} elements, more than {MAX_DIMENSION}")
    return tuple(dims)


def check_byte_length(what: str, desc: OperandDescriptor) -> None:
    if desc.byte_length > MAX_TENSOR_BYTE_LENGTH:
        raise ValidationError(f"{what}: {desc} takes {desc.byte_length} bytes, more than {MAX_TENSOR_BYTE_LENGTH}")


def check_value_range(what: str, desc: OperandDescriptor, array: np.ndarray) -> None:
    """int4 / uint4 values are stored one per byte: they must fit in 4 bits."""
    info = dtypes.info(desc.data_type)
    if info.bits < 8 and array.size:
        lo, hi = array.min(), array.max()
        if lo < info.min or hi > info.max:
            raise ValidationError(f"{what}: {desc.data_type} values must be in [{info.min}, {info.max}], got [{lo}, {hi}]")


def buffer_to_array(what: str, desc: OperandDescriptor, buffer: Any, arena: ConstantArena | None = None) -> np.ndarray:
    """A new C-contiguous array of ``desc`` holding a copy of ``buffer`` (an array's copy made
    in ``arena`` when given and it takes arrays of that size).

    ``buffer`` is a NumPy array of the descriptor's dtype (any shape with the
    same element count, as the spec only compares byte lengths), raw bytes
    (``bytes``, ``bytearray``, ``memoryview`` or a ``uint8`` array, the
    spec's generic ``Uint8Array`` view) of exactly the byte length, or a
    Python sequence / scalar of values.
    """
    dtype = desc.numpy_dtype
    if isinstance(buffer, np.ndarray):
        if buffer.dtype.newbyteorder("=") == dtype or (buffer.dtype == np.bool_ and desc.data_type == "uint8"):
            if buffer.size != desc.element_count:
                raise ValidationError(
                    f"{what}: array has {buffer.size} elements, descriptor {desc} needs {desc.element_count}"
                )
            array = arena.empty(desc.shape, dtype) if arena is not None else None
            if array is None:
                array = np.array(buffer, dtype=dtype, order="C", copy=True).reshape(desc.shape)
            else:
                np.copyto(array, buffer.reshape(desc.shape))
        elif buffer.dtype == np.uint8:
            array = _from_bytes(what, desc, buffer.tobytes())
        else:
            raise ValidationError(
                f"{what}: array dtype {buffer.dtype} does not match data type {desc.data_type} "
                f"(convert it with .astype(numpy.{dtype.name}))"
            )
    elif isinstance(buffer, bytes | bytearray | memoryview):
        array = _from_bytes(what, desc, bytes(buffer))
    else:
        values = values_array(what, buffer)
        if values.size != desc.element_count:
            raise ValidationError(f"{what}: got {values.size} values, descriptor {desc} needs {desc.element_count}")
        array = _convert_values(what, desc.data_type, values, dtype).reshape(desc.shape)
    check_value_range(what, desc, array)
    return array


def values_array(what: str, values: Any) -> np.ndarray:
    """Python numbers (a scalar or nested sequences) as a NumPy array of numbers.

    Ragged nesting and non-numbers are TypeErrors; integers too large for any NumPy integer
    type stay Python ints (object dtype), for :func:`_convert_values` to name.
    """
    try:
        array = np.asarray(values)
    except (ValueError, TypeError, OverflowError) as exc:
        raise ValidationError(f"{what}: cannot read values from {type(values).__name__}: {exc}") from None
    if array.dtype.kind == "O" and all(type(v) is int for v in array.reshape(-1)):
        return array
    if array.dtype.kind not in "biuf":
        raise ValidationError(f"{what}: values must be numbers, got {array.dtype}")
    return array


def _from_bytes(what: str, desc: OperandDescriptor, data: bytes) -> np.ndarray:
    if len(data) != desc.byte_length:
        raise ValidationError(f"{what}: buffer has {len(data)} bytes, descriptor {desc} needs {desc.byte_length}")
    return np.frombuffer(data, dtype=desc.numpy_dtype).reshape(desc.shape).copy()


def _convert_values(what: str, data_type: str, values: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """Python numbers to ``dtype``, each of which must fit: an integer type takes integers in its
    range, a float type takes any value whose magnitude does not overflow it (NaN and the
    infinities included).  The first value that does not fit is named in the TypeError."""
    flat = values.reshape(-1)
    if dtype.kind in "iu":
        info = dtypes.info(data_type)
        if flat.dtype.kind == "f":
            bad = ~np.isfinite(flat) | (flat != np.round(flat))
        else:  # bool, integers, or Python ints beyond int64 / uint64 (object)
            bad = np.zeros(flat.shape, bool)
        if flat.size and flat.dtype.kind != "b":  # max + 1 is a power of two: exact as a float too
            bad |= (flat < info.min) | (flat >= info.max + 1)
        if bad.any():
            value = _plain(flat[int(np.argmax(bad))])
            raise ValidationError(
                f"{what}: value {value!r} does not fit {data_type} (integers from {info.min} to {info.max})"
            )
        return np.array(values, dtype=dtype, order="C")
    try:
        with np.errstate(over="ignore"):
            array = np.array(values, dtype=dtype, order="C")
    except OverflowError:  # a Python int beyond any float
        raise ValidationError(f"{what}: a value is too large for {data_type} (it would become infinite)") from None
    if flat.dtype.kind == "f":
        overflow = np.isinf(array.reshape(-1)) & np.isfinite(flat)
    else:  # integers (or Python ints) too large for the float type
        overflow = np.isinf(array.reshape(-1))
    if overflow.any():
        value = _plain(flat[int(np.argmax(overflow))])
        raise ValidationError(f"{what}: value {value!r} is too large for {data_type} (it would become infinite)")
    return array


def _plain(value: Any) -> Any:
    """A NumPy scalar as the Python number it holds (for messages)."""
    return value.item() if isinstance(value, np.generic) else value


def array_to_descriptor(what: str, array: np.ndarray, data_type: str | None = None) -> OperandDescriptor:
    """The descriptor of a NumPy array (``bool`` is ``uint8``)."""
    dt = data_type or dtypes.from_numpy(array.dtype)
    if dt is None:
        raise ValidationError(
            f"{what}: dtype {array.dtype} is not a WebNN data type "
            f"({', '.join(dtypes.SPEC_DATA_TYPES)}); convert it or pass data_type"
        )
    return to_descriptor(what, array.shape, dt)
