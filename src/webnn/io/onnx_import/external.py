"""ONNX external data, read by the importer's own rules (the same whatever the onnx version).

A tensor may keep its bytes in another file (``data_location = EXTERNAL``, with ``location``,
``offset`` and ``length`` entries).  The model is loaded without them, then each such tensor is
read here, after these checks:

- the model has a folder: a path's own folder, or ``external_data_dir=`` (which bytes and an
  ``onnx.ModelProto`` need, having none: the current directory is never assumed);
- ``location`` is a relative path without ``..`` components that resolves, symbolic links
  included, to a regular file inside that folder;
- ``offset`` and ``length`` are non-negative integers, the length is the tensor's declared size
  (its shape times its element size), the range lies within the file, and the tensors read no
  more bytes of a file than it holds (no range is read twice to make a model bigger than its files).

A refusal is a :class:`~webnn.io.GraphFormatError` naming the tensor and the location.
"""

from __future__ import annotations

import math
import os
import re
from ntpath import splitdrive as _windows_drive
from typing import Any

from ...errors import sanitize
from ..errors import GraphFormatError
from . import types as T
from .graphs import walk_tensors

#: TensorProto.DataLocation values.
DEFAULT, EXTERNAL = 0, 1
_DECIMAL = re.compile(r"[0-9]{1,19}")


def external_tensors(model: Any) -> list[Any]:
    """The tensors of ``model`` (sub-graphs and attributes included) whose data is external."""
    return [t for t in walk_tensors(model.graph) if t.data_location == EXTERNAL]


def read_external_data(tensors: list[Any], folder: str | None, file: str | None) -> int:
    """Read each tensor's external data into its ``raw_data`` (after the module's checks);
    returns the bytes read.  ``folder`` is the model's folder (None: it has none); ``file`` names
    the model in messages."""
    read_per_file: dict[str, int] = {}
    total = 0
    for tensor in tensors:
        total += _read_one(tensor, folder, file, read_per_file)
    return total


def _read_one(tensor: Any, folder: str | None, file: str | None, read_per_file: dict[str, int]) -> int:
    entries = {entry.key: entry.value for entry in tensor.external_data}
    location = entries.get("location")

    def fail(reason: str) -> GraphFormatError:
        where = f"its external data {sanitize(location)!r}" if location else "its external data"
        return GraphFormatError(f"{where}: {reason}", file=file, key=tensor.name)

    if not isinstance(location, str) or not location:
        raise fail("the location is missing, empty or not valid UTF-8")
    if folder is None:
        raise fail("the model was given as bytes or an onnx.ModelProto, which has no folder to read it "
                   "from; pass external_data_dir= (the folder that holds the file)")
    target = _resolve(location, folder, fail)
    declared = _declared_size(tensor, fail)
    offset = _integer(entries, "offset", 0, fail)
    length = _integer(entries, "length", declared, fail)
    if length != declared:
        raise fail(f"length {length} is not the tensor's size ({declared} bytes: shape {list(tensor.dims)} "
                   f"of {T.name(tensor.data_type)})")
    try:
        with open(target, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            if offset > size or declared > size - offset:
                raise fail(f"bytes {offset} to {offset + declared} lie past the end of the file ({size} bytes)")
            already = read_per_file.get(target, 0)
            if already + declared > size:
                raise fail(f"the model's tensors read {already + declared} bytes from a file of {size} bytes "
                           "(their ranges overlap)")
            f.seek(offset)
            data = f.read(declared)
    except OSError as exc:
        raise fail(f"cannot read it: {exc.strerror or exc}") from None
    if len(data) != declared:
        raise fail(f"the file ended after {len(data)} of {declared} bytes")
    read_per_file[target] = read_per_file.get(target, 0) + declared
    tensor.raw_data = data
    del tensor.external_data[:]
    tensor.data_location = DEFAULT
    return declared


def _resolve(location: str, folder: str, fail: Any) -> str:
    """The real path of ``location`` inside ``folder``, or a refusal."""
    if "\x00" in location:
        raise fail("the location holds a NUL character")
    if os.path.isabs(location) or location.startswith(("/", "\\")) or _windows_drive(location)[0]:
        raise fail("an absolute path is refused (a location is relative to the model's folder)")
    if ".." in re.split(r"[\\/]", location):
        raise fail("a '..' component is refused (a location stays inside the model's folder)")
    root = os.path.realpath(folder)
    target = os.path.realpath(os.path.join(root, location))
    if os.path.commonpath([root, target]) != root:
        raise fail(f"it resolves outside the model's folder {sanitize(root)!r} (through a symbolic link)")
    if not os.path.isfile(target):
        raise fail(f"there is no such file in the model's folder {sanitize(root)!r}")
    return target


def _declared_size(tensor: Any, fail: Any) -> int:
    dims = [int(d) for d in tensor.dims]
    if any(d < 0 for d in dims):
        raise fail(f"the shape {dims} has a negative dimension")
    size = T.stored_bytes(tensor.data_type, math.prod(dims))
    if size is None:
        raise fail(f"ONNX type {T.name(tensor.data_type)} has no fixed size to read")
    return size


def _integer(entries: dict[str, Any], key: str, default: int, fail: Any) -> int:
    value = entries.get(key)
    if value is None:
        return default
    if not isinstance(value, str) or not _DECIMAL.fullmatch(value):
        raise fail(f"{key} {sanitize(value)!r} is not a non-negative integer")
    return int(value)
