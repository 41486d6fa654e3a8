"""Layout canonicalization: one layout for every convolution, pool and normalization.

WebNN lets each of these ops say its own layout (``input_layout`` "nchw" / "nhwc", filter
layouts "oihw", "hwio", "ohwi", "ihwo" ...).  ``canonical_layout`` rewrites every one into
the backend's layout with explicit ``transpose`` operations (a constant filter is permuted
here, once); ``sink_transposes`` then moves transposes below the elementwise operations that
follow them, so that a transpose back and the next transpose forward meet and ``noop``
cancels them.  A backend then lowers a single layout.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..ir import Graph, InputRef, Operation
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
    target = context.layout
    if not any(_needs_change(op, target) for op in graph.operations):
        return graph
    rw = Rewriter(graph)
    for op in graph.operations:
        if not _needs_change(op, target):
            rw.copy(op)
            continue
        inputs: dict[str, Any] = {name: rw.ref(ref) for name, ref in op.inputs.items()}
        attrs = dict(op.attrs)
        option = LAYOUT_OPTIONS[op.type]
        layout = attrs[option]
        if layout != target:
            inputs["input"] = _permute(rw, inputs["input"], PERMUTATIONS[(layout, target)], op.label)
            attrs[option] = target
        if op.type in ("conv2d", "conv_transpose2d"):
            wanted = FILTER_LAYOUTS[(op.type, target)]
            have = attrs["filter_layout"]
            if have != wanted:
                perm = tuple(have.index(axis) for axis in wanted)
                inputs["filter"] = _permute(rw, inputs["filter"], perm, op.label)
                attrs["filter_layout"] = wanted
        (result,) = rw.emit(op.type, inputs, _options(op.type, attrs), op.label)
        if layout != target:
            result = rw.emit1("transpose", {"input": result}, {"permutation": PERMUTATIONS[(target, layout)]}, op.label)
        rw.alias(op.outputs[0], result)
    return rw.finish()


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
    ``index``: no other op needs it, or the others are transposes back (which then cancel) and
    elementwise ops (where it moves next).  Otherwise the transpose would stay for them and
    another be added after op ``index``."""
    if operand in graph.outputs.values():
        return False
    inverse = tuple(int(i) for i in np.argsort(perm))
    for reader in graph.consumers(operand):
        if reader == index:
            continue
        op = graph.operations[reader]
        if op.type == "transpose":
            if tuple(op.attrs["permutation"]) != inverse:
                return False
        elif op.type not in UNARY and op.type not in BINARY:
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
