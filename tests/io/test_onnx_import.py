"""ONNX import: each converter against ONNX Runtime running the same small model, on every backend;
errors (unsupported ops, free dimensions, malformed files) and the builder-level variant."""

from __future__ import annotations

import numpy as np
import pytest

import webnn

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

from onnx import TensorProto, helper  # noqa: E402

from webnn.io.onnx_import import import_onnx, supported_op_types  # noqa: E402

from .onnx_cases import CASES, Case, f32  # noqa: E402

N = helper.make_node


def run_onnxruntime(model, feeds: dict[str, np.ndarray]) -> dict[str, np.ndarray]:  # type: ignore[no-untyped-def]
    options = ort.SessionOptions()
    options.log_severity_level = 3
    session = ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])
    return dict(zip([o.name for o in session.get_outputs()], session.run(None, feeds)))


def run_reference_evaluator(model, feeds: dict[str, np.ndarray]) -> dict[str, np.ndarray]:  # type: ignore[no-untyped-def]
    """ONNX's own reference evaluator (exact integer arithmetic in NumPy)."""
    from onnx.reference import ReferenceEvaluator

    names = [o.name for o in model.graph.output]
    return dict(zip(names, ReferenceEvaluator(model).run(None, feeds)))


def assert_matches(expected: dict[str, np.ndarray], actual: dict[str, np.ndarray], rtol: float = 1e-5) -> None:
    """Same names, shapes and dtypes (bool as uint8); integers exact, floats within ``rtol`` of the
    output's largest magnitude."""
    assert sorted(actual) == sorted(expected)
    for name, want in expected.items():
        got = actual[name]
        assert got.shape == want.shape, name
        if want.dtype.name in ("int4", "uint4"):  # WebNN's 4-bit values come unpacked, a byte each
            want = want.astype(np.int8 if want.dtype.name == "int4" else np.uint8)
        if want.dtype == np.bool_:
            assert got.dtype == np.uint8
            np.testing.assert_array_equal(got, want.astype(np.uint8), err_msg=name)
        elif want.dtype.kind in "iu":
            assert got.dtype == want.dtype, name
            np.testing.assert_array_equal(got, want, err_msg=name)
        else:
            assert got.dtype == want.dtype, name
            scale = max(float(np.max(np.abs(want))), 1e-30) if want.size else 1.0
            np.testing.assert_allclose(got, want, rtol=0, atol=rtol * scale, err_msg=name)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_converter_matches_onnxruntime(case: Case, context: webnn.MLContext) -> None:
    model = case.model()
    expected = (run_reference_evaluator if case.u8s8 else run_onnxruntime)((case.reference or case).model(), case.inputs)
    shapes = {n: list(a.shape) for n, a in case.inputs.items()} if case.input_shapes else None
    graph = webnn.load_onnx(model, context, input_shapes=shapes)
    assert sorted(graph.input_names) == sorted(case.inputs)
    assert_matches(expected, context.compute(graph, case.inputs))


def test_case_ids_are_unique() -> None:
    ids = [c.id for c in CASES]
    assert len(ids) == len(set(ids))


def test_every_op_type_with_a_converter_has_a_case() -> None:
    """Each registered op type is exercised by at least one case above (or by the real models)."""
    covered = {n.op_type for c in CASES for n in c.nodes}
    covered |= {"Scatter", "Constant"}  # Scatter is ScatterElements' old name; Constant is in If / cases
    missing = sorted(set(supported_op_types()) - covered - {"BitwiseAnd", "BitwiseOr", "BitwiseXor", "Mod"})
    assert not missing, f"op types without a test case: {missing}"


# --------------------------------------------------------------------------- errors


def _model(nodes, inputs, outputs, initializers=(), opset=17):  # type: ignore[no-untyped-def]
    graph = helper.make_graph(nodes, "g", inputs, outputs, list(initializers))
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 8
    return model


def _float_input(name: str, shape) -> object:  # type: ignore[no-untyped-def]
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, shape)


def _float_output(name: str) -> object:
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, None)


def test_unsupported_op_names_node_and_op_type(context: webnn.MLContext) -> None:
    model = _model([N("Relu", ["x"], ["r"], name="first"), N("NonMaxSuppression", ["r", "r"], ["y"], name="nms_1")],
                   [_float_input("x", [1, 4, 4])], [_float_output("y")])
    with pytest.raises(webnn.NotSupportedError, match=r"node 'nms_1' \(NonMaxSuppression\).*not supported"):
        webnn.load_onnx(model, context)


