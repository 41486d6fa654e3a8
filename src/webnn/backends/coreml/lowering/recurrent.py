"""Recurrent networks (gru, gru_cell, lstm, lstm_cell), unrolled over their time steps (``steps``
is static) into MIL matmul / add / mul / sub / sigmoid / tanh / relu / slice / stack ops.

Each step follows the spec's cell decompositions (gruCell, lstmCell) with the gate rows picked by
``layout`` and the activations of ``activations``, in the reference's order of additions:
``act((bias + recurrentBias) + (x W^T + h R^T))`` (an lstm gate with a peephole adds
``cellState * peephole`` first; gru's new gate keeps its reset before or after the recurrent
matmul as ``reset_after`` says).  The networks (gru, lstm) run each direction over the steps
(backward: last step first), collecting the last states and, with ``return_sequence``, the
hidden state of every step at its input time step: the spec's gru / lstm decompositions.

``x W^T`` of every step is one matmul per direction (its rows are the same dot products as the
spec's per-gate matmuls).  MIL's own lstm / gru ops are not used: their gate orders, reset gate
and activation sets are CoreML's, not the spec's.  float16 graphs compute in float32 (as the
reference does) and round once at the end.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import FLOATS, OpLowering, lowering

#: Position of each gate's rows in the weights and biases, per layout.
GRU_GATES = {"zrn": {"z": 0, "r": 1, "n": 2}, "rzn": {"r": 0, "z": 1, "n": 2}}
LSTM_GATES = {"iofg": {"i": 0, "o": 1, "f": 2, "g": 3}, "ifgo": {"i": 0, "f": 1, "g": 2, "o": 3}}
#: Peephole weights are always input, output, forget.
PEEPHOLES = {"i": 0, "o": 1, "f": 2}


@dataclass
class _Weights:
    """One direction's parameters (float32 MIL values; a bias None where absent)."""

    weight: Any
    recurrent_weight: Any
    bias: Any | None
    recurrent_bias: Any | None
    peephole: Any | None = None


class _Net:
    """The MIL helpers of one recurrent operation."""

    def __init__(self, e: OpLowering) -> None:
        self.e = e
        self.mb = e.mb
        self.hidden_size = int(e.attrs["hidden_size"])
        self.activations = tuple(str(a) for a in e.attrs["activations"])

    def f32(self, name: str) -> Any | None:
        """Operand ``name`` in float32 (None when the op has none)."""
        return self.e.cast(self.e.input(name), "fp32") if self.e.has(name) else None

    def rows(self, var: Any, index: int, axis: int = -1) -> Any:
        """Gate ``index``'s rows (hidden_size of them along ``axis``) of a packed tensor."""
        shape = [int(d) for d in var.shape]
        axis %= len(shape)
        begin = [0] * len(shape)
        end = list(shape)
        begin[axis], end[axis] = index * self.hidden_size, (index + 1) * self.hidden_size
        return self.mb.slice_by_index(x=var, begin=begin, end=end)

    def at(self, var: Any, index: int) -> Any:
        """``var[index]`` (its first axis dropped)."""
        shape = [int(d) for d in var.shape]
        begin = [index] + [0] * (len(shape) - 1)
        end = [index + 1] + shape[1:]
        return self.mb.squeeze(x=self.mb.slice_by_index(x=var, begin=begin, end=end), axes=[0])

    def activation(self, index: int, x: Any) -> Any:
        return getattr(self.mb, self.activations[index])(x=x)

    def add(self, a: Any | None, b: Any) -> Any:
        """``a + b``; ``b`` where ``a`` is None (an absent bias)."""
        return b if a is None else self.mb.add(x=a, y=b)

    def bias_sum(self, weights: _Weights, index: int) -> Any | None:
        """Gate ``index``'s bias + recurrent bias (None when both are absent)."""
        parts = [self.rows(b, index) for b in (weights.bias, weights.recurrent_bias) if b is not None]
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else self.mb.add(x=parts[0], y=parts[1])

    def project(self, x: Any, weight: Any) -> Any:
        """``x W^T``."""
        return self.mb.matmul(x=x, y=weight, transpose_y=True)

    def zeros(self, batch_size: int) -> Any:
        return self.mb.const(val=np.zeros((batch_size, self.hidden_size), np.float32))

    def out(self, var: Any, index: int = 0) -> Any:
        """A float32 result as output ``index``'s type."""
        return self.e.cast(var, self.e.mil_type(index))


