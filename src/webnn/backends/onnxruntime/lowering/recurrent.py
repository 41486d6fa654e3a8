"""ONNX lowerings: recurrent ops (gru, gru_cell, lstm, lstm_cell).

The recurrence is unrolled over its (static) steps into Gemm / Add / Mul /
activation nodes that follow the spec's emulation code, and the reference
kernels, operation for operation: the same sums in the same order
(``act((bias + recurrentBias) + (x W^T + h R^T))``), the peepholes on the
incoming cell state (ONNX's LSTM uses the new one for the output gate), custom
activations, both layouts.  ONNX's GRU / LSTM nodes are not used: they round
differently and their LSTM peephole differs.

Gates are reordered at lowering time (in NumPy for constant weights, with
Split / Concat once per direction otherwise) into one canonical order per op,
so that each step activates contiguous blocks: GRU ``z r | n`` (n always last)
and LSTM ``i o f | g`` (i, o, f in the peephole's order).  The input projection
of every step is one Gemm over the whole sequence.  float16 operands are
computed in float32 and rounded once at the end, like the reference.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from ....ir import Operation
from ..emitter import OpEmitter
from . import lowering

_ACTIVATIONS = {"relu": "Relu", "sigmoid": "Sigmoid", "tanh": "Tanh"}
#: Canonical gate order: the position of each canonical gate in the op's layout.
_GRU_ORDER = {"zrn": (0, 1, 2), "rzn": (1, 0, 2)}          # z, r, n
_LSTM_ORDER = {"iofg": (0, 1, 2, 3), "ifgo": (0, 3, 1, 2)}  # i, o, f, g

#: A float32 value: a NumPy array (a graph constant, kept in NumPy while it can be) or an ONNX
#: value name; None stands for an absent operand (or a state of zeros).
Value = np.ndarray | str | None


class _Lowering:
    """Helpers shared by the four ops, around the emitter."""

    def __init__(self, e: OpEmitter, op: Operation) -> None:
        self.e = e
        self.op = op
        self.hidden = op.attrs["hidden_size"]
        self.float16 = e.input_desc("input").data_type == "float16"
        #: id(array) -> (constant name, array): the array is kept so that its id stays unique.
        self._constants: dict[int, tuple[str, np.ndarray]] = {}

    # ------------------------------------------------------------------ operands
    def operand(self, name: str) -> Value:
        """Input ``name`` as float32 (None when absent)."""
        e = self.e
        value = e.optional(name)
        if value is None:
            return None
        array = e.constant_value(name)
        if array is not None:
            return np.asarray(array, np.float32)
        return e.cast(value, "float32") if self.float16 else value

    def name(self, value: Value) -> str:
        """The ONNX value of ``value``; a NumPy array becomes a constant (once)."""
        assert value is not None
        if not isinstance(value, np.ndarray):
            return value
        cached = self._constants.get(id(value))
        if cached is None:
            cached = self._constants[id(value)] = (
                self.e.constant(np.ascontiguousarray(value, np.float32), "float32"), value)
        return cached[0]

    def operand_of_direction(self, name: str, d: int | None) -> Value:
        """Direction ``d`` of input ``name`` (a ``[numDirections, ...]`` operand), as float32."""
        value = self.operand(name)
        return None if value is None else self.direction(value, self.e.input_desc(name).shape, d)

    def direction(self, value: Value, shape: Sequence[int], d: int | None) -> Value:
        """Direction ``d`` of a ``[numDirections, ...]`` operand (``shape`` its full shape)."""
        if value is None or d is None:
            return value
        if isinstance(value, np.ndarray):
            return value[d]
        e = self.e
        if shape[0] != 1:
            value = e.node("Gather", [value, e.i64([d])], axis=0)
        return e.node("Reshape", [value, e.i64(list(shape[1:]))])

    def gates(self, value: Value, order: Sequence[int], count: int, start: int = 0, stop: int | None = None) -> Value:
        """Rows (axis 0) of a packed weight / bias, gate blocks ``order[start:stop]`` in that order.

        ``count`` is the number of gate blocks in the packed operand.
        """
        if value is None:
            return None
        h = self.hidden
        picked = list(order[start:stop])
        if isinstance(value, np.ndarray):
            return np.concatenate([value[g * h:(g + 1) * h] for g in picked])
        e = self.e
        if picked == list(range(count)):
            return value
        if picked == list(range(picked[0], picked[0] + len(picked))):
            return e.node("Slice", [value, e.i64([picked[0] * h]), e.i64([(picked[-1] + 1) * h]), e.i64([0])])
        blocks = e.nodes("Split", [value], count, axis=0, num_outputs=count)
        return e.node("Concat", [blocks[g] for g in picked], axis=0)

    def add(self, a: Value, b: Value) -> Value:
        """a + b, where None is an absent term."""
        if a is None:
            return b
        if b is None:
            return a
        if isinstance(a, np.ndarray) and isinstance(b, np.ndarray):
            return a + b  # float32 arithmetic, as ONNX Runtime's Add
        return self.e.node("Add", [self.name(a), self.name(b)])

    def mul(self, a: Value, b: Value) -> str:
        return self.e.node("Mul", [self.name(a), self.name(b)])

    def matmul(self, x: str, weight: Value) -> str:
        """x @ weight^T (weight ``[rows, k]``); constant weights are transposed in NumPy."""
        if isinstance(weight, np.ndarray):
            return self.e.node("Gemm", [x, self.name(np.ascontiguousarray(weight.T))])
        return self.e.node("Gemm", [x, self.name(weight)], transB=1)

    def split(self, value: str, sizes: Sequence[int], axis: int = 1) -> list[str]:
        if len(sizes) == 1:
            return [value]
        if len(set(sizes)) == 1:
            return self.e.nodes("Split", [value], len(sizes), axis=axis, num_outputs=len(sizes))
        return self.e.nodes("Split", [value, self.e.i64(list(sizes))], len(sizes), axis=axis)

    def activate(self, name: str, value: str) -> str:
        return self.e.node(_ACTIVATIONS[name], [value])

    def projections(self, x: str, weight: Value, steps: int, batch: int) -> list[str]:
        """x @ weight^T for every step of ``x`` ``[steps * batch, inputSize]``: ``[batch, rows]`` each."""
        return self.split(self.matmul(x, weight), [batch] * steps, axis=0)

    def sequence_input(self) -> tuple[str, int, int]:
        """The ``[steps, batch, inputSize]`` input as float32 ``[steps * batch, inputSize]``."""
        e = self.e
        steps, batch, size = e.input_desc("input").shape
        x = self.operand("input")
        if isinstance(x, np.ndarray):
            return self.name(x.reshape(steps * batch, size)), steps, batch
        assert x is not None
        return e.node("Reshape", [x, e.i64([steps * batch, size])]), steps, batch

    def result(self, value: str) -> str:
        return self.e.cast(value, "float16") if self.float16 else value

    def stack(self, values: list[str], shape: Sequence[int]) -> str:
        """``values`` (each ``[batch, hidden]``) stacked along a new first axis, reshaped to ``shape``."""
        e = self.e
        if len(values) == 1:
            return self.result(e.node("Reshape", [values[0], e.i64(list(shape))]))
        parts = [e.node("Unsqueeze", [v, e.i64([0])]) for v in values]
        stacked = e.node("Concat", parts, axis=0)
        if len(shape) != 3:
            stacked = e.node("Reshape", [stacked, e.i64(list(shape))])
        return self.result(stacked)

    def run_directions(self, step_fn: Callable[[int, int, list[Value]], list[str]], states: list[list[Value]],
                       steps: int, direction: str, return_sequence: bool, num_states: int) -> list[str]:
        """Runs ``step_fn(d, t, states) -> states`` per direction (``states[k][d]``: state k's
        initial value in direction d); returns the op's outputs."""
        num_directions = 2 if direction == "both" else 1
        batch = self.e.input_desc("input").shape[1]
        finals: list[list[str]] = []
        hiddens: dict[tuple[int, int], str] = {}
        for d in range(num_directions):
            backward = d == 1 or direction == "backward"
            current: list[Value] = [s[d] for s in states]
            final: list[str] = []
            for t in (range(steps - 1, -1, -1) if backward else range(steps)):
                final = step_fn(d, t, current)
                current = list(final)
                hiddens[t, d] = final[0]
            finals.append(final)
        shape = [num_directions, batch, self.hidden]
        outputs = [self.stack([f[k] for f in finals], shape) for k in range(num_states)]
        if return_sequence:
            order = [hiddens[t, d] for t in range(steps) for d in range(num_directions)]
            outputs.append(self.stack(order, [steps, num_directions, batch, self.hidden]))
        return outputs


