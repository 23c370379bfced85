"""Ground truth against hand-computed values, slow reference loops and known facts."""

import gymnasium as gym
import numpy as np
import pytest

from replay_lab.agents import evaluate_greedy
from replay_lab.core import greedy_policy
from replay_lab.envs import (
    ModelEnv,
    greedy_path,
    policy_evaluation,
    q_error,
    reachable_states,
    start_value,
    success_probability,
    tabular_model,
    value_iteration,
)


class TinyMDP:
    """Three states, two actions, hand-solvable with gamma = 0.9.

    state 0: a0 stays in 0 (r 0);              a1 goes to 1 (r 1)
    state 1: a0 ends the episode (r 10);       a1 goes back to 0 (r 0)
    state 2: a0 ends (r 4) or goes to 0 (r 0), each with probability 1/2;  a1 goes to 1 (r -1)

    V*(1) = 10 (take the 10 now), Q*(0,1) = 1 + 0.9*10 = 10, Q*(0,0) = 0.9*10 = 9,
    Q*(1,1) = 0.9*10 = 9, Q*(2,0) = 0.5*4 + 0.5*0.9*10 = 6.5, Q*(2,1) = -1 + 0.9*10 = 8.
    """

    Q_STAR = np.array([[9.0, 10.0], [10.0, 9.0], [6.5, 8.0]])

    def __init__(self):
        self.P = {
            0: {0: [(1.0, 0, 0.0, False)], 1: [(1.0, 1, 1.0, False)]},
            1: {0: [(1.0, 1, 10.0, True)], 1: [(1.0, 0, 0.0, False)]},
            2: {0: [(0.5, 2, 4.0, True), (0.5, 0, 0.0, False)], 1: [(1.0, 1, -1.0, False)]},
        }
        self.initial_state_distrib = np.array([0.0, 0.0, 1.0])


def slow_bellman_backup(env, q, gamma):
    """One optimality backup written as nested loops over env.unwrapped.P."""
    P = env.unwrapped.P if hasattr(env, "unwrapped") else env.P
    out = np.zeros_like(q)
    for s in P:
        for a in P[s]:
            for p, s_next, r, done in P[s][a]:
                out[s, a] += p * (r + (0.0 if done else gamma * q[s_next].max()))
    return out


def test_value_iteration_on_hand_solved_mdp():
    np.testing.assert_allclose(value_iteration(TinyMDP(), 0.9), TinyMDP.Q_STAR, atol=1e-9)


def test_policy_evaluation_on_hand_solved_mdp():
    # Always a0: V(1) = 10, V(0) = 0.9 V(0) -> 0, V(2) = 0.5*4 + 0.5*0.9*V(0) = 2
    np.testing.assert_allclose(policy_evaluation(TinyMDP(), np.array([0, 0, 0]), 0.9), [0, 10, 2])
    # Greedy w.r.t. Q*: its values are V*
    v = policy_evaluation(TinyMDP(), greedy_policy(TinyMDP.Q_STAR), 0.9)
    np.testing.assert_allclose(v, TinyMDP.Q_STAR.max(axis=1), atol=1e-9)


def test_start_value_uses_the_start_distribution():
    assert start_value(TinyMDP(), TinyMDP.Q_STAR.max(axis=1)) == 8.0


@pytest.mark.parametrize(
    ("env_id", "gamma"), [("FrozenLake-v1", 0.99), ("CliffWalking-v1", 1.0), ("Taxi-v4", 0.9)]
)
def test_q_star_is_a_fixed_point_of_the_slow_bellman_backup(env_id, gamma):
    env = gym.make(env_id)
    q_star = value_iteration(env, gamma)
    np.testing.assert_allclose(slow_bellman_backup(env, q_star, gamma), q_star, atol=1e-8)


def test_frozen_lake_greedy_policy_of_q_star_attains_v_star():
    env = gym.make("FrozenLake-v1")
    q_star = value_iteration(env, 0.99)
    v = policy_evaluation(env, greedy_policy(q_star), 0.99)
    reachable = reachable_states(env)
    np.testing.assert_allclose(v[reachable], q_star.max(axis=1)[reachable], atol=1e-7)


def test_frozen_lake_policy_evaluation_matches_iterative_evaluation():
    env = gym.make("FrozenLake-v1")
    policy = np.random.default_rng(0).integers(4, size=16)
    v = np.zeros(16)
    for _ in range(5000):  # slow, plain expectation backups
        new = np.zeros(16)
        for s in range(16):
            for p, s_next, r, done in env.unwrapped.P[s][policy[s]]:
                new[s] += p * (r + (0.0 if done else 0.95 * v[s_next]))
        v = new
    np.testing.assert_allclose(policy_evaluation(env, policy, 0.95), v, atol=1e-10)