# --------------------------------------------------------------------------- gru


def _gru_step(net: _Net, x_proj: Any, h: Any, w: _Weights, layout: str, reset_after: bool) -> Any:
    """One gru step: the next hidden state of ``h`` given ``x_proj`` = ``x W^T`` (float32)."""
    mb, gates = net.mb, GRU_GATES[layout]
    h_proj = net.project(h, w.recurrent_weight)

    def gate(name: str) -> Any:
        k = gates[name]
        return net.activation(0, net.add(net.bias_sum(w, k), mb.add(x=net.rows(x_proj, k), y=net.rows(h_proj, k))))

    z, r = gate("z"), gate("r")
    k = gates["n"]
    if reset_after:
        recurrent = net.add(None if w.recurrent_bias is None else net.rows(w.recurrent_bias, k), net.rows(h_proj, k))
        n_pre = net.add(None if w.bias is None else net.rows(w.bias, k),
                        mb.add(x=net.rows(x_proj, k), y=mb.mul(x=r, y=recurrent)))
    else:
        recurrent = net.project(mb.mul(x=r, y=h), net.rows(w.recurrent_weight, k, axis=0))
        n_pre = net.add(net.bias_sum(w, k), mb.add(x=net.rows(x_proj, k), y=recurrent))
    n = net.activation(1, n_pre)
    one = net.e.like(1, z)
    return mb.add(x=mb.mul(x=z, y=h), y=mb.mul(x=n, y=mb.sub(x=one, y=z)))


@lowering("gru_cell", types=FLOATS)
def gru_cell(e: OpLowering) -> Any:
    net = _Net(e)
    w = _Weights(net.f32("weight"), net.f32("recurrent_weight"), net.f32("bias"), net.f32("recurrent_bias"))
    x_proj = net.project(net.f32("input"), w.weight)
    h = _gru_step(net, x_proj, net.f32("hidden_state"), w, str(e.attrs["layout"]), bool(e.attrs["reset_after"]))
    return net.out(h)


def _directions(direction: str) -> list[tuple[int, bool]]:
    """(index, backward) of each direction."""
    if direction == "both":
        return [(0, False), (1, True)]
    return [(0, direction == "backward")]


def _per_direction(net: _Net, name: str, d: int) -> Any | None:
    var = net.f32(name)
    return None if var is None else net.at(var, d)


def _sequence(net: _Net, per_direction: Sequence[list[Any]]) -> Any:
    """The hidden states of every step ([steps, numDirections, batchSize, hiddenSize]) of each
    direction's states in input time order."""
    return net.mb.stack(values=[net.mb.stack(values=states, axis=0) for states in per_direction], axis=1)


@lowering("gru", types=FLOATS)
def gru(e: OpLowering) -> Any:
    net, mb = _Net(e), e.mb
    steps, batch_size = int(e.attrs["steps"]), int(e.desc("input").shape[1])
    layout, reset_after = str(e.attrs["layout"]), bool(e.attrs["reset_after"])
    x = net.f32("input")
    finals, sequences = [], []
    for d, backward in _directions(str(e.attrs["direction"])):
        w = _Weights(_per_direction(net, "weight", d), _per_direction(net, "recurrent_weight", d),
                     _per_direction(net, "bias", d), _per_direction(net, "recurrent_bias", d))
        h = _per_direction(net, "initial_hidden_state", d)
        h = net.zeros(batch_size) if h is None else h
        x_proj = net.project(x, w.weight)  # [steps, batchSize, 3 * hiddenSize]
        states: list[Any] = [None] * steps
        for step in range(steps):
            t = steps - 1 - step if backward else step
            h = _gru_step(net, net.at(x_proj, t), h, w, layout, reset_after)
            states[t] = h
        finals.append(h)
        sequences.append(states)
    outputs = [net.out(mb.stack(values=finals, axis=0))]
    if bool(e.attrs["return_sequence"]):
        outputs.append(net.out(_sequence(net, sequences), 1))
    return outputs


