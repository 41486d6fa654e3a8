"""Messages of the library in the ``webnn`` command's terms (``--input-shape x=...`` where the
library names its Python keyword arguments); used by the command and by ``webnn bench``'s report."""

from __future__ import annotations

import re
from collections.abc import Callable

#: Python keyword names in messages of the library, and what a ``webnn`` command user types instead.
_NAME = r"('(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\")"
_CLI_PHRASES: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...] = (
    (re.compile(r"(?:fix it with|give it in) input_shapes, e\.g\. input_shapes=\{" + _NAME
                + r": \[\.\.\.\]\}(?: \(one size per dimension\))?"),
     lambda m: f"give it with --input-shape {_unrepr(m.group(1))}=D0,D1,... (one size per dimension)"),
    (re.compile(r"input_shapes\[" + _NAME + r"\]"), lambda m: f"--input-shape {_unrepr(m.group(1))}"),
    (re.compile(r"\binput_shapes names\b"), lambda m: "--input-shape names"),
    (re.compile(r"\binput_shapes\b"), lambda m: "--input-shape"),
    (re.compile(r"with input_values= \(command line: (--input-value [^)]*)\)"), lambda m: f"with {m.group(1)}"),
    (re.compile(r" \(pass weights=\.\.\.\)"), lambda m: " (give it with --weights-file FILE)"),
    (re.compile(r" \(load with verify_weights=False to use it anyway\)"), lambda m: ""),
    (re.compile(r"\(raise them with limits=webnn\.Limits\(\.\.\.\)\)"),
     lambda m: "(the webnn command reads models within the default limits; a trusted model that needs more "
               "loads in Python with webnn.load_onnx(..., limits=webnn.Limits(...)))"),
)


def _unrepr(text: str) -> str:
    import ast

    try:
        return str(ast.literal_eval(text))
    except (ValueError, SyntaxError):
        return text


def cli_message(message: str) -> str:
    """A library error message in the command line's terms: ``--input-shape x=...`` where the
    library names its Python keyword arguments (``input_shapes={'x': [...]}``)."""
    for pattern, replace in _CLI_PHRASES:
        message = pattern.sub(replace, message)
    return message
