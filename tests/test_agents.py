"""Training loops: terminal vs truncated targets, reproducibility, and convergence to the
ground truth of value iteration."""

import inspect

import gymnasium as gym
import numpy as np
import pytest

from replay_lab.agents import (
    evaluate_greedy,
    learn_from_batch,
    make_buffer,
    q_learning,
    run_seeds,
    sweep,
    train,
)
from replay_lab.buffers import ReplayBuffer
from replay_lab.core import greedy_policy
from replay_lab.envs import policy_evaluation, start_value, value_iteration
from replay_lab.recorder import Recorder
from replay_lab.schedules import LinearSchedule


class Corridor(gym.Env):
    """States 0..n-1 in a row; every action moves one step right; entering n-1 terminates
    with reward ``goal_reward``, every other step gives 0."""

    def __init__(self, n=3, goal_reward=0.0):
        self.n, self.goal_reward = n, goal_reward
        self.observation_space = gym.spaces.Discrete(n)
        self.action_space = gym.spaces.Discrete(2)

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self.s = 0
        return 0, {}

    def step(self, action):
        self.s += 1
        done = self.s == self.n - 1
        return self.s, self.goal_reward if done else 0.0, done, False, {}


def test_terminal_transition_does_not_bootstrap():
    # 0 -> 1 (terminal). Q starts at 1 everywhere, so bootstrapping would leak the 1 in.
    result = train(Corridor(n=2), episodes=1, alpha=0.5, gamma=0.9, epsilon=0.0, q_init=1.0)
    np.testing.assert_allclose(result.q[0], [1.0 + 0.5 * (0.0 - 1.0), 1.0], rtol=0)


def test_truncation_by_max_steps_bootstraps():
    # 0 -> 1 is cut after one step: target = 0 + 0.9 * max Q(1) = 0.9.
    result = train(
        Corridor(n=5), episodes=1, alpha=0.5, gamma=0.9, epsilon=0.0, q_init=1.0, max_steps=1
    )
    np.testing.assert_allclose(result.q[0], [1.0 + 0.5 * (0.9 - 1.0), 1.0], rtol=0)
    assert result.lengths.tolist() == [1]


def test_truncation_by_gymnasium_time_limit_bootstraps():
    env = gym.wrappers.TimeLimit(Corridor(n=5), max_episode_steps=2)
    result = train(env, episodes=1, alpha=0.5, gamma=0.9, epsilon=0.0, q_init=1.0)
    # Both steps bootstrap from a state whose Q is still 1 (ties go to action 0 or 1 at random).
    assert result.lengths.tolist() == [2]
    updated = result.q[:2][result.q[:2] != 1.0]
    np.testing.assert_allclose(updated, [1.0 + 0.5 * (0.9 - 1.0)] * 2, rtol=0)


def test_same_seed_same_numbers_and_other_seed_other_numbers():
    kwargs = dict(episodes=300, alpha=0.1, gamma=0.99, epsilon=0.2)
    first, again = (
        train("FrozenLake-v1", seed=5, **kwargs),
        train("FrozenLake-v1", seed=5, **kwargs),
    )
    other = train("FrozenLake-v1", seed=6, **kwargs)
    np.testing.assert_array_equal(first.q, again.q)
    np.testing.assert_array_equal(first.lengths, again.lengths)
    assert not np.array_equal(first.lengths, other.lengths)


def test_result_bookkeeping():
    q_star = value_iteration(gym.make("FrozenLake-v1"), 0.99)
    result = train("FrozenLake-v1", episodes=50, seed=1, q_star=q_star)
    assert result.returns.shape == result.lengths.shape == result.q_errors.shape == (50,)
    np.testing.assert_array_equal(result.updates, result.steps)  # online: one update per step
    assert result.returns.sum() == result.returns[result.returns > 0].size  # rewards are 0/1
    assert np.isnan(train("FrozenLake-v1", episodes=2).q_errors).all()


def test_epsilon_schedule_is_called_with_the_global_step():
    seen = []

    def schedule(step):
        seen.append(step)
        return 1.0

    result = train("FrozenLake-v1", episodes=20, epsilon=schedule, seed=0)
    assert seen == list(range(result.steps[-1]))


def test_linear_schedule():
    schedule = LinearSchedule(1.0, 0.1, 10)
    assert [schedule(t) for t in (0, 5, 10, 50)] == pytest.approx([1.0, 0.55, 0.1, 0.1])


