"""The ONNX Runtime backend: device choice, sessions, I/O binding, threads, asyncio."""

from __future__ import annotations

import asyncio
import threading

import numpy as np
import pytest

import webnn
from webnn import NotSupportedError

ort = pytest.importorskip("onnxruntime")

from webnn.backends.onnxruntime import providers  # noqa: E402
from webnn.backends.onnxruntime.backend import OnnxRuntimeBackend  # noqa: E402

CPU = "CPUExecutionProvider"
CUDA = "CUDAExecutionProvider"
TRT = "TensorrtExecutionProvider"
COREML = "CoreMLExecutionProvider"
DML = "DmlExecutionProvider"
QNN = "QNNExecutionProvider"
OPENVINO = "OpenVINOExecutionProvider"


# ----------------------------------------------------------------------------- device selection


@pytest.mark.parametrize(
    "available, hints, expected_providers, device",
    [
        ([CPU], {}, (CPU,), "cpu"),
        ([CUDA, CPU], {}, (CUDA, CPU), "gpu"),
        ([TRT, CUDA, CPU], {}, (TRT, CUDA, CPU), "gpu"),
        ([TRT, CPU], {}, (CPU,), "cpu"),  # TensorRT needs CUDA beside it
        ([CUDA, CPU], {"accelerated": False}, (CPU,), "cpu"),
        ([CUDA, CPU], {"accelerated": False, "power_preference": "high-performance"}, (CUDA, CPU), "gpu"),
        ([CUDA, QNN, CPU], {"power_preference": "low-power"}, (QNN, CPU), "npu"),
        ([CUDA, CPU], {"power_preference": "low-power"}, (CPU,), "cpu"),
        ([COREML, CPU], {}, (COREML, CPU), "npu"),
        ([COREML, CPU], {"device_type": "gpu"}, (COREML, CPU), "gpu"),
        ([DML, CPU], {"device_type": "gpu"}, (DML, CPU), "gpu"),
        ([CUDA, CPU], {"device_type": "cpu"}, (CPU,), "cpu"),
        ([CUDA, CPU], {"device_type": "npu"}, (CPU,), "cpu"),
        ([OPENVINO, CPU], {"device_type": "npu"}, (OPENVINO, CPU), "npu"),
        (["AzureExecutionProvider", CPU], {}, (CPU,), "cpu"),
    ],
)
def test_provider_choice(available, hints, expected_providers, device) -> None:
    choice = providers.choose(available, **hints)
    assert choice.providers == expected_providers
    assert choice.device == device
    assert choice.accelerated == (device != "cpu")


def test_backend_uses_the_choice_and_checks_provider_options() -> None:
    backend = OnnxRuntimeBackend(available_providers=[CUDA, CPU], provider_options={CUDA: {"device_id": 1}})
    assert backend.accelerated and backend.device == "gpu"
    assert backend.providers == [(CUDA, {"device_id": "1"}), (CPU, {})]
    with pytest.raises(TypeError, match="provider_options for TensorrtExecutionProvider, which ONNX Runtime"):
        OnnxRuntimeBackend(available_providers=[CPU], provider_options={TRT: {}})


def test_cpu_context_is_not_accelerated() -> None:
    context = webnn.ML().create_context(backend="onnxruntime", accelerated=False)
    info = context.backend_info()
    assert context.accelerated is False and context.device_type == "cpu"
    assert info["backend"] == "onnxruntime" and info["providers"][-1] == CPU


def test_gpu_request_falls_back_to_cpu_when_there_is_none() -> None:
    if any(p in ort.get_available_providers() for p in providers.GPU_ORDER):
        pytest.skip("this machine has an accelerator provider")
    context = webnn.ML().create_context(backend="onnxruntime", device_type="gpu")
    assert context.accelerated is False and context.device_type == "cpu"


def test_num_threads_reaches_the_session() -> None:
    context = webnn.ML().create_context(backend="onnxruntime", num_threads=1)
    assert context.backend_info()["num_threads"] == 1
    assert context._backend.session_options().intra_op_num_threads == 1
    with pytest.raises(TypeError, match="num_threads must be a positive integer"):
        webnn.ML().create_context(backend="onnxruntime", num_threads=0)


