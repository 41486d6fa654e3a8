"""Reading the WPT WebNN conformance cases (JSON) and comparing outputs with their tolerances.

The data format and the tolerance rules are described in ``shared/wpt/README.md``.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

import webnn
from webnn import dtypes
from webnn.ops import JS_NAMES

ROOT = Path(__file__).resolve().parents[2]


def wpt_dir() -> Path:
    return Path(os.environ.get("WEBNN_WPT_DIR", ROOT.parent / "shared" / "wpt"))


def missing_wpt_message() -> str:
    """Why the WPT cases skip, and how to get them (the reason of every skip for want of the data)."""
    from ..models import MISSING

    return (f"{MISSING}the WPT WebNN conformance cases are not in {wpt_dir() / 'conformance'}; put the WPT data "
            f"(conformance/*.json) in ../shared/wpt beside the repository ({ROOT.parent / 'shared' / 'wpt'}) or "
            "set WEBNN_WPT_DIR to its folder (WEBNN_REQUIRE_WPT=1 makes missing data a failure)")


#: Cases whose expected values contradict the spec, with the corrected values and why.
#: The case still runs (under a test id that says so) against the corrected values.
CORRECTIONS: dict[tuple[str, str], tuple[dict[str, list[Any]], str]] = {
    ("quantize_linear", "quantizeLinear float32 tensor with int4 zeroPoint which has odd size"): (
        {"quantizeLinearOutput": [0]},
        # roundEven(4.7949 / 1.1203) + (-4) = 4 - 4 = 0; later WPT revisions expect 0 too.
        "corrected-expected-0-per-spec-formula",
    ),
}


@dataclass(frozen=True)
class Case:
    file: str
    index: int
    name: str
    graph: dict[str, Any]
    tolerance: dict[str, Any] | None

    @property
    def id(self) -> str:
        short = re.sub(r"[^\w.=+-]+", "_", self.name).strip("_")
        correction = CORRECTIONS.get((self.file, self.name))
        return f"{self.file}/{self.index:03d}-{short[:90]}" + (f"[{correction[1]}]" if correction else "")

    @property
    def expected(self) -> dict[str, Any]:
        """The expected outputs, with any correction applied."""
        expected = self.graph["expectedOutputs"]
        correction = CORRECTIONS.get((self.file, self.name))
        if correction is None:
            return expected
        return {name: {**spec, "data": correction[0].get(name, spec["data"])} for name, spec in expected.items()}


def load_cases(kind: str = "conformance") -> list[Case]:
    folder = wpt_dir() / kind
    cases: list[Case] = []
    for path in sorted(folder.glob("*.json")):
        data = json.loads(path.read_text())
        for index, test in enumerate(data["tests"]):
            cases.append(Case(path.stem, index, test["name"], test["graph"], test.get("tolerance")))
    return cases


_BIGINT = re.compile(r"^-?\d+n?$")
_SPECIAL = {"Infinity": float("inf"), "-Infinity": float("-inf"), "NaN": float("nan")}


def number(value: Any) -> Any:
    """A JSON value with the JavaScript encodings (``"Infinity"``, ``"12n"``) decoded."""
    if isinstance(value, str):
        if value in _SPECIAL:
            return _SPECIAL[value]
        if _BIGINT.match(value):
            return int(value.rstrip("n"))
    return value


def to_array(spec: dict[str, Any]) -> np.ndarray:
    desc = spec["descriptor"]
    shape = tuple(desc["shape"])
    dtype = dtypes.to_numpy(desc["dataType"])
    data = spec["data"]
    with np.errstate(over="ignore"):  # e.g. 1e39 as float32 is +inf, as the cases intend
        if isinstance(data, list):
            return np.array([number(v) for v in data], dtype=dtype).reshape(shape)
        return np.full(shape, number(data), dtype=dtype)


def resolve(value: Any, operands: dict[str, webnn.MLOperand]) -> Any:
    """Operand names become operands; JS number encodings become numbers; recursively."""
    if isinstance(value, str):
        if value in operands:
            return operands[value]
        return number(value)
    if isinstance(value, list):
        return [resolve(v, operands) for v in value]
    if isinstance(value, dict):
        return {k: resolve(v, operands) for k, v in value.items()}
    return value


def method_name(js_name: str) -> str | None:
    return JS_NAMES.get(js_name)


def build_case(context: webnn.MLContext, case: Case, constants: bool = False) -> tuple[webnn.MLGraph, dict[str, np.ndarray]]:
    """The case's graph, built as JS would (positional arguments, options dict), and its inputs'
    values; with ``constants``, every input is a constant holding its value instead."""
    builder = context.create_graph_builder()
    operands: dict[str, webnn.MLOperand] = {}
    feeds: dict[str, np.ndarray] = {}
    for name, spec in case.graph["inputs"].items():
        array = to_array(spec)
        desc = spec["descriptor"]
        if constants or spec.get("constant"):
            operands[name] = builder.constant({"dataType": desc["dataType"], "shape": desc["shape"]}, array)
        else:
            operands[name] = builder.input(name, {"dataType": desc["dataType"], "shape": desc["shape"]})
            feeds[name] = array
    for operator in case.graph["operators"]:
        method = getattr(builder, method_name(operator["name"]))
        args = [resolve(next(iter(arg.values())), operands) for arg in operator["arguments"]]
        result = method(*args)
        names = operator["outputs"]
        if isinstance(names, str):
            operands[names] = result
        else:
            for name, operand in zip(names, result, strict=True):
                operands[name] = operand
    expected = case.graph["expectedOutputs"]
    return builder.build({name: operands[name] for name in expected}), feeds


def run_case(context: webnn.MLContext, case: Case) -> dict[str, np.ndarray]:
    """Build the case's graph (:func:`build_case`) and compute it."""
    graph, feeds = build_case(context, case)
    return context.compute(graph, feeds)


