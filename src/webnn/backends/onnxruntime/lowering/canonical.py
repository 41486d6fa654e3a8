"""What the lowerings of convolutions, pools and instance normalization may assume, and the
one conversion of padding to ONNX.

The backend's pipeline (:mod:`..pipeline`, pass ``canonical_layout``) gives every such op
NCHW inputs and OIHW (conv2d) / IOHW (conv_transpose2d) filters, which are ONNX's own
layouts; another layout here is a bug in the passes (:func:`expect_canonical`).

Padding: WebNN gives conv / pool padding as [begin_h, end_h, begin_w, end_w]
(:func:`spatial_padding` splits it) and ``pad`` as beginning / ending padding per dimension;
ONNX's ``pads`` (Conv, pools, Pad) are all the beginnings, then all the ends
(:func:`onnx_pads`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ....ir import Operation

#: The input layout option of each op that has one, and the filter layout ONNX takes.
_LAYOUT_OPTIONS = {
    "conv2d": ("input_layout", "oihw"), "conv_transpose2d": ("input_layout", "iohw"),
    "average_pool2d": ("layout", None), "l2_pool2d": ("layout", None), "max_pool2d": ("layout", None),
    "instance_normalization": ("layout", None),
}


def expect_canonical(op: Operation) -> None:
    """AssertionError unless ``op`` is in the canonical layout (NCHW; OIHW / IOHW filters)."""
    option, filter_layout = _LAYOUT_OPTIONS[op.type]
    layout = op.attrs[option]
    if layout != "nchw" or (filter_layout is not None and op.attrs["filter_layout"] != filter_layout):
        found = layout if filter_layout is None else f"{layout} / {op.attrs['filter_layout']}"
        raise AssertionError(
            f"{op.type}: the onnxruntime lowering expects the canonical layout "
            f"(nchw{'' if filter_layout is None else ' / ' + filter_layout}), got {found}: "
            "the canonical_layout pass did not run"
        )


def spatial_padding(attrs: Mapping[str, Any]) -> tuple[tuple[int, int], tuple[int, int]]:
    """A 2-D op's WebNN ``padding`` [begin_h, end_h, begin_w, end_w] as ((begin_h, begin_w),
    (end_h, end_w))."""
    begin_h, end_h, begin_w, end_w = attrs["padding"]
    return (begin_h, begin_w), (end_h, end_w)


def onnx_pads(beginning: Sequence[int], ending: Sequence[int]) -> list[int]:
    """ONNX ``pads``: the padding before each dimension, then after each."""
    assert len(beginning) == len(ending)
    return [*beginning, *ending]
