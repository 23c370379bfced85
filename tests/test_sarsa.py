"""SARSA: the update by hand, terminal vs truncated targets, convergence to the value of
the policy it follows (not to Q*), and the engine reproducing it bit for bit."""

import inspect

import gymnasium as gym
import numpy as np
import pytest

from replay_lab.agents import run_seeds, stack_runs, train
from replay_lab.envs import ModelEnv, tabular_model, value_iteration
from replay_lab.lockstep import train_lockstep
from replay_lab.sarsa import sarsa, sarsa_update
from replay_lab.schedules import LinearSchedule
from tests.test_lockstep import assert_same, small_model_env

SEEDS = [0, 3, 7]


def test_the_update_by_hand():
    q = np.array([[0.0, 1.0], [2.0, 5.0], [-1.0, -3.0]])
    # a' = 0 is not the greedy action of s' = 1: the target uses Q(1, 0) = 2, not 5.
    delta = sarsa_update(q, 0, 1, 1.0, 1, 0, False, alpha=0.5, gamma=0.5)
    assert delta == 1 + 0.5 * 2 - 1 == 1.0
    assert q[0, 1] == 1 + 0.5 * 1.0
    assert q.sum() == 0 + 1.5 + 2 + 5 - 1 - 3  # nothing else moved


def test_a_terminated_transition_does_not_bootstrap():
    q = np.full((2, 2), 4.0)
    assert sarsa_update(q, 0, 0, 1.0, 1, 1, True, alpha=0.25, gamma=0.9) == 1.0 - 4.0
    assert q[0, 0] == 4.0 + 0.25 * (1.0 - 4.0)


def loop_env(time_limit):
    """One state that never ends, reward 1 per step, cut by a time limit."""
    P = {0: {0: [(1.0, 0, 1.0, False)], 1: [(1.0, 0, 1.0, False)]}}
    return gym.wrappers.TimeLimit(ModelEnv(P, [1.0]), time_limit)


@pytest.mark.parametrize("cut", ["time_limit", "max_steps"])
def test_a_truncation_bootstraps(cut):
    # One step, then the cut: target = 1 + 0.5 * Q(0, a') = 1 + 0.5 * 2 = 2, so Q stays 2
    # (stored as terminal it would fall to 1 + 0.5 * (1 - 2) = 1.5).
    env, options = (loop_env(1), {}) if cut == "time_limit" else (loop_env(50), {"max_steps": 1})
    result = train(env, episodes=1, alpha=0.5, gamma=0.5, q_init=2.0, algorithm="sarsa", **options)
    assert result.lengths.tolist() == [1]
    np.testing.assert_array_equal(result.q, [[2.0, 2.0]])


def uniform_policy_q(env, gamma):
    """Q of the uniformly random policy, by a linear solve on (s, a) pairs: an independent
    computation of what SARSA with epsilon = 1 converges to."""
    model = tabular_model(env)
    n = model.n_states * model.n_actions
    going_on = np.where(model.terminated, 0.0, model.probability)
    # P[(s, a), (s', a')] = p(s' | s, a) / n_actions
    transition = np.zeros((n, n))
    for k in range(len(model.pair)):
        row = model.next_state[k] * model.n_actions
        transition[model.pair[k], row : row + model.n_actions] += going_on[k] / model.n_actions
    q = np.linalg.solve(np.eye(n) - gamma * transition, model.expected_reward().reshape(-1))
    return q.reshape(model.n_states, model.n_actions)


def test_sarsa_learns_the_value_of_the_policy_it_follows_and_q_learning_learns_q_star():
    env = small_model_env(time_limit=10)
    gamma = 0.8
    q_pi, q_star = uniform_policy_q(env, gamma), value_iteration(env, gamma)
    live = slice(0, 2)  # state 2 is terminal: never updated
    assert np.abs(q_pi[live] - q_star[live]).min() > 0.25  # the two answers are far apart
    options = dict(steps=15_000, alpha=0.01, gamma=gamma, epsilon=1.0)
    learned = {
        algorithm: run_seeds(env, 16, **options, algorithm=algorithm).q.mean(axis=0)
        for algorithm in ("sarsa", "q_learning")
    }
    tolerance = 0.06  # constant step 0.01: Q keeps moving around its limit
    np.testing.assert_allclose(learned["sarsa"][live], q_pi[live], atol=tolerance)
    np.testing.assert_allclose(learned["q_learning"][live], q_star[live], atol=tolerance)
    # power: each is far from the other's answer
    assert np.abs(learned["sarsa"][live] - q_star[live]).max() > 5 * tolerance
    assert np.abs(learned["q_learning"][live] - q_pi[live]).max() > 5 * tolerance


