"""Reference kernels: conv2d and conv_transpose2d.

Layouts are handled in one place: :func:`_input_nchw` and :func:`_filter_oihw`
view every input as ``nchw`` and every filter as ``oihw`` (for the transposed
convolution, "o" and "i" are the filter's own axes: ``iohw`` is read as
``[inputChannels, outputChannels / groups, h, w]``), and :func:`_output`
lays the result out as asked.

Both kernels loop over the filter window offsets only.  For each offset the
input pixels that meet that filter tap form a strided rectangle, so one
matrix product per offset (batched over groups) computes its contribution,
with channels last so that the products run on contiguous rows.  Padding is
never materialised: only the rows and columns of the rectangle that fall
inside the input (conv2d) or inside the output (conv_transpose2d) take part.
Depthwise-like convolutions (one input channel per group) use broadcast
multiplication instead of tiny matrix products.  float16 computes in float32.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .registry import kernel, upcast

_FILTER_AXES = {
    layout: tuple(layout.index(axis) for axis in "oihw")
    for layout in ("oihw", "hwio", "ohwi", "ihwo", "iohw", "hwoi")
}


# --------------------------------------------------------------------------- layouts


def _input_nchw(x: np.ndarray, layout: str) -> np.ndarray:
    return x.transpose(0, 3, 1, 2) if layout == "nhwc" else x


def _filter_oihw(w: np.ndarray, layout: str) -> np.ndarray:
    return w.transpose(_FILTER_AXES[layout])


def _output(y_nhwc: np.ndarray, layout: str) -> np.ndarray:
    """The result, computed channels last, in the op's input layout."""
    return y_nhwc if layout == "nhwc" else np.ascontiguousarray(y_nhwc.transpose(0, 3, 1, 2))


# --------------------------------------------------------------------------- index ranges


def _taps(count: int, stride: int, offset: int, limit: int) -> tuple[int, int]:
    """The range ``[lo, hi)`` of k in ``[0, count)`` with ``0 <= k * stride + offset < limit``."""
    lo = max(0, -(offset // stride)) if offset < 0 else 0
    hi = min(count, (limit - 1 - offset) // stride + 1) if limit - 1 - offset >= 0 else 0
    return lo, max(lo, hi)


# --------------------------------------------------------------------------- conv2d


@kernel("conv2d")
def conv2d(
    input: np.ndarray,
    filter: np.ndarray,
    bias: np.ndarray | None,
    padding: Sequence[int],
    strides: Sequence[int],
    dilations: Sequence[int],
    groups: int,
    input_layout: str,
    filter_layout: str,
) -> np.ndarray:
    x = upcast(_input_nchw(input, input_layout)).transpose(0, 2, 3, 1)  # n, h, w, c
    w = upcast(_filter_oihw(filter, filter_layout))  # o, c / groups, kh, kw
    batches, in_h, in_w, channels = x.shape
    out_c, group_c, kh, kw = w.shape
    sh, sw = strides
    dh, dw = dilations
    out_h = (in_h - (kh - 1) * dh - 1 + padding[0] + padding[1]) // sh + 1
    out_w = (in_w - (kw - 1) * dw - 1 + padding[2] + padding[3]) // sw + 1
    group_o = out_c // groups
    y = np.zeros((batches, out_h, out_w, groups, group_o), dtype=x.dtype)
    # Filter taps as [kh, kw, groups, c / groups, o / groups].
    taps = w.reshape(groups, group_o, group_c, kh, kw).transpose(3, 4, 0, 2, 1)
    for i in range(kh):
        # Output row r reads input row r * sh + i * dh - padding[0].
        r0, r1 = _taps(out_h, sh, i * dh - padding[0], in_h)
        if r0 == r1:
            continue
        rows = slice(r0 * sh + i * dh - padding[0], (r1 - 1) * sh + i * dh - padding[0] + 1, sh)
        for j in range(kw):
            c0, c1 = _taps(out_w, sw, j * dw - padding[2], in_w)
            if c0 == c1:
                continue
            cols = slice(c0 * sw + j * dw - padding[2], (c1 - 1) * sw + j * dw - padding[2] + 1, sw)
            patch = x[:, rows, cols, :].reshape(batches, r1 - r0, c1 - c0, groups, group_c)
            target = y[:, r0:r1, c0:c1]
            if group_c == 1:
                # One input channel per group (depthwise): a broadcast product.
                target += patch * taps[i, j, :, 0, :]
            else:
                # [groups, pixels, c / groups] @ [groups, c / groups, o / groups].
                pixels = np.ascontiguousarray(patch).reshape(-1, groups, group_c).transpose(1, 0, 2)
                product = np.matmul(pixels, taps[i, j])
                target += product.transpose(1, 0, 2).reshape(target.shape)
    y = y.reshape(batches, out_h, out_w, out_c)
    if bias is not None:
        y += upcast(bias)
    return _output(y, input_layout)


# --------------------------------------------------------------------------- conv_transpose2d


@kernel("conv_transpose2d")
def conv_transpose2d(
    input: np.ndarray,
    filter: np.ndarray,
    bias: np.ndarray | None,
    padding: Sequence[int],
    strides: Sequence[int],
    dilations: Sequence[int],
    output_padding: Sequence[int],
    output_sizes: Sequence[int],
    groups: int,
    input_layout: str,
    filter_layout: str,
) -> np.ndarray:
    x = upcast(_input_nchw(input, input_layout)).transpose(0, 2, 3, 1)  # n, h, w, c
    w = upcast(_filter_oihw(filter, filter_layout))  # o / groups, c, kh, kw (read from iohw)
    batches, in_h, in_w, channels = x.shape
    group_o, _, kh, kw = w.shape
    group_c = channels // groups
    sh, sw = strides
    dh, dw = dilations
    out_h, out_w = output_sizes
    y = np.zeros((batches, out_h, out_w, groups, group_o), dtype=x.dtype)
    # Filter taps as [kh, kw, groups, c / groups, o / groups].
    taps = w.reshape(group_o, groups, group_c, kh, kw).transpose(3, 4, 1, 2, 0)
    for i in range(kh):
        # Input row r writes output row r * sh + i * dh - padding[0].
        r0, r1 = _taps(in_h, sh, i * dh - padding[0], out_h)
        if r0 == r1:
            continue
        rows = slice(r0 * sh + i * dh - padding[0], (r1 - 1) * sh + i * dh - padding[0] + 1, sh)
        for j in range(kw):
            c0, c1 = _taps(in_w, sw, j * dw - padding[2], out_w)
            if c0 == c1:
                continue
            cols = slice(c0 * sw + j * dw - padding[2], (c1 - 1) * sw + j * dw - padding[2] + 1, sw)
            patch = x[:, r0:r1, c0:c1, :].reshape(batches, r1 - r0, c1 - c0, groups, group_c)
            target = y[:, rows, cols]
            if group_c == 1:
                target += patch * taps[i, j, :, 0, :]
            else:
                pixels = np.ascontiguousarray(patch).reshape(-1, groups, group_c).transpose(1, 0, 2)
                product = np.matmul(pixels, taps[i, j])
                target += product.transpose(1, 0, 2).reshape(target.shape)
    y = y.reshape(batches, out_h, out_w, groups * group_o)
    if bias is not None:
        y += upcast(bias)
    return _output(y, input_layout)
