"""The spec's error kinds.

Validation failures raise :class:`TypeError`, as the spec's "throw a TypeError"
steps say: :class:`ValidationError` for invalid arguments (shapes, data types,
options) and :class:`TensorStateError` for a tensor used in a way its state does not
allow (destroyed, not readable, not writable).  Both are also the exception other
Python libraries raise for the same mistakes (``ValueError``, ``RuntimeError``), so
that ``except`` clauses written either way catch them.  The spec's DOMException
kinds are subclasses of :class:`WebNNError`.
"""

from __future__ import annotations

import unicodedata


class ValidationError(TypeError, ValueError):
    """Invalid arguments: the spec's TypeError, and a ValueError."""


class TensorStateError(TypeError, RuntimeError):
    """A destroyed tensor, or one read or written against its flags: the spec's TypeError,
    and a RuntimeError."""


class WebNNError(Exception):
    """Base class of the WebNN DOMException kinds."""


class InvalidStateError(WebNNError):
    """The object is in a state that does not allow the call (built builder, destroyed graph)."""


class OperationError(WebNNError):
    """An operation failed for a reason specific to the operation (e.g. graph compilation)."""


class NotSupportedError(WebNNError):
    """The implementation or the chosen backend does not support the request."""


class UnknownError(WebNNError):
    """The backend failed in an unexpected way."""


def sanitize(text: str | bytes) -> str:
    """Escape control and format characters (bidi overrides included) for use in messages.

    ``bytes`` (what protobuf gives for a string field that is not valid UTF-8) are decoded with
    the invalid bytes escaped (``\\xff``)."""
    if isinstance(text, bytes | bytearray):
        text = bytes(text).decode("utf-8", "backslashreplace")
    elif not isinstance(text, str):
        text = str(text)
    if text.isprintable():
        return text
    return "".join(
        ch if unicodedata.category(ch)[0] != "C" else f"\\u{ord(ch):04x}" for ch in text
    )


def op_prefix(op: str, label: str = "") -> str:
    """``"conv2d 'stem'"``: how messages name an operation and its label."""
    return f"{op} '{sanitize(label)}'" if label else op
