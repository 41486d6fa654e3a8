"""Reference kernels: element-wise ops."""

from __future__ import annotations

import numpy as np

from .registry import kernel, upcast


def _int_div(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Integer division truncating toward zero (NumPy's // floors)."""
    q = np.floor_divide(a, b)
    fix = (np.remainder(a, b) != 0) & ((a < 0) != (b < 0))
    return q + fix.astype(q.dtype)


_BINARY = {
    "add": np.add,
    "sub": np.subtract,
    "mul": np.multiply,
    "max": np.maximum,
    "min": np.minimum,
}


def _binary_kernel(ufunc):
    def run(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return ufunc(upcast(a), upcast(b))

    return run


for _name, _ufunc in _BINARY.items():
    kernel(_name)(_binary_kernel(_ufunc))


@kernel("div")
def div(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    if a.dtype.kind in "iu":
        return _int_div(a, b)
    return np.divide(upcast(a), upcast(b))


@kernel("pow")
def pow(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    if a.dtype.kind in "iu":
        return np.power(a, b)
    return np.power(upcast(a), upcast(b))
