"""Code written for the pywebnn package: each call form it uses, checked against NumPy formulas
(results) or the spec's own form (the same graph built both ways must compute the same)."""

from __future__ import annotations

import asyncio
import json
import warnings

import numpy as np
import pytest

import webnn
from webnn.errors import TensorStateError, ValidationError

RNG = np.random.default_rng(7)


@pytest.fixture(params=["reference", "onnxruntime"])
def context(request):
    if request.param not in webnn.available_backends():
        pytest.skip(f"{request.param} is not installed")
    return webnn.ML().create_context(backend=request.param)


def run(context, outputs, **inputs):
    builder = outputs.pop("_builder")
    graph = builder.build(outputs)
    return context.compute(graph, inputs)


def data(*shape, dtype=np.float32):
    return RNG.standard_normal(shape).astype(dtype)


def test_shapes_are_lists(context):
    builder = context.create_graph_builder()
    x = builder.input("x", [1, 3, 4, 4], "float32")
    assert x.shape == [1, 3, 4, 4] and isinstance(x.shape, list) and len(x.shape) == 4
    x.shape.append(9)  # a new list each time: the operand is unchanged
    assert x.shape == [1, 3, 4, 4]
    assert context.create_host_tensor([2, 3], "float32").shape == [2, 3]


def test_constant_forms(context):
    builder = context.create_graph_builder()
    values = np.arange(6, dtype=np.float32)
    a = builder.constant(values, [2, 3], "float32")  # pywebnn: (value, shape, data_type)
    b = builder.constant(values.tolist(), [3, 2])  # (value, shape)
    c = builder.constant(value=np.ones((2, 3), np.int32))
    assert (a.shape, a.data_type, b.shape, c.data_type) == ([2, 3], "float32", [3, 2], "int32")
    out = run(context, {"_builder": builder, "a": builder.identity(a), "b": builder.identity(b)})
    np.testing.assert_array_equal(out["a"], values.reshape(2, 3))
    np.testing.assert_array_equal(out["b"], values.reshape(3, 2))
    with pytest.raises(TypeError, match="given both positionally and as value="):
        builder.constant(values, value=values)


@pytest.mark.parametrize("dtype", ["float32", np.float32, np.dtype("float32")])
def test_data_types_as_numpy_objects(context, dtype):
    builder = context.create_graph_builder()
    x = builder.input("x", [2], dtype)
    y = builder.cast(x, np.int32)
    assert (x.data_type, y.data_type, x.dtype) == ("float32", "int32", np.dtype(np.float32))
    assert context.create_tensor([2], dtype).data_type == "float32"


def test_positional_options_and_pads(context):
    x, w = data(1, 2, 7, 7), data(4, 2, 3, 3)
    spec = context.create_graph_builder()
    compat = context.create_graph_builder()
    outs = {}
    for b, style in ((spec, "spec"), (compat, "pywebnn")):
        xi, wi = b.input("x", [1, 2, 7, 7]), b.constant(w)
        if style == "spec":
            conv = b.conv2d(xi, wi, strides=[2, 2], dilations=[1, 1], padding=[1, 1, 0, 2], groups=1)
            pool = b.max_pool2d(xi, window_dimensions=[3, 3], strides=[1, 2], padding=[1, 1, 1, 1])
            red = b.reduce_sum(xi, axes=[1, 3], keep_dimensions=True)
            tr = b.transpose(xi, permutation=[0, 2, 3, 1])
            sl = b.slice(xi, [0, 0, 1, 1], [1, 2, 5, 5], strides=[1, 1, 2, 2])
            gm = b.gemm(b.reshape(xi, [2, 49]), b.constant(data(49, 3)), alpha=0.5, b_transpose=False)
        else:
            conv = b.conv2d(xi, wi, [2, 2], [1, 1], [1, 1, 0, 2], 1)  # strides, dilations, pads, groups
            pool = b.max_pool2d(xi, [3, 3], [1, 2], None, pads=[1, 1, 1, 1])
            red = b.reduce_sum(xi, [1, 3], True)
            tr = b.transpose(xi, [0, 2, 3, 1])
            sl = b.slice(xi, [0, 0, 1, 1], [1, 2, 5, 5], [1, 1, 2, 2])
            gm = b.gemm(b.reshape(xi, [2, 49]), b.constant(data(49, 3)), None, 0.5)
        outs[style] = (b, {"conv": conv, "pool": pool, "red": red, "tr": tr, "sl": sl, "gm": gm})
    global RNG  # the same random gemm weights for both graphs
    results = {}
    for style, (b, o) in outs.items():
        results[style] = context.compute(b.build(o), {"x": x})
        RNG = np.random.default_rng(7)
    for name in results["spec"]:
        assert results["spec"][name].shape == results["pywebnn"][name].shape, name
    for name in ("conv", "pool", "red", "tr", "sl"):
        np.testing.assert_array_equal(results["spec"][name], results["pywebnn"][name], err_msg=name)


