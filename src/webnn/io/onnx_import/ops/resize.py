"""Resize (opsets 10 to 21) and Upsample.

Where ONNX's coordinates agree with WebNN's ``resample2d`` (half-pixel centres, at most two
consecutive resized axes, scale = output / input size) the op becomes one ``resample2d``; the
PP-OCR detector's nearest / asymmetric / floor upsampling by 2 is such a case.  Every other
combination of mode, coordinate transformation and rounding is computed exactly as ONNX defines
it, one axis at a time: the source indices and interpolation weights are worked out here (in
float32, as ONNX Runtime computes them) and applied with ``gather`` and weighted sums.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from ..core import Node, Value
from ..costs import Cost
from ..registry import converter
from .common import norm_axes

if TYPE_CHECKING:
    from ....builder import MLOperand

MODES = ("nearest", "linear", "cubic")
TRANSFORMS = ("half_pixel", "half_pixel_symmetric", "pytorch_half_pixel", "align_corners", "asymmetric",
              "tf_half_pixel_for_nn")
NEAREST_MODES = ("round_prefer_floor", "round_prefer_ceil", "floor", "ceil")
#: The bytes worked out per output coordinate of an axis: its source coordinate and up to four
#: taps' indices and weights, with their temporaries (float32, float64 and int64 arrays).
TAP_BYTES = 128


def _source_coordinates(transform: str, out: int, size: int, scale: float) -> np.ndarray:
    """ONNX's input coordinate of each output coordinate, in float32."""
    o = np.arange(out, dtype=np.float32)
    s = np.float32(scale)
    half = np.float32(0.5)
    if transform == "half_pixel":
        return (o + half) / s - half
    if transform == "half_pixel_symmetric":
        adjustment = np.float32(out) / (s * np.float32(size))
        offset = np.float32(size) / np.float32(2) * (np.float32(1) - adjustment)
        return offset + (o + half) / s - half
    if transform == "pytorch_half_pixel":
        return (o + half) / s - half if out > 1 else np.zeros(out, np.float32)
    if transform == "align_corners":
        if out == 1:
            return np.zeros(out, np.float32)
        return o * np.float32(size - 1) / np.float32(out - 1)
    if transform == "asymmetric":
        return o / s
    return (o + half) / s  # tf_half_pixel_for_nn


def _nearest(coords: np.ndarray, mode: str, size: int) -> np.ndarray:
    floor = np.floor(coords)
    if mode == "floor":
        index = floor
    elif mode == "ceil":
        index = np.ceil(coords)
    else:
        tie = coords == floor + np.float32(0.5)
        rounded = np.floor(coords + np.float32(0.5))
        index = np.where(tie, floor if mode == "round_prefer_floor" else floor + 1, rounded)
    return np.clip(index, 0, size - 1).astype(np.int64)


def _cubic_weights(t: np.ndarray, a: float) -> np.ndarray:
    a = np.float32(a)
    one, two = np.float32(1), np.float32(2)
    t1, t2, t3 = t + one, one - t, two - t
    return np.stack([
        ((a * t1 - 5 * a) * t1 + 8 * a) * t1 - 4 * a,
        ((a + 2) * t - (a + 3)) * t * t + one,
        ((a + 2) * t2 - (a + 3)) * t2 * t2 + one,
        ((a * t3 - 5 * a) * t3 + 8 * a) * t3 - 4 * a,
    ], axis=1).astype(np.float32)


def taps(node: Node, mode: str, transform: str, nearest_mode: str, out: int, size: int,
         scale: float) -> tuple[np.ndarray, np.ndarray | None]:
    """(indices [out, taps], weights [out, taps] or None for nearest) along one axis."""
    coords = _source_coordinates(transform, out, size, scale)
    if nearest_mode == "simple":  # Upsample and Resize-10: floor when enlarging, ceil when shrinking
        nearest_mode = "floor" if scale >= 1 else "ceil"
    if mode == "nearest":
        return _nearest(coords, nearest_mode, size)[:, None], None
    if mode == "linear":
        coords = np.clip(coords, 0, size - 1)
        low = np.floor(coords)
        t = (coords - low).astype(np.float32)
        low = low.astype(np.int64)
        high = np.minimum(low + 1, size - 1)
        return np.stack([low, high], axis=1), np.stack([np.float32(1) - t, t], axis=1)
    low = np.floor(coords)
    weights = _cubic_weights((coords - low).astype(np.float32), float(node.attr("cubic_coeff_a", -0.75)))
    indices = low.astype(np.int64)[:, None] + np.arange(-1, 3)[None, :]
    if node.attr("exclude_outside", 0):
        inside = (indices >= 0) & (indices < size)
        weights = np.where(inside, weights, np.float32(0))
        weights = (weights / weights.sum(axis=1, keepdims=True)).astype(np.float32)
    return np.clip(indices, 0, size - 1), weights