def test_run_seeds_stacks_the_single_runs():
    runs = run_seeds("FrozenLake-v1", seeds=[3, 4], episodes=30)
    assert runs.returns.shape == (2, 30) and runs.q.shape == (2, 16, 4)
    np.testing.assert_array_equal(
        runs.lengths[1], train("FrozenLake-v1", seed=4, episodes=30).lengths
    )
    assert runs.settings["seed"] == [3, 4]


def test_online_q_learning_solves_frozen_lake():
    # Slippery 4x4, gamma 0.99, 5000 episodes with a constant step size 0.1: the Q-error of
    # every seed falls several-fold, and the greedy policy of half the seeds attains the
    # optimal value at the start exactly (computed on both sides, no rollout noise); the
    # others stay close. A single seed would say little either way.
    env = gym.make("FrozenLake-v1")
    q_star = value_iteration(env, 0.99)
    v_star = start_value(env, q_star.max(axis=1))
    gaps, drops = [], []
    for seed in range(6):
        result = train(
            env, episodes=5000, alpha=0.1, gamma=0.99, epsilon=0.1, seed=seed, q_star=q_star
        )
        v_greedy = start_value(env, policy_evaluation(env, greedy_policy(result.q), 0.99))
        gaps.append(v_star - v_greedy)
        drops.append(result.q_errors[-1] / result.q_errors[50])
    assert max(drops) < 0.25
    assert sum(gap < 0.005 for gap in gaps) >= 3 and max(gaps) < 0.15


def test_online_q_learning_solves_cliff_walking():
    env = gym.make("CliffWalking-v1")
    q_star = value_iteration(env, 1.0)
    result = train(
        env, episodes=500, alpha=0.5, gamma=1.0, epsilon=0.1, seed=0, q_star=q_star, max_steps=1000
    )
    greedy_return = evaluate_greedy(env, result.q, episodes=1, max_steps=100)[0]
    assert greedy_return == start_value(env, q_star.max(axis=1)) == -13.0


def test_greedy_evaluation_has_a_step_cap():
    q = np.zeros((48, 4))
    q[:, 0] = 1.0  # always "up": from the start it climbs to row 0 and bumps the wall forever
    assert evaluate_greedy("CliffWalking-v1", q, episodes=2, max_steps=50).tolist() == [
        -50.0,
        -50.0,
    ]


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"episodes": 0}, ValueError, "episodes must be >= 1, got 0"),
        ({"episodes": 2.5}, TypeError, "episodes must be an integer, got float"),
        ({"alpha": 0.0}, ValueError, r"alpha must be in \(0, 1\], got 0.0"),
        ({"gamma": 1.2}, ValueError, r"gamma must be in \[0, 1\], got 1.2"),
        ({"max_steps": 0}, ValueError, "max_steps must be >= 1, got 0"),
        (
            {"q_init": np.zeros((3, 4))},
            ValueError,
            r"q_init must be a number or of shape \(16, 4\)",
        ),
        ({"epsilon": 1.5}, ValueError, r"epsilon must be in \[0, 1\], got 1.5"),
    ],
)
def test_train_rejects_bad_arguments(kwargs, error, message):
    with pytest.raises(error, match=message):
        train("FrozenLake-v1", **{"episodes": 1, **kwargs})


# --- training from replay ------------------------------------------------------------------


def test_replay_counts_updates_and_learns_faster_than_online():
    env = gym.make("FrozenLake-v1")
    q_star = value_iteration(env, 0.99)
    kwargs = dict(episodes=300, alpha=0.1, gamma=0.99, epsilon=0.1, seed=0, q_star=q_star)
    online = train(env, **kwargs)
    uniform = train(
        env, replay="uniform", batch_size=8, updates_per_step=2, learning_starts=20, **kwargs
    )
    # every step after the first 19 replays 2 batches of 8
    assert uniform.updates[-1] == 16 * (uniform.steps[-1] - 19)
    assert uniform.q_errors[-1] < 0.6 * online.q_errors[-1]


