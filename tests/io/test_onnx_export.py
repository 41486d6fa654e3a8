"""ONNX export: standard files that stock ONNX Runtime runs with this package's results."""

from __future__ import annotations

import os
import random
from pathlib import Path

import numpy as np
import pytest

import webnn

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

from webnn.io import onnx_export  # noqa: E402

from ..conformance.wpt import build_case  # noqa: E402
from .graphs import CASES, WPT_FILES, feature_graph  # noqa: E402


@pytest.fixture(scope="module")
def context() -> webnn.MLContext:
    return webnn.ML().create_context(backend="onnxruntime", accelerated=False)


def _session(model: str | bytes) -> ort.InferenceSession:
    options = ort.SessionOptions()
    options.log_severity_level = 3
    return ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])


def _run(model: str | bytes, feeds: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    session = _session(model)
    names = [o.name for o in session.get_outputs()]
    return dict(zip(names, session.run(None, feeds)))


def _same_bits(expected: dict[str, np.ndarray], actual: dict[str, np.ndarray]) -> None:
    assert list(actual) == list(expected)
    for name, value in expected.items():
        got = actual[name]
        # int4 / uint4 values travel as int8 / uint8, as the backend stores them.
        assert got.dtype == value.dtype and got.shape == value.shape, name
        assert got.tobytes() == value.tobytes(), name


def test_export_runs_on_stock_onnxruntime(context: webnn.MLContext, tmp_path: Path) -> None:
    graph, feeds = feature_graph(context)
    path = tmp_path / "model.onnx"
    data = graph.to_onnx(path)
    assert path.read_bytes() == data
    assert os.listdir(tmp_path) == ["model.onnx"]  # weights inline
    model = onnx.load(str(path))
    onnx.checker.check_model(model, full_check=True)
    assert model.opset_import[0].version == 21
    assert [i.name for i in model.graph.input] == graph.input_names
    assert [o.name for o in model.graph.output] == graph.output_names
    assert all(t.data_location == onnx.TensorProto.DEFAULT and t.HasField("raw_data") for t in model.graph.initializer)
    expected = context.compute(graph, feeds)
    _same_bits(expected, _run(str(path), feeds))
    _same_bits(expected, _run(graph.to_onnx(), feeds))  # the bytes alone
    # The reference backend agrees too (to its tolerance here: convolution sums in another order).
    reference = webnn.ML().create_context(backend="reference")
    ref_graph, _ = feature_graph(reference)
    for name, value in reference.compute(ref_graph, feeds).items():
        np.testing.assert_allclose(expected[name], value, rtol=1e-5, atol=1e-6)


def test_node_names_carry_labels(context: webnn.MLContext) -> None:
    graph, _ = feature_graph(context)
    model = onnx.load_from_string(graph.to_onnx())
    names = [n.name for n in model.graph.node]
    for label in ('conv "stem"\n1', "clamp", "/model/split", "cat", "int64 add", "nan pad", "dq"):
        assert any(name.startswith(label + "_") for name in names), (label, names)


def test_output_names_that_look_like_internal_names(context: webnn.MLContext) -> None:
    b = context.create_graph_builder()
    x = b.input("x", [2], "float32")
    c = b.constant(np.array([1, 2], np.float32))
    y = b.add(x, c)
    z = b.relu(y)
    graph = b.build({"const_1": z, "add_2": y, "relu_3": y, "x_out": b.identity(x)})
    model = onnx.load_from_string(graph.to_onnx())
    onnx.checker.check_model(model)
    assert [o.name for o in model.graph.output] == ["const_1", "add_2", "relu_3", "x_out"]
    feeds = {"x": np.array([-3, 1], np.float32)}
    _same_bits(context.compute(graph, feeds), _run(model.SerializeToString(), feeds))


def test_input_and_output_with_one_name(context: webnn.MLContext) -> None:
    b = context.create_graph_builder()
    x = b.input("x", [2], "float32")
    graph = b.build({"x": b.relu(x)})
    with pytest.raises(ValueError, match="'x' names both an input and an output"):
        graph.to_onnx()


def test_external_data_above_the_limit(context: webnn.MLContext, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(onnx_export, "INLINE_LIMIT_BYTES", 4096)
    rng = np.random.default_rng(1)
    b = context.create_graph_builder()
    x = b.input("x", [1, 64], "float32")
    w1 = b.constant(rng.standard_normal((64, 64)).astype(np.float32))  # 16 KiB
    w2 = b.constant(rng.standard_normal((64, 8)).astype(np.float32))  # 2 KiB
    small = b.constant(np.array([0.5], np.float32))
    y = b.mul(b.matmul(b.relu(b.matmul(x, w1, label="fc1")), w2, label="fc2"), small)
    graph = b.build({"y": y})
    feeds = {"x": rng.standard_normal((1, 64)).astype(np.float32)}
    expected = context.compute(graph, feeds)
    for stem in ("first", "second"):
        path = tmp_path / f"{stem}.onnx"
        data = graph.to_onnx(path)
        assert len(data) < 4096
        model = onnx.load(str(path), load_external_data=False)
        external = [t for t in model.graph.initializer if t.data_location == onnx.TensorProto.EXTERNAL]
        assert len(external) == 2
        for tensor in external:
            fields = {e.key: e.value for e in tensor.external_data}
            assert fields["location"] == f"{stem}.onnx.data"
            assert int(fields["offset"]) % onnx_export.EXTERNAL_ALIGNMENT == 0
            assert int(fields["length"]) in (64 * 64 * 4, 64 * 8 * 4)
        onnx.checker.check_model(str(path), full_check=True)
        _same_bits(expected, _run(str(path), feeds))
    assert sorted(os.listdir(tmp_path)) == ["first.onnx", "first.onnx.data", "second.onnx", "second.onnx.data"]
    with pytest.raises(ValueError, match="give a path"):
        graph.to_onnx()
    # A truncated or missing data file is an error, not a crash.
    data_file = tmp_path / "first.onnx.data"
    data_file.write_bytes(data_file.read_bytes()[:100])
    with pytest.raises(Exception):  # noqa: B017 - ONNX Runtime's own error types
        _session(str(tmp_path / "first.onnx"))
    data_file.unlink()
    with pytest.raises(Exception):  # noqa: B017
        _session(str(tmp_path / "first.onnx"))


def test_convert_to_onnx(context: webnn.MLContext, tmp_path: Path) -> None:
    graph, feeds = feature_graph(context)
    assert context.convert_to_onnx(graph, tmp_path / "m.onnx") is None
    _same_bits(context.compute(graph, feeds), _run(str(tmp_path / "m.onnx"), feeds))
    other = webnn.ML().create_context(backend="onnxruntime")
    with pytest.raises(TypeError, match="another context"):
        other.convert_to_onnx(graph, tmp_path / "n.onnx")


def test_export_from_the_reference_backend(tmp_path: Path) -> None:
    context = webnn.ML().create_context(backend="reference")
    graph, feeds = feature_graph(context)
    outputs = _run(graph.to_onnx(), feeds)
    for name, value in context.compute(graph, feeds).items():
        np.testing.assert_allclose(outputs[name], value, rtol=1e-5, atol=1e-6)


def test_truncated_and_corrupted_exports_fail_cleanly(context: webnn.MLContext, tmp_path: Path) -> None:
    """Reading back a damaged export: the onnx package and ONNX Runtime raise, nothing crashes."""
    graph, _ = feature_graph(context)
    data = graph.to_onnx()
    rng = random.Random(3)
    path = tmp_path / "bad.onnx"
    for length in sorted({rng.randrange(1, len(data)) for _ in range(40)}):
        path.write_bytes(data[:length])
        with pytest.raises(Exception):  # noqa: B017 - onnx's DecodeError / ValidationError
            onnx.checker.check_model(onnx.load(str(path)))
        with pytest.raises(Exception):  # noqa: B017 - ONNX Runtime's InvalidProtobuf / Fail
            _session(str(path))
    load_onnx = getattr(webnn, "load_onnx", None)
    if load_onnx is not None:
        for length in (0, 10, len(data) // 2, len(data) - 1):
            path.write_bytes(data[:length])
            with pytest.raises((ValueError, TypeError, webnn.WebNNError, OSError)):
                load_onnx(str(path), context)


@pytest.mark.skipif(not CASES, reason="WPT data not found (set WEBNN_WPT_DIR)")
@pytest.mark.parametrize("wpt_file", WPT_FILES)
def test_wpt_graphs_export(wpt_file: str, context: webnn.MLContext, tmp_path: Path) -> None:
    """Every conformance graph: the exported file passes onnx.checker and stock ONNX Runtime
    computes exactly what the onnxruntime backend computes."""
    path = tmp_path / "g.onnx"
    for case in (c for c in CASES if c.file == wpt_file):
        graph, feeds = build_case(context, case)
        graph.to_onnx(path)
        onnx.checker.check_model(str(path))
        try:
            _same_bits(context.compute(graph, feeds), _run(str(path), feeds))
        except AssertionError as exc:
            raise AssertionError(f"{case.id}: {exc}") from exc
