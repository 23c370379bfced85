"""The mean over seeds and its 95% confidence interval (Student's t), plain or geometric.

Every curve and sweep in the notebooks averages a handful of seeds; with so few, the
interval needs Student's t rather than the normal quantile 1.96.
"""

from __future__ import annotations

import numpy as np

__all__ = ["confidence_band"]

# Two-sided 95% quantiles of Student's t for 1..30 degrees of freedom (beyond: normal).
_T95 = (12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179,
        2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064,
        2.060, 2.056, 2.052, 2.048, 2.045, 2.042)  # fmt: skip
_NORMAL95 = 1.960


def confidence_band(
    values: np.ndarray, geometric: bool = False
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Mean over the first axis (the seeds) and its 95% confidence interval.

    The interval is :math:`\bar x \pm t_{0.975,\,n-1}\, s / \sqrt{n}` (Student's t, as
    the number of seeds is small). NaN entries (runs that ended earlier) are left out, so
    ``n`` may differ from column to column; where it is below 2 the band has width 0.
    With ``geometric`` the same is computed on log10 of the values (floored at 1e-12):
    a geometric mean and a multiplicative band, for errors spanning orders of magnitude.

    Returns
    -------
    mean, low, high : arrays of shape ``values.shape[1:]``
    """
    values = np.asarray(values, dtype=float)
    if geometric:
        return tuple(10**v for v in confidence_band(np.log10(np.maximum(values, 1e-12))))
    n = np.isfinite(values).sum(axis=0)
    mean = np.where(n > 0, np.nansum(values, axis=0) / np.maximum(n, 1), np.nan)
    deviations = np.where(np.isfinite(values), values - mean, 0.0)
    std = np.sqrt((deviations**2).sum(axis=0) / np.maximum(n - 1, 1))
    t_of_n = np.array([np.nan, np.nan, *_T95, _NORMAL95])  # entry n: t for n - 1 degrees of freedom
    half = np.where(
        n >= 2, t_of_n[np.minimum(n, len(t_of_n) - 1)] * std / np.sqrt(np.maximum(n, 1)), 0.0
    )
    return mean, mean - half, mean + half
