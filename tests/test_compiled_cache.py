"""The persistent compiled-graph cache, through the public API (onnxruntime backend).

Each test gets its own cache folder; "another process" is a real subprocess.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import webnn
from webnn.cache import wait_for_stores

pytest.importorskip("onnxruntime")

SCRIPT = textwrap.dedent("""
    import json, sys
    import numpy as np, webnn
    seed = int(sys.argv[1])
    context = webnn.ML().create_context(backend="onnxruntime")
    b = context.create_graph_builder()
    rng = np.random.default_rng(seed)
    x = b.input("x", [1, 3, 16, 16], "float32")
    w = b.constant(rng.standard_normal((16, 3, 3, 3)).astype(np.float32))
    y = b.clamp(b.conv2d(x, w, padding=[1, 1, 1, 1]), min_value=0.0, max_value=6.0)
    for i in range(8):  # enough operations for the graph to be worth caching
        y = b.add(b.relu(y), b.constant(np.float32(i / 8).reshape(1)))
    y = b.reduce_mean(y, axes=[2, 3])
    graph = b.build({"y": y})
    out = context.compute(graph, {"x": np.linspace(-1, 1, 768, dtype=np.float32).reshape(1, 3, 16, 16)})
    print(json.dumps({"from_cache": graph.from_cache, "y": out["y"].tolist()}))
