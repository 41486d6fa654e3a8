"""Reference kernels: quantization ops.

Blockwise broadcasting never materialises the expanded scale: the input is
viewed with each axis ``n`` split into ``(s, n // s)`` (``s`` the scale's
dimension) and the scale / zero point with each axis ``s`` as ``(s, 1)``, so
ordinary NumPy broadcasting repeats every scale element over its block.
"""

from __future__ import annotations

import numpy as np

from ... import dtypes
from .registry import kernel


def _blocks(input: np.ndarray, *params: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
    """``input`` and ``params`` (all of one shape) reshaped so that they broadcast blockwise."""
    param_shape = params[0].shape
    split = tuple(d for s, n in zip(param_shape, input.shape) for d in (s, n // s))
    spread = tuple(d for s in param_shape for d in (s, 1))
    return input.reshape(split), [p.reshape(spread) for p in params]


@kernel("quantize_linear")
def quantize_linear(
    input: np.ndarray, scale: np.ndarray, zero_point: np.ndarray, output_data_type: str
) -> np.ndarray:
    info = dtypes.info(output_data_type)
    x, (s, zp) = _blocks(input, scale, zero_point)
    quotient = np.divide(x.astype(np.float32), s.astype(np.float32))
    value = np.rint(quotient).astype(np.float64) + zp.astype(np.float64)
    value = np.clip(value, float(info.min), float(info.max))
    value = np.where(np.isnan(value), 0.0, value)
    return value.astype(info.numpy).reshape(input.shape)


@kernel("dequantize_linear")
def dequantize_linear(input: np.ndarray, scale: np.ndarray, zero_point: np.ndarray) -> np.ndarray:
    x, (s, zp) = _blocks(input, scale, zero_point)
    difference = x.astype(np.int64) - zp.astype(np.int64)
    return (difference.astype(np.float64) * s.astype(np.float64)).reshape(input.shape)