def test_unsupported_attribute_names_node_and_reason(context: webnn.MLContext) -> None:
    model = _model([N("Relu", ["x"], ["r"]), N("Conv", ["r", "w"], ["y"], name="conv3d")],
                   [_float_input("x", [1, 1, 4, 4, 4])], [_float_output("y")],
                   [onnx.numpy_helper.from_array(f32(1, 1, 2, 2, 2), "w")])
    with pytest.raises(webnn.NotSupportedError, match=r"node 'conv3d' \(Conv\): 3-D Conv is not supported"):
        webnn.load_onnx(model, context)


def test_custom_domain_is_not_supported(context: webnn.MLContext) -> None:
    node = N("FusedGemm", ["x", "x"], ["y"], domain="com.microsoft", name="fused")
    model = _model([node], [_float_input("x", [2, 2])], [_float_output("y")])
    model.opset_import.append(helper.make_opsetid("com.microsoft", 1))
    with pytest.raises(webnn.NotSupportedError, match="'fused'.*custom domain 'com.microsoft'"):
        webnn.load_onnx(model, context)


def test_runtime_shape_operand_fails_clearly(context: webnn.MLContext) -> None:
    """A Reshape whose target shape comes from data (not from shapes) cannot be a WebNN graph."""
    model = _model(
        [N("Cast", ["s"], ["si"], to=TensorProto.INT64), N("Reshape", ["x", "si"], ["y"], name="dyn")],
        [_float_input("x", [2, 3]), _float_input("s", [2])], [_float_output("y")],
    )
    with pytest.raises(webnn.NotSupportedError, match=r"'dyn' \(Reshape\): shape .* computed at run time"):
        webnn.load_onnx(model, context)


def test_failure_leaves_the_builder_untouched(context: webnn.MLContext) -> None:
    """The import converts straight onto the builder; a failure part-way rolls it back."""
    builder = context.create_graph_builder()
    before = builder.input("before", [4], "float32")
    kept = builder.add(before, builder.constant(np.ones(4, np.float32)))
    extent = builder._checkpoint()
    model = _model([N("Relu", ["x"], ["r"]), N("Mul", ["r", "w"], ["m"]), N("TopK", ["m", "k"], ["y", "i"], name="topk")],
                   [_float_input("x", [4])], [_float_output("y")],
                   [onnx.numpy_helper.from_array(np.array([2], np.int64), "k"),
                    onnx.numpy_helper.from_array(np.full(4, 3, np.float32), "w")])
    with pytest.raises(webnn.NotSupportedError, match="topk"):
        import_onnx(model, builder)
    assert builder._checkpoint() == extent and sorted(builder._inputs) == ["before"]
    x = builder.input("x", [4], "float32")  # the name is still free: nothing was kept
    graph = builder.build({"y": builder.relu(x), "z": kept})
    out = context.compute(graph, {"x": np.array([-1, 2, -3, 4], np.float32), "before": np.zeros(4, np.float32)})
    np.testing.assert_array_equal(out["y"], [0, 2, 0, 4])
    np.testing.assert_array_equal(out["z"], [1, 1, 1, 1])


def test_free_dimension_needs_input_shapes(context: webnn.MLContext) -> None:
    model = _model([N("Relu", ["x"], ["y"])], [_float_input("x", ["batch", 3])], [_float_output("y")])
    with pytest.raises(webnn.NotSupportedError, match=r"input 'x': dimension 0 \('batch'\) is free.*input_shapes"):
        webnn.load_onnx(model, context)
    graph = webnn.load_onnx(model, context, input_shapes={"x": [4, 3]})
    assert graph.input_descriptors["x"].shape == (4, 3)


@pytest.mark.parametrize(("shapes", "message"), [
    ({"x": [4]}, "has rank 1, the input has rank 2"),
    ({"x": [4, 5]}, "dimension 1 is 5, the model fixes it at 3"),
    ({"z": [1, 3]}, "no .*input called"),
    ({"x": [0, 3]}, "not a valid dimension"),
    ({"x": "13"}, "sequence of dimensions"),
])
def test_bad_input_shapes(context: webnn.MLContext, shapes, message: str) -> None:  # type: ignore[no-untyped-def]
    model = _model([N("Relu", ["x"], ["y"])], [_float_input("x", ["batch", 3])], [_float_output("y")])
    with pytest.raises(TypeError, match=message):
        webnn.load_onnx(model, context, input_shapes=shapes)


