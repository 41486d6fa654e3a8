"""The table of a backend's lowerings: one function per op, registered with the data types it
computes exactly, in modules per op family that are imported on first use.

Shared by the backends that lower the IR into an engine's own graph (openvino, litert, coreml):
each makes one :class:`LoweringTable` in its ``lowering`` package and registers its functions
with ``@TABLE.lowering("add", types=...)``.  An op without a lowering, or with an operand or
output of a data type its lowering is not exact for, is refused (:meth:`LoweringTable.refusal`)
and left out of ``op_support_limits()`` (:meth:`LoweringTable.lowered_types`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from importlib import import_module
from typing import Any

from ..ir import Graph, Operation

Lowering = Callable[[Any], Any]


@dataclass(frozen=True)
class Entry:
    func: Lowering
    #: the data types of the operands it is exact for
    types: frozenset[str]
    #: the data types its outputs may have (where they differ from the operands')
    output_types: frozenset[str] | None
    #: float16 operands computed in float32 (for the backends that do so)
    widen: bool = False

    @property
    def outputs(self) -> frozenset[str]:
        return self.output_types if self.output_types is not None else self.types


class LoweringTable:
    """Op name -> its :class:`Entry`, for backend ``backend`` whose lowering modules are
    ``package``'s modules named ``families``."""

    def __init__(self, backend: str, package: str, families: Sequence[str]) -> None:
        self.backend = backend
        self.package = package
        self.families = tuple(families)
        self.entries: dict[str, Entry] = {}
        self._loaded = False

    def lowering(self, *names: str, types: Iterable[str], output_types: Iterable[str] | None = None,
                 widen: bool = False) -> Callable[[Lowering], Lowering]:
        """Register a lowering of ops ``names``, exact for operands of ``types`` and outputs of
        ``output_types`` (default: ``types``)."""
        entry_types = frozenset(types)
        outputs = None if output_types is None else frozenset(output_types)

        def register(func: Lowering) -> Lowering:
            for name in names:
                if name in self.entries:
                    raise AssertionError(f"{self.backend} lowering for {name} defined twice")
                self.entries[name] = Entry(func, entry_types, outputs, widen)
            return func

        return register

    def load(self) -> None:
        """Import (once) every lowering module."""
        if not self._loaded:
            for family in self.families:
                import_module(f"{self.package}.{family}")
            self._loaded = True

    def functions(self) -> dict[str, Lowering]:
        """Op name -> its lowering function: every op the backend lowers itself."""
        self.load()
        return {name: entry.func for name, entry in self.entries.items()}

    def lowered_types(self, op: str, output: bool | None) -> frozenset[str] | None:
        """The data types op ``op``'s lowering takes for its operands (``output`` False), makes
        for its outputs (True), or both (None); None when it has no lowering."""
        self.load()
        entry = self.entries.get(op)
        if entry is None:
            return None
        if output is None:
            return entry.types | entry.outputs
        return entry.outputs if output else entry.types

    def refusal(self, graph: Graph, op: Operation) -> str | None:
        """Why ``op`` cannot be lowered (None when it can): no lowering, or a data type the
        lowering is not exact for."""
        entry = self.entries.get(op.type)
        label = f" '{op.label}'" if op.label else ""
        if entry is None:
            return f"{op.type}{label}: the {self.backend} backend has no lowering for {op.type}"
        for operands, allowed in ((op.input_ids(), entry.types), (op.outputs, entry.outputs)):
            for operand in operands:
                data_type = graph.operands[operand].data_type
                if data_type not in allowed:
                    return f"{op.type}{label}: the {self.backend} backend does not compute {op.type} on {data_type} exactly"
        return None
