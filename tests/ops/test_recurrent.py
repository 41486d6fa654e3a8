"""Validation and numerics of gru, gru_cell, lstm and lstm_cell beyond the WPT cases.

The NumPy references below are written from the textbook GRU / LSTM equations
(float64, one gate at a time), independently of the reference kernels.
"""

from __future__ import annotations

import numpy as np
import pytest

import webnn
from webnn.ops import OPS

# --------------------------------------------------------------------------- NumPy references

ACT = {
    "sigmoid": lambda x: 1.0 / (1.0 + np.exp(-x)),
    "tanh": np.tanh,
    "relu": lambda x: np.where(x > 0, x, 0.0),
}


def split_gates(packed, names):
    """{gate name: its block of rows} for a packed weight / bias whose blocks follow ``names``."""
    if packed is None:
        return dict.fromkeys(names, 0.0)
    return dict(zip(names, np.split(np.asarray(packed, np.float64), len(names), axis=0)))


def ref_lstm_cell(x, h, c, W, R, B=None, RB=None, P=None, layout="iofg", acts=("sigmoid", "tanh", "tanh")):
    f_gate, f_cell, f_out = (ACT[a] for a in acts)
    w, r, b, rb = (split_gates(t, layout) for t in (W, R, B, RB))
    p = split_gates(P, "iof")
    pre = {k: x @ w[k].T + h @ r[k].T + b[k] + rb[k] for k in "iofg"}
    i = f_gate(pre["i"] + p["i"] * c)
    f = f_gate(pre["f"] + p["f"] * c)
    o = f_gate(pre["o"] + p["o"] * c)
    g = f_cell(pre["g"])
    c_next = f * c + i * g
    return o * f_out(c_next), c_next


def ref_gru_cell(x, h, W, R, B=None, RB=None, reset_after=True, layout="zrn", acts=("sigmoid", "tanh")):
    f_gate, f_new = (ACT[a] for a in acts)
    w, r, b, rb = (split_gates(t, layout) for t in (W, R, B, RB))
    z = f_gate(x @ w["z"].T + b["z"] + h @ r["z"].T + rb["z"])
    reset = f_gate(x @ w["r"].T + b["r"] + h @ r["r"].T + rb["r"])
    if reset_after:
        n = f_new(x @ w["n"].T + b["n"] + reset * (h @ r["n"].T + rb["n"]))
    else:
        n = f_new(x @ w["n"].T + b["n"] + (reset * h) @ r["n"].T + rb["n"])
    return (1.0 - z) * n + z * h


def ref_rnn(cell, x, num_states, weights, initial, direction):
    """Runs ``cell(x_t, *states, *weights[d])`` over time for each direction.

    Returns (final states stacked per direction, sequence [steps, dirs, batch, hidden]).
    """
    dirs = ["forward", "backward"] if direction == "both" else [direction]
    finals, sequences = [], []
    for d, name in enumerate(dirs):
        states = [s[d] for s in initial]
        xs = x[::-1] if name == "backward" else x
        outs = []
        for x_t in xs:
            result = cell(x_t, *states, *weights[d])
            states = list(result) if num_states > 1 else [result]
            outs.append(states[0])
        if name == "backward":
            outs = outs[::-1]
        finals.append(states)
        sequences.append(np.stack(outs))
    stacked = [np.stack([f[k] for f in finals]) for k in range(num_states)]
    return stacked, np.stack(sequences, axis=1)


# --------------------------------------------------------------------------- helpers


# Numeric tests take the shared ``context`` fixture (tests/conftest.py): they run on every backend.
# Validation happens in the builder, before any backend is involved: one backend is enough.


@pytest.fixture(scope="module")
def reference_context() -> webnn.MLContext:
    return webnn.ML().create_context(backend="reference")


@pytest.fixture
def builder(reference_context) -> webnn.MLGraphBuilder:
    return reference_context.create_graph_builder()


def rand(rng, *shape, dtype=np.float32):
    return rng.uniform(-1, 1, shape).astype(dtype)


def run(context, build, feeds, constants=()):
    """Builds a graph from ``build(builder, inputs) -> {name: operand}`` and computes it.

    Feeds named in ``constants`` become graph constants instead of inputs.
    """
    builder = context.create_graph_builder()
    ops: dict[str, webnn.MLOperand] = {}

    class Inputs:  # creates each graph input on first use, so that unused feeds are left out
        def __getitem__(self, name):
            if name not in ops:
                if name in constants:
                    ops[name] = builder.constant(feeds[name])
                else:
                    ops[name] = builder.input(name, list(feeds[name].shape), str(feeds[name].dtype))
            return ops[name]

    graph = builder.build(build(builder, Inputs()))
    return context.compute(graph, {name: feeds[name] for name in ops if name not in constants})


# --------------------------------------------------------------------------- numerics