def test_cliff_walking_optimal_return_is_minus_13():
    env = gym.make("CliffWalking-v1")
    q_star = value_iteration(env, 1.0)
    assert start_value(env, q_star.max(axis=1)) == -13.0
    # Follow the greedy policy by hand: 13 steps of -1 along the cliff edge to the goal.
    policy, s, total = greedy_policy(q_star), 36, 0.0
    for _ in range(13):
        ((_, s, r, done),) = env.unwrapped.P[s][policy[s]]
        total += r
    assert (total, s, done) == (-13.0, 47, True)


def test_reachable_states_of_frozen_lake_are_the_frozen_cells():
    env = gym.make("FrozenLake-v1")
    desc = env.unwrapped.desc.reshape(-1)
    np.testing.assert_array_equal(reachable_states(env), np.isin(desc, [b"S", b"F"]))


def test_reachable_states_of_cliff_walking_exclude_cliff_and_goal():
    mask = reachable_states(gym.make("CliffWalking-v1"))
    assert mask.sum() == 37
    assert mask[36] and not mask[37:].any()


def test_q_error_by_hand():
    q_star = np.zeros((3, 2))
    q = np.array([[1.0, -1.0], [3.0, 3.0], [100.0, 0.0]])
    assert q_error(q, q_star) == pytest.approx(np.sqrt((1 + 1 + 9 + 9 + 10000) / 6))
    assert q_error(q, q_star, np.array([True, True, False])) == pytest.approx(np.sqrt(20 / 4))


def test_tabular_model_flattens_the_outcomes():
    model = tabular_model(TinyMDP())
    assert (model.n_states, model.n_actions) == (3, 2)
    assert len(model.pair) == 7  # one outcome per (s, a) plus the extra one of (2, 0)
    np.testing.assert_allclose(model.expected_reward(), [[0, 1], [10, 0], [2, -1]])


def test_taxi_v4_is_the_current_taxi():
    assert value_iteration(gym.make("Taxi-v4"), 0.9).shape == (500, 6)
    with pytest.warns(DeprecationWarning), pytest.raises(gym.error.DeprecatedEnv):
        gym.make("Taxi-v3")


def test_bad_input_is_rejected():
    with pytest.raises(ValueError, match=r"gamma must be in \[0, 1\], got 1.5"):
        value_iteration(TinyMDP(), 1.5)
    with pytest.raises(ValueError, match=r"gamma must be in \[0, 1\), got 1.0"):
        policy_evaluation(TinyMDP(), np.array([0, 0, 0]), 1.0)
    with pytest.raises(ValueError, match=r"policy must be 3 integer actions"):
        policy_evaluation(TinyMDP(), np.array([0, 0]), 0.9)
    with pytest.raises(ValueError, match=r"policy actions must be in \[0, 1\]"):
        policy_evaluation(TinyMDP(), np.array([0, 2, 0]), 0.9)
    with pytest.raises(ValueError, match="q and q_star must have one 2-D shape"):
        q_error(np.zeros((3, 2)), np.zeros((2, 3)))
    with pytest.raises(
        ValueError, match=r"states must be a non-empty boolean mask of shape \(3,\)"
    ):
        q_error(np.zeros((3, 2)), np.zeros((3, 2)), np.array([0, 1, 2]))
    with pytest.raises(TypeError, match="env must publish its dynamics"):
        tabular_model(object())
    with pytest.raises(RuntimeError, match="did not converge in 3 sweeps"):
        value_iteration(gym.make("FrozenLake-v1"), 0.99, max_iterations=3)


# --- the model: a raw P is accepted, a malformed one is rejected ----------------------------


def test_value_iteration_accepts_the_raw_P_mapping():
    env = gym.make("FrozenLake-v1")
    np.testing.assert_array_equal(value_iteration(env.unwrapped.P, 0.9), value_iteration(env, 0.9))
    with pytest.raises(ValueError, match="needs the start distribution"):
        start_value(env.unwrapped.P, np.zeros(16))


def two_state_P():
    return {
        0: {0: [(0.5, 0, 0.0, False), (0.5, 1, 1.0, True)], 1: [(1.0, 1, 0.0, True)]},
        1: {0: [(1.0, 1, 0.0, True)], 1: [(1.0, 1, 0.0, True)]},
    }


