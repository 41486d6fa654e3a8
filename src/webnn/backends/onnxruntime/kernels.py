"""Which data types ONNX Runtime's CPU kernels accept, read from the installed ONNX Runtime.

The CPU provider is the fallback for every node, so its kernels decide where a
lowering must cast to a wider type and back.  Ops without a registered kernel
(ONNX functions such as HardSwish, which ONNX Runtime expands) report None.
"""

from __future__ import annotations

import functools
import json
from collections import defaultdict

#: ONNX tensor type names (as in "tensor(float)") for each WebNN data type as stored.
ONNX_NAMES = {
    "float32": "float", "float16": "float16", "int32": "int32", "uint32": "uint32", "int64": "int64",
    "uint64": "uint64", "int8": "int8", "uint8": "uint8", "int4": "int4", "uint4": "uint4", "bool": "bool",
    "float64": "double",
}


@functools.cache
def cpu_kernel_types(opset: int) -> dict[str, dict[str, frozenset[str]]]:
    """op type (default domain) -> type constraint name -> ONNX type names, at ``opset``.

    Read from ONNX Runtime's kernel registry once per engine version and kept in the
    persistent cache (``webnn cache``), so that later processes skip the probe."""
    table = _cached_table(opset)
    if table is None:
        table = _probe(opset)
        _store_table(opset, table)
    return {op: {name: frozenset(types) for name, types in constraints.items()} for op, constraints in table.items()}


def _probe(opset: int) -> dict[str, dict[str, list[str]]]:
    from onnxruntime.capi import _pybind_state

    table: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for kernel in _pybind_state.get_all_opkernel_def():
        if kernel.provider != "CPUExecutionProvider" or kernel.domain not in ("", "ai.onnx"):
            continue
        low, high = kernel.version_range
        if not low <= opset <= high:
            continue
        for name, types in kernel.type_constraints.items():
            table[kernel.op_name][name].update(t[len("tensor("):-1] for t in types if t.startswith("tensor("))
    return {op: {name: sorted(types) for name, types in constraints.items()} for op, constraints in table.items()}


def _table_key(opset: int) -> str | None:
    import hashlib

    import onnxruntime as ort

    from ...cache import default_cache

    if default_cache() is None:
        return None
    build = getattr(ort, "get_build_info", lambda: "")()
    return hashlib.sha256(f"onnxruntime cpu kernels\n{ort.__version__}\n{build}\n{opset}".encode()).hexdigest()


def _cached_table(opset: int) -> dict[str, dict[str, list[str]]] | None:
    from ...cache import default_cache

    key = _table_key(opset)
    cache = default_cache()
    entry = cache.get(key) if key is not None and cache is not None else None
    if entry is None:
        return None
    try:
        table = json.loads(entry.read(_TABLE_FILE))
    except (OSError, ValueError):
        return None
    valid = isinstance(table, dict) and all(
        isinstance(c, dict) and all(isinstance(t, list) and all(isinstance(x, str) for x in t) for t in c.values())
        for c in table.values()
    )
    return table if valid else None


def _store_table(opset: int, table: dict[str, dict[str, list[str]]]) -> None:
    from ...cache import default_cache

    key = _table_key(opset)
    cache = default_cache()
    if key is not None and cache is not None:
        cache.put(key, {_TABLE_FILE: json.dumps(table, sort_keys=True).encode()}, {"what": "onnxruntime cpu kernels"})


_TABLE_FILE = "kernels.json"


@functools.cache
def supports(opset: int, op_type: str, data_type: str, constraint: str = "T") -> bool | None:
    """Whether the CPU kernel of ``op_type`` takes ``data_type`` (a WebNN / ONNX name) for
    ``constraint``; None when ONNX Runtime has no kernel of that name (an ONNX function)."""
    constraints = cpu_kernel_types(opset).get(op_type)
    if constraints is None:
        return None
    types = constraints.get(constraint)
    if types is None:
        types = frozenset().union(*constraints.values())
    return ONNX_NAMES.get(data_type, data_type) in types
