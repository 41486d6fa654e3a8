"""Layout canonicalization: one layout for every convolution, pool and normalization.

WebNN lets each of these ops say its own layout (``input_layout`` "nchw" / "nhwc", filter
layouts "oihw", "hwio", "ohwi", "ihwo" ...).  ``canonical_layout`` rewrites every one into
the backend's layout with explicit ``transpose`` operations (a constant filter is permuted
here, once).  A rewritten op's result is held in the new layout while its readers can take it
so (elementwise ops, the ops along axes of :data:`AXIS_OPS` such as batch normalization,
resample2d, concat, softmax and reductions, the next convolution): the transpose back is
written only where something needs the original layout.  ``sink_transposes`` moves the graph's own
transposes below the elementwise op that follows them, where a transpose back then meets them
and ``noop`` cancels the pair.  A backend then lowers a single layout.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..ir import Graph, InputRef, Operation
from ..ops.names import FAMILY_OPS
from .pipeline import PassContext, register
from .rewrite import Rewriter

#: Input layout -> filter layout that goes with it, per convolution op and backend layout.
FILTER_LAYOUTS = {
    ("conv2d", "nchw"): "oihw", ("conv2d", "nhwc"): "ohwi",
    ("conv_transpose2d", "nchw"): "iohw", ("conv_transpose2d", "nhwc"): "ohwi",
}
#: The permutation that takes a 4-D tensor from one layout to another.
PERMUTATIONS = {("nhwc", "nchw"): (0, 3, 1, 2), ("nchw", "nhwc"): (0, 2, 3, 1)}
#: Ops with a layout option, and its name.
LAYOUT_OPTIONS = {
    "conv2d": "input_layout", "conv_transpose2d": "input_layout", "average_pool2d": "layout",
    "max_pool2d": "layout", "l2_pool2d": "layout", "instance_normalization": "layout",
}

#: Unary elementwise ops and the name of their operand.
UNARY = {
    **{name: "input" for name in (
        "abs", "neg", "sign", "ceil", "floor", "round_even", "cos", "sin", "tan", "erf", "exp", "log", "sqrt",
        "reciprocal", "identity", "relu", "sigmoid", "tanh", "elu", "leaky_relu", "hard_sigmoid", "hard_swish",
        "gelu", "softplus", "softsign", "linear", "clamp", "cast")},
    **{name: "a" for name in ("logical_not", "is_nan", "is_infinite")},
}
#: Ops along axes of one operand (``input``, or each of ``inputs``; any other operands are per
#: feature), with the option naming those axes: on a transposed operand they run along the axes
#: where those dimensions went.  A reduction that drops its axes gives a result of lower rank,
#: held transposed as the kept axes are.
AXIS_OPS = {
    "batch_normalization": ("input", "axis"), "softmax": ("input", "axis"), "concat": ("inputs", "axis"),
    "resample2d": ("input", "axes"),
    **{name: ("input", "axes") for name in FAMILY_OPS["reduce"] if name.startswith("reduce_")},
}
#: Binary elementwise ops and their two operand names.
BINARY = {
    **{name: ("a", "b") for name in (
        "add", "sub", "mul", "div", "max", "min", "pow", "equal", "not_equal", "greater", "greater_or_equal",
        "lesser", "lesser_or_equal", "logical_and", "logical_or", "logical_xor")},
    "prelu": ("input", "slope"),
}


def _permute(rw: Rewriter, operand: int, perm: tuple[int, ...], label: str) -> int:
    """``operand`` transposed by ``perm``: a new constant for a constant, else a transpose."""
    array = rw.constant_value(operand)
    if array is not None:
        return rw.constant(np.ascontiguousarray(array.transpose(perm)), rw.desc(operand).data_type)
    return rw.emit1("transpose", {"input": operand}, {"permutation": perm}, label)


@register("canonical_layout")
def canonical_layout(graph: Graph, context: PassContext) -> Graph:
    """Every layout op in ``context.layout``.  An op whose layout changes gets a transpose of its
    input and one of its result back, but the one back is only written where a reader needs the
    original layout: elementwise ops that follow run on the transposed value, and a later op of
    the target layout takes it as it is (see :class:`_Pending`).  MobileNetV2 to NHWC thus gets
    one transpose in and one out, not two per convolution for the later passes to cancel."""
    target = context.layout
    if not any(_needs_change(op, target) for op in graph.operations):
        return graph
    rw = Rewriter(graph)
    pending = _Pending(rw, graph, target)
    for op in graph.operations:
        if _needs_change(op, target):
            _change_layout(rw, pending, op, target)
        elif not pending.elementwise(op):
            pending.materialize_inputs(op)
            rw.copy(op)
    for old in graph.outputs.values():
        pending.materialize(old)
    return rw.finish()


class _Pending:
    """Old operands held transposed: ``old`` equals ``transpose(new, permutation)`` for
    ``held[old] = (new, permutation, label)``; the transpose itself is written (once) when an
    op or a graph output needs ``old`` as it was."""

    def __init__(self, rw: Rewriter, graph: Graph, target: str) -> None:
        self.rw, self.graph, self.target = rw, graph, target
        self.held: dict[int, tuple[int, tuple[int, ...], str]] = {}
        self.outputs = frozenset(graph.outputs.values())

    def hold(self, old: int, new: int, perm: tuple[int, ...], label: str) -> None:
        self.held[old] = (new, perm, label)

    def materialize(self, old: int) -> int:
        """The new operand of ``old`` in its own layout (a transpose written the first time)."""
        new = self.rw.map.get(old)
        if new is None:
            source, perm, label = self.held[old]
            new = self.rw.emit1("transpose", {"input": source}, {"permutation": perm}, label)
            self.rw.alias(old, new)
        return new

    def materialize_inputs(self, op: Operation) -> None:
        for old in op.input_ids():
            if old in self.held:
                self.materialize(old)

    def taken_as(self, old: Any, perm: tuple[int, ...]) -> int | None:
        """The new operand equal to ``transpose(old, perm)`` without a transpose, if there is one."""
        found = self.held.get(old) if type(old) is int else None
        if found is None or any(found[1][axis] != i for i, axis in enumerate(perm)):
            return None
        return found[0]

    def _held_free(self, ref: Any) -> tuple[int, tuple[int, ...], str] | None:
        """What old operand ``ref`` is held as, when every reader can take it so (:meth:`_free`)."""
        found = self.held.get(ref) if type(ref) is int else None
        return found if found is not None and self._free(ref) else None

    def _free(self, old: int) -> bool:
        """Whether every reader of ``old`` can take it transposed: elementwise ops (which then run
        on the transposed value), ops of :data:`AXIS_OPS` and layout ops moving to the target
        layout, these two reading it as their ``input`` only; a graph output cannot."""
        if old in self.outputs:
            return False
        operations = self.graph.operations
        for reader in self.graph.consumers(old):
            op = operations[reader]
            if op.type in UNARY or op.type in BINARY:
                continue
            axis_op = AXIS_OPS.get(op.type)
            if axis_op is not None and axis_op[0] == "inputs":
                continue  # (concat: its only operands)
            option = LAYOUT_OPTIONS.get(op.type)
            moves = option is not None and op.attrs[option] != self.target
            if not (moves or axis_op is not None) or op.inputs["input"] != old \
                    or op.input_ids().count(old) != 1:
                return False
        return True

    def elementwise(self, op: Operation) -> bool:
        """Run elementwise ``op`` (or an op of :data:`AXIS_OPS`) on transposed operands, its
        result then held transposed too; False when that does not apply (the caller copies
        ``op``)."""
        if op.type in AXIS_OPS:
            return self._axis_op(op)
        unary = UNARY.get(op.type)
        names = (unary,) if unary is not None else BINARY.get(op.type)
        if names is None:
            return False
        refs = [op.inputs[n] for n in names]
        found = [self._held_free(r) for r in refs]
        perms = {f[1] for f in found if f is not None}
        if len(perms) != 1:
            return False
        (perm,) = perms
        out_shape = self.graph.operands[op.outputs[0]].shape
        if len(out_shape) != len(perm):
            return False
        inverse = tuple(int(i) for i in np.argsort(perm))
        rw = self.rw
        operands: dict[str, InputRef] = {}
        constants: list[tuple[str, int, np.ndarray]] = []
        for name, ref, hit in zip(names, refs, found):
            assert isinstance(ref, int)
            if hit is not None:
                operands[name] = hit[0]  # (same rank as the result: broadcasting is per axis)
                continue
            new = rw.map.get(ref)
            array = None if new is None else rw.constant_value(new)
            if array is None or array.ndim > len(perm):
                return False  # only constants are permuted to meet the transposed operands
            constants.append((name, new, array))  # type: ignore[arg-type]
        for name, new, array in constants:  # (made once the op is known to apply)
            full = array.reshape((1,) * (len(perm) - array.ndim) + array.shape)
            operands[name] = rw.constant(np.ascontiguousarray(full.transpose(inverse)), rw.desc(new).data_type)
        self._emit_held(op, operands, dict(op.attrs), perm)
        return True

    def _axis_op(self, op: Operation) -> bool:
        """An op of :data:`AXIS_OPS` on transposed operands: the same op along the axes those
        dimensions have in the transposed value (constants among ``inputs`` permuted to match)."""
        name, option = AXIS_OPS[op.type]
        refs = op.inputs[name]
        many = isinstance(refs, tuple)
        items: tuple[Any, ...] = refs if many else (refs,)  # type: ignore[assignment]
        found = [self._held_free(r) for r in items]
        perms = {f[1] for f in found if f is not None}
        if len(perms) != 1:
            return False
        (perm,) = perms
        rw = self.rw
        taken: list[int | np.ndarray] = []
        for ref, hit in zip(items, found):
            if hit is not None:
                taken.append(hit[0])
                continue
            new = rw.map.get(ref)
            array = None if new is None else rw.constant_value(new)
            if array is None or array.ndim != len(perm):
                return False  # only constants are permuted to meet the transposed operands
            taken.append(array)
        operands: dict[str, InputRef] = {}
        for other_name, other in op.inputs.items():
            if other_name == name:
                continue
            if isinstance(other, tuple):
                return False
            operands[other_name] = None if other is None else self.materialize(other)
        inverse = tuple(int(i) for i in np.argsort(perm))
        data_type = self.graph.operands[op.outputs[0]].data_type
        news = [item if isinstance(item, int) else rw.constant(np.ascontiguousarray(item.transpose(inverse)), data_type)
                for item in taken]
        operands[name] = tuple(news) if many else news[0]
        attrs = dict(op.attrs)
        axes = attrs[option]
        attrs[option] = perm[axes] if type(axes) is int else tuple(perm[a] for a in axes)
        if "keep_dimensions" in attrs and not attrs["keep_dimensions"]:
            # the result keeps the other axes, in the order they have in the transposed input
            kept = [perm[axis] for axis in range(len(perm)) if axis not in axes]
            perm = tuple(sorted(kept).index(axis) for axis in kept)
        self._emit_held(op, operands, attrs, perm)
        return True

    def _emit_held(self, op: Operation, operands: dict[str, InputRef], attrs: dict[str, Any],
                   perm: tuple[int, ...]) -> None:
        """``op`` on ``operands``: its result is held as the old result transposed by ``perm``,
        or stands for it as it is when ``perm`` moves no axis."""
        rw = self.rw
        (result,) = rw.emit(op.type, operands, _options(op.type, attrs), op.label)
        out_shape = self.graph.operands[op.outputs[0]].shape
        if tuple(rw.desc(result).shape[axis] for axis in perm) != tuple(out_shape):
            raise AssertionError(f"canonical_layout: {op.type} on transposed operands gave {rw.desc(result).shape}")
        if perm == tuple(range(len(perm))):
            rw.alias(op.outputs[0], result)
        else:
            self.hold(op.outputs[0], result, perm, op.label)


def _change_layout(rw: Rewriter, pending: _Pending, op: Operation, target: str) -> None:
    """``op`` (a layout op) rewritten in ``target`` layout; its result held transposed back."""
    option = LAYOUT_OPTIONS[op.type]
    attrs = dict(op.attrs)
    layout = attrs[option]
    into = PERMUTATIONS[(layout, target)] if layout != target else None
    inputs: dict[str, Any] = {}
    for name, ref in op.inputs.items():
        taken = pending.taken_as(ref, into) if name == "input" and into is not None else None
        if taken is not None:
            inputs[name] = taken
            continue
        if isinstance(ref, tuple):
            inputs[name] = tuple(pending.materialize(r) for r in ref)
        else:
            inputs[name] = None if ref is None else pending.materialize(ref)
        if name == "input" and into is not None:
            inputs[name] = _permute(rw, inputs[name], into, op.label)
    if into is not None:
        attrs[option] = target
    if op.type in ("conv2d", "conv_transpose2d"):
        wanted = FILTER_LAYOUTS[(op.type, target)]
        have = attrs["filter_layout"]
        if have != wanted:
            perm = tuple(have.index(axis) for axis in wanted)
            inputs["filter"] = _permute(rw, inputs["filter"], perm, op.label)
            attrs["filter_layout"] = wanted
    (result,) = rw.emit(op.type, inputs, _options(op.type, attrs), op.label)
    if into is None:
        rw.alias(op.outputs[0], result)
    else:
        pending.hold(op.outputs[0], result, PERMUTATIONS[(target, layout)], op.label)


def _needs_change(op: Operation, target: str) -> bool:
    option = LAYOUT_OPTIONS.get(op.type)
    if option is None:
        return False
    if op.attrs[option] != target:
        return True
    wanted = FILTER_LAYOUTS.get((op.type, target))
    return wanted is not None and op.attrs["filter_layout"] != wanted


def _options(op_type: str, attrs: dict[str, Any]) -> dict[str, Any]:
    """The op's option values among ``attrs`` (normalized attributes that are not options are dropped)."""
    from ..ops import OPS

    names = {name for name, kind, _ in OPS[op_type].param_kinds if kind == "value"}
    return {k: v for k, v in attrs.items() if k in names}


