"""webnn.integrations.ray: a saved graph (.webnn and .onnx) over a Ray Dataset with an actor pool,
checked row by row against the same formula computed with NumPy; bad rows reported per row.

A local Ray cluster (2 CPUs) is started once for the module.  Marked ``ray`` (``-m "not ray"``
deselects them); skipped when Ray is not installed (the ``ray`` extra).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

ray = pytest.importorskip("ray", reason="Ray is not installed (pip install -e '.[ray]')", exc_type=ImportError)
# ImportError too: Ray Data does not import where pyarrow and NumPy do not agree (pyarrow 26 needs NumPy 2)
pytest.importorskip("ray.data", reason="Ray Data is not installed or does not import (pip install -e '.[ray]')",
                    exc_type=ImportError)

import webnn  # noqa: E402
from webnn.integrations.ray import GraphPredictor, map_graph  # noqa: E402

pytestmark = [pytest.mark.ray, pytest.mark.filterwarnings("ignore::DeprecationWarning:ray")]

ROWS = 300
FEATURES, CLASSES, FIXED_BATCH = 4, 3, 8


def _weights(seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.standard_normal((FEATURES, CLASSES)).astype(np.float32), rng.standard_normal(CLASSES).astype(np.float32)


def expected(x: np.ndarray, seed: int = 0) -> np.ndarray:
    """The graph's formula in NumPy: relu(x @ w + b)."""
    w, b = _weights(seed)
    return np.maximum(x.astype(np.float32) @ w + b, 0)


def save_webnn(path: Path, seed: int = 0) -> str:
    """relu(x @ w + b) with x [8, 4] (a fixed batch of 8) as a webnn-graph file."""
    w, b = _weights(seed)
    builder = webnn.ML().create_context(backend="reference").create_graph_builder()
    x = builder.input("x", [FIXED_BATCH, FEATURES], "float32")
    y = builder.relu(builder.add(builder.matmul(x, builder.constant(w)), builder.constant(b)))
    builder.build({"y": y}).save(str(path))
    return str(path)


