"""The linear value and its semi-gradient update, against hand-worked numbers and a dense
computation with explicit feature vectors."""

import numpy as np
import pytest

from replay_lab.approx.linear import q_values, semi_gradient_update
from replay_lab.approx.tiles import TileCoder

CODER = TileCoder([0.0, 0.0], [1.0, 1.0], tiles_per_dim=4, n_tilings=4)


def test_the_gradient_of_q_is_the_feature_vector():
    rng = np.random.default_rng(0)
    weights = rng.normal(size=(3, CODER.n_features))
    state, action = [0.3, 0.7], 2
    tiles = CODER.tiles(state)
    gradient = np.zeros_like(weights)
    for a in range(3):
        for f in range(CODER.n_features):  # finite differences, one weight at a time
            moved = weights.copy()
            moved[a, f] += 1e-6
            gradient[a, f] = (
                q_values(moved, tiles)[action] - q_values(weights, tiles)[action]
            ) / 1e-6
    expected = np.zeros_like(weights)
    expected[action] = CODER.features(state)
    assert np.allclose(gradient, expected, atol=1e-6)


def test_one_update_by_hand():
    # Two tilings; q(s, 1) = 0.5 + 0.25 = 0.75; next state (tiles 2, 5): q = (1, 3, -1), max 3;
    # delta = -1 + 0.9 * 3 - 0.75 = 0.95; each of the 2 active weights moves by
    # alpha / 2 * delta = 0.5 / 2 * 0.95 = 0.2375.
    weights = np.zeros((3, 6))
    weights[1, [0, 3]] = [0.5, 0.25]
    weights[:, 2] = [1.0, 3.0, -1.0]
    deltas = semi_gradient_update(weights, [[0, 3]], [1], [-1.0], [[2, 5]], [False], 0.5, 0.9)
    assert deltas.tolist() == pytest.approx([0.95])
    assert weights[1, [0, 3]].tolist() == pytest.approx([0.7375, 0.4875])
    assert weights[:, 2].tolist() == [1.0, 3.0, -1.0]  # the target is not differentiated


def test_a_batch_is_the_mean_of_its_gradients_written_densely():
    rng = np.random.default_rng(1)
    weights = rng.normal(size=(3, CODER.n_features))
    target = rng.normal(size=weights.shape)
    states, next_states = rng.random((6, 2)), rng.random((6, 2))
    actions, rewards = rng.integers(3, size=6), rng.normal(size=6)
    terminated = np.array([False, True, False, False, True, False])
    x, x_next = (
        np.array([CODER.features(s) for s in states]),
        np.array([CODER.features(s) for s in next_states]),
    )
    expected = weights.copy()
    deltas = []
    for i in range(6):  # the formula with explicit vectors, from the weights before the batch
        bootstrap = 0.0 if terminated[i] else max(target[a] @ x_next[i] for a in range(3))
        deltas.append(rewards[i] + 0.8 * bootstrap - weights[actions[i]] @ x[i])
    for i in range(6):
        expected[actions[i]] += 0.3 / (6 * 4) * deltas[i] * x[i]
    got = semi_gradient_update(
        weights, CODER.tiles(states), actions, rewards, CODER.tiles(next_states), terminated,
        0.3, 0.8, target,
    )  # fmt: skip
    assert np.allclose(got, deltas) and np.allclose(weights, expected)


def test_terminated_does_not_bootstrap_and_truncated_does():
    weights = np.full((3, 6), 1.0)
    tiles, next_tiles = [[0, 3]], [[1, 4]]
    terminal = semi_gradient_update(
        weights.copy(), tiles, [0], [-1.0], next_tiles, [True], 0.5, 1.0
    )
    truncated = semi_gradient_update(
        weights.copy(), tiles, [0], [-1.0], next_tiles, [False], 0.5, 1.0
    )
    assert terminal.tolist() == [-1.0 - 2.0]
    assert truncated.tolist() == [-1.0 + 2.0 - 2.0]


def test_bad_input_is_named():
    weights = np.zeros((3, 6))
    args = ([[0, 3]], [0], [-1.0], [[1, 4]], [False])
    with pytest.raises(ValueError, match="alpha must be in"):
        semi_gradient_update(weights, *args, 0.0, 1.0)
    with pytest.raises(ValueError, match="gamma must be in"):
        semi_gradient_update(weights, *args, 0.5, 1.5)
    with pytest.raises(ValueError, match="tiles must be in"):
        semi_gradient_update(weights, [[0, 6]], *args[1:], 0.5, 1.0)
    with pytest.raises(ValueError, match="actions must be in"):
        semi_gradient_update(weights, args[0], [3], *args[2:], 0.5, 1.0)
    with pytest.raises(ValueError, match="mismatched lengths"):
        semi_gradient_update(weights, args[0], [0, 1], *args[2:], 0.5, 1.0)
    with pytest.raises(TypeError, match="target_weights"):
        semi_gradient_update(weights, *args, 0.5, 1.0, np.zeros((2, 6)))
    with pytest.raises(TypeError, match="weights must be a 2-D float array"):
        semi_gradient_update([[0.0]], *args, 0.5, 1.0)
