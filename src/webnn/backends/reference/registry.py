"""Kernel registry of the reference backend."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

Kernel = Callable[..., Any]
KERNELS: dict[str, Kernel] = {}


def kernel(*names: str) -> Callable[[Kernel], Kernel]:
    """Register a function as the kernel of the ops ``names``."""

    def register(func: Kernel) -> Kernel:
        for name in names:
            if name in KERNELS:
                raise AssertionError(f"reference kernel for {name} defined twice")
            KERNELS[name] = func
        return func

    return register


def compute_dtype(x: np.ndarray) -> np.dtype:
    """float16 math runs in float32 (then rounds once to float16); other types run as they are."""
    return np.dtype(np.float32) if x.dtype == np.float16 else x.dtype


def upcast(x: np.ndarray) -> np.ndarray:
    """``x`` as float32 if it is float16, else unchanged."""
    return x.astype(np.float32) if x.dtype == np.float16 else x