def save_onnx(path: Path, seed: int = 0, weights: tuple[np.ndarray, np.ndarray] | None = None) -> str:
    """The same as an ONNX model whose batch dimension is free ("N")."""
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper, numpy_helper

    w, b = _weights(seed) if weights is None else weights
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "w"], ["t"]), helper.make_node("Add", ["t", "b"], ["u"]),
         helper.make_node("Relu", ["u"], ["y"])],
        "dense_relu",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", w.shape[0]])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", w.shape[1]])],
        initializer=[numpy_helper.from_array(w, "w"), numpy_helper.from_array(b, "b")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)
    onnx.save(model, str(path))
    return str(path)


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    folder = tmp_path_factory.mktemp("ray-models")
    return {"webnn": save_webnn(folder / "dense.webnn"), "onnx": save_onnx(folder / "dense.onnx")}


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A local Ray cluster of 2 CPUs whose workers import this webnn (the one the tests import:
    its folder goes first on the workers' PYTHONPATH, which is harmless under ``pip install -e``)
    and share a persistent cache of their own."""
    if ray.is_initialized():
        pytest.skip("a Ray session is already running in this process")
    source = str(Path(webnn.__file__).resolve().parents[1])
    path = os.pathsep.join([source, *filter(None, [os.environ.get("PYTHONPATH")])])
    cache = str(tmp_path_factory.mktemp("ray-webnn-cache"))
    ray.init(
        num_cpus=2, include_dashboard=False, object_store_memory=256 * 2**20, log_to_driver=False,
        runtime_env={"env_vars": {"PYTHONPATH": path, "WEBNN_CACHE": "1", "WEBNN_CACHE_DIR": cache}},
    )
    ray.data.DataContext.get_current().enable_progress_bars = False
    yield ray
    ray.shutdown()


def dataset(x: Any) -> Any:
    return ray.data.from_items([{"id": i, "x": row} for i, row in enumerate(x)])


def by_id(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(rows, key=lambda row: int(row["id"]))


def rows_x(seed: int = 1) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((ROWS, FEATURES)).astype(np.float32)


# ---------------------------------------------------------------------------------- on the cluster


def test_workers_import_this_webnn_and_the_second_actor_loads_from_the_cache(cluster: Any, tmp_path: Path) -> None:
    # weights of its own (not in the cache yet), 80 KiB of them (smaller graphs bypass the cache)
    rng = np.random.default_rng(7)
    weights = rng.standard_normal((128, 160)).astype(np.float32), rng.standard_normal(160).astype(np.float32)
    model = save_onnx(tmp_path / "fresh.onnx", weights=weights)
    actor = ray.remote(num_cpus=1)(GraphPredictor)
    stats = []
    for _ in range(2):
        predictor = actor.remote(model, backend="onnxruntime", batch_size=32)
        stats.append(ray.get(predictor.stats.remote()))
        ray.kill(predictor)
    assert stats[0]["webnn"] == webnn.__file__, "the workers import another webnn than the tests"
    assert stats[0]["pid"] != os.getpid()
    assert [s["from_cache"] for s in stats] == [False, True]
    assert stats[0]["compiled_sizes"] == [32] and stats[0]["fixed_batch"] is None


@pytest.mark.parametrize("kind,actors", [("webnn", 1), ("webnn", 2), ("onnx", 2)])
def test_every_row_matches_the_formula(cluster: Any, models: dict[str, str], kind: str, actors: int) -> None:
    x = rows_x()
    out = map_graph(dataset(x), models[kind], backend="onnxruntime", batch_size=64, concurrency=actors)
    rows = by_id(out.take_all())
    assert [int(row["id"]) for row in rows] == list(range(ROWS))
    got = np.stack([row["y"] for row in rows])
    assert got.dtype == np.float32 and got.shape == (ROWS, CLASSES)
    np.testing.assert_allclose(got, expected(x), rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(np.stack([row["x"] for row in rows]), x)  # the input columns are kept
    assert all(row["error"] == "" for row in rows)


@pytest.mark.parametrize("kind,actors", [("webnn", 1), ("onnx", 2)])
def test_bad_rows_report_errors_and_the_others_complete(cluster: Any, models: dict[str, str], kind: str,
                                                        actors: int) -> None:
    x = rows_x(3)
    x[40] = np.nan  # NaN is no error: it computes what the graph computes of it
    bad = {0: np.zeros(FEATURES + 2, np.float32), 100: np.zeros(FEATURES + 5, np.float32), 250: np.zeros(1, np.float32)}
    # (not a row of another rank, [2, 4]: Ray Data itself cannot batch blocks of such a column with
    # blocks of the regular rows, before webnn sees them; the direct test has one)
    items = [{"id": i, "x": bad.get(i, row)} for i, row in enumerate(x)]
    out = map_graph(ray.data.from_items(items), models[kind], backend="onnxruntime", batch_size=64,
                    concurrency=actors, keep_columns=True if kind == "webnn" else ["id"])
    rows = by_id(out.take_all())
    assert set(rows[0]) == ({"id", "x", "y", "error"} if kind == "webnn" else {"id", "y", "error"})
    assert [i for i, row in enumerate(rows) if row["error"]] == sorted(bad)
    assert rows[100]["error"] == "ValueError: column 'x' has rows of shape [9]; input 'x' takes [4]"
    good = [i for i in range(ROWS) if i not in bad]
    np.testing.assert_allclose(np.stack([rows[i]["y"] for i in good]), expected(x[good]), rtol=1e-5, atol=1e-6)
    assert np.isnan(rows[40]["y"]).all() and rows[40]["error"] == ""


# ------------------------------------------------------------------------------ the actor alone


@pytest.mark.parametrize("kind", ["webnn", "onnx"])
def test_predictor_without_ray(models: dict[str, str], kind: str) -> None:
    x = rows_x(4)[:21]
    predictor = GraphPredictor(models[kind], backend="onnxruntime", batch_size=16)
    out = predictor({"x": x})
    np.testing.assert_allclose(out["y"], expected(x), rtol=1e-5, atol=1e-6)
    assert list(out["error"]) == [""] * 21
    # wrong data type: an error per row unless cast=True
    out = predictor({"x": x.astype(np.float64)})
    assert all(e.startswith("TypeError: column 'x' is float64") for e in out["error"]) and np.isnan(out["y"]).all()
    cast = GraphPredictor(models[kind], backend="onnxruntime", cast=True)({"x": x.astype(np.float64)})
    np.testing.assert_allclose(cast["y"], expected(x), rtol=1e-5, atol=1e-6)
    with pytest.raises(KeyError, match="no column"):
        predictor({"data": x})
    mapped = GraphPredictor(models[kind], backend="onnxruntime", inputs={"x": "data"}, outputs={"y": "out"},
                            error_column=None, keep_columns=False)
    assert set(mapped({"data": x})) == {"out"}
    ragged = np.empty(3, object)
    ragged[:] = [x[0], x[1, :2], x[2]]
    with pytest.raises(ValueError, match="shape"):
        mapped({"data": ragged})


def test_free_batch_keeps_few_compiled_sizes(models: dict[str, str]) -> None:
    predictor = GraphPredictor(models["onnx"], backend="onnxruntime", batch_size=4, max_graphs=2)
    for n in (4, 5, 6, 4):
        x = rows_x(n)[:n]
        np.testing.assert_allclose(predictor({"x": x})["y"], expected(x), rtol=1e-5, atol=1e-6)
    assert predictor.stats()["compiled_sizes"] == [4, 6]


def test_importing_webnn_imports_no_ray() -> None:
    code = "import sys, webnn, webnn.integrations; assert 'ray' not in sys.modules, 'ray imported'"
    env = {**os.environ, "PYTHONPATH": str(Path(webnn.__file__).resolve().parents[1])}
    subprocess.run([sys.executable, "-c", code], check=True, env=env, timeout=120)