# ----------------------------------------------------------------------------- compilation


@pytest.fixture
def ort_context() -> webnn.MLContext:
    return webnn.ML().create_context(backend="onnxruntime")


def test_large_constants_are_shared_not_serialized(ort_context) -> None:
    from webnn.backends.onnxruntime.emitter import Emitter
    from webnn.backends.onnxruntime.lowering import lower

    builder = ort_context.create_graph_builder()
    x = builder.input("x", [1024, 1024])
    weight = np.random.default_rng(0).standard_normal((1024, 1024)).astype(np.float32)
    graph = builder.build({"y": builder.add(x, builder.constant(weight))})
    emitter = Emitter(graph.ir)
    lower(emitter)
    assert len(emitter.model_bytes()) < 10_000  # 4 MiB of weights stay out of the model
    (shared,) = emitter.shared.values()
    assert np.shares_memory(shared, graph.ir.constants[next(iter(graph.ir.constants))])
    out = ort_context.compute(graph, {"x": np.ones((1024, 1024), np.float32)})["y"]
    np.testing.assert_array_equal(out, weight + 1)


def test_outputs_that_are_the_same_operand_or_an_identity(ort_context) -> None:
    builder = ort_context.create_graph_builder()
    x = builder.input("x", [3])
    y = builder.relu(x)
    graph = builder.build({"a": y, "b": y, "c": builder.identity(x)})
    out = ort_context.compute(graph, {"x": np.array([-1, 0, 2], np.float32)})
    np.testing.assert_array_equal(out["a"], [0, 0, 2])
    np.testing.assert_array_equal(out["b"], [0, 0, 2])
    np.testing.assert_array_equal(out["c"], [-1, 0, 2])
    assert out["a"] is not out["b"]


def test_compute_returns_fresh_arrays_of_the_declared_type(ort_context) -> None:
    builder = ort_context.create_graph_builder()
    x = builder.input("x", [2], "int64")
    graph = builder.build({"y": builder.add(x, x)})
    data = np.array([2**40, -3], np.int64)
    first = ort_context.compute(graph, {"x": data})["y"]
    second = ort_context.compute(graph, {"x": data})["y"]
    assert first.dtype == np.int64 and first is not second
    np.testing.assert_array_equal(first, [2**41, -6])
    first[0] = 0
    np.testing.assert_array_equal(second, [2**41, -6])


# ----------------------------------------------------------------------------- dispatch


def test_dispatch_reuses_its_binding(ort_context) -> None:
    builder = ort_context.create_graph_builder()
    a = builder.input("a", [4])
    graph = builder.build({"b": builder.mul(a, a)})
    ta = ort_context.create_host_tensor([4], "float32")
    tb = ort_context.create_host_tensor([4], "float32")
    compiled = graph._compiled
    for k in range(5):
        ort_context.write_tensor(ta, np.full(4, k, np.float32))
        ort_context.dispatch(graph, {"a": ta}, {"b": tb})
        np.testing.assert_array_equal(ort_context.read_tensor(tb), np.full(4, k * k))
    assert len(compiled._bindings) == 1
    output_memory = tb._storage.array
    ort_context.dispatch(graph, {"a": ta}, {"b": tb})
    assert tb._storage.array is output_memory  # written in place, not replaced


# ----------------------------------------------------------------------------- threads and asyncio


def _heavy_graph(context: webnn.MLContext) -> webnn.MLGraph:
    builder = context.create_graph_builder()
    x = builder.input("x", [512, 512])
    y = x
    for _ in range(20):
        y = builder.matmul(y, x)
    return builder.build({"y": builder.reduce_sum(y)})


def test_concurrent_compute_on_one_graph(ort_context) -> None:
    builder = ort_context.create_graph_builder()
    x = builder.input("x", [64])
    graph = builder.build({"y": builder.mul(builder.add(x, x), x)})
    errors: list[BaseException] = []

    def work(seed: int) -> None:
        try:
            data = np.random.default_rng(seed).standard_normal(64).astype(np.float32)
            for _ in range(50):
                out = ort_context.compute(graph, {"x": data})["y"]
                np.testing.assert_allclose(out, (data + data) * data, rtol=1e-6)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(seed,)) for seed in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors[0]