def _webnn_nearest(out: int, size: int) -> np.ndarray:
    """The indices ``resample2d``'s nearest-neighbor picks (half-pixel centres, ties down)."""
    coords = np.clip((np.arange(out, dtype=np.float64) + 0.5) * size / out - 0.5, 0.0, size - 1)
    return np.ceil(coords - 0.5).astype(np.int64)


def _scaled_sizes(shape: tuple[int, ...], scales: list[float]) -> list[int]:
    """floor(size * scale), the product in float32 as ONNX Runtime computes it."""
    return [int(math.floor(np.float32(d) * np.float32(s))) for d, s in zip(shape, scales)]


def _geometry(node: Node, shape: tuple[int, ...]) -> tuple[list[int], list[float]]:
    """Output sizes and the scales ONNX uses for the coordinates, per axis."""
    rank = len(shape)
    if node.op_type == "Upsample":
        scales = node.attr("scales") if node.opset < 9 else node.need_const(1, "scales").reshape(-1)
        node.check(scales is not None and len(scales) == rank, f"scales must have {rank} entries")
        scales = [float(s) for s in scales]
        return _scaled_sizes(shape, scales), scales
    if node.opset < 11:
        scale_index, sizes_index = 1, None
    else:
        scale_index, sizes_index = 2, 3
        if node.has(1) and node.const(1) is not None and node.const(1).size:
            node.check(node.attr("coordinate_transformation_mode") != "tf_crop_and_resize",
                       "tf_crop_and_resize has no WebNN equivalent")
    axes = list(range(rank))
    if node.has_attr("axes"):
        axes = norm_axes(node, [int(a) for a in node.attr("axes")], rank)
    scales_arr = node.need_const(scale_index, "scales") if node.has(scale_index) else None
    sizes_arr = None
    if sizes_index is not None and node.has(sizes_index):
        sizes_arr = node.need_const(sizes_index, "sizes")
    if scales_arr is not None and scales_arr.size:
        node.check(sizes_arr is None or sizes_arr.size == 0, "both scales and sizes are given")
        node.check(scales_arr.size == len(axes), f"scales has {scales_arr.size} entries for {len(axes)} axes")
        given = [float(s) for s in scales_arr.reshape(-1)]
        node.check(all(s > 0 for s in given), f"scales {given} must be positive")
        scales = [1.0] * rank
        for axis, s in zip(axes, given):
            scales[axis] = s
        return _scaled_sizes(shape, scales), scales
    node.check(sizes_arr is not None and sizes_arr.size, "neither scales nor sizes is given")
    assert sizes_arr is not None
    node.check(sizes_arr.size == len(axes), f"sizes has {sizes_arr.size} entries for {len(axes)} axes")
    wanted = [int(v) for v in sizes_arr.reshape(-1)]
    node.check(all(v > 0 for v in wanted), f"sizes {wanted} must be positive")
    policy = node.attr("keep_aspect_ratio_policy", "stretch")
    sizes = list(shape)
    if policy == "stretch":
        for axis, v in zip(axes, wanted):
            sizes[axis] = v
        return sizes, [float(np.float32(s) / np.float32(d)) for s, d in zip(sizes, shape)]
    node.check(policy in ("not_larger", "not_smaller"), f"keep_aspect_ratio_policy {policy!r} is unknown")
    # One scale for all the given axes; the coordinates use it, not the rounded size ratios.
    ratios = [float(np.float32(v) / np.float32(shape[a])) for a, v in zip(axes, wanted)]
    ratio = min(ratios) if policy == "not_larger" else max(ratios)
    scales = [1.0] * len(shape)
    for axis in axes:
        sizes[axis] = int(math.floor(shape[axis] * ratio + 0.5))
        scales[axis] = ratio
    return sizes, scales


