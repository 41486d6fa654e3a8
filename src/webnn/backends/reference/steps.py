"""The steps the reference executor runs, and the state they share during one run.

A run keeps every live value in ``values`` (indexed by operand id) and knows which of them
it may overwrite: ``owned`` holds the operands whose array is a buffer of the run's own
(writable, C-contiguous, and shared with no other live value: not an input, not a constant,
not a view of something else or viewed by something else).  A step that computes an
element-wise op into a buffer takes one of its dying inputs from ``owned`` when there is
one, so a chain of element-wise ops runs in one buffer.  Kernels may return views of their
inputs (``reshape``, ``transpose``, ``slice``...): a step checks what its result shares
memory with, and an input it shares memory with stops being owned unless it dies here
(then the result takes its buffer over).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ...errors import UnknownError, op_prefix
from ...ir import Graph, InputRef, Operation
from .conv import Conv2dPlan
from .registry import IntoKernel, Kernel


class State:
    """The values of one run, which of them the run owns, and the caller's output arrays."""

    __slots__ = ("values", "owned", "destinations")

    def __init__(self, values: list[Any], destinations: Mapping[int, np.ndarray]) -> None:
        self.values = values
        self.owned: set[int] = set()
        #: Output operand -> the caller's array to compute it into (dispatch).
        self.destinations = destinations

    def resolve(self, ref: InputRef) -> Any:
        if ref is None:
            return None
        if isinstance(ref, tuple):
            return [self.values[r] for r in ref]
        return self.values[ref]

    def buffer(self, operand: int, reuse: Sequence[int]) -> np.ndarray | None:
        """Where to compute ``operand``: the caller's array, or an owned dying input's buffer."""
        out = self.destinations.get(operand)
        if out is not None:
            return out
        for candidate in reuse:
            if candidate in self.owned:
                return self.values[candidate]
        return None

    def put(self, operand: int, array: np.ndarray, owned: bool) -> None:
        self.values[operand] = array
        if owned and operand not in self.destinations:
            self.owned.add(operand)

    def free(self, operands: Sequence[int]) -> None:
        for operand in operands:
            self.values[operand] = None
            self.owned.discard(operand)


class Step:
    """One operation run by its kernel; the result is stored with the declared dtype."""

    __slots__ = ("op", "kernel", "reads", "free", "reuse", "_graph")

    def __init__(self, graph: Graph, op: Operation, kernel: Kernel) -> None:
        self.op = op
        self.kernel = kernel
        self._graph = graph
        #: The operands the step reads (set by the plan: fused steps read more than ``op``).
        self.reads: tuple[int, ...] = tuple(dict.fromkeys(op.input_ids()))
        #: Operands whose last use is this step (values freed after it).
        self.free: tuple[int, ...] = ()
        #: Dying inputs with the output's descriptor: buffers the step may compute into.
        self.reuse: tuple[int, ...] = ()

    @property
    def outputs(self) -> tuple[int, ...]:
        return self.op.outputs

    def fail(self, exc: Exception) -> UnknownError:
        return UnknownError(f"reference backend failed in {op_prefix(self.op.type, self.op.label)}: {exc}")

    def run(self, state: State) -> None:
        op = self.op
        args = {name: state.resolve(ref) for name, ref in op.inputs.items()}
        result = self.kernel(**args, **op.attrs)
        results = result if isinstance(result, list | tuple) else (result,)
        if len(results) != len(op.outputs):
            raise UnknownError(
                f"{op_prefix(op.type, op.label)}: kernel returned {len(results)} outputs, expected {len(op.outputs)}"
            )
        arrays = []
        for operand, array in zip(op.outputs, results):
            desc = self._graph.operands[operand]
            array = np.asarray(array)
            if array.shape != desc.shape:
                raise UnknownError(
                    f"{op_prefix(op.type, op.label)}: kernel returned shape {array.shape}, expected {desc.shape}"
                )
            arrays.append(array.astype(desc.numpy_dtype, copy=False))
        self._settle_ownership(state, arrays)
        for operand, array in zip(op.outputs, arrays):
            state.values[operand] = array
        destination = state.destinations.get(op.outputs[0]) if len(op.outputs) == 1 else None
        if destination is not None:
            np.copyto(destination, arrays[0])
            state.values[op.outputs[0]] = destination
            state.owned.discard(op.outputs[0])

    def _settle_ownership(self, state: State, arrays: list[np.ndarray]) -> None:
        """Which results the run owns, and which owned inputs they make shared."""
        dying = self.free
        for operand, array in zip(self.op.outputs, arrays):
            shared = [u for u in self.reads if _overlap(array, state.values[u])]
            exclusive = (
                len(self.op.outputs) == 1 and array.flags.writeable and array.flags.c_contiguous
                and all(u in state.owned and u in dying for u in shared)
            )
            for u in shared:
                if u not in dying:
                    state.owned.discard(u)
            if exclusive:
                state.owned.add(operand)


