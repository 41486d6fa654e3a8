"""The webnn-graph document: what the text (``.webnn``) and JSON forms both hold.

A :class:`Document` lists declared inputs, constants (each with its initializer:
external weights by key, one scalar value, or inline bytes), operation nodes
(op name, positional arguments, ``key=value`` options, output names), the
graph outputs, and the :class:`WeightsRecord` of the weights file it uses.
:func:`from_graph` makes one from a graph's IR, losing nothing: every
attribute, every operand option, every label.  :func:`build` rebuilds the
graph with the builder, so every rule of the spec is checked again; every
problem is a :class:`~webnn.io.errors.GraphFormatError` that says where it is.
What ``build`` makes from a few bytes (``@scalar`` constants) is charged to a
:class:`~webnn.limits.Budget` before it is allocated.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from .. import dtypes
from ..descriptor import check_shape
from ..errors import WebNNError, sanitize
from ..ir import Graph, OperandDescriptor
from ..limits import Budget, size_text
from ..ops import JS_NAMES, OPS, OpDef
from ..ops.base import MAX_TENSOR_BYTE_LENGTH, camel, snake
from .errors import GraphFormatError, WeightsFormatError

if TYPE_CHECKING:
    from ..builder import MLOperand
    from ..context import MLContext

FORMAT_JSON = "webnn-graph-json"
VERSIONS = (1, 2)

#: The text form's short type names.
TEXT_TYPES: dict[str, str] = {
    "f32": "float32", "f16": "float16", "i32": "int32", "u32": "uint32", "i64": "int64", "u64": "uint64",
    "i8": "int8", "u8": "uint8", "i4": "int4", "u4": "uint4",
}
TYPE_NAMES: dict[str, str] = {v: k for k, v in TEXT_TYPES.items()}

#: How JSON (which has no literal for them) and the text form write non-finite floats.
SPECIAL_FLOATS: dict[str, float] = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}

IDENTIFIER = re.compile(r"[A-Za-z_/$][A-Za-z0-9_./]*\Z")
#: Words that read as literals where a value is expected: names spelled so are quoted.
RESERVED = frozenset({"true", "false", "null", "NaN", "Infinity"})


def is_identifier(name: str) -> bool:
    return bool(IDENTIFIER.match(name)) and name not in RESERVED


class Ref:
    """A reference to an operand by name (an identifier in the text form)."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Ref) and other.name == self.name

    def __hash__(self) -> int:
        return hash(("Ref", self.name))

    def __repr__(self) -> str:
        return f"Ref({self.name!r})"


class Loc(NamedTuple):
    """Where something is: a line and column (text) or a JSON path."""

    line: int | None = None
    column: int | None = None
    path: str | None = None

    def child(self, suffix: str) -> Loc:
        """A JSON path below this one (text locations stay as they are)."""
        return self._replace(path=self.path + suffix) if self.path is not None else self


@dataclass
class Decl:
    """A graph input, or a constant with its initializer."""

    name: str
    data_type: str
    shape: tuple[int, ...]
    loc: Loc = Loc()
    #: None for inputs; ("weights", key), ("scalar", value) or ("bytes", bytes) for constants.
    init: tuple[str, Any] | None = None


@dataclass
class Node:
    op: str
    args: list[Any]
    options: dict[str, Any]
    outputs: list[str]
    loc: Loc = Loc()
    arg_locs: list[Loc] = field(default_factory=list)
    option_locs: dict[str, Loc] = field(default_factory=dict)
    #: Written as ``[a, b] = op(...)`` / with an ``outputs`` list.
    multi: bool = False


#: The names of the weights files (a safetensors file, or a manifest with its data file).
SAFETENSORS_SUFFIX = ".safetensors"
MANIFEST_SUFFIX = ".manifest.json"
SHA256_HEX = re.compile(r"[0-9a-fA-F]{64}\Z")


@dataclass(frozen=True)
class WeightsRecord:
    """The weights file a graph file uses (a name in the graph file's folder) and the SHA-256 of
    its bytes; for the manifest form, also the ``.weights`` file the manifest describes and its
    SHA-256.  A digest is None where the graph file records none."""

    file: str
    sha256: str | None = None
    data_file: str | None = None
    data_sha256: str | None = None

    @property
    def kind(self) -> str:
        """"safetensors" or "manifest", by the file name."""
        return "manifest" if self.file.endswith(MANIFEST_SUFFIX) else "safetensors"


