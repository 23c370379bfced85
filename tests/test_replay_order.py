"""replay_order: the orders of one pass, the values a dataset can teach, and learning from
one dataset in different orders, against hand-worked numbers and a slow reference loop."""

import gymnasium as gym
import numpy as np
import pytest

import replay_lab as rl
from replay_lab.replay_order import (
    ORDERS,
    dataset_values,
    order_experiment,
    pass_order,
    record_random_walk,
    replay_passes,
)

OPEN_GRID = dict(is_slippery=False, desc=["SFFF", "FFFF", "FFFF", "FFFG"])


def corridor_dataset(n: int = 4) -> rl.ReplayBuffer:
    """One walk 0 -> 1 -> ... -> n - 1 to the goal: reward 1 on the last step, terminal."""
    buffer = rl.ReplayBuffer(n - 1, seed=0)
    for s in range(n - 1):
        buffer.add(s, 0, float(s == n - 2), s + 1, s == n - 2)
    return buffer


def test_pass_orders():
    buffer = rl.ReplayBuffer(5, seed=0)
    for t in range(7):  # wrapped round: oldest is transition 2 in slot 2
        buffer.add(t, 0, 0.0, t + 1, False)
    rng = np.random.default_rng(0)
    assert pass_order(buffer, "forward", rng).tolist() == [2, 3, 4, 0, 1]
    assert pass_order(buffer, "backward", rng).tolist() == [1, 0, 4, 3, 2]
    assert sorted(pass_order(buffer, "shuffled", rng).tolist()) == [0, 1, 2, 3, 4]
    uniform = pass_order(buffer, "uniform", rng)
    assert len(uniform) == 5 and set(uniform.tolist()) <= {0, 1, 2, 3, 4}
    with pytest.raises(ValueError, match="order must be one of"):
        pass_order(buffer, "sideways", rng)


def test_dataset_values_by_hand():
    # Q(2) = 1 (terminal step), Q(1) = 0.9 * 1, Q(0) = 0.9 * 0.9; action 1 never stored: 0.
    q = dataset_values(corridor_dataset(4), 4, 2, gamma=0.9)
    np.testing.assert_allclose(q[:, 0], [0.81, 0.9, 1.0, 0.0])
    np.testing.assert_array_equal(q[:, 1], 0.0)
    with pytest.raises(ValueError, match="gamma must be in"):
        dataset_values(corridor_dataset(4), 4, 2, gamma=1.0)


def test_propagation_by_hand():
    # alpha = 1 on a corridor: backward learns the whole walk in one pass, forward one step
    # per pass (after pass k the last k steps are right).
    buffer = corridor_dataset(4)
    target = dataset_values(buffer, 4, 2, gamma=0.9)
    kwargs = dict(alpha=1.0, gamma=0.9, target=target, seed=0)
    backward = replay_passes(buffer, "backward", 3, **kwargs)
    forward = replay_passes(buffer, "forward", 3, **kwargs)
    assert backward[1:].tolist() == [0.0, 0.0, 0.0]
    # RMS over the 3 stored pairs: pass 1 leaves 0.81 and 0.9 wrong, pass 2 leaves 0.81.
    np.testing.assert_allclose(forward, [np.sqrt((0.81**2 + 0.9**2 + 1) / 3),
                                         np.sqrt((0.81**2 + 0.9**2) / 3),
                                         np.sqrt(0.81**2 / 3), 0.0])  # fmt: skip


def test_replay_passes_is_a_loop_of_scalar_updates():
    env = gym.make("FrozenLake-v1", **OPEN_GRID)
    buffer = record_random_walk(env, 200, seed=3, max_steps=20)
    target = dataset_values(buffer, 16, 4, gamma=0.9)
    errors = replay_passes(buffer, "shuffled", 2, alpha=0.5, gamma=0.9, target=target, seed=3)
    # The same passes by hand: one scalar Q-learning update at a time.
    rng, q = np.random.default_rng(3), np.zeros((16, 4))
    pairs = np.zeros((16, 4), dtype=bool)
    pairs[buffer.states, buffer.actions] = True
    expected = [np.sqrt(np.mean(target[pairs] ** 2))]
    for _ in range(2):
        for i in rng.permutation(buffer.slots_by_age()):
            s, a, r = buffer.states[i], buffer.actions[i], buffer.rewards[i]
            future = 0.0 if buffer.terminated[i] else 0.9 * q[buffer.next_states[i]].max()
            q[s, a] += 0.5 * (r + future - q[s, a])
        expected.append(np.sqrt(np.mean((q[pairs] - target[pairs]) ** 2)))
    np.testing.assert_allclose(errors, expected, rtol=1e-12)


def test_random_walk_is_stored_in_order_with_truncations_not_terminal():
    env = gym.make("FrozenLake-v1", **OPEN_GRID)
    buffer = record_random_walk(env, 300, seed=1, max_steps=10)
    s, s_next, done = buffer.states, buffer.next_states, buffer.terminated
    goal_reached = s_next == 15
    assert (done == goal_reached).all()  # only the goal terminates
    # Each transition starts where the last one ended, unless the episode ended there (the
    # goal, or the cut after 10 steps: a truncation, not stored as terminal): then in 0.
    length, truncations = 0, 0
    for t in range(299):
        length += 1
        if done[t] or length == 10:
            assert s[t + 1] == 0
            truncations += not done[t]
            length = 0
        else:
            assert s[t + 1] == s_next[t]
    assert truncations >= 5


def test_order_experiment_pairs_the_orders_on_one_dataset_per_seed():
    errors = order_experiment(
        gym.make("FrozenLake-v1", **OPEN_GRID),
        seeds=3, steps=200, passes=2, alpha=0.5, gamma=0.9, max_steps=50,
    )  # fmt: skip
    assert list(errors) == list(ORDERS)
    assert all(e.shape == (3, 3) for e in errors.values())
    starts = np.array([e[:, 0] for e in errors.values()])
    assert (starts == starts[0]).all() and len(set(starts[0])) == 3  # same data, per seed