def _overlap(array: np.ndarray, value: np.ndarray) -> bool:
    """Whether a kernel's result may share memory with one of the op's input values."""
    if array.base is None:  # a buffer of its own: only the input itself can be it
        return array is value
    return bool(np.may_share_memory(array, value))


class IntoStep(Step):
    """An element-wise op computed by its into kernel: into the caller's output array, an
    owned input that dies here, or a new buffer."""

    __slots__ = ("into", "_output", "_shape", "_dtype", "_refs", "_attrs")

    def __init__(self, graph: Graph, op: Operation, kernel: Kernel, into: IntoKernel) -> None:
        super().__init__(graph, op, kernel)
        self.into = into
        (self._output,) = op.outputs
        desc = graph.operands[self._output]
        self._shape, self._dtype = desc.shape, desc.numpy_dtype
        # (parameter name, operand id): element-wise ops read one operand per input.
        self._refs = tuple((name, ref) for name, ref in op.inputs.items() if isinstance(ref, int))
        self._attrs = dict(op.attrs)

    def run(self, state: State) -> None:
        out = state.buffer(self._output, self.reuse)
        if out is None:
            out = np.empty(self._shape, self._dtype)
        values = state.values
        self.into.func(out, **{name: values[ref] for name, ref in self._refs}, **self._attrs)
        state.put(self._output, out, owned=True)


class ConvStep(Step):
    """A float32 conv2d by a :class:`Conv2dPlan` made at compile time (the filter prepared
    once when it is a constant), then the element-wise ops fused with it (a bias add, an
    activation), each computed by its into kernel in the convolution's new result."""

    __slots__ = ("plan", "filter", "epilogue", "output")

    def __init__(
        self, graph: Graph, op: Operation, kernel: Kernel,
        epilogue: Sequence[tuple[Operation, IntoKernel]] = (),
    ) -> None:
        super().__init__(graph, op, kernel)
        attrs = op.attrs
        x, w = op.inputs["input"], op.inputs["filter"]
        assert isinstance(x, int) and isinstance(w, int)
        self.plan = Conv2dPlan(graph.operands[x].shape, graph.operands[w].shape, attrs["padding"], attrs["strides"],
                               attrs["dilations"], attrs["groups"], attrs["input_layout"], attrs["filter_layout"])
        constant = graph.constants.get(w)
        self.filter = None if constant is None else self.plan.prepare(constant)
        #: (op, into kernel, the operand of the result so far that op reads)
        self.epilogue: list[tuple[Operation, IntoKernel, int]] = []
        self.output = op.outputs[0]
        reads = list(self.reads)
        for member, into in epilogue:
            self.epilogue.append((member, into, self.output))
            reads.extend(u for u in member.input_ids() if u != self.output and u not in reads)
            self.output = member.outputs[0]
        self.reads = tuple(reads)

    @property
    def outputs(self) -> tuple[int, ...]:
        return (self.output,)

    def run(self, state: State) -> None:
        inputs = self.op.inputs
        w = self.filter if self.filter is not None else self.plan.prepare(state.resolve(inputs["filter"]))
        y = self.plan.run(state.resolve(inputs["input"]), w, state.resolve(inputs["bias"]))
        for op, into, operand in self.epilogue:
            args = {name: y if ref == operand else state.resolve(ref) for name, ref in op.inputs.items()}
            # The convolution's result is never -0, and adding a constant to it cannot make -0.
            hint = {"no_negative_zero": True} if into.zero_hint else {}
            try:
                into.func(y, **args, **op.attrs, **hint)
            except Exception as exc:
                raise UnknownError(f"reference backend failed in {op_prefix(op.type, op.label)}: {exc}") from exc
        destination = state.destinations.get(self.output)
        if destination is not None:
            np.copyto(destination, y)
            y = destination
        state.put(self.output, y, owned=True)
