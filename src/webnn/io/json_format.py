"""The webnn-graph JSON form: a checked reader (errors give the JSON path) and the writer.

Beyond the published form, a top-level ``"weights"`` key records the weights file the graph
uses, a name in the graph file's folder, and the SHA-256 of its bytes; for the manifest form
also the ``.weights`` file the manifest describes and its SHA-256::

    "weights": {"file": "m.json.safetensors", "sha256": "<64 hex digits>"}
    "weights": {"file": "m.json.manifest.json", "sha256": "<hex>",
                "data": {"file": "m.json.weights", "sha256": "<hex>"}}

``sha256`` is optional (no check without it).  Readers of the format ignore top-level keys they
do not know, so the files stay readable by other tools.
"""

from __future__ import annotations

import json
from typing import Any

from .document import (
    FORMAT_JSON,
    SPECIAL_FLOATS,
    TEXT_TYPES,
    VERSIONS,
    Decl,
    Document,
    Loc,
    Node,
    Ref,
    WeightsRecord,
    digest_problem,
    plain,
    weights_name_problem,
)
from .errors import GraphFormatError
from .text_format import byte_list

#: Option values nested deeper than this are rejected.
MAX_DEPTH = 32

_DATA_TYPES = frozenset(TEXT_TYPES.values())


class _DuplicateKey(Exception):
    pass


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKey(key)
        result[key] = value
    return result


def load_json(
    data: bytes | str, file: str | None, what: str = "file", error: type[GraphFormatError] = GraphFormatError
) -> Any:
    """JSON text as Python data; malformed JSON, duplicate keys and absurd nesting are ``error``s."""
    try:
        if isinstance(data, bytes):
            data = data.decode("utf-8-sig")
        return json.loads(data, object_pairs_hook=_pairs)
    except UnicodeDecodeError as exc:
        raise error(f"the {what} is not valid UTF-8 (byte {exc.start})", file=file) from None
    except json.JSONDecodeError as exc:
        raise error(f"invalid JSON: {exc.msg}", file=file, line=exc.lineno, column=exc.colno) from None
    except _DuplicateKey as exc:
        raise error(f"invalid JSON: duplicate key {exc.args[0]!r} in an object", file=file) from None
    except RecursionError:
        raise error("invalid JSON: nested too deeply", file=file) from None
    except MemoryError:
        raise error(f"not enough memory to read the {what} ({len(data)} characters)", file=file) from None
    except ValueError as exc:  # e.g. an integer with more digits than Python converts
        raise error(f"invalid JSON: {exc}", file=file) from None


def key_path(path: str, key: str) -> str:
    if key.isidentifier():
        return f"{path}.{key}"
    return f"{path}[{json.dumps(key)}]"


