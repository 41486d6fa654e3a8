"""Shape-changing ONNX ops: Reshape, Flatten, (Un)Squeeze, Transpose, Concat, Split, Slice,
Expand, Tile, Pad, DepthToSpace / SpaceToDepth, Trilu, Dropout.

Each op works out its geometry once (target shape, permutation, slice bounds, ...) in a helper
that both the NumPy folder and the converter use.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from .. import types as T
from ..core import Node, Value
from ..costs import Cost, count, like_first_input, made
from ..registry import converter, folder
from .common import broadcast_shapes, norm_axes, norm_axis, operand_as

if TYPE_CHECKING:
    from ....builder import MLOperand

# --------------------------------------------------------------------------- Reshape, Flatten


def _reshape_target(node: Node) -> tuple[int, ...]:
    in_shape = node.shape(0)
    spec = node.ints(1, "shape") if node.opset >= 5 else [int(d) for d in node.attr("shape", [])]
    allow_zero = bool(node.attr("allowzero", 0))
    shape = []
    infer = None
    for i, d in enumerate(spec):
        if d == -1:
            node.check(infer is None, f"the shape {spec} has more than one -1")
            infer = i
            shape.append(1)
        elif d == 0 and not allow_zero:
            node.check(i < len(in_shape), f"the shape {spec} copies dimension {i}, which the input lacks")
            shape.append(in_shape[i])
        else:
            node.check(d >= 0, f"the shape {spec} has a negative dimension")
            shape.append(d)
    total = math.prod(in_shape)
    if infer is not None:
        rest = math.prod(shape)
        node.check(rest != 0 and total % rest == 0, f"cannot reshape {list(in_shape)} to {spec}")
        shape[infer] = total // rest
    node.check(math.prod(shape) == total, f"cannot reshape {list(in_shape)} ({total} elements) to {spec}")
    return tuple(shape)


def _flatten_target(node: Node) -> tuple[int, int]:
    shape = node.shape(0)
    rank = len(shape)
    axis = int(node.attr("axis", 1))
    node.check(-rank <= axis <= rank, f"axis {axis} is out of range for rank {rank}")
    axis = axis + rank if axis < 0 else axis
    return math.prod(shape[:axis]), math.prod(shape[axis:])


# --------------------------------------------------------------------------- (Un)Squeeze


def _squeeze_target(node: Node) -> tuple[int, ...]:
    shape = node.shape(0)
    axes = node.ints_input_or_attr(1, "axes", since=13)
    if axes is None:
        return tuple(d for d in shape if d != 1)
    axes = norm_axes(node, axes, len(shape))
    for axis in axes:
        node.check(shape[axis] == 1, f"cannot squeeze axis {axis} of size {shape[axis]}")
    return tuple(d for i, d in enumerate(shape) if i not in axes)


def _unsqueeze_target(node: Node) -> tuple[int, ...]:
    shape = node.shape(0)
    axes = node.ints_input_or_attr(1, "axes", since=13)
    node.check(axes is not None, "axes are missing")
    assert axes is not None
    rank = len(shape) + len(axes)
    axes = norm_axes(node, axes, rank)
    rest = iter(shape)
    return tuple(1 if i in axes else next(rest) for i in range(rank))


#: The ops that only reshape, by the function that works out their output shape.
RESHAPES = {
    "Reshape": _reshape_target, "Flatten": _flatten_target, "Squeeze": _squeeze_target,
    "Unsqueeze": _unsqueeze_target,
}


@converter(*RESHAPES)
def convert_reshape(node: Node) -> Value:
    """A reshape of the input (a constant stays a constant: shape sub-graphs fold through)."""
    value, shape = node.input(0), RESHAPES[node.op_type](node)
    if shape == value.shape:
        return value
    if value.const is not None:
        return Value(value.elem, shape, const=value.const.reshape(shape))
    return node.out(node.b.reshape(node.operand_of(value), list(shape), label=node.label()), value.elem)


# --------------------------------------------------------------------------- Transpose


def _permutation(node: Node) -> list[int]:
    rank = len(node.shape(0))
    perm = node.attr("perm")
    if perm is None:
        return list(range(rank))[::-1]
    perm = [int(p) for p in perm]
    node.check(sorted(perm) == list(range(rank)), f"perm {perm} is not a permutation of the {rank} axes")
    return perm


@folder("Transpose", cost=like_first_input)
def fold_transpose(node: Node, arrays: list[np.ndarray]) -> np.ndarray:
    return arrays[0].transpose(_permutation(node)).copy()


@converter("Transpose")
def convert_transpose(node: Node) -> Value:
    perm = _permutation(node)
    if perm == sorted(perm):
        return node.input(0)
    return node.out(node.b.transpose(node.x(0), permutation=perm, label=node.label()), node.elem(0))


# --------------------------------------------------------------------------- Concat, Split


def concat_cost(node: Node, arrays: list[np.ndarray | None]) -> Cost:
    """Every input once, as the first input's type."""
    elements = sum(a.size for a in arrays if a is not None)
    return Cost(elements * arrays[0].dtype.itemsize, elements)


