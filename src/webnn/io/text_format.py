"""The webnn-graph text form (``.webnn``): a hand-written scanner and recursive-descent parser,
and the writer.

Grammar (``#`` starts a comment to the end of the line)::

    file    := 'webnn_graph' STRING 'v' INT ['@quantized'] '{' block* '}'
    block   := 'inputs' '{' (name ':' type ';')* '}'
             | 'consts' '{' (name ':' type annot ';')* '}'
             | 'nodes' '{' ((name | '[' name (',' name)* ']') '=' call ';')* '}'
             | 'outputs' '{' (name (',' name)* ';'? | name '=' name ';')* '}'
    type    := DTYPE '[' (INT (',' INT)*)? ']'          DTYPE: f32 f16 i32 u32 i64 u64 i8 u8 i4 u4
    annot   := '@weights' '(' STRING ')' | '@scalar' '(' NUMBER ')' | '@bytes' '(' '[' INT,... ']' ')'
    call    := IDENT '(' (arg (',' arg)*)? ')'      arg := IDENT '=' value | value
    value   := NUMBER | STRING | 'true' | 'false' | 'null' | IDENT | '[' (value (',' value)*)? ']'
    name    := IDENT | STRING                      IDENT := [A-Za-z_/$][A-Za-z0-9_./]*

Extensions over the published grammar, written only when needed: names that are not
identifiers are quoted strings; ``NaN``, ``Infinity`` and ``-Infinity`` are numbers;
``outputs { out = y; }`` gives an output a name other than its operand's.

The weights file a graph uses is recorded in comments before ``webnn_graph`` (so other readers
of the format skip it): a name in the graph file's folder (quoted as a string when it is not a
plain word), and optionally the SHA-256 of its bytes; for the manifest form, a second line names
the ``.weights`` file the manifest describes::

    # weights: m.webnn.safetensors sha256=<64 hex digits>

    # weights: m.webnn.manifest.json sha256=<hex>
    # weights data: m.webnn.weights sha256=<hex>

Tokens keep their offset into the text; a line:column is found by a binary search in a table of
line starts made once, so that reading stays linear in the file's size.
"""

from __future__ import annotations

import json
import re
from array import array
from bisect import bisect_right
from typing import Any

import numpy as np

from .document import (
    TEXT_TYPES,
    TYPE_NAMES,
    Decl,
    Document,
    Loc,
    Node,
    Ref,
    WeightsRecord,
    digest_problem,
    is_identifier,
    plain,
    weights_name_problem,
)
from .errors import GraphFormatError

#: Arrays nested deeper than this are rejected (no recursion limit is ever reached).
MAX_DEPTH = 32

_SPACE = re.compile(r"(?:[ \t\r\n\f\v]+|#[^\n]*)*")
_IDENT = re.compile(r"[A-Za-z_/$][A-Za-z0-9_./]*")
_NUMBER = re.compile(r"-?(?:[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?|Infinity|NaN)(?![A-Za-z0-9_./$])")
_ANNOTATION = re.compile(r"@[A-Za-z_]+")
_STRING_PART = re.compile(r'[^"\\]+')
#: The characters of an @bytes list (between its brackets), and a space inside a number (refused).
_BYTE_CHARS = re.compile(r"[0-9, \t\r\n]*")
_SPLIT_NUMBER = re.compile(r"[0-9][ \t\r\n]+[0-9]")
_SPACES = str.maketrans("", "", " \t\r\n")
_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f"}
_PUNCT = frozenset("{}[]():;,=")
_LITERALS = {"true": True, "false": False, "null": None}
_NUMBER_START = frozenset("-0123456789")
#: A weights record line: ``# weights: NAME [sha256=HEX]`` or ``# weights data: NAME [sha256=HEX]``.
_RECORD = re.compile(r"^[ \t]*#[ \t]*weights([ \t]+data)?[ \t]*:(.*)$", re.MULTILINE)
_RECORD_VALUE = re.compile(
    r'[ \t]*(?:("(?:[^"\\]|\\.)*")|([^\s"]+))(?:[ \t]+sha256=(\S*))?[ \t]*\r?\Z'
)
#: @bytes lists are converted this many characters at a time (a bounded temporary).
_BYTES_CHUNK = 1 << 20


