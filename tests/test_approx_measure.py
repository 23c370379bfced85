"""The lesson-05 measurements against direct computations on feature vectors."""

import numpy as np

from replay_lab.approx import measure
from replay_lab.approx.tiles import TileCoder
from replay_lab.approx.train import LinearQResult

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
    # Power: a buffer twice as large (or drawing from the whole past) is told apart.
    larger = measure.replayed_cosines(
        coder.tiles(states), actions, 20, 40_000, np.random.default_rng(1)
    )
    assert abs(larger.mean() - 0.05) < 0.01 and larger.mean() < got.mean() - 0.03


def test_felt_elsewhere_is_the_share_of_tiles():
    state, others = np.array([0.4, 0.4]), np.array([[0.4, 0.4], [0.45, 0.4], [0.9, 0.1]])
    got = measure.felt_elsewhere(CODER, state, others)
    shared = [len(set(CODER.tiles(state)) & set(CODER.tiles(o))) / 4 for o in others]
    assert np.allclose(got, shared) and got[0] == 1.0 and got[-1] == 0.0


def test_window_means_and_failures_by_hand():
    returns = np.array(
        [[-200.0, -100.0, -100.0, -180.0, np.nan], [-200.0, -190.0, -180.0, -170.0, -160.0]]
    )
    means = measure.window_means(returns, window=2)
    assert means[0, 1:].tolist() == [-150.0, -100.0, -140.0] and np.isnan(means[0, 0])
    assert means[1].tolist() == [-195.0, -185.0, -175.0, -165.0]
    max_abs_q = np.array([[5.0, 8.0, 2e3, 9.0, np.nan], [1.0, 2.0, 3.0, 4.0, 5.0]])
    found = measure.failures(returns, max_abs_q, window=2, drop=30)
    assert found["final"].tolist() == [-140.0, -165.0]
    assert found["best"].tolist() == [-100.0, -165.0]
    assert found["collapsed"].tolist() == [True, False]  # fell 40 below its best
    assert found["diverged"].tolist() == [True, False]  # |q| passed 1000 once


def test_successive_cosines_per_run():
    states = np.array([[[0.1, 0.1], [0.1, 0.1], [0.9, 0.9]]] * 2)
    actions = np.array([[0, 1, 1], [0, 0, 0]])
    both = measure.successive_cosines(CODER, states, actions, capacity=3, n_pairs=10)
    assert [v.tolist() for v in both["online"]] == [[0.0, 0.0], [1.0, 0.0]]
    tiles_only = measure.successive_cosines(
        CODER, states, actions, capacity=3, n_pairs=10, ignore_actions=True
    )
    assert [v.tolist() for v in tiles_only["online"]] == [[1.0, 0.0], [1.0, 0.0]]
    assert all(len(v) == 10 for v in both["replay"])


def test_failure_table_has_a_line_per_learner_with_its_numbers():
    returns = np.array([[-200.0, -100.0, -100.0, -180.0], [-200.0, -190.0, -180.0, -170.0]])
    max_abs_q = np.array([[5.0, 8.0, 2e3, 9.0], [1.0, 2.0, 3.0, 4.0]])
    runs = {"a": LinearQResult(returns, returns * 0 + 1, max_abs_q, np.zeros((2, 3, 4)), {})}
    lines = measure.failure_table(runs, window=2, drop=30).splitlines()
    assert len(lines) == 3 and lines[2].split() == [
        "a", "-157.5", "-175.0", "-140.0", "1/2", "1/2", "4.0", "to", "2000.0"
    ]  # fmt: skip


def test_first_step_above_is_the_end_of_the_first_window_past_the_threshold():
    # Window means of 2 episodes: -150 after 300 steps, -100 after 400 steps (hand-worked).
    returns = np.array([[-200.0, -100.0, -100.0], [-200.0, -200.0, np.nan]])
    lengths = np.array([[200.0, 100.0, 100.0], [200.0, 200.0, np.nan]])
    runs = LinearQResult(returns, lengths, np.zeros_like(returns), np.zeros((2, 3, 4)), {})
    assert np.array_equal(measure.first_step_above(runs, -160, 2), [300.0, np.nan], equal_nan=True)
    assert np.array_equal(measure.first_step_above(runs, -120, 2), [400.0, np.nan], equal_nan=True)
    assert np.isnan(measure.first_step_above(runs, -100, 2)).all()


def test_q_spread_is_the_std_across_seeds_averaged_over_states_and_actions():
    weights = np.zeros((2, 2, 3))  # 2 seeds, 2 actions, 3 features
    weights[1, 0, 0] = 2.0  # seed 1 differs from seed 0 at (state 0, action 0) by 2: std 1
    weights[1, 1, 2] = 4.0  # and at (state 1, action 1) by 4: std 2
    tiles = np.array([[0], [2]])  # state 0 uses feature 0, state 1 feature 2
    assert measure.q_spread_across_seeds(weights, tiles) == (1.0 + 0.0 + 0.0 + 2.0) / 4


def test_progress_table_reports_first_steps_and_spread_per_learner():
    returns = np.array([[-200.0, -100.0, -100.0], [-200.0, -200.0, np.nan]])
    lengths = np.array([[200.0, 100.0, 100.0], [200.0, 200.0, np.nan]])
    weights = np.zeros((2, 3, 4))
    weights[1, 0, 0] = 2.0  # q(state 0, action 0) differs by 2 between the seeds: std 1
    runs = LinearQResult(returns, lengths, np.zeros_like(returns), weights, {})
    table = measure.progress_table({"online": runs}, np.array([[0]]), threshold=-160, window=2)
    # Seed 0 passes at step 300, seed 1 never: the median of (300, later) is "never".
    assert "never (median of seeds; 1/2 never)" in table
    assert table.endswith(f"q spread across seeds {1 / 3:.3g}")
    both = measure.progress_table({"a": runs.rows(slice(0, 1))}, np.array([[0]]), -160, 2)
    assert "from step   300 (median of seeds; 0/1 never)" in both
