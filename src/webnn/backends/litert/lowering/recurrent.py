"""LiteRT lowerings: gru, gru_cell, lstm and lstm_cell, unrolled.

The spec's algorithms step by step, in the reference backend's order of additions
(``act((bias + recurrentBias) + (x W^T + h R^T))``): each gate's products are FULLY_CONNECTED
operators (TFLite's weights are [outputs, inputs], WebNN's own layout), with the gate's rows of
the weights and biases sliced once per operation (at build for constants); the gates are
LOGISTIC / TANH / RELU and the arithmetic ADD / SUB / MUL.  gru and lstm project every step's
input at once (one FULLY_CONNECTED per gate and direction, unpacked into steps), then run one
cell per step and direction (the backward direction in reverse time order); the results are
packed.

float16 computes in float32 (widened, each output rounded once), as the reference does.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from ..types import FLOAT32, FLOATS
from . import OpLowering, lowering

#: WebNN activation -> TFLite operator.
_ACTIVATIONS = {"relu": "RELU", "sigmoid": "LOGISTIC", "tanh": "TANH"}
#: The position of each gate's rows in the packed weights and biases, per layout.
_GRU_GATES = {"zrn": ("z", "r", "n"), "rzn": ("r", "z", "n")}
_LSTM_GATES = {"iofg": ("i", "o", "f", "g"), "ifgo": ("i", "f", "g", "o")}
#: Peephole weights are packed input, output, forget whatever the layout.
_PEEPHOLES = ("i", "o", "f")
#: Binary operator -> its options table.
_OPTIONS = {"ADD": "AddOptions", "SUB": "SubOptions", "MUL": "MulOptions"}

#: A gate's tensors, or None where the operation has none.
Gates = dict[str, int | None]
#: A direction's run: (direction, time order) -> (final states, hidden state per time step).
Run = Callable[[int, Sequence[int]], tuple[list[int], dict[int, int]]]


class _Cell:
    """The operators of one operation's cells: arithmetic on float32 [batch, hidden] tensors."""

    def __init__(self, e: OpLowering, hidden: int) -> None:
        self.e = e
        self.hidden = hidden

    def binary(self, operator: str, a: int, b: int) -> int:
        shape = max(self.e.writer.shape(a), self.e.writer.shape(b), key=len)
        return self.e.emit(operator, [a, b], shape, FLOAT32, self.e.options(_OPTIONS[operator]))

    def add(self, a: int | None, b: int) -> int:
        """``a + b`` (``b`` without an ``a``)."""
        return b if a is None else self.binary("ADD", a, b)

    def act(self, name: str, x: int) -> int:
        return self.e.emit(_ACTIVATIONS[name], [x], self.e.writer.shape(x), FLOAT32)

    def product(self, x: int, w: int) -> int:
        """``x @ w^T`` (``w`` [hidden, inputs])."""
        batch = self.e.writer.shape(x)[0]
        return self.e.emit("FULLY_CONNECTED", [x, w, -1], [batch, self.hidden], FLOAT32,
                           self.e.options("FullyConnectedOptions"))

    def rows(self, name: str, direction: int | None, index: int) -> int | None:
        """Rows ``index * hidden`` onwards (``hidden`` of them) of operand ``name`` (of ``direction``
        for a sequence op); None when the operation has no ``name``."""
        e = self.e
        if not e.has(name):
            return None
        value = e.constant_value(name)
        lead = () if direction is None else (direction,)
        start, size = index * self.hidden, self.hidden
        if value is not None:
            part = value[lead][start:start + size].astype(np.float32)
            return e.constant(np.ascontiguousarray(part), FLOAT32)
        shape = e.desc(name).shape
        begin = [*lead, start] + [0] * (len(shape) - len(lead) - 1)
        sizes = [1] * len(lead) + [size, *shape[len(lead) + 1:]]
        part = e.emit("SLICE", [e.input(name), e.i32(begin), e.i32(sizes)], sizes, FLOAT32)
        return self.reshape(part, sizes[len(lead):])

    def state(self, name: str, direction: int | None, batch: int) -> int:
        """The initial state ``name`` ([batch, hidden], of ``direction``), zeros without one."""
        e = self.e
        if not e.has(name):
            return e.constant(np.zeros((batch, self.hidden), np.float32), FLOAT32)
        if direction is None:
            return e.input(name)
        value = e.constant_value(name)
        if value is not None:
            return e.constant(np.ascontiguousarray(value[direction].astype(np.float32)), FLOAT32)
        part = e.emit("SLICE", [e.input(name), e.i32([direction, 0, 0]), e.i32([1, batch, self.hidden])],
                      [1, batch, self.hidden], FLOAT32)
        return self.reshape(part, [batch, self.hidden])

    def reshape(self, x: int, shape: Sequence[int]) -> int:
        return self.e.emit("RESHAPE", [x, self.e.i32(list(shape))], shape, self.e.writer.type(x))

    def stack(self, tensors: Sequence[int]) -> int:
        """``tensors`` (of one shape) stacked along a new first axis."""
        shape = [len(tensors), *self.e.writer.shape(tensors[0])]
        if len(tensors) == 1:
            return self.reshape(tensors[0], shape)
        return self.e.emit("PACK", list(tensors), shape, FLOAT32,
                           self.e.options("PackOptions", valuesCount=len(tensors), axis=0))

    def steps(self, x: int) -> list[int]:
        """The steps of ``x`` [steps, batch, inputs]: [batch, inputs] each."""
        steps, *rest = self.e.writer.shape(x)
        if steps == 1:
            return [self.reshape(x, rest)]
        parts = [self.e.tensor(rest, FLOAT32) for _ in range(steps)]
        self.e.writer.operator("UNPACK", [x], parts, self.e.options("UnpackOptions", num=steps, axis=0))
        return parts

    def projections(self, x: int, weights: Gates) -> list[dict[str, int]]:
        """``x W^T`` of each gate for each step of ``x`` ([steps, batch, inputs], or one step
        [batch, inputs]): one FULLY_CONNECTED per gate for all the steps."""
        shape = self.e.writer.shape(x)
        if len(shape) == 2:
            return [{name: self.product(x, w) for name, w in weights.items() if w is not None}]
        steps, batch, inputs = shape
        rows = self.reshape(x, [steps * batch, inputs])
        per_gate = {name: self.steps(self.reshape(self.product(rows, w), [steps, batch, self.hidden]))
                    for name, w in weights.items() if w is not None}
        return [{name: parts[t] for name, parts in per_gate.items()} for t in range(steps)]