@register("sink_transposes")
def sink_transposes(graph: Graph, context: PassContext) -> Graph:
    if not any(op.type == "transpose" for op in graph.operations):
        return graph
    rw = Rewriter(graph)
    changed = False
    for index, op in enumerate(graph.operations):
        moved = _sink(rw, graph, index, op)
        if moved is None:
            rw.copy(op)
        else:
            rw.alias(op.outputs[0], moved)
            changed = True
    return rw.finish() if changed else graph


def _sinks_past(graph: Graph, operand: int, index: int, perm: tuple[int, ...]) -> bool:
    """Whether a transpose (by ``perm``) that makes old operand ``operand`` may move below op
    ``index``: no other op needs it but transposes back, which then cancel.  (Another reader
    would keep the transpose, and moving it would add one after op ``index``: the pipeline
    run again would then make a larger graph.)"""
    if operand in graph.outputs.values():
        return False
    inverse = tuple(int(i) for i in np.argsort(perm))
    for reader in graph.consumers(operand):
        if reader == index:
            continue
        op = graph.operations[reader]
        if op.type != "transpose" or tuple(op.attrs["permutation"]) != inverse:
            return False
    return True


def _transposed(rw: Rewriter, graph: Graph, old: Any, index: int) -> tuple[int, tuple[int, ...]] | None:
    """(source, permutation) when old operand ``old`` is now a transpose that may move below op
    ``index``."""
    if type(old) is not int:
        return None
    producer = rw.producer(rw.value(old))
    if producer is None or producer.type != "transpose":
        return None
    perm = tuple(producer.attrs["permutation"])
    if not _sinks_past(graph, old, index, perm):  # type: ignore[arg-type]
        return None
    return producer.inputs["input"], perm  # type: ignore[return-value]


