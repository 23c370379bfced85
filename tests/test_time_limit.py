"""The stay-or-leave world and the truncation-as-termination mistake: the flags the
wrapper reports, Q* by hand, and what the mistake does to what is learned."""

import gymnasium as gym
import numpy as np
import pytest

from replay_lab.agents import run_seeds
from replay_lab.envs import TruncationAsTermination, stay_or_leave, value_iteration
from replay_lab.lockstep import exact_for

STAY, LEAVE = 0, 1


def test_the_wrapper_reports_a_cut_as_an_end_and_nothing_else_changes():
    plain, wrong = stay_or_leave(time_limit=3), TruncationAsTermination(stay_or_leave(3))
    for env in (plain, wrong):
        env.reset(seed=0)
    flags = [(plain.step(STAY)[2:4], wrong.step(STAY)[2:4]) for _ in range(3)]
    assert flags == [((False, False), (False, False))] * 2 + [((False, True), (True, True))]
    for env in (plain, wrong):
        env.reset(seed=0)
    assert plain.step(LEAVE)[1:4] == wrong.step(LEAVE)[1:4] == (6.0, True, False)
    assert exact_for(wrong)  # so run_seeds trains it on the lockstep engine


def test_q_star_by_hand():
    # staying for ever: 1 + 0.9 + 0.81 + ... = 10; leaving: 6, whatever the time limit
    for limit in (1, 10, 100):
        np.testing.assert_allclose(value_iteration(stay_or_leave(limit), 0.9), [[10.0, 6.0]])


def test_stored_as_terminal_the_cut_makes_the_learner_leave():
    env = stay_or_leave(time_limit=10)
    options = dict(steps=2000, alpha=0.1, gamma=0.9, epsilon=0.1)
    right = run_seeds(env, 10, **options).q[:, 0]
    wrong = run_seeds(TruncationAsTermination(env), 10, **options).q[:, 0]
    np.testing.assert_allclose(right, [[10.0, 6.0]] * 10, atol=0.1)  # Q*, every seed
    # Wrongly, every 10th step ends the world: staying for ever looks worth only
    # 1 / (1 - 0.9 * (1 - 1/10)) = 5.3, less than leaving, so the learner leaves (and then
    # rarely stays long enough to be cut: Q(stay) ends near Q(leave)).
    assert (wrong[:, STAY] < 7).all() and (wrong[:, STAY] > 5).all()
    assert (wrong.argmax(axis=1) == LEAVE).mean() >= 0.5
    assert (right.argmax(axis=1) == STAY).all()


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="time_limit"):
        stay_or_leave(time_limit=0)
    with pytest.raises(TypeError, match="leave_reward"):
        stay_or_leave(leave_reward="6")
    assert isinstance(stay_or_leave(), gym.Env)