@pytest.mark.parametrize(
    ("break_it", "message"),
    [
        (lambda P: P[0][0].pop(), r"P\[0\]\[0\]'s probabilities must sum to 1, got 0.5"),
        (lambda P: P[1].pop(1), r"P\[1\] must have the actions 0..1"),
        (lambda P: P.pop(0), r"P must have the states 0..0"),
        (lambda P: P[0][1].__setitem__(0, (1.0, 5, 0.0, True)), r"next states must be in \[0, 1\]"),
        (lambda P: P[0][1].__setitem__(0, (1.0, 1, np.nan, True)), "rewards must be finite"),
        (
            lambda P: P[0][1].__setitem__(0, (1.5, 1, 0.0, True)),
            r"probabilities must be in \[0, 1\]",
        ),
        (lambda P: P[0].__setitem__(1, []), r"P\[0\]\[1\] must be a non-empty list"),
    ],
)
def test_a_malformed_model_is_rejected(break_it, message):
    P = two_state_P()
    value_iteration(P, 0.9)  # the intact model is fine
    break_it(P)
    with pytest.raises((ValueError, KeyError), match=message):
        value_iteration(P, 0.9)


def leaky_goal_env():
    """State 0, action 0: the goal w.p. 1/2, a hole w.p. 1/4, stays w.p. 1/4; action 1
    stays for ever. State 1 only loops: the goal cannot be reached from it."""
    P = {
        0: {0: [(0.5, 2, 1.0, True), (0.25, 3, 0.0, True), (0.25, 0, 0.0, False)],
            1: [(1.0, 0, 0.0, False)]},
        1: {0: [(1.0, 1, 0.0, False)], 1: [(1.0, 1, 0.0, False)]},
        2: {0: [(1.0, 2, 0.0, True)], 1: [(1.0, 2, 0.0, True)]},
        3: {0: [(1.0, 3, 0.0, True)], 1: [(1.0, 3, 0.0, True)]},
    }  # fmt: skip
    return ModelEnv(P, [1.0, 0.0, 0.0, 0.0])


def test_success_probability_by_hand():
    env, policy = leaky_goal_env(), np.array([0, 0, 0, 0])
    # within k steps: 1/2 (1 + 1/4 + ... + (1/4)^(k-1)); without a limit: (1/2) / (3/4)
    np.testing.assert_allclose(success_probability(env, policy, horizon=1)[:2], [0.5, 0])
    np.testing.assert_allclose(success_probability(env, policy, horizon=2)[:2], [0.625, 0])
    np.testing.assert_allclose(success_probability(env, policy)[:2], [2 / 3, 0])
    # a policy that never ends the episode never succeeds (and needs no singular solve)
    np.testing.assert_array_equal(success_probability(env, np.array([1, 1, 0, 0]))[:2], [0, 0])


def test_frozen_lake_success_within_the_time_limit_matches_rollouts():
    lake = gym.make("FrozenLake-v1")  # TimeLimit of 100 steps
    q_star = value_iteration(lake, 0.99)
    within = start_value(lake, success_probability(lake, greedy_policy(q_star), horizon=100))
    ever = start_value(lake, success_probability(lake, greedy_policy(q_star)))
    assert ever == pytest.approx(14 / 17)  # (the absorbing chain solves to 14/17)
    n = 2000
    rollouts = evaluate_greedy(lake, q_star, episodes=n, seed=5)  # 1 at the goal, else 0
    mc, half_width = rollouts.mean(), 3.29 * rollouts.std(ddof=1) / np.sqrt(n)  # 99.9%
    assert abs(mc - within) < half_width
    assert abs(mc - ever) > half_width  # power: the rollouts tell the two apart


def test_success_probability_rejects_bad_input():
    env = leaky_goal_env()
    with pytest.raises(ValueError, match="policy must be 4 integer actions"):
        success_probability(env, np.array([0, 1]))
    with pytest.raises(ValueError, match=r"policy actions must be in \[0, 1\]"):
        success_probability(env, np.array([0, 2, 0, 0]))
    with pytest.raises(ValueError, match="horizon"):
        success_probability(env, np.zeros(4, dtype=int), horizon=0)


def test_greedy_path_of_q_star_on_the_cliff_is_the_13_steps_along_its_edge():
    cliff = gym.make("CliffWalking-v1")
    path = greedy_path(cliff, value_iteration(cliff, 1.0))
    assert path == [36, *range(24, 36), 47]  # up, eleven steps right along row 2, down
    # a table of zeros walks up (action 0) into the top wall for ever: cut at max_steps
    assert greedy_path(cliff, np.zeros((48, 4)), max_steps=5) == [36, 24, 12, 0, 0, 0]
    with pytest.raises(ValueError, match="deterministic"):
        greedy_path(gym.make("FrozenLake-v1"), np.zeros((16, 4)))