class _Token:
    __slots__ = ("kind", "text", "value", "pos")

    def __init__(self, kind: str, text: str, value: Any, pos: int) -> None:
        self.kind = kind  # "ident", "string", "number", "annot", a punctuation character, or "eof"
        self.text = text
        self.value = value
        self.pos = pos


def line_starts(text: str) -> array:
    """The offset at which each line of ``text`` starts."""
    starts = array("q", [0])
    find = text.find
    pos = find("\n")
    while pos >= 0:
        starts.append(pos + 1)
        pos = find("\n", pos + 1)
    return starts


class _Parser:
    def __init__(self, text: str, file: str | None) -> None:
        self.text = text
        self.file = file
        self.lines = line_starts(text)
        self.pos = 0
        self.tok = self._scan()

    # ------------------------------------------------------------------ errors and positions
    def loc(self, pos: int) -> Loc:
        line = bisect_right(self.lines, pos)
        return Loc(line, pos - self.lines[line - 1] + 1)

    def fail(self, message: str, pos: int | None = None) -> GraphFormatError:
        loc = self.loc(self.tok.pos if pos is None else pos)
        return GraphFormatError(message, file=self.file, line=loc.line, column=loc.column)

    @staticmethod
    def describe(tok: _Token) -> str:
        if tok.kind == "eof":
            return "the end of the file"
        text = tok.text if len(tok.text) <= 40 else tok.text[:37] + "..."
        return repr(text)

    # ------------------------------------------------------------------ scanning
    def _scan(self) -> _Token:
        text = self.text
        pos = _SPACE.match(text, self.pos).end()
        if pos >= len(text):
            self.pos = pos
            return _Token("eof", "", None, pos)
        ch = text[pos]
        if ch in _PUNCT:
            self.pos = pos + 1
            return _Token(ch, ch, None, pos)
        if ch == '"':
            return self._string(pos)
        if ch == "@":
            m = _ANNOTATION.match(text, pos)
            if m is None:
                raise self.fail("'@' must start an annotation such as @weights", pos)
            self.pos = m.end()
            return _Token("annot", m.group(), None, pos)
        if ch in _NUMBER_START or text.startswith(("NaN", "Infinity"), pos):
            m = _NUMBER.match(text, pos)
            if m is not None:
                self.pos = m.end()
                return _Token("number", m.group(), self._number(m.group(), pos), pos)
            if ch in _NUMBER_START:
                raise self.fail(f"malformed number {text[pos:pos + 20]!r}", pos)
        m = _IDENT.match(text, pos)
        if m is not None:
            self.pos = m.end()
            return _Token("ident", m.group(), m.group(), pos)
        raise self.fail(f"unexpected character {ch!r}", pos)

    def _number(self, text: str, pos: int) -> int | float:
        if text in ("NaN", "Infinity", "-Infinity", "-NaN"):
            return float(text.replace("Infinity", "inf").replace("NaN", "nan"))
        try:
            if any(c in text for c in ".eE"):
                return float(text)
            return int(text)
        except ValueError:  # more digits than Python converts
            raise self.fail(f"number too long ({len(text)} characters)", pos) from None

    def _string(self, start: int) -> _Token:
        text = self.text
        pos = start + 1
        parts: list[str] = []
        while True:
            m = _STRING_PART.match(text, pos)
            if m is not None:
                parts.append(m.group())
                pos = m.end()
            if pos >= len(text):
                raise self.fail("unterminated string", start)
            ch = text[pos]
            if ch == '"':
                self.pos = pos + 1
                return _Token("string", text[start:pos + 1], "".join(parts), start)
            # a backslash escape
            esc = text[pos + 1:pos + 2]
            if esc in _ESCAPES:
                parts.append(_ESCAPES[esc])
                pos += 2
            elif esc == "u":
                digits = text[pos + 2:pos + 6]
                if len(digits) != 4 or not all(c in "0123456789abcdefABCDEF" for c in digits):
                    raise self.fail("malformed \\u escape in a string", pos)
                parts.append(chr(int(digits, 16)))
                pos += 6
            else:
                raise self.fail(f"unknown escape \\{esc} in a string", pos)

    def advance(self) -> _Token:
        tok = self.tok
        self.tok = self._scan()
        return tok

    # ------------------------------------------------------------------ helpers
    def expect(self, kind: str, what: str | None = None) -> _Token:
        if self.tok.kind != kind:
            raise self.fail(f"expected {what or repr(kind)}, found {self.describe(self.tok)}")
        return self.advance()

    def accept(self, kind: str) -> bool:
        if self.tok.kind == kind:
            self.advance()
            return True
        return False

    def keyword(self, word: str) -> None:
        if self.tok.kind != "ident" or self.tok.text != word:
            raise self.fail(f"expected {word!r}, found {self.describe(self.tok)}")
        self.advance()

    def name(self, what: str) -> tuple[str, int]:
        tok = self.tok
        if tok.kind not in ("ident", "string"):
            raise self.fail(f"expected {what} (an identifier or a quoted name), found {self.describe(tok)}")
        self.advance()
        if not tok.value:
            raise self.fail(f"{what} must not be empty", tok.pos)
        return tok.value, tok.pos

    # ------------------------------------------------------------------ grammar
    def document(self) -> Document:
        doc = Document(file=self.file)
        doc.weights = self.weights_record(self.tok.pos)
        self.keyword("webnn_graph")
        doc.name = self.expect("string", "the graph name (a quoted string)").value
        version_tok = self.tok
        if version_tok.kind == "ident" and re.fullmatch(r"v\d{1,9}", version_tok.text):
            self.advance()
            version = int(version_tok.text[1:])
        else:
            self.keyword("v")
            number = self.expect("number", "the format version")
            version = number.value
        if version not in (1, 2):
            raise self.fail(f"unsupported format version {version!r} (this reader knows 1 and 2)", version_tok.pos)
        doc.version = version
        if self.tok.kind == "annot":
            if self.tok.text != "@quantized":
                raise self.fail(f"unknown graph annotation {self.tok.text}")
            self.advance()
            doc.quantized = True
        self.expect("{")
        while not self.accept("}"):
            tok = self.tok
            if tok.kind != "ident" or tok.text not in ("inputs", "consts", "nodes", "outputs"):
                raise self.fail(
                    f"expected a block (inputs, consts, nodes, outputs) or '}}', found {self.describe(tok)}"
                )
            self.advance()
            self.expect("{")
            getattr(self, f"block_{tok.text}")(doc)
        if self.tok.kind != "eof":
            raise self.fail(f"unexpected {self.describe(self.tok)} after the end of the graph")
        return doc

    def weights_record(self, end: int) -> WeightsRecord | None:
        """The weights record in the comments before ``end`` (the first token), if any."""
        fields: dict[str, tuple[str, str | None, int]] = {}
        for m in _RECORD.finditer(self.text, 0, end):
            role = "data" if m.group(1) else "file"
            if role in fields:
                raise self.fail(f"a second 'weights{' data' if m.group(1) else ''}:' record", m.start())
            value = _RECORD_VALUE.match(m.group(2))
            if value is None:
                raise self.fail("malformed weights record: expected '# weights: FILE sha256=HEX'", m.start(2))
            if value.group(1) is not None:
                try:
                    name = json.loads(value.group(1))
                except ValueError:
                    raise self.fail("malformed quoted file name in the weights record", m.start(2)) from None
            else:
                name = value.group(2)
            problem = weights_name_problem(name, data=role == "data") or (
                None if value.group(3) is None else digest_problem(value.group(3))
            )
            if problem is not None:
                raise self.fail(f"weights record: {problem}", m.start(2))
            fields[role] = (name, value.group(3), m.start())
        if not fields:
            return None
        if "file" not in fields:
            raise self.fail("a 'weights data:' record without a 'weights:' record", fields["data"][2])
        name, digest, _ = fields["file"]
        record = WeightsRecord(name, digest)
        if "data" in fields:
            if record.kind != "manifest":
                raise self.fail("a 'weights data:' record goes with a manifest (.manifest.json)", fields["data"][2])
            record = WeightsRecord(name, digest, fields["data"][0], fields["data"][1])
        return record

    def declared(self, doc: Document, name: str, pos: int) -> None:
        if name in doc.inputs or name in doc.consts:
            raise self.fail(f"{name!r} is declared twice", pos)

    def block_inputs(self, doc: Document) -> None:
        while not self.accept("}"):
            name, pos = self.name("an input name")
            self.expect(":")
            data_type, shape = self.type()
            self.expect(";")
            self.declared(doc, name, pos)
            doc.inputs[name] = Decl(name, data_type, shape, self.loc(pos))

    def block_consts(self, doc: Document) -> None:
        while not self.accept("}"):
            name, pos = self.name("a constant name")
            self.expect(":")
            data_type, shape = self.type()
            if self.tok.kind != "annot":
                raise self.fail(f"constant {name!r} needs @weights(\"key\"), @scalar(value) or @bytes([...])")
            annot = self.advance()
            self.expect("(")
            init: tuple[str, Any]
            if annot.text == "@weights":
                key = self.expect("string", "the weights key (a quoted string)").value
                init = ("weights", key)
            elif annot.text == "@scalar":
                tok = self.tok
                if tok.kind == "number":
                    value: Any = tok.value
                elif tok.kind == "ident" and tok.text in ("true", "false"):
                    value = tok.text == "true"
                elif tok.kind == "string" and tok.value in ("NaN", "Infinity", "-Infinity"):
                    value = tok.value
                else:
                    raise self.fail(f"expected a number, found {self.describe(tok)}")
                self.advance()
                init = ("scalar", value)
            elif annot.text == "@bytes":
                init = ("bytes", self.byte_array())
            else:
                raise self.fail(f"unknown constant annotation {annot.text}", annot.pos)
            self.expect(")")
            if self.tok.kind == "annot":
                raise self.fail(f"constant {name!r} has more than one initializer annotation")
            self.expect(";")
            self.declared(doc, name, pos)
            doc.consts[name] = Decl(name, data_type, shape, self.loc(pos), init)

    def byte_array(self) -> bytes:
        start = self.tok.pos
        if self.tok.kind == "[":
            close = self.text.find("]", start)
            data = None if close < 0 else _byte_values(self.text, start + 1, close)
            if data is not None:
                self.pos = close + 1
                self.tok = self._scan()
                return data
        values = self.value(0)
        if not isinstance(values, list) or not all(type(v) is int and 0 <= v <= 255 for v in values):
            raise self.fail("@bytes needs a list of integers from 0 to 255", start)
        return bytes(values)

    def type(self) -> tuple[str, tuple[int, ...]]:
        tok = self.tok
        if tok.kind != "ident" or tok.text not in TEXT_TYPES:
            raise self.fail(f"expected a data type ({', '.join(TEXT_TYPES)}), found {self.describe(tok)}")
        self.advance()
        self.expect("[")
        dims: list[int] = []
        while not self.accept("]"):
            if dims:
                self.expect(",", "',' or ']'")
            dim = self.tok
            if dim.kind == "ident" and dim.text == "dyn":
                raise self.fail("dynamic dimensions are not supported: give every dimension a size")
            if dim.kind != "number" or type(dim.value) is not int or dim.value < 0:
                raise self.fail(f"expected a dimension (an integer), found {self.describe(dim)}")
            self.advance()
            dims.append(dim.value)
            if len(dims) > 64:
                raise self.fail("too many dimensions", dim.pos)
        return TEXT_TYPES[tok.text], tuple(dims)

    def block_nodes(self, doc: Document) -> None:
        while not self.accept("}"):
            start = self.tok.pos
            if self.accept("["):
                outputs = [self.name("an output name")[0]]
                while self.accept(","):
                    outputs.append(self.name("an output name")[0])
                self.expect("]")
                multi = True
            else:
                outputs = [self.name("a node output name")[0]]
                multi = False
            self.expect("=")
            op = self.tok
            if op.kind != "ident":
                raise self.fail(f"expected an operation call such as relu(x), found {self.describe(op)}")
            self.advance()
            if self.tok.kind != "(":
                raise self.fail(f"expected '(' after the operation name {op.text!r}")
            self.advance()
            node = Node(op.text, [], {}, outputs, self.loc(start), multi=multi)
            while not self.accept(")"):
                if node.args or node.options:
                    self.expect(",", "',' or ')'")
                    if self.accept(")"):
                        break
                tok = self.tok
                if tok.kind == "ident" and self._peek_equals():
                    self.advance()
                    self.expect("=")
                    if tok.text in node.options:
                        raise self.fail(f"option {tok.text!r} given twice", tok.pos)
                    node.options[tok.text] = self.value(0)
                    node.option_locs[tok.text] = self.loc(tok.pos)
                else:
                    if node.options:
                        raise self.fail("positional arguments must come before key=value options")
                    node.arg_locs.append(self.loc(tok.pos))
                    node.args.append(self.value(0))
            self.expect(";")
            doc.nodes.append(node)

    def _peek_equals(self) -> bool:
        """Whether the next token (after the current one) is '='."""
        pos = _SPACE.match(self.text, self.pos).end()
        return self.text.startswith("=", pos)

    def value(self, depth: int) -> Any:
        tok = self.tok
        if tok.kind == "number" or tok.kind == "string":
            self.advance()
            return tok.value
        if tok.kind == "ident":
            self.advance()
            if tok.text in _LITERALS:
                return _LITERALS[tok.text]
            return Ref(tok.text)
        if tok.kind == "[":
            if depth >= MAX_DEPTH:
                raise self.fail(f"arrays nested more than {MAX_DEPTH} deep")
            self.advance()
            items: list[Any] = []
            while not self.accept("]"):
                if items:
                    self.expect(",", "',' or ']'")
                    if self.accept("]"):
                        break
                items.append(self.value(depth + 1))
            return items
        raise self.fail(f"expected a value, found {self.describe(tok)}")

    def block_outputs(self, doc: Document) -> None:
        while not self.accept("}"):
            name, pos = self.name("an output name")
            if self.accept("="):
                operand, _ = self.name("an operand name")
            else:
                operand = name
            if name in doc.outputs:
                raise self.fail(f"output {name!r} is listed twice", pos)
            doc.outputs[name] = operand
            doc.output_locs[name] = self.loc(pos)
            if not self.accept(","):
                self.accept(";")


