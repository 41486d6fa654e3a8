"""The litert backend's flatbuffer encoder, read back by the schema code that the ai-edge-litert
wheel generates from TFLite's ``schema.fbs`` (an independent decoder), and run by LiteRT."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("ai_edge_litert")

from ai_edge_litert import schema_py_generated as schema  # noqa: E402

from webnn.backends.litert.flatbuffer import ModelWriter, options  # noqa: E402
from webnn.backends.litert.schema import BUILTIN_OPERATORS, OPTIONS  # noqa: E402

FLOAT32, INT32 = 0, 2
#: Field values of each scalar type that differ from every default (so none is left out).
SAMPLES = {"b": 3, "?": True, "i": 7, "f": 0.375}


def test_the_operator_codes_are_the_schemas() -> None:
    generated = {k: v for k, v in vars(schema.BuiltinOperator).items() if not k.startswith("_")}
    assert BUILTIN_OPERATORS == generated


@pytest.mark.parametrize("name", sorted(OPTIONS))
def test_every_options_table_reads_back_field_by_field(name: str) -> None:
    code, fields = OPTIONS[name]
    assert getattr(schema.BuiltinOptions, name) == code
    values = {field: SAMPLES[kind] + slot for slot, (field, kind) in enumerate(fields) if kind != "?"}
    values.update({field: True for field, kind in fields if kind == "?"})
    writer = ModelWriter()
    x = writer.tensor([2, 3], FLOAT32, name="x")
    y = writer.tensor([2, 3], FLOAT32)
    writer.operator("ADD", [x, x], [y], options(name, **values))
    parsed = schema.ModelT.InitFromPackedBuf(writer.finish([x], [y]), 0)
    op = parsed.subgraphs[0].operators[0]
    assert op.builtinOptionsType == code
    for field, value in values.items():
        assert getattr(op.builtinOptions, field) == value, field


def test_an_unknown_options_field_is_an_error() -> None:
    with pytest.raises(AttributeError, match="Conv2DOptions has no field stride"):
        options("Conv2DOptions", stride=2)


@pytest.mark.parametrize("inline", [False, True])
def test_tensors_operators_and_constants_read_back(inline: bool) -> None:
    writer = ModelWriter()
    x = writer.tensor([1, 4], FLOAT32, name="x")
    rng = np.random.default_rng(0)
    weights = [rng.standard_normal(n).astype(np.float32) for n in (4, 0, 4097)]
    constants = [writer.tensor([4], FLOAT32, weights[0]), writer.tensor([0], FLOAT32, weights[1]),
                 writer.tensor([4097], FLOAT32, weights[2])]
    shape = writer.tensor([2], INT32, np.array([2, 2], np.int32))
    s = writer.tensor([1, 4], FLOAT32)
    y = writer.tensor([2, 2], FLOAT32, name="y")
    writer.operator("ADD", [x, constants[0]], [s], options("AddOptions", fusedActivationFunction=1))
    writer.operator("RESHAPE", [s, shape], [y])
    model = writer.finish([x], [y], inline=inline)
    parsed = schema.ModelT.InitFromPackedBuf(model, 0)
    graph = parsed.subgraphs[0]
    assert parsed.version == 3 and graph.name == b"main"
    assert list(graph.inputs) == [x] and list(graph.outputs) == [y]
    assert [t.name for t in graph.tensors][:1] == [b"x"] and graph.tensors[y].name == b"y"
    assert [list(t.shape) for t in graph.tensors] == [[1, 4], [4], [0], [4097], [2], [1, 4], [2, 2]]
    assert [t.type for t in graph.tensors] == [FLOAT32] * 4 + [INT32, FLOAT32, FLOAT32]
    codes = [c.builtinCode for c in parsed.operatorCodes]
    assert [codes[op.opcodeIndex] for op in graph.operators] == [BUILTIN_OPERATORS["ADD"], BUILTIN_OPERATORS["RESHAPE"]]
    assert [list(op.inputs) for op in graph.operators] == [[x, constants[0]], [s, shape]]
    assert graph.operators[1].builtinOptions is None
    for tensor, want in zip([*constants, shape], [*weights, np.array([2, 2], np.int32)]):
        buffer = parsed.buffers[graph.tensors[tensor].buffer]
        if inline:
            data = bytes(buffer.data) if buffer.data is not None else b""
        else:
            assert buffer.data is None
            assert buffer.offset % 16 == 0 and buffer.offset + buffer.size <= len(model)
            data = model[buffer.offset:buffer.offset + buffer.size]
        assert data == want.tobytes()

    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(model_content=model)
    interpreter.allocate_tensors()
    value = np.array([[-3, 1, 2, -4]], np.float32)
    interpreter.set_tensor(interpreter.get_input_details()[0]["index"], value)
    interpreter.invoke()
    result = interpreter.get_tensor(interpreter.get_output_details()[0]["index"])
    np.testing.assert_array_equal(result, np.maximum(value + weights[0], 0).reshape(2, 2))