""")


def run_process(folder: Path, seed: int = 0, **env: str) -> dict:
    environment = {**os.environ, "WEBNN_CACHE_DIR": str(folder)}
    environment.pop("WEBNN_CACHE", None)  # the test run turns the cache off by default
    environment.update(env)
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(seed)], env=environment, capture_output=True,
                          text=True, timeout=120, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def expected(seed: int) -> np.ndarray:
    """The same graph on the reference backend (the independent result)."""
    context = webnn.ML().create_context(backend="reference")
    b = context.create_graph_builder()
    rng = np.random.default_rng(seed)
    x = b.input("x", [1, 3, 16, 16], "float32")
    w = b.constant(rng.standard_normal((16, 3, 3, 3)).astype(np.float32))
    y = b.clamp(b.conv2d(x, w, padding=[1, 1, 1, 1]), min_value=0.0, max_value=6.0)
    for i in range(8):
        y = b.add(b.relu(y), b.constant(np.float32(i / 8).reshape(1)))
    graph = b.build({"y": b.reduce_mean(y, axes=[2, 3])})
    return context.compute(graph, {"x": np.linspace(-1, 1, 768, dtype=np.float32).reshape(1, 3, 16, 16)})["y"]


def entries(folder: Path) -> list[Path]:
    """The compiled-graph entries (the cache also keeps ONNX Runtime's kernel table)."""
    return sorted(p.parent for p in folder.glob("v2/*/*/manifest.json")
                  if json.loads(p.read_text())["meta"].get("format") == "onnx-optimized")


def test_a_second_process_loads_the_compiled_graph(tmp_path):
    first = run_process(tmp_path)
    assert first["from_cache"] is False
    assert len(entries(tmp_path)) == 1
    second = run_process(tmp_path)
    assert second["from_cache"] is True
    np.testing.assert_array_equal(second["y"], first["y"])
    np.testing.assert_allclose(second["y"], expected(0), rtol=1e-5, atol=1e-6)


def test_other_weights_are_another_entry(tmp_path):
    a = run_process(tmp_path, seed=0)
    b = run_process(tmp_path, seed=1)
    assert not b["from_cache"]
    assert len(entries(tmp_path)) == 2
    np.testing.assert_allclose(b["y"], expected(1), rtol=1e-5, atol=1e-6)
    assert not np.allclose(a["y"], b["y"])


@pytest.mark.parametrize("damage", ["truncate", "flip"])
def test_a_damaged_entry_is_rebuilt(tmp_path, damage):
    run_process(tmp_path)
    (entry,) = entries(tmp_path)
    weights = entry / "weights.bin"
    data = bytearray(weights.read_bytes())
    if damage == "truncate":
        data = data[: len(data) // 2]
    else:
        data[len(data) // 3] ^= 0x40
    weights.write_bytes(bytes(data))
    again = run_process(tmp_path)
    assert again["from_cache"] is False
    np.testing.assert_allclose(again["y"], expected(0), rtol=1e-5, atol=1e-6)
    assert run_process(tmp_path)["from_cache"] is True


def test_the_cache_can_be_turned_off(tmp_path):
    assert run_process(tmp_path, WEBNN_CACHE="0")["from_cache"] is False
    assert entries(tmp_path) == []
    context = webnn.ML().create_context(backend="onnxruntime", cache=False)
    assert context._backend.cache is None
    with pytest.raises(TypeError, match="cache must be a bool"):
        webnn.ML().create_context(backend="onnxruntime", cache="yes")


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("WEBNN_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("WEBNN_CACHE", raising=False)
    return tmp_path


def test_in_process_hit_runs_like_a_fresh_build(cache_dir):
    tmp_path = cache_dir
    context = webnn.ML().create_context(backend="onnxruntime")
    graphs = []
    for _ in range(2):
        b = context.create_graph_builder()
        x = b.input("x", [4, 160], "float32")
        y = b.softmax(b.matmul(x, b.constant(np.arange(160 * 120, dtype=np.float32).reshape(160, 120) / 1e4)), 1)
        graphs.append(b.build({"y": y}))
        wait_for_stores()
    assert [g.from_cache for g in graphs] == [False, True]
    data = np.random.default_rng(0).standard_normal((4, 160)).astype(np.float32)
    np.testing.assert_array_equal(context.compute(graphs[1], {"x": data})["y"], context.compute(graphs[0], {"x": data})["y"])
    assert [op.type for op in graphs[1].lowered_ir.operations] == ["matmul", "softmax"]
    manifest = json.loads((entries(tmp_path)[0] / "manifest.json").read_text())
    assert manifest["meta"]["outputs"] == {"y": manifest["meta"]["outputs"]["y"]}


def test_small_graphs_bypass_the_cache(cache_dir):
    context = webnn.ML().create_context(backend="onnxruntime")
    for _ in range(2):
        b = context.create_graph_builder()
        graph = b.build({"y": b.relu(b.input("x", [3], "float32"))})
        wait_for_stores()
        assert not graph.from_cache
    assert entries(cache_dir) == []


# Every 25th WPT case (graphs of every op family), built twice: the second build loads the
# optimized model from the cache, and must still meet the WPT expectations.
from .conformance.test_wpt import CASES  # noqa: E402
from .conformance.wpt import compare, method_name, run_case  # noqa: E402


@pytest.mark.parametrize("case", CASES[::25], ids=[c.id for c in CASES[::25]])
def test_wpt_cases_from_the_cache(cache_dir, monkeypatch, case):
    from webnn import compile as compiling

    if any(method_name(o["name"]) is None for o in case.graph["operators"]):
        pytest.skip("not implemented")
    monkeypatch.setattr(compiling, "MIN_CACHED_OPERATIONS", 0)
    context = webnn.ML().create_context(backend="onnxruntime")
    run_case(context, case)
    wait_for_stores()
    built = []
    original = compiling.compile_graph

    def spy(*args, **kwargs):
        built.append(original(*args, **kwargs))
        return built[-1]

    monkeypatch.setattr(compiling, "compile_graph", spy)
    monkeypatch.setattr("webnn.builder.MLGraphBuilder.build", _build_with(spy))
    results = run_case(context, case)
    assert built and built[-1].from_cache
    for name, spec in case.expected.items():
        compare(name, results[name], spec, case.tolerance)


def _build_with(compile_graph):
    def build(self, outputs):
        graph = self.graph_ir(outputs, what="build")
        self._built = True
        return compile_graph(self._context, graph)

    return build


def test_an_entry_the_engine_cannot_load_is_replaced(tmp_path):
    run_process(tmp_path)
    (entry,) = entries(tmp_path)
    manifest = json.loads((entry / "manifest.json").read_text())
    manifest["meta"]["outputs"] = {"not y": "x"}  # a consistent entry that is not this graph's
    (entry / "manifest.json").write_text(json.dumps(manifest))
    again = run_process(tmp_path)
    assert again["from_cache"] is False
    np.testing.assert_allclose(again["y"], expected(0), rtol=1e-5, atol=1e-6)
    assert run_process(tmp_path)["from_cache"] is True


@pytest.mark.parametrize("backend", ["litert", "openvino", "onnxruntime"])
def test_outputs_keep_their_names_through_the_cache(tmp_path, monkeypatch, backend) -> None:
    """A graph whose output names are not in sorted order (the cache's metadata sorts its keys)
    gives each output its own values when its compiled model comes from the cache."""
    if backend not in webnn.available_backends():
        pytest.skip(f"the {backend} backend is not installed")
    monkeypatch.setenv("WEBNN_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("WEBNN_CACHE", raising=False)
    from webnn.cache import wait_for_stores

    x = np.arange(-8, 8, dtype=np.float32).reshape(2, 8)
    w = np.linspace(0.5, 2, 8, dtype=np.float32)
    context = webnn.ML().create_context(backend=backend)
    graphs = []
    for _ in range(2):
        b = context.create_graph_builder()
        y = b.input("x", [2, 8], "float32")
        for _ in range(9):
            y = b.add(b.mul(y, b.constant(w)), y)
        graphs.append(b.build({"z": b.relu(y), "a": b.neg(y)}))
        wait_for_stores()
    assert [g.from_cache for g in graphs] == [False, True]
    first, again = (context.compute(g, {"x": x}) for g in graphs)
    for name in ("z", "a"):
        np.testing.assert_array_equal(again[name], first[name])
    assert (first["z"] >= 0).all() and (first["a"][first["z"] > 0] < 0).all()
