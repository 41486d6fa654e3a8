"""Reference kernels: activation ops."""

from __future__ import annotations

import numpy as np

from .registry import kernel


@kernel("relu")
def relu(input: np.ndarray) -> np.ndarray:
    return np.maximum(input, input.dtype.type(0))
