"""Runs a graph step by step with the registered NumPy kernels (see :mod:`.steps`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ...errors import UnknownError
from ...ir import Graph, OperandDescriptor, Operation
from ...passes import fusion
from ..base import HostStorage
from . import kernels  # noqa: F401  (registers the kernels)
from .registry import INTO_KERNELS, KERNELS
from .steps import ConvStep, IntoStep, State, Step


class ReferenceBackend:
    name = "reference"
    #: The graph passes run before execution (see webnn.passes): the kernels take every layout.
    pipeline = ("noop", "fold", "cse", "dce")
    decompose: frozenset[str] = frozenset()
    layout = "nchw"
    accelerated = False
    device = "cpu"

    def __init__(
        self,
        *,
        power_preference: str = "default",
        accelerated: bool = True,
        device_type: str | None = None,
        num_threads: int | None = None,
        provider_options: Mapping[str, Any] | None = None,
        cache: bool = True,
    ) -> None:
        # The reference backend always runs on the CPU, in NumPy: device hints and the thread
        # count do not apply to it.
        if provider_options:
            raise TypeError("create_context: the reference backend has no execution providers to configure")

    def operations(self) -> dict[str, Any]:
        """Op name -> its kernel: every spec op."""
        return dict(KERNELS)

    def compile(self, graph: Graph) -> CompiledReference:
        return CompiledReference(graph)

    def create_storage(self, desc: OperandDescriptor, data: np.ndarray | None = None) -> HostStorage:
        return HostStorage(desc, data)

    def info(self) -> dict[str, Any]:
        return {"backend": self.name, "device": self.device, "accelerated": self.accelerated,
                "numpy": np.__version__}


class CompiledReference:
    """A graph prepared for execution: a list of steps, and the values each step frees.

    Each operation becomes one step that calls its kernel, except that (unless ``optimize``
    is false, which runs every operation by its kernel as it is):

    - a float32 ``conv2d`` becomes a :class:`~.steps.ConvStep`: its algorithm chosen and a
      constant filter prepared at compile time, and the bias add and activation that the
      fusion analysis (:func:`webnn.passes.fusion.conv_groups`) puts in its group computed
      in the convolution's result buffer;
    - an op with an into kernel for its data type (element-wise arithmetic, relu, clamp...)
      becomes an :class:`~.steps.IntoStep`, which computes into an input that dies with it
      when the run owns that input's buffer, so that a chain (or tree) of element-wise ops
      runs in one buffer; in ``dispatch``, an output goes straight into its tensor.

    The element-wise groups of the fusion analysis need nothing more here: NumPy cannot
    fuse their loops, and the in-place steps already keep each group in one buffer.
    """

    def __init__(self, graph: Graph, *, optimize: bool = True) -> None:
        missing = sorted({op.type for op in graph.operations} - KERNELS.keys())
        if missing:
            raise NotImplementedError(f"no reference kernel for {', '.join(missing)}")
        self._graph = graph
        self._steps = _plan(graph) if optimize else [Step(graph, op, KERNELS[op.type]) for op in graph.operations]
        _schedule_frees(graph, self._steps)
        self._template: list[Any] = [None] * len(graph.operands)
        for operand, array in graph.constants.items():
            self._template[operand] = array

    def run(self, inputs: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        state = self._execute(inputs, {})
        results: dict[str, np.ndarray] = {}
        given: set[int] = set()
        for name, operand in self._graph.outputs.items():
            array = state.values[operand]
            # The caller gets each array once, and never one the run does not own.
            owned = operand in state.owned and id(array) not in given
            results[name] = array if owned else np.array(array, order="C", copy=True)
            given.add(id(array))
        return results

    def dispatch(self, inputs: Mapping[str, HostStorage], outputs: Mapping[str, HostStorage]) -> None:
        arrays = {name: storage.array for name, storage in inputs.items()}
        destinations: dict[int, np.ndarray] = {}
        for name, storage in outputs.items():
            operand = self._graph.outputs[name]
            if operand not in destinations and _may_write_into(storage.array, arrays.values()):
                destinations[operand] = storage.array
        state = self._execute(arrays, destinations)
        for name, storage in outputs.items():
            result = state.values[self._graph.outputs[name]]
            if result is not storage.array:
                storage.array[...] = result

    def _execute(self, inputs: Mapping[str, np.ndarray], destinations: Mapping[int, np.ndarray]) -> State:
        state = State(list(self._template), destinations)
        for name, operand in self._graph.inputs.items():
            view = inputs[name].view()
            view.flags.writeable = False  # kernels must not write into the caller's arrays
            state.values[operand] = view
        with np.errstate(all="ignore"):
            for step in self._steps:
                try:
                    step.run(state)
                except UnknownError:
                    raise
                except Exception as exc:
                    raise step.fail(exc) from exc
                state.free(step.free)
        return state


def _plan(graph: Graph) -> list[Step]:
    """One step per operation, but one per conv group (its other members absorbed)."""
    groups = {group.conv: group for group in fusion.conv_groups(graph)}
    absorbed: set[int] = set()
    steps: list[Step] = []
    for index, op in enumerate(graph.operations):
        if index in absorbed:
            continue
        data_type = graph.operands[op.outputs[0]].data_type
        into = INTO_KERNELS.get(op.type)
        if op.type == "conv2d" and data_type == "float32":
            members = _epilogue(graph, groups.get(index))
            absorbed.update(members)
            epilogue = [(graph.operations[i], INTO_KERNELS[graph.operations[i].type]) for i in members]
            steps.append(ConvStep(graph, op, KERNELS[op.type], epilogue))
        elif into is not None and data_type in into.data_types and _single_operands(op):
            steps.append(IntoStep(graph, op, KERNELS[op.type], into))
        else:
            steps.append(Step(graph, op, KERNELS[op.type]))
    return steps


def _single_operands(op: Operation) -> bool:
    """Whether ``op`` has one output and reads one operand per input (no list, none absent)."""
    return len(op.outputs) == 1 and all(isinstance(ref, int) for ref in op.inputs.values())


def _epilogue(graph: Graph, group: fusion.ConvGroup | None) -> list[int]:
    """The members after the convolution that run in its buffer: those, in order, that
    have a float32 into kernel."""
    members: list[int] = []
    if group is None:
        return members
    for index in group.operations[1:]:
        into = INTO_KERNELS.get(graph.operations[index].type)
        if into is None or "float32" not in into.data_types:
            break
        members.append(index)
    return members


def _schedule_frees(graph: Graph, steps: list[Step]) -> None:
    """Set each step's ``free`` (values whose last reader it is, or that nothing reads) and
    ``reuse`` (those of them with the output's descriptor)."""
    last_use: dict[int, int] = {}
    for index, step in enumerate(steps):
        for operand in step.reads:
            last_use[operand] = index
    keep = set(graph.outputs.values()) | set(graph.constants)
    for index, step in enumerate(steps):
        dying = [o for o in step.reads if last_use[o] == index and o not in keep]
        unread = [o for o in step.outputs if o not in last_use and o not in keep]
        step.free = tuple(dying + unread)
        if len(step.outputs) == 1:
            desc = graph.operands[step.outputs[0]]
            step.reuse = tuple(o for o in dying if graph.operands[o] == desc)


def _may_write_into(array: np.ndarray, inputs: Any) -> bool:
    """Whether a run may compute an output straight into ``array``: one it can write, that
    no input array overlaps."""
    return (
        array.flags.writeable and array.flags.c_contiguous
        and not any(np.may_share_memory(array, x) for x in inputs)
    )
