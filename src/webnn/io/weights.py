"""External weights: a safetensors file, or a manifest (``NAME.manifest.json``) with a plain
concatenation of little-endian tensor bytes (``NAME.weights``).

Names: the weights of the graph file ``m.webnn`` are ``m.webnn.safetensors``, or
``m.webnn.manifest.json`` with ``m.webnn.weights`` (:func:`weights_paths`): each graph file has
its own, so ``m.webnn`` and ``m.json`` in one folder never share one.  Files written before
that, and by other tools, are named after the stem (``m.safetensors``: :func:`legacy_weights_paths`).

Ownership: the weights files written here record the name of the graph file they belong to, in
the safetensors metadata (``"graph": "m.webnn"``, beside ``"producer": "webnn"``) and in a
top-level ``"graph"`` key of the manifest; :func:`recorded_graph` reads it back, so that a save
never replaces another graph file's weights.

Writing streams the bytes through SHA-256 (:class:`DigestWriter`): the digest the graph file
records costs no second read.  Reading (:class:`SafetensorsWeights`, :class:`ManifestWeights`)
keeps the file open from the digest check (:meth:`WeightsFile.sha256`) to the last tensor read,
so the bytes checked are the bytes read.  Both formats are read and written here (the safetensors
format is an 8-byte little-endian header length, a JSON header of ``dtype``, ``shape`` and
``data_offsets`` per tensor, then the tensor bytes, without gaps); no package is needed.

Every size is checked against the declaration and the file before anything is read or
allocated; every problem is a :class:`~webnn.io.errors.WeightsFormatError` naming the file
and the tensor key.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
from collections.abc import Mapping
from typing import Any, BinaryIO, NamedTuple

import numpy as np

from ..ir import OperandDescriptor
from ..limits import MiB, size_text
from .document import (
    MANIFEST_SUFFIX,
    SAFETENSORS_SUFFIX,
    WeightSource,
    array_bytes,
    array_from_bytes,
    little_endian,
    packed_length,
)
from .errors import GraphFormatError, WeightsFormatError
from .json_format import _kind, key_path, load_json

MANIFEST_FORMAT = "wg-weights-manifest"
PRODUCER = "webnn"

#: safetensors dtype of each data type (int4 / uint4 are stored one value a byte).
SAFETENSORS_TYPES: dict[str, str] = {
    "float32": "F32", "float16": "F16", "int32": "I32", "uint32": "U32", "int64": "I64", "uint64": "U64",
    "int8": "I8", "uint8": "U8", "int4": "I8", "uint4": "U8",
}
#: Bytes per element of the safetensors dtypes (others are accepted in a file, not read).
SAFETENSORS_ITEM_BYTES: dict[str, int] = {
    "BOOL": 1, "U8": 1, "I8": 1, "F8_E5M2": 1, "F8_E4M3": 1, "I16": 2, "U16": 2, "F16": 2, "BF16": 2,
    "I32": 4, "U32": 4, "F32": 4, "I64": 8, "U64": 8, "F64": 8,
}
#: The largest safetensors header (as the safetensors package) and manifest read.
MAX_HEADER_BYTES = 100 * MiB
_CHUNK = 1 * MiB


def _stem_path(path: str, suffix: str) -> str:
    return path[: -len(suffix)] if path.endswith(suffix) else os.path.splitext(path)[0]


def weights_paths(graph_path: str) -> dict[str, str]:
    """The weights files of a graph file, named after the whole file name: ``model.webnn`` ->
    ``model.webnn.safetensors``, ``model.webnn.manifest.json`` and ``model.webnn.weights``."""
    return {"safetensors": graph_path + SAFETENSORS_SUFFIX, "manifest": graph_path + MANIFEST_SUFFIX,
            "weights": graph_path + ".weights"}


def legacy_weights_paths(graph_path: str) -> dict[str, str]:
    """The weights files named after the stem (``model.webnn`` -> ``model.safetensors``, ...), as
    earlier versions and other tools name them."""
    stem = os.path.splitext(graph_path)[0]
    return {"safetensors": stem + SAFETENSORS_SUFFIX, "manifest": stem + MANIFEST_SUFFIX, "weights": stem + ".weights"}


def manifest_data_path(manifest_path: str) -> str:
    """The ``.weights`` file a manifest describes: ``m.webnn.manifest.json`` -> ``m.webnn.weights``."""
    return _stem_path(manifest_path, MANIFEST_SUFFIX) + ".weights"


# ---------------------------------------------------------------------------------------- writing


class DigestWriter:
    """Writes to a binary file and keeps the SHA-256 of everything written."""

    def __init__(self, file: BinaryIO) -> None:
        self.file = file
        self._hash = hashlib.sha256()

    def write(self, data: bytes | memoryview) -> None:
        self._hash.update(data)
        self.file.write(data)

    def hexdigest(self) -> str:
        return self._hash.hexdigest()


def _le_bytes(desc: OperandDescriptor, array: np.ndarray) -> memoryview:
    """The array's little-endian bytes, one element after another (int4 / uint4 one a byte), without
    a copy where the array already is so."""
    flat = np.ascontiguousarray(array, dtype=little_endian(desc.data_type)).reshape(-1)
    return memoryview(flat).cast("B")


def write_safetensors(file: BinaryIO, tensors: Mapping[str, tuple[OperandDescriptor, np.ndarray]], graph: str) -> str:
    """Write ``tensors`` as a safetensors file whose metadata names ``graph``; returns its SHA-256."""
    header: dict[str, Any] = {"__metadata__": {"producer": PRODUCER, "graph": graph}}
    offset = 0
    for key, (desc, _) in tensors.items():
        length = desc.element_count * SAFETENSORS_ITEM_BYTES[SAFETENSORS_TYPES[desc.data_type]]
        header[key] = {"dtype": SAFETENSORS_TYPES[desc.data_type], "shape": list(desc.shape),
                       "data_offsets": [offset, offset + length]}
        offset += length
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=True).encode("ascii")
    text += b" " * (-len(text) % 8)  # the tensor data starts 8-byte aligned
    out = DigestWriter(file)
    out.write(struct.pack("<Q", len(text)) + text)
    for desc, array in tensors.values():
        out.write(_le_bytes(desc, array))
    return out.hexdigest()


def write_manifest_data(
    file: BinaryIO, tensors: Mapping[str, tuple[OperandDescriptor, np.ndarray]]
) -> tuple[dict[str, Any], str]:
    """Write the tensors' bytes one after another (int4 / uint4 packed two a byte); returns the
    manifest's entries and the SHA-256 of the bytes."""
    entries: dict[str, Any] = {}
    offset = 0
    out = DigestWriter(file)
    for key, (desc, array) in tensors.items():
        data: bytes | memoryview
        if desc.data_type in ("int4", "uint4"):
            data = array_bytes(desc.data_type, array)
        else:
            data = _le_bytes(desc, array)
        out.write(data)
        length = len(data) if isinstance(data, bytes) else data.nbytes
        entries[key] = {"dataType": desc.data_type, "shape": list(desc.shape), "byteOffset": offset,
                        "byteLength": length, "layout": "row-major"}
        offset += length
    return entries, out.hexdigest()