def _byte_values(text: str, start: int, end: int) -> bytes | None:
    """The comma-separated integers of ``text[start:end]`` (the inside of an @bytes list) as
    bytes, converted a chunk at a time with NumPy; None unless every item is 1 to 3 digits (with
    spaces around) of at most 255 (the general parser then says what is wrong)."""
    if _BYTE_CHARS.fullmatch(text, start, end) is None or _SPLIT_NUMBER.search(text, start, end):
        return None
    if not text[start:end].strip(" \t\r\n"):
        return b""
    out = bytearray()
    while start < end:
        cut = text.find(",", min(start + _BYTES_CHUNK, end), end)
        cut = end if cut < 0 else cut
        values = _chunk_values(text[start:cut].translate(_SPACES).encode("ascii"))
        if values is None:
            return None
        out += values
        start = cut + 1
        if start == end:  # a comma before the closing bracket
            return None
    return bytes(out)


def _chunk_values(chunk: bytes) -> bytes | None:
    """``b"1,22,255"`` as ``bytes([1, 22, 255])``; None for an empty item, more than 3 digits or
    a value above 255."""
    chars = np.frombuffer(chunk, np.uint8)
    commas = np.flatnonzero(chars == ord(","))
    ends = np.append(commas, chars.size)
    starts = np.insert(commas + 1, 0, 0)
    lengths = ends - starts
    if lengths.size == 0 or lengths.min() < 1 or lengths.max() > 3:
        return None
    digits = chars.astype(np.int32) - ord("0")
    digits[commas] = 0
    # right-aligned in three columns: the hundreds, tens and units of each item
    columns = np.zeros((lengths.size, 3), np.int32)
    for width in (1, 2, 3):
        rows = np.flatnonzero(lengths == width)
        for k in range(width):
            columns[rows, 3 - width + k] = digits[starts[rows] + k]
    values = columns @ np.array([100, 10, 1], np.int32)
    if values.max() > 255:
        return None
    return values.astype(np.uint8).tobytes()