@pytest.mark.parametrize("layout", ["iofg", "ifgo"])
def test_two_layer_bidirectional_lstm(context, layout) -> None:
    rng = np.random.default_rng(1)
    steps, batch, inputs, hidden = 5, 3, 4, 6
    dirs = 2
    feeds = {"x": rand(rng, steps, batch, inputs)}
    layers = []
    for layer, size in enumerate((inputs, 2 * hidden)):
        w = {
            f"w{layer}": rand(rng, dirs, 4 * hidden, size),
            f"r{layer}": rand(rng, dirs, 4 * hidden, hidden),
            f"b{layer}": rand(rng, dirs, 4 * hidden),
            f"rb{layer}": rand(rng, dirs, 4 * hidden),
            f"p{layer}": rand(rng, dirs, 3 * hidden),
            f"h{layer}": rand(rng, dirs, batch, hidden),
            f"c{layer}": rand(rng, dirs, batch, hidden),
        }
        feeds.update(w)
        layers.append(list(w))

    def lstm_layer(builder, ops, x, names):
        w, r, b, rb, p, h, c = (ops[n] for n in names)
        return builder.lstm(x, w, r, steps, hidden, {
            "bias": b, "recurrentBias": rb, "peepholeWeight": p, "initialHiddenState": h,
            "initialCellState": c, "returnSequence": True, "direction": "both", "layout": layout,
        })

    def to_layer_input(sequence):  # [steps, 2, batch, hidden] -> [steps, batch, 2 * hidden]
        return sequence.transpose(0, 2, 1, 3).reshape(steps, batch, 2 * hidden)

    # Layer 1, then layer 2 on layer 1's sequence (fed in as a new graph's input).
    out1 = run(context, lambda bld, ops: dict(zip(
        ("h", "c", "seq"), lstm_layer(bld, ops, ops["x"], layers[0]))), feeds)
    feeds2 = {k: v for k, v in feeds.items() if k != "x"} | {"x": to_layer_input(out1["seq"])}
    out2 = run(context, lambda bld, ops: dict(zip(
        ("h", "c", "seq"), lstm_layer(bld, ops, ops["x"], layers[1]))), feeds2)

    x = feeds["x"].astype(np.float64)
    for layer, out in enumerate((out1, out2)):
        w, r, b, rb, p, h, c = (feeds[n].astype(np.float64) for n in layers[layer])
        weights = [(w[d], r[d], b[d], rb[d], p[d], layout) for d in range(dirs)]
        (h_n, c_n), seq = ref_rnn(ref_lstm_cell, x, 2, weights, [h, c], "both")
        np.testing.assert_allclose(out["h"], h_n, rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(out["c"], c_n, rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(out["seq"], seq, rtol=1e-5, atol=1e-5)
        x = to_layer_input(seq)

    if "reshape" in OPS and "transpose" in OPS:  # the same two layers stacked in one graph
        def stacked(bld, ops):
            _, _, seq1 = lstm_layer(bld, ops, ops["x"], layers[0])
            x2 = bld.reshape(bld.transpose(seq1, {"permutation": [0, 2, 1, 3]}), [steps, batch, 2 * hidden])
            return dict(zip(("h", "c", "seq"), lstm_layer(bld, ops, x2, layers[1])))

        out = run(context, stacked, feeds)
        for name in ("h", "c", "seq"):
            np.testing.assert_allclose(out[name], out2[name], rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("layout", ["zrn", "rzn"])
@pytest.mark.parametrize("reset_after", [True, False])
def test_bidirectional_gru(context, layout, reset_after) -> None:
    rng = np.random.default_rng(2)
    steps, batch, inputs, hidden = 4, 2, 3, 5
    feeds = {
        "x": rand(rng, steps, batch, inputs), "w": rand(rng, 2, 3 * hidden, inputs),
        "r": rand(rng, 2, 3 * hidden, hidden), "b": rand(rng, 2, 3 * hidden),
        "rb": rand(rng, 2, 3 * hidden), "h": rand(rng, 2, batch, hidden),
    }
    out = run(context, lambda bld, o: dict(zip(("h", "seq"), bld.gru(
        o["x"], o["w"], o["r"], steps, hidden, bias=o["b"], recurrent_bias=o["rb"],
        initial_hidden_state=o["h"], reset_after=reset_after, return_sequence=True, direction="both",
        layout=layout))), feeds)
    f = {k: v.astype(np.float64) for k, v in feeds.items()}
    weights = [(f["w"][d], f["r"][d], f["b"][d], f["rb"][d], reset_after, layout) for d in range(2)]
    (h_n,), seq = ref_rnn(ref_gru_cell, f["x"], 1, weights, [f["h"]], "both")
    np.testing.assert_allclose(out["h"], h_n, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(out["seq"], seq, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("direction", ["forward", "backward"])
@pytest.mark.parametrize("acts", [("sigmoid", "tanh"), ("relu", "sigmoid"), ("tanh", "relu")])
def test_gru_directions_activations_default_state(context, direction, acts) -> None:
    rng = np.random.default_rng(3)
    steps, batch, inputs, hidden = 3, 2, 4, 3
    feeds = {"x": rand(rng, steps, batch, inputs), "w": rand(rng, 1, 3 * hidden, inputs),
             "r": rand(rng, 1, 3 * hidden, hidden)}
    out = run(context, lambda bld, o: dict(zip(("h", "seq"), bld.gru(
        o["x"], o["w"], o["r"], steps, hidden,
        {"returnSequence": True, "direction": direction, "activations": list(acts)}))), feeds)
    f = {k: v.astype(np.float64) for k, v in feeds.items()}
    (h_n,), seq = ref_rnn(ref_gru_cell, f["x"], 1, [(f["w"][0], f["r"][0], None, None, True, "zrn", acts)],
                          [np.zeros((1, batch, hidden))], direction)
    np.testing.assert_allclose(out["h"], h_n, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(out["seq"], seq, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("direction", ["forward", "backward", "both"])
@pytest.mark.parametrize("acts", [None, ("relu", "tanh", "sigmoid")])
def test_lstm_directions_activations(context, direction, acts) -> None:
    rng = np.random.default_rng(4)
    steps, batch, inputs, hidden = 4, 3, 2, 3
    dirs = 2 if direction == "both" else 1
    feeds = {"x": rand(rng, steps, batch, inputs), "w": rand(rng, dirs, 4 * hidden, inputs),
             "r": rand(rng, dirs, 4 * hidden, hidden), "b": rand(rng, dirs, 4 * hidden)}
    options = {"direction": direction, "activations": list(acts)} if acts else {"direction": direction}

    def build(bld, o):
        h, c = bld.lstm(o["x"], o["w"], o["r"], steps, hidden, options | {"bias": o["b"]})
        return {"h": h, "c": c}

    out = run(context, build, feeds)
    f = {k: v.astype(np.float64) for k, v in feeds.items()}
    weights = [(f["w"][d], f["r"][d], f["b"][d], None, None, "iofg", acts or ("sigmoid", "tanh", "tanh"))
               for d in range(dirs)]
    zeros = np.zeros((dirs, batch, hidden))
    (h_n, c_n), _ = ref_rnn(ref_lstm_cell, f["x"], 2, weights, [zeros, zeros], direction)
    np.testing.assert_allclose(out["h"], h_n, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(out["c"], c_n, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("layout", ["zrn", "rzn"])
@pytest.mark.parametrize("reset_after", [True, False])
@pytest.mark.parametrize("dtype", [np.float32, np.float16])
def test_gru_cell(context, layout, reset_after, dtype) -> None:
    rng = np.random.default_rng(5)
    batch, inputs, hidden = 3, 5, 4
    feeds = {"x": rand(rng, batch, inputs, dtype=dtype), "w": rand(rng, 3 * hidden, inputs, dtype=dtype),
             "r": rand(rng, 3 * hidden, hidden, dtype=dtype), "h": rand(rng, batch, hidden, dtype=dtype),
             "b": rand(rng, 3 * hidden, dtype=dtype), "rb": rand(rng, 3 * hidden, dtype=dtype)}
    out = run(context, lambda bld, o: {"h": bld.gru_cell(
        o["x"], o["w"], o["r"], o["h"], hidden,
        {"bias": o["b"], "recurrentBias": o["rb"], "resetAfter": reset_after, "layout": layout})}, feeds)
    f = {k: v.astype(np.float64) for k, v in feeds.items()}
    expected = ref_gru_cell(f["x"], f["h"], f["w"], f["r"], f["b"], f["rb"], reset_after, layout)
    assert out["h"].dtype == dtype
    tol = 1e-3 if dtype == np.float16 else 1e-5
    np.testing.assert_allclose(out["h"], expected, rtol=tol, atol=tol)


@pytest.mark.parametrize("layout", ["iofg", "ifgo"])
@pytest.mark.parametrize("peephole", [True, False])
@pytest.mark.parametrize("dtype", [np.float32, np.float16])
def test_lstm_cell(context, layout, peephole, dtype) -> None:
    rng = np.random.default_rng(6)
    batch, inputs, hidden = 2, 3, 5
    feeds = {"x": rand(rng, batch, inputs, dtype=dtype), "w": rand(rng, 4 * hidden, inputs, dtype=dtype),
             "r": rand(rng, 4 * hidden, hidden, dtype=dtype), "h": rand(rng, batch, hidden, dtype=dtype),
             "c": rand(rng, batch, hidden, dtype=dtype), "rb": rand(rng, 4 * hidden, dtype=dtype),
             "p": rand(rng, 3 * hidden, dtype=dtype)}

    def build(bld, o):
        options = {"recurrent_bias": o["rb"], "layout": layout, "activations": ["sigmoid", "relu", "tanh"]}
        if peephole:
            options["peephole_weight"] = o["p"]
        h, c = bld.lstm_cell(o["x"], o["w"], o["r"], o["h"], o["c"], hidden, **options)
        return {"h": h, "c": c}

    out = run(context, build, feeds)
    f = {k: v.astype(np.float64) for k, v in feeds.items()}
    h, c = ref_lstm_cell(f["x"], f["h"], f["c"], f["w"], f["r"], None, f["rb"], f["p"] if peephole else None,
                         layout, ("sigmoid", "relu", "tanh"))
    tol = 1e-3 if dtype == np.float16 else 1e-5
    assert out["h"].dtype == out["c"].dtype == dtype
    np.testing.assert_allclose(out["h"], h, rtol=tol, atol=tol)
    np.testing.assert_allclose(out["c"], c, rtol=tol, atol=tol)


def test_lstm_float16_larger(context) -> None:
    rng = np.random.default_rng(7)
    steps, batch, inputs, hidden = 6, 4, 8, 16
    feeds = {"x": rand(rng, steps, batch, inputs, dtype=np.float16),
             "w": (rand(rng, 1, 4 * hidden, inputs) / 2).astype(np.float16),
             "r": (rand(rng, 1, 4 * hidden, hidden) / 4).astype(np.float16)}
    out = run(context, lambda bld, o: dict(zip(("h", "c", "seq"), bld.lstm(
        o["x"], o["w"], o["r"], steps, hidden, return_sequence=True, layout="ifgo"))), feeds)
    f = {k: v.astype(np.float64) for k, v in feeds.items()}
    zeros = np.zeros((1, batch, hidden))
    (h_n, c_n), seq = ref_rnn(ref_lstm_cell, f["x"], 2, [(f["w"][0], f["r"][0], None, None, None, "ifgo")],
                              [zeros, zeros], "forward")
    assert out["seq"].dtype == np.float16
    np.testing.assert_allclose(out["seq"], seq, rtol=2e-3, atol=2e-3)
    np.testing.assert_allclose(out["c"], c_n, rtol=2e-3, atol=2e-3)


@pytest.mark.parametrize("case", [
    # direction, reset_after, layout, biases, initial state, constant weights, dtype, activations
    ("forward", True, "zrn", "both", True, True, "float32", None),
    ("backward", False, "rzn", "bias", False, True, "float32", ("tanh", "relu")),
    ("both", True, "rzn", "recurrent", True, False, "float32", ("sigmoid", "sigmoid")),
    ("both", False, "zrn", None, False, True, "float16", None),
    ("forward", False, "rzn", "both", True, False, "float16", ("relu", "tanh")),
    ("backward", True, "zrn", "recurrent", False, False, "float32", None),
    ("both", True, "zrn", "bias", True, True, "float16", ("tanh", "tanh")),
], ids=str)
def test_gru_options(context, case) -> None:
    direction, reset_after, layout, biases, initial, constant, dtype, acts = case
    rng = np.random.default_rng(8)
    steps, batch, inputs, hidden = 3, 2, 3, 4
    dirs = 2 if direction == "both" else 1
    feeds = {"x": rand(rng, steps, batch, inputs, dtype=dtype), "w": rand(rng, dirs, 3 * hidden, inputs, dtype=dtype),
             "r": rand(rng, dirs, 3 * hidden, hidden, dtype=dtype), "b": rand(rng, dirs, 3 * hidden, dtype=dtype),
             "rb": rand(rng, dirs, 3 * hidden, dtype=dtype), "h": rand(rng, dirs, batch, hidden, dtype=dtype)}
    use_b, use_rb = biases in ("both", "bias"), biases in ("both", "recurrent")

    def build(bld, o):
        options = {"direction": direction, "resetAfter": reset_after, "layout": layout, "returnSequence": True}
        options |= {"activations": list(acts)} if acts else {}
        options |= {"bias": o["b"]} if use_b else {}
        options |= {"recurrentBias": o["rb"]} if use_rb else {}
        options |= {"initialHiddenState": o["h"]} if initial else {}
        return dict(zip(("h", "seq"), bld.gru(o["x"], o["w"], o["r"], steps, hidden, options)))

    out = run(context, build, feeds, constants=("w", "r", "b", "rb", "h") if constant else ())
    f = {k: v.astype(np.float64) for k, v in feeds.items()}
    weights = [(f["w"][d], f["r"][d], f["b"][d] if use_b else None, f["rb"][d] if use_rb else None, reset_after,
                layout, acts or ("sigmoid", "tanh")) for d in range(dirs)]
    h0 = f["h"] if initial else np.zeros((dirs, batch, hidden))
    (h_n,), seq = ref_rnn(ref_gru_cell, f["x"], 1, weights, [h0], direction)
    tol = 2e-3 if dtype == "float16" else 1e-5
    assert out["h"].dtype == out["seq"].dtype == np.dtype(dtype)
    np.testing.assert_allclose(out["h"], h_n, rtol=tol, atol=tol)
    np.testing.assert_allclose(out["seq"], seq, rtol=tol, atol=tol)


@pytest.mark.parametrize("case", [
    # direction, layout, biases, peephole, initial states, constant weights, dtype, activations
    ("forward", "ifgo", "both", True, "both", True, "float32", None),
    ("backward", "iofg", "bias", True, None, False, "float32", ("tanh", "relu", "sigmoid")),
    ("both", "ifgo", "recurrent", True, "cell", True, "float32", None),
    ("both", "iofg", None, False, "hidden", False, "float16", ("sigmoid", "sigmoid", "relu")),
    ("forward", "ifgo", "both", True, "hidden", False, "float16", None),
    ("backward", "ifgo", "both", False, "both", True, "float16", ("relu", "tanh", "tanh")),
], ids=str)
def test_lstm_options(context, case) -> None:
    direction, layout, biases, peephole, initial, constant, dtype, acts = case
    rng = np.random.default_rng(9)
    steps, batch, inputs, hidden = 3, 2, 3, 4
    dirs = 2 if direction == "both" else 1
    feeds = {"x": rand(rng, steps, batch, inputs, dtype=dtype), "w": rand(rng, dirs, 4 * hidden, inputs, dtype=dtype),
             "r": rand(rng, dirs, 4 * hidden, hidden, dtype=dtype), "b": rand(rng, dirs, 4 * hidden, dtype=dtype),
             "rb": rand(rng, dirs, 4 * hidden, dtype=dtype), "p": rand(rng, dirs, 3 * hidden, dtype=dtype),
             "h": rand(rng, dirs, batch, hidden, dtype=dtype), "c": rand(rng, dirs, batch, hidden, dtype=dtype)}
    use_b, use_rb = biases in ("both", "bias"), biases in ("both", "recurrent")
    use_h, use_c = initial in ("both", "hidden"), initial in ("both", "cell")

    def build(bld, o):
        options = {"direction": direction, "layout": layout, "returnSequence": True}
        options |= {"activations": list(acts)} if acts else {}
        options |= {"bias": o["b"]} if use_b else {}
        options |= {"recurrentBias": o["rb"]} if use_rb else {}
        options |= {"peepholeWeight": o["p"]} if peephole else {}
        options |= {"initialHiddenState": o["h"]} if use_h else {}
        options |= {"initialCellState": o["c"]} if use_c else {}
        return dict(zip(("h", "c", "seq"), bld.lstm(o["x"], o["w"], o["r"], steps, hidden, options)))

    out = run(context, build, feeds, constants=("w", "r", "b", "rb", "p", "h", "c") if constant else ())
    f = {k: v.astype(np.float64) for k, v in feeds.items()}
    weights = [(f["w"][d], f["r"][d], f["b"][d] if use_b else None, f["rb"][d] if use_rb else None,
                f["p"][d] if peephole else None, layout, acts or ("sigmoid", "tanh", "tanh")) for d in range(dirs)]
    zeros = np.zeros((dirs, batch, hidden))
    (h_n, c_n), seq = ref_rnn(ref_lstm_cell, f["x"], 2, weights, [f["h"] if use_h else zeros,
                                                                  f["c"] if use_c else zeros], direction)
    tol = 2e-3 if dtype == "float16" else 1e-5
    assert out["h"].dtype == out["c"].dtype == out["seq"].dtype == np.dtype(dtype)
    for name, expected in (("h", h_n), ("c", c_n), ("seq", seq)):
        np.testing.assert_allclose(out[name], expected, rtol=tol, atol=tol, err_msg=name)


@pytest.mark.parametrize("dtype", ["float32", "float16"])
def test_cells_with_constant_operands(context, dtype) -> None:
    rng = np.random.default_rng(10)
    batch, inputs, hidden = 1, 2, 3
    feeds = {"x": rand(rng, batch, inputs, dtype=dtype), "h": rand(rng, batch, hidden, dtype=dtype),
             "c": rand(rng, batch, hidden, dtype=dtype),
             "gw": rand(rng, 3 * hidden, inputs, dtype=dtype), "gr": rand(rng, 3 * hidden, hidden, dtype=dtype),
             "gb": rand(rng, 3 * hidden, dtype=dtype), "lw": rand(rng, 4 * hidden, inputs, dtype=dtype),
             "lr": rand(rng, 4 * hidden, hidden, dtype=dtype), "lb": rand(rng, 4 * hidden, dtype=dtype),
             "lp": rand(rng, 3 * hidden, dtype=dtype)}

    def build(bld, o):
        gru_h = bld.gru_cell(o["x"], o["gw"], o["gr"], o["h"], hidden,
                             {"bias": o["gb"], "resetAfter": False, "layout": "rzn"})
        lstm_h, lstm_c = bld.lstm_cell(o["x"], o["lw"], o["lr"], o["h"], o["c"], hidden,
                                       {"recurrentBias": o["lb"], "peepholeWeight": o["lp"], "layout": "ifgo"})
        return {"gru": gru_h, "lstm_h": lstm_h, "lstm_c": lstm_c}

    out = run(context, build, feeds, constants=tuple(k for k in feeds if k != "x"))
    f = {k: v.astype(np.float64) for k, v in feeds.items()}
    tol = 2e-3 if dtype == "float16" else 1e-5
    expected_gru = ref_gru_cell(f["x"], f["h"], f["gw"], f["gr"], f["gb"], None, False, "rzn")
    h, c = ref_lstm_cell(f["x"], f["h"], f["c"], f["lw"], f["lr"], None, f["lb"], f["lp"], "ifgo")
    for name, expected in (("gru", expected_gru), ("lstm_h", h), ("lstm_c", c)):
        assert out[name].dtype == np.dtype(dtype)
        np.testing.assert_allclose(out[name], expected, rtol=tol, atol=tol, err_msg=name)


def test_backends_agree_closely(context) -> None:
    """A longer bidirectional LSTM and GRU: every backend within a few float32 ULPs of the reference."""
    rng = np.random.default_rng(11)
    steps, batch, inputs, hidden = 12, 3, 5, 8
    feeds = {"x": rand(rng, steps, batch, inputs), "lw": rand(rng, 2, 4 * hidden, inputs) / 2,
             "lr": rand(rng, 2, 4 * hidden, hidden) / 2, "lp": rand(rng, 2, 3 * hidden),
             "gw": rand(rng, 2, 3 * hidden, inputs) / 2, "gr": rand(rng, 2, 3 * hidden, hidden) / 2}

    def build(bld, o):
        lstm = bld.lstm(o["x"], o["lw"], o["lr"], steps, hidden,
                        {"peepholeWeight": o["lp"], "direction": "both", "returnSequence": True})
        gru = bld.gru(o["x"], o["gw"], o["gr"], steps, hidden, {"direction": "both", "returnSequence": True})
        return {"lstm": lstm[2], "gru": gru[1]}

    out = run(context, build, feeds)
    expected = run(webnn.ML().create_context(backend="reference"), build, feeds)
    for name in ("lstm", "gru"):
        np.testing.assert_allclose(out[name], expected[name], rtol=1e-6, atol=1e-6, err_msg=name)


# --------------------------------------------------------------------------- outputs


def test_output_lists_and_shapes(builder) -> None:
    x = builder.input("x", [5, 2, 3])
    gw, gr = builder.input("gw", [2, 12, 3]), builder.input("gr", [2, 12, 4])
    lw, lr = builder.input("lw", [1, 16, 3]), builder.input("lr", [1, 16, 4])
    out = builder.gru(x, gw, gr, 5, 4, {"direction": "both"})
    assert isinstance(out, list) and [o.shape for o in out] == [[2, 2, 4]]
    out = builder.gru(x, gw, gr, 5, 4, {"direction": "both", "returnSequence": True})
    assert [o.shape for o in out] == [[2, 2, 4], [5, 2, 2, 4]]
    out = builder.lstm(x, lw, lr, 5, 4, {"direction": "backward"})
    assert [o.shape for o in out] == [[1, 2, 4], [1, 2, 4]]
    out = builder.lstm(x, lw, lr, 5, 4, return_sequence=True)
    assert [o.shape for o in out] == [[1, 2, 4], [1, 2, 4], [5, 1, 2, 4]]
    x2, h = builder.input("x2", [2, 3]), builder.input("h", [2, 4])
    cell = builder.gru_cell(x2, builder.input("cw", [12, 3]), builder.input("cr", [12, 4]), h, 4)
    assert not isinstance(cell, list) and cell.shape == [2, 4]
    out = builder.lstm_cell(x2, builder.input("dw", [16, 3]), builder.input("dr", [16, 4]), h, h, 4)
    assert [o.shape for o in out] == [[2, 4], [2, 4]]


def test_support_limits_name_outputs() -> None:
    limits = webnn.ML().create_context().op_support_limits()
    assert {"output0", "output1", "output2", "peepholeWeight"} <= set(limits["lstm"])
    assert {"output0", "output1", "initialHiddenState"} <= set(limits["gru"])
    assert "output" in limits["gruCell"] and "output1" in limits["lstmCell"]


# --------------------------------------------------------------------------- validation


def lstm_args(builder, steps=3, batch=2, inputs=2, hidden=2, dirs=1, dtype="float32"):
    return (builder.input("x", [steps, batch, inputs], dtype), builder.input("w", [dirs, 4 * hidden, inputs], dtype),
            builder.input("r", [dirs, 4 * hidden, hidden], dtype), steps, hidden)


def gru_args(builder, steps=3, batch=2, inputs=2, hidden=2, dirs=1, dtype="float32"):
    return (builder.input("x", [steps, batch, inputs], dtype), builder.input("w", [dirs, 3 * hidden, inputs], dtype),
            builder.input("r", [dirs, 3 * hidden, hidden], dtype), steps, hidden)


def cell_args(builder, gates, batch=2, inputs=2, hidden=2, states=1, dtype="float32"):
    return (builder.input("x", [batch, inputs], dtype), builder.input("w", [gates * hidden, inputs], dtype),
            builder.input("r", [gates * hidden, hidden], dtype),
            *(builder.input(f"s{i}", [batch, hidden], dtype) for i in range(states)), hidden)


def test_lstm_weight_shape_message(builder) -> None:
    x, r = builder.input("x", [3, 2, 2]), builder.input("r", [1, 8, 2])
    w = builder.input("w", [1, 8, 3])
    with pytest.raises(TypeError, match=r"^lstm 'enc': weight shape \[1, 8, 3\] != "
                                        r"\[numDirections 1, 4 \* hiddenSize 8, inputSize 2\]$"):
        builder.lstm(x, w, r, 3, 2, label="enc")


def _invalid(builder, name):
    """(call, message regex) pairs of invalid calls of op ``name``."""
    b = builder
    count = iter(range(1000))
    other = b.context.create_graph_builder()

    def inp(shape, data_type="float32"):
        return b.input(f"in{next(count)}", shape, data_type)

    if name == "lstm":
        x, w, r, steps, hidden = lstm_args(b)
        return [
            (lambda: b.lstm(x, w, r, steps, hidden, direction="sideways"), r"direction must be one of"),
            (lambda: b.lstm(x, w, r, steps, hidden, {"direction": "both"}),
             r"weight shape \[1, 8, 2\] != \[numDirections 2,"),
            (lambda: b.lstm(x, w, r, steps, hidden, activations=["sigmoid", "tanh"]),
             r"activations must have 3 items, got 2"),
            (lambda: b.lstm(x, w, r, steps, hidden, activations=["sigmoid", "gelu", "tanh"]),
             r"activations\[1\] must be one of"),
            (lambda: b.lstm(x, w, r, steps, hidden, activations="tanh"), r"activations must be a sequence"),
            (lambda: b.lstm(x, w, r, 4, hidden), r"steps 4 != input shape\[0\] 3"),
            (lambda: b.lstm(x, w, r, 0, hidden), r"steps must be greater than 0"),
            (lambda: b.lstm(x, w, r, -1, hidden), r"steps -1 is out of range"),
            (lambda: b.lstm(x, w, r, steps, 0), r"hidden_size 0: hiddenSize \* 8 = 0 is not a valid"),
            (lambda: b.lstm(x, w, r, steps, 2**28), r"hidden_size 268435456: hiddenSize \* 8 = 2147483648 is not a valid"),
            (lambda: b.lstm(x, w, r, steps, 3), r"weight shape \[1, 8, 2\] != \[numDirections 1, 4 \* hiddenSize 12"),
            (lambda: b.lstm(x, w, r, steps, hidden, layout="zrn"), r"layout must be one of 'iofg', 'ifgo'"),
            (lambda: b.lstm(x, w, r, steps, hidden, return_sequence=1), r"return_sequence must be a bool"),
            (lambda: b.lstm(x, w, r, steps, hidden, bias=inp([1, 6])),
             r"bias shape \[1, 6\] != \[numDirections 1, 4 \* hiddenSize 8\]"),
            (lambda: b.lstm(x, w, r, steps, hidden, recurrent_bias=inp([8])), r"recurrent_bias rank 1"),
            (lambda: b.lstm(x, w, r, steps, hidden, peephole_weight=inp([1, 8])),
             r"peephole_weight shape \[1, 8\] != \[numDirections 1, 3 \* hiddenSize 6\]"),
            (lambda: b.lstm(x, w, r, steps, hidden, initial_cell_state=inp([1, 3, 2])),
             r"initial_cell_state shape \[1, 3, 2\] != \[numDirections 1, batchSize 2, hiddenSize 2\]"),
            (lambda: b.lstm(x, w, r, steps, hidden, initial_hidden_state=inp([1, 2, 2], "float16")),
             r"initial_hidden_state data type float16 is not allowed"),
            (lambda: b.lstm(inp([3, 2, 2, 1]), w, r, steps, hidden), r"input rank 4 is not allowed"),
            (lambda: other.lstm(*lstm_args(other, dtype="int32")),
             r"input data type int32 is not allowed"),
        ]
    if name == "gru":
        x, w, r, steps, hidden = gru_args(b)
        return [
            (lambda: b.gru(x, w, r, steps, hidden, direction="Both"), r"direction must be one of"),
            (lambda: b.gru(x, w, r, steps, hidden, layout="iofg"), r"layout must be one of 'zrn', 'rzn'"),
            (lambda: b.gru(x, w, r, steps, hidden, reset_after="yes"), r"reset_after must be a bool"),
            (lambda: b.gru(x, w, r, steps, hidden, activations=["sigmoid", "tanh", "tanh"]),
             r"activations must have 2 items, got 3"),
            (lambda: b.gru(x, w, r, 2, hidden), r"steps 2 != input shape\[0\] 3"),
            (lambda: b.gru(x, w, r, steps, 1.5), r"hidden_size must be an integer"),
            (lambda: b.gru(x, inp([1, 8, 2]), r, steps, hidden),
             r"weight shape \[1, 8, 2\] != \[numDirections 1, 3 \* hiddenSize 6, inputSize 2\]"),
            (lambda: b.gru(x, w, inp([1, 6, 3]), steps, hidden),
             r"recurrent_weight shape \[1, 6, 3\] != \[numDirections 1, 3 \* hiddenSize 6, hiddenSize 2\]"),
            (lambda: b.gru(x, w, r, steps, hidden, bias=inp([2, 6])),
             r"bias shape \[2, 6\] != \[numDirections 1, 3 \* hiddenSize 6\]"),
            (lambda: b.gru(x, w, r, steps, hidden, initial_hidden_state=inp([1, 2])),
             r"initial_hidden_state rank 2 is not allowed"),
            (lambda: b.gru(x, inp([1, 6, 2], "float16"), r, steps, hidden),
             r"weight data type float16 is not allowed"),
            (lambda: b.gru(x, w, r, steps, 2**29), r"hidden_size 536870912: hiddenSize \* 6 = 3221225472 is not a valid"),
        ]
    if name == "gru_cell":
        x, w, r, h, hidden = cell_args(b, 3)
        return [
            (lambda: b.gru_cell(x, w, r, inp([2, 3]), hidden),
             r"hidden_state shape \[2, 3\] != \[batchSize 2, hiddenSize 2\]"),
            (lambda: b.gru_cell(x, inp([6, 3]), r, h, hidden),
             r"weight shape \[6, 3\] != \[3 \* hiddenSize 6, inputSize 2\]"),
            (lambda: b.gru_cell(x, w, r, h, hidden, activations=["relu"]), r"activations must have 2 items, got 1"),
            (lambda: b.gru_cell(x, w, r, h, hidden, layout="nzr"), r"layout must be one of"),
            (lambda: b.gru_cell(x, w, r, h, hidden, recurrent_bias=inp([5])),
             r"recurrent_bias shape \[5\] != \[3 \* hiddenSize 6\]"),
            (lambda: b.gru_cell(x, w, r, h, 0), r"hidden_size 0"),
            (lambda: b.gru_cell(inp([1, 2, 2]), w, r, h, hidden), r"input rank 3 is not allowed"),
            (lambda: b.gru_cell(x, w, r, inp([2, 2], "float16"), hidden),
             r"hidden_state data type float16 is not allowed"),
        ]
    x, w, r, h, c, hidden = cell_args(b, 4, states=2)
    return [
        (lambda: b.lstm_cell(x, w, r, h, inp([3, 2]), hidden),
         r"cell_state shape \[3, 2\] != \[batchSize 2, hiddenSize 2\]"),
        (lambda: b.lstm_cell(x, w, inp([6, 2]), h, c, hidden),
         r"recurrent_weight shape \[6, 2\] != \[4 \* hiddenSize 8, hiddenSize 2\]"),
        (lambda: b.lstm_cell(x, w, r, h, c, hidden, activations=["relu", "relu"]),
         r"activations must have 3 items, got 2"),
        (lambda: b.lstm_cell(x, w, r, h, c, hidden, peephole_weight=inp([8])),
         r"peephole_weight shape \[8\] != \[3 \* hiddenSize 6\]"),
        (lambda: b.lstm_cell(x, w, r, h, c, hidden, bias=inp([1, 8])), r"bias rank 2 is not allowed"),
        (lambda: b.lstm_cell(x, w, r, h, c, hidden, {"layout": "rzn"}), r"layout must be one of"),
        (lambda: b.lstm_cell(x, w, r, h, c, -2), r"hidden_size -2 is out of range"),
        (lambda: other.lstm_cell(*cell_args(other, 4, states=2, dtype="int8")),
         r"input data type int8 is not allowed"),
    ]


@pytest.mark.parametrize("name", ["gru", "gru_cell", "lstm", "lstm_cell"])
def test_invalid_calls(builder, name) -> None:
    for call, message in _invalid(builder, name):
        with pytest.raises(TypeError, match=rf"^{name}: {message}"):
            call()


@pytest.mark.parametrize("name", ["gru", "gru_cell", "lstm", "lstm_cell"])
def test_invalid_call_names_label(builder, name) -> None:
    args = {"gru": gru_args, "lstm": lstm_args}.get(name)
    args = args(builder) if args else cell_args(builder, 3 if name == "gru_cell" else 4,
                                                states=1 if name == "gru_cell" else 2)
    with pytest.raises(TypeError, match=rf"^{name} 'lbl': activations must have"):
        getattr(builder, name)(*args, {"activations": ["relu"] * 5, "label": "lbl"})
