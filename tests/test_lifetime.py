"""Destroying tensors, graphs and contexts while other threads use them: no crash, no wrong
result, no memory kept; only the errors the spec names (TypeError for a destroyed tensor,
InvalidStateError for a destroyed graph or a lost context)."""

from __future__ import annotations

import gc
import random
import threading
import time
import weakref

import numpy as np
import pytest

import webnn

N = 1 << 16


def _graph(context: webnn.MLContext) -> webnn.MLGraph:
    builder = context.create_graph_builder()
    x = builder.input("x", [N], "float32")
    return builder.build({"y": builder.add(builder.mul(x, builder.constant(np.float32(2).reshape(1))),
                                           builder.constant(np.ones(1, np.float32)))})


def _tensors(context: webnn.MLContext) -> tuple[webnn.MLTensor, webnn.MLTensor]:
    x = context.create_tensor({"dataType": "float32", "shape": [N], "writable": True})
    y = context.create_tensor({"dataType": "float32", "shape": [N], "readable": True})
    return x, y


def test_destroy_waits_for_the_calls_using_the_tensor(context: webnn.MLContext) -> None:
    """A tensor destroyed on one thread while others dispatch with it, read and write it."""
    graph = _graph(context)
    bad: list[str] = []
    for round_ in range(20):
        x, y = _tensors(context)
        stop = threading.Event()
        value = np.float32(round_)  # the threads share the tensors, so they write the same values

        def work(x: webnn.MLTensor = x, y: webnn.MLTensor = y, stop: threading.Event = stop,
                 value: np.float32 = value) -> None:
            while not stop.is_set():
                try:
                    context.write_tensor(x, np.full(N, value, np.float32))
                    context.dispatch(graph, {"x": x}, {"y": y})
                    out = context.read_tensor(y)
                except TypeError as exc:
                    if "destroyed" not in str(exc):
                        bad.append(f"TypeError: {exc}")
                    return
                except Exception as exc:  # noqa: BLE001 - reported below
                    bad.append(f"{type(exc).__name__}: {exc}")
                    return
                if not (out == 2 * value + 1).all():
                    bad.append(f"wrong result: {out[:4]} for x = {value}")
                    return

        threads = [threading.Thread(target=work) for _ in range(3)]
        for t in threads:
            t.start()
        time.sleep(0.005)
        random.choice([x, y]).destroy()
        junk = [np.full(N, 7, np.float32) for _ in range(4)]  # reuses freed memory, if any was freed early
        time.sleep(0.005)
        stop.set()
        for t in threads:
            t.join(30)
        del junk
        assert not any(t.is_alive() for t in threads), "a call did not return"
    assert not bad, bad[:5]


def test_stress_destroying_tensors_graphs_and_the_context(context: webnn.MLContext) -> None:
    """Workers dispatch and compute on several graphs while other threads destroy tensors, graphs
    and finally the context."""
    graphs = [_graph(context) for _ in range(3)]
    pool: list[webnn.MLTensor] = []
    pool_lock = threading.Lock()
    bad: list[str] = []
    done = threading.Event()

    def expected_error(exc: Exception) -> bool:
        if isinstance(exc, webnn.InvalidStateError):
            return True  # a destroyed graph, a lost context
        return isinstance(exc, TypeError) and "destroyed" in str(exc)

    def worker(seed: int) -> None:
        rng = random.Random(seed)
        x = y = None
        while not done.is_set():
            try:
                if x is None or x.destroyed or y is None or y.destroyed:
                    x, y = _tensors(context)
                    with pool_lock:
                        pool.extend((x, y))
                value = np.float32(rng.randrange(1000))
                graph = rng.choice(graphs)
                if rng.random() < 0.3:
                    out = context.compute(graph, {"x": np.full(N, value, np.float32)})["y"]
                else:
                    context.write_tensor(x, np.full(N, value, np.float32))
                    context.dispatch(graph, {"x": x}, {"y": y})
                    out = context.read_tensor(y)
                if not (out == 2 * value + 1).all():
                    bad.append(f"wrong result {out[:3]} for {value}")
            except Exception as exc:  # noqa: BLE001 - sorted below
                if not expected_error(exc):
                    bad.append(f"{type(exc).__name__}: {exc}")
                if context.is_lost:
                    return

    def destroyer(seed: int) -> None:
        rng = random.Random(seed)
        while not done.is_set():
            with pool_lock:
                victim = rng.choice(pool) if pool else None
            if victim is not None:
                victim.destroy()
            if rng.random() < 0.05:
                rng.choice(graphs).destroy()
            time.sleep(0.001)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    threads += [threading.Thread(target=destroyer, args=(100 + i,)) for i in range(2)]
    for t in threads:
        t.start()
    time.sleep(1.0)
    context.destroy()
    time.sleep(0.1)
    done.set()
    for t in threads:
        t.join(30)
    assert not any(t.is_alive() for t in threads), "a call did not return"
    assert not bad, bad[:5]
    assert context.is_lost and all(g.destroyed for g in graphs) and all(t.destroyed for t in pool)
    with pytest.raises(webnn.InvalidStateError):
        context.compute(graphs[0], {"x": np.zeros(N, np.float32)})


def test_destroy_frees_the_memory_of_a_dispatched_tensor(context: webnn.MLContext) -> None:
    """Nothing (an engine's cached binding included) keeps a destroyed tensor's memory alive."""
    graph = _graph(context)
    x, y = _tensors(context)
    context.dispatch(graph, {"x": x}, {"y": y})
    memory = [weakref.ref(t._storage.array) for t in (x, y)]
    x.destroy()
    y.destroy()
    gc.collect()
    assert all(ref() is None for ref in memory)
    # The graph still runs with new tensors.
    x, y = _tensors(context)
    context.write_tensor(x, np.full(N, 3, np.float32))
    context.dispatch(graph, {"x": x}, {"y": y})
    assert (context.read_tensor(y) == 7).all()


def test_destroyed_tensor_is_refused_by_every_call(context: webnn.MLContext) -> None:
    graph = _graph(context)
    x, y = _tensors(context)
    x.destroy()
    with pytest.raises(TypeError, match="destroyed"):
        context.dispatch(graph, {"x": x}, {"y": y})
    with pytest.raises(TypeError, match="destroyed"):
        context.write_tensor(x, np.zeros(N, np.float32))
    y.destroy()
    with pytest.raises(TypeError, match="destroyed"):
        context.read_tensor(y)
