"""Special functions in float64 for the reference kernels (NumPy has no erf)."""

from __future__ import annotations

import math

import numpy as np

_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
_ONE_OVER_SQRT_PI = 1.0 / math.sqrt(math.pi)
#: Below this |z| erf comes from its power series, above it erfc from its continued fraction.
_SERIES_LIMIT = 1.5
_FRACTION_DEPTH = 100


def _erf_series(z: np.ndarray) -> np.ndarray:
    """erf(z) for 0 <= z < 1.5 in float64.

    Uses erf(z) = 2/sqrt(pi) * exp(-z^2) * sum_n (2z^2)^n z / (1*3*...*(2n+1)), whose
    terms are all positive, so nothing cancels.
    """
    z2 = z * z
    term = z.copy()
    total = z.copy()
    n = 0
    while True:
        n += 1
        term = term * (2.0 * z2 / (2 * n + 1))
        total += term
        if not np.any(term > 1e-17 * total):
            break
    return _TWO_OVER_SQRT_PI * np.exp(-z2) * total


def _erfc_fraction(z: np.ndarray) -> np.ndarray:
    """erfc(z) for z >= 1.5 in float64, from Laplace's continued fraction

    erfc(z) = exp(-z^2) / sqrt(pi) / (z + (1/2) / (z + (2/2) / (z + (3/2) / (z + ...)))).
    """
    f = z.copy()
    for k in range(_FRACTION_DEPTH, 0, -1):
        f = z + (0.5 * k) / f
    return _ONE_OVER_SQRT_PI * np.exp(-z * z) / f


def erfc(x: np.ndarray) -> np.ndarray:
    """The complementary error function 1 - erf(x), element-wise in float64.

    Accurate to a few units in the last place of float64 relative to erfc itself,
    including its tiny values for large positive x.
    """
    x = np.asarray(x, dtype=np.float64)
    z = np.abs(x)
    out = np.empty_like(x)
    small = z < _SERIES_LIMIT
    large = ~small & ~np.isnan(z)
    erf_small = _erf_series(z[small])
    out[small] = np.where(x[small] < 0, 1.0 + erf_small, 1.0 - erf_small)
    tail = _erfc_fraction(np.minimum(z[large], 30.0))  # erfc(30) underflows to 0 already
    out[large] = np.where(x[large] < 0, 2.0 - tail, tail)
    out[np.isnan(z)] = np.nan
    return out


def erf(x: np.ndarray) -> np.ndarray:
    """The error function, element-wise in float64, accurate to a few float64 ulps."""
    x = np.asarray(x, dtype=np.float64)
    z = np.abs(x)
    out = np.empty_like(x)
    small = z < _SERIES_LIMIT
    out[small] = np.copysign(_erf_series(z[small]), x[small])
    large = ~small & ~np.isnan(z)
    out[large] = np.copysign(1.0 - _erfc_fraction(np.minimum(z[large], 30.0)), x[large])
    out[np.isnan(z)] = np.nan
    return out
