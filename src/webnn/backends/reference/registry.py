"""Kernel registry of the reference backend.

Every op has a kernel (:data:`KERNELS`): a function of the op's inputs and attributes that
returns its result.  Element-wise ops may also have an *into* kernel (:data:`INTO_KERNELS`),
``func(out, **inputs, **attrs)``, which writes that very result into ``out`` (an array of
the output's dtype and shape that may be one of the inputs) for the data types it lists;
the executor uses it to compute chains of element-wise ops in one buffer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

import numpy as np

Kernel = Callable[..., Any]
KERNELS: dict[str, Kernel] = {}


class IntoKernel(NamedTuple):
    """An op's result computed into a given array, bit for bit what its kernel returns."""

    func: Callable[..., np.ndarray]
    #: The output data types it handles (the others run the op's kernel).
    data_types: frozenset[str]
    #: ``func`` takes ``no_negative_zero=True``: a promise that the input holds no -0.
    zero_hint: bool = False


INTO_KERNELS: dict[str, IntoKernel] = {}

#: Data types whose NumPy arithmetic with ``out=`` wraps exactly as without it.
INTEGERS = frozenset({"int8", "uint8", "int32", "uint32", "int64", "uint64"})


def kernel(*names: str) -> Callable[[Kernel], Kernel]:
    """Register a function as the kernel of the ops ``names``."""

    def register(func: Kernel) -> Kernel:
        for name in names:
            if name in KERNELS:
                raise AssertionError(f"reference kernel for {name} defined twice")
            KERNELS[name] = func
        return func

    return register


def kernel_into(
    *names: str, data_types: Iterable[str], zero_hint: bool = False
) -> Callable[[Callable[..., np.ndarray]], Callable[..., np.ndarray]]:
    """Register ``func(out, **inputs, **attrs)`` as the into kernel of the ops ``names``."""

    def register(func: Callable[..., np.ndarray]) -> Callable[..., np.ndarray]:
        for name in names:
            if name in INTO_KERNELS:
                raise AssertionError(f"reference into kernel for {name} defined twice")
            INTO_KERNELS[name] = IntoKernel(func, frozenset(data_types), zero_hint)
        return func

    return register


def compute_dtype(x: np.ndarray) -> np.dtype:
    """float16 math runs in float32 (then rounds once to float16); other types run as they are."""
    return np.dtype(np.float32) if x.dtype == np.float16 else x.dtype


def upcast(x: np.ndarray) -> np.ndarray:
    """``x`` as float32 if it is float16, else unchanged."""
    return x.astype(np.float32) if x.dtype == np.float16 else x