def weights_name_problem(name: str, data: bool = False) -> str | None:
    """Why ``name`` cannot be a weights file named by a graph file (None when it can): it must be
    a plain file name in the graph file's folder, and a .safetensors or .manifest.json file (any
    name for the data file of a manifest)."""
    shown = repr(sanitize(name))
    if not name or name in (".", "..") or "\0" in name:
        return f"{shown} is not a file name"
    if "/" in name or "\\" in name or os.path.isabs(name) or os.path.splitdrive(name)[0]:
        return f"{shown} has a folder part: the weights file must be beside the graph file"
    if not data and not name.endswith((SAFETENSORS_SUFFIX, MANIFEST_SUFFIX)):
        return f"{shown} is neither a {SAFETENSORS_SUFFIX} nor a {MANIFEST_SUFFIX} file"
    return None


def digest_problem(value: str) -> str | None:
    """Why ``value`` is not a SHA-256 digest in hexadecimal (None when it is)."""
    if SHA256_HEX.match(value):
        return None
    return f"{sanitize(value[:80])!r} is not a SHA-256 digest (64 hexadecimal digits)"


@dataclass
class Document:
    name: str = "graph"
    version: int = 1
    quantized: bool = False
    inputs: dict[str, Decl] = field(default_factory=dict)
    consts: dict[str, Decl] = field(default_factory=dict)
    nodes: list[Node] = field(default_factory=list)
    #: Graph output name -> operand name.
    outputs: dict[str, str] = field(default_factory=dict)
    output_locs: dict[str, Loc] = field(default_factory=dict)
    file: str | None = None
    #: The weights file the graph file names (and its digest), if it names one.
    weights: WeightsRecord | None = None

    def error(
        self, loc: Loc | None, message: str, cls: type[GraphFormatError] = GraphFormatError, key: str | None = None
    ) -> GraphFormatError:
        loc = loc or Loc()
        return cls(message, file=self.file, line=loc.line, column=loc.column, json_path=loc.path, key=key)

    def weight_keys(self) -> list[str]:
        return [d.init[1] for d in self.consts.values() if d.init is not None and d.init[0] == "weights"]


# ---------------------------------------------------------------------------------------- values


