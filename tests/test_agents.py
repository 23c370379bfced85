"""Training loops: terminal vs truncated targets, reproducibility, and convergence to the
ground truth of value iteration."""

import gymnasium as gym
import numpy as np
import pytest

from replay_lab.agents import evaluate_greedy, run_seeds, train
from replay_lab.core import greedy_policy
from replay_lab.envs import policy_evaluation, start_value, value_iteration
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
    # Slippery 4x4, gamma 0.99: after 5000 episodes the greedy policy of seed 0 attains the
    # optimal value at the start state, computed exactly on both sides (no rollout noise).
    env = gym.make("FrozenLake-v1")
    q_star = value_iteration(env, 0.99)
    result = train(env, episodes=5000, alpha=0.1, gamma=0.99, epsilon=0.1, seed=0, q_star=q_star)
    v_greedy = start_value(env, policy_evaluation(env, greedy_policy(result.q), 0.99))
    v_star = start_value(env, q_star.max(axis=1))
    assert v_greedy == pytest.approx(v_star, abs=0.005)
    assert result.q_errors[-1] < 0.5 * result.q_errors[50]


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


def test_prioritized_replay_feeds_td_errors_back_and_scales_by_weights():
    from replay_lab.agents import _replay
    from replay_lab.buffers import PrioritizedReplayBuffer

    buffer = PrioritizedReplayBuffer(8, alpha=1.0, eps=1e-6, seed=0)
    for s in range(6):
        buffer.add(s, 0, float(s), (s + 1) % 6, s == 5)
    q = np.zeros((6, 2))
    expected_q = q.copy()
    batch = _replay(buffer, q, 4, 0.5, 0.9, beta=1.0)
    deltas = []
    for s, a, r, s_next, done, w in zip(
        batch.states,
        batch.actions,
        batch.rewards,
        batch.next_states,
        batch.terminated,
        batch.weights,
        strict=True,
    ):
        delta = r + (0.0 if done else 0.9 * expected_q[s_next].max()) - expected_q[s, a]
        expected_q[s, a] += 0.5 * w * delta
        deltas.append(delta)
    np.testing.assert_allclose(q, expected_q, rtol=0, atol=1e-15)
    last = {int(i): d for i, d in zip(batch.indices, deltas, strict=True)}
    for index, delta in last.items():
        assert buffer.tree[index] == pytest.approx(abs(delta) + 1e-6)


def test_per_beta_schedule_is_called_with_the_global_step():
    seen = []

    def beta(step):
        seen.append(step)
        return min(1.0, 0.4 + step / 1000)

    result = train(
        "FrozenLake-v1", episodes=10, replay="prioritized", batch_size=4, per_beta=beta, seed=1
    )
    assert seen == list(range(3, result.steps[-1]))  # replay starts once 4 transitions are stored


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
    with pytest.raises(
        ValueError, match="replay must be None, 'uniform' or 'prioritized', got 'ranked'"
    ):
        train("FrozenLake-v1", episodes=1, replay="ranked")
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
        ValueError, match="combined replay needs replay='uniform', got replay='prioritized'"
    ):
        train("FrozenLake-v1", episodes=1, replay="prioritized", combined=True)
    with pytest.raises(ValueError, match="learning_starts must be >= 1, got 0"):
        train("FrozenLake-v1", episodes=1, replay="uniform", learning_starts=0)
