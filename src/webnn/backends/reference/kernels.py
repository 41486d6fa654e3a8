"""Imports every kernel module so that the kernels register."""

from . import (  # noqa: F401
    activation,
    conv,
    elementwise,
    indexing,
    linalg,
    normalization,
    pool,
    quantization,
    recurrent,
    reduce,
    scan,
    shape,
)