def parse_text(data: bytes | str, file: str | None = None) -> Document:
    """Parse the text form; every problem is a GraphFormatError with file:line:column."""
    try:
        return _Parser(_decode(data, file), file).document()
    except MemoryError:
        raise GraphFormatError(f"not enough memory to read the graph ({len(data)} bytes)", file=file) from None


def _decode(data: bytes | str, file: str | None) -> str:
    """The file's text, without a byte order mark."""
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            prefix = data[:exc.start]
            line = prefix.count(b"\n") + 1
            column = exc.start - (prefix.rfind(b"\n") + 1) + 1
            raise GraphFormatError("the file is not valid UTF-8", file=file, line=line, column=column) from None
    else:
        text = data
    return text[1:] if text.startswith("\ufeff") else text


# ---------------------------------------------------------------------------------------- writing


def quote(text: str) -> str:
    out = ['"']
    for ch in text:
        if ch == '"' or ch == "\\":
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F or 0xD800 <= ord(ch) <= 0xDFFF:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def name_text(name: str) -> str:
    return name if is_identifier(name) else quote(name)


def value_text(value: Any) -> str:
    if isinstance(value, Ref):
        return name_text(value.name)
    value = plain(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        if value in ("NaN", "Infinity", "-Infinity"):
            return value
        return quote(value)
    if isinstance(value, list):
        return "[" + ", ".join(value_text(v) for v in value) + "]"
    raise TypeError(f"cannot write {value!r} in the text form")


def record_lines(record: WeightsRecord) -> list[str]:
    """The comment lines of a weights record."""
    def entry(name: str, digest: str | None) -> str:
        shown = name if re.fullmatch(r'[^\s"]+', name) and name.isprintable() else quote(name)
        return shown + ("" if digest is None else f" sha256={digest}")

    lines = [f"# weights: {entry(record.file, record.sha256)}"]
    if record.data_file is not None:
        lines.append(f"# weights data: {entry(record.data_file, record.data_sha256)}")
    return lines


#: The decimal text of each byte value, for inline constants.
_BYTE_TEXT = tuple(str(i) for i in range(256))


def byte_list(data: bytes) -> str:
    """``data`` as the comma-separated decimal numbers of an inline constant (``1,2,255``), without
    spaces: the format has no other encoding of bytes in the graph file (no hex or base64), and a
    space after each comma would add a fifth to the size."""
    return ",".join(map(_BYTE_TEXT.__getitem__, data))


def format_text(doc: Document, header: str | None = None) -> str:
    """The text form of ``doc``: ``header`` as comment lines, the weights record, the graph."""
    lines: list[str] = []
    if header:
        lines += [f"# {line}" for line in header.splitlines()]
    if doc.weights is not None:
        lines += record_lines(doc.weights)
    flag = " @quantized" if doc.quantized else ""
    lines.append(f"webnn_graph {quote(doc.name)} v{doc.version}{flag} {{")
    if doc.inputs:
        lines.append("  inputs {")
        for d in doc.inputs.values():
            lines.append(f"    {name_text(d.name)}: {_type_text(d)};")
        lines.append("  }")
    if doc.consts:
        lines.append("  consts {")
        for d in doc.consts.values():
            assert d.init is not None
            kind, value = d.init
            if kind == "weights":
                annot = f"@weights({quote(value)})"
            elif kind == "scalar":
                annot = f"@scalar({value_text(value)})"
            else:
                annot = "@bytes([" + byte_list(value) + "])"
            lines.append(f"    {name_text(d.name)}: {_type_text(d)} {annot};")
        lines.append("  }")
    if doc.nodes:
        lines.append("  nodes {")
        for node in doc.nodes:
            args = [value_text(a) for a in node.args]
            args += [f"{key}={value_text(v)}" for key, v in node.options.items()]
            outputs = ", ".join(name_text(o) for o in node.outputs)
            target = f"[{outputs}]" if node.multi else outputs
            lines.append(f"    {target} = {node.op}({', '.join(args)});")
        lines.append("  }")
    items = [
        name_text(name) if name == operand else f"{name_text(name)} = {name_text(operand)}"
        for name, operand in doc.outputs.items()
    ]
    lines.append("  outputs { " + "".join(f"{item}; " for item in items) + "}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _type_text(decl: Decl) -> str:
    return f"{TYPE_NAMES[decl.data_type]}[{', '.join(map(str, decl.shape))}]"