def test_compute_releases_the_gil(ort_context) -> None:
    graph = _heavy_graph(ort_context)
    data = np.full((512, 512), 1e-3, np.float32)
    done = threading.Event()
    ticks = 0

    def run() -> None:
        ort_context.compute(graph, {"x": data})
        done.set()

    thread = threading.Thread(target=run)
    thread.start()
    while not done.is_set():
        ticks += 1
    thread.join()
    assert ticks > 1000  # Python kept running while the engine computed


def test_asyncio_api_does_not_block_the_loop(ort_context) -> None:
    graph = _heavy_graph(ort_context)
    data = np.full((512, 512), 1e-3, np.float32)

    async def main() -> tuple[int, dict]:
        ticks = 0
        task = asyncio.ensure_future(ort_context.compute_async(graph, {"x": data}))
        while not task.done():
            ticks += 1
            await asyncio.sleep(0)
        return ticks, task.result()

    ticks, out = asyncio.run(main())
    assert ticks > 10
    assert out["y"].shape == ()


def test_async_context_wrapper(ort_context) -> None:
    wrapper = webnn.AsyncMLContext(ort_context)

    async def main() -> np.ndarray:
        builder = wrapper.create_graph_builder()
        x = builder.input("x", [3])
        graph = await wrapper.build(builder, {"y": builder.neg(x)})
        tx = wrapper.create_host_tensor([3], "float32")
        ty = wrapper.create_host_tensor([3], "float32")
        await wrapper.write_tensor_async(tx, np.array([1, 2, 3], np.float32))
        await wrapper.dispatch(graph, {"x": tx}, {"y": ty})
        via_compute = (await wrapper.compute_async(graph, {"x": np.ones(3, np.float32)}))["y"]
        np.testing.assert_array_equal(via_compute, -1)
        np.testing.assert_array_equal(wrapper.compute(graph, {"x": np.ones(3, np.float32)})["y"], -1)
        return await wrapper.read_tensor_async(ty)

    np.testing.assert_array_equal(asyncio.run(main()), [-1, -2, -3])
    assert wrapper.accelerated is ort_context.accelerated
    with pytest.raises(TypeError, match="AsyncMLContext wraps an MLContext"):
        webnn.AsyncMLContext(object())


def test_lowering_failure_is_not_supported(ort_context, monkeypatch) -> None:
    from webnn.backends.onnxruntime import lowering

    lowering.load()
    monkeypatch.delitem(lowering.LOWERINGS, "relu")
    builder = ort_context.create_graph_builder()
    with pytest.raises(NotSupportedError, match="relu: no onnxruntime lowering"):
        builder.build({"y": builder.relu(builder.input("x", [2]))})


# ----------------------------------------------------------------------------- versions


@pytest.mark.parametrize("version", ["1.18.0", "1.31.1", "1.9.0", "0.99", "1.31.1.dev20250101"])
def test_onnxruntime_older_than_the_tested_floor_is_refused(version: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Older ONNX Runtime versions compute some cases differently: the backend refuses them
    rather than give a wrong answer."""
    monkeypatch.setattr(ort, "__version__", version)
    with pytest.raises(NotSupportedError, match=f"onnxruntime {version} is installed; .* needs 1.32 or newer"):
        webnn.ML().create_context(backend="onnxruntime")


@pytest.mark.parametrize("version", ["1.32.0", "1.32.1rc1", "1.40.0", "2.0.0"])
def test_onnxruntime_at_or_above_the_floor_is_accepted(version: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ort, "__version__", version)
    assert webnn.ML().create_context(backend="onnxruntime").backend == "onnxruntime"


def test_the_floor_is_the_one_pyproject_declares() -> None:
    import pathlib
    import re

    from webnn.backends.onnxruntime.backend import MIN_VERSION

    root = pathlib.Path(__file__).resolve().parents[2]
    floor = ".".join(map(str, MIN_VERSION))
    text = (root / "pyproject.toml").read_text()
    assert set(re.findall(r'"onnxruntime(?:-gpu)?>=([0-9.]+)"', text)) == {floor}
    assert f"onnxruntime=={floor}.0" in (root / ".ci" / "floor.txt").read_text()
