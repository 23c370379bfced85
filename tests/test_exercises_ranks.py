"""The rank-probabilities self-check of notebook 04: it accepts the right answer, says
"not done yet" for the stub, and rejects the typical wrong ones."""

import numpy as np
import pytest

from replay_lab.exercises import check_rank_probabilities
from replay_lab.exercises.ranks import buffer_probabilities


def right(priorities, omega):
    ranks = np.empty(len(priorities))
    ranks[np.argsort(-priorities)] = np.arange(1, len(priorities) + 1)
    weights = ranks**-omega
    return weights / weights.sum()


def test_the_reference_by_hand():
    # priorities 2, 0.5, 1 have ranks 1, 3, 2; omega = 1: weights 1, 1/3, 1/2 of 11/6
    np.testing.assert_allclose(
        buffer_probabilities(np.array([2.0, 0.5, 1.0]), 1.0), [6 / 11, 2 / 11, 3 / 11]
    )


def test_the_right_answer_is_accepted():
    verdict = check_rank_probabilities(right)
    assert verdict and verdict.status == "correct", verdict


def test_the_stub_is_not_done_yet():
    def stub(priorities, omega):
        raise NotImplementedError

    assert check_rank_probabilities(stub).status == "not done yet"


def ascending(priorities, omega):  # rank 1 for the smallest priority
    return right(-priorities, omega)


def unnormalised(priorities, omega):
    ranks = np.empty(len(priorities))
    ranks[np.argsort(-priorities)] = np.arange(1, len(priorities) + 1)
    return ranks**-omega


def proportional(priorities, omega):
    return priorities**omega / (priorities**omega).sum()


def positive_exponent(priorities, omega):
    ranks = np.empty(len(priorities))
    ranks[np.argsort(-priorities)] = np.arange(1, len(priorities) + 1)
    return ranks**omega / (ranks**omega).sum()


def ranks_from_zero(priorities, omega):
    ranks = np.empty(len(priorities))
    ranks[np.argsort(-priorities)] = np.arange(len(priorities))
    with np.errstate(divide="ignore"):
        weights = (ranks + 1e-12) ** -omega
    return weights / weights.sum()


def argsort_as_ranks(priorities, omega):  # the order, not the rank of each transition
    order = np.argsort(-priorities) + 1.0
    return order**-omega / (order**-omega).sum()


def sorted_output(priorities, omega):  # probabilities by rank, not by transition
    weights = np.arange(1, len(priorities) + 1.0) ** -omega
    return weights / weights.sum()


@pytest.mark.parametrize(
    "wrong",
    [
        ascending,
        unnormalised,
        proportional,
        positive_exponent,
        ranks_from_zero,
        argsort_as_ranks,
        sorted_output,
    ],
)
def test_typical_wrong_answers_are_rejected(wrong):
    verdict = check_rank_probabilities(wrong)
    assert verdict.status == "not right yet", wrong.__name__
    assert "rank_probabilities(" in verdict.message