# --------------------------------------------------------------------------- gru


class _Gru:
    """One direction's weights, gate by gate, and its step."""

    def __init__(self, cell: _Cell, direction: int | None) -> None:
        e = cell.e
        self.cell = cell
        self.reset_after = bool(e.attrs["reset_after"])
        self.f, self.g = e.attrs["activations"]
        gates = _GRU_GATES[e.attrs["layout"]]
        self.w: Gates = {g: cell.rows("weight", direction, k) for k, g in enumerate(gates)}
        self.r: Gates = {g: cell.rows("recurrent_weight", direction, k) for k, g in enumerate(gates)}
        self.b: Gates = {g: cell.rows("bias", direction, k) for k, g in enumerate(gates)}
        self.rb: Gates = {g: cell.rows("recurrent_bias", direction, k) for k, g in enumerate(gates)}
        # (bias + recurrent bias) of z and r, and of n without reset_after
        self.both = {g: self._sum(self.b[g], self.rb[g]) for g in gates if g != "n" or not self.reset_after}
        self.one = e.constant(np.ones(1, np.float32), FLOAT32)

    def _sum(self, a: int | None, b: int | None) -> int | None:
        if a is None or b is None:
            return a if b is None else b
        return self.cell.binary("ADD", a, b)

    def step(self, xw: dict[str, int], h: int) -> int:
        """The next hidden state, from the step's input projections ``xw`` and the hidden state."""
        c = self.cell
        gate = {}
        for name in ("z", "r"):
            r = self.r[name]
            assert r is not None
            products = c.binary("ADD", xw[name], c.product(h, r))
            gate[name] = c.act(self.f, c.add(self.both[name], products))
        rn = self.r["n"]
        assert rn is not None
        if self.reset_after:
            hn = c.add(self.rb["n"], c.product(h, rn))
            products = c.binary("ADD", xw["n"], c.binary("MUL", gate["r"], hn))
            n = c.act(self.g, c.add(self.b["n"], products))
        else:
            hn = c.product(c.binary("MUL", gate["r"], h), rn)
            n = c.act(self.g, c.add(self.both["n"], c.binary("ADD", xw["n"], hn)))
        kept = c.binary("MUL", gate["z"], h)
        return c.binary("ADD", kept, c.binary("MUL", n, c.binary("SUB", self.one, gate["z"])))


@lowering("gru_cell", types=FLOATS)
def gru_cell(e: OpLowering) -> int:
    cell = _Cell(e, int(e.attrs["hidden_size"]))
    gru = _Gru(cell, None)
    return gru.step(cell.projections(e.input("input"), gru.w)[0], e.input("hidden_state"))


