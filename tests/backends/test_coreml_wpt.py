"""Every WPT conformance graph, lowered to a CoreML ML Program on any system.

Each case's graph (built as tests/conformance/wpt.py builds it) is either lowered and its MIL
program type-checked (every operand's value has the operand's exact data type and shape, the
program's inputs and outputs the graph's: ``lowering.check_types``), or refused with
NotSupportedError for an op, data type or rank that the coreml backend's op_support_limits()
leaves out.  Anything else is a failure.  coremltools' ``ct.convert`` (to an ML Program, not
loaded) runs on a sample of the lowered programs: the first of each WPT file and every 16th
(all of them take two minutes).

CoreML runs only on macOS, so nothing here is computed by CoreML.  What can be checked here is the
lowerings' own arithmetic under MIL's definition of its ops: with every input of a case made a
constant, coremltools' builder evaluates each MIL operation (its Python value inference, the
semantics coremltools gives each op; not CoreML's kernels), and the outputs must match the case's
expected values within its tolerance.  That checks the compositions (roundEven from floor, NaN
and -0 in max / min / clamp, wrapping casts, index normalization, resampling and padding
positions, dilated pools, float32 accumulation of float16 reductions, the unrolled recurrent
networks, quantization's rounding and saturation ...), not CoreML.
"""

from __future__ import annotations

import os
from collections import Counter

import numpy as np
import pytest

import webnn
from webnn.ops import OPS

from ..conformance.wpt import (
    build_case,
    compare,
    load_cases,
    method_name,
    missing_wpt_message,
    wpt_dir,
)

pytest.importorskip("coremltools")

#: ct.convert runs on every Nth lowered case (and the first of each file).
CONVERT_EVERY = 16


def coreml_limits() -> dict:  # type: ignore[type-arg]
    """op_support_limits() of a coreml context (made without CoreML: only its declarations)."""
    from webnn.backends.coreml.backend import CoreMlBackend
    from webnn.context import MLContext

    backend = object.__new__(CoreMlBackend)  # (its __init__ refuses where CoreML does not run)
    return MLContext(backend, power_preference="default", accelerated=True, device_type=None).op_support_limits()


def undeclared(graph: webnn.MLGraph, limits: dict) -> list[str]:  # type: ignore[type-arg]
    """The ops of ``graph`` (with an operand's data type or rank) that ``limits`` leaves out."""
    ir = graph.ir
    found = []
    for op in ir.operations:
        js = OPS[op.type].js_name
        if js not in limits:
            found.append(op.type)
            continue
        allowed = {t for operand in limits[js].values() for t in operand["dataTypes"]}
        top = min(operand["rankRange"]["max"] for operand in limits[js].values())
        for operand in (*op.input_ids(), *op.outputs):
            desc = ir.operands[operand]
            if desc.data_type not in allowed or desc.rank > top:
                found.append(f"{op.type} {desc}")
    return found


@pytest.mark.skipif(not (wpt_dir() / "conformance").is_dir() and os.environ.get("WEBNN_REQUIRE_WPT") != "1",
                    reason=missing_wpt_message())
def test_every_wpt_graph_converts_or_is_refused_as_declared(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from webnn.backends.coreml.backend import CoreMlBackend
    from webnn.backends.coreml.lowering import check_types, lower
    from webnn.backends.coreml.model import convert, save
    from webnn.compile import optimize

    cases = load_cases()
    assert cases, missing_wpt_message()
    context = webnn.ML().create_context(backend="reference")
    limits = coreml_limits()
    counts: Counter[str] = Counter()
    failures: list[str] = []
    refused: Counter[str] = Counter()
    converted_files: set[str] = set()
    for case in cases:
        if any(method_name(o["name"]) is None for o in case.graph["operators"]):
            counts["not implemented"] += 1
            continue
        graph, _ = build_case(context, case)
        ir = optimize(graph.ir, CoreMlBackend)
        try:
            lowered = lower(ir)
        except Exception as exc:  # (LoweringError: the backend's refusal)
            reasons = undeclared(graph, limits)
            if type(exc).__name__ == "LoweringError" and reasons:
                counts["refused"] += 1
                refused.update(reasons)
            else:
                failures.append(f"{case.id}: {type(exc).__name__}: {exc}")
            continue
        problems = check_types(ir, lowered)
        if problems:
            failures.append(f"{case.id}: {problems[:3]}")
            continue
        counts["converted"] += 1
        if case.file not in converted_files or counts["converted"] % CONVERT_EVERY == 0:
            converted_files.add(case.file)
            try:
                path = save(convert(ir), tmp_path / "case.mlpackage")
            except Exception as exc:
                failures.append(f"{case.id}: ct.convert: {type(exc).__name__}: {exc}")
                continue
            assert os.path.isfile(os.path.join(path, "Manifest.json"))
            counts["through ct.convert"] += 1
    print(f"\ncoreml WPT graphs: {counts['converted']} converted and type-checked "
          f"({counts['through ct.convert']} of them through ct.convert), {counts['refused']} refused as "
          f"unsupported, {len(failures)} failed ({len(cases)} cases, {counts['not implemented']} of ops not "
          "implemented here)")
    print("refused (op and operand):", dict(sorted(refused.items())))
    assert not failures, "\n".join(failures[:20])
    assert counts["converted"] > 1980  # (a regression that refuses more shows here)


#: MIL ops coremltools has no value inference for (the cases using them are not evaluated).
NOT_EVALUATED = {"conv2d", "conv_transpose2d", "average_pool2d", "max_pool2d", "l2_pool2d", "gather_nd", "scatter_nd"}


@pytest.mark.skipif(not (wpt_dir() / "conformance").is_dir() and os.environ.get("WEBNN_REQUIRE_WPT") != "1",
                    reason=missing_wpt_message())
def test_the_lowerings_compute_the_expected_values_under_mils_op_definitions() -> None:
    from webnn.backends.coreml.backend import CoreMlBackend
    from webnn.backends.coreml.lowering import LoweringError, lower
    from webnn.passes.pipeline import PassContext, run_pipeline

    context = webnn.ML().create_context(backend="reference")
    counts: Counter[str] = Counter()
    failures: list[str] = []
    for case in load_cases():
        if any(method_name(o["name"]) is None for o in case.graph["operators"]):
            continue
        graph, _ = build_case(context, case, constants=True)
        # (the layout and the decompositions only: folding would compute the graph here)
        passes = PassContext(decompose=CoreMlBackend.decompose, layout=CoreMlBackend.layout)
        ir = run_pipeline(graph.ir, ("canonical_layout", "decompose"), passes)
        try:
            program = lower(ir)
        except LoweringError:
            counts["refused"] += 1
            continue
        values = {name: program.values[ir.outputs[name]].val for name in case.expected}
        if any(v is None for v in values.values()):
            counts["not evaluated"] += 1
            assert {op.type for op in ir.operations} & NOT_EVALUATED, case.id
            continue
        try:
            for name, spec in case.expected.items():
                desc = spec["descriptor"]
                value = np.asarray(values[name]).astype(webnn.dtypes.to_numpy(desc["dataType"]))
                compare(name, value.reshape(desc["shape"]), spec, case.tolerance)
        except AssertionError as exc:
            failures.append(f"{case.id}: {exc}")
            continue
        counts["match"] += 1
    print(f"\ncoreml lowerings under MIL's op definitions: {counts['match']} cases match, {len(failures)} do not, "
          f"{counts['not evaluated']} use ops coremltools does not evaluate, {counts['refused']} refused")
    assert not failures, "\n".join(failures[:20])
    assert counts["match"] > 1790
