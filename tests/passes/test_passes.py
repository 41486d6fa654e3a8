"""Each pass on small graphs: what it changes, what it keeps, and the verifier's rules."""

from __future__ import annotations

from types import MappingProxyType

import numpy as np
import pytest

import webnn
from webnn.ir import Graph, OperandDescriptor, Operation
from webnn.passes import PassContext, VerificationError, run_pipeline, verify
from webnn.passes.decompose import DECOMPOSITIONS

F32 = "float32"


def reference() -> webnn.MLContext:
    return webnn.ML().create_context(backend="reference")


def build(make, context=None):
    """(context, the built MLGraph) of ``make(builder) -> {name: operand}``."""
    context = context or reference()
    builder = context.create_graph_builder()
    return context, builder.build(make(builder))


def types(graph: Graph) -> list[str]:
    return [op.type for op in graph.operations]


def run(graph: Graph, *names: str, **options) -> Graph:
    return run_pipeline(graph, names, PassContext(verify=True, **options))


def compute(context: webnn.MLContext, graph: Graph, feeds: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    return context._backend.compile(graph).run(feeds)


# ------------------------------------------------------------------ dce, cse, noop


def test_dce_drops_what_no_output_reads_but_keeps_inputs():
    def make(b):
        x = b.input("x", [2, 3], F32)
        return {"y": b.neg(x)}

    _, graph = build(make)
    # the builder already leaves unreachable ops out; add a dead op by hand
    g = graph.ir
    dead = Operation("relu", MappingProxyType({"input": g.inputs["x"]}), MappingProxyType({}), (len(g.operands),))
    with_dead = Graph(g.operands + (g.operands[g.inputs["x"]],), g.inputs, g.constants, g.operations + (dead,), g.outputs)
    assert types(run(with_dead, "noop")) == ["neg", "relu"]
    out = run(with_dead, "dce")
    assert types(out) == ["neg"]
    assert set(out.inputs) == {"x"}
    assert run(out, "dce") is out  # nothing left to do: the same object


def test_cse_merges_repeated_operations_and_equal_constants():
    def make(b):
        x = b.input("x", [4], F32)
        c1 = b.constant(np.full(4, 2, np.float32))
        c2 = b.constant(np.full(4, 2, np.float32))
        return {"y": b.add(b.mul(x, c1), b.mul(x, c2)), "z": b.relu(x), "w": b.relu(x)}

    context, graph = build(make)
    out = run(graph.ir, "cse", "dce")
    assert types(out).count("mul") == 1
    assert len(out.constants) == 1
    assert out.outputs["z"] == out.outputs["w"]  # one value, two output names
    x = np.array([1, -2, 3, -4], np.float32)
    got = compute(context, out, {"x": x})
    np.testing.assert_array_equal(got["y"], 4 * x)
    np.testing.assert_array_equal(got["z"], np.maximum(x, 0))
    np.testing.assert_array_equal(got["w"], np.maximum(x, 0))


def test_cse_tells_minus_zero_from_zero():
    def make(b):
        x = b.input("x", [2], F32)
        return {"y": b.add(b.clamp(x, min_value=0.0), b.clamp(x, min_value=-0.0))}

    _, graph = build(make)
    assert types(run(graph.ir, "cse", "dce")).count("clamp") == 2


def test_noop_removes_identities_and_cancelling_pairs():
    def make(b):
        x = b.input("x", [2, 3, 4], F32)
        y = b.identity(x)
        y = b.reshape(y, [2, 3, 4])
        y = b.cast(y, F32)
        y = b.transpose(y, permutation=[2, 0, 1])
        y = b.transpose(y, permutation=[1, 2, 0])  # cancels the previous one
        y = b.relu(y)
        y = b.reshape(b.reshape(y, [6, 4]), [24])
        return {"y": y}

    context, graph = build(make)
    out = run(graph.ir, "noop", "dce")
    assert types(out) == ["relu", "reshape"]
    x = np.random.default_rng(0).standard_normal((2, 3, 4)).astype(np.float32)
    np.testing.assert_array_equal(compute(context, out, {"x": x})["y"], np.maximum(x, 0).reshape(24))


def test_noop_keeps_an_output_identity_of_an_input():
    _, graph = build(lambda b: {"y": b.identity(b.input("x", [2], F32))})
    assert run(graph.ir, "noop", "dce") is graph.ir


# ------------------------------------------------------------------ fold


def test_fold_computes_constant_subgraphs_with_the_reference_kernels():
    def make(b):
        x = b.input("x", [3], F32)
        w = b.constant(np.array([1, 4, 9], np.float32))
        s = b.sqrt(w)  # constant: folded
        return {"y": b.mul(x, b.add(s, b.constant(np.ones(3, np.float32))))}

    context, graph = build(make)
    out = run(graph.ir, "fold", "dce")
    assert types(out) == ["mul"]
    (folded,) = [a for a in out.constants.values()]
    np.testing.assert_array_equal(folded, [2, 3, 4])
    assert not folded.flags.writeable


def test_fold_leaves_growth_and_outputs_alone():
    def make(b):
        x = b.input("x", [1000, 1000], F32)
        big = b.expand(b.constant(np.float32(1).reshape(())), [1000, 1000])  # 4 MB from 4 bytes
        return {"y": b.add(x, big), "z": b.neg(b.constant(np.ones(2, np.float32)))}

    _, graph = build(make)
    out = run(graph.ir, "fold", "dce")
    assert types(out) == ["expand", "add", "neg"]


def test_fold_respects_the_budget():
    from webnn.limits import Budget

    def make(b):
        x = b.input("x", [64], F32)
        return {"y": b.add(x, b.exp(b.constant(np.ones(64, np.float32))))}

    _, graph = build(make)
    assert types(run(graph.ir, "fold", "dce", budget=Budget(100, 10**6))) == ["exp", "add"]
    assert types(run(graph.ir, "fold", "dce", budget=Budget(10**6, 10**6))) == ["add"]


# ------------------------------------------------------------------ layout


def nhwc_block(b):
    x = b.input("x", [1, 8, 8, 3], F32)
    rng = np.random.default_rng(1)
    w1 = b.constant(rng.standard_normal((4, 3, 3, 3)).astype(np.float32))  # ohwi
    w2 = b.constant(rng.standard_normal((3, 3, 4, 5)).astype(np.float32))  # hwio
    bias = b.constant(rng.standard_normal(4).astype(np.float32))
    y = b.conv2d(x, w1, padding=[1, 1, 1, 1], input_layout="nhwc", filter_layout="ohwi")
    y = b.add(y, bias)
    y = b.clamp(y, min_value=0.0, max_value=6.0)
    y = b.conv2d(y, w2, input_layout="nhwc", filter_layout="hwio")
    y = b.max_pool2d(y, window_dimensions=[2, 2], strides=[2, 2], layout="nhwc")
    return {"y": b.relu(y)}


@pytest.mark.parametrize("target", ["nchw", "nhwc"])
def test_canonical_layout_then_sinking_leaves_one_transpose_each_way(target):
    context, graph = build(nhwc_block)
    passes = ("canonical_layout", "sink_transposes", "noop", "fold", "cse", "dce")
    out = run(graph.ir, *passes, layout=target)
    for op in out.operations:
        if op.type == "conv2d":
            assert (op.attrs["input_layout"], op.attrs["filter_layout"]) == (target, "oihw" if target == "nchw" else "ohwi")
        if op.type == "max_pool2d":
            assert op.attrs["layout"] == target
    assert types(out).count("transpose") == (2 if target == "nchw" else 0)
    x = np.random.default_rng(2).standard_normal((1, 8, 8, 3)).astype(np.float32)
    want = compute(context, graph.ir, {"x": x})["y"]
    np.testing.assert_allclose(compute(context, out, {"x": x})["y"], want, rtol=1e-5, atol=1e-5)


def residual_chain(b):
    """Three NCHW residual blocks: each block's sum is read by the next block's convolution and
    by its sum (the shape of MobileNetV2's inverted residuals)."""
    rng = np.random.default_rng(4)
    x = b.conv2d(b.input("x", [1, 4, 6, 6], F32), b.constant(rng.standard_normal((4, 4, 3, 3)).astype(np.float32)))
    for _ in range(3):
        w = b.constant(rng.standard_normal((4, 4, 1, 1)).astype(np.float32))
        x = b.add(x, b.relu(b.conv2d(x, w)))
    return {"y": x}


def test_sinking_moves_transposes_past_sums_that_other_convolutions_also_read():
    """In NHWC, the chain needs one transpose in and one out: a transpose read by a transpose
    back and by an elementwise op moves below that op too (they cancel where they meet)."""
    context, graph = build(residual_chain)
    out = run(graph.ir, "canonical_layout", "sink_transposes", "noop", "dce", layout="nhwc")
    assert types(out).count("transpose") == 2
    assert types(out).count("conv2d") == 4
    x = np.random.default_rng(5).standard_normal((1, 4, 6, 6)).astype(np.float32)
    np.testing.assert_allclose(compute(context, out, {"x": x})["y"], compute(context, graph.ir, {"x": x})["y"],
                               rtol=1e-5, atol=1e-5)


def test_sinking_keeps_a_transpose_that_a_graph_output_needs():
    """A transpose whose result is also a graph output stays (moving it would add one)."""
    def make(b):
        x = b.input("x", [1, 5, 5, 2], F32)
        w = b.constant(np.ones((3, 1, 1, 2), np.float32))  # ohwi
        y = b.conv2d(x, w, input_layout="nhwc", filter_layout="ohwi")
        return {"y": y, "z": b.relu(y)}

    context, graph = build(make)
    out = run(graph.ir, "canonical_layout", "sink_transposes", "noop", "dce", layout="nchw")
    assert types(out).count("transpose") == 2  # x in, the conv's result out: relu reads it there
    x = np.random.default_rng(6).standard_normal((1, 5, 5, 2)).astype(np.float32)
    for name in ("y", "z"):
        np.testing.assert_allclose(compute(context, out, {"x": x})[name], compute(context, graph.ir, {"x": x})[name])


def test_canonical_layout_alone_writes_the_transposes_back_only_where_needed():
    """Without the later passes: the residual chain in NHWC gets one transpose in and one out
    (each convolution's result stays NHWC for the elementwise ops and convolutions after it)."""
    context, graph = build(residual_chain)
    out = run(graph.ir, "canonical_layout", layout="nhwc")
    assert types(out).count("transpose") == 2
    assert len(out.operations) == len(graph.ir.operations) + 2
    x = np.random.default_rng(7).standard_normal((1, 4, 6, 6)).astype(np.float32)
    np.testing.assert_allclose(compute(context, out, {"x": x})["y"], compute(context, graph.ir, {"x": x})["y"],
                               rtol=1e-5, atol=1e-5)


def test_canonical_layout_transposes_back_once_for_other_readers():
    """A convolution's NHWC result read by a reshape (which needs NCHW) and by a bias add with a
    broadcast constant: one transpose back serves the reshape; the add runs in NHWC on the
    permuted constant, and its own result goes back once for the output."""
    def make(b):
        rng = np.random.default_rng(8)
        x = b.input("x", [1, 3, 5, 5], F32)
        y = b.conv2d(x, b.constant(rng.standard_normal((4, 3, 3, 3)).astype(np.float32)))
        bias = b.constant(rng.standard_normal((4, 1, 1)).astype(np.float32))
        return {"flat": b.reshape(y, [1, 36]), "z": b.relu(b.add(y, bias)), "w": b.sigmoid(y)}

    context, graph = build(make)
    out = run(graph.ir, "canonical_layout", layout="nhwc")
    # x in; y back (for the reshape; add, relu and sigmoid then read it there, y not being
    # free of readers that need NCHW)
    assert types(out).count("transpose") == 2
    rng = np.random.default_rng(9)
    x = rng.standard_normal((1, 3, 5, 5)).astype(np.float32)
    want = compute(context, graph.ir, {"x": x})
    got = compute(context, out, {"x": x})
    for name in want:
        np.testing.assert_allclose(got[name], want[name], rtol=1e-5, atol=1e-5)


def test_canonical_layout_runs_elementwise_ops_on_the_transposed_value():
    """A convolution read only by elementwise ops (one with a broadcast constant): they run in
    NHWC and a single transpose back makes each graph output."""
    def make(b):
        rng = np.random.default_rng(10)
        x = b.input("x", [1, 3, 5, 5], F32)
        y = b.conv2d(x, b.constant(rng.standard_normal((4, 3, 3, 3)).astype(np.float32)))
        bias = b.constant(rng.standard_normal((4, 1, 1)).astype(np.float32))
        z = b.mul(b.add(y, bias), y)
        return {"z": b.clamp(z, min_value=0.0, max_value=6.0)}

    context, graph = build(make)
    out = run(graph.ir, "canonical_layout", layout="nhwc")
    assert types(out) == ["transpose", "conv2d", "add", "mul", "clamp", "transpose"]
    x = np.random.default_rng(11).standard_normal((1, 3, 5, 5)).astype(np.float32)
    np.testing.assert_allclose(compute(context, out, {"x": x})["z"], compute(context, graph.ir, {"x": x})["z"],
                               rtol=1e-5, atol=1e-5)


def test_canonical_layout_keeps_batch_normalization_and_gates_in_the_target_layout():
    """conv -> batch_normalization (axis 1) -> relu -> squeeze-and-excite gate (a pooled, per
    channel [1, C, 1, 1] factor multiplied in) -> conv, to NHWC: the normalization runs along
    axis 3 and the gate's product broadcasts there too, so only the graph's input and output
    are transposed."""
    def make(b):
        rng = np.random.default_rng(12)
        x = b.input("x", [1, 3, 6, 6], F32)
        y = b.conv2d(x, b.constant(rng.standard_normal((4, 3, 3, 3)).astype(np.float32)), padding=[1, 1, 1, 1])
        stats = [b.constant(rng.uniform(0.5, 2, 4).astype(np.float32)) for _ in range(4)]
        y = b.relu(b.batch_normalization(y, stats[0], stats[1], scale=stats[2], bias=stats[3], axis=1))
        gate = b.sigmoid(b.conv2d(b.average_pool2d(y), b.constant(rng.standard_normal((4, 4, 1, 1)).astype(np.float32))))
        y = b.mul(y, gate)
        return {"y": b.conv2d(y, b.constant(rng.standard_normal((2, 4, 1, 1)).astype(np.float32)))}

    context, graph = build(make)
    out = run(graph.ir, "canonical_layout", layout="nhwc")
    assert types(out).count("transpose") == 2
    (norm,) = [op for op in out.operations if op.type == "batch_normalization"]
    assert norm.attrs["axis"] == 3
    x = np.random.default_rng(13).standard_normal((1, 3, 6, 6)).astype(np.float32)
    np.testing.assert_allclose(compute(context, out, {"x": x})["y"], compute(context, graph.ir, {"x": x})["y"],
                               rtol=1e-5, atol=1e-5)


def test_canonical_layout_keeps_a_feature_pyramid_in_the_target_layout():
    """A detector's neck: two convolutions, one upsampled (resample2d, nearest and linear) and
    added to the other, the sum and a constant joined (concat on the channel axis), a softmax
    over the channels, a channel mean kept as [1, 1, H, W] and a spatial mean dropped to [1, C].
    To NHWC every one of these runs on the transposed values, along the axes where the
    dimensions went: only the graph's input and its first output are transposed."""
    rng = np.random.default_rng(14)

    def make(b):
        x = b.input("x", [1, 3, 8, 8], F32)
        fine = b.conv2d(x, b.constant(rng.standard_normal((4, 3, 3, 3)).astype(np.float32)), padding=[1, 1, 1, 1])
        coarse = b.conv2d(x, b.constant(rng.standard_normal((4, 3, 3, 3)).astype(np.float32)), padding=[1, 1, 1, 1],
                          strides=[2, 2])
        up = b.resample2d(coarse, sizes=[8, 8], mode="nearest-neighbor")
        smooth = b.resample2d(coarse, scales=[2.0, 2.0], mode="linear", axes=[2, 3])
        total = b.add(b.add(fine, up), smooth)
        joined = b.concat([total, b.constant(rng.standard_normal((1, 2, 8, 8)).astype(np.float32))], 1)
        probs = b.softmax(joined, 1)
        y = b.conv2d(probs, b.constant(rng.standard_normal((2, 6, 1, 1)).astype(np.float32)))
        return {"y": y, "channel_mean": b.reduce_mean(total, axes=[1], keep_dimensions=True),
                "pooled": b.reduce_mean(total, axes=[2, 3])}

    context, graph = build(make)
    out = run(graph.ir, "canonical_layout", layout="nhwc")
    assert types(out).count("transpose") == 4  # the input, y, and the channel mean (a graph output each)
    assert {op.type: op.attrs.get("axes", op.attrs.get("axis")) for op in out.operations
            if op.type in ("resample2d", "concat", "softmax")} == {"resample2d": (1, 2), "concat": 3, "softmax": 3}
    assert sorted(op.attrs["axes"] for op in out.operations if op.type == "reduce_mean") == [(1, 2), (3,)]
    x = rng.standard_normal((1, 3, 8, 8)).astype(np.float32)
    want, got = compute(context, graph.ir, {"x": x}), compute(context, out, {"x": x})
    for name in want:
        np.testing.assert_allclose(got[name], want[name], rtol=1e-5, atol=1e-5, err_msg=name)


def test_canonical_layout_holds_a_reduction_whose_kept_axes_change_order():
    """reduce_sum over H of an NCHW value held as NHWC drops to [N, C, W] held as [N, W, C]."""
    rng = np.random.default_rng(15)

    def make(b):
        x = b.input("x", [1, 3, 5, 6], F32)
        y = b.conv2d(x, b.constant(rng.standard_normal((4, 3, 1, 1)).astype(np.float32)))
        return {"s": b.relu(b.reduce_sum(y, axes=[2]))}

    context, graph = build(make)
    out = run(graph.ir, "canonical_layout", layout="nhwc")
    assert types(out) == ["transpose", "conv2d", "reduce_sum", "relu", "transpose"]
    assert [op.attrs["permutation"] for op in out.operations if op.type == "transpose"][-1] == (0, 2, 1)
    x = rng.standard_normal((1, 3, 5, 6)).astype(np.float32)
    np.testing.assert_allclose(compute(context, out, {"x": x})["s"], compute(context, graph.ir, {"x": x})["s"],
                               rtol=1e-5, atol=1e-5)


def test_canonical_layout_keeps_a_transposed_filter_that_is_computed():
    def make(b):
        x = b.input("x", [1, 5, 5, 2], F32)
        w = b.input("w", [3, 3, 2, 4], F32)  # hwio, not a constant
        return {"y": b.conv2d(x, w, input_layout="nhwc", filter_layout="hwio")}

    context, graph = build(make)
    out = run(graph.ir, "canonical_layout", "sink_transposes", "noop", "dce")
    assert types(out).count("transpose") == 3
    rng = np.random.default_rng(3)
    feeds = {"x": rng.standard_normal((1, 5, 5, 2)).astype(np.float32),
             "w": rng.standard_normal((3, 3, 2, 4)).astype(np.float32)}
    np.testing.assert_allclose(compute(context, out, feeds)["y"], compute(context, graph.ir, feeds)["y"], rtol=1e-5, atol=1e-6)


# ------------------------------------------------------------------ decompose


@pytest.mark.parametrize("op_type", sorted(DECOMPOSITIONS))
@pytest.mark.parametrize("data_type", ["float32", "float16"])
def test_decompositions_match_the_formula(op_type, data_type):
    x_values = np.linspace(-8, 8, 97).astype(data_type)
    options = {"linear": {"alpha": 1.5, "beta": -0.25}, "hard_sigmoid": {"alpha": 0.3, "beta": 0.4}}.get(op_type, {})

    def make(b):
        return {"y": getattr(b, op_type)(b.input("x", [97], data_type), **options)}

    context, graph = build(make)
    out = run(graph.ir, "decompose", decompose=frozenset({op_type}))
    assert op_type not in types(out)
    x = x_values.astype(np.float64)
    formula = {
        "linear": lambda: 1.5 * x - 0.25,
        "hard_sigmoid": lambda: np.clip(0.3 * x + 0.4, 0, 1),
        "hard_swish": lambda: x * np.clip(x + 3, 0, 6) / 6,
    }[op_type]()
    got = compute(context, out, {"x": x_values})["y"]
    assert got.dtype == np.dtype(data_type)
    np.testing.assert_allclose(got.astype(np.float64), formula, rtol=2e-3 if data_type == "float16" else 1e-6,
                               atol=1e-3 if data_type == "float16" else 1e-6)


# ------------------------------------------------------------------ the verifier


def small_graph() -> Graph:
    _, graph = build(lambda b: {"y": b.relu(b.add(b.input("x", [2, 2], F32), b.constant(np.ones((2, 2), np.float32))))})
    return graph.ir


def replace(graph: Graph, **fields) -> Graph:
    parts = dict(operands=graph.operands, inputs=graph.inputs, constants=graph.constants,
                 operations=graph.operations, outputs=graph.outputs)
    parts.update(fields)
    return Graph(**parts)


def test_verify_accepts_a_builder_graph():
    verify(small_graph())


@pytest.mark.parametrize(
    "break_it, message",
    [
        (lambda g: replace(g, operands=g.operands[:-1] + (OperandDescriptor(F32, (3, 2)),)), "the spec infers"),
        (lambda g: replace(g, operations=g.operations[::-1]), "before it is defined"),
        (lambda g: replace(g, outputs={"y": g.inputs["x"]}), "not the result of an operation"),
        (lambda g: replace(g, outputs={"y": 99}), "not defined"),
        (lambda g: replace(g, outputs={}), "no outputs"),
        (lambda g: replace(g, constants={k: np.ones((2, 2), np.float16) for k in g.constants}), "constant"),
        (lambda g: replace(g, operations=(g.operations[0]._replace(outputs=(0,)),) + g.operations[1:]), "defined twice"),
        (lambda g: replace(g, operations=(g.operations[0]._replace(type="frobnicate"),) + g.operations[1:]), "not a WebNN operation"),
        (lambda g: replace(g, operations=g.operations[:1] + (g.operations[1]._replace(
            attrs=MappingProxyType({"bogus": 1})),)), "unknown attributes"),
        (lambda g: replace(g, operands=g.operands + (OperandDescriptor(F32, (1,)),)), "never defined"),
    ],
)
def test_verify_rejects_broken_graphs(break_it, message):
    with pytest.raises(VerificationError, match=message):
        verify(break_it(small_graph()))


def test_a_pass_that_breaks_the_graph_is_named(monkeypatch):
    from webnn.passes import pipeline

    def broken(graph, context):
        return replace(graph, outputs={"y": graph.inputs["x"]})

    monkeypatch.setitem(pipeline.PASSES, "broken", broken)
    with pytest.raises(VerificationError, match="after pass broken"):
        run(small_graph(), "broken")


def test_backends_run_their_pipeline_and_keep_the_user_graph():
    context, graph = build(lambda b: {"y": b.relu(b.identity(b.input("x", [2], F32)))})
    assert types(graph.ir) == ["identity", "relu"]
    assert types(graph.lowered_ir) == ["relu"]


def test_a_kernel_that_fails_while_folding_leaves_the_op_to_run_time(monkeypatch):
    from webnn.backends.reference.registry import KERNELS

    def make(b):
        x = b.input("x", [3], F32)
        return {"y": b.add(x, b.exp(b.constant(np.ones(3, np.float32))))}

    _, graph = build(make)

    def broken(**kwargs):
        raise MemoryError("no room")

    monkeypatch.setitem(KERNELS, "exp", broken)
    assert types(run(graph.ir, "fold", "dce")) == ["exp", "add"]
