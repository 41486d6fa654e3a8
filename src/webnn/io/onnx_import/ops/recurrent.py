"""Recurrent networks: ONNX LSTM and GRU onto WebNN ``lstm`` and ``gru``.

The gate orders agree (ONNX LSTM's i, o, f, c is WebNN's ``iofg``; GRU's z, r, h is ``zrn``);
ONNX's combined bias B = [Wb, Rb] becomes ``bias`` and ``recurrent_bias``; ``layout = 1``
(batch first) is transposed around the op.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..core import Node, Value
from ..registry import converter

if TYPE_CHECKING:
    from ....builder import MLOperand

DIRECTIONS = {"forward": "forward", "reverse": "backward", "bidirectional": "both"}
ACTIVATIONS = {"sigmoid": "sigmoid", "tanh": "tanh", "relu": "relu"}


def _common(node: Node, gates: int, per_direction: int, defaults: list[str]) -> tuple[str, int, int, list[str]]:
    direction = node.attr("direction", "forward")
    node.check(direction in DIRECTIONS, f"direction {direction!r} is not forward, reverse or bidirectional")
    directions = 2 if direction == "bidirectional" else 1
    hidden = node.attr("hidden_size")
    w = node.input(1)
    node.check(w.rank == 3 and w.shape[0] == directions and w.shape[1] % gates == 0,
               f"W of shape {list(w.shape)} is not [{directions}, {gates} * hidden_size, input_size]")
    hidden = w.shape[1] // gates if hidden is None else int(hidden)
    node.check(node.attr("clip") is None, "clip has no WebNN equivalent")
    node.check(not node.attr("activation_alpha") and not node.attr("activation_beta"),
               "activation_alpha / activation_beta have no WebNN equivalent")
    names = [str(a).lower() for a in node.attr("activations", defaults * directions)]
    node.check(len(names) == per_direction * directions, f"activations {names} needs {per_direction * directions} entries")
    node.check(names[:per_direction] == names[per_direction:] or directions == 1,
               f"activations {names} differ per direction; WebNN uses one set for both")
    for name in names:
        node.check(name in ACTIVATIONS, f"activation {name!r} has no WebNN equivalent (sigmoid, tanh and relu do)")
    if node.has(4):
        lengths = node.need_const(4, "sequence_lens")
        steps = node.shape(0)[1 if node.attr("layout", 0) else 0]
        node.check(np.all(lengths == steps), "sequence_lens shorter than the sequence have no WebNN equivalent")
    return DIRECTIONS[direction], directions, hidden, [ACTIVATIONS[n] for n in names[:per_direction]]


def _split_bias(node: Node, gates: int, hidden: int) -> dict[str, object]:
    """ONNX's B [dirs, 2 * gates * hidden] as WebNN's bias and recurrent_bias."""
    if not node.has(3):
        return {}
    b = node.input(3)
    width = gates * hidden
    node.check(b.rank == 2 and b.shape[1] == 2 * width, f"B of shape {list(b.shape)} is not [dirs, {2 * width}]")
    if b.const is not None:
        return {"bias": node.constant(np.ascontiguousarray(b.const[:, :width])),
                "recurrent_bias": node.constant(np.ascontiguousarray(b.const[:, width:]))}
    operand = node.x(3)
    return {"bias": node.b.slice(operand, [0, 0], [b.shape[0], width]),
            "recurrent_bias": node.b.slice(operand, [0, width], [b.shape[0], width])}


def _state(node: Node, index: int, batch_first: bool) -> MLOperand:
    operand = node.x(index)
    return node.b.transpose(operand, permutation=[1, 0, 2]) if batch_first else operand


def _outputs(node: Node, results: list[MLOperand], sequence_at: int | None, batch_first: bool,
             elem: int) -> list[Value | None]:
    """WebNN's [states..., sequence] as ONNX's [Y, Y_h, (Y_c)]."""
    states = results[:sequence_at] if sequence_at is not None else results
    values: list[Value | None] = []
    if sequence_at is not None:
        sequence = results[sequence_at]  # [steps, dirs, batch, hidden]
        if batch_first:
            sequence = node.b.transpose(sequence, permutation=[2, 0, 1, 3])
        values.append(node.out(sequence, elem))
    else:
        values.append(None)
    for state in states:
        if batch_first:
            state = node.b.transpose(state, permutation=[1, 0, 2])
        values.append(node.out(state, elem))
    return values


def _sequence(node: Node, gates: int, hidden: int) -> tuple[bool, Value, int, dict[str, object]]:
    """Whether X is batch-first, X, the step count, and the bias / initial-state options."""
    batch_first = bool(node.attr("layout", 0))
    value = node.input(0)
    node.check(value.rank == 3, f"X has rank {value.rank}, not 3")
    options: dict[str, object] = _split_bias(node, gates, hidden)
    if node.has(5):
        options["initial_hidden_state"] = _state(node, 5, batch_first)
    return batch_first, value, value.shape[1 if batch_first else 0], options


def _input(node: Node, batch_first: bool) -> MLOperand:
    x = node.x(0)
    return node.b.transpose(x, permutation=[1, 0, 2]) if batch_first else x


@converter("LSTM")
def convert_lstm(node: Node) -> list[Value | None]:
    direction, directions, hidden, activations = _common(node, 4, 3, ["sigmoid", "tanh", "tanh"])
    node.check(not node.attr("input_forget", 0), "input_forget = 1 has no WebNN equivalent")
    batch_first, value, steps, options = _sequence(node, 4, hidden)
    if node.has(6):
        options["initial_cell_state"] = _state(node, 6, batch_first)
    if node.has(7):
        peephole = node.need_const(7, "P (peepholes)")
        # WebNN's output gate looks at the previous cell state, ONNX's at the new one.
        node.check(not np.any(peephole[:, hidden:2 * hidden]),
                   "a non-zero output-gate peephole has no WebNN equivalent (WebNN's uses the previous cell state)")
        options["peephole_weight"] = node.x(7)
    sequence = node.output_used(0)
    results = node.b.lstm(
        _input(node, batch_first), node.x(1), node.x(2), steps, hidden, return_sequence=sequence,
        direction=direction, layout="iofg", activations=activations, label=node.label(), **options,
    )
    return _outputs(node, results, 2 if sequence else None, batch_first, value.elem)


@converter("GRU")
def convert_gru(node: Node) -> list[Value | None]:
    direction, directions, hidden, activations = _common(node, 3, 2, ["sigmoid", "tanh"])
    batch_first, value, steps, options = _sequence(node, 3, hidden)
    sequence = node.output_used(0)
    results = node.b.gru(
        _input(node, batch_first), node.x(1), node.x(2), steps, hidden, return_sequence=sequence,
        direction=direction, layout="zrn", reset_after=bool(node.attr("linear_before_reset", 0)),
        activations=activations, label=node.label(), **options,
    )
    return _outputs(node, results, 1 if sequence else None, batch_first, value.elem)


@converter("RNN")
def convert_rnn(node: Node) -> list[Value | None]:
    """WebNN has no plain RNN op: the steps are unrolled (their count is static), one matmul of
    the whole sequence by W, then per step h = f(xW[t] + h R^T + Wb + Rb)."""
    direction, directions, hidden, activations = _common(node, 1, 1, ["tanh"])
    batch_first, value, steps, options = _sequence(node, 1, hidden)
    b = node.b
    x = _input(node, batch_first)  # [steps, batch, input]
    batch = x.shape[1]
    act = getattr(b, activations[0])
    w, r = node.x(1), node.x(2)
    bias = b.add(options["bias"], options["recurrent_bias"]) if "bias" in options else None  # [dirs, hidden]
    h0 = options.get("initial_hidden_state")
    finals, sequences = [], []
    for d in range(directions):
        w_d = b.reshape(b.slice(w, [d, 0, 0], [1, hidden, w.shape[2]]), [hidden, w.shape[2]])
        r_d = b.reshape(b.slice(r, [d, 0, 0], [1, hidden, hidden]), [hidden, hidden])
        projected = b.matmul(x, b.transpose(w_d))  # [steps, batch, hidden]
        if bias is not None:
            projected = b.add(projected, b.reshape(b.slice(bias, [d, 0], [1, hidden]), [hidden]))
        backward = direction == "backward" or d == 1
        h = None if h0 is None else b.reshape(b.slice(h0, [d, 0, 0], [1, batch, hidden]), [batch, hidden])
        outputs = [None] * steps
        for t in (range(steps - 1, -1, -1) if backward else range(steps)):
            pre = b.reshape(b.slice(projected, [t, 0, 0], [1, batch, hidden]), [batch, hidden])
            if h is not None:
                pre = b.add(pre, b.matmul(h, b.transpose(r_d)))
            h = act(pre)
            outputs[t] = h
        finals.append(b.reshape(h, [1, batch, hidden]))
        if node.output_used(0):
            sequences.append(b.reshape(b.concat(outputs, 0) if steps > 1 else outputs[0], [steps, 1, batch, hidden]))
    final = finals[0] if directions == 1 else b.concat(finals, 0)
    results = [final]
    if sequences:
        results.append(sequences[0] if directions == 1 else b.concat(sequences, 1))
    return _outputs(node, results, 1 if sequences else None, batch_first, value.elem)