# --------------------------------------------------------------------------- gru


class _GruWeights:
    """One direction's GRU weights and biases, gates in canonical order (z, r | n)."""

    def __init__(self, low: _Lowering, d: int | None) -> None:
        op = low.op
        order = _GRU_ORDER[op.attrs["layout"]]

        weight, recurrent, bias, recurrent_bias = (
            low.operand_of_direction(name, d) for name in ("weight", "recurrent_weight", "bias", "recurrent_bias")
        )
        self.weight = low.gates(weight, order, 3)
        self.reset_after = op.attrs["reset_after"]
        if self.reset_after:
            self.recurrent = low.gates(recurrent, order, 3)
        else:
            self.recurrent = low.gates(recurrent, order, 3, 0, 2)
            self.recurrent_n = low.gates(recurrent, order, 3, 2)
        self.bias_zr = low.add(low.gates(bias, order, 3, 0, 2), low.gates(recurrent_bias, order, 3, 0, 2))
        bias_n, recurrent_bias_n = low.gates(bias, order, 3, 2), low.gates(recurrent_bias, order, 3, 2)
        if self.reset_after:
            self.bias_n, self.recurrent_bias_n = bias_n, recurrent_bias_n
        else:
            self.bias_n, self.recurrent_bias_n = low.add(bias_n, recurrent_bias_n), None


