"""WebNN operations as MIL operations (CoreML ML Programs, the iOS 17 opset): one lowering
function per op, registered by op name with the data types it computes exactly.

A lowering receives an :class:`OpLowering` (the operation, its inputs as MIL values of the
program being built, its output descriptors) and returns the MIL value of each of the
operation's outputs (a list for multi-output ops).  Attributes are the normalized ones of the
graph IR: nothing is re-validated.  The graph has been through the backend's pass pipeline
(:mod:`..pipeline`): convolutions and pools come in NCHW, filters in OIHW (IOHW for
conv_transpose2d).

``@lowering("add", types=FLOATS)`` declares the data types the lowering is exact for: an
operation whose operands or outputs have another type is refused (``NotSupportedError`` naming
the op, its label and the data type) and the type is left out of ``op_support_limits()``.

MIL computes in float32, float16, int32 and bool; int8 / uint8 tensors exist but few ops take
them (a lowering that widens them to int32 declares so).  Every value a lowering makes for an
operation's output has exactly the output's data type and shape: :func:`lower` asserts it, and
:func:`check_types` checks a whole program against the graph.

The modules of this package do not import coremltools: its builder comes as ``e.mb``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ....ir import Graph, OperandDescriptor, Operation
from ...lowering_table import LoweringTable


class LoweringError(Exception):
    """A valid WebNN operation that this backend cannot express (names the op)."""


#: WebNN data type -> the MIL type of its values.
MIL_TYPES = {"float32": "fp32", "float16": "fp16", "int32": "int32", "int8": "int8", "uint8": "uint8"}
#: WebNN data type -> the type it has at the model's inputs and outputs (CoreML's model I/O is
#: float32, float16 or int32 for iOS 17: int8 / uint8 travel as int32, cast inside, exactly).
IO_TYPES = {"float32": "fp32", "float16": "fp16", "int32": "int32", "int8": "int32", "uint8": "int32"}
#: CoreML's tensors have rank 5 at most.
MAX_RANK = 5
#: MIL type -> NumPy dtype (of constants).
NUMPY_TYPES = {"fp32": np.float32, "fp16": np.float16, "int32": np.int32, "int8": np.int8, "uint8": np.uint8,
               "bool": np.bool_}



def io_shape(desc: OperandDescriptor) -> tuple[int, ...]:
    """The shape an operand has at the model's inputs and outputs: its own, [1] for a scalar (a
    CoreML model's inputs and outputs have one dimension at least)."""
    return desc.shape or (1,)


FLOATS = frozenset({"float32", "float16"})
INT32 = frozenset({"int32"})
SMALL_INTS = frozenset({"int8", "uint8"})
#: every data type MIL holds
ALL = FLOATS | INT32 | SMALL_INTS


@dataclass
class ProgramState:
    """The program being built, and the MIL value of each operand of the graph in it."""

    graph: Graph
    mb: Any
    values: dict[int, Any] = field(default_factory=dict)