@pytest.mark.parametrize("kind", ["proportional", "rank"])
def test_learn_from_batch_applies_the_batch_in_order_and_feeds_td_errors_back(kind):
    buffer = make_buffer(kind, 8, seed=0, priority_exponent=1.0)
    for s in range(6):
        buffer.add(s, 0, float(s), (s + 1) % 6, s == 5)
    q = np.zeros((6, 2))
    expected_q = q.copy()
    batch, td_errors = learn_from_batch(q, buffer, 4, 0.5, 0.9, beta=1.0)
    deltas = []
    for s, a, r, s_next, done, w in zip(*batch[:5], batch.weights, strict=True):
        delta = r + (0.0 if done else 0.9 * expected_q[s_next].max()) - expected_q[s, a]
        expected_q[s, a] += 0.5 * w * delta
        deltas.append(delta)
    np.testing.assert_allclose(q, expected_q, rtol=0, atol=1e-15)
    np.testing.assert_allclose(td_errors, deltas, rtol=0, atol=1e-15)
    last = {int(i): d for i, d in zip(batch.indices, deltas, strict=True)}
    if kind == "proportional":  # the tree holds |delta| + floor (exponent 1)
        for index, delta in last.items():
            assert buffer.tree[index] == pytest.approx(abs(delta) + 1e-6)
    else:  # the ranking follows the priorities: 1 for the untouched, |delta| + floor
        priority = {slot: 1.0 for slot in range(6)} | {i: abs(d) + 1e-6 for i, d in last.items()}
        p = buffer.probabilities()
        for i in range(6):
            for j in range(6):
                if priority[i] > priority[j]:
                    assert p[i] > p[j]


def test_beta_schedule_is_called_with_the_global_step():
    seen = []

    def beta(step):
        seen.append(step)
        return min(1.0, 0.4 + step / 1000)

    result = train(
        "FrozenLake-v1", episodes=10, replay="proportional", batch_size=4, beta=beta, seed=1
    )
    # replay starts once 4 transitions are stored (after step 3, counting from 0)
    assert seen == list(range(3, result.steps[-1]))


def test_replay_stores_a_truncation_as_not_terminal_and_a_termination_as_terminal():
    stored = []

    class Spy(ReplayBuffer):
        def add(self, s, a, r, s_next, terminated):
            stored.append((s, s_next, terminated))
            return super().add(s, a, r, s_next, terminated)

    env = gym.wrappers.TimeLimit(Corridor(n=4), max_episode_steps=2)
    recorder = Recorder(env, episodes=2, steps=None)
    q = np.zeros((4, 2))
    q_learning(
        env, q, np.random.default_rng(0), recorder, alpha=0.5, gamma=0.9,
        epsilon=lambda step: 0.0, beta=lambda step: 0.4, buffer=Spy(10), batch_size=1,
        learning_starts=1,
    )  # fmt: skip
    # two episodes cut by the time limit after 2 steps: 0 -> 1 -> 2, never terminal
    assert stored == [(0, 1, False), (1, 2, False)] * 2
    stored.clear()
    train(Corridor(n=3), episodes=1, replay="uniform", batch_size=1, seed=0)
    # the buffer train builds is a ReplayBuffer too; check the terminal flag end to end
    recorder = Recorder(Corridor(n=3), episodes=1, steps=None)
    q_learning(
        Corridor(n=3), np.zeros((3, 2)), np.random.default_rng(0), recorder, alpha=0.5,
        gamma=0.9, epsilon=lambda step: 0.0, beta=lambda step: 0.4, buffer=Spy(10),
        batch_size=1, learning_starts=1,
    )  # fmt: skip
    assert stored == [(0, 1, False), (1, 2, True)]


def test_the_training_loop_reads_in_one_screen():
    lines = inspect.getsource(q_learning).splitlines()
    body = [line for line in lines if line.strip() and not line.strip().startswith("#")]
    assert len(body) < 60


def test_record_replays_histograms_ages_within_the_capacity():
    result = train(
        "FrozenLake-v1",
        episodes=40,
        replay="uniform",
        capacity=50,
        batch_size=8,
        seed=2,
        record_replays=True,
    )
    assert result.replay_ages.shape == (50,)
    assert result.replay_ages.sum() == result.updates[-1]
    runs = run_seeds(
        "FrozenLake-v1",
        seeds=2,
        episodes=5,
        replay="uniform",
        capacity=50,
        batch_size=8,
        record_replays=True,
    )
    assert runs.replay_ages.shape == (2, 50)


def test_unknown_replay_kind_is_rejected():
    with pytest.raises(ValueError, match="replay must be None or one of"):
        train("FrozenLake-v1", episodes=1, replay="prioritized")
    with pytest.raises(ValueError, match="batch_size must be >= 1, got 0"):
        train("FrozenLake-v1", episodes=1, replay="uniform", batch_size=0)
    with pytest.raises(ValueError, match="updates_per_step must be >= 1, got 0"):
        train("FrozenLake-v1", episodes=1, replay="uniform", updates_per_step=0)