def manifest_bytes(entries: Mapping[str, Any], graph: str) -> bytes:
    """The manifest of ``entries``, naming the graph file it belongs to."""
    manifest = {"format": MANIFEST_FORMAT, "version": 1, "endianness": "little", "graph": graph,
                "producer": PRODUCER, "tensors": entries}
    return (json.dumps(manifest, indent=1, ensure_ascii=True) + "\n").encode("ascii")


def recorded_graph(path: str) -> str | None:
    """The graph file name that the weights file ``path`` (a safetensors file or a manifest)
    records as its owner; None when it records none or cannot be read."""
    try:
        with open(path, "rb") as f:
            if path.endswith(SAFETENSORS_SUFFIX):
                head = f.read(8)
                length = struct.unpack("<Q", head)[0] if len(head) == 8 else MAX_HEADER_BYTES + 1
                if length > MAX_HEADER_BYTES:
                    return None
                data = json.loads(f.read(length)).get("__metadata__", {})
            else:
                data = json.loads(f.read(MAX_HEADER_BYTES))
    except (OSError, ValueError, RecursionError, MemoryError, AttributeError):
        return None
    graph = data.get("graph") if isinstance(data, dict) else None
    return graph if isinstance(graph, str) else None


# ---------------------------------------------------------------------------------------- reading


class Expected(NamedTuple):
    """What a graph file records of a weights file: for messages, the graph file's name and the
    weights file's, and the digest."""

    graph: str
    name: str
    sha256: str
    #: Said after a mismatch (how to go on anyway).
    hint: str = ""


def check_digest(actual: str, expected: Expected, path: str) -> None:
    """A WeightsFormatError naming both files when ``actual`` is not the recorded digest."""
    if actual == expected.sha256.lower():
        return
    name = os.path.basename(path)
    which = "the file" if name == expected.name else name
    raise WeightsFormatError(
        f"{expected.graph} expects {expected.name} with sha256 {expected.sha256[:16].lower()}..., {which} has "
        f"{actual[:16]}...: it was written by another save{expected.hint}",
        file=path,
    )


