"""conv2d and conv_transpose2d: MIL's conv / conv_transpose (NCHW inputs; OIHW filters, IOHW for
the transposed one, as the pipeline's canonical layout leaves them), explicit padding, the
output size of conv_transpose2d given as its output shape."""

from __future__ import annotations

from typing import Any

from . import FLOATS, OpLowering, lowering


def _options(e: OpLowering) -> dict[str, Any]:
    top, bottom, left, right = (int(p) for p in e.attrs["padding"])
    options: dict[str, Any] = {
        "x": e.input("input"), "weight": e.input("filter"), "pad_type": "custom", "pad": [top, bottom, left, right],
        "strides": [int(s) for s in e.attrs["strides"]], "dilations": [int(d) for d in e.attrs["dilations"]],
        "groups": int(e.attrs["groups"]),
    }
    if e.has("bias"):
        options["bias"] = e.input("bias")
    return options


@lowering("conv2d", types=FLOATS)
def conv2d(e: OpLowering) -> Any:
    if e.attrs["input_layout"] != "nchw" or e.attrs["filter_layout"] != "oihw":
        raise AssertionError("conv2d: the pipeline leaves NCHW / OIHW")
    return e.mb.conv(**_options(e))


@lowering("conv_transpose2d", types=FLOATS)
def conv_transpose2d(e: OpLowering) -> Any:
    if e.attrs["input_layout"] != "nchw" or e.attrs["filter_layout"] != "iohw":
        raise AssertionError("conv_transpose2d: the pipeline leaves NCHW / IOHW")
    return e.mb.conv_transpose(**_options(e), output_shape=list(e.out().shape))
