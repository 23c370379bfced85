"""Statistical helpers for the tests: a chi-square goodness-of-fit test without scipy.

The p-value is the regularized upper incomplete gamma function Q(df/2, x/2), computed
by its power series or its continued fraction (whichever converges fast for the
arguments), as in any numerical-methods text.
"""

from __future__ import annotations

import math

import numpy as np


def _lower_gamma_series(a: float, x: float) -> float:
    term = total = 1.0 / a
    k = a
    while abs(term) > abs(total) * 1e-16:
        k += 1.0
        term *= x / k
        total += term
    return total * math.exp(-x + a * math.log(x) - math.lgamma(a))


def _upper_gamma_fraction(a: float, x: float) -> float:
    tiny = 1e-300
    b = x + 1.0 - a
    c = 1.0 / tiny
    d = 1.0 / b
    h = d
    for i in range(1, 10_000):
        an = -i * (i - a)
        b += 2.0
        d = an * d + b
        d = tiny if abs(d) < tiny else d
        c = b + an / c
        c = tiny if abs(c) < tiny else c
        d = 1.0 / d
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < 1e-16:
            break
    return h * math.exp(-x + a * math.log(x) - math.lgamma(a))


def chi2_sf(x: float, df: int) -> float:
    """P(X >= x) for X chi-square distributed with ``df`` degrees of freedom."""
    if x <= 0:
        return 1.0
    a, half = df / 2.0, x / 2.0
    if half < a + 1.0:
        return 1.0 - _lower_gamma_series(a, half)
    return _upper_gamma_fraction(a, half)


def chi_square_p(counts, probabilities) -> float:
    """p-value of observed ``counts`` against expected ``probabilities`` (Pearson)."""
    counts = np.asarray(counts, dtype=float)
    probabilities = np.asarray(probabilities, dtype=float)
    keep = probabilities > 0
    assert counts[~keep].sum() == 0, "an outcome of probability 0 was observed"
    expected = counts.sum() * probabilities[keep] / probabilities[keep].sum()
    assert expected.min() >= 5, "too few samples for the chi-square approximation"
    statistic = float(((counts[keep] - expected) ** 2 / expected).sum())
    return chi2_sf(statistic, int(keep.sum()) - 1)


# Significance level of every statistical test in the suite. The seeds are fixed, so each
# test is deterministic; the level says how unlikely a correct implementation is to fail
# with a fresh seed, while a wrong distribution fails by many orders of magnitude.
ALPHA = 1e-3
