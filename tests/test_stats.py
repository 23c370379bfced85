"""The chi-square helper against textbook table values and a simulation."""

import numpy as np
import pytest

from tests.stats import chi2_sf, chi_square_p


@pytest.mark.parametrize(
    ("x", "df", "p"),
    [
        (3.841459, 1, 0.05),
        (6.634897, 1, 0.01),
        (18.307038, 10, 0.05),
        (29.588298, 10, 0.001),
        (11.344867, 3, 0.01),
        (124.342113, 100, 0.05),
        (0.454936, 1, 0.5),
    ],
)
def test_chi2_sf_matches_table(x, df, p):
    assert chi2_sf(x, df) == pytest.approx(p, rel=1e-5)


def test_chi_square_p_separates_right_from_wrong_distribution():
    rng = np.random.default_rng(0)
    probabilities = np.array([0.1, 0.2, 0.3, 0.4])
    counts = np.bincount(rng.choice(4, size=20_000, p=probabilities), minlength=4)
    assert chi_square_p(counts, probabilities) > 1e-3
    assert chi_square_p(counts, [0.25, 0.25, 0.25, 0.25]) < 1e-12


def test_chi_square_p_rejects_an_impossible_outcome():
    with pytest.raises(AssertionError, match="probability 0"):
        chi_square_p([10, 5], [1.0, 0.0])
