"""Imports every kernel module so that the kernels register."""

from . import (  # noqa: F401
    activation,
    conv,
    elementwise,
    linalg,
    normalization,
    pool,
    reduce,
    shape,
)