def _attributes(node: Node) -> tuple[str, str, str]:
    mode = node.attr("mode", "nearest")
    node.check(mode in MODES, f"mode {mode!r} is not nearest, linear or cubic")
    if node.op_type == "Upsample":
        node.check(mode != "cubic", "Upsample has no cubic mode")
        return mode, "asymmetric", "simple"
    if node.opset < 11:
        return mode, "asymmetric", "simple"
    transform = node.attr("coordinate_transformation_mode", "half_pixel")
    node.check(transform in TRANSFORMS, f"coordinate_transformation_mode {transform!r} is not supported")
    nearest_mode = node.attr("nearest_mode", "round_prefer_floor")
    node.check(nearest_mode in NEAREST_MODES, f"nearest_mode {nearest_mode!r} is unknown")
    return mode, transform, nearest_mode


def _as_resample2d(mode: str, transform: str, changed: list[int], shape: tuple[int, ...],
                   sizes: list[int], scales: list[float],
                   maps: dict[int, tuple[np.ndarray, np.ndarray | None]]) -> list[int] | None:
    """The two axes for ``resample2d`` when it computes the same as ONNX, else None."""
    if not changed or len(changed) > 2:
        return None
    axes = changed if len(changed) == 2 else ([changed[0], changed[0] + 1] if changed[0] + 1 < len(shape)
                                              else [changed[0] - 1, changed[0]])
    if axes[1] != axes[0] + 1 or axes[0] < 0:
        return None
    for axis in changed:
        if mode == "nearest":
            if not np.array_equal(maps[axis][0][:, 0], _webnn_nearest(sizes[axis], shape[axis])):
                return None
        elif mode == "linear":
            exact_scale = float(np.float32(sizes[axis]) / np.float32(shape[axis])) == float(np.float32(scales[axis]))
            half = transform == "half_pixel" or (transform == "pytorch_half_pixel" and sizes[axis] > 1)
            if not (half and exact_scale):
                return None
        else:
            return None
    return axes


def _resize(node: Node) -> Value:
    value = node.input(0)
    shape = value.shape
    mode, transform, nearest_mode = _attributes(node)
    node.check(not node.attr("antialias", 0) or all(s >= 1 for s in _geometry(node, shape)[1]),
               "antialias when downscaling has no WebNN equivalent")
    sizes, scales = _geometry(node, shape)
    node.check(all(s > 0 for s in sizes), f"the output shape {sizes} is empty")
    node.charge(Cost(sum(sizes) * TAP_BYTES, sum(sizes) * 16),
                f"computing the interpolation taps for the output shape {sizes}")
    maps = {}
    for axis, (out, size, scale) in enumerate(zip(sizes, shape, scales)):
        indices, weights = taps(node, mode, transform, nearest_mode, out, size, scale)
        identity = out == size and weights is None and np.array_equal(indices[:, 0], np.arange(size))
        if not identity:
            maps[axis] = (indices, weights)
    changed = sorted(maps)
    if not changed:
        return value
    x = node.x(0)
    axes = _as_resample2d(mode, transform, changed, shape, sizes, scales, maps)
    if axes is not None:
        webnn_mode = "nearest-neighbor" if mode == "nearest" else "linear"
        result = node.b.resample2d(x, mode=webnn_mode, sizes=[sizes[a] for a in axes], axes=axes, label=node.label())
        return node.out(result, value.elem)
    if mode != "nearest":
        node.check(x.data_type in ("float32", "float16"), f"{mode} resizing of {x.data_type} is not supported")
    for n, axis in enumerate(changed):
        indices, weights = maps[axis]
        label = node.label() if n == len(changed) - 1 else ""
        x = _apply(node, x, axis, indices, weights, label)
    return node.out(x, value.elem)


def _apply(node: Node, x: MLOperand, axis: int, indices: np.ndarray, weights: np.ndarray | None,
           label: str) -> MLOperand:
    """Interpolate ``x`` along ``axis``: sum over taps of gather(x, indices[:, t]) * weights[:, t]."""
    if weights is None:
        return node.b.gather(x, node.constant(indices[:, 0].astype(np.int32)), axis=axis, label=label)
    shape = [1] * x.rank
    shape[axis] = indices.shape[0]
    total = None
    for t in range(indices.shape[1]):
        picked = node.b.gather(x, node.constant(indices[:, t].astype(np.int32)), axis=axis)
        weighted = node.b.mul(picked, node.constant(weights[:, t].reshape(shape), x.data_type))
        last = t == indices.shape[1] - 1
        total = weighted if total is None else node.b.add(total, weighted, label=label if last else "")
    return total


@converter("Resize", "Upsample")
def convert_resize(node: Node) -> Value:
    return _resize(node)
