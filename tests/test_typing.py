"""The generated builder methods are typed: precise annotations, and an up-to-date stub for type checkers."""

from __future__ import annotations

import importlib.util
import inspect
from pathlib import Path

import pytest

from webnn.ops import OPS

ROOT = Path(__file__).resolve().parents[1]


def _load_stub_generator():
    spec = importlib.util.spec_from_file_location("gen_builder_stub", ROOT / "scripts" / "gen_builder_stub.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_builder_stub_is_up_to_date() -> None:
    generator = _load_stub_generator()
    assert generator.STUB.read_text() == generator.render(), (
        "src/webnn/builder.pyi is stale: run python scripts/gen_builder_stub.py"
    )


@pytest.mark.parametrize("name", sorted(OPS))
def test_op_parameters_are_annotated(name: str) -> None:
    parameters = list(inspect.signature(OPS[name].func).parameters.values())[1:]
    vague = [p.name for p in parameters if p.annotation in (inspect.Parameter.empty, "Any", "object")]
    assert not vague, f"{name}: parameters without a precise type annotation: {vague}"
