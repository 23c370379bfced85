"""replay_lab.stats: the confidence band against an independent Student's t computation."""

import math

import numpy as np
import pytest

from replay_lab import plotting
from replay_lab.stats import confidence_band


def t_quantile_975(df: int) -> float:
    """Student's t 97.5% quantile by bisection on a numerically integrated density."""
    c = math.gamma((df + 1) / 2) / (math.sqrt(df * math.pi) * math.gamma(df / 2))

    def cdf(x):  # P(0 <= T <= x) by the trapezoid rule, plus 1/2
        grid = np.linspace(0, x, 20001)
        density = c * (1 + grid**2 / df) ** (-(df + 1) / 2)
        return 0.5 + float(np.sum((density[1:] + density[:-1]) / 2 * np.diff(grid)))

    low, high = 0.0, 20.0
    for _ in range(60):
        middle = (low + high) / 2
        low, high = (middle, high) if cdf(middle) < 0.975 else (low, middle)
    return low


@pytest.mark.parametrize("n", [2, 3, 5, 10, 31])
def test_confidence_band_uses_student_t(n):
    values = np.random.default_rng(n).normal(size=(n, 4))
    mean, low, high = confidence_band(values)
    half = t_quantile_975(n - 1) * values.std(axis=0, ddof=1) / math.sqrt(n)
    np.testing.assert_allclose(mean, values.mean(axis=0))
    np.testing.assert_allclose(high - mean, half, rtol=2e-3)
    np.testing.assert_allclose(mean - low, half, rtol=2e-3)


def test_confidence_band_skips_nan_padding():
    values = np.array([[1.0, 2.0], [3.0, np.nan], [5.0, np.nan]])
    mean, low, high = confidence_band(values)
    assert mean.tolist() == [3.0, 2.0]
    assert low[1] == high[1] == 2.0  # one value: no band
    assert high[0] - mean[0] == pytest.approx(4.303 * 2 / math.sqrt(3))


def test_geometric_band_is_the_band_of_the_logarithms():
    mean, low, high = confidence_band(np.array([[1.0], [100.0]]), geometric=True)
    assert mean[0] == pytest.approx(10.0)
    assert low[0] * high[0] == pytest.approx(100.0)  # symmetric in log space
    many = np.random.default_rng(0).normal(size=(40, 1))
    mean, low, high = confidence_band(many)
    assert high[0] - mean[0] == pytest.approx(1.960 * many.std(ddof=1) / np.sqrt(40))


def test_plotting_still_offers_the_band_to_existing_callers():
    assert plotting.confidence_band is confidence_band