def test_unsupported_input_type(context: webnn.MLContext) -> None:
    x = helper.make_tensor_value_info("x", TensorProto.DOUBLE, [2])
    model = _model([N("Relu", ["x"], ["y"])], [x], [helper.make_tensor_value_info("y", TensorProto.DOUBLE, None)])
    with pytest.raises(webnn.NotSupportedError, match="input 'x' has ONNX type double"):
        webnn.load_onnx(model, context)


def test_old_opset_is_refused(context: webnn.MLContext) -> None:
    model = _model([N("Relu", ["x"], ["y"])], [_float_input("x", [2])], [_float_output("y")], opset=6)
    with pytest.raises(webnn.NotSupportedError, match="opset 6 .* opsets 7 and later"):
        webnn.load_onnx(model, context)


def test_malformed_and_missing_files(tmp_path, context: webnn.MLContext) -> None:  # type: ignore[no-untyped-def]
    model = _model([N("Relu", ["x"], ["y"])], [_float_input("x", [2])], [_float_output("y")])
    data = model.SerializeToString()
    with pytest.raises(webnn.GraphFormatError):
        webnn.load_onnx(b"\xff\x00garbage" * 3, context)
    path = tmp_path / "cut.onnx"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises((webnn.GraphFormatError, webnn.NotSupportedError)):
        webnn.load_onnx(path, context)
    with pytest.raises(FileNotFoundError):
        webnn.load_onnx(tmp_path / "missing.onnx", context)
    with pytest.raises(TypeError, match="path, bytes or an onnx.ModelProto"):
        webnn.load_onnx(3.5, context)  # type: ignore[arg-type]


def test_cycle_is_reported(context: webnn.MLContext) -> None:
    model = _model([N("Relu", ["b"], ["a"], name="n1"), N("Relu", ["a"], ["b"], name="n2"), N("Relu", ["x"], ["y"])],
                   [_float_input("x", [2])], [_float_output("y")])
    with pytest.raises(webnn.NotSupportedError, match="cycle"):
        webnn.load_onnx(model, context)


# --------------------------------------------------------------------------- API


def test_load_from_path_and_bytes_and_default_context(tmp_path) -> None:  # type: ignore[no-untyped-def]
    model = _model([N("Sigmoid", ["x"], ["y"])], [_float_input("x", [3])], [_float_output("y")])
    path = tmp_path / "m.onnx"
    onnx.save(model, str(path))
    x = np.array([-1, 0, 1], np.float32)
    expected = 1 / (1 + np.exp(-x))
    for source in (path, str(path), model.SerializeToString()):
        graph = webnn.load_onnx(source)
        context = graph.context
        np.testing.assert_allclose(context.compute(graph, {"x": x})["y"], expected, rtol=1e-6)


def test_import_onto_an_existing_builder(context: webnn.MLContext) -> None:
    """The builder-level variant: the model's outputs feed further ops of the caller's graph."""
    model = _model([N("MatMul", ["x", "w"], ["y"])], [_float_input("x", [2, 3])], [_float_output("y")],
                   [onnx.numpy_helper.from_array(f32(3, 4), "w")])
    builder = context.create_graph_builder()
    outputs = import_onnx(model, builder)
    graph = builder.build({"z": builder.relu(outputs["y"])})
    x = f32(2, 3)
    expected = np.maximum(run_onnxruntime(model, {"x": x})["y"], 0)
    np.testing.assert_allclose(context.compute(graph, {"x": x})["z"], expected, rtol=1e-5, atol=1e-6)
    with pytest.raises(TypeError, match="already has inputs named"):
        other = context.create_graph_builder()
        other.input("x", [1], "float32")
        import_onnx(model, other)


def test_graph_outputs_that_are_inputs_or_constants(context: webnn.MLContext) -> None:
    model = _model([N("Identity", ["x"], ["same"]), N("Constant", [], ["c"], value_floats=[1.0, 2.0])],
                   [_float_input("x", [2])], [_float_output("same"), _float_output("c")])
    graph = webnn.load_onnx(model, context)
    out = context.compute(graph, {"x": np.array([5, 6], np.float32)})
    np.testing.assert_array_equal(out["same"], [5, 6])
    np.testing.assert_array_equal(out["c"], [1, 2])