class WeightsFile:
    """A weights file open for reading: its size, its SHA-256 (streamed), bytes at an offset."""

    def __init__(self, path: str, what: str = "the weights file") -> None:
        self.path = path
        try:
            self._file: Any = open(path, "rb", buffering=0)  # noqa: SIM115 - held until close()
        except FileNotFoundError:
            raise WeightsFormatError(f"{what} does not exist", file=path) from None
        except OSError as exc:
            raise WeightsFormatError(f"cannot read {what}: {exc.strerror}", file=path) from None
        self.size = os.fstat(self._file.fileno()).st_size

    def sha256(self) -> str:
        """The SHA-256 of the whole file, read in chunks."""
        digest = hashlib.sha256()
        buffer = memoryview(bytearray(_CHUNK))
        self._file.seek(0)
        while True:
            count = self._file.readinto(buffer)
            if not count:
                return digest.hexdigest()
            digest.update(buffer[:count])

    def read(self, offset: int, length: int) -> bytearray | None:
        """``length`` bytes from ``offset`` (the caller checked both against the size); None when the
        file ended early (it shrank since it was opened)."""
        data = bytearray(length)
        view = memoryview(data)
        self._file.seek(offset)
        done = 0
        while done < length:
            count = self._file.readinto(view[done:])
            if not count:
                return None
            done += count
        return data

    def close(self) -> None:
        self._file.close()


class SafetensorsWeights(WeightSource):
    """Tensors of a safetensors file, read one by one (the file's header is checked on opening,
    after the digest when one is expected)."""

    def __init__(self, path: str, expected: Expected | None = None) -> None:
        self.path = path
        self.description = path
        self.file = WeightsFile(path)
        try:
            if expected is not None:
                check_digest(self.file.sha256(), expected, path)
            self._entries, self._data_start = self._header()
        except BaseException:
            self.file.close()
            raise

    def _fail(self, message: str) -> WeightsFormatError:
        return WeightsFormatError(f"not a valid safetensors file: {message}", file=self.path)

    def _header(self) -> tuple[dict[str, tuple[str, tuple[int, ...], int, int]], int]:
        """Each tensor's dtype, shape and data offsets, all checked against the file."""
        size = self.file.size
        if size < 8:
            raise self._fail(f"{size} bytes, less than the 8-byte header length")
        head = self.file.read(0, 8)
        length = struct.unpack("<Q", head)[0] if head is not None else 0
        if length > size - 8:
            raise self._fail(f"the header length is {length} bytes, but {size - 8} bytes follow it: truncated?")
        if length > MAX_HEADER_BYTES:
            raise self._fail(f"the header length is {length} bytes, more than {size_text(MAX_HEADER_BYTES)}")
        data = self.file.read(8, length)
        if data is None:
            raise self._fail("the file ended early: truncated?")
        try:
            header = load_json(bytes(data), self.path, "safetensors header", WeightsFormatError)
        except GraphFormatError as exc:
            raise self._fail(f"header: {exc.reason}") from None
        if not isinstance(header, dict):
            raise self._fail(f"the header is {_kind(header)}, not an object")
        data_size = size - 8 - length
        entries: dict[str, tuple[str, tuple[int, ...], int, int]] = {}
        for key, entry in header.items():
            if key == "__metadata__":
                if not isinstance(entry, dict):
                    raise self._fail(f"__metadata__ is {_kind(entry)}, not an object")
                continue
            entries[key] = self._entry(key, entry, data_size)
        end = 0
        for _, _, begin, stop in sorted(entries.values(), key=lambda e: (e[2], e[3])):
            if begin != end:
                raise self._fail(f"the tensor data {'overlaps' if begin < end else 'has a gap'} at byte {begin}")
            end = stop
        if end != data_size:
            raise self._fail(f"{data_size - end} bytes after the last tensor's data")
        return entries, 8 + length

    def _entry(self, key: str, entry: Any, data_size: int) -> tuple[str, tuple[int, ...], int, int]:
        where = f"tensor {key!r}"
        if not isinstance(entry, dict):
            raise self._fail(f"{where} is {_kind(entry)}, not an object")
        dtype, shape, offsets = entry.get("dtype"), entry.get("shape"), entry.get("data_offsets")
        if not isinstance(dtype, str):
            raise self._fail(f"{where}: dtype is {_kind(dtype)}, not a string")
        if not isinstance(shape, list) or len(shape) > 64 or not all(type(d) is int and d >= 0 for d in shape):
            raise self._fail(f"{where}: shape must be a list of at most 64 integers >= 0")
        if (not isinstance(offsets, list) or len(offsets) != 2 or not all(type(o) is int for o in offsets)
                or not 0 <= offsets[0] <= offsets[1]):
            raise self._fail(f"{where}: data_offsets must be two integers, begin <= end")
        begin, end = offsets
        if end > data_size:
            raise self._fail(f"{where}: its data ends at byte {end}, past the end of the data ({data_size} bytes): "
                             "truncated?")
        item = SAFETENSORS_ITEM_BYTES.get(dtype)
        if item is not None:
            count = 1
            for d in shape:
                count *= d
            if end - begin != count * item:
                raise self._fail(f"{where}: {dtype}{shape} takes {count * item} bytes, its data_offsets give "
                                 f"{end - begin}")
        return dtype, tuple(shape), begin, end

    def get(self, key: str, desc: OperandDescriptor) -> np.ndarray:
        entry = self._entries.get(key)
        if entry is None:
            raise WeightsFormatError("no such tensor in the file", file=self.path, key=key)
        dtype, shape, begin, end = entry
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
        # The header check gave end - begin == the shape's bytes, the graph's declaration bounds them.
        data = self.file.read(self._data_start + begin, end - begin)
        if data is None:
            raise WeightsFormatError("the file ended early: truncated?", file=self.path, key=key)
        array = np.frombuffer(data, dtype=little_endian(desc.data_type))
        return array.astype(desc.numpy_dtype, copy=False).reshape(desc.shape)

    def close(self) -> None:
        self.file.close()


