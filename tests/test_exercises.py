"""The self-checks tell a stub, a wrong answer and a right answer apart."""

import pytest

from replay_lab.exercises import (
    HAND_UPDATE,
    check_hand_update,
    check_sarsa_update,
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


def right_sarsa(q, s, a, r, s_next, a_next, terminated, alpha, gamma):
    target = r if terminated else r + gamma * q[s_next, a_next]
    q[s, a] += alpha * (target - q[s, a])


def sarsa_with_max(q, s, a, r, s_next, a_next, terminated, alpha, gamma):  # Q-learning
    target = r if terminated else r + gamma * q[s_next].max()
    q[s, a] += alpha * (target - q[s, a])


def sarsa_bootstrapping_the_end(q, s, a, r, s_next, a_next, terminated, alpha, gamma):
    q[s, a] += alpha * (r + gamma * q[s_next, a_next] - q[s, a])


def sarsa_alpha_twice(q, s, a, r, s_next, a_next, terminated, alpha, gamma):
    target = r if terminated else r + gamma * q[s_next, a_next]
    q[s, a] += alpha * alpha * (target - q[s, a])


def sarsa_moving_the_next_pair(q, s, a, r, s_next, a_next, terminated, alpha, gamma):
    target = r if terminated else r + gamma * q[s_next, a_next]
    q[s_next, a_next] += alpha * (target - q[s, a])


def sarsa_returning_instead_of_updating(q, s, a, r, s_next, a_next, terminated, alpha, gamma):
    target = r if terminated else r + gamma * q[s_next, a_next]
    return q[s, a] + alpha * (target - q[s, a])


@pytest.mark.parametrize(
    ("wrong", "case"),
    [
        (sarsa_with_max, "a'=0, not terminated"),  # the first case: a' is not greedy
        (sarsa_bootstrapping_the_end, "terminated"),
        (sarsa_alpha_twice, "alpha=0.5"),
        (sarsa_moving_the_next_pair, "Q(1, 0) changed too"),
        (sarsa_returning_instead_of_updating, "Q(s, a) became 1,"),
    ],
)
def test_sarsa_check_rejects_the_usual_mistakes_and_names_the_case(wrong, case):
    assert check_sarsa_update(stub).status == "not done yet"
    verdict = check_sarsa_update(wrong)
    assert verdict.status == "not right yet" and not verdict
    assert case in verdict.message and "expected" in verdict.message
    assert check_sarsa_update(right_sarsa).status == "correct"


def test_sarsa_and_td_error_checks_name_the_students_function():
    def my_update(q, s, a, r, s_next, a_next, terminated, alpha, gamma):
        raise NotImplementedError

    def my_delta(q, s, a, r, s_next, terminated, gamma):
        return 0.0

    assert "my_update still raises" in check_sarsa_update(my_update).message
    assert check_td_error(my_delta).message.startswith("my_delta(")
    assert "my_td_error agrees" in check_td_error(right_td_error_named()).message


def right_td_error_named():
    def my_td_error(*args):
        return right_td_error(*args)

    return my_td_error
