"""Random multi-op graphs give the same results with every pass on and off.

Graphs are drawn by hypothesis from steps that give the passes something to do: layouts
(NHWC convolutions and pools, every filter layout), transposes and their inverses, reshapes,
ops along axes (resample2d, concat, softmax, reductions that keep or drop their axes),
elementwise chains with constants of every broadcast shape, constant subgraphs, repeated
operations and dead ends.  Both graphs run on the reference backend; the pipelines are
verified after every pass.
"""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import webnn
from webnn.passes import PassContext, run_pipeline
from webnn.passes.decompose import DECOMPOSITIONS

EVERY_PASS = ("canonical_layout", "decompose", "fold", "sink_transposes", "noop", "cse", "dce")
UNARY = ("relu", "neg", "abs", "sigmoid", "tanh", "identity", "hard_swish", "softsign")
BINARY = ("add", "sub", "mul", "max", "min")
SHAPE = (1, 4, 5, 6)
INVERSE = {(0, 2, 3, 1): (0, 3, 1, 2), (0, 3, 1, 2): (0, 2, 3, 1)}

CONTEXT = webnn.ML().create_context(backend="reference")


def _constant(b, rng, shape):
    return b.constant(rng.uniform(-2, 2, shape).astype(np.float32))


def _step(draw, b, values, rng):
    """Add one random operation on the values made so far; returns the new value or None."""
    x = values[-1] if draw(st.booleans()) else draw(st.sampled_from(values))  # (chains, often)
    shape = x.shape
    kind = draw(st.sampled_from(
        ["unary", "binary_value", "binary_constant", "transpose", "transpose_pair", "reshape", "conv", "pool",
         "constant_chain", "repeat", "clamp", "linear", "batch_norm", "gate", "resample", "concat", "softmax",
         "reduce"]))
    if kind == "unary":
        return getattr(b, draw(st.sampled_from(UNARY)))(x)
    if kind == "clamp":
        return b.clamp(x, min_value=-0.5, max_value=draw(st.sampled_from([0.5, 6.0])))
    if kind == "linear":
        return getattr(b, draw(st.sampled_from(["linear", "hard_sigmoid"])))(x, alpha=0.25, beta=0.5)
    if kind == "binary_value":
        same = [v for v in values if v.shape == shape]
        return getattr(b, draw(st.sampled_from(BINARY)))(x, draw(st.sampled_from(same)))
    if kind == "binary_constant":
        choice = draw(st.sampled_from(["scalar", "last", "full", "channel"]))
        cshape = {"scalar": (), "last": shape[-1:], "full": shape,
                  "channel": (shape[1], 1, 1) if len(shape) == 4 else shape[-1:]}[choice]
        c = _constant(b, rng, cshape)
        a, c = (x, c) if draw(st.booleans()) else (c, x)
        return getattr(b, draw(st.sampled_from(BINARY)))(a, c)
    if kind in ("transpose", "transpose_pair"):
        if len(shape) != 4:
            return None
        perm = draw(st.sampled_from(list(INVERSE)))
        y = b.transpose(x, permutation=list(perm))
        if kind == "transpose_pair":
            y = b.transpose(b.relu(y), permutation=list(INVERSE[perm]))
        return y
    if kind == "reshape":
        flat = b.reshape(x, [int(np.prod(shape))])
        return b.reshape(flat, list(shape))
    if kind == "conv":
        if len(shape) != 4:
            return None
        layout = draw(st.sampled_from(["nchw", "nhwc"]))
        filter_layout = draw(st.sampled_from(["oihw", "hwio", "ohwi", "ihwo"]))
        channels = shape[1] if layout == "nchw" else shape[3]
        depthwise = draw(st.booleans())
        groups, out = (channels, channels) if depthwise else (1, 3)
        dims = {"o": out, "i": channels // groups, "h": 3, "w": 3}
        w = _constant(b, rng, tuple(dims[a] for a in filter_layout))
        bias = _constant(b, rng, (out,)) if draw(st.booleans()) else None
        y = b.conv2d(x, w, padding=[1, 1, 1, 1], groups=groups, input_layout=layout,
                     filter_layout=filter_layout, bias=bias)
        if draw(st.booleans()):  # another step right on the result, held in the other layout
            z = _step(draw, b, [y], rng)
            return y if z is None else z
        return y
    if kind == "pool":
        if len(shape) != 4:
            return None
        op = draw(st.sampled_from(["average_pool2d", "max_pool2d", "l2_pool2d"]))
        layout = draw(st.sampled_from(["nchw", "nhwc"]))
        return getattr(b, op)(x, window_dimensions=[2, 2], padding=[1, 0, 1, 0], layout=layout)
    if kind == "constant_chain":
        c = b.exp(b.mul(_constant(b, rng, shape[-1:]), _constant(b, rng, ())))
        return b.add(x, c)
    if kind == "batch_norm":
        axis = draw(st.integers(0, len(shape) - 1))
        stats = [b.constant(rng.uniform(0.5, 2, shape[axis]).astype(np.float32)) for _ in range(4)]
        return b.batch_normalization(x, stats[0], stats[1], scale=stats[2], bias=stats[3], axis=axis)
    if kind == "gate":  # squeeze-and-excite: x times a per-channel factor that broadcasts
        if len(shape) != 4:
            return None
        return b.mul(x, b.sigmoid(b.average_pool2d(x)))
    if kind == "resample":
        if len(shape) != 4:
            return None
        axes = draw(st.sampled_from([(2, 3), (1, 2), (1, 3), (3, 2)]))
        sizes = [shape[axes[0]] + 1, shape[axes[1]] * 2]
        return b.resample2d(x, sizes=sizes, axes=list(axes), mode=draw(st.sampled_from(["nearest-neighbor", "linear"])))
    if kind == "concat":
        axis = draw(st.integers(0, len(shape) - 1))
        same = [v for v in values if v.shape == shape]
        other = draw(st.sampled_from(same)) if draw(st.booleans()) else _constant(b, rng, shape)
        return b.concat([x, other] if draw(st.booleans()) else [other, x], axis)
    if kind == "softmax":
        return b.softmax(x, draw(st.integers(0, len(shape) - 1)))
    if kind == "reduce":
        axes = draw(st.lists(st.integers(0, len(shape) - 1), min_size=1, max_size=len(shape), unique=True))
        keep = draw(st.booleans())
        if not keep and len(axes) == len(shape):
            return None
        op = draw(st.sampled_from(["reduce_mean", "reduce_sum", "reduce_max"]))
        return getattr(b, op)(x, axes=axes, keep_dimensions=keep)
    if kind == "repeat":  # the same operation twice: cse merges them
        return b.add(b.sigmoid(x), b.sigmoid(x))
    return None


@st.composite
def graphs(draw):
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    b = CONTEXT.create_graph_builder()
    x = b.input("x", SHAPE, "float32")
    values = [x]
    for _ in range(draw(st.integers(1, 8))):
        y = _step(draw, b, values, rng)
        if y is not None:
            values.append(y)
    computed = values[1:] or [b.identity(x)]
    outputs = {"y": computed[-1]}
    if len(computed) > 1 and draw(st.booleans()):
        outputs["z"] = draw(st.sampled_from(computed[:-1]))
    return b.build(outputs)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(graph=graphs(), layout=st.sampled_from(["nchw", "nhwc"]))
def test_every_pass_keeps_the_results(graph, layout):
    feeds = {"x": np.random.default_rng(7).uniform(-3, 3, SHAPE).astype(np.float32)}
    backend = CONTEXT._backend
    want = backend.compile(graph.ir).run(feeds)
    context = PassContext(decompose=frozenset(DECOMPOSITIONS), layout=layout, verify=True)
    lowered = run_pipeline(graph.ir, EVERY_PASS, context)
    got = backend.compile(lowered).run(feeds)
    assert got.keys() == want.keys()
    for name in want:
        assert got[name].shape == want[name].shape and got[name].dtype == want[name].dtype
        np.testing.assert_allclose(got[name], want[name], rtol=2e-5, atol=2e-5, err_msg=f"output {name}")
    # running the pipeline again never makes the graph larger
    again = run_pipeline(lowered, EVERY_PASS, PassContext(decompose=frozenset(DECOMPOSITIONS), layout=layout, verify=True))
    assert len(again.operations) <= len(lowered.operations)
