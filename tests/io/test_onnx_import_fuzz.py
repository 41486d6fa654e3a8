"""Malformed ONNX models: random mutations of the converter cases (attributes changed or dropped,
inputs dropped or swapped, declared shapes changed) raise only the documented error kinds
(NotSupportedError, TypeError, GraphFormatError); a model that still imports must compute."""

from __future__ import annotations

import random

import numpy as np
import pytest

import webnn

onnx = pytest.importorskip("onnx")

from onnx import AttributeProto  # noqa: E402

from .onnx_cases import CASES  # noqa: E402

ALLOWED = (webnn.NotSupportedError, TypeError, webnn.GraphFormatError)


def _mutate(model, rng: random.Random) -> str:  # type: ignore[no-untyped-def]
    nodes = list(model.graph.node)
    node = rng.choice(nodes)
    choice = rng.randrange(5)
    if choice == 0 and node.attribute:
        attr = rng.choice(list(node.attribute))
        if attr.type == AttributeProto.INT:
            attr.i = rng.randint(-4, 12)
        elif attr.type == AttributeProto.INTS and attr.ints:
            attr.ints[rng.randrange(len(attr.ints))] = rng.randint(-4, 12)
        elif attr.type == AttributeProto.FLOAT:
            attr.f = rng.choice([0.0, -1.0, float("nan"), 1e30])
        elif attr.type == AttributeProto.STRING:
            attr.s = rng.choice([b"", b"bogus", b"NOTSET"])
        return f"attribute {attr.name} of {node.op_type}"
    if choice == 1 and node.attribute:
        attr = rng.choice(list(node.attribute))
        node.attribute.remove(attr)
        return f"dropped attribute {attr.name} of {node.op_type}"
    if choice == 2 and node.input:
        i = rng.randrange(len(node.input))
        node.input[i] = ""
        return f"dropped input {i} of {node.op_type}"
    if choice == 3 and len(node.input) > 1:
        i, j = rng.sample(range(len(node.input)), 2)
        node.input[i], node.input[j] = node.input[j], node.input[i]
        return f"swapped inputs {i}, {j} of {node.op_type}"
    inputs = list(model.graph.input)
    if inputs:
        dims = inputs[0].type.tensor_type.shape.dim
        if dims:
            dims[rng.randrange(len(dims))].dim_value = rng.randint(1, 9)
            return "changed a declared input dimension"
    return "unchanged"


@pytest.mark.parametrize("seed", range(40))
def test_mutated_models_fail_cleanly(seed: int) -> None:
    rng = random.Random(seed)
    context = webnn.ML().create_context(backend="reference")
    for _ in range(60):
        case = rng.choice(CASES)
        model = case.model()
        what = _mutate(model, rng)
        try:
            graph = webnn.load_onnx(model, context)
        except ALLOWED:
            continue
        except Exception as exc:  # pragma: no cover - the failure message says what broke
            pytest.fail(f"{case.id}, {what}: {type(exc).__name__}: {exc}")
        feeds = {}
        for name, desc in graph.input_descriptors.items():
            feeds[name] = np.ones(desc.shape, desc.data_type if desc.data_type != "float32" else np.float32)
        try:
            context.compute(graph, feeds)
        except Exception as exc:  # pragma: no cover
            pytest.fail(f"{case.id}, {what}: imported, but compute raised {type(exc).__name__}: {exc}")