def test_node_names_become_labels(context: webnn.MLContext) -> None:
    model = _model([N("Relu", ["x"], ["y"], name="stem_relu")], [_float_input("x", [2])], [_float_output("y")])
    graph = webnn.load_onnx(model, context)
    assert "stem_relu" in graph.to_dot()


def test_import_does_not_load_onnx_at_import_time() -> None:
    import subprocess
    import sys

    code = "import sys, webnn; assert callable(webnn.load_onnx); print('onnx' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_lstm_output_gate_peephole_is_refused(context: webnn.MLContext) -> None:
    """WebNN's LSTM output gate reads the previous cell state, ONNX's the new one: not mapped."""
    inits = [onnx.numpy_helper.from_array(a, n) for n, a in (
        ("W", f32(1, 8, 2)), ("R", f32(1, 8, 2)), ("P", np.ones((1, 6), np.float32)))]
    node = N("LSTM", ["x", "W", "R", "", "", "", "", "P"], ["Y"], hidden_size=2, name="lstm_p")
    model = _model([node], [_float_input("x", [3, 1, 2])], [_float_output("Y")], inits, opset=14)
    with pytest.raises(webnn.NotSupportedError, match=r"'lstm_p' \(LSTM\): a non-zero output-gate peephole"):
        webnn.load_onnx(model, context)


# --------------------------------------------------------------------------- fold cost estimates


def _all_constant(case: Case) -> Case:
    """``case`` with its graph inputs made initializers: every node whose op has a folder folds."""
    return Case(case.id, case.nodes, {}, {**case.initializers, **case.inputs}, case.opset, case.outputs or [
        case.nodes[-1].output[0]])


#: Folders no converter case reaches with constant inputs.
_EXTRA_FOLDS = [
    Case(f"{op}-const", [N(op, ["a", "b"], ["y"], **attrs)], {},
         {"a": np.array([[5, -7, 9]], np.int32), "b": np.array([[3], [2]], np.int32)})
    for op, attrs in (("BitwiseAnd", {}), ("BitwiseOr", {}), ("BitwiseXor", {}), ("Mod", {}), ("Mod", {"fmod": 1}))
] + [
    Case("Constant-sparse", [N("Constant", [], ["y"], sparse_value=helper.make_sparse_tensor(
        onnx.numpy_helper.from_array(np.array([1.5, 2.5], np.float32), "v"),
        onnx.numpy_helper.from_array(np.array([1, 7], np.int64), "i"), [3, 4]))], {}),
    Case("Constant-tensor", [N("Constant", [], ["y"], value=onnx.numpy_helper.from_array(f32(3, 5), "v"))], {}),
]


def test_fold_cost_estimates_bound_what_folding_makes(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Every folder's estimate is at least the bytes of the new arrays it returns (measured with
    NumPy), over every converter case with its inputs made constants."""
    from webnn.io.onnx_import import core, registry

    core.load_all()
    seen: dict[str, int] = {}
    low: list[str] = []

    def measured(rule, op):  # type: ignore[no-untyped-def]
        def fold(node, arrays):  # type: ignore[no-untyped-def]
            estimate = rule.cost(node, arrays)
            results = rule.fold(node, arrays)
            outputs = results if isinstance(results, list | tuple) else [results]
            arrays_out = [r.const if isinstance(r, core.Value) else r for r in outputs if r is not None]
            new = [np.asarray(r) for r in arrays_out
                   if not any(a is not None and np.shares_memory(r, a) for a in arrays)]
            made = sum(r.nbytes for r in new)
            seen[op] = seen.get(op, 0) + 1
            if estimate.nbytes < made or estimate.work < sum(r.size for r in new):
                low.append(f"{op}: estimate {estimate}, made {made} bytes ({[r.shape for r in new]})")
            return results
        return fold

    for op, rule in list(registry.FOLDERS.items()):
        monkeypatch.setitem(registry.FOLDERS, op, registry.Fold(measured(rule, op), rule.cost))
    context = webnn.ML().create_context(backend="reference")
    for case in [_all_constant(c) for c in CASES] + _EXTRA_FOLDS:
        try:
            webnn.load_onnx(case.model(), context)
        except webnn.NotSupportedError:
            pass  # a graph of constants only, or an op WebNN lacks: what folded was measured
    assert not low, "\n".join(low)
    assert sorted(set(registry.FOLDERS) - set(seen)) == []