def plain(value: Any) -> Any:
    """An attribute value as JSON-like data: tuples become lists, non-finite floats strings."""
    if value is None or isinstance(value, bool | str | Ref):
        return value
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        number = float(value)
        if math.isnan(number):
            return "NaN"
        if math.isinf(number):
            return "Infinity" if number > 0 else "-Infinity"
        return number
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, list | tuple | np.ndarray):
        return [plain(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    raise TypeError(f"cannot write a value of type {type(value).__name__}")


def decode(value: Any) -> Any:
    """A written value back as an argument: the non-finite float spellings become floats,
    a bare identifier in a value position is its text."""
    if isinstance(value, Ref):
        value = value.name
    if isinstance(value, str):
        return SPECIAL_FLOATS.get(value, value)
    if isinstance(value, list):
        return [decode(v) for v in value]
    return value


# ---------------------------------------------------------------------------------------- constants


def pack_int4(array: np.ndarray) -> bytes:
    """4-bit values (stored one a byte) packed two a byte, the first in the low nibble."""
    flat = (array.reshape(-1).astype(np.int16) & 0xF).astype(np.uint8)
    if flat.size % 2:
        flat = np.append(flat, np.uint8(0))
    return (flat[0::2] | (flat[1::2] << 4)).tobytes()


def unpack_int4(data: bytes, count: int, signed: bool) -> np.ndarray:
    raw = np.frombuffer(data, dtype=np.uint8)
    values = np.empty(raw.size * 2, dtype=np.uint8)
    values[0::2] = raw & 0xF
    values[1::2] = raw >> 4
    values = values[:count]
    if signed:
        return ((values.astype(np.int16) ^ 8) - 8).astype(np.int8)
    return values


def little_endian(data_type: str) -> np.dtype:
    return dtypes.to_numpy(data_type).newbyteorder("<")


def array_bytes(data_type: str, array: np.ndarray) -> bytes:
    """The little-endian bytes of a constant (int4 / uint4 packed two a byte)."""
    if data_type in ("int4", "uint4"):
        return pack_int4(array)
    return np.ascontiguousarray(array, dtype=little_endian(data_type)).tobytes()


def packed_length(desc: OperandDescriptor) -> int:
    """The byte length of a constant's data as written: int4 / uint4 take half a byte each."""
    if desc.data_type in ("int4", "uint4"):
        return (desc.element_count + 1) // 2
    return desc.byte_length


def array_from_bytes(desc: OperandDescriptor, data: bytes) -> np.ndarray | None:
    """The constant stored in ``data`` (int4 / uint4 packed, or one a byte); None if the length is wrong."""
    count = desc.element_count
    if desc.data_type in ("int4", "uint4"):
        if len(data) == (count + 1) // 2:
            return unpack_int4(data, count, desc.data_type == "int4").reshape(desc.shape)
        if len(data) != count:
            return None
    elif len(data) != desc.byte_length:
        return None
    array = np.frombuffer(data, dtype=little_endian(desc.data_type))
    return array.astype(desc.numpy_dtype, copy=False).reshape(desc.shape)


def scalar_value(desc: OperandDescriptor, array: np.ndarray) -> int | float | None:
    """The value of a constant whose elements are all the same (bit for bit, finite), else None."""
    flat = array.reshape(-1)
    if flat.size == 0:
        return None
    if desc.numpy_dtype.kind == "f":
        bits = flat.view({2: np.uint16, 4: np.uint32, 8: np.uint64}[flat.dtype.itemsize])
        if not (bits == bits[0]).all() or not math.isfinite(float(flat[0])):
            return None
        return float(flat[0])
    if not (flat == flat[0]).all():
        return None
    return int(flat[0])


def scalar_array(doc: Document, decl: Decl, desc: OperandDescriptor, value: Any) -> np.ndarray:
    """A constant filled with ``value`` (@scalar), which must be exactly representable: a read-only
    broadcast view of one element (the builder makes the copy it keeps)."""
    info = dtypes.info(desc.data_type)
    if isinstance(value, str) and value in SPECIAL_FLOATS:
        value = SPECIAL_FLOATS[value]
    if isinstance(value, bool):
        value = int(value)
    if not isinstance(value, int | float):
        raise doc.error(decl.loc, f"constant {decl.name!r}: the scalar value must be a number, got {value!r}")
    if info.is_float:
        if isinstance(value, int):
            try:
                value = float(value)
            except OverflowError:  # beyond the float range: an infinity, as the spec's cast gives
                value = math.inf if value > 0 else -math.inf
        with np.errstate(over="ignore"):
            filler = desc.numpy_dtype.type(value)
    else:
        if isinstance(value, float):
            if not value.is_integer():
                raise doc.error(decl.loc, f"constant {decl.name!r}: {value!r} is not an integer ({desc.data_type})")
            value = int(value)
        if not info.min <= value <= info.max:
            raise doc.error(decl.loc, f"constant {decl.name!r}: {value} is out of range for {desc.data_type}")
        filler = desc.numpy_dtype.type(value)
    return np.broadcast_to(np.array(filler, dtype=desc.numpy_dtype), desc.shape)


# ---------------------------------------------------------------------------------------- graph -> document


def _unique(base: str, taken: set[str]) -> str:
    name, n = base, 0
    while name in taken:
        n += 1
        name = f"{base}_{n}"
    taken.add(name)
    return name


def from_graph(
    graph: Graph,
    name: str = "graph",
    *,
    external: Callable[[OperandDescriptor, np.ndarray], bool],
) -> tuple[Document, dict[str, tuple[OperandDescriptor, np.ndarray]]]:
    """The document of ``graph``, and the constants to store externally (key -> descriptor, array).

    ``external(desc, array)`` says whether a constant goes to the weights file; the others are
    written inline (``@scalar`` when all values are the same, ``@bytes`` otherwise).
    """
    doc = Document(name=name)
    operand_names: dict[int, str] = {}
    taken: set[str] = set(graph.inputs)
    for input_name, operand in graph.inputs.items():
        operand_names[operand] = input_name
    # Graph outputs keep their names where the name can name an operand.
    for output_name, operand in graph.outputs.items():
        if operand not in operand_names and output_name not in taken:
            operand_names[operand] = output_name
            taken.add(output_name)
    # Operation outputs: the label when it is a usable name, else the op type and index.
    for index, op in enumerate(graph.operations):
        missing = [o for o in op.outputs if o not in operand_names]
        if not missing:
            continue
        base = op.label if op.label and is_identifier(op.label) and op.label not in taken else f"{op.type}_{index}"
        if len(op.outputs) == 1:
            operand_names[op.outputs[0]] = _unique(base, taken)
        else:
            for k, operand in enumerate(op.outputs):
                if operand not in operand_names:
                    operand_names[operand] = _unique(f"{base}.{k}", taken)
    # Constants: after their first reader and its parameter (``conv2d_0.filter``).
    for op in graph.operations:
        for param, ref in op.inputs.items():
            refs = ref if isinstance(ref, tuple) else (ref,)
            for k, operand in enumerate(refs):
                if operand is None or operand in operand_names or operand not in graph.constants:
                    continue
                owner = operand_names[op.outputs[0]]
                if len(op.outputs) > 1:
                    owner = owner.rsplit(".", 1)[0]
                suffix = camel(param) + (f".{k}" if isinstance(ref, tuple) else "")
                operand_names[operand] = _unique(f"{owner}.{suffix}", taken)
    for operand in graph.constants:
        if operand not in operand_names:
            operand_names[operand] = _unique(f"const_{operand}", taken)

    for input_name, operand in graph.inputs.items():
        desc = graph.operands[operand]
        doc.inputs[input_name] = Decl(input_name, desc.data_type, desc.shape)
    weights: dict[str, tuple[OperandDescriptor, np.ndarray]] = {}
    for operand, array in sorted(graph.constants.items()):
        desc = graph.operands[operand]
        const_name = operand_names[operand]
        if external(desc, array):
            init: tuple[str, Any] = ("weights", const_name)
            weights[const_name] = (desc, array)
        else:
            value = scalar_value(desc, array)
            init = ("scalar", value) if value is not None else ("bytes", array_bytes(desc.data_type, array))
        doc.consts[const_name] = Decl(const_name, desc.data_type, desc.shape, init=init)

    for op in graph.operations:
        opdef = OPS[op.type]
        args: list[Any] = []
        options: dict[str, Any] = {}
        for p in opdef.params:
            if p.kind == "value":
                if p.name in op.attrs:
                    options[p.js_name] = plain(op.attrs[p.name])
                continue
            ref = op.inputs.get(p.name)
            if p.kind == "operands":
                value: Any = [Ref(operand_names[r]) for r in ref]  # type: ignore[union-attr]
            elif ref is None:
                continue
            else:
                value = Ref(operand_names[ref])  # type: ignore[index]
            if p.positional:
                args.append(value)
            else:
                options[p.js_name] = value
        params = {p.name for p in opdef.params}
        for key, attr in op.attrs.items():  # normalized attributes beyond the parameters
            if key not in params:
                options[camel(key)] = plain(attr)
        if op.label:
            options["label"] = op.label
        doc.nodes.append(
            Node(opdef.js_name, args, options, [operand_names[o] for o in op.outputs], multi=opdef.multi_output)
        )
    for output_name, operand in graph.outputs.items():
        doc.outputs[output_name] = operand_names[operand]
    return doc, weights


# ---------------------------------------------------------------------------------------- document -> graph


class WeightSource:
    """Where ``@weights`` constants come from (a safetensors file, a manifest + .weights, a dict)."""

    description = "weights"

    def get(self, key: str, desc: OperandDescriptor) -> np.ndarray:  # pragma: no cover - interface
        raise NotImplementedError

    def close(self) -> None:
        pass


class MappingWeights(WeightSource):
    """Weights given as a dict of key -> array."""

    description = "the weights dict"

    def __init__(self, arrays: Mapping[str, Any]) -> None:
        self.arrays = arrays

    def get(self, key: str, desc: OperandDescriptor) -> np.ndarray:
        if key not in self.arrays:
            raise WeightsFormatError(f"no tensor {key!r} in {self.description}", key=key)
        array = np.asarray(self.arrays[key])
        if array.shape != desc.shape:
            raise WeightsFormatError(f"shape {list(array.shape)} != declared {list(desc.shape)}", key=key)
        return array


def resolve_op(doc: Document, node: Node) -> OpDef:
    name = node.op
    opdef = OPS.get(JS_NAMES.get(name, "")) or OPS.get(name) or OPS.get(snake(name))
    if opdef is None:
        raise doc.error(node.loc, f"unknown operation {name!r}")
    return opdef


def _descriptor(doc: Document, decl: Decl, what: str) -> OperandDescriptor:
    if decl.data_type not in dtypes.DATA_TYPES:
        raise doc.error(decl.loc, f"{what} {decl.name!r}: unknown data type {decl.data_type!r}")
    try:
        shape = check_shape(f"{what} {decl.name!r}", decl.shape)
    except TypeError as exc:
        raise doc.error(decl.loc, str(exc)) from None
    desc = OperandDescriptor(decl.data_type, shape)
    if desc.byte_length > MAX_TENSOR_BYTE_LENGTH:
        raise doc.error(
            decl.loc, f"{what} {decl.name!r}: {desc} takes {desc.byte_length} bytes, more than {MAX_TENSOR_BYTE_LENGTH}"
        )
    return desc


def constant_array(
    doc: Document, decl: Decl, desc: OperandDescriptor, weights: WeightSource | None, budget: Budget | None = None
) -> np.ndarray:
    """The values of a constant: made from its @scalar (charged to ``budget``: the builder makes
    ``desc.byte_length`` bytes of it), its inline bytes, or read from ``weights``."""
    assert decl.init is not None
    kind, value = decl.init
    if kind == "scalar":
        if budget is not None:
            if not budget.fits(desc.byte_length, desc.element_count):
                raise doc.error(
                    decl.loc,
                    f"constant {decl.name!r}: @scalar makes {desc} ({size_text(desc.byte_length)}), more than "
                    f"reading this file may make ({size_text(budget.bytes_left)} left of {budget.describe()})",
                )
            budget.spend(desc.byte_length, desc.element_count)
        return scalar_array(doc, decl, desc, value)
    if kind == "bytes":
        array = array_from_bytes(desc, value)
        if array is None:
            raise doc.error(
                decl.loc,
                f"constant {decl.name!r}: {len(value)} inline bytes, {desc} needs {packed_length(desc)}",
            )
        return array
    if weights is None:
        raise doc.error(decl.loc, f"constant {decl.name!r} refers to weights {value!r}, but no weights were given")
    return weights.get(value, desc)


def _operand(doc: Document, operands: Mapping[str, MLOperand], value: Any, loc: Loc, what: str) -> MLOperand:
    name = value.name if isinstance(value, Ref) else value
    if not isinstance(name, str):
        raise doc.error(loc, f"{what} must name an operand, got {value!r}")
    operand = operands.get(name)
    if operand is None:
        raise doc.error(loc, f"{what}: unknown operand {name!r} (not an input, a constant or an earlier node's output)")
    return operand


def _arguments(
    doc: Document, node: Node, opdef: OpDef, operands: Mapping[str, MLOperand]
) -> tuple[dict[str, Any], dict[str, Any], str]:
    """The builder keyword arguments of ``node``, the options to check after building, and the label."""
    args = list(node.args)
    locs = list(node.arg_locs) + [node.loc] * (len(args) - len(node.arg_locs))
    positional = opdef.positional
    # concat(a, b, axis=0) as well as concat([a, b], axis=0): leading names fill a sequence parameter.
    if positional and positional[0].kind == "operands" and args and not isinstance(args[0], list):
        count = 0
        while count < len(args) and isinstance(args[count], Ref):
            count += 1
        args[:count] = [args[:count]]
        locs[:count] = [locs[0]]
    if len(args) > len(positional):
        raise doc.error(
            locs[len(positional)],
            f"{opdef.js_name} takes {len(positional)} positional argument(s) "
            f"({', '.join(p.js_name for p in positional)}), got {len(args)}",
        )
    kwargs: dict[str, Any] = {}
    given: dict[str, str] = {}

    def put(p: Any, value: Any, loc: Loc, written: str) -> None:
        if p.name in kwargs:
            raise doc.error(loc, f"{opdef.js_name}: argument {p.js_name!r} given more than once (as {given[p.name]!r} "
                            f"and {written!r})")
        given[p.name] = written
        what = f"{opdef.js_name} argument {p.js_name!r}"
        if p.kind == "operand":
            kwargs[p.name] = None if value is None else _operand(doc, operands, value, loc, what)
        elif p.kind == "operands":
            if not isinstance(value, list):
                raise doc.error(loc, f"{what} must be a list of operand names, got {value!r}")
            kwargs[p.name] = [_operand(doc, operands, v, loc, f"{what}[{i}]") for i, v in enumerate(value)]
        else:
            kwargs[p.name] = decode(value)

    for p, value, loc in zip(positional, args, locs):
        put(p, value, loc, p.js_name)
    label = ""
    extra: dict[str, Any] = {}
    for key, value in node.options.items():
        loc = node.option_locs.get(key, node.loc)
        if key == "label":
            if not isinstance(value, str):
                raise doc.error(loc, f"{opdef.js_name}: label must be a string, got {value!r}")
            label = value
            continue
        p = opdef._by_name.get(key) or opdef._by_name.get(snake(key))
        if p is None:
            extra[key] = value
            continue
        put(p, value, loc, key)
    return kwargs, extra, label


def results_of(result: Any) -> MLOperand:
    """The first operand an op method returned (one operand or a list)."""
    return result[0] if isinstance(result, list) else result


def build(
    doc: Document,
    context: MLContext,
    weights: WeightSource | None = None,
    progress: Callable[[int, int], None] | None = None,
    budget: Budget | None = None,
    *,
    compile: bool = True,
) -> Any:
    """Rebuild the document's graph on ``context`` with the builder (every rule checked again):
    the compiled MLGraph, or with ``compile=False`` the validated graph (``webnn.ir.Graph``).

    ``@scalar`` constants are charged to ``budget`` (when given) before they are made; running
    out of memory anywhere is a GraphFormatError naming the constant or node."""
    builder = context.create_graph_builder()
    operands: dict[str, MLOperand] = {}
    where: dict[str, str] = {}

    def define(name: str, operand: MLOperand, loc: Loc, what: str) -> None:
        if name in operands:
            raise doc.error(loc, f"{what} {name!r}: the name is already used by {where[name]}")
        operands[name] = operand
        where[name] = what

    for decl in doc.inputs.values():
        desc = _descriptor(doc, decl, "input")
        try:
            operand = builder.input(decl.name, desc)
        except TypeError as exc:
            raise doc.error(decl.loc, str(exc)) from None
        define(decl.name, operand, decl.loc, "input")
    for decl in doc.consts.values():
        desc = _descriptor(doc, decl, "constant")
        try:
            array = constant_array(doc, decl, desc, weights, budget)
        except WeightsFormatError as exc:
            if exc.file is None and doc.file is not None:
                raise doc.error(decl.loc, f"constant {decl.name!r}: {exc.reason}", WeightsFormatError, exc.key) from None
            raise
        except MemoryError:
            raise doc.error(decl.loc, f"constant {decl.name!r}: not enough memory to read {desc}") from None
        try:
            operand = builder.constant(desc, array)
        except TypeError as exc:
            raise doc.error(decl.loc, f"constant {decl.name!r}: {exc}") from None
        except MemoryError:
            raise doc.error(decl.loc, f"constant {decl.name!r}: not enough memory for {desc}") from None
        del array
        define(decl.name, operand, decl.loc, "constant")
    total = len(doc.nodes)
    for index, node in enumerate(doc.nodes):
        opdef = resolve_op(doc, node)
        kwargs, extra, label = _arguments(doc, node, opdef, operands)
        method = getattr(builder, opdef.name)
        try:
            result = method(**kwargs, label=label)
        except GraphFormatError:
            raise
        except MemoryError:
            raise doc.error(node.loc, f"{opdef.js_name}: not enough memory to build the operation") from None
        except Exception as exc:  # the builder's validation (TypeError) and anything a bad value provokes
            message = str(exc) if isinstance(exc, TypeError | WebNNError) else f"{type(exc).__name__}: {exc}"
            raise doc.error(node.loc, message) from None
        operation = builder.operation_of(results_of(result))
        for key, value in extra.items():
            attr = snake(key)
            if attr not in operation.attrs:
                known = ", ".join([p.js_name for p in opdef.params] + ["label"])
                raise doc.error(node.option_locs.get(key, node.loc),
                                f"{opdef.js_name}: unknown option {key!r} (known: {known})")
            if plain(operation.attrs[attr]) != plain(decode(value)):
                raise doc.error(
                    node.option_locs.get(key, node.loc),
                    f"{opdef.js_name}: option {key!r} is {value!r}, but the operation gives "
                    f"{plain(operation.attrs[attr])!r}",
                )
        results = result if isinstance(result, list) else [result]
        if len(results) != len(node.outputs):
            raise doc.error(
                node.loc,
                f"{opdef.js_name} gives {len(results)} output(s), {len(node.outputs)} name(s) given "
                f"({', '.join(node.outputs)})",
            )
        for name, operand in zip(node.outputs, results):
            define(name, operand, node.loc, f"the output of a {opdef.js_name} node")
        if progress is not None:
            progress(index + 1, total)
    if not doc.outputs:
        raise doc.error(None, "the graph has no outputs")
    outputs: dict[str, MLOperand] = {}
    for output_name, operand_name in doc.outputs.items():
        loc = doc.output_locs.get(output_name)
        outputs[output_name] = _operand(doc, operands, Ref(operand_name), loc or Loc(), f"output {output_name!r}")
    try:
        return builder.build(outputs) if compile else builder.graph_ir(outputs)
    except TypeError as exc:
        raise doc.error(None, str(exc)) from None

