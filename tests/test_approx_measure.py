"""The lesson-05 measurements against direct computations on feature vectors."""

import numpy as np

from replay_lab.approx import measure
from replay_lab.approx.tiles import TileCoder

CODER = TileCoder([0.0, 0.0], [1.0, 1.0], tiles_per_dim=4, n_tilings=4)


def dense_cosine(s, a, t, b):
    x, y = np.zeros((3, CODER.n_features)), np.zeros((3, CODER.n_features))
    x[a], y[b] = CODER.features(s), CODER.features(t)
    return (x * y).sum() / np.sqrt((x * x).sum() * (y * y).sum())


def test_gradient_cosine_is_the_cosine_of_the_gradient_vectors():
    rng = np.random.default_rng(0)
    s, t = rng.random((50, 2)), np.clip(rng.random((50, 2)) * 0.3 + 0.3, 0, 1)
    a, b = rng.integers(2, size=50), rng.integers(2, size=50)
    got = measure.gradient_cosine(CODER.tiles(s), a, CODER.tiles(t), b)
    assert np.allclose(got, [dense_cosine(*row) for row in zip(s, a, t, b, strict=True)])
    assert (got > 0).any() and (got == 0).any()


def test_consecutive_cosines_pair_each_step_with_the_next():
    states = np.array([[0.1, 0.1], [0.1, 0.1], [0.12, 0.1], [0.9, 0.9]])
    actions = np.array([0, 0, 1, 1])
    got = measure.consecutive_cosines(CODER.tiles(states), actions)
    assert got[0] == 1.0 and got[1] == 0.0 and got[2] == 0.0


def test_replayed_pairs_come_from_the_buffer_uniformly():
    # A trajectory where state t is tile t: two draws share a tile only if equal, which
    # happens with probability about mean(1 / buffer size).
    coder = TileCoder([0.0], [1000.0], tiles_per_dim=1000, n_tilings=1)
    states, actions = (np.arange(1000) + 0.5)[:, None], np.zeros(1000, dtype=int)
    got = measure.replayed_cosines(
        coder.tiles(states), actions, 10, 40_000, np.random.default_rng(1)
    )
    assert abs(got.mean() - 0.1) < 0.01  # 1/10 once the buffer of 10 is full (99% of steps)


def test_felt_elsewhere_is_the_share_of_tiles():
    state, others = np.array([0.4, 0.4]), np.array([[0.4, 0.4], [0.45, 0.4], [0.9, 0.1]])
    got = measure.felt_elsewhere(CODER, state, others)
    shared = [len(set(CODER.tiles(state)) & set(CODER.tiles(o))) / 4 for o in others]
    assert np.allclose(got, shared) and got[0] == 1.0 and got[-1] == 0.0