def _gru_step(low: _Lowering, w: _GruWeights, x_zr: str, x_n: str, h: Value) -> str:
    """One GRU step from the step's input projections; ``h`` None is a state of zeros."""
    e = low.e
    hidden = low.hidden
    f, g = low.op.attrs["activations"]
    h_zr: Value = None
    h_n: Value = None
    if h is not None:
        if w.reset_after:
            h_zr, h_n = low.split(low.matmul(low.name(h), w.recurrent), [2 * hidden, hidden])
        else:
            h_zr = low.matmul(low.name(h), w.recurrent)
    z, r = low.split(low.activate(f, low.name(low.add(w.bias_zr, low.add(x_zr, h_zr)))), [hidden, hidden])
    if w.reset_after:
        h_n = low.add(w.recurrent_bias_n, h_n)
        new = low.add(x_n, None if h_n is None else low.mul(r, h_n))
    else:
        new = low.add(x_n, None if h is None else low.matmul(low.mul(r, h), w.recurrent_n))
    n = low.activate(g, low.name(low.add(w.bias_n, new)))
    update = e.node("Mul", [n, e.node("Sub", [e.const([1.0], "float32"), z])])
    return update if h is None else e.node("Add", [low.mul(z, h), update])


def _gru_projections(low: _Lowering, x: str, w: _GruWeights, steps: int, batch: int) -> list[list[str]]:
    """[x_zr, x_n] per step."""
    hidden = low.hidden
    zr, n = low.split(low.matmul(x, w.weight), [2 * hidden, hidden])
    return [list(p) for p in zip(low.split(zr, [batch] * steps, axis=0), low.split(n, [batch] * steps, axis=0))]


