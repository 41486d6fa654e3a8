"""backend="auto": the engine chosen per graph, the remembered choice, the background switch;
and the openvino backend's compiled models in the persistent cache."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import webnn
from webnn.cache import wait_for_stores
from webnn.errors import ValidationError

pytest.importorskip("onnxruntime")


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("WEBNN_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("WEBNN_CACHE", raising=False)
    return tmp_path


def chain(builder, layers: int = 12):
    """A graph worth caching (2 ops per layer): y = relu(y * w + x) repeated."""
    x = builder.input("x", [2, 64], "float32")
    w = builder.constant(np.linspace(-1, 1, 64, dtype=np.float32))
    y = x
    for _ in range(layers):
        y = builder.relu(builder.add(builder.mul(y, w), x))
    return {"y": y}


def expected(x: np.ndarray, layers: int = 12) -> np.ndarray:
    w = np.linspace(-1, 1, 64, dtype=np.float32)
    y = x
    for _ in range(layers):
        y = np.maximum(y * w + x, np.float32(0))
    return y


X = np.random.default_rng(0).standard_normal((2, 64)).astype(np.float32)


def test_auto_computes_like_the_reference_and_names_its_engine(cache_dir):
    context = webnn.ML().create_context(backend="auto")
    b = context.create_graph_builder()
    graph = b.build(chain(b))
    assert context.backend == "auto"
    assert graph.backend in context.backend_info()["candidates"]
    np.testing.assert_allclose(context.compute(graph, {"x": X})["y"], expected(X), rtol=1e-5, atol=1e-6)


def test_small_graphs_run_on_the_preferred_engine_without_tuning(cache_dir):
    context = webnn.ML().create_context(backend="auto")
    b = context.create_graph_builder()
    graph = b.build({"y": b.relu(b.input("x", [3], "float32"))})
    assert graph.backend == context.backend_info()["candidates"][0]
    np.testing.assert_array_equal(context.compute(graph, {"x": np.array([-1, 0, 2], np.float32)})["y"], [0, 0, 2])


def test_tune_false_takes_the_preferred_engine(cache_dir):
    context = webnn.ML().create_context(backend="auto", tune=False)
    b = context.create_graph_builder()
    graph = b.build(chain(b))
    assert graph.backend == "onnxruntime"
    assert not context.backend_info()["tune"]
    with pytest.raises(ValidationError, match="tune must be a bool"):
        webnn.ML().create_context(backend="auto", tune="yes")


def test_auto_is_not_an_engine_of_its_own():
    assert "auto" not in webnn.available_backends()
    with pytest.raises(ValidationError, match="auto"):
        webnn.ML().create_context(backend="fastest")


openvino = pytest.importorskip("openvino")


def test_tuning_times_the_engines_and_remembers_the_winner(cache_dir):
    from webnn.backends.auto import AutoBackend

    context = webnn.ML().create_context(backend="auto")
    b = context.create_graph_builder()
    graph = b.build(chain(b))
    wait_for_stores()
    auto: AutoBackend = context._backend  # type: ignore[assignment]
    key = auto.choice_key(graph.ir, auto.engines)
    entry = auto.cache.get(key)
    assert entry is not None and entry.meta["backend"] == graph.backend
    assert set(entry.meta["time_ms"]) == set(auto.engines)  # (every installed engine runs this graph)
    assert all(t > 0 for t in entry.meta["time_ms"].values())
    # the start engine: the winner when it imports quickly, else the fastest engine that does
    times, start = entry.meta["time_ms"], entry.meta["start"]
    quick = [name for name in times if name in ("onnxruntime", "litert")]
    assert start == (graph.backend if graph.backend in quick else min(quick, key=times.__getitem__))
    # compiled graphs kept: the winner's, and the start engine's (a later process starts on it
    # while it loads a winner it has not imported), not a losing engine's
    from webnn.compile import compiled_key

    kept = {name for name in auto.engines if auto.cache.get(compiled_key(graph.ir, auto.engine(name))) is not None}
    assert kept == {start, graph.backend}
    # the next build (another context, as in the next process) takes the winner, from the cache
    again = webnn.ML().create_context(backend="auto")
    b = again.create_graph_builder()
    second = b.build(chain(b))
    assert second.backend == graph.backend and second.from_cache
    np.testing.assert_allclose(again.compute(second, {"x": X})["y"], expected(X), rtol=1e-5, atol=1e-6)


def test_a_remembered_choice_is_followed(cache_dir):
    context = webnn.ML().create_context(backend="auto")
    auto = context._backend
    b = context.create_graph_builder()
    ir = b.build(chain(b, layers=10)).ir
    key = auto.choice_key(ir, auto.engines)
    for name in ("openvino", "onnxruntime", "openvino"):
        auto.cache.discard(key)  # (the first build tuned, and remembered its own choice)
        auto.remember(key, name, {})
        builder = context.create_graph_builder()
        graph = builder.build(chain(builder, layers=10))
        assert graph.backend == name
        np.testing.assert_allclose(context.compute(graph, {"x": X})["y"], expected(X, 10), rtol=1e-5, atol=1e-6)


def test_a_losing_engines_compiled_graph_is_not_stored(cache_dir, monkeypatch):
    import webnn.backends.auto as auto_module
    from webnn.compile import compiled_key

    monkeypatch.setattr(auto_module, "MARGIN", 0.0)  # (onnxruntime, the first candidate, wins)
    context = webnn.ML().create_context(backend="auto")
    b = context.create_graph_builder()
    graph = b.build(chain(b))
    wait_for_stores()
    auto = context._backend
    assert graph.backend == "onnxruntime"
    assert auto.cache.get(compiled_key(graph.ir, auto.engine("onnxruntime"))) is not None
    for loser in auto.engines[1:]:
        assert auto.cache.get(compiled_key(graph.ir, auto.engine(loser))) is None, loser


def test_an_engine_that_refuses_the_graph_is_not_a_candidate(cache_dir):
    # int64 arithmetic: openvino refuses it (its CPU plugin computes int64 in 32 bits)
    context = webnn.ML().create_context(backend="auto")
    b = context.create_graph_builder()
    x = b.input("x", [4], "int64")
    y = x
    for _ in range(10):
        y = b.add(b.mul(y, b.constant(np.array([3, 1, 2, 1], np.int64))), x)
    graph = b.build({"y": y})
    auto = context._backend
    from webnn.backends.auto import runs_graph

    assert not runs_graph(auto.engine("openvino"), graph.ir)
    assert graph.backend != "openvino"
    # (remembered: the next process need not load openvino to learn it again)
    assert auto.cache.get(auto.choice_key(graph.ir, auto.engines)).meta["backend"] == graph.backend
    data = np.array([2**40, -5, 7, 1], np.int64)
    want = data
    for _ in range(10):
        want = want * np.array([3, 1, 2, 1], np.int64) + data
    np.testing.assert_array_equal(context.compute(graph, {"x": data})["y"], want)


SWITCH = textwrap.dedent("""
    import json, sys
    import numpy as np
    import webnn
    X = np.array(json.loads(sys.argv[1]), np.float32)
    exec(sys.argv[2])  # (the test's chain(); importing the test module would import openvino)
    import time
    context = webnn.ML().create_context(backend="auto")
    b = context.create_graph_builder()
    dropped = b.build(chain(b))  # destroyed before it computes: its switch never begins
    dropped.destroy()
    assert dropped.wait_ready(60)
    b = context.create_graph_builder()
    graph = b.build(chain(b))
    first = graph.backend
    time.sleep(0.2)
    early = "openvino" in sys.modules  # (the switch waits for the first result)
    y0 = context.compute(graph, {"x": X})["y"]
    assert graph.wait_ready(60)
    y1 = context.compute(graph, {"x": X})["y"]
    print(json.dumps({"first": first, "then": graph.backend, "early": early, "dropped": dropped.backend,
                      "y0": y0.tolist(), "y1": y1.tolist()}))
