"""The lesson-05 self-check accepts the semi-gradient update and rejects typical wrong ones,
naming the kind of case that failed."""

import numpy as np
import pytest

from replay_lab.exercises import check_linear_q_update


def make_update(mistake=None):
    def update(w, tiles, action, reward, next_tiles, terminated, alpha, gamma, w_target):
        n = len(tiles)
        source = w if mistake == "target from w" else w_target
        best = int(np.argmax([source[a, next_tiles].sum() for a in range(len(w))]))
        bootstrap = source[best, next_tiles].sum()
        if terminated and mistake != "terminal bootstraps":
            bootstrap = 0.0
        delta = reward + gamma * bootstrap - w[action, tiles].sum()
        step = alpha / n * delta
        if mistake == "sign":
            step = -step
        if mistake == "no division":
            step = alpha * delta
        np.add.at(w, (action, tiles), step)
        if mistake == "gradient through the target" and not terminated:
            np.add.at(w, (best, next_tiles), -gamma * alpha / n * delta)
        if mistake == "every action":
            for a in range(len(w)):
                if a != action:
                    np.add.at(w, (a, tiles), step)
        return delta

    return update


def stub(*args):
    raise NotImplementedError


def test_the_right_update_is_accepted_and_the_stub_is_not_done():
    assert check_linear_q_update(make_update()).status == "correct"
    assert check_linear_q_update(stub).status == "not done yet"


@pytest.mark.parametrize(
    ("mistake", "named"),
    [
        ("sign", "not terminal"),
        ("no division", "alpha / n_tilings"),
        ("terminal bootstraps", "terminated"),
        ("target from w", "w_target different"),
        ("gradient through the target", "treated as a constant"),
        ("every action", "Only the weights of the action taken"),
    ],
)
def test_typical_mistakes_are_rejected_with_the_case_named(mistake, named):
    verdict = check_linear_q_update(make_update(mistake))
    assert verdict.status == "not right yet", mistake
    assert named in verdict.message, verdict.message
