"""Fusion analysis: which operations of a graph a backend may run as one.

This is an analysis, not a rewrite: :func:`analyze` reads an :class:`~webnn.ir.Graph` and
returns plain data (NamedTuples of operation indices and operand ids); the graph is left as
it is, and each backend decides what to do with the groups (the reference backend runs a
conv group in one buffer; a backend with its own fused kernels, such as LiteRT or OpenVINO,
can map a group onto one of them).  It imports nothing from the backends.

Two kinds of group are found, and no operation is in two groups:

- :class:`ConvGroup`: a ``conv2d`` or ``conv_transpose2d``, then optionally an ``add`` of a
  constant holding one value per output channel (a bias that the graph adds separately),
  then optionally one element-wise activation (``relu``, ``clamp``, ``sigmoid``, ...).
- :class:`ElementwiseGroup`: a tree of two or more element-wise operations (unary math,
  activations and binary arithmetic; inputs and output of one data type).

In both, every value passed from one member to the next is an intermediate: exactly one
operation reads it (that next member, possibly through several of its inputs) and it is
not a graph output.  So a fused implementation never needs to materialize it; only the
group's ``output`` leaves the group.  Shapes may broadcast inside an element-wise group
(``add(a, b)`` with ``b`` of shape ``[1, C, 1, 1]``); each operation's descriptors are in
the graph for a backend that needs them.
"""

from __future__ import annotations

from typing import NamedTuple

from ..ir import Graph, Operation

#: Unary element-wise ops whose output has the input's data type and shape.
UNARY = frozenset({
    "abs", "ceil", "cos", "erf", "exp", "floor", "identity", "log", "neg", "reciprocal",
    "round_even", "sign", "sin", "sqrt", "tan",
    # activations
    "clamp", "elu", "gelu", "hard_sigmoid", "hard_swish", "leaky_relu", "linear", "relu",
    "sigmoid", "softplus", "softsign", "tanh",
})
#: Binary element-wise ops (with broadcasting) whose output has the inputs' data type.
BINARY = frozenset({"add", "sub", "mul", "div", "max", "min", "pow", "prelu"})
#: The element-wise ops an :class:`ElementwiseGroup` is made of.
ELEMENTWISE = UNARY | BINARY
#: The unary ops that end a :class:`ConvGroup`.
ACTIVATIONS = frozenset({
    "clamp", "elu", "gelu", "hard_sigmoid", "hard_swish", "leaky_relu", "linear", "relu",
    "sigmoid", "softplus", "softsign", "tanh",
})
#: The convolutions that start a :class:`ConvGroup`.
CONVOLUTIONS = frozenset({"conv2d", "conv_transpose2d"})


class ConvGroup(NamedTuple):
    """A convolution, an optional separate bias add and an optional activation.

    ``conv``, ``bias_add`` and ``activation`` index ``graph.operations``; ``bias`` is the
    constant operand that ``bias_add`` adds (its shape broadcasts to the convolution's
    output without changing it, and every dimension but the channel axis is 1).  The
    convolution's own ``bias`` input, if any, is part of the convolution.  ``output`` is the
    operand the group computes (the last member's output).
    """

    conv: int
    bias_add: int | None
    bias: int | None
    activation: int | None
    output: int

    @property
    def kind(self) -> str:
        return "conv"

    @property
    def operations(self) -> tuple[int, ...]:
        """The members' operation indices, in graph order."""
        return tuple(i for i in (self.conv, self.bias_add, self.activation) if i is not None)


class ElementwiseGroup(NamedTuple):
    """A tree of element-wise operations computing one value.

    ``operations`` index ``graph.operations`` in graph (topological) order; the last one is
    the root, whose output is ``output``.  ``inputs`` are the operands the group reads from
    outside (graph inputs, constants, results of other operations), in order of first use.
    """

    operations: tuple[int, ...]
    inputs: tuple[int, ...]
    output: int

    @property
    def kind(self) -> str:
        return "elementwise"


Group = ConvGroup | ElementwiseGroup


def analyze(graph: Graph) -> tuple[Group, ...]:
    """The conv groups, then the element-wise groups (of the operations left), of ``graph``."""
    convs = conv_groups(graph)
    taken = {index for group in convs for index in group.operations}
    return (*convs, *elementwise_groups(graph, exclude=taken))