def test_combined_replay_is_for_uniform_replay_only():
    result = train(
        "FrozenLake-v1", episodes=5, replay="uniform", combined=True, batch_size=4, seed=0
    )
    assert result.updates[-1] > 0
    with pytest.raises(
        ValueError, match="combined replay needs replay='uniform', got replay='proportional'"
    ):
        train("FrozenLake-v1", episodes=1, replay="proportional", combined=True)
    with pytest.raises(ValueError, match="learning_starts must be >= 1, got 0"):
        train("FrozenLake-v1", episodes=1, replay="uniform", learning_starts=0)


@pytest.mark.parametrize("kind", ["uniform", "proportional", "rank"])
def test_every_buffer_learns_cliff_walking_through_train(kind):
    env = gym.make("CliffWalking-v1")
    q_star = value_iteration(env, 1.0)
    common = dict(steps=3000, alpha=0.5, gamma=1.0, max_steps=500, q_star=q_star, seed=0)
    online = train(env, **common)
    replayed = train(env, replay=kind, batch_size=8, capacity=3000, **common)
    assert replayed.updates[-1] == 8 * (3000 - 7)
    assert replayed.final() < 0.1 * online.final()


# --- bad input: a clear error naming the argument, never a silent wrong answer -------------


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        (
            {"replay": "uniform", "capacity": 10, "batch_size": 32},
            ValueError,
            r"learning_starts \(= batch_size\) = 32 must be <= capacity = 10",
        ),
        (
            {"replay": "uniform", "capacity": 100, "learning_starts": 101},
            ValueError,
            "learning_starts = 101 must be <= capacity = 100",
        ),
        (
            {"replay": "uniform", "steps": 50, "learning_starts": 64, "episodes": None},
            ValueError,
            "learning_starts = 64 must be <= steps = 50",
        ),
        ({"epsilon": "0.1"}, TypeError, "epsilon must be a real number, got str"),
        ({"epsilon": True}, TypeError, "epsilon must be a real number, got bool"),
        ({"beta": 2.0, "replay": "proportional"}, ValueError, r"beta must be in \[0, 1\]"),
        ({"seed": "a"}, TypeError, "seed must be an integer, got str"),
        ({"seed": -1}, ValueError, "seed must be >= 0, got -1"),
        ({"seed": 1.5}, TypeError, "seed must be an integer, got float"),
        ({"q_init": np.nan}, ValueError, "q_init must hold finite real numbers"),
        ({"q_init": 1j}, ValueError, "q_init must hold finite real numbers"),
        ({"q_star": np.zeros((3, 4))}, ValueError, r"q_star must have shape \(16, 4\)"),
        ({"combined": "yes", "replay": "uniform"}, TypeError, "combined must hold bools or 0/1"),
        ({"track_greedy_value": True, "gamma": 1.0}, ValueError, "gamma must be < 1"),
        (
            {"replay": "proportional", "priority_floor": 0.0},
            ValueError,
            r"priority_floor must be in \(0, inf\)",
        ),
        (
            {"replay": "proportional", "priority_exponent": -1},
            ValueError,
            r"priority_exponent must be in \[0, inf\]",
        ),
    ],
)
def test_train_rejects_more_bad_arguments(kwargs, error, message):
    with pytest.raises(error, match=message):
        train("FrozenLake-v1", **{"episodes": 1, **kwargs})


@pytest.mark.parametrize("env_id", ["CartPole-v1", "Blackjack-v1"])
def test_a_non_tabular_env_is_named_at_the_edge(env_id):
    with pytest.raises(TypeError, match="env must have Discrete observation and action spaces"):
        train(env_id, episodes=1)


def test_run_seeds_and_sweep_reject_empty_and_bad_seeds():
    with pytest.raises(ValueError, match="seeds must not be empty"):
        run_seeds("FrozenLake-v1", seeds=[], episodes=1)
    with pytest.raises(ValueError, match="seeds must be >= 1, got 0"):
        run_seeds("FrozenLake-v1", seeds=0, episodes=1)
    with pytest.raises(TypeError, match="seeds must be an integer, got str"):
        run_seeds("FrozenLake-v1", seeds=["a"], episodes=1)
    with pytest.raises(ValueError, match="values must not be empty"):
        sweep("FrozenLake-v1", "alpha", [], episodes=1)


def test_learning_really_starts_at_learning_starts():
    result = train(
        "FrozenLake-v1", steps=40, replay="uniform", capacity=10, batch_size=32,
        learning_starts=10, seed=0,
    )  # fmt: skip
    assert result.updates[-1] == 32 * (40 - 9)  # batch larger than the buffer: with replacement
