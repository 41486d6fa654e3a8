"""Fingerprints: digests that key the persistent compiled-graph cache.

``graph_digest`` covers everything that makes a graph what it is: operand descriptors,
input and output names, every operation (type, inputs, normalized attributes, label) and
the bytes of every constant.  Two graphs with the same digest compute the same thing, in
any process.  A constant's bytes are hashed once per array (SHA-256, hardware-accelerated
on current CPUs), however many graphs share it.  ``machine_digest`` tells machines apart
whose compiled code differs (CPU architecture and instruction-set extensions).
"""

from __future__ import annotations

import math
import threading
import weakref
from collections.abc import Mapping
from typing import Any

import numpy as np

from .ir import Graph

#: id(array) -> (weak reference to the array, digest of its bytes)
_ARRAY_DIGESTS: dict[int, tuple[weakref.ReferenceType[np.ndarray], bytes]] = {}
_LOCK = threading.Lock()


def array_digest(array: np.ndarray) -> bytes:
    """SHA-256 of a read-only array's dtype, shape and bytes (computed once per array: a
    caller that finds the background thread hashing it waits for that result)."""
    key = id(array)
    while True:
        with _LOCK:
            known = _ARRAY_DIGESTS.get(key)
            if known is not None and known[0]() is array:
                return known[1]
            busy = _IN_FLIGHT.get(key)
            if busy is None:
                done = _IN_FLIGHT[key] = threading.Event()
                break
        busy.wait()
    try:
        import hashlib

        h = hashlib.sha256(f"{array.dtype.str}{array.shape}".encode())
        h.update(np.ascontiguousarray(array).data)
        digest = h.digest()
        if not array.flags.writeable:  # a writable array may change: never remembered

            def forget(_: object, key: int = key) -> None:
                _ARRAY_DIGESTS.pop(key, None)

            try:
                ref = weakref.ref(array, forget)
            except TypeError:
                return digest
            with _LOCK:
                _ARRAY_DIGESTS[key] = (ref, digest)
        return digest
    finally:
        with _LOCK:
            del _IN_FLIGHT[key]
        done.set()


#: id(array) -> set when the digest being computed for it is remembered
_IN_FLIGHT: dict[int, threading.Event] = {}


#: Arrays at least this large are hashed ahead, in a background thread (hashlib releases the
#: GIL), while the builder goes on: by build() their digests are ready.
PREFETCH_BYTES = 64 * 1024
_QUEUE: Any = None


def prefetch(array: np.ndarray) -> None:
    """Start hashing a read-only array in the background (its digest is remembered)."""
    global _QUEUE
    if array.nbytes < PREFETCH_BYTES or array.flags.writeable:
        return
    if _QUEUE is None:
        import queue

        with _LOCK:
            if _QUEUE is None:
                _QUEUE = queue.SimpleQueue()
                threading.Thread(target=_hash_worker, args=(_QUEUE,), name="webnn-digests", daemon=True).start()
    _QUEUE.put(weakref.ref(array))


def _hash_worker(work: Any) -> None:
    while True:
        array = work.get()()
        if array is not None:
            array_digest(array)
        del array


def _value_text(value: Any) -> str:
    """A canonical text of an attribute value (-0.0 and 0.0 differ, every NaN is one)."""
    if isinstance(value, float):
        return "nan" if math.isnan(value) else value.hex()
    if isinstance(value, tuple | list):
        return "(" + ",".join(_value_text(v) for v in value) + ")"
    if isinstance(value, Mapping):
        return "{" + ",".join(f"{k}:{_value_text(value[k])}" for k in sorted(value)) + "}"
    return f"{type(value).__name__}:{value!r}"


def graph_digest(graph: Graph) -> str:
    """A hex SHA-256 of everything that defines ``graph`` (computed once per graph: the graph
    and its constants are immutable)."""
    cached = graph._digest
    if cached is not None:
        return cached
    import hashlib

    h = hashlib.sha256(b"webnn-graph-digest 1\n")
    lines = [f"operands {';'.join(f'{d.data_type}{list(d.shape)}' for d in graph.operands)}"]
    lines += [f"input {name!r} {operand}" for name, operand in graph.inputs.items()]
    lines += [f"output {name!r} {operand}" for name, operand in graph.outputs.items()]
    for op in graph.operations:
        lines.append(
            f"op {op.type} {_value_text(dict(op.inputs))} {_value_text(dict(op.attrs))} {op.outputs} {op.label!r}"
        )
    h.update("\n".join(lines).encode())
    for operand, array in graph.constants.items():
        h.update(f"\nconstant {operand} ".encode())
        h.update(array_digest(array))
    digest = h.hexdigest()
    object.__setattr__(graph, "_digest", digest)
    return digest


_MACHINE: str | None = None


def machine_digest() -> str:
    """A short digest of the CPU architecture and its instruction-set extensions."""
    global _MACHINE
    if _MACHINE is None:
        import platform

        parts = [platform.system(), platform.machine()]
        try:
            with open("/proc/cpuinfo", encoding="ascii", errors="replace") as file:
                for line in file:
                    if line.startswith(("flags", "Features", "model name")):
                        parts.append(line.strip())
                    if line.strip() == "":
                        break  # the first processor describes them all
        except OSError:
            parts.append(platform.processor())
        import hashlib

        _MACHINE = hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]
    return _MACHINE
