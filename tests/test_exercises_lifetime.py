"""Notebook 02's last self-check: the measurement it trusts agrees with the exact count,
the right formula passes, and typical wrong formulas are rejected with the case named."""

import math

import pytest

from replay_lab.exercises import check_replays_per_transition
from replay_lab.exercises.lifetime import LIFETIME_CASES, measured_replays


@pytest.mark.parametrize(("capacity", "k", "batch_size"), LIFETIME_CASES)
def test_the_measurement_agrees_with_the_exact_count(capacity, k, batch_size):
    # Hand count: N steps in the buffer, k * B draws a step, each picks it with chance 1/N,
    # so k * B replays on average; a count is Binomial(N k B, 1/N), variance k B (1 - 1/N).
    mean, error = measured_replays(capacity, k, batch_size)
    exact_error = math.sqrt(k * batch_size * (1 - 1 / capacity) / 2000)
    assert error == pytest.approx(exact_error, rel=0.15)
    assert abs(mean - k * batch_size) <= 4 * exact_error


def test_the_right_formula_passes_and_the_stub_is_not_done():
    assert check_replays_per_transition(lambda capacity, k, b: k * b).status == "correct"

    def stub(capacity, k, b):
        raise NotImplementedError

    assert check_replays_per_transition(stub).status == "not done yet"


WRONG = {
    "the chance of one draw": lambda n, k, b: k * b / n,
    "batches only": lambda n, k, b: k,
    "batch size only": lambda n, k, b: b,
    "times the capacity": lambda n, k, b: n * k * b,
    "the newest not drawn at once": lambda n, k, b: k * b * (n - 1) / n,
    "one more": lambda n, k, b: k * b + 1,
    "nothing": lambda n, k, b: None,
}


@pytest.mark.parametrize("name", WRONG)
def test_typical_wrong_formulas_are_rejected_naming_the_buffer(name):
    verdict = check_replays_per_transition(WRONG[name])
    assert verdict.status == "not right yet"
    assert "capacity" in verdict.message and "replayed" in verdict.message


def test_power_the_tolerance_is_far_below_the_nearest_wrong_answer():
    # The closest wrong formula above, k B (N - 1) / N, is off by k B / N; on the first
    # case that fails it, the tolerance (4 standard errors) must be well below that gap.
    for capacity, k, b in LIFETIME_CASES:
        _, error = measured_replays(capacity, k, b)
        if k * b / capacity > 0.05:
            assert 4 * error < k * b / capacity / 2
            return
    raise AssertionError("no case separates k B from k B (N - 1) / N")