# --------------------------------------------------------------------------- conv groups


def conv_groups(graph: Graph) -> tuple[ConvGroup, ...]:
    """Every convolution followed by a bias add and / or an activation that it can absorb."""
    groups = []
    for index, op in enumerate(graph.operations):
        if op.type not in CONVOLUTIONS:
            continue
        output = op.outputs[0]
        bias_add = bias = activation = None
        follower = _sole_consumer(graph, output)
        if follower is not None and _is_bias_add(graph, follower, output, op.attrs["input_layout"]):
            bias_add = follower
            bias = _other_input(graph.operations[follower], output)
            output = graph.operations[follower].outputs[0]
            follower = _sole_consumer(graph, output)
        if follower is not None and graph.operations[follower].type in ACTIVATIONS:
            activation = follower
            output = graph.operations[follower].outputs[0]
        if bias_add is not None or activation is not None:
            groups.append(ConvGroup(index, bias_add, bias, activation, output))
    return tuple(groups)


def _sole_consumer(graph: Graph, operand: int) -> int | None:
    """The one operation that reads ``operand``, when it is an intermediate value."""
    consumers = set(graph.consumers(operand))
    if len(consumers) != 1 or operand in graph.outputs.values():
        return None
    return consumers.pop()


def _other_input(op: Operation, operand: int) -> int:
    """The input of binary ``op`` that is not ``operand``."""
    a, b = op.inputs["a"], op.inputs["b"]
    other = b if a == operand else a
    assert isinstance(other, int)
    return other


def _is_bias_add(graph: Graph, index: int, conv_output: int, layout: str) -> bool:
    """Whether operation ``index`` adds a per-channel constant to ``conv_output``."""
    op = graph.operations[index]
    if op.type != "add" or op.inputs["a"] == op.inputs["b"]:
        return False
    other = _other_input(op, conv_output)
    if other not in graph.constants:
        return False
    out = graph.operands[conv_output]
    if graph.operands[op.outputs[0]] != out:
        return False  # the add broadcasts the convolution's output to a larger shape
    shape = graph.operands[other].shape
    channel_axis = 1 if layout == "nchw" else 3
    aligned = (1,) * (4 - len(shape)) + tuple(shape)
    return len(shape) <= 4 and all(d == 1 for axis, d in enumerate(aligned) if axis != channel_axis)


# --------------------------------------------------------------------------- element-wise groups


def elementwise_groups(graph: Graph, exclude: frozenset[int] | set[int] = frozenset()) -> tuple[ElementwiseGroup, ...]:
    """The trees of two or more element-wise operations (none of them in ``exclude``)."""
    ops = graph.operations
    member = [index not in exclude and _is_elementwise(graph, op) for index, op in enumerate(ops)]
    # parent[i]: the member that consumes operation i's output when i joins its group.
    parent: dict[int, int] = {}
    for index, op in enumerate(ops):
        if not member[index]:
            continue
        consumer = _sole_consumer(graph, op.outputs[0])
        if consumer is not None and member[consumer]:  # (a member's inputs share its data type)
            parent[index] = consumer
    root_of: dict[int, int] = {}
    for index in range(len(ops) - 1, -1, -1):  # consumers come later: roots are resolved first
        if member[index]:
            root_of[index] = root_of[parent[index]] if index in parent else index
    trees: dict[int, list[int]] = {}
    for index in sorted(root_of):
        trees.setdefault(root_of[index], []).append(index)
    groups = []
    for root, indices in sorted(trees.items()):
        if len(indices) < 2:
            continue
        inside = {ops[i].outputs[0] for i in indices}
        inputs: list[int] = []
        for i in indices:
            for operand in ops[i].input_ids():
                if operand not in inside and operand not in inputs:
                    inputs.append(operand)
        groups.append(ElementwiseGroup(tuple(indices), tuple(inputs), ops[root].outputs[0]))
    return tuple(groups)


def _is_elementwise(graph: Graph, op: Operation) -> bool:
    if op.type not in ELEMENTWISE or len(op.outputs) != 1:
        return False
    data_type = graph.operands[op.outputs[0]].data_type
    return all(graph.operands[operand].data_type == data_type for operand in op.input_ids())
