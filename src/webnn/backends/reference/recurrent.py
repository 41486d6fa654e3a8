"""Reference kernels: recurrent ops (gru, gru_cell, lstm, lstm_cell).

The math follows the spec's emulation code, including the order of the
additions: ``act((bias + recurrentBias) + (x W^T + h R^T))``.  Time steps run in
a Python loop; each step is vectorised over batch and hidden units.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import overload

import numpy as np

from .registry import kernel, upcast


def _sigmoid(x: np.ndarray) -> np.ndarray:
    one = x.dtype.type(1)
    return one / (one + np.exp(-x))


def _relu(x: np.ndarray) -> np.ndarray:
    return np.maximum(x, x.dtype.type(0))


_ACTIVATIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "relu": _relu,
    "sigmoid": _sigmoid,
    "tanh": np.tanh,
}

#: Position of each gate's rows in the weights and biases, per layout.
_GRU_GATES = {"zrn": {"z": 0, "r": 1, "n": 2}, "rzn": {"r": 0, "z": 1, "n": 2}}
_LSTM_GATES = {"iofg": {"i": 0, "o": 1, "f": 2, "g": 3}, "ifgo": {"i": 0, "f": 1, "g": 2, "o": 3}}
#: Peephole weights are always packed input, output, forget.
_PEEPHOLES = {"i": 0, "o": 1, "f": 2}


@overload
def _gate(x: np.ndarray, index: int, hidden_size: int) -> np.ndarray: ...
@overload
def _gate(x: None, index: int, hidden_size: int) -> None: ...
@overload
def _gate(x: np.ndarray | None, index: int, hidden_size: int) -> np.ndarray | None: ...
def _gate(x: np.ndarray | None, index: int, hidden_size: int) -> np.ndarray | None:
    """Rows (last axis) of gate ``index`` of a packed weight or bias."""
    if x is None:
        return None
    return x[..., index * hidden_size:(index + 1) * hidden_size]


def _add(a: np.ndarray | None, b: np.ndarray | None) -> np.ndarray | None:
    if a is None:
        return b
    if b is None:
        return a
    return a + b


def _biases(
    bias: np.ndarray | None, recurrent_bias: np.ndarray | None, gates: dict[str, int], hidden_size: int
) -> dict[str, np.ndarray | None]:
    return {
        name: _add(_gate(bias, k, hidden_size), _gate(recurrent_bias, k, hidden_size))
        for name, k in gates.items()
    }


def _with_bias(bias: np.ndarray | None, value: np.ndarray) -> np.ndarray:
    return value if bias is None else bias + value


# --------------------------------------------------------------------------- gru


def _gru_step(
    x_proj: np.ndarray, h: np.ndarray, recurrent_weight: np.ndarray, bias: np.ndarray | None,
    recurrent_bias: np.ndarray | None, hidden_size: int, reset_after: bool, layout: str,
    activations: Sequence[str],
) -> np.ndarray:
    """One GRU step; ``x_proj`` is ``x @ weight.T`` ([batch, 3 * hidden])."""
    gates = _GRU_GATES[layout]
    f, g = (_ACTIVATIONS[a] for a in activations)

    @overload
    def rows(a: np.ndarray, gate: str) -> np.ndarray: ...
    @overload
    def rows(a: np.ndarray | None, gate: str) -> np.ndarray | None: ...
    def rows(a: np.ndarray | None, gate: str) -> np.ndarray | None:
        return _gate(a, gates[gate], hidden_size)

    h_proj = h @ recurrent_weight.T
    z = f(_with_bias(_add(rows(bias, "z"), rows(recurrent_bias, "z")), rows(x_proj, "z") + rows(h_proj, "z")))
    r = f(_with_bias(_add(rows(bias, "r"), rows(recurrent_bias, "r")), rows(x_proj, "r") + rows(h_proj, "r")))
    if reset_after:
        hn = _with_bias(rows(recurrent_bias, "n"), rows(h_proj, "n"))
        n = g(_with_bias(rows(bias, "n"), rows(x_proj, "n") + r * hn))
    else:
        hn = (r * h) @ rows(recurrent_weight.T, "n")
        n = g(_with_bias(_add(rows(bias, "n"), rows(recurrent_bias, "n")), rows(x_proj, "n") + hn))
    one = h.dtype.type(1)
    return z * h + n * (one - z)


@kernel("gru_cell")
def gru_cell(
    input: np.ndarray, weight: np.ndarray, recurrent_weight: np.ndarray, hidden_state: np.ndarray,
    bias: np.ndarray | None, recurrent_bias: np.ndarray | None, hidden_size: int, reset_after: bool,
    layout: str, activations: Sequence[str],
) -> np.ndarray:
    x, w, r, h = (upcast(a) for a in (input, weight, recurrent_weight, hidden_state))
    b = None if bias is None else upcast(bias)
    rb = None if recurrent_bias is None else upcast(recurrent_bias)
    return _gru_step(x @ w.T, h, r, b, rb, hidden_size, reset_after, layout, activations)


def _run_directions(
    steps: int, direction: str, return_sequence: bool,
    run: Callable[[int, Sequence[int]], tuple[list[np.ndarray], list[np.ndarray]]],
) -> tuple[list[list[np.ndarray]], np.ndarray | None]:
    """Runs ``run(dir, time order)`` for each direction; gathers its final states and the sequence.

    ``run`` returns (final states, hidden state after each step in processing order).  The
    sequence is ``[steps, numDirections, batch, hidden]``, indexed by input time step.
    """
    num_directions = 2 if direction == "both" else 1
    finals: list[list[np.ndarray]] = []
    sequence: list[np.ndarray] = []
    for d in range(num_directions):
        backward = d == 1 or direction == "backward"
        order = range(steps - 1, -1, -1) if backward else range(steps)
        states, hiddens = run(d, order)
        finals.append(states)
        if return_sequence:
            sequence.append(np.stack(hiddens[::-1] if backward else hiddens))
    seq = np.stack(sequence, axis=1) if return_sequence else None
    return finals, seq


@kernel("gru")
def gru(
    input: np.ndarray, weight: np.ndarray, recurrent_weight: np.ndarray, bias: np.ndarray | None,
    recurrent_bias: np.ndarray | None, initial_hidden_state: np.ndarray | None, steps: int,
    hidden_size: int, reset_after: bool, return_sequence: bool, direction: str, layout: str,
    activations: Sequence[str],
) -> list[np.ndarray]:
    x = upcast(input)
    batch_size = x.shape[1]

    def run(d: int, order: Sequence[int]) -> tuple[list[np.ndarray], list[np.ndarray]]:
        w, r = upcast(weight[d]), upcast(recurrent_weight[d])
        b = None if bias is None else upcast(bias[d])
        rb = None if recurrent_bias is None else upcast(recurrent_bias[d])
        if initial_hidden_state is None:
            h = np.zeros((batch_size, hidden_size), x.dtype)
        else:
            h = upcast(initial_hidden_state[d])
        x_proj = x @ w.T  # [steps, batch, 3 * hidden]
        hiddens = []
        for t in order:
            h = _gru_step(x_proj[t], h, r, b, rb, hidden_size, reset_after, layout, activations)
            hiddens.append(h)
        return [h], hiddens

    finals, seq = _run_directions(steps, direction, return_sequence, run)
    outputs = [np.stack([f[0] for f in finals])]
    if seq is not None:
        outputs.append(seq)
    return outputs


# --------------------------------------------------------------------------- lstm


def _lstm_step(
    x_proj: np.ndarray, h: np.ndarray, c: np.ndarray, recurrent_weight: np.ndarray,
    biases: dict[str, np.ndarray | None], peephole: np.ndarray | None, hidden_size: int, layout: str,
    activations: Sequence[str],
) -> tuple[np.ndarray, np.ndarray]:
    """One LSTM step; ``x_proj`` is ``x @ weight.T``, ``biases`` the per-gate bias + recurrent bias."""
    gates = _LSTM_GATES[layout]
    f1, f2, f3 = (_ACTIVATIONS[a] for a in activations)
    h_proj = h @ recurrent_weight.T
    pre = {
        name: _with_bias(biases[name], _gate(x_proj, k, hidden_size) + _gate(h_proj, k, hidden_size))
        for name, k in gates.items()
    }
    if peephole is not None:
        for name, k in _PEEPHOLES.items():
            pre[name] = c * _gate(peephole, k, hidden_size) + pre[name]
    i, f, g, o = f1(pre["i"]), f1(pre["f"]), f2(pre["g"]), f1(pre["o"])
    cell = f * c + i * g
    return o * f3(cell), cell


def _lstm_biases(bias: np.ndarray | None, recurrent_bias: np.ndarray | None, hidden_size: int,
                 layout: str) -> dict[str, np.ndarray | None]:
    b = None if bias is None else upcast(bias)
    rb = None if recurrent_bias is None else upcast(recurrent_bias)
    return _biases(b, rb, _LSTM_GATES[layout], hidden_size)


@kernel("lstm_cell")
def lstm_cell(
    input: np.ndarray, weight: np.ndarray, recurrent_weight: np.ndarray, hidden_state: np.ndarray,
    cell_state: np.ndarray, bias: np.ndarray | None, recurrent_bias: np.ndarray | None,
    peephole_weight: np.ndarray | None, hidden_size: int, layout: str, activations: Sequence[str],
) -> list[np.ndarray]:
    x, w, r, h, c = (upcast(a) for a in (input, weight, recurrent_weight, hidden_state, cell_state))
    p = None if peephole_weight is None else upcast(peephole_weight)
    biases = _lstm_biases(bias, recurrent_bias, hidden_size, layout)
    return list(_lstm_step(x @ w.T, h, c, r, biases, p, hidden_size, layout, activations))


@kernel("lstm")
def lstm(
    input: np.ndarray, weight: np.ndarray, recurrent_weight: np.ndarray, bias: np.ndarray | None,
    recurrent_bias: np.ndarray | None, peephole_weight: np.ndarray | None,
    initial_hidden_state: np.ndarray | None, initial_cell_state: np.ndarray | None, steps: int,
    hidden_size: int, return_sequence: bool, direction: str, layout: str, activations: Sequence[str],
) -> list[np.ndarray]:
    x = upcast(input)
    batch_size = x.shape[1]

    def initial(state: np.ndarray | None, d: int) -> np.ndarray:
        if state is None:
            return np.zeros((batch_size, hidden_size), x.dtype)
        return upcast(state[d])

    def run(d: int, order: Sequence[int]) -> tuple[list[np.ndarray], list[np.ndarray]]:
        w, r = upcast(weight[d]), upcast(recurrent_weight[d])
        biases = _lstm_biases(
            None if bias is None else bias[d], None if recurrent_bias is None else recurrent_bias[d],
            hidden_size, layout,
        )
        p = None if peephole_weight is None else upcast(peephole_weight[d])
        h, c = initial(initial_hidden_state, d), initial(initial_cell_state, d)
        x_proj = x @ w.T  # [steps, batch, 4 * hidden]
        hiddens = []
        for t in order:
            h, c = _lstm_step(x_proj[t], h, c, r, biases, p, hidden_size, layout, activations)
            hiddens.append(h)
        return [h, c], hiddens

    finals, seq = _run_directions(steps, direction, return_sequence, run)
    outputs = [np.stack([f[0] for f in finals]), np.stack([f[1] for f in finals])]
    if seq is not None:
        outputs.append(seq)
    return outputs