def test_on_the_cliff_sarsa_walks_the_safe_path_and_earns_more_while_exploring():
    # Sutton & Barto, Example 6.6, at the book's settings.
    options = dict(episodes=500, alpha=0.5, gamma=1.0, epsilon=0.1, max_steps=500)
    runs = {
        a: run_seeds("CliffWalking-v1", 20, **options, algorithm=a) for a in ("sarsa", "q_learning")
    }
    online = {a: np.nanmean(r.returns[:, 100:], axis=1) for a, r in runs.items()}
    assert online["sarsa"].min() > online["q_learning"].max()  # every seed, not just the mean
    env = gym.make("CliffWalking-v1")
    for algorithm, result in runs.items():
        lengths = [len(_greedy_path(env, q)) - 1 for q in result.q]
        # Q-learning: the 13 steps along the cliff; SARSA: a longer path away from it
        assert (np.array(lengths) == 13).mean() >= (0.8 if algorithm == "q_learning" else 0)
        if algorithm == "sarsa":
            assert np.median(lengths) > 13


def _greedy_path(env, q):
    """States visited by the greedy policy of q from the start (CliffWalking is
    deterministic), at most 100 steps."""
    model = tabular_model(env)
    s = int(np.argmax(model.initial))
    path = [s]
    for _ in range(100):
        k = np.flatnonzero(model.pair == s * model.n_actions + int(np.argmax(q[s])))[0]
        s = int(model.next_state[k])
        path.append(s)
        if model.terminated[k]:
            break
    return path


@pytest.mark.parametrize(
    "env, options",
    [
        ("CliffWalking-v1", dict(alpha=0.5, gamma=1.0, max_steps=500, episodes=30)),
        ("FrozenLake-v1", dict(alpha=0.5, gamma=0.99, steps=1500, ties="first",
                               epsilon=LinearSchedule(1.0, 0.05, 800), track_greedy_value=True)),
        ("small", dict(gamma=0.9, alpha=0.3, steps=500, max_steps=5, q_init=0.7)),
        ("small", dict(gamma=0.9, alpha=0.3, episodes=60)),
    ],
)  # fmt: skip
def test_engine_seed_k_is_train_with_seed_k(env, options):
    env = small_model_env() if env == "small" else env
    options["algorithm"] = "sarsa"
    if not isinstance(env, gym.Env):
        options["q_star"] = value_iteration(gym.make(env), options["gamma"])
    readable = stack_runs([train(env, seed=seed, **options) for seed in SEEDS])
    assert_same(readable, train_lockstep(env, SEEDS, **options))


@pytest.mark.parametrize("layer", [train, train_lockstep])
def test_bad_input_is_named(layer):
    with pytest.raises(ValueError, match="algorithm must be 'q_learning' or 'sarsa'"):
        layer("FrozenLake-v1", steps=10, algorithm="SARSA")
    with pytest.raises(ValueError, match="online only"):
        layer("FrozenLake-v1", steps=10, algorithm="sarsa", replay="uniform")


@pytest.mark.parametrize(
    "args, message",
    [
        (dict(a_next=2), "a_next"),
        (dict(s_next=-1), "s_next"),
        (dict(alpha=0.0), "alpha"),
        (dict(gamma=1.5), "gamma"),
        (dict(terminated="yes"), "terminated"),
        (dict(r="1"), "r"),
    ],
)
def test_the_update_rejects_bad_arguments(args, message):
    q = np.zeros((3, 2))
    good = dict(s=0, a=1, r=1.0, s_next=1, a_next=0, terminated=False, alpha=0.5, gamma=0.9)
    with pytest.raises((ValueError, TypeError), match=message):
        sarsa_update(q, **{**good, **args})


def test_the_loop_reads_in_one_screen():
    lines = inspect.getsource(sarsa).splitlines()
    body = [line for line in lines if line.strip() and not line.strip().startswith("#")]
    assert len(body) < 45