""")


@pytest.mark.parametrize("start", [None, "litert"])
def test_a_remembered_engine_not_yet_imported_is_switched_to_in_the_background(cache_dir, start):
    if start is not None:
        pytest.importorskip("ai_edge_litert")
    context = webnn.ML().create_context(backend="auto")
    auto = context._backend
    b = context.create_graph_builder()
    ir_graph = b.build(chain(b)).ir
    wait_for_stores()
    key = auto.choice_key(ir_graph, auto.engines)
    auto.cache.discard(key)
    auto.remember(key, "openvino", {}, start)
    import inspect

    out = subprocess.run([sys.executable, "-c", SWITCH, json.dumps(X.tolist()), inspect.getsource(chain)],
                         capture_output=True, text=True, timeout=300, check=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["first"] == (start or "onnxruntime") and result["then"] == "openvino"
    assert not result["early"] and result["dropped"] == (start or "onnxruntime")
    for key in ("y0", "y1"):
        np.testing.assert_allclose(np.array(result[key], np.float32), expected(X), rtol=1e-5, atol=1e-6)


# ------------------------------------------------------------------ openvino in the cache


def test_openvino_graphs_load_from_the_cache(cache_dir):
    context = webnn.ML().create_context(backend="openvino")
    graphs = []
    for _ in range(2):
        b = context.create_graph_builder()
        graphs.append(b.build(chain(b)))
        wait_for_stores()
    assert [g.from_cache for g in graphs] == [False, True]
    np.testing.assert_array_equal(context.compute(graphs[1], {"x": X})["y"], context.compute(graphs[0], {"x": X})["y"])
    manifests = [json.loads(p.read_text()) for p in cache_dir.glob("v2/*/*/manifest.json")]
    assert [m["meta"]["format"] for m in manifests] == ["openvino-compiled"]


def test_openvino_fed_constants_travel_with_the_cached_model(cache_dir):
    # uint32 constants of 2**31 and more reach the model as inputs (see the openvino lowering)
    big = np.array([2**31 + 5, 7, 2**32 - 1, 0], np.uint32)
    context = webnn.ML().create_context(backend="openvino")
    results = []
    for _ in range(2):
        b = context.create_graph_builder()
        x = b.input("x", [4], "uint32")
        y = x
        for _ in range(16):
            y = b.max(y, b.constant(big))
        graph = b.build({"y": y})
        wait_for_stores()
        results.append((graph.from_cache, context.compute(graph, {"x": np.array([1, 2**31 + 9, 3, 4], np.uint32)})["y"]))
    assert [r[0] for r in results] == [False, True]
    for _, y in results:
        np.testing.assert_array_equal(y, [2**31 + 5, 2**31 + 9, 2**32 - 1, 4])


def test_a_damaged_openvino_entry_is_compiled_again(cache_dir):
    context = webnn.ML().create_context(backend="openvino")
    b = context.create_graph_builder()
    b.build(chain(b))
    wait_for_stores()
    (blob,) = cache_dir.glob("v2/*/*/model.blob")
    data = bytearray(blob.read_bytes())
    data[len(data) // 2] ^= 0xFF
    blob.write_bytes(bytes(data))
    b = context.create_graph_builder()
    graph = b.build(chain(b))
    assert not graph.from_cache
    np.testing.assert_allclose(context.compute(graph, {"x": X})["y"], expected(X), rtol=1e-5, atol=1e-6)


def test_onnx_imports_remember_the_engine_and_load_from_the_cache(cache_dir, tmp_path):
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper, numpy_helper

    weights = np.linspace(-1, 1, 160 * 120, dtype=np.float32).reshape(160, 120)  # (big enough to be cached)
    nodes = [helper.make_node("MatMul", ["x", "w"], ["h"]), helper.make_node("Relu", ["h"], ["y"])]
    model = helper.make_model(
        helper.make_graph(nodes, "m", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [4, 160])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [4, 120])],
                          [numpy_helper.from_array(weights, "w")]),
        opset_imports=[helper.make_opsetid("", 17)])
    path = tmp_path / "m.onnx"
    onnx.save(model, path)
    x = np.random.default_rng(1).standard_normal((4, 160)).astype(np.float32)
    want = np.maximum(x @ weights, 0)
    graphs = []
    for _ in range(2):
        context = webnn.ML().create_context(backend="auto")
        graph = webnn.load_onnx(str(path), context)
        wait_for_stores()
        np.testing.assert_allclose(context.compute(graph, {"x": x})["y"], want, rtol=1e-5, atol=1e-5)
        graphs.append(graph)
    assert [g.from_cache for g in graphs] == [False, True]  # (the second parsed nothing)
    assert graphs[1].backend == graphs[0].backend


def test_time_blocks_ranks_engines_by_their_fastest_block():
    import time

    from webnn.backends.auto import time_blocks

    calls = {"slow": 0, "fast": 0}

    def runner(name, seconds):
        def run():
            calls[name] += 1
            time.sleep(seconds)
        return run

    blocks = time_blocks({"slow": runner("slow", 0.004), "fast": runner("fast", 0.001)}, 3, 2, 0.0, 0.0)
    # min_rounds rounds, then the budget (0 s) is spent: two blocks each, of at least 3 runs
    assert [len(b) for b in blocks.values()] == [2, 2]
    assert min(blocks["fast"]) < min(blocks["slow"])
    assert min(blocks["slow"]) >= 0.004 and min(blocks["fast"]) >= 0.001
    assert calls["slow"] >= 2 * (1 + 3) and calls["fast"] > calls["slow"]  # (a block fills BLOCK_S)


@pytest.mark.parametrize("close", [True, False])
def test_close_engines_are_timed_again_in_a_runoff(cache_dir, monkeypatch, close):
    """When the two fastest engines are within RUNOFF_GAP, both are timed again and the choice
    takes every block into account; otherwise no runoff is run."""
    import webnn.backends.auto as auto_module

    context = webnn.ML().create_context(backend="auto")
    engines = context._backend.engines
    if len(engines) < 3:
        pytest.skip("needs onnxruntime, openvino and litert")
    # first timing: litert leads, openvino second (close or not); the runoff reverses them
    first = {"onnxruntime": [1.0 if close else 1.2], "openvino": [0.9 if close else 2.0], "litert": [0.85]}
    runoff = {"openvino": [0.8], "litert": [0.95]}
    asked: list[tuple[str, ...]] = []

    def scripted(runs, rounds, min_rounds, budget_s, warm_s):
        asked.append(tuple(sorted(runs)))
        times = first if len(asked) == 1 else runoff
        return {name: list(times[name]) for name in runs}

    monkeypatch.setattr(auto_module, "time_blocks", scripted)
    b = context.create_graph_builder()
    graph = b.build(chain(b))
    np.testing.assert_allclose(context.compute(graph, {"x": X})["y"], expected(X), rtol=1e-5, atol=1e-6)
    if close:
        assert asked == [("litert", "onnxruntime", "openvino"), ("litert", "openvino")]
        assert graph.backend == "openvino"
        remembered = context._backend.cache.get(context._backend.choice_key(graph.ir, engines)).meta
        assert remembered["time_ms"] == {"onnxruntime": 1000.0, "openvino": 800.0, "litert": 850.0}
    else:
        assert asked == [("litert", "onnxruntime", "openvino")]
        assert graph.backend == "litert"