def ordered_bits(x: np.ndarray) -> np.ndarray:
    """Float bit patterns as integers whose order follows the floats' order (+0 and -0 meet)."""
    int_type = {np.dtype(np.float32): np.int32, np.dtype(np.float16): np.int16}[x.dtype]
    bits = x.view(int_type).astype(np.int64)
    int_min = np.iinfo(int_type).min
    return np.where(bits < 0, int_min - bits, bits)


def compare(name: str, actual: np.ndarray, spec: dict[str, Any], tolerance: dict[str, Any] | None) -> None:
    """Assert ``actual`` matches the expected output under the case's tolerance."""
    desc = spec["descriptor"]
    assert actual.dtype == dtypes.to_numpy(desc["dataType"]), (
        f"{name}: dtype {actual.dtype}, expected {desc['dataType']}"
    )
    assert list(actual.shape) == list(desc["shape"]), f"{name}: shape {list(actual.shape)}, expected {desc['shape']}"
    expected = to_array(spec)
    if actual.dtype.kind in "iu":
        bad = actual != expected
        assert not bad.any(), f"{name}: {bad.sum()} integer mismatches, first at {np.argwhere(bad)[0]}: " \
            f"{actual[bad][:5]} != {expected[bad][:5]}"
        return
    metric = (tolerance or {}).get("metricType", "ULP")
    value = float((tolerance or {}).get("value", 0))
    a, e = actual.astype(np.float64), expected.astype(np.float64)
    nan_ok = np.isnan(a) == np.isnan(e)
    inf_ok = np.where(np.isinf(a) | np.isinf(e), a == e, True)
    special = np.isnan(a) | np.isnan(e) | np.isinf(a) | np.isinf(e)
    if metric == "ULP":
        distance = np.abs(ordered_bits(actual) - ordered_bits(expected)).astype(np.float64)
    elif metric == "ATOL":
        distance = np.abs(a - e)
    else:
        raise AssertionError(f"unknown tolerance metric {metric}")
    within = np.where(special, nan_ok & inf_ok, distance <= value)
    if not within.all():
        where = np.argwhere(~within.reshape(actual.shape) if actual.ndim else ~within)
        first = tuple(where[0]) if len(where) else ()
        raise AssertionError(
            f"{name}: {int((~within).sum())} of {actual.size} values outside {metric} {value:g}; "
            f"first at {first}: got {a[first]!r}, expected {e[first]!r}, distance {distance[first]:g}"
        )
