"""Pooling: MaxPool, AveragePool, LpPool (p = 2) and their Global forms; 1-D as 2-D."""

from __future__ import annotations

from ..core import Node, Value
from ..registry import converter
from .conv import as_2d, auto_pads, lift, lift_pads, spatial_attrs, webnn_padding


def _onnx_output_sizes(node: Node, sizes: list[int], kernel: list[int], strides: list[int],
                       dilations: list[int], pads: list[int]) -> list[int]:
    """The output sizes ONNX Runtime computes (ceil_mode drops a window starting in the end padding)."""
    ceil_mode = bool(node.attr("ceil_mode", 0))
    spatial = len(sizes)
    result = []
    for i, (size, k, s, d) in enumerate(zip(sizes, kernel, strides, dilations)):
        span = size + pads[i] + pads[i + spatial] - ((k - 1) * d + 1)
        node.check(span >= 0, f"the window ({k}, dilation {d}) is larger than the padded input ({size})")
        out = (-(-span // s) if ceil_mode else span // s) + 1
        if ceil_mode and (out - 1) * s >= size + pads[i]:
            out -= 1
        result.append(out)
    return result


def _pool(node: Node, method: str) -> Value:
    value = node.input(0)
    one_d = as_2d(node, value.shape)
    spatial = value.rank - 2
    kernel = [int(k) for k in node.attr("kernel_shape", [])]
    strides, dilations, pads = spatial_attrs(node, spatial, kernel)
    sizes = list(value.shape[2:])
    pads = auto_pads(node, sizes, kernel, strides, dilations, pads)
    out_sizes = _onnx_output_sizes(node, sizes, kernel, strides, dilations, pads)
    x = node.x(0)
    if method == "average_pool2d" and node.attr("count_include_pad", 0) and any(pads):
        # The padding counts in the average: pad with zeros first, then pool without padding.
        x = node.b.pad(x, [0, 0] + pads[:spatial], [0, 0] + pads[spatial:])
        sizes = [s + pads[i] + pads[i + spatial] for i, s in enumerate(sizes)]
        pads = [0] * (2 * spatial)
    if one_d:
        x = node.b.reshape(x, [value.shape[0], value.shape[1], 1, x.shape[2]])
        kernel, strides, dilations = lift(kernel, 1), lift(strides, 1), lift(dilations, 1)
        pads, out_sizes = lift_pads(pads), lift(out_sizes, 1)
    result = getattr(node.b, method)(
        x, window_dimensions=kernel, padding=webnn_padding(pads), strides=strides, dilations=dilations,
        output_sizes=out_sizes, label=node.label(),
    )
    if one_d:
        result = node.b.reshape(result, [result.shape[0], result.shape[1], result.shape[3]])
    return node.out(result, value.elem)


@converter("MaxPool")
def convert_max_pool(node: Node) -> Value:
    node.only_first_output("the Indices output")
    node.check(int(node.attr("storage_order", 0)) in (0, 1), "storage_order must be 0 or 1")
    return _pool(node, "max_pool2d")


@converter("AveragePool")
def convert_average_pool(node: Node) -> Value:
    return _pool(node, "average_pool2d")


@converter("LpPool")
def convert_lp_pool(node: Node) -> Value:
    node.check(int(node.attr("p", 2)) == 2, f"p = {node.attr('p')}: only p = 2 (l2_pool2d) is supported")
    return _pool(node, "l2_pool2d")


GLOBAL = {"GlobalAveragePool": "average_pool2d", "GlobalMaxPool": "max_pool2d", "GlobalLpPool": "l2_pool2d"}


@converter(*GLOBAL)
def convert_global_pool(node: Node) -> Value:
    if node.op_type == "GlobalLpPool":
        node.check(int(node.attr("p", 2)) == 2, f"p = {node.attr('p')}: only p = 2 (l2_pool2d) is supported")
    value = node.input(0)
    one_d = as_2d(node, value.shape)
    x = node.x(0)
    if one_d:
        x = node.b.reshape(x, [value.shape[0], value.shape[1], 1, value.shape[2]])
    result = getattr(node.b, GLOBAL[node.op_type])(x, label=node.label())
    if one_d:
        result = node.b.reshape(result, [value.shape[0], value.shape[1], 1])
    return node.out(result, value.elem)