class ManifestWeights(WeightSource):
    """Tensors of a ``.weights`` file, where its manifest says (the digests of both checked first
    when they are expected)."""

    def __init__(
        self, manifest_path: str, weights_path: str | None = None,
        expected: Expected | None = None, expected_data: Expected | None = None,
    ) -> None:
        self.manifest_path = manifest_path
        self.path = weights_path or manifest_data_path(manifest_path)
        self.description = self.path
        manifest_file = WeightsFile(manifest_path, "the weights manifest")
        try:
            if manifest_file.size > MAX_HEADER_BYTES:
                raise self._fail("$", f"{manifest_file.size} bytes, more than {size_text(MAX_HEADER_BYTES)}")
            data = manifest_file.read(0, manifest_file.size)
        finally:
            manifest_file.close()
        if data is None:
            raise WeightsFormatError("the manifest ended early (it shrank while read)", file=manifest_path)
        if expected is not None:
            check_digest(hashlib.sha256(data).hexdigest(), expected, manifest_path)
        manifest = load_json(bytes(data), manifest_path, "manifest", WeightsFormatError)
        self.entries = self._check_manifest(manifest)
        self.file = WeightsFile(self.path)
        if expected_data is not None:
            try:
                check_digest(self.file.sha256(), expected_data, self.path)
            except BaseException:
                self.file.close()
                raise
        self.size = self.file.size

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
        data = self.file.read(offset, length)
        if data is None:
            raise WeightsFormatError("the file ended early: truncated?", file=self.path, key=key)
        if self.big_endian and desc.numpy_dtype.itemsize > 1:
            big = np.frombuffer(data, dtype=desc.numpy_dtype.newbyteorder(">"))
            return big.astype(desc.numpy_dtype).reshape(desc.shape)
        array = array_from_bytes(desc, data)
        if array is None:  # pragma: no cover - the length was checked above
            raise WeightsFormatError("wrong byte length", file=self.path, key=key)
        return array

    def close(self) -> None:
        self.file.close()


def open_weights(path: str, expected: Expected | None = None, expected_data: Expected | None = None) -> WeightSource:
    """A weights source from a ``.safetensors`` file or a ``.manifest.json`` (its ``.weights`` beside it);
    a ``.weights`` path finds its manifest beside it.  ``expected``: the digest the graph file records
    of the safetensors file or manifest, ``expected_data`` of the manifest's ``.weights`` file."""
    if path.endswith(SAFETENSORS_SUFFIX):
        return SafetensorsWeights(path, expected)
    if path.endswith(".weights"):
        return ManifestWeights(_stem_path(path, ".weights") + MANIFEST_SUFFIX, path, expected, expected_data)
    if path.endswith(".json"):
        return ManifestWeights(path, None, expected, expected_data)
    raise WeightsFormatError(
        "unknown weights file type: use a .safetensors file or a .manifest.json (with its .weights)", file=path
    )
