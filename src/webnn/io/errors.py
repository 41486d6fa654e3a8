"""The error raised for every malformed or unreadable graph or weights file."""

from __future__ import annotations

from ..errors import sanitize


class GraphFormatError(ValueError):
    """A graph or weights file is malformed, truncated or inconsistent.

    The message says where: ``file:line:column`` in the text form, the JSON path
    (``$.nodes[3].options.axis``) in the JSON form, the tensor key in a weights
    file.  The same parts are attributes (None where they do not apply).
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        column: int | None = None,
        json_path: str | None = None,
        key: str | None = None,
    ) -> None:
        self.file = file
        self.line = line
        self.column = column
        self.json_path = json_path
        self.key = key
        self.reason = message
        where = file or ""
        if line is not None:
            where += f":{line}:{column or 1}" if where else f"line {line}, column {column or 1}"
        if json_path is not None:
            where += f" at {json_path}" if where else json_path
        if key is not None:
            where += f" (tensor {sanitize(key)!r})" if where else f"tensor {sanitize(key)!r}"
        super().__init__(f"{where}: {message}" if where else message)


class WeightsFormatError(GraphFormatError):
    """A weights file (safetensors, manifest + .weights, inline bytes) is malformed or does not match."""
