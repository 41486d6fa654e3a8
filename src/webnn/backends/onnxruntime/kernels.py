"""Which data types ONNX Runtime's CPU kernels accept, read from the installed ONNX Runtime.

The CPU provider is the fallback for every node, so its kernels decide where a
lowering must cast to a wider type and back.  Ops without a registered kernel
(ONNX functions such as HardSwish, which ONNX Runtime expands) report None.
"""

from __future__ import annotations

import functools
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


_TABLE_HEADER = "# webnn: ONNX Runtime CPU kernel type constraints, v1"


def _table_path(opset: int) -> str | None:
    """Where the kernel table of the installed ONNX Runtime is kept: a small JSON file in the
    cache folder, named after the engine's version and build (no digest: a damaged file fails
    validation and is probed again, and a wrong table can only make a session refuse a node or
    cast where it need not, never compute differently)."""
    import os
    import zlib

    import onnxruntime as ort

    from ...cache import cache_settings

    folder, _ = cache_settings()
    if folder is None:
        return None
    build = str(getattr(ort, "get_build_info", lambda: "")())
    tag = f"{zlib.crc32(build.encode()):08x}"
    return os.path.join(folder, "engines", f"onnxruntime-{ort.__version__}-{tag}-opset{opset}-cpu-kernels.txt")


def _cached_table(opset: int) -> dict[str, dict[str, list[str]]] | None:
    """The table from its file: one line per (op, constraint), ``op constraint type,type,...``."""
    path = _table_path(opset)
    if path is None:
        return None
    table: dict[str, dict[str, list[str]]] = {}
    try:
        with open(path, encoding="ascii") as file:
            lines = file.read().splitlines()
    except (OSError, ValueError):
        return None
    if not lines or lines[0] != _TABLE_HEADER:
        return None
    for line in lines[1:]:
        parts = line.split(" ")
        if len(parts) != 3 or not parts[0] or not parts[1]:
            return None
        table.setdefault(parts[0], {})[parts[1]] = parts[2].split(",") if parts[2] else []
    return table


def _store_table(opset: int, table: dict[str, dict[str, list[str]]]) -> None:
    import os

    path = _table_path(opset)
    if path is None:
        return
    try:
        os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
        temporary = f"{path}.{os.getpid()}.tmp"
        lines = [_TABLE_HEADER] + [
            f"{op} {name} {','.join(types)}" for op, constraints in sorted(table.items())
            for name, types in sorted(constraints.items())
        ]
        with open(temporary, "w", encoding="ascii") as file:
            file.write("\n".join(lines) + "\n")
        os.replace(temporary, path)
    except OSError:
        pass  # only a speed-up: the next process probes again


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