@folder("Concat", cost=concat_cost)
def fold_concat(node: Node, arrays: list[np.ndarray]) -> np.ndarray:
    rank = arrays[0].ndim
    axis = norm_axis(node, int(node.attr("axis")), rank)
    return np.concatenate([a.astype(arrays[0].dtype) for a in arrays], axis=axis)


@converter("Concat")
def convert_concat(node: Node) -> Value:
    values = [node.input(i) for i in range(len(node.inputs))]
    first = values[0]
    axis = norm_axis(node, int(node.attr("axis")), first.rank)
    kept = [v for v in values if not (v.const is not None and v.const.size == 0)]
    if len(kept) == 1:
        return kept[0]
    operands = [operand_as(node, v, first.elem) for v in kept]
    return node.out(node.b.concat(operands, axis, label=node.label()), first.elem)


def _split_sizes(node: Node) -> tuple[int, list[int]]:
    shape = node.shape(0)
    axis = norm_axis(node, int(node.attr("axis", 0)), len(shape))
    dim = shape[axis]
    count = node.output_count
    if node.opset >= 13:
        sizes = node.ints(1, "split") if node.has(1) else None
    else:
        sizes = node.attr("split")
        sizes = None if sizes is None else [int(s) for s in sizes]
    if sizes is None:
        if node.has_attr("num_outputs"):
            count = int(node.attr("num_outputs"))
            node.check(1 <= count <= max(dim, node.output_count),
                       f"num_outputs {count} is not between 1 and the dimension's size ({dim})")
            chunk = -(-dim // count)
            sizes = [chunk] * (count - 1) + [dim - chunk * (count - 1)]
            node.check(sizes[-1] >= 0, f"cannot split {dim} into {count} parts")
        else:
            node.check(dim % count == 0, f"dimension {axis} ({dim}) does not split into {count} equal parts")
            sizes = [dim // count] * count
    node.check(all(s >= 0 for s in sizes) and sum(sizes) == dim,
               f"split sizes {sizes} do not add up to dimension {axis} ({dim})")
    return axis, sizes


@folder("Split", cost=like_first_input)
def fold_split(node: Node, arrays: list[np.ndarray]) -> list[np.ndarray]:
    axis, sizes = _split_sizes(node)
    return np.split(arrays[0], np.cumsum(sizes)[:-1], axis=axis)


@converter("Split")
def convert_split(node: Node) -> list[Value | None]:
    axis, sizes = _split_sizes(node)
    elem = node.elem(0)
    if len(sizes) == 1:
        return [node.input(0)]
    if any(s == 0 for s in sizes):
        node.fail(f"split sizes {sizes} give an empty output; WebNN has no empty tensors")
    parts = node.b.split(node.x(0), sizes, axis=axis, label=node.label())
    return [node.out(p, elem) for p in parts]


# --------------------------------------------------------------------------- Slice


def _slice_bounds(node: Node) -> list[tuple[int, int, int]]:
    """(start, size, step) per axis, ONNX's clamping rules applied."""
    shape = node.shape(0)
    rank = len(shape)
    if node.opset >= 10:
        starts, ends = node.ints(1, "starts"), node.ints(2, "ends")
        axes = node.ints(3, "axes") if node.has(3) else list(range(len(starts)))
        steps = node.ints(4, "steps") if node.has(4) else [1] * len(starts)
    else:
        starts, ends = [int(v) for v in node.attr("starts")], [int(v) for v in node.attr("ends")]
        axes = [int(v) for v in node.attr("axes", list(range(len(starts))))]
        steps = [1] * len(starts)
    node.check(len(starts) == len(ends) == len(axes) == len(steps),
               "starts, ends, axes and steps differ in length")
    axes = norm_axes(node, axes, rank)
    bounds = [(0, d, 1) for d in shape]
    for axis, start, end, step in zip(axes, starts, ends, steps):
        dim = shape[axis]
        node.check(step != 0, f"step 0 on axis {axis}")
        start = start + dim if start < 0 else start
        end = end + dim if end < 0 else end
        if step > 0:
            start, end = min(max(start, 0), dim), min(max(end, 0), dim)
            size = max(0, -(-(end - start) // step))
        else:
            start, end = min(max(start, 0), dim - 1), min(max(end, -1), dim - 1)
            size = max(0, -(-(start - end) // -step))
        bounds[axis] = (start, size, step)
    return bounds


@folder("Slice", cost=like_first_input)
def fold_slice(node: Node, arrays: list[np.ndarray]) -> np.ndarray:
    index = []
    for start, size, step in _slice_bounds(node):
        stop = start + size * step
        index.append(slice(start, None if stop < 0 else stop, step))
    return arrays[0][tuple(index)]


@converter("Slice")
def convert_slice(node: Node) -> Value:
    value = node.input(0)
    bounds = _slice_bounds(node)
    if any(size == 0 for _, size, _ in bounds):
        node.fail(f"the slice of {list(value.shape)} is empty; WebNN has no empty tensors")
    if all((start, size, step) == (0, dim, 1) for (start, size, step), dim in zip(bounds, value.shape)):
        return value
    x = node.x(0)
    backward = [axis for axis, (_, _, step) in enumerate(bounds) if step < 0]
    if backward:
        x = node.b.reverse(x, axes=backward)
        bounds = [
            (value.shape[axis] - 1 - start, size, -step) if step < 0 else (start, size, step)
            for axis, (start, size, step) in enumerate(bounds)
        ]
    starts = [b[0] for b in bounds]
    sizes = [(size - 1) * step + 1 for _, size, step in bounds]  # WebNN's sizes span the input
    strides = [b[2] for b in bounds]
    options = {"strides": strides} if any(s != 1 for s in strides) else {}
    return node.out(node.b.slice(x, starts, sizes, label=node.label(), **options), value.elem)


# --------------------------------------------------------------------------- Expand, Tile


def _expand_target(node: Node) -> tuple[int, ...]:
    return broadcast_shapes(node, node.shape(0), node.ints(1, "shape"))


def expand_cost(node: Node, arrays: list[np.ndarray | None]) -> Cost:
    return made(_expand_target(node), arrays[0].dtype.itemsize)


@folder("Expand", cost=expand_cost)
def fold_expand(node: Node, arrays: list[np.ndarray]) -> np.ndarray:
    return np.broadcast_to(arrays[0], _expand_target(node)).copy()


@converter("Expand")
def convert_expand(node: Node) -> Value:
    shape = _expand_target(node)
    if shape == node.shape(0):
        return node.input(0)
    return node.out(node.b.expand(node.x(0), list(shape), label=node.label()), node.elem(0))


def _repeats(node: Node) -> list[int]:
    repeats = node.ints(1, "repeats")
    rank = len(node.shape(0))
    node.check(len(repeats) == rank, f"repeats {repeats} has {len(repeats)} entries for rank {rank}")
    node.check(all(r >= 0 for r in repeats), f"repeats {repeats} has a negative entry")
    return repeats


def tile_cost(node: Node, arrays: list[np.ndarray | None]) -> Cost:
    return made([d * r for d, r in zip(node.shape(0), _repeats(node))], arrays[0].dtype.itemsize)


@folder("Tile", cost=tile_cost)
def fold_tile(node: Node, arrays: list[np.ndarray]) -> np.ndarray:
    return np.tile(arrays[0], _repeats(node))


@converter("Tile")
def convert_tile(node: Node) -> Value:
    repeats = _repeats(node)
    node.check(all(r > 0 for r in repeats), f"repeats {repeats} give an empty output")
    if all(r == 1 for r in repeats):
        return node.input(0)
    return node.out(node.b.tile(node.x(0), repeats, label=node.label()), node.elem(0))


# --------------------------------------------------------------------------- Pad

PAD_MODES = {"constant": "constant", "reflect": "reflection", "edge": "edge"}


def _pad_geometry(node: Node) -> tuple[list[int], list[int], str, float]:
    """Begin and end pads per axis, the mode and the fill (0 when ``constant_value`` is computed
    at run time: :func:`convert_pad` then fills the border itself)."""
    shape = node.shape(0)
    rank = len(shape)
    if node.opset >= 11:
        pads = node.ints(1, "pads")
        value = node.const(2) if node.has(2) else None
        fill = 0.0 if value is None or value.size == 0 else value.reshape(-1)[0].item()
        axes = norm_axes(node, node.ints(3, "axes"), rank) if node.has(3) else list(range(rank))
    else:
        pads = [int(p) for p in node.attr("pads", node.attr("paddings", []))]
        fill = float(node.attr("value", 0.0))
        axes = list(range(rank))
    node.check(len(pads) == 2 * len(axes), f"pads {pads} needs {2 * len(axes)} entries")
    begin, end = [0] * rank, [0] * rank
    for i, axis in enumerate(axes):
        begin[axis], end[axis] = pads[i], pads[i + len(axes)]
    mode = node.attr("mode", "constant")
    for axis in range(rank):
        node.check(shape[axis] + begin[axis] + end[axis] >= 0, f"pads {pads} crop axis {axis} below zero")
    return begin, end, mode, fill


def pad_cost(node: Node, arrays: list[np.ndarray | None]) -> Cost:
    """The padded result (the crop of negative pads is a view)."""
    begin, end, _, _ = _pad_geometry(node)
    shape = node.shape(0)
    padded = [max(d - max(-b, 0) - max(-e, 0), 0) + max(b, 0) + max(e, 0) for d, b, e in zip(shape, begin, end)]
    return made(padded, arrays[0].dtype.itemsize, count(padded) + count(shape))


@folder("Pad", cost=pad_cost)
def fold_pad(node: Node, arrays: list[np.ndarray]) -> np.ndarray:
    begin, end, mode, fill = _pad_geometry(node)
    x = arrays[0]
    crop = tuple(slice(max(-b, 0), x.shape[i] - max(-e, 0)) for i, (b, e) in enumerate(zip(begin, end)))
    x = x[crop]
    widths = [(max(b, 0), max(e, 0)) for b, e in zip(begin, end)]
    if mode == "constant":
        return np.pad(x, widths, mode="constant", constant_values=np.array(fill).astype(x.dtype))
    numpy_mode = {"reflect": "reflect", "edge": "edge", "wrap": "wrap"}.get(mode)
    node.check(numpy_mode is not None, f"mode {mode!r} is not constant, reflect, edge or wrap")
    return np.pad(x, widths, mode=numpy_mode)


@converter("Pad")
def convert_pad(node: Node) -> Value:
    value = node.input(0)
    begin, end, mode, fill = _pad_geometry(node)
    node.check(mode in PAD_MODES, f"mode {mode!r} has no WebNN equivalent (constant, reflect and edge do)")
    x = node.x(0)
    if any(b < 0 or e < 0 for b, e in zip(begin, end)):
        starts = [max(-b, 0) for b in begin]
        sizes = [d - max(-b, 0) - max(-e, 0) for d, b, e in zip(value.shape, begin, end)]
        node.check(all(s > 0 for s in sizes), "the pads crop the input to nothing")
        x = node.b.slice(x, starts, sizes)
    begin, end = [max(b, 0) for b in begin], [max(e, 0) for e in end]
    if not any(begin) and not any(end):
        return node.out(node.b.identity(x, label=node.label()), value.elem)
    if mode == "constant" and node.opset >= 11 and node.has(2) and node.const(2) is None:
        return node.out(_pad_with_operand(node, x, begin, end), value.elem)
    result = node.b.pad(x, begin, end, mode=PAD_MODES[mode], value=fill, label=node.label())
    return node.out(result, value.elem)


def _pad_with_operand(node: Node, x: MLOperand, begin: list[int], end: list[int]) -> MLOperand:
    """Constant padding by a value computed at run time: ``where`` picks it on the border, which
    a padded mask of ones tells from the input (exact for any value, NaN included)."""
    fill = node.input(2)
    node.check(math.prod(fill.shape) == 1, f"constant_value has shape {list(fill.shape)}, not one element")
    operand = operand_as(node, fill, node.elem(0))
    if fill.rank:
        operand = node.b.reshape(operand, [])
    ones = node.b.expand(node.constant(np.array(1, np.uint8)), list(x.shape))
    inside = node.b.pad(ones, begin, end, mode="constant", value=0)
    padded = node.b.pad(x, begin, end, mode="constant", value=0)
    return node.b.where(inside, padded, operand, label=node.label())


# --------------------------------------------------------------------------- DepthToSpace, SpaceToDepth


def _depth_to_space_plan(node: Node) -> tuple[list[int], list[int], list[int]]:
    shape = node.shape(0)
    node.check(len(shape) == 4, f"the input has rank {len(shape)}, not 4")
    n, c, h, w = shape
    b = int(node.attr("blocksize"))
    node.check(b > 0 and c % (b * b) == 0, f"channels {c} are not a multiple of blocksize² ({b}²)")
    if node.attr("mode", "DCR") == "DCR":
        return [n, b, b, c // (b * b), h, w], [0, 3, 4, 1, 5, 2], [n, c // (b * b), h * b, w * b]
    return [n, c // (b * b), b, b, h, w], [0, 1, 4, 2, 5, 3], [n, c // (b * b), h * b, w * b]


def _space_to_depth_plan(node: Node) -> tuple[list[int], list[int], list[int]]:
    shape = node.shape(0)
    node.check(len(shape) == 4, f"the input has rank {len(shape)}, not 4")
    n, c, h, w = shape
    b = int(node.attr("blocksize"))
    node.check(b > 0 and h % b == 0 and w % b == 0, f"height {h} and width {w} are not multiples of blocksize {b}")
    return [n, c, h // b, b, w // b, b], [0, 3, 5, 1, 2, 4], [n, c * b * b, h // b, w // b]


_REARRANGE = {"DepthToSpace": _depth_to_space_plan, "SpaceToDepth": _space_to_depth_plan}


@folder(*_REARRANGE, cost=like_first_input)
def fold_rearrange(node: Node, arrays: list[np.ndarray]) -> np.ndarray:
    split, perm, final = _REARRANGE[node.op_type](node)
    return arrays[0].reshape(split).transpose(perm).reshape(final)


@converter(*_REARRANGE)
def convert_rearrange(node: Node) -> Value:
    split, perm, final = _REARRANGE[node.op_type](node)
    x = node.b.transpose(node.b.reshape(node.x(0), split), permutation=perm)
    return node.out(node.b.reshape(x, final, label=node.label()), node.elem(0))


# --------------------------------------------------------------------------- Trilu, Dropout


def _trilu_k(node: Node) -> int:
    return int(node.need_const(1, "k").reshape(-1)[0]) if node.has(1) else 0


@folder("Trilu", cost=like_first_input)
def fold_trilu(node: Node, arrays: list[np.ndarray]) -> np.ndarray:
    k = _trilu_k(node)
    return np.triu(arrays[0], k) if node.attr("upper", 1) else np.tril(arrays[0], k)


@converter("Trilu")
def convert_trilu(node: Node) -> Value:
    value = node.input(0)
    node.check(value.rank >= 2, "the input must have rank 2 or more")
    upper = bool(node.attr("upper", 1))
    if node.has(1) and node.const(1) is None:
        return node.out(_trilu_runtime_k(node, value, upper), value.elem)
    result = node.b.triangular(node.x(0), upper=upper, diagonal=_trilu_k(node), label=node.label())
    return node.out(result, value.elem)


def _trilu_runtime_k(node: Node, value: Value, upper: bool) -> MLOperand:
    """Trilu with k computed at run time: element (i, j) is kept where j - i >= k (upper) or
    j - i <= k (lower), a comparison of a constant [rows, columns] ramp with k; the rest is 0."""
    k = node.input(1)
    node.check(math.prod(k.shape) == 1, f"k has shape {list(k.shape)}, not one element")
    rows, columns = value.shape[-2:]
    node.charge(Cost(rows * columns * 8, rows * columns), f"the diagonal offsets of a {rows} x {columns} matrix")
    offsets = np.arange(columns, dtype=np.int64)[None, :] - np.arange(rows, dtype=np.int64)[:, None]
    diagonal = operand_as(node, k, T.INT64)
    if k.rank:
        diagonal = node.b.reshape(diagonal, [])
    ramp = node.constant(offsets)
    keep = node.b.greater_or_equal(ramp, diagonal) if upper else node.b.lesser_or_equal(ramp, diagonal)
    x = node.x(0)
    return node.b.where(keep, x, node.scalar(0, x), label=node.label())


def _dropout_off(node: Node) -> bool:
    """Whether Dropout drops nothing (ratio 0) even when training."""
    if not node.has(1):
        return False
    ratio = node.const(1)
    return ratio is not None and ratio.size == 1 and float(ratio.reshape(-1)[0]) == 0.0


@converter("Dropout")
def convert_dropout(node: Node) -> list[Value | None]:
    """The identity at inference (training_mode false, or absent), and with a ratio of 0; its
    mask is then all true.  Training with a ratio above 0 is random: no equivalent."""
    if node.has(2) and not _dropout_off(node):
        training = node.need_const(2, "training_mode (true drops at random, which has no WebNN equivalent)")
        node.check(not training.any(), "training_mode is true; only inference (identity) is supported")
    value = node.input(0)
    results: list[Value | None] = [value]
    if node.output_used(1):
        elem = T.BOOL if node.opset >= 10 else value.elem  # of the input's type before opset 10
        one = node.constant(np.array(1, np.uint8 if elem == T.BOOL else T.NUMPY[elem]))
        results.append(node.out(node.b.expand(one, list(value.shape), label=node.label("_mask")), elem))
    return results
