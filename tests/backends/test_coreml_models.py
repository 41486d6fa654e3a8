"""Real models as CoreML ML Programs: MobileNetV2 with its real weights (../shared/models) and the
PP-OCR detector, recognizer and orientation classifier (ONNX, imported by webnn).  Each converts
to an ``.mlpackage``, type-checked on the way, that coremltools loads back (without CoreML:
``skip_model_load=True``) with the graph's inputs and outputs, names, shapes and types, and its
weights.  Nothing is computed: CoreML runs only on macOS."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

import webnn

from ..models import require_model

pytest.importorskip("coremltools")

OCR_SHAPES = {"det": [1, 3, 160, 224], "rec": [1, 3, 48, 320], "cls": [1, 3, 48, 192]}
#: CoreML's ArrayFeatureType data types, by name.
FLOAT32 = 65568


@pytest.fixture(scope="module")
def reference() -> webnn.MLContext:
    return webnn.ML().create_context(backend="reference")


def mobilenetv2(context: webnn.MLContext) -> webnn.MLGraph:
    from webnn.bench.workloads import WeightsError, load_weights, make_workload

    folder = Path(os.environ.get("WEBNN_MODELS_DIR", Path(__file__).resolve().parents[3] / "shared" / "models"))
    folder = folder / "mobilenetv2"
    try:
        load_weights(str(folder))
    except (WeightsError, OSError) as exc:
        pytest.skip(f"the real MobileNetV2 weights are not in {folder}: {exc}")
    return make_workload("mobilenetv2", weights=str(folder)).load_webnn(context)


def load_graph(name: str, context: webnn.MLContext) -> webnn.MLGraph:
    if name == "mobilenetv2":
        return mobilenetv2(context)
    pytest.importorskip("onnx")
    return webnn.load_onnx(require_model(name), context, input_shapes={"x": OCR_SHAPES[name]})


def model_names(name: str) -> str:
    return name.replace("/", "_").replace(".", "_")


@pytest.mark.parametrize("name", ["mobilenetv2", "det", "rec", "cls"])
def test_real_model_converts_and_loads_back(name: str, reference: webnn.MLContext, tmp_path: Path) -> None:
    import coremltools as ct

    from webnn.backends.coreml.backend import CoreMlBackend
    from webnn.backends.coreml.lowering import check_types, lower
    from webnn.compile import optimize

    graph = load_graph(name, reference)
    ir = optimize(graph.ir, CoreMlBackend)
    assert check_types(ir, lower(ir)) == []
    path = graph.convert_to_coreml(tmp_path / f"{name}.mlpackage")
    model = ct.models.MLModel(path, skip_model_load=True)
    description = model.get_spec().description
    inputs = [(i.name, list(i.type.multiArrayType.shape), i.type.multiArrayType.dataType) for i in description.input]
    outputs = [(o.name, list(o.type.multiArrayType.shape), o.type.multiArrayType.dataType) for o in description.output]
    assert inputs == [(model_names(n), list(d.shape), FLOAT32) for n, d in graph.input_descriptors.items()]
    assert outputs == [(model_names(n), list(d.shape), FLOAT32) for n, d in graph.output_descriptors.items()]
    assert all(d.data_type == "float32" for d in (*graph.input_descriptors.values(), *graph.output_descriptors.values()))
    names = json.loads(model.user_defined_metadata["webnn.names"])
    assert names == {"inputs": {n: model_names(n) for n in graph.input_descriptors},
                     "outputs": {n: model_names(n) for n in graph.output_descriptors}}
    # the weights are all there (float32, as the graph's)
    weights = sum(a.nbytes for a in ir.constants.values())
    stored = sum(f.stat().st_size for f in Path(path).rglob("*.bin"))
    assert weights > 500_000 and stored >= weights
    spec = model.get_spec()  # an ML Program of the iOS 17 / macOS 14 opset (CoreML7, specification 8)
    assert spec.WhichOneof("Type") == "mlProgram" and spec.specificationVersion == 8
    assert spec.mlProgram.functions["main"].opset == "CoreML7"
