"""Reference kernels: conv2d and conv_transpose2d.

float32 conv2d runs by a :class:`Conv2dPlan`: one matrix product for 1x1 filters, sums of
shifted input windows times per-channel weights for depthwise filters, and one matrix
product per filter tap for the rest.  The executor makes the plan once per operation and
prepares a constant filter once; the ``conv2d`` kernel makes both per call.

Other data types (float16, computing in float32) and conv_transpose2d run the tap-by-tap
kernels of the second half, whose float16 results must not change.  Layouts are handled
in one place: :func:`_input_nchw` and :func:`_filter_oihw` view every input as ``nchw``
and every filter as ``oihw`` (for the transposed convolution, "o" and "i" are the filter's
own axes: ``iohw`` is read as ``[inputChannels, outputChannels / groups, h, w]``), and
:func:`_output` lays the result out as asked.  They loop over the filter window offsets
only.  For each offset the input pixels that meet that filter tap form a strided
rectangle, so one matrix product per offset (batched over groups) computes its
contribution, with channels last so that the products run on contiguous rows.  Padding is
never materialised: only the rows and columns of the rectangle that fall inside the input
(conv2d) or inside the output (conv_transpose2d) take part.  Depthwise-like convolutions
(one input channel per group) use broadcast multiplication instead of tiny matrix
products.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence

import numpy as np

from .registry import kernel, upcast

#: The size of the blocks (bytes per array) that the float32 conv2d methods work in, so
#: that the arrays of a block stay in cache while each filter tap adds to them.
_BLOCK_BYTES = 1 << 18

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
    if input.dtype == np.float32:
        plan = Conv2dPlan(input.shape, filter.shape, padding, strides, dilations, groups, input_layout,
                          filter_layout)
        return plan.run(input, plan.prepare(filter), bias)
    return _conv2d_taps(input, filter, bias, padding, strides, dilations, groups, input_layout, filter_layout)


class Conv2dPlan:
    """How a float32 conv2d of given shapes runs: one of three methods, chosen once.

    - ``pointwise`` (1x1 filter, no padding, one group): one matrix product of the filter
      and the (subsampled) input, in either layout;
    - ``depthwise`` (one input and one output channel per group): a sum over the filter taps
      of shifted input windows times per-channel weights (:func:`_depthwise_channels_first`,
      :func:`_depthwise_channels_last`);
    - ``taps`` (any other): per filter tap, the input window under it times the tap's
      weights, one matrix product per group, added up in tap order.

    Products accumulate in float32.  Within a tap (over the input channels) the order is
    BLAS's; the taps add up in the order of the tap-by-tap kernel, whose results this
    matches bit for bit for depthwise filters and where BLAS sums alike (a different
    summation order is a float32 rounding difference only, but chaotic models amplify
    even those).  The result is the sum of products plus the bias (a -0 in the bias counts
    as +0, and no bias as +0, so that the result is never -0, as a sum that starts from +0
    is not); it is a new C-contiguous array in the input layout.
    """

    def __init__(
        self,
        input_shape: Sequence[int],
        filter_shape: Sequence[int],
        padding: Sequence[int],
        strides: Sequence[int],
        dilations: Sequence[int],
        groups: int,
        input_layout: str,
        filter_layout: str,
    ) -> None:
        self.input_layout, self.filter_layout = input_layout, filter_layout
        self.padding, self.strides, self.dilations = tuple(padding), tuple(strides), tuple(dilations)
        self.groups = groups
        n, h, w, c = (input_shape[i] for i in ((0, 2, 3, 1) if input_layout == "nchw" else (0, 1, 2, 3)))
        o, group_c, kh, kw = (filter_shape[i] for i in _FILTER_AXES[filter_layout])
        self.batches, self.in_h, self.in_w, self.channels = n, h, w, c
        self.out_c, self.group_c, self.kh, self.kw = o, group_c, kh, kw
        self.out_h = (h - (kh - 1) * dilations[0] - 1 + padding[0] + padding[1]) // strides[0] + 1
        self.out_w = (w - (kw - 1) * dilations[1] - 1 + padding[2] + padding[3]) // strides[1] + 1
        if kh == kw == 1 and groups == 1 and not any(padding):
            self.method = "pointwise"
        elif group_c == 1 and o == groups:
            self.method = "depthwise"
        else:
            self.method = "taps"

    def prepare(self, filter: np.ndarray) -> np.ndarray:
        """The filter arranged for the method (done once for a constant filter)."""
        w = filter.transpose(_FILTER_AXES[self.filter_layout])  # o, c / groups, kh, kw
        if self.method == "pointwise":
            w = w.reshape(self.out_c, self.channels)
            return np.ascontiguousarray(w.T if self.input_layout == "nhwc" else w)
        if self.method == "depthwise":
            return np.ascontiguousarray(w.reshape(self.out_c, self.kh * self.kw))
        # [kh * kw, groups, o / groups, c / groups]: one stack of matrices per tap
        w = w.reshape(self.groups, self.out_c // self.groups, self.group_c, self.kh * self.kw)
        return np.ascontiguousarray(w.transpose(3, 0, 1, 2))

    def run(self, input: np.ndarray, prepared: np.ndarray, bias: np.ndarray | None) -> np.ndarray:
        """conv2d(input) + bias with the filter from :meth:`prepare`."""
        bias = np.zeros((), np.float32) if bias is None else np.add(bias, np.float32(0))  # -0 is +0
        if self.method == "depthwise":
            return self._depthwise(input, prepared, bias)
        if self.method == "pointwise":
            y = self._pointwise(input, prepared)
        else:
            y = self._tap_products(_input_nchw(input, self.input_layout), prepared)
            if self.input_layout == "nhwc":
                y = np.ascontiguousarray(y.transpose(0, 2, 3, 1))
        return np.add(y, bias if self.input_layout == "nhwc" or bias.ndim == 0 else bias[:, None, None], out=y)

    # -- methods
    def _pointwise(self, x: np.ndarray, w: np.ndarray) -> np.ndarray:
        sh, sw = self.strides
        n, oh, ow = self.batches, self.out_h, self.out_w
        if self.input_layout == "nchw":
            columns = x[:, :, ::sh, ::sw].reshape(n, self.channels, oh * ow)
            return np.matmul(w, columns).reshape(n, self.out_c, oh, ow)
        rows = x[:, ::sh, ::sw, :].reshape(n * oh * ow, self.channels)
        return np.matmul(rows, w).reshape(n, oh, ow, self.out_c)

    def _depthwise(self, x: np.ndarray, w: np.ndarray, bias: np.ndarray) -> np.ndarray:
        # Channels last when the input is, or when the channels outnumber the output pixels
        # per stride phase: then the channels-first sums would run on rows too short for
        # NumPy to be quick, and split the input into too many phases.
        sh, sw = self.strides
        if self.input_layout == "nhwc" or self.channels * sh * sw > self.out_h * self.out_w:
            y = _depthwise_channels_last(_input_nhwc(x, self.input_layout), w, self)
            if self.input_layout == "nhwc":
                return np.add(y, bias, out=y)
            out = np.empty((self.batches, self.channels, self.out_h, self.out_w), np.float32)
            return np.add(y.transpose(0, 3, 1, 2), _per_channel(bias), out=out)
        return _depthwise_channels_first(x, w, _per_channel(bias), self)

    def _tap_products(self, x: np.ndarray, w: np.ndarray) -> np.ndarray:
        """NCHW sum over the filter taps of the grouped filter tap times the input window
        under it (``x`` NCHW), added up in tap order, as the tap-by-tap kernel does.

        Output rows go in blocks that fit in cache, so that each tap's product and sum stay
        there; one block is the result itself.
        """
        n, oh, ow, groups = self.batches, self.out_h, self.out_w, self.groups
        group_o, group_c = self.out_c // groups, self.channels // groups
        y = np.empty((n, groups, group_o, oh, ow), np.float32)
        step = max(1, min(oh, _BLOCK_BYTES // (4 * n * self.out_c * ow)))
        scratch = np.empty(2 * n * self.out_c * step * ow, np.float32)
        for r0 in range(0, oh, step):
            r1 = min(oh, r0 + step)
            shape = (n, groups, group_o, (r1 - r0) * ow)
            size = math.prod(shape)
            total = y.reshape(shape) if r1 - r0 == oh else scratch[:size].reshape(shape)
            term = scratch[size:2 * size].reshape(shape)
            for t, window in enumerate(self._windows(x, r0, r1)):
                np.matmul(w[t], window.reshape(n, groups, group_c, -1), out=total if t == 0 else term)
                if t:
                    np.add(total, term, out=total)
            if r1 - r0 != oh:
                y[:, :, :, r0:r1] = total.reshape(n, groups, group_o, r1 - r0, ow)
        return y.reshape(n, self.out_c, oh, ow)

    def _windows(self, x: np.ndarray, r0: int, r1: int) -> Iterator[np.ndarray]:
        """For each filter tap, [n, c, r1 - r0, out_w]: the input pixel (0 in the padding)
        that the tap meets at each output pixel of rows r0..r1 (one buffer, refilled)."""
        (sh, sw), (dh, dw), pad = self.strides, self.dilations, self.padding
        window = np.empty((self.batches, self.channels, r1 - r0, self.out_w), np.float32)
        for i in range(self.kh):
            rows = _window(r1 - r0, sh, r0 * sh + i * dh - pad[0], self.in_h)
            for j in range(self.kw):
                cols = _window(self.out_w, sw, j * dw - pad[2], self.in_w)
                if rows is None or cols is None:
                    window[...] = 0
                else:
                    (r, x_rows), (q, x_cols) = rows, cols
                    window[:, :, r, q] = x[:, :, x_rows, x_cols]
                    # The output pixels where the tap meets the padding.
                    window[:, :, :r.start] = window[:, :, r.stop:] = 0
                    window[:, :, :, :q.start] = window[:, :, :, q.stop:] = 0
                yield window


def _input_nhwc(x: np.ndarray, layout: str) -> np.ndarray:
    return x.transpose(0, 2, 3, 1) if layout == "nchw" else x


def _per_channel(v: np.ndarray) -> np.ndarray:
    """A per-channel vector (or a scalar) shaped to broadcast over [n, c, h, w]."""
    return v if v.ndim == 0 else v[:, None, None]


def _window(count: int, stride: int, offset: int, limit: int) -> tuple[slice, slice] | None:
    """For outputs k in [0, count) reading input ``k * stride + offset``: the outputs whose
    input lies in [0, limit) and those inputs, as slices; None when there are none."""
    k0, k1 = _taps(count, stride, offset, limit)
    if k0 == k1:
        return None
    start = k0 * stride + offset
    return slice(k0, k1), slice(start, start + (k1 - k0 - 1) * stride + 1, stride)


# --------------------------------------------------------------------------- depthwise


def _depthwise_channels_first(x: np.ndarray, w: np.ndarray, bias: np.ndarray, plan: Conv2dPlan) -> np.ndarray:
    """Depthwise conv2d of ``x`` (NCHW) with ``w`` [c, kh * kw], plus ``bias``: NCHW.

    The padded input is split by stride into phases (phase (a, b) holds the padded pixels
    at rows a + k * sh and columns b + l * sw), which turns every filter tap into a window
    of one phase at stride 1.  Each phase is stored as rows of ``wq`` pixels, and the output
    is computed on rows of ``wq`` too, so that a tap's window is one contiguous run of each
    channel's phase: the columns past ``out_w`` read the next row, and are dropped when the
    bias is added.  Channels go in blocks that fit in cache.
    """
    (sh, sw), (dh, dw), pad = plan.strides, plan.dilations, plan.padding
    n, c, h, wd, oh, ow, kh, kw = (plan.batches, plan.channels, plan.in_h, plan.in_w, plan.out_h, plan.out_w,
                                   plan.kh, plan.kw)
    hq = oh + (kh - 1) * dh // sh + 1  # one more row: the last window runs past its last row
    wq = ow + (kw - 1) * dw // sw
    length = oh * wq
    block = max(1, min(c, _BLOCK_BYTES // (4 * n * hq * wq * sh * sw)))
    phases = np.zeros((sh, sw, n, block, hq, wq), np.float32)
    sums = np.empty((n, block, length), np.float32)
    term = np.empty_like(sums)
    fill = []
    for a in range(sh):
        rows = _window(hq, sh, a - pad[0], h)
        for b in range(sw):
            cols = _window(wq, sw, b - pad[2], wd)
            if rows is not None and cols is not None:
                fill.append((a, b, rows, cols))
    taps = []
    for i in range(kh):
        for j in range(kw):
            y0, x0 = i * dh, j * dw
            taps.append((i * kw + j, y0 % sh, x0 % sw, (y0 // sh) * wq + x0 // sw))
    y = np.empty((n, c, oh, ow), np.float32)
    for k0 in range(0, c, block):
        k1 = min(c, k0 + block)
        m = k1 - k0
        for a, b, rows, cols in fill:
            phases[a, b, :, :m, rows[0], cols[0]] = x[:, k0:k1, rows[1], cols[1]]
        flat = phases[:, :, :, :m].reshape(sh, sw, n, m, hq * wq)  # a view: (hq, wq) is contiguous
        total, part = sums[:, :m], term[:, :m]
        for t, a, b, offset in taps:
            window, weight = flat[a, b, :, :, offset:offset + length], w[k0:k1, t, None]
            if t == 0:
                np.multiply(window, weight, out=total)
            else:
                np.multiply(window, weight, out=part)
                np.add(total, part, out=total)
        rows_of_wq = total.reshape(n, m, oh, wq)
        np.add(rows_of_wq[:, :, :, :ow], bias if bias.ndim == 0 else bias[k0:k1], out=y[:, k0:k1])
    return y


def _depthwise_channels_last(x: np.ndarray, w: np.ndarray, plan: Conv2dPlan) -> np.ndarray:
    """Depthwise conv2d of ``x`` (NHWC) with ``w`` [c, kh * kw]: a new NHWC array.

    One strided window of the zero-padded input per filter tap, times that tap's weights
    (a vector over the channels, the contiguous last axis).
    """
    (sh, sw), (dh, dw), pad = plan.strides, plan.dilations, plan.padding
    n, c, h, wd, oh, ow = plan.batches, plan.channels, plan.in_h, plan.in_w, plan.out_h, plan.out_w
    padded = np.zeros((n, h + pad[0] + pad[1], wd + pad[2] + pad[3], c), np.float32)
    padded[:, pad[0]:pad[0] + h, pad[2]:pad[2] + wd] = x
    weights = np.ascontiguousarray(w.T)  # [kh * kw, c]
    y = np.empty((n, oh, ow, c), np.float32)
    term = np.empty_like(y)
    for i in range(plan.kh):
        for j in range(plan.kw):
            t = i * plan.kw + j
            window = padded[:, i * dh:i * dh + (oh - 1) * sh + 1:sh, j * dw:j * dw + (ow - 1) * sw + 1:sw]
            if t == 0:
                np.multiply(window, weights[t], out=y)
            else:
                np.multiply(window, weights[t], out=term)
                np.add(y, term, out=y)
    return y


# --------------------------------------------------------------------------- conv2d tap by tap (other data types)


def _conv2d_taps(
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
    """conv2d by one matrix product per filter tap (float16 computes in float32)."""
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
