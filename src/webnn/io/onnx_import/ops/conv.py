"""Convolutions: Conv and ConvTranspose, 2-D directly and 1-D as 2-D with a unit height."""

from __future__ import annotations

from ..core import Node, Value
from ..registry import converter


def spatial_attrs(node: Node, spatial: int, kernel: list[int]) -> tuple[list[int], list[int], list[int]]:
    """strides, dilations and explicit ONNX pads [begin..., end...] (auto_pad not yet applied)."""
    strides = [int(s) for s in node.attr("strides", [1] * spatial)]
    dilations = [int(d) for d in node.attr("dilations", [1] * spatial)]
    pads = [int(p) for p in node.attr("pads", [0] * (2 * spatial))]
    node.check(len(strides) == spatial and all(s > 0 for s in strides), f"strides {strides} are invalid")
    node.check(len(dilations) == spatial and all(d > 0 for d in dilations), f"dilations {dilations} are invalid")
    node.check(len(pads) == 2 * spatial and all(p >= 0 for p in pads), f"pads {pads} are invalid")
    node.check(len(kernel) == spatial, f"kernel_shape {kernel} does not have {spatial} entries")
    return strides, dilations, pads


def auto_pads(node: Node, sizes: list[int], kernel: list[int], strides: list[int], dilations: list[int],
              pads: list[int]) -> list[int]:
    """The explicit pads [begin..., end...] that ``auto_pad`` asks for (SAME_* / VALID / NOTSET)."""
    mode = node.attr("auto_pad", "NOTSET")
    spatial = len(sizes)
    if mode in ("NOTSET", ""):
        return pads
    if mode == "VALID":
        return [0] * (2 * spatial)
    node.check(mode in ("SAME_UPPER", "SAME_LOWER"), f"auto_pad {mode!r} is not NOTSET, VALID, SAME_UPPER or SAME_LOWER")
    begin, end = [], []
    for size, k, s, d in zip(sizes, kernel, strides, dilations):
        out = -(-size // s)
        total = max(0, (out - 1) * s + (k - 1) * d + 1 - size)
        small, large = total // 2, total - total // 2
        begin.append(small if mode == "SAME_UPPER" else large)
        end.append(large if mode == "SAME_UPPER" else small)
    return begin + end


def webnn_padding(pads: list[int]) -> list[int]:
    """ONNX [h_begin, w_begin, h_end, w_end] -> WebNN [top, bottom, left, right]."""
    return [pads[0], pads[2], pads[1], pads[3]]


def as_2d(node: Node, value_shape: tuple[int, ...]) -> bool:
    """Whether the op is 1-D (rank 3) and must be run as 2-D with a unit height."""
    rank = len(value_shape)
    node.check(rank in (3, 4), f"{rank - 2}-D {node.op_type} is not supported (1-D and 2-D are)")
    return rank == 3


def lift(values: list[int], fill: int) -> list[int]:
    """1-D spatial attributes to 2-D: a unit (``fill``) height in front."""
    return [fill] + values


def lift_pads(pads: list[int]) -> list[int]:
    return [0, pads[0], 0, pads[1]]


def _prologue(node: Node) -> tuple[Value, Value, bool, int, list[int], list[int], list[int], list[int]]:
    """The input and weight values, whether the op is 1-D, the spatial rank, the kernel and the
    strides, dilations and explicit pads attributes (the part Conv and ConvTranspose share)."""
    x, w = node.input(0), node.input(1)
    one_d = as_2d(node, x.shape)
    node.check(w.rank == x.rank, f"the weight has rank {w.rank}, the input rank {x.rank}")
    spatial = x.rank - 2
    kernel = [int(k) for k in node.attr("kernel_shape", w.shape[2:])]
    node.check(kernel == list(w.shape[2:]), f"kernel_shape {kernel} differs from the weight's {list(w.shape[2:])}")
    strides, dilations, pads = spatial_attrs(node, spatial, kernel)
    return x, w, one_d, spatial, kernel, strides, dilations, pads


def _run_2d(node: Node, method: str, one_d: bool, pads: list[int], strides: list[int], dilations: list[int],
            **options: object) -> Value:
    """Call the 2-D builder op (a 1-D op with a unit height in front, squeezed again after)."""
    x, w = node.input(0), node.input(1)
    xo, wo = node.x(0), node.x(1)
    if one_d:
        xo = node.b.reshape(xo, [x.shape[0], x.shape[1], 1, x.shape[2]])
        wo = node.b.reshape(wo, [w.shape[0], w.shape[1], 1, w.shape[2]])
        strides, dilations, pads = lift(strides, 1), lift(dilations, 1), lift_pads(pads)
    if node.has(2):
        options["bias"] = node.x(2)
    result = getattr(node.b, method)(
        xo, wo, padding=webnn_padding(pads), strides=strides, dilations=dilations,
        groups=int(node.attr("group", 1)), label=node.label(), **options,
    )
    if one_d:
        result = node.b.reshape(result, [result.shape[0], result.shape[1], result.shape[3]])
    return node.out(result, x.elem)


@converter("Conv")
def convert_conv(node: Node) -> Value:
    x, _, one_d, _, kernel, strides, dilations, pads = _prologue(node)
    pads = auto_pads(node, list(x.shape[2:]), kernel, strides, dilations, pads)
    return _run_2d(node, "conv2d", one_d, pads, strides, dilations)


@converter("ConvTranspose")
def convert_conv_transpose(node: Node) -> Value:
    x, _, one_d, spatial, kernel, strides, dilations, pads = _prologue(node)
    output_padding = [int(p) for p in node.attr("output_padding", [0] * spatial)]
    output_shape = node.attr("output_shape")
    sizes = list(x.shape[2:])
    effective = [(k - 1) * d + 1 for k, d in zip(kernel, dilations)]
    mode = node.attr("auto_pad", "NOTSET")
    out_sizes = None
    if output_shape is not None:
        out_sizes = [int(v) for v in output_shape][-spatial:]
    elif mode in ("SAME_UPPER", "SAME_LOWER"):
        out_sizes = [i * s for i, s in zip(sizes, strides)]
    elif mode == "VALID":
        pads = [0] * (2 * spatial)
    if out_sizes is not None:
        # The padding that gives exactly out_sizes; NOTSET splits it like SAME_LOWER, as ONNX says.
        totals = [s * (i - 1) + op + e - o for s, i, op, e, o in zip(strides, sizes, output_padding, effective, out_sizes)]
        node.check(all(t >= 0 for t in totals), f"the output size {out_sizes} is larger than the op can produce")
        upper = mode == "SAME_UPPER"
        pads = ([t // 2 if upper else t - t // 2 for t in totals]
                + [t - t // 2 if upper else t // 2 for t in totals])
    options: dict[str, object] = {"filter_layout": "iohw"}
    if out_sizes is not None:
        options["output_sizes"] = lift(out_sizes, 1) if one_d else out_sizes
    elif any(output_padding):
        options["output_padding"] = lift(output_padding, 0) if one_d else output_padding
    return _run_2d(node, "conv_transpose2d", one_d, pads, strides, dilations, **options)
