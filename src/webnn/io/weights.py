"""External weights: a safetensors file, or a manifest (``NAME.manifest.json``) with a plain
concatenation of little-endian tensor bytes (``NAME.weights``).

Every size is checked against the declaration and the file before anything is read or
allocated; every problem is a :class:`~webnn.io.errors.WeightsFormatError` naming the file
and the tensor key.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import numpy as np

from ..ir import OperandDescriptor
from .document import WeightSource, array_bytes, array_from_bytes, little_endian, packed_length
from .errors import WeightsFormatError
from .json_format import _kind, key_path, load_json

MANIFEST_FORMAT = "wg-weights-manifest"

#: safetensors dtype of each data type (int4 / uint4 are stored one value a byte).
SAFETENSORS_TYPES: dict[str, str] = {
    "float32": "F32", "float16": "F16", "int32": "I32", "uint32": "U32", "int64": "I64", "uint64": "U64",
    "int8": "I8", "uint8": "U8", "int4": "I8", "uint4": "U8",
}


def _stem_path(path: str, suffix: str) -> str:
    return path[: -len(suffix)] if path.endswith(suffix) else os.path.splitext(path)[0]


def weights_paths(graph_path: str) -> dict[str, str]:
    """The weights files that belong to a graph file: ``model.webnn`` -> ``model.safetensors``,
    ``model.manifest.json`` and ``model.weights``."""
    stem = os.path.splitext(graph_path)[0]
    return {
        "safetensors": stem + ".safetensors",
        "manifest": stem + ".manifest.json",
        "weights": stem + ".weights",
    }


# ---------------------------------------------------------------------------------------- writing


def write_safetensors(path: str, tensors: Mapping[str, tuple[OperandDescriptor, np.ndarray]]) -> None:
    try:
        from safetensors.numpy import save_file
    except ImportError:  # pragma: no cover - an installation without the extra
        raise RuntimeError(
            "writing safetensors weights needs the safetensors package (pip install safetensors), "
            "or save with weights='manifest'"
        ) from None
    arrays = {key: np.ascontiguousarray(array, dtype=little_endian(desc.data_type))
              for key, (desc, array) in tensors.items()}
    save_file(arrays, path, metadata={"producer": "webnn"})


def write_manifest(manifest_path: str, weights_path: str, tensors: Mapping[str, tuple[OperandDescriptor, np.ndarray]]) -> None:
    import json

    entries: dict[str, Any] = {}
    offset = 0
    with open(weights_path, "wb") as f:
        for key, (desc, array) in tensors.items():
            if desc.data_type in ("int4", "uint4"):
                data: Any = array_bytes(desc.data_type, array)
            else:  # no copy: the array's own memory, little-endian
                data = memoryview(np.ascontiguousarray(array, dtype=little_endian(desc.data_type)).reshape(-1)).cast("B")
            f.write(data)
            length = len(data) if isinstance(data, bytes) else data.nbytes
            entries[key] = {
                "dataType": desc.data_type, "shape": list(desc.shape), "byteOffset": offset,
                "byteLength": length, "layout": "row-major",
            }
            offset += length
    manifest = {"format": MANIFEST_FORMAT, "version": 1, "endianness": "little", "tensors": entries}
    text = json.dumps(manifest, indent=1, ensure_ascii=True)
    with open(manifest_path, "w", encoding="ascii") as f:
        f.write(text + "\n")


# ---------------------------------------------------------------------------------------- reading


class SafetensorsWeights(WeightSource):
    """Tensors of a safetensors file, read one by one (the file's header is checked on opening)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.description = path
        try:
            from safetensors import safe_open
        except ImportError:  # pragma: no cover - an installation without the extra
            raise WeightsFormatError(
                "reading safetensors weights needs the safetensors package (pip install safetensors)", file=path
            ) from None
        try:
            self._file = safe_open(path, framework="numpy")
            self._keys = set(self._file.keys())
        except FileNotFoundError:
            raise WeightsFormatError("the weights file does not exist", file=path) from None
        except Exception as exc:  # safetensors' own errors: a malformed header, a truncated file
            raise WeightsFormatError(f"not a valid safetensors file: {exc}", file=path) from None

    def get(self, key: str, desc: OperandDescriptor) -> np.ndarray:
        if key not in self._keys:
            raise WeightsFormatError("no such tensor in the file", file=self.path, key=key)
        try:
            view = self._file.get_slice(key)
            dtype, shape = view.get_dtype(), tuple(view.get_shape())
        except Exception as exc:
            raise WeightsFormatError(f"unreadable tensor: {exc}", file=self.path, key=key) from None
        expected = SAFETENSORS_TYPES[desc.data_type]
        if dtype != expected and not (dtype == "BOOL" and desc.data_type == "uint8"):
            raise WeightsFormatError(
                f"dtype {dtype}, but the graph declares {desc.data_type} (stored as {expected})",
                file=self.path, key=key,
            )
        if shape != desc.shape:
            raise WeightsFormatError(
                f"shape {list(shape)}, but the graph declares {list(desc.shape)}", file=self.path, key=key
            )
        try:
            array = self._file.get_tensor(key)
        except Exception as exc:
            raise WeightsFormatError(f"unreadable tensor: {exc}", file=self.path, key=key) from None
        return np.asarray(array).astype(desc.numpy_dtype, copy=False).reshape(desc.shape)

    def close(self) -> None:
        self._file = None


class ManifestWeights(WeightSource):
    """Tensors of a ``.weights`` file, where its manifest says."""

    def __init__(self, manifest_path: str, weights_path: str | None = None) -> None:
        self.manifest_path = manifest_path
        self.path = weights_path or _stem_path(manifest_path, ".manifest.json") + ".weights"
        self.description = self.path
        try:
            with open(manifest_path, "rb") as f:
                data = f.read()
        except FileNotFoundError:
            raise WeightsFormatError("the weights manifest does not exist", file=manifest_path) from None
        except OSError as exc:
            raise WeightsFormatError(f"cannot read the manifest: {exc.strerror}", file=manifest_path) from None
        manifest = load_json(data, manifest_path, "manifest", WeightsFormatError)
        self.entries = self._check_manifest(manifest)
        try:
            self.size = os.path.getsize(self.path)
        except OSError:
            raise WeightsFormatError("the weights file does not exist", file=self.path) from None

    def _fail(self, path: str, message: str, key: str | None = None) -> WeightsFormatError:
        return WeightsFormatError(message, file=self.manifest_path, json_path=path, key=key)

    def _check_manifest(self, manifest: Any) -> dict[str, dict[str, Any]]:
        if not isinstance(manifest, dict):
            raise self._fail("$", f"expected an object, got {_kind(manifest)}")
        fmt = manifest.get("format", MANIFEST_FORMAT)
        if fmt != MANIFEST_FORMAT:
            raise self._fail("$.format", f"expected {MANIFEST_FORMAT!r}, got {fmt!r}")
        version = manifest.get("version", 1)
        if version != 1 or type(version) is not int:
            raise self._fail("$.version", f"unsupported version {version!r}")
        endianness = manifest.get("endianness", "little")
        if endianness not in ("little", "big"):
            raise self._fail("$.endianness", f"expected 'little' or 'big', got {endianness!r}")
        self.big_endian = endianness == "big"
        tensors = manifest.get("tensors")
        if not isinstance(tensors, dict):
            raise self._fail("$.tensors", f"expected an object, got {_kind(tensors)}")
        for key, entry in tensors.items():
            path = key_path("$.tensors", key)
            if not isinstance(entry, dict):
                raise self._fail(path, f"expected an object, got {_kind(entry)}", key)
            for field in ("byteOffset", "byteLength"):
                value = entry.get(field)
                if type(value) is not int or value < 0:
                    raise self._fail(f"{path}.{field}", f"expected an integer >= 0, got {_kind(value)}", key)
            if entry.get("layout") not in (None, "row-major"):
                raise self._fail(f"{path}.layout", f"unsupported layout {entry.get('layout')!r}", key)
            shape = entry.get("shape")
            if shape is not None and (not isinstance(shape, list) or not all(type(d) is int for d in shape)):
                raise self._fail(f"{path}.shape", "expected an array of integers", key)
            if "dataType" in entry and not isinstance(entry["dataType"], str):
                raise self._fail(f"{path}.dataType", f"expected a string, got {_kind(entry['dataType'])}", key)
        return tensors

    def get(self, key: str, desc: OperandDescriptor) -> np.ndarray:
        entry = self.entries.get(key)
        path = key_path("$.tensors", key)
        if entry is None:
            raise self._fail("$.tensors", "no such tensor in the manifest", key)
        data_type = entry.get("dataType", desc.data_type)
        if data_type != desc.data_type:
            raise self._fail(f"{path}.dataType", f"{data_type}, but the graph declares {desc.data_type}", key)
        shape = entry.get("shape")
        if shape is not None and tuple(shape) != desc.shape:
            raise self._fail(f"{path}.shape", f"{shape}, but the graph declares {list(desc.shape)}", key)
        offset, length = entry["byteOffset"], entry["byteLength"]
        expected = packed_length(desc)
        if length != expected and not (desc.data_type in ("int4", "uint4") and length == desc.element_count):
            raise self._fail(f"{path}.byteLength", f"{length} bytes, but {desc} takes {expected}", key)
        if offset + length > self.size:
            raise WeightsFormatError(
                f"bytes {offset} to {offset + length} are past the end of the file ({self.size} bytes): truncated?",
                file=self.path, key=key,
            )
        try:
            with open(self.path, "rb") as f:
                f.seek(offset)
                data = f.read(length)
        except OSError as exc:
            raise WeightsFormatError(f"cannot read the weights: {exc.strerror}", file=self.path, key=key) from None
        if len(data) != length:
            raise WeightsFormatError("the file ended early: truncated?", file=self.path, key=key)
        if self.big_endian and desc.numpy_dtype.itemsize > 1:
            data = np.frombuffer(data, dtype=desc.numpy_dtype.newbyteorder(">")).astype(little_endian(desc.data_type)).tobytes()
        array = array_from_bytes(desc, data)
        if array is None:  # pragma: no cover - the length was checked above
            raise WeightsFormatError("wrong byte length", file=self.path, key=key)
        return array


def open_weights(path: str) -> WeightSource:
    """A weights source from a ``.safetensors`` file or a ``.manifest.json`` (its ``.weights`` beside it);
    a ``.weights`` path finds its manifest beside it."""
    if path.endswith(".safetensors"):
        return SafetensorsWeights(path)
    if path.endswith(".weights"):
        return ManifestWeights(_stem_path(path, ".weights") + ".manifest.json", path)
    if path.endswith(".json"):
        return ManifestWeights(path)
    raise WeightsFormatError(
        "unknown weights file type: use a .safetensors file or a .manifest.json (with its .weights)", file=path
    )