class _Reader:
    def __init__(self, file: str | None) -> None:
        self.file = file

    def fail(self, path: str, message: str) -> GraphFormatError:
        return GraphFormatError(message, file=self.file, json_path=path)

    def object(self, value: Any, path: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(path, f"expected an object, got {_kind(value)}")
        return value

    def list(self, value: Any, path: str) -> list[Any]:
        if not isinstance(value, list):
            raise self.fail(path, f"expected an array, got {_kind(value)}")
        return value

    def string(self, value: Any, path: str, *, empty: bool = False) -> str:
        if not isinstance(value, str):
            raise self.fail(path, f"expected a string, got {_kind(value)}")
        if not value and not empty:
            raise self.fail(path, "expected a non-empty string")
        return value

    def required(self, obj: dict[str, Any], key: str, path: str) -> Any:
        if key not in obj:
            raise self.fail(path, f"missing {key!r}")
        return obj[key]

    def descriptor(self, obj: dict[str, Any], path: str) -> tuple[str, tuple[int, ...]]:
        data_type = self.string(self.required(obj, "dataType", path), path + ".dataType")
        data_type = TEXT_TYPES.get(data_type, data_type)
        if data_type not in _DATA_TYPES:
            raise self.fail(path + ".dataType", f"unknown data type {data_type!r}")
        shape_path = path + ".shape"
        shape = self.list(self.required(obj, "shape", path), shape_path)
        if len(shape) > 64:
            raise self.fail(shape_path, f"rank {len(shape)} is too large")
        dims = []
        for i, d in enumerate(shape):
            if isinstance(d, dict):
                raise self.fail(f"{shape_path}[{i}]", "dynamic dimensions are not supported: give every dimension a size")
            if type(d) is not int or d < 0:
                raise self.fail(f"{shape_path}[{i}]", f"expected a dimension (an integer), got {_kind(d)}")
            dims.append(d)
        return data_type, tuple(dims)

    def document(self, top: Any) -> Document:
        top = self.object(top, "$")
        doc = Document(file=self.file)
        fmt = self.required(top, "format", "$")
        if fmt != FORMAT_JSON:
            raise self.fail("$.format", f"expected {FORMAT_JSON!r}, got {fmt!r}")
        version = self.required(top, "version", "$")
        if type(version) is not int or version not in VERSIONS:
            raise self.fail("$.version", f"unsupported version {version!r} (this reader knows 1 and 2)")
        doc.version = version
        if top.get("name") is not None:
            doc.name = self.string(top["name"], "$.name", empty=True)
        quantized = top.get("quantized", False)
        if not isinstance(quantized, bool):
            raise self.fail("$.quantized", f"expected true or false, got {_kind(quantized)}")
        doc.quantized = quantized
        if top.get("weights") is not None:
            doc.weights = self.weights(top["weights"])

        inputs = self.object(top.get("inputs", {}), "$.inputs")
        for name, spec in inputs.items():
            path = key_path("$.inputs", name)
            if not name:
                raise self.fail(path, "an input name must not be empty")
            data_type, shape = self.descriptor(self.object(spec, path), path)
            doc.inputs[name] = Decl(name, data_type, shape, Loc(path=path))

        consts = self.object(top.get("consts", {}), "$.consts")
        for name, spec in consts.items():
            path = key_path("$.consts", name)
            if not name:
                raise self.fail(path, "a constant name must not be empty")
            if name in doc.inputs:
                raise self.fail(path, f"{name!r} is both an input and a constant")
            spec = self.object(spec, path)
            data_type, shape = self.descriptor(spec, path)
            doc.consts[name] = Decl(name, data_type, shape, Loc(path=path), self.init(spec, path))

        nodes = self.list(self.required(top, "nodes", "$"), "$.nodes")
        for index, spec in enumerate(nodes):
            doc.nodes.append(self.node(spec, f"$.nodes[{index}]"))

        outputs = self.required(top, "outputs", "$")
        if isinstance(outputs, list):  # a list of operand names, each its own output name
            for i, name in enumerate(outputs):
                name = self.string(name, f"$.outputs[{i}]")
                if name in doc.outputs:
                    raise self.fail(f"$.outputs[{i}]", f"output {name!r} is listed twice")
                doc.outputs[name] = name
                doc.output_locs[name] = Loc(path=f"$.outputs[{i}]")
        else:
            for name, operand in self.object(outputs, "$.outputs").items():
                path = key_path("$.outputs", name)
                if not name:
                    raise self.fail(path, "an output name must not be empty")
                doc.outputs[name] = self.string(operand, path)
                doc.output_locs[name] = Loc(path=path)
        return doc

    def weights_file(self, spec: Any, path: str, data: bool = False) -> tuple[str, str | None]:
        """A weights file's name (checked: beside the graph file) and its digest, if recorded."""
        spec = self.object(spec, path)
        name = self.string(self.required(spec, "file", path), path + ".file", empty=True)
        problem = weights_name_problem(name, data)
        if problem is not None:
            raise self.fail(path + ".file", problem)
        digest = spec.get("sha256")
        if digest is not None:
            problem = digest_problem(self.string(digest, path + ".sha256"))
            if problem is not None:
                raise self.fail(path + ".sha256", problem)
        return name, digest

    def weights(self, spec: Any) -> WeightsRecord:
        """The top-level ``weights`` record."""
        name, digest = self.weights_file(spec, "$.weights")
        record = WeightsRecord(name, digest)
        if spec.get("data") is not None:
            if record.kind != "manifest":
                raise self.fail("$.weights.data", "only a manifest has a data file")
            data_name, data_digest = self.weights_file(spec["data"], "$.weights.data", data=True)
            record = WeightsRecord(name, digest, data_name, data_digest)
        return record

    def init(self, spec: dict[str, Any], path: str) -> tuple[str, Any]:
        init_path = path + ".init"
        init = self.object(self.required(spec, "init", path), init_path)
        kind = self.string(self.required(init, "kind", init_path), init_path + ".kind")
        if kind == "weights":
            return ("weights", self.string(self.required(init, "ref", init_path), init_path + ".ref"))
        if kind == "scalar":
            value = self.required(init, "value", init_path)
            if isinstance(value, str) and value in SPECIAL_FLOATS:
                return ("scalar", value)
            if not isinstance(value, int | float):
                raise self.fail(init_path + ".value", f"expected a number, got {_kind(value)}")
            return ("scalar", value)
        if kind == "inlineBytes":
            values = self.list(self.required(init, "bytes", init_path), init_path + ".bytes")
            for i, v in enumerate(values):
                if type(v) is not int or not 0 <= v <= 255:
                    raise self.fail(f"{init_path}.bytes[{i}]", f"expected a byte (0 to 255), got {_kind(v)}")
            return ("bytes", bytes(values))
        raise self.fail(init_path + ".kind", f"unknown initializer kind {kind!r} (weights, scalar, inlineBytes)")

    def shallow(self, value: Any, path: str, depth: int = 0) -> None:
        """Option values nest at most MAX_DEPTH deep (as in the text form)."""
        if isinstance(value, list | dict):
            if depth >= MAX_DEPTH:
                raise self.fail(path, f"values nested more than {MAX_DEPTH} deep")
            for item in value.values() if isinstance(value, dict) else value:
                self.shallow(item, path, depth + 1)

    def node(self, spec: Any, path: str) -> Node:
        spec = self.object(spec, path)
        node_id = self.string(self.required(spec, "id", path), path + ".id")
        op = self.string(self.required(spec, "op", path), path + ".op")
        args: list[Any] = []
        arg_locs: list[Loc] = []
        for i, value in enumerate(self.list(spec.get("inputs", []), path + ".inputs")):
            item_path = f"{path}.inputs[{i}]"
            if isinstance(value, list):
                args.append([Ref(self.string(v, f"{item_path}[{j}]")) for j, v in enumerate(value)])
            else:
                args.append(Ref(self.string(value, item_path)))
            arg_locs.append(Loc(path=item_path))
        options = self.object(spec.get("options", {}), path + ".options")
        option_locs = {key: Loc(path=key_path(path + ".options", key)) for key in options}
        for key, value in options.items():
            self.shallow(value, key_path(path + ".options", key))
        if spec.get("outputs") is not None:
            outputs_path = path + ".outputs"
            outputs = [self.string(v, f"{outputs_path}[{i}]")
                       for i, v in enumerate(self.list(spec["outputs"], outputs_path))]
            if not outputs:
                raise self.fail(outputs_path, "a node needs at least one output")
            multi = True
        else:
            outputs, multi = [node_id], False
        return Node(op, args, dict(options), outputs, Loc(path=path), arg_locs, option_locs, multi)


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"{str(value).lower()}"
    if isinstance(value, int | float):
        return f"the number {value!r}"
    if isinstance(value, str):
        return f"the string {value[:40]!r}"
    if isinstance(value, list):
        return "an array"
    return "an object"


def parse_json(data: bytes | str, file: str | None = None) -> Document:
    """Parse the JSON form; every problem is a GraphFormatError with the JSON path."""
    top = load_json(data, file)
    try:
        return _Reader(file).document(top)
    except MemoryError:
        raise GraphFormatError("not enough memory to hold the graph's nodes", file=file) from None


# ---------------------------------------------------------------------------------------- writing


def _json_value(value: Any) -> Any:
    if isinstance(value, Ref):
        return value.name
    if isinstance(value, list):
        return [_json_value(v) for v in value]
    return plain(value)


def to_data(doc: Document) -> dict[str, Any]:
    """The document as the JSON form's data."""
    consts: dict[str, Any] = {}
    for d in doc.consts.values():
        assert d.init is not None
        kind, value = d.init
        if kind == "weights":
            init: dict[str, Any] = {"kind": "weights", "ref": value}
        elif kind == "scalar":
            init = {"kind": "scalar", "value": plain(value)}
        else:
            init = {"kind": "inlineBytes", "bytes": value}  # written as a list of numbers
        consts[d.name] = {"dataType": d.data_type, "shape": list(d.shape), "init": init}
    nodes = []
    for node in doc.nodes:
        inputs: list[Any] = []
        for arg in node.args:
            if isinstance(arg, list):
                inputs.extend(_json_value(arg))
            else:
                inputs.append(_json_value(arg))
        entry: dict[str, Any] = {"id": node.outputs[0], "op": node.op, "inputs": inputs,
                                 "options": {k: _json_value(v) for k, v in node.options.items()}}
        if node.multi:
            entry["outputs"] = list(node.outputs)
        nodes.append(entry)
    data: dict[str, Any] = {"format": FORMAT_JSON, "version": doc.version, "name": doc.name}
    if doc.quantized:
        data["quantized"] = True
    if doc.weights is not None:
        data["weights"] = weights_data(doc.weights)
    data["inputs"] = {d.name: {"dataType": d.data_type, "shape": list(d.shape)} for d in doc.inputs.values()}
    data["consts"] = consts
    data["nodes"] = nodes
    data["outputs"] = dict(doc.outputs)
    return data


def weights_data(record: WeightsRecord) -> dict[str, Any]:
    """The ``weights`` record as the JSON form's data."""
    data: dict[str, Any] = {"file": record.file}
    if record.sha256 is not None:
        data["sha256"] = record.sha256
    if record.data_file is not None:
        data["data"] = {"file": record.data_file}
        if record.data_sha256 is not None:
            data["data"]["sha256"] = record.data_sha256
    return data


def format_json(doc: Document) -> str:
    """The JSON form as text: one line per input, constant and node."""
    return _pretty(to_data(doc), ensure_ascii=False)


def _pretty(data: dict[str, Any], *, ensure_ascii: bool) -> str:
    def one(value: Any) -> str:
        if isinstance(value, dict) and isinstance(value.get("init"), dict) and value["init"].get("kind") == "inlineBytes":
            return _const_with_bytes(value, one)
        return json.dumps(value, ensure_ascii=ensure_ascii, allow_nan=False, separators=(", ", ": "))

    lines = ["{"]
    items = list(data.items())
    for i, (key, value) in enumerate(items):
        comma = "," if i < len(items) - 1 else ""
        if key in ("inputs", "consts", "outputs") and isinstance(value, dict) and value:
            lines.append(f"  {one(key)}: {{")
            entries = list(value.items())
            for j, (name, entry) in enumerate(entries):
                lines.append(f"    {one(name)}: {one(entry)}" + ("," if j < len(entries) - 1 else ""))
            lines.append("  }" + comma)
        elif key == "nodes" and value:
            lines.append(f"  {one(key)}: [")
            for j, entry in enumerate(value):
                lines.append(f"    {one(entry)}" + ("," if j < len(value) - 1 else ""))
            lines.append("  ]" + comma)
        else:
            lines.append(f"  {one(key)}: {one(value)}{comma}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _const_with_bytes(entry: dict[str, Any], one: Any) -> str:
    """A constant whose initializer is inline bytes: the bytes as a list of numbers without spaces
    (the format has no other encoding of bytes: a list of numbers is what every reader takes)."""
    init = entry["init"]
    rest = {key: value for key, value in entry.items() if key != "init"}
    head = one(rest)[:-1] + (", " if rest else "")
    others = {key: value for key, value in init.items() if key not in ("kind", "bytes")}
    tail = "".join(f", {one(key)}: {one(value)}" for key, value in others.items())
    return f'{head}"init": {{"kind": "inlineBytes", "bytes": [{byte_list(init["bytes"])}]{tail}}}}}'


def encode_json(doc: Document) -> bytes:
    """The JSON form as UTF-8 bytes (names with unpaired surrogates are written as escapes)."""
    text = _pretty(to_data(doc), ensure_ascii=False)
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return _pretty(to_data(doc), ensure_ascii=True).encode("ascii")
