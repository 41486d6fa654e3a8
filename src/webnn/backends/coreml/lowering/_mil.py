"""coremltools, imported on first use: its import is slow, and on systems without CoreML it logs
one "Failed to load ..." warning per native proxy it lacks (the MIL builder and the writing of
``.mlpackage`` files do not need them).  Those warnings are dropped; any other record passes."""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterator
from typing import Any

_LOCK = threading.Lock()


class _NoProxyNotices(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.levelno == logging.WARNING and str(record.msg).startswith("Failed to load"))


def coremltools() -> Any:
    """The coremltools module (ImportError when it is not installed)."""
    import sys

    module = sys.modules.get("coremltools")
    if module is not None and hasattr(module, "convert"):
        return module
    with _LOCK:
        notices = _NoProxyNotices()
        loggers = [logging.getLogger(n) for n in ("coremltools", "coremltools.models.model",
                                                   "coremltools.models.compute_plan",
                                                   "coremltools.models.ml_program.experimental.compute_plan_utils")]
        root = logging.getLogger()
        handlers = [h for logger in (*loggers, root) for h in logger.handlers]
        for target in (*loggers, *handlers):
            target.addFilter(notices)
        last_resort = logging.lastResort
        logging.lastResort = None if last_resort is None else _filtered(last_resort, notices)
        try:
            import coremltools as ct
        finally:
            logging.lastResort = last_resort
            for target in (*loggers, *handlers):
                target.removeFilter(notices)
    return ct


def _filtered(handler: logging.Handler, notices: logging.Filter) -> logging.Handler:
    """A handler like ``handler`` (Python's last resort) that drops the notices."""
    quiet = logging.StreamHandler()
    quiet.setLevel(handler.level)
    quiet.addFilter(notices)
    return quiet


class _NoNarrowingNotices(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Saving value type of")


@contextlib.contextmanager
def quiet_evaluation() -> Iterator[None]:
    """Drop MIL's notices of its constant evaluation narrowing values ("Saving value type of
    int64 into a builtin type of int32, might lose precision!") while a program is built."""
    notices = _NoNarrowingNotices()
    logger = logging.getLogger("coremltools")
    targets = [logger, *logger.handlers, *logging.getLogger().handlers]
    if logging.lastResort is not None:
        targets.append(logging.lastResort)
    for target in targets:
        target.addFilter(notices)
    try:
        yield
    finally:
        for target in targets:
            target.removeFilter(notices)


def builder() -> tuple[Any, Any, Any, Any]:
    """(Builder, Function, Program, types) of coremltools' MIL."""
    coremltools()
    from coremltools.converters.mil.mil import Builder, Function, Program, types

    return Builder, Function, Program, types


def opset() -> Any:
    """The opset the programs are written in: iOS 17 / macOS 14."""
    return coremltools().target.iOS17