@lowering("gru", types=FLOATS)
def gru(e: OpLowering) -> list[int]:
    cell = _Cell(e, int(e.attrs["hidden_size"]))
    steps, batch, _ = e.desc("input").shape

    def run(direction: int, order: Sequence[int]) -> tuple[list[int], dict[int, int]]:
        gru = _Gru(cell, direction)
        xw = cell.projections(e.input("input"), gru.w)
        h = cell.state("initial_hidden_state", direction, batch)
        hiddens = {}
        for t in order:
            h = hiddens[t] = gru.step(xw[t], h)
        return [h], hiddens

    return _sequence_outputs(e, cell, run, steps)


# --------------------------------------------------------------------------- lstm


class _Lstm:
    """One direction's weights, gate by gate, and its step."""

    def __init__(self, cell: _Cell, direction: int | None) -> None:
        e = cell.e
        self.cell = cell
        self.f1, self.f2, self.f3 = e.attrs["activations"]
        gates = _LSTM_GATES[e.attrs["layout"]]
        self.w: Gates = {g: cell.rows("weight", direction, k) for k, g in enumerate(gates)}
        self.r: Gates = {g: cell.rows("recurrent_weight", direction, k) for k, g in enumerate(gates)}
        bias = {g: cell.rows("bias", direction, k) for k, g in enumerate(gates)}
        recurrent_bias = {g: cell.rows("recurrent_bias", direction, k) for k, g in enumerate(gates)}
        self.bias: Gates = {}
        for g in gates:
            b, rb = bias[g], recurrent_bias[g]
            self.bias[g] = rb if b is None else b if rb is None else cell.binary("ADD", b, rb)
        self.peephole: Gates = {g: cell.rows("peephole_weight", direction, k)
                                for k, g in enumerate(_PEEPHOLES)}

    def step(self, xw: dict[str, int], h: int, c: int) -> tuple[int, int]:
        """The next hidden and cell states, from the step's input projections ``xw`` and the states."""
        cell = self.cell
        pre = {}
        for name, r in self.r.items():
            assert r is not None
            pre[name] = cell.add(self.bias[name], cell.binary("ADD", xw[name], cell.product(h, r)))
            peephole = self.peephole.get(name)
            if peephole is not None:
                pre[name] = cell.binary("ADD", cell.binary("MUL", c, peephole), pre[name])
        i, f = cell.act(self.f1, pre["i"]), cell.act(self.f1, pre["f"])
        g, o = cell.act(self.f2, pre["g"]), cell.act(self.f1, pre["o"])
        state = cell.binary("ADD", cell.binary("MUL", f, c), cell.binary("MUL", i, g))
        return cell.binary("MUL", o, cell.act(self.f3, state)), state


@lowering("lstm_cell", types=FLOATS)
def lstm_cell(e: OpLowering) -> list[int]:
    cell = _Cell(e, int(e.attrs["hidden_size"]))
    lstm = _Lstm(cell, None)
    xw = cell.projections(e.input("input"), lstm.w)[0]
    h, c = lstm.step(xw, e.input("hidden_state"), e.input("cell_state"))
    return [h, c]


@lowering("lstm", types=FLOATS)
def lstm(e: OpLowering) -> list[int]:
    cell = _Cell(e, int(e.attrs["hidden_size"]))
    steps, batch, _ = e.desc("input").shape

    def run(direction: int, order: Sequence[int]) -> tuple[list[int], dict[int, int]]:
        lstm = _Lstm(cell, direction)
        xw = cell.projections(e.input("input"), lstm.w)
        h = cell.state("initial_hidden_state", direction, batch)
        c = cell.state("initial_cell_state", direction, batch)
        hiddens = {}
        for t in order:
            h, c = lstm.step(xw[t], h, c)
            hiddens[t] = h
        return [h, c], hiddens

    return _sequence_outputs(e, cell, run, steps)


# --------------------------------------------------------------------------- directions


def _sequence_outputs(e: OpLowering, cell: _Cell, run: Run, steps: int) -> list[int]:
    """The outputs of gru / lstm: each final state stacked over the directions, then the sequence
    [steps, directions, batch, hidden] when asked for; ``run(direction, time order)`` gives a
    direction's final states and its hidden state per time step."""
    direction = e.attrs["direction"]
    finals, hiddens = [], []
    for d in range(2 if direction == "both" else 1):
        backward = d == 1 or direction == "backward"
        states, per_step = run(d, range(steps - 1, -1, -1) if backward else range(steps))
        finals.append(states)
        hiddens.append(per_step)
    outputs = [cell.stack([states[k] for states in finals]) for k in range(len(finals[0]))]
    if e.attrs["return_sequence"]:
        outputs.append(cell.stack([cell.stack([per_step[t] for per_step in hiddens]) for t in range(steps)]))
    return outputs