def _sink(rw: Rewriter, graph: Graph, index: int, op: Operation) -> int | None:
    """op(transpose(x)) as transpose(op(x)), when that is the same and op is elementwise."""
    operand = UNARY.get(op.type)
    if operand is not None:
        found = _transposed(rw, graph, op.inputs[operand], index)
        if found is None:
            return None
        source, perm = found
        inner = rw.emit1(op.type, {operand: source}, _options(op.type, dict(op.attrs)), op.label)
        return rw.emit1("transpose", {"input": inner}, {"permutation": perm}, op.label)
    names = BINARY.get(op.type)
    if names is None:
        return None
    out_shape = graph.operands[op.outputs[0]].shape
    hits = [_transposed(rw, graph, op.inputs[n], index) for n in names]
    perms = {hit[1] for hit in hits if hit is not None}
    if len(perms) != 1:
        return None
    (perm,) = perms
    inverse = tuple(int(i) for i in np.argsort(perm))
    operands: dict[str, InputRef] = {}
    for name, hit in zip(names, hits):
        ref = op.inputs[name]
        assert isinstance(ref, int)
        if hit is not None:
            if rw.desc(hit[0]).rank != len(perm) or graph.operands[ref].shape != out_shape:
                return None
            operands[name] = hit[0]
            continue
        other = rw.value(ref)
        array = rw.constant_value(other)
        if array is None:
            return None  # only constants are permuted to meet the transposed operand
        if array.ndim > len(perm):
            return None
        full = array.reshape((1,) * (len(perm) - array.ndim) + array.shape)
        operands[name] = rw.constant(np.ascontiguousarray(full.transpose(inverse)), rw.desc(other).data_type)
    inner = rw.emit1(op.type, operands, _options(op.type, dict(op.attrs)), op.label)
    if rw.desc(inner).shape != tuple(out_shape[i] for i in inverse):
        return None  # (the emitted op stays unused; dce removes it)
    return rw.emit1("transpose", {"input": inner}, {"permutation": perm}, op.label)
