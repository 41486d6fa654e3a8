"""Our tensor limits (used by validation and ``op_support_limits``) against the spec's tables.

The spec source (``../shared/spec/index.bs``) is parsed independently here; every
"Tensor limits" table must agree with the op definitions for every op we implement.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

import webnn
from webnn.dtypes import SPEC_DATA_TYPES
from webnn.ops import JS_NAMES, OPS
from webnn.ops.base import MAX_RANK

SPEC = Path(os.environ.get("WEBNN_SPEC", Path(__file__).resolve().parents[2] / "shared" / "spec" / "index.bs"))


def _cell(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _operand_name(cell: str) -> str:
    if cell.startswith("*"):
        m = re.match(r"\*outputs?(?:\[(\d)\])?\*", cell)
        assert m, cell
        if m.group(1) is not None:
            return f"output{m.group(1)}"
        return "outputs" if cell.startswith("*outputs*") else "output"
    m = re.match(r"\{\{(?:\w+/)?(\w+)\}\}", cell)
    assert m, cell
    return m.group(1)


def _parse_tables() -> dict[str, dict[str, tuple[str, str]]]:
    """js op name -> operand (camelCase) -> (allowed data types cell, allowed ranks cell)."""
    text = SPEC.read_text()
    result: dict[str, dict[str, tuple[str, str]]] = {}
    for attrs, body in re.findall(r"<table id=['\"]?tensor-limits-[\w-]+([^>]*)>(.*?)</table>", text, re.S):
        ops = re.findall(r"MLGraphBuilder/(\w+)\(", attrs)
        rows = {}
        for row in body.split("<tr>")[1:]:  # split on <tr>: some rows lack their </tr>
            cells = [_cell(c) for c in re.findall(r"<td>(.*?)</td>", row, re.S)]
            if cells:
                rows[_operand_name(cells[0])] = (cells[1], cells[3])
        for js in ops:
            result[js] = rows
    return result


def _resolve(rows: dict[str, tuple[str, str]], name: str, column: int) -> str:
    cell = rows[name][column]
    m = re.match(r"\[=/same (?:type|rank) as\|same as=\] \{\{(\w+)\}\}", cell)
    return _resolve(rows, m.group(1), column) if m else cell


def _types(cell: str) -> list[str]:
    if "any data type" in cell:
        return list(SPEC_DATA_TYPES)
    return sorted(re.findall(r'MLOperandDataType/"(\w+)"', cell), key=SPEC_DATA_TYPES.index)


def _ranks(cell: str) -> tuple[int, int]:
    cell = cell.replace("[=/any rank|N=]", "N")
    m = re.fullmatch(r"(\d+|N)(?: to (\d+|N))?", cell)
    assert m, cell
    lo, hi = m.group(1), m.group(2) or m.group(1)
    return (0 if lo == "N" else int(lo), MAX_RANK if hi == "N" else int(hi))


TABLES = _parse_tables() if SPEC.is_file() else {}

#: Where the spec's steps are stricter than its table, the limits follow the steps.
STEPS_OVER_TABLE = {
    ("isNaN", "a"): ["float32", "float16"],
    ("isInfinite", "a"): ["float32", "float16"],
}


def test_spec_present() -> None:
    if not TABLES:
        pytest.skip(f"spec source not found at {SPEC}")


@pytest.mark.parametrize("js_name", sorted(TABLES))
def test_limits_match_spec(js_name: str) -> None:
    name = JS_NAMES.get(js_name)
    if name is None:
        pytest.skip(f"{js_name} is not implemented")
    rows = TABLES[js_name]
    ours = OPS[name].support_limits()
    assert set(ours) == set(rows), f"{name}: operands {sorted(ours)} != spec {sorted(rows)}"
    for operand in rows:
        spec_types = STEPS_OVER_TABLE.get((js_name, operand)) or _types(_resolve(rows, operand, 0))
        our_types = [t for t in ours[operand]["dataTypes"] if t in SPEC_DATA_TYPES]
        assert our_types == spec_types, f"{name}.{operand}: data types {our_types} != spec {spec_types}"
        lo, hi = _ranks(_resolve(rows, operand, 1))
        assert ours[operand]["rankRange"] == {"min": lo, "max": hi}, f"{name}.{operand}: ranks"


def test_op_support_limits_covers_every_op() -> None:
    limits = webnn.ML().create_context().op_support_limits()
    for opdef in OPS.values():
        assert opdef.js_name in limits