@lowering("gru")
def gru(e: OpEmitter, op: Operation) -> list[str]:
    low = _Lowering(e, op)
    x, steps, batch = low.sequence_input()
    direction = op.attrs["direction"]
    num_directions = 2 if direction == "both" else 1
    weights = [_GruWeights(low, d) for d in range(num_directions)]
    projections = [_gru_projections(low, x, w, steps, batch) for w in weights]
    h0 = low.operand("initial_hidden_state")
    initial = [[None if h0 is None else low.direction(h0, e.input_desc("initial_hidden_state").shape, d)
                for d in range(num_directions)]]

    def step(d: int, t: int, states: list[Value]) -> list[str]:
        x_zr, x_n = projections[d][t]
        return [_gru_step(low, weights[d], x_zr, x_n, states[0])]

    return low.run_directions(step, initial, steps, direction, op.attrs["return_sequence"], 1)


@lowering("gru_cell")
def gru_cell(e: OpEmitter, op: Operation) -> str:
    low = _Lowering(e, op)
    w = _GruWeights(low, None)
    batch = e.input_desc("input").shape[0]
    x = low.name(low.operand("input"))
    [(x_zr, x_n)] = _gru_projections(low, x, w, 1, batch)
    return low.result(_gru_step(low, w, x_zr, x_n, low.operand("hidden_state")))


# --------------------------------------------------------------------------- lstm


class _LstmWeights:
    """One direction's LSTM weights, summed biases and peepholes, gates in order (i, o, f | g)."""

    def __init__(self, low: _Lowering, d: int | None) -> None:
        op = low.op
        order = _LSTM_ORDER[op.attrs["layout"]]

        weight, recurrent, bias, recurrent_bias, peephole = (
            low.operand_of_direction(name, d)
            for name in ("weight", "recurrent_weight", "bias", "recurrent_bias", "peephole_weight")
        )
        self.weight = low.gates(weight, order, 4)
        self.recurrent = low.gates(recurrent, order, 4)
        self.bias = low.add(low.gates(bias, order, 4), low.gates(recurrent_bias, order, 4))
        self.peephole = peephole  # always i, o, f


def _lstm_step(low: _Lowering, w: _LstmWeights, x_proj: str, h: Value, c: Value) -> list[str]:
    """One LSTM step; None states are zeros.  Returns [hidden, cell]."""
    e = low.e
    hidden = low.hidden
    f1, f2, f3 = low.op.attrs["activations"]
    h_proj = None if h is None else low.matmul(low.name(h), w.recurrent)
    pre_iof, pre_g = low.split(low.name(low.add(w.bias, low.add(x_proj, h_proj))), [3 * hidden, hidden])
    if w.peephole is not None and c is not None:
        cells = e.node("Concat", [low.name(c)] * 3, axis=1)
        pre_iof = e.node("Add", [low.mul(cells, w.peephole), pre_iof])
    i, o, f = low.split(low.activate(f1, pre_iof), [hidden] * 3)
    g = low.activate(f2, pre_g)
    cell = low.mul(i, g)
    if c is not None:
        cell = e.node("Add", [low.mul(f, c), cell])
    return [low.mul(o, low.activate(f3, cell)), cell]


@lowering("lstm")
def lstm(e: OpEmitter, op: Operation) -> list[str]:
    low = _Lowering(e, op)
    x, steps, batch = low.sequence_input()
    direction = op.attrs["direction"]
    num_directions = 2 if direction == "both" else 1
    weights = [_LstmWeights(low, d) for d in range(num_directions)]
    projections = [low.projections(x, w.weight, steps, batch) for w in weights]
    initial = []
    for name in ("initial_hidden_state", "initial_cell_state"):
        state = low.operand(name)
        initial.append([None if state is None else low.direction(state, e.input_desc(name).shape, d)
                        for d in range(num_directions)])

    def step(d: int, t: int, states: list[Value]) -> list[str]:
        return _lstm_step(low, weights[d], projections[d][t], states[0], states[1])

    return low.run_directions(step, initial, steps, direction, op.attrs["return_sequence"], 2)


@lowering("lstm_cell")
def lstm_cell(e: OpEmitter, op: Operation) -> list[str]:
    low = _Lowering(e, op)
    w = _LstmWeights(low, None)
    x = low.name(low.operand("input"))
    hidden, cell = _lstm_step(low, w, low.matmul(x, w.weight), low.operand("hidden_state"),
                              low.operand("cell_state"))
    return [low.result(hidden), low.result(cell)]