# --------------------------------------------------------------------------- lstm


def _lstm_step(net: _Net, x_proj: Any, h: Any, c: Any, w: _Weights, layout: str) -> tuple[Any, Any]:
    """One lstm step: the next (hidden, cell) states given ``x_proj`` = ``x W^T`` (float32)."""
    mb, gates = net.mb, LSTM_GATES[layout]
    h_proj = net.project(h, w.recurrent_weight)
    pre = {name: net.add(net.bias_sum(w, k), mb.add(x=net.rows(x_proj, k), y=net.rows(h_proj, k)))
           for name, k in gates.items()}
    if w.peephole is not None:
        for name, k in PEEPHOLES.items():
            pre[name] = mb.add(x=mb.mul(x=c, y=net.rows(w.peephole, k)), y=pre[name])
    i, f, g, o = (net.activation(0, pre["i"]), net.activation(0, pre["f"]), net.activation(1, pre["g"]),
                  net.activation(0, pre["o"]))
    cell = mb.add(x=mb.mul(x=f, y=c), y=mb.mul(x=i, y=g))
    return mb.mul(x=o, y=net.activation(2, cell)), cell


@lowering("lstm_cell", types=FLOATS)
def lstm_cell(e: OpLowering) -> Any:
    net = _Net(e)
    w = _Weights(net.f32("weight"), net.f32("recurrent_weight"), net.f32("bias"), net.f32("recurrent_bias"),
                 net.f32("peephole_weight"))
    x_proj = net.project(net.f32("input"), w.weight)
    h, c = _lstm_step(net, x_proj, net.f32("hidden_state"), net.f32("cell_state"), w, str(e.attrs["layout"]))
    return [net.out(h, 0), net.out(c, 1)]


@lowering("lstm", types=FLOATS)
def lstm(e: OpLowering) -> Any:
    net, mb = _Net(e), e.mb
    steps, batch_size = int(e.attrs["steps"]), int(e.desc("input").shape[1])
    layout = str(e.attrs["layout"])
    x = net.f32("input")
    hiddens, cells, sequences = [], [], []
    for d, backward in _directions(str(e.attrs["direction"])):
        w = _Weights(_per_direction(net, "weight", d), _per_direction(net, "recurrent_weight", d),
                     _per_direction(net, "bias", d), _per_direction(net, "recurrent_bias", d),
                     _per_direction(net, "peephole_weight", d))
        h = _per_direction(net, "initial_hidden_state", d)
        c = _per_direction(net, "initial_cell_state", d)
        h = net.zeros(batch_size) if h is None else h
        c = net.zeros(batch_size) if c is None else c
        x_proj = net.project(x, w.weight)  # [steps, batchSize, 4 * hiddenSize]
        states: list[Any] = [None] * steps
        for step in range(steps):
            t = steps - 1 - step if backward else step
            h, c = _lstm_step(net, net.at(x_proj, t), h, c, w, layout)
            states[t] = h
        hiddens.append(h)
        cells.append(c)
        sequences.append(states)
    outputs = [net.out(mb.stack(values=hiddens, axis=0), 0), net.out(mb.stack(values=cells, axis=0), 1)]
    if bool(e.attrs["return_sequence"]):
        outputs.append(net.out(_sequence(net, sequences), 2))
    return outputs
