"""Recurrent network ops: gru, gru_cell, lstm, lstm_cell."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np

from .base import FLOATS, MAX_DIMENSION, Check, Operand, Result, limit, op, same

ACTIVATIONS = ("relu", "sigmoid", "tanh")
DIRECTIONS = ("forward", "backward", "both")
GRU_LAYOUTS = ("zrn", "rzn")
LSTM_LAYOUTS = ("iofg", "ifgo")
GRU_ACTIVATIONS = ("sigmoid", "tanh")
LSTM_ACTIVATIONS = ("sigmoid", "tanh", "tanh")


# --------------------------------------------------------------------------- helpers


def _expect_shape(c: Check, name: str, desc: Operand | None, expected: Sequence[tuple[str, int]]) -> None:
    """Fail unless ``desc`` (when given) has the shape named by ``expected`` ((what, size) pairs)."""
    if desc is None:
        return
    want = tuple(size for _, size in expected)
    if desc.shape != want:
        parts = ", ".join(f"{what} {size}" for what, size in expected)
        c.fail(f"{name} shape {list(desc.shape)} != [{parts}]")


def _hidden_size(c: Check, value: Any, gates: int) -> int:
    """``hidden_size``, which must make ``2 * gates * hidden_size`` a valid dimension."""
    hidden_size = c.uint("hidden_size", value)
    total = 2 * gates * hidden_size
    if not 0 < total <= MAX_DIMENSION:
        c.fail(
            f"hidden_size {hidden_size}: hiddenSize * {2 * gates} = {total} is not a valid dimension "
            f"(1 to {MAX_DIMENSION})"
        )
    return hidden_size


def _steps(c: Check, value: Any, input: Operand) -> int:
    steps = c.uint("steps", value)
    if steps == 0:
        c.fail("steps must be greater than 0")
    if input.shape[0] != steps:
        c.fail(f"steps {steps} != input shape[0] {input.shape[0]} (input shape {list(input.shape)})")
    return steps


def _activations(c: Check, value: Any, default: tuple[str, ...]) -> tuple[str, ...]:
    if value is None:
        return default
    if isinstance(value, str | bytes) or not isinstance(value, Sequence | np.ndarray):
        c.fail(f"activations must be a sequence, got {type(value).__name__}")
    items = tuple(c.enum(f"activations[{i}]", v, ACTIVATIONS) for i, v in enumerate(value))
    if len(items) != len(default):
        c.fail(f"activations must have {len(default)} items, got {len(items)}")
    return items


def _rnn_limits(names: Sequence[str], ranks: Sequence[int], outputs: Sequence[int]) -> dict[str, Any]:
    limits = {name: limit(FLOATS if i == 0 else same("input"), rank)
              for i, (name, rank) in enumerate(zip(names, ranks))}
    for i, rank in enumerate(outputs):
        limits[f"output{i}" if len(outputs) > 1 else "output"] = limit(same("input"), rank)
    return limits


# --------------------------------------------------------------------------- gru


@op("gru", limits=_rnn_limits(
    ("input", "weight", "recurrent_weight", "bias", "recurrent_bias", "initial_hidden_state"),
    (3, 3, 3, 2, 2, 3), (3, 4)))
def gru(
    c: Check, input: Operand, weight: Operand, recurrent_weight: Operand, steps: int, hidden_size: int, *,
    bias: Operand | None = None, recurrent_bias: Operand | None = None,
    initial_hidden_state: Operand | None = None, reset_after: bool = True, return_sequence: bool = False,
    direction: Literal["forward", "backward", "both"] = "forward", layout: Literal["zrn", "rzn"] = "zrn",
    activations: Sequence[Literal["relu", "sigmoid", "tanh"]] | None = None,
) -> Result:
    """Gated Recurrent Unit network over ``steps`` time steps.

    ``input`` is ``[steps, batchSize, inputSize]``; ``weight`` is ``[numDirections, 3 * hiddenSize,
    inputSize]`` and ``recurrent_weight`` ``[numDirections, 3 * hiddenSize, hiddenSize]``, with the
    update (z), reset (r) and new (n) gate rows ordered by ``layout`` ("zrn" or "rzn"); ``bias`` and
    ``recurrent_bias`` are ``[numDirections, 3 * hiddenSize]`` in the same order, and
    ``initial_hidden_state`` is ``[numDirections, batchSize, hiddenSize]`` (zeros when absent).
    numDirections is 2 for ``direction="both"`` (forward then backward) and 1 otherwise; the backward
    direction reads the sequence from its last step to its first.  Each step is :func:`gru_cell`
    (``reset_after`` chooses where the reset gate applies; ``activations`` are the gate and new-gate
    functions, default sigmoid and tanh).  Returns ``[hidden]`` with the last hidden state
    ``[numDirections, batchSize, hiddenSize]``, plus the per-step hidden states
    ``[steps, numDirections, batchSize, hiddenSize]`` when ``return_sequence`` is true.
    """
    direction = c.enum("direction", direction, DIRECTIONS)
    layout = c.enum("layout", layout, GRU_LAYOUTS)
    reset_after = c.boolean("reset_after", reset_after)
    return_sequence = c.boolean("return_sequence", return_sequence)
    activations = _activations(c, activations, GRU_ACTIVATIONS)
    steps = _steps(c, steps, input)
    hidden_size = _hidden_size(c, hidden_size, 3)
    _, batch_size, input_size = input.shape
    num_directions = 2 if direction == "both" else 1
    d, g, h, b, i = (("numDirections", num_directions), ("3 * hiddenSize", 3 * hidden_size),
                     ("hiddenSize", hidden_size), ("batchSize", batch_size), ("inputSize", input_size))
    _expect_shape(c, "weight", weight, (d, g, i))
    _expect_shape(c, "recurrent_weight", recurrent_weight, (d, g, h))
    _expect_shape(c, "bias", bias, (d, g))
    _expect_shape(c, "recurrent_bias", recurrent_bias, (d, g))
    _expect_shape(c, "initial_hidden_state", initial_hidden_state, (d, b, h))
    outputs = [Operand(input.data_type, (num_directions, batch_size, hidden_size))]
    if return_sequence:
        outputs.append(Operand(input.data_type, (steps, num_directions, batch_size, hidden_size)))
    return c.outputs(
        outputs, steps=steps, hidden_size=hidden_size, reset_after=reset_after,
        return_sequence=return_sequence, direction=direction, layout=layout, activations=activations,
    )


@op("gru_cell", limits=_rnn_limits(
    ("input", "weight", "recurrent_weight", "hidden_state", "bias", "recurrent_bias"),
    (2, 2, 2, 2, 1, 1), (2,)))
def gru_cell(
    c: Check, input: Operand, weight: Operand, recurrent_weight: Operand, hidden_state: Operand,
    hidden_size: int, *, bias: Operand | None = None, recurrent_bias: Operand | None = None,
    reset_after: bool = True, layout: Literal["zrn", "rzn"] = "zrn",
    activations: Sequence[Literal["relu", "sigmoid", "tanh"]] | None = None,
) -> Result:
    """One time step of a Gated Recurrent Unit: the next hidden state ``[batchSize, hiddenSize]``.

    ``input`` is ``[batchSize, inputSize]``, ``hidden_state`` ``[batchSize, hiddenSize]``;
    ``weight`` ``[3 * hiddenSize, inputSize]`` and ``recurrent_weight`` ``[3 * hiddenSize,
    hiddenSize]`` hold the update (z), reset (r) and new (n) gate rows in ``layout`` order ("zrn" or
    "rzn"), as do the optional ``bias`` / ``recurrent_bias`` ``[3 * hiddenSize]``.  With
    f, g = ``activations`` (default sigmoid, tanh): z = f(x Wz^T + h Rz^T + bz + rbz), r likewise,
    n = g(x Wn^T + bn + r * (h Rn^T + rbn)) when ``reset_after`` (the default), else
    n = g(x Wn^T + (r * h) Rn^T + bn + rbn); the result is z * h + (1 - z) * n.
    """
    layout = c.enum("layout", layout, GRU_LAYOUTS)
    reset_after = c.boolean("reset_after", reset_after)
    activations = _activations(c, activations, GRU_ACTIVATIONS)
    hidden_size = _hidden_size(c, hidden_size, 3)
    batch_size, input_size = input.shape
    g, h, b, i = (("3 * hiddenSize", 3 * hidden_size), ("hiddenSize", hidden_size),
                  ("batchSize", batch_size), ("inputSize", input_size))
    _expect_shape(c, "weight", weight, (g, i))
    _expect_shape(c, "recurrent_weight", recurrent_weight, (g, h))
    _expect_shape(c, "hidden_state", hidden_state, (b, h))
    _expect_shape(c, "bias", bias, (g,))
    _expect_shape(c, "recurrent_bias", recurrent_bias, (g,))
    return c.output(
        input.data_type, (batch_size, hidden_size), hidden_size=hidden_size, reset_after=reset_after,
        layout=layout, activations=activations,
    )


# --------------------------------------------------------------------------- lstm


@op("lstm", limits=_rnn_limits(
    ("input", "weight", "recurrent_weight", "bias", "recurrent_bias", "peephole_weight",
     "initial_hidden_state", "initial_cell_state"),
    (3, 3, 3, 2, 2, 2, 3, 3), (3, 3, 4)))
def lstm(
    c: Check, input: Operand, weight: Operand, recurrent_weight: Operand, steps: int, hidden_size: int, *,
    bias: Operand | None = None, recurrent_bias: Operand | None = None,
    peephole_weight: Operand | None = None, initial_hidden_state: Operand | None = None,
    initial_cell_state: Operand | None = None, return_sequence: bool = False,
    direction: Literal["forward", "backward", "both"] = "forward", layout: Literal["iofg", "ifgo"] = "iofg",
    activations: Sequence[Literal["relu", "sigmoid", "tanh"]] | None = None,
) -> Result:
    """Long Short-Term Memory network over ``steps`` time steps.

    ``input`` is ``[steps, batchSize, inputSize]``; ``weight`` is ``[numDirections, 4 * hiddenSize,
    inputSize]`` and ``recurrent_weight`` ``[numDirections, 4 * hiddenSize, hiddenSize]``, with the
    input (i), output (o), forget (f) and cell (g) gate rows ordered by ``layout`` ("iofg" or
    "ifgo"); ``bias`` / ``recurrent_bias`` are ``[numDirections, 4 * hiddenSize]`` in the same order,
    ``peephole_weight`` is ``[numDirections, 3 * hiddenSize]`` (always i, o, f), and
    ``initial_hidden_state`` / ``initial_cell_state`` are ``[numDirections, batchSize, hiddenSize]``
    (zeros when absent).  numDirections is 2 for ``direction="both"`` (forward then backward) and 1
    otherwise; the backward direction reads the sequence from its last step to its first.  Each step
    is :func:`lstm_cell`.  Returns ``[hidden, cell]``, the last states ``[numDirections, batchSize,
    hiddenSize]``, plus the per-step hidden states ``[steps, numDirections, batchSize, hiddenSize]``
    when ``return_sequence`` is true.
    """
    direction = c.enum("direction", direction, DIRECTIONS)
    layout = c.enum("layout", layout, LSTM_LAYOUTS)
    return_sequence = c.boolean("return_sequence", return_sequence)
    activations = _activations(c, activations, LSTM_ACTIVATIONS)
    steps = _steps(c, steps, input)
    hidden_size = _hidden_size(c, hidden_size, 4)
    _, batch_size, input_size = input.shape
    num_directions = 2 if direction == "both" else 1
    d, g, p, h, b, i = (("numDirections", num_directions), ("4 * hiddenSize", 4 * hidden_size),
                        ("3 * hiddenSize", 3 * hidden_size), ("hiddenSize", hidden_size),
                        ("batchSize", batch_size), ("inputSize", input_size))
    _expect_shape(c, "weight", weight, (d, g, i))
    _expect_shape(c, "recurrent_weight", recurrent_weight, (d, g, h))
    _expect_shape(c, "bias", bias, (d, g))
    _expect_shape(c, "recurrent_bias", recurrent_bias, (d, g))
    _expect_shape(c, "peephole_weight", peephole_weight, (d, p))
    _expect_shape(c, "initial_hidden_state", initial_hidden_state, (d, b, h))
    _expect_shape(c, "initial_cell_state", initial_cell_state, (d, b, h))
    state = Operand(input.data_type, (num_directions, batch_size, hidden_size))
    outputs = [state, state]
    if return_sequence:
        outputs.append(Operand(input.data_type, (steps, num_directions, batch_size, hidden_size)))
    return c.outputs(
        outputs, steps=steps, hidden_size=hidden_size, return_sequence=return_sequence,
        direction=direction, layout=layout, activations=activations,
    )


@op("lstm_cell", limits=_rnn_limits(
    ("input", "weight", "recurrent_weight", "hidden_state", "cell_state", "bias", "recurrent_bias",
     "peephole_weight"),
    (2, 2, 2, 2, 2, 1, 1, 1), (2, 2)))
def lstm_cell(
    c: Check, input: Operand, weight: Operand, recurrent_weight: Operand, hidden_state: Operand,
    cell_state: Operand, hidden_size: int, *, bias: Operand | None = None,
    recurrent_bias: Operand | None = None, peephole_weight: Operand | None = None,
    layout: Literal["iofg", "ifgo"] = "iofg",
    activations: Sequence[Literal["relu", "sigmoid", "tanh"]] | None = None,
) -> Result:
    """One time step of a Long Short-Term Memory cell: ``[hidden, cell]``, each ``[batchSize, hiddenSize]``.

    ``input`` is ``[batchSize, inputSize]``, ``hidden_state`` and ``cell_state`` ``[batchSize,
    hiddenSize]``; ``weight`` ``[4 * hiddenSize, inputSize]`` and ``recurrent_weight``
    ``[4 * hiddenSize, hiddenSize]`` hold the input (i), output (o), forget (f) and cell (g) gate rows
    in ``layout`` order ("iofg" or "ifgo"), as do ``bias`` / ``recurrent_bias`` ``[4 * hiddenSize]``;
    ``peephole_weight`` ``[3 * hiddenSize]`` holds the i, o, f peepholes.  With f1, f2, f3 =
    ``activations`` (default sigmoid, tanh, tanh): i = f1(x Wi^T + h Ri^T + bi + rbi + c * pi), f and o
    likewise (peepholes on the incoming cell state), g = f2(x Wg^T + h Rg^T + bg + rbg); the new cell
    state is f * c + i * g and the new hidden state o * f3(cell).
    """
    layout = c.enum("layout", layout, LSTM_LAYOUTS)
    activations = _activations(c, activations, LSTM_ACTIVATIONS)
    hidden_size = _hidden_size(c, hidden_size, 4)
    batch_size, input_size = input.shape
    g, p, h, b, i = (("4 * hiddenSize", 4 * hidden_size), ("3 * hiddenSize", 3 * hidden_size),
                     ("hiddenSize", hidden_size), ("batchSize", batch_size), ("inputSize", input_size))
    _expect_shape(c, "weight", weight, (g, i))
    _expect_shape(c, "recurrent_weight", recurrent_weight, (g, h))
    _expect_shape(c, "hidden_state", hidden_state, (b, h))
    _expect_shape(c, "cell_state", cell_state, (b, h))
    _expect_shape(c, "bias", bias, (g,))
    _expect_shape(c, "recurrent_bias", recurrent_bias, (g,))
    _expect_shape(c, "peephole_weight", peephole_weight, (p,))
    state = Operand(input.data_type, (batch_size, hidden_size))
    return c.outputs([state, state], hidden_size=hidden_size, layout=layout, activations=activations)
