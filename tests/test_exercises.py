"""The self-checks tell a stub, a wrong answer and a right answer apart."""

import pytest

from replay_lab.exercises import (
    HAND_UPDATE,
    check_hand_update,
    check_td_error,
    check_value,
)


def stub(*args):
    raise NotImplementedError


def right_td_error(q, s, a, r, s_next, terminated, gamma):
    return r + (0.0 if terminated else gamma * max(q[s_next])) - q[s, a]


def always_bootstraps(q, s, a, r, s_next, terminated, gamma):
    return r + gamma * max(q[s_next]) - q[s, a]


@pytest.mark.parametrize(
    ("check", "right", "wrong"),
    [
        (check_td_error, right_td_error, always_bootstraps),
    ],
)
def test_checks_tell_stub_wrong_and_right_apart(check, right, wrong):
    assert check(stub).status == "not done yet" and not check(stub)
    verdict = check(wrong)
    assert verdict.status == "not right yet" and not verdict
    assert "expected" in repr(verdict)
    assert check(right).status == "correct" and check(right)


def test_hand_update_check():
    assert check_hand_update(None).status == "not done yet"
    assert check_hand_update(0.05)  # 2 + 0.5 * (-1 + 0.9 * -1 - 2), worked by hand
    assert not check_hand_update(2 + 0.5 * (-1 + 0.9 * 5 - 2))  # max over the wrong state
    assert HAND_UPDATE["s"] == 1 and HAND_UPDATE["s_next"] == 2


def test_check_value_shows_as_one_line():
    assert repr(check_value("x", 1.0, 1.0)) == "correct: x = 1."
    assert repr(check_value("x", None, 1.0)) == "not done yet: fill in x."