@dataclass
class OpLowering:
    """One operation being lowered: its inputs (MIL values), attributes, descriptors."""

    op: Operation
    state: ProgramState

    @property
    def graph(self) -> Graph:
        return self.state.graph

    @property
    def mb(self) -> Any:
        """coremltools' MIL builder (``mb.add(x=..., y=...)``)."""
        return self.state.mb

    @property
    def attrs(self) -> Any:
        return self.op.attrs

    @property
    def label(self) -> str:
        return f"{self.op.type}" + (f" '{self.op.label}'" if self.op.label else "")

    def has(self, name: str) -> bool:
        return self.op.inputs.get(name) is not None

    def input(self, name: str) -> Any:
        """The MIL value of operand parameter ``name``."""
        ref = self.op.inputs[name]
        assert isinstance(ref, int)
        return self.state.values[ref]

    def inputs(self, name: str) -> list[Any]:
        """The MIL values of a sequence parameter (``concat``'s ``inputs``)."""
        ref = self.op.inputs[name]
        assert isinstance(ref, tuple)
        return [self.state.values[i] for i in ref]

    def desc(self, name: str) -> OperandDescriptor:
        ref = self.op.inputs[name]
        assert isinstance(ref, int)
        return self.graph.operands[ref]

    def constant_value(self, name: str) -> np.ndarray | None:
        """The value of operand parameter ``name`` when it is a constant of the graph."""
        ref = self.op.inputs[name]
        return self.graph.constants.get(ref) if isinstance(ref, int) else None

    def out(self, index: int = 0) -> OperandDescriptor:
        return self.graph.operands[self.op.outputs[index]]

    def mil_type(self, index: int = 0) -> str:
        """The MIL type of output ``index``."""
        return MIL_TYPES[self.out(index).data_type]

    def const(self, value: Any, mil_type: str) -> Any:
        """A constant of ``mil_type`` holding ``value``."""
        return self.mb.const(val=np.asarray(value, dtype=NUMPY_TYPES[mil_type]))

    def like(self, value: Any, var: Any) -> Any:
        """A constant of ``var``'s type holding ``value`` (a scalar: broadcast)."""
        return self.const(value, type_name(var))

    def cast(self, var: Any, mil_type: str) -> Any:
        """``var`` as ``mil_type`` (itself when it has that type)."""
        if type_name(var) == mil_type:
            return var
        return self.mb.cast(x=var, dtype=mil_type)

    def broadcast(self, var: Any, shape: Sequence[int]) -> Any:
        """``var`` broadcast to ``shape`` (a reshape to its rank and a tile)."""
        if tuple(var.shape) == tuple(shape):
            return var
        padded = (1,) * (len(shape) - len(var.shape)) + tuple(var.shape)
        if padded != tuple(var.shape):
            var = self.mb.reshape(x=var, shape=list(padded))
        reps = [int(out // have) for out, have in zip(shape, padded)]
        return self.mb.tile(x=var, reps=reps) if any(r != 1 for r in reps) else var

    def wide(self, name: str) -> Any:
        """Operand ``name``, int8 / uint8 widened to int32 (exact); others as they are."""
        var = self.input(name)
        return self.cast(var, "int32") if type_name(var) in ("int8", "uint8") else var

    def refuse(self, why: str) -> LoweringError:
        """The error refusing this operation (``raise e.refuse("...")``)."""
        return LoweringError(f"{self.label}: the coreml backend cannot compute this {self.op.type}: {why}")


def type_name(var: Any) -> str:
    """The MIL type of a value ("fp32", "int32", "bool" ...)."""
    from coremltools.converters.mil.mil import types

    return str(types.builtin_to_string(var.dtype))


#: The op families with lowerings (modules of this package); ops of other families are refused.
FAMILIES = ("activation", "conv", "elementwise", "indexing", "linalg", "normalization", "pool", "quantization",
            "recurrent", "reduce", "scan", "shape")
#: op name -> its lowering
TABLE = LoweringTable("coreml", __name__, FAMILIES)
LOWERINGS = TABLE.entries
lowering = TABLE.lowering
load = TABLE.load


def refusal(graph: Graph, op: Operation) -> str | None:
    """Why ``op`` cannot be lowered (None when it can): no lowering, a data type the lowering is
    not exact for, or a tensor of a rank CoreML does not hold."""
    why = TABLE.refusal(graph, op)
    if why is not None:
        return why
    label = f" '{op.label}'" if op.label else ""
    for operand in (*op.input_ids(), *op.outputs):
        desc = graph.operands[operand]
        if desc.rank > MAX_RANK:
            return (f"{op.type}{label}: a {desc.data_type} tensor of rank {desc.rank} (CoreML's tensors have rank "
                    f"{MAX_RANK} at most)")
    return None


@dataclass
class Lowered:
    """A graph's ML Program: the program, the MIL value of each operand, and the names of the
    graph's inputs and outputs in the program's order."""

    program: Any
    values: dict[int, Any]
    inputs: list[str]
    outputs: list[str]


def _io_check(graph: Graph) -> None:
    for kind, names in (("input", graph.inputs), ("output", graph.outputs)):
        for name, operand in names.items():
            data_type = graph.operands[operand].data_type
            if data_type not in IO_TYPES:
                raise LoweringError(f"{kind} '{name}': the coreml backend has no {data_type} tensors (CoreML's ML "
                                    "Programs hold float32, float16, int32, int8 and uint8)")
    for operand in graph.constants:
        data_type = graph.operands[operand].data_type
        if data_type not in MIL_TYPES:
            users = graph.consumers(operand)
            op = graph.operations[users[0]] if users else None
            where = f"{op.type}{f' {op.label!r}' if op.label else ''}: " if op is not None else ""
            raise LoweringError(f"{where}the coreml backend has no {data_type} tensors")


def lower(graph: Graph) -> Lowered:
    """The ML Program of ``graph`` (after the pipeline), in the iOS 17 opset.

    MIL's builder evaluates operations on constants as it goes (in NumPy, for its own constant
    folding, which the conversion does not run: :mod:`..model`); the warnings of that evaluation
    (overflows, int64 or float64 results narrowed) are not about the program and are dropped."""
    from . import _mil

    with np.errstate(all="ignore"), _mil.quiet_evaluation():
        return _lower(graph)


def _lower(graph: Graph) -> Lowered:
    from . import _mil

    load()
    for op in graph.operations:
        why = refusal(graph, op)
        if why is not None:
            raise LoweringError(why)
    _io_check(graph)  # (an input an op reads was refused with that op)
    mb, Function, Program, types = _mil.builder()
    placeholders = {name: mb.placeholder(shape=io_shape(graph.operands[operand]),
                                         dtype=types.string_to_builtin(IO_TYPES[graph.operands[operand].data_type]))
                    for name, operand in graph.inputs.items()}
    state = ProgramState(graph, mb)
    with Function(placeholders, opset_version=_mil.opset()) as function:
        for name, operand in graph.inputs.items():
            var, desc = function.inputs[name], graph.operands[operand]
            if not desc.shape:
                var = mb.squeeze(x=var, axes=[0])
            if MIL_TYPES[desc.data_type] != IO_TYPES[desc.data_type]:
                var = mb.cast(x=var, dtype=MIL_TYPES[desc.data_type])
            state.values[operand] = var
        for operand, array in graph.constants.items():
            if graph.consumers(operand) or operand in graph.outputs.values():
                state.values[operand] = mb.const(val=np.asarray(array))
        for op in graph.operations:
            _lower_one(OpLowering(op, state))
        outputs = []
        for name, operand in graph.outputs.items():
            var, desc = state.values[operand], graph.operands[operand]
            io_type = IO_TYPES[desc.data_type]
            if not desc.shape:
                var = mb.expand_dims(x=var, axes=[0], **({} if type_name(var) != io_type else {"name": name}))
            if type_name(var) != io_type:
                var = mb.cast(x=var, dtype=io_type, name=name)
            elif var.name != name or var.op is None:
                var = mb.identity(x=var, name=name)
            outputs.append(var)
        function.set_outputs(outputs)
    program = Program()
    program.add_function("main", function)
    return Lowered(program, state.values, list(graph.inputs), list(graph.outputs))


def _lower_one(e: OpLowering) -> None:
    op, graph = e.op, e.graph
    try:
        result = LOWERINGS[op.type].func(e)
    except LoweringError:
        raise
    except (ValueError, TypeError) as exc:  # MIL's own type inference refused what the lowering made
        raise LoweringError(f"{e.label}: MIL refused the lowering: {exc}") from exc
    results = result if isinstance(result, list) else [result]
    if len(results) != len(op.outputs):
        raise AssertionError(f"{op.type}: lowering returned {len(results)} outputs, expected {len(op.outputs)}")
    for operand, var in zip(op.outputs, results):
        desc = graph.operands[operand]
        made = (type_name(var), tuple(var.shape))
        if made != (MIL_TYPES[desc.data_type], desc.shape):
            raise AssertionError(f"{e.label}: lowering made {made[0]} {list(made[1])}, expected {desc}")
        e.state.values[operand] = var


def check_types(graph: Graph, lowered: Lowered) -> list[str]:
    """The differences between ``graph`` and its program (empty: none): every operand's MIL
    value must be a value of the program's main function (an input, or an operation's output)
    with the operand's exact data type and shape, and the program's inputs and outputs those of
    the graph, in the model's I/O types."""
    function = lowered.program.functions["main"]
    made = {id(v) for op in _all_operations(function) for v in op.outputs}
    made |= {id(v) for v in function.inputs.values()}
    problems = []
    for operand, var in lowered.values.items():
        desc = graph.operands[operand]
        if id(var) not in made:
            problems.append(f"operand {operand} ({desc}): its value {var.name} is not in the program")
        have = (type_name(var), tuple(var.shape))
        if have != (MIL_TYPES[desc.data_type], desc.shape):
            problems.append(f"operand {operand}: {have[0]} {list(have[1])} in the program, {desc} in the graph")
    for name, var in function.inputs.items():
        desc = graph.operands[graph.inputs[name]]
        if (type_name(var), tuple(var.shape)) != (IO_TYPES[desc.data_type], io_shape(desc)):
            problems.append(f"input {name}: {type_name(var)} {list(var.shape)}, the graph's is {desc}")
    if [v.name for v in function.outputs] != lowered.outputs:
        problems.append(f"outputs {[v.name for v in function.outputs]}, the graph's are {lowered.outputs}")
    for var, name in zip(function.outputs, lowered.outputs):
        desc = graph.operands[graph.outputs[name]]
        if (type_name(var), tuple(var.shape)) != (IO_TYPES[desc.data_type], io_shape(desc)):
            problems.append(f"output {name}: {type_name(var)} {list(var.shape)}, the graph's is {desc}")
    return problems


def _all_operations(function: Any) -> list[Any]:
    """Every operation of a MIL function, nested blocks included."""
    found: list[Any] = []
    blocks = [function]
    while blocks:
        block = blocks.pop()
        for op in block.operations:
            found.append(op)
            blocks.extend(op.blocks)
    return found


def axes_list(values: Sequence[int]) -> list[int]:
    return [int(v) for v in values]