def test_unary_x_keyword_and_none_as_default(context):
    builder = context.create_graph_builder()
    x = builder.input("x", [2, 3])
    outs = {
        "_builder": builder,
        "relu": builder.relu(x=x),
        "elu": builder.elu(x, None),  # None: the default alpha (1)
        "leaky": builder.leaky_relu(x, 0.1),
        "clamp": builder.clamp(x, -0.5, 0.5),
        "hsig": builder.hard_sigmoid(x, 0.2, 0.5),
        "soft": builder.softmax(x, 1),
        "norm": builder.layer_normalization(x, None, None, 1e-3, [1]),
    }
    v = data(2, 3)
    out = run(context, outs, x=v)
    np.testing.assert_allclose(out["relu"], np.maximum(v, 0))
    np.testing.assert_allclose(out["elu"], np.where(v > 0, v, np.expm1(v)), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(out["leaky"], np.where(v > 0, v, 0.1 * v), rtol=1e-6)
    np.testing.assert_allclose(out["clamp"], np.clip(v, -0.5, 0.5))
    np.testing.assert_allclose(out["hsig"], np.clip(0.2 * v + 0.5, 0, 1), rtol=1e-6)
    e = np.exp(v - v.max(1, keepdims=True))
    np.testing.assert_allclose(out["soft"], e / e.sum(1, keepdims=True), rtol=1e-5)
    mean, var = v.mean(1, keepdims=True), v.var(1, keepdims=True)
    np.testing.assert_allclose(out["norm"], (v - mean) / np.sqrt(var + 1e-3), rtol=1e-4, atol=1e-5)


def test_pad_with_one_flat_list(context):
    builder = context.create_graph_builder()
    x = builder.input("x", [3, 3])
    a = builder.pad(x, [1, 2, 3, 4])  # all beginnings, then all endings
    b = builder.pad(x, padding=[1, 1, 1, 1], mode="constant", value=5.0)
    c = builder.pad(x, padding=[1, 0, 1, 0], mode="edge")
    assert (a.shape, b.shape, c.shape) == ([7, 9], [5, 5], [5, 3])
    v = data(3, 3)
    out = run(context, {"_builder": builder, "a": a, "b": b, "c": c}, x=v)
    np.testing.assert_array_equal(out["a"], np.pad(v, [(1, 3), (2, 4)]))
    np.testing.assert_array_equal(out["b"], np.pad(v, 1, constant_values=5.0))
    np.testing.assert_array_equal(out["c"], np.pad(v, [(1, 1), (0, 0)], mode="edge"))
    with pytest.raises(ValueError, match="padding has 3 items"):
        builder.pad(x, padding=[1, 1, 1])


def test_indexing_positional(context):
    builder = context.create_graph_builder()
    x = builder.input("x", [3, 4])
    idx = builder.constant(np.array([[0, 2, 1, 0]], np.int32))
    outs = {
        "_builder": builder,
        "gather": builder.gather(x, builder.constant(np.array([2, 0], np.int32)), 1),
        "scatter": builder.scatter_elements(x, idx, builder.constant(np.ones((1, 4), np.float32)), 0),
        "tri": builder.triangular(x, False, 1),
        "arg": builder.arg_max(x, 1, True, "int64"),
        "parts": builder.split(x, 2, 1)[1],
    }
    v = data(3, 4)
    out = run(context, outs, x=v)
    np.testing.assert_array_equal(out["gather"], v[:, [2, 0]])
    expected = v.copy()
    expected[[0, 2, 1, 0], range(4)] = 1
    np.testing.assert_array_equal(out["scatter"], expected)
    np.testing.assert_array_equal(out["tri"], np.tril(v, 1))
    np.testing.assert_array_equal(out["arg"], v.argmax(1)[:, None])
    assert out["arg"].dtype == np.int64
    np.testing.assert_array_equal(out["parts"], v[:, 2:])


@pytest.mark.parametrize("dtype", ["uint8", "int32", "float32"])
def test_where_underscore_takes_any_condition(context, dtype):
    builder = context.create_graph_builder()
    cond = builder.input("c", [2, 3], dtype)
    a, b = builder.input("a", [2, 3]), builder.input("b", [1, 3])
    if dtype != "uint8":  # the spec's where refuses a condition that is not uint8
        with pytest.raises(TypeError, match="condition data type"):
            builder.where(cond, a, b)
    cv, av, bv = np.array([[0, 1, 2], [0, 0, 7]], dtype), data(2, 3), data(1, 3)
    out = run(context, {"_builder": builder, "y": builder.where_(cond, a, b)}, c=cv, a=av, b=bv)
    np.testing.assert_array_equal(out["y"], np.where(cv, av, bv))


def test_where_underscore_matches_numpy(context):
    builder = context.create_graph_builder()
    c, a, b = builder.input("c", [4]), builder.input("a", [4]), builder.input("b", [4])
    cv = np.array([0.0, -0.0, np.nan, 2.5], np.float32)
    av, bv = np.arange(4, dtype=np.float32), -np.arange(4, dtype=np.float32)
    out = run(context, {"_builder": builder, "y": builder.where_(c, a, b)}, c=cv, a=av, b=bv)
    np.testing.assert_array_equal(out["y"], np.where(cv, av, bv))


def test_squeeze_unsqueeze_and_global_pools(context):
    builder = context.create_graph_builder()
    x = builder.input("x", [1, 3, 1, 4])
    s = builder.squeeze(x)
    u = builder.unsqueeze(s, [0, 3])
    n = builder.input("n", [2, 3, 4, 5])
    gap, gmp = builder.global_average_pool(n), builder.global_max_pool(n, layout="nchw")
    gnhwc = builder.global_average_pool(n, "nhwc")
    assert (s.shape, u.shape, gap.shape, gnhwc.shape) == ([3, 4], [1, 3, 4, 1], [2, 3, 1, 1], [2, 1, 1, 5])
    nv = data(2, 3, 4, 5)
    out = run(context, {"_builder": builder, "gap": gap, "gmp": gmp}, n=nv)
    np.testing.assert_allclose(out["gap"], nv.mean((2, 3), keepdims=True), rtol=1e-5)
    np.testing.assert_array_equal(out["gmp"], nv.max((2, 3), keepdims=True))
    with pytest.raises(ValueError, match="Global pooling input must be 4D"):
        builder.global_average_pool(s)
    with pytest.raises(ValueError, match="Invalid layout"):
        builder.global_max_pool(n, layout="chw")


def test_operators(context):
    builder = context.create_graph_builder()
    a, b = builder.input("a", [2, 2]), builder.input("b", [2, 2])
    outs = {"_builder": builder, "add": a + b, "rsub": 1 - a, "mul": a * 2, "div": a / b, "mm": a @ b,
            "neg": -a, "pow": a ** 2, "gt": a > b, "le": a <= 0.5, "abs": abs(a)}
    av, bv = data(2, 2), data(2, 2) + 3
    out = run(context, outs, a=av, b=bv)
    np.testing.assert_allclose(out["add"], av + bv)
    np.testing.assert_allclose(out["rsub"], 1 - av)
    np.testing.assert_allclose(out["mul"], av * 2)
    np.testing.assert_allclose(out["div"], av / bv, rtol=1e-6)
    np.testing.assert_allclose(out["mm"], av @ bv, rtol=1e-5)
    np.testing.assert_allclose(out["neg"], -av)
    np.testing.assert_allclose(out["pow"], av ** 2, rtol=1e-6)
    np.testing.assert_array_equal(out["gt"], (av > bv).astype(np.uint8))
    np.testing.assert_array_equal(out["le"], (av <= 0.5).astype(np.uint8))
    np.testing.assert_allclose(out["abs"], np.abs(av))
    assert {a: 1}[a] == 1 and a != b and a == a  # identity, not an op
    with pytest.raises(TypeError):
        a + "1"


def test_error_classes(context):
    builder = context.create_graph_builder()
    x = builder.input("x", [2, 3])
    for call in (lambda: builder.reshape(x, [5]), lambda: builder.softmax(x, 2),
                 lambda: builder.conv2d(x, x), lambda: builder.reduce_sum(x, [1, 1])):
        with pytest.raises(ValidationError) as info:
            call()
        assert isinstance(info.value, TypeError) and isinstance(info.value, ValueError)
    with pytest.raises(ValueError, match="axis 2 is out of bounds for rank 2"):
        builder.softmax(x, 2)
    tensor = context.create_tensor([2], "float32", True, False)  # readable, not writable
    with pytest.raises(RuntimeError, match="not writable"):
        context.write_tensor(tensor, np.zeros(2, np.float32))
    tensor.destroy()
    with pytest.raises(TensorStateError, match="destroyed") as info:
        context.read_tensor(tensor)
    assert isinstance(info.value, TypeError)


def test_tensors(context):
    default = context.create_tensor([2, 3], "float32")
    assert (default.readable, default.writable, default.exportable_to_gpu) == (False, False, False)
    flagged = context.create_tensor([2, 3], "float32", True, True, True)
    assert (flagged.readable, flagged.writable, flagged.exportable_to_gpu) == (True, True, True)
    host = context.create_host_tensor([2, 3], "float32")
    assert host.readable and host.writable and "shape=[2, 3]" in repr(host)

    builder = context.create_graph_builder()
    x = builder.input("x", [2, 3])
    graph = builder.build({"y": builder.add(x, builder.constant(np.ones((2, 3), np.float32)))})
    src, dst = context.create_device_tensor(graph, [2, 3], "float32"), context.create_device_tensor(graph, [2, 3], "float32")
    assert isinstance(src, webnn.MLDeviceTensor) and src.device == context.device_type
    v = data(2, 3)
    src.write(v)
    context.dispatch(graph, {"x": src}, {"y": dst})
    np.testing.assert_allclose(dst.read(), v + 1)
    with pytest.raises(webnn.NotSupportedError, match="not this context's device"):
        context.create_device_tensor(graph, [2], "float32", "cuda")


def test_async_context_tensors_default_to_read_write(context):
    wrapper = webnn.AsyncMLContext(context)
    tensor = wrapper.create_tensor([2], "float32")
    assert tensor.readable and tensor.writable
    asyncio.run(wrapper.write_tensor_async(tensor, np.array([1, 2], np.float32)))
    np.testing.assert_array_equal(asyncio.run(wrapper.read_tensor_async(tensor)), [1, 2])
    spec = wrapper.create_tensor({"dataType": "float32", "shape": [2]})
    assert not spec.readable and not spec.writable


def test_create_context_forms():
    ml = webnn.ML()
    context = ml.create_context("low-power", False, "cpu")
    assert (context.power_preference, context.device_type) == ("low-power", "cpu")
    assert ml.create_context(device_type="auto").device_type in ("cpu", "gpu", "npu")
    with pytest.raises(TypeError, match="at most 3 positional"):
        ml.create_context("default", True, "cpu", "extra")


def test_gpu_fallback_warns_once_and_shows_in_backend_info():
    ml = webnn.ML()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        context = ml.create_context(device_type="npu", backend="reference")
        ml.create_context(device_type="npu", backend="reference")
    messages = [str(w.message) for w in caught if "device_type='npu'" in str(w.message)]
    assert len(messages) <= 1  # once per process (an earlier test may have warned already)
    info = context.backend_info()
    assert info["requested_device"] == "npu" and "graphs run on the cpu" in info["device_fallback"]


def test_files(tmp_path, context):
    builder = context.create_graph_builder()
    x = builder.input("x", [4, 16])
    w = builder.constant(data(16, 16))
    graph = builder.build({"y": builder.matmul(x, w)})
    v = data(4, 16)
    expected = context.compute(graph, {"x": v})["y"]

    # pywebnn writes the JSON form into .webnn files
    graph.save(tmp_path / "m.json", quantized=True)
    assert json.loads((tmp_path / "m.json").read_text())["quantized"] is True
    (tmp_path / "m.json").rename(tmp_path / "m.webnn")
    (tmp_path / "m.json.safetensors").rename(tmp_path / "m.webnn.safetensors")
    loaded = webnn.MLGraph.load(str(tmp_path / "m.webnn"), weights_path=str(tmp_path / "m.webnn.safetensors"))
    np.testing.assert_array_equal(context.compute(loaded, {"x": v})["y"], expected)
    assert loaded.context is context  # bound to the first context that ran it
    with pytest.raises(TypeError, match="another context"):
        webnn.ML().create_context(backend="reference").compute(loaded, {"x": v})

    graph.save(tmp_path / "t.webnn", "manifest", quantized=True)
    header = [line for line in (tmp_path / "t.webnn").read_text().splitlines() if line.startswith("webnn_graph")]
    assert header and "@quantized" in header[0]
    (tmp_path / "t.webnn.weights").rename(tmp_path / "data.bin")
    loaded = webnn.MLGraph.load(tmp_path / "t.webnn", manifest_path=tmp_path / "t.webnn.manifest.json",
                                weights_path=tmp_path / "data.bin")
    np.testing.assert_array_equal(context.compute(loaded, {"x": v})["y"], expected)

    context.convert_to_onnx(graph, output_path=str(tmp_path / "m.onnx"))
    assert (tmp_path / "m.onnx").stat().st_size > 16 * 16 * 4
    import importlib.util

    if importlib.util.find_spec("coremltools") is not None:  # (the coreml extra)
        context.convert_to_coreml(graph, str(tmp_path / "m.mlpackage"))
        assert (tmp_path / "m.mlpackage" / "Manifest.json").is_file()


def test_context_managers():
    with webnn.ML().create_context(backend="reference") as context:
        builder = context.create_graph_builder()
        x = builder.input("x", [1])
        with builder.build({"y": builder.relu(x)}) as graph, context.create_host_tensor([1], "float32") as t:
            pass
        assert graph.destroyed and t.destroyed
    assert context.is_lost


def test_hub_local_folder_cache_and_download(tmp_path, monkeypatch):
    import functools
    import http.server
    import threading

    # a model on a local "hub" (an HTTP server), and the same files in a local folder
    builder = webnn.ML().create_context(backend="reference").create_graph_builder()
    x = builder.input("x", [2, 32])
    graph = builder.build({"y": builder.matmul(x, builder.constant(data(32, 4)))})
    repo = tmp_path / "site" / "owner" / "tiny" / "resolve" / "main"
    repo.mkdir(parents=True)
    graph.save(repo / "model.webnn", "manifest")
    (repo / "model.webnn.manifest.json").rename(repo / "manifest.json")
    (repo / "model.webnn.weights").rename(repo / "model.weights")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path / "site"))
    handler.log_message = lambda *args: None  # type: ignore[attr-defined]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("WEBNN_HUB_URL", f"http://127.0.0.1:{server.server_address[1]}")
    try:
        hub = webnn.Hub(tmp_path / "cache")
        files = hub.download_model("owner/tiny")
        assert hub.list_cached_models() == ["owner/tiny"]
        assert {k: open(p, "rb").read() for k, p in files.items()} == {
            k: (repo / n).read_bytes() for k, n in webnn.hub.FILES.items()}
        loaded = webnn.MLGraph.load(files["graph"], manifest_path=files["manifest"], weights_path=files["weights"])
        v = data(2, 32)
        np.testing.assert_allclose(loaded.context.compute(loaded, {"x": v})["y"],  # (a default context)
                                   graph.context.compute(graph, {"x": v})["y"], rtol=1e-5, atol=1e-6)
        local = hub.download_model(repo)  # a local folder: used as it is
        assert local["graph"] == str(repo / "model.webnn")
        with pytest.raises(RuntimeError, match="pass its path"):
            hub.download_model("owner/missing")
        with pytest.raises(FileNotFoundError, match="lacks model.webnn"):
            hub.download_model(tmp_path)
        hub.clear_cache("owner/tiny")
        assert hub.list_cached_models() == []
    finally:
        server.shutdown()


def test_graph_debug_helpers():
    context = webnn.ML().create_context(backend="reference")
    builder = context.create_graph_builder()
    x = builder.input("x", [2, 3])
    s = builder.constant("float32", 2.0)
    graph = builder.build({"y": builder.mul(x, s, label="scale")})
    texts = [graph.debug_operand(i) for i in range(graph.operand_count)]
    assert texts[0] == "Operand[0]: name='x', kind=input, type=float32, shape=[2, 3]"
    assert "kind=constant" in texts[1] and "shape=[]" in texts[1]
    assert "output of mul 'scale'" in texts[2] and "name='y'" in texts[2]
    assert "not found" in graph.debug_operand(99)
    assert graph.count_empty_shapes() == 1
