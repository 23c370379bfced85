"""Plots: the confidence band against an independent computation, and every figure labelled."""

import math

import gymnasium as gym
import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest

from replay_lab import plotting
from replay_lab.agents import run_seeds
from replay_lab.envs import value_iteration
from replay_lab.sumtree import SumTree

matplotlib.use("Agg")


def t_quantile_975(df: int) -> float:
    """Student's t 97.5% quantile by bisection on a numerically integrated density."""
    c = math.gamma((df + 1) / 2) / (math.sqrt(df * math.pi) * math.gamma(df / 2))

    def cdf(x):  # P(0 <= T <= x) by the trapezoid rule, plus 1/2
        grid = np.linspace(0, x, 20001)
        density = c * (1 + grid**2 / df) ** (-(df + 1) / 2)
        return 0.5 + float(np.sum((density[1:] + density[:-1]) / 2 * np.diff(grid)))

    low, high = 0.0, 20.0
    for _ in range(60):
        middle = (low + high) / 2
        low, high = (middle, high) if cdf(middle) < 0.975 else (low, middle)
    return low


@pytest.mark.parametrize("n", [2, 3, 5, 10, 31])
def test_confidence_band_uses_student_t(n):
    values = np.random.default_rng(n).normal(size=(n, 4))
    mean, low, high = plotting.confidence_band(values)
    half = t_quantile_975(n - 1) * values.std(axis=0, ddof=1) / math.sqrt(n)
    np.testing.assert_allclose(mean, values.mean(axis=0))
    np.testing.assert_allclose(high - mean, half, rtol=2e-3)
    np.testing.assert_allclose(mean - low, half, rtol=2e-3)


def test_confidence_band_skips_nan_padding():
    values = np.array([[1.0, 2.0], [3.0, np.nan], [5.0, np.nan]])
    mean, low, high = plotting.confidence_band(values)
    assert mean.tolist() == [3.0, 2.0]
    assert low[1] == high[1] == 2.0  # one value: no band
    assert high[0] - mean[0] == pytest.approx(4.303 * 2 / math.sqrt(3))


def labelled(ax) -> bool:
    return bool(ax.get_xlabel() and ax.get_ylabel() and ax.get_title())


def test_curves_are_labelled_with_a_legend_and_reach_the_step_budget():
    runs = run_seeds(
        "FrozenLake-v1", seeds=3, steps=500, q_star=value_iteration(gym.make("FrozenLake-v1"), 0.99)
    )
    for x in ("episodes", "steps", "updates"):
        ax = plotting.plot_curves({"a": runs}, x=x, title="t")
        assert labelled(ax) and ax.get_legend() is not None
        plt.close(ax.figure)
    ax = plotting.plot_curves({"a": runs}, x="steps", log_y=True, title="t")
    assert ax.lines[0].get_xdata()[-1] == 500  # every seed ends at the budget
    assert "geometric" in ax.get_legend().get_title().get_text()


@pytest.mark.parametrize(("env_id", "gamma"), [("FrozenLake-v1", 0.99), ("CliffWalking-v1", 1.0)])
def test_q_table_plot_draws_one_arrow_per_open_cell(env_id, gamma):
    env = gym.make(env_id)
    ax = plotting.plot_q_table(env, value_iteration(env, gamma), title="Q*")
    open_cells = 11 if env_id.startswith("Frozen") else 37
    arrows = [text for text in ax.texts if getattr(text, "arrow_patch", None) is not None]
    assert len(arrows) == open_cells
    assert labelled(ax)


def test_q_table_plot_rejects_other_environments():
    with pytest.raises(TypeError, match="no grid layout known for TaxiEnv"):
        plotting.plot_q_table(gym.make("Taxi-v4"), np.zeros((500, 6)))


def test_sum_tree_drawing_highlights_the_search_path():
    tree = SumTree(8)
    tree.update(np.arange(8), [3.0, 1.0, 0.5, 2.0, 4.0, 1.5, 0.25, 0.75])
    assert tree.search_path(5.2) == [1, 2, 5, 11]  # root, left, right, right: leaf 3
    assert plotting.plot_sum_tree(tree, prefix=5.2).get_title()
    with pytest.raises(ValueError, match="at most 32 leaves"):
        plotting.plot_sum_tree(SumTree(33))


def test_other_plots_are_labelled():
    assert labelled(plotting.plot_first_rewards({"a": np.array([10.0, np.nan])}, budget=100))
    assert labelled(plotting.plot_sweep("x", [1, 2], np.ones((2, 3)), log_y=True))
    ax = plotting.plot_sampling_frequencies(np.array([0.5, 0.5]), np.array([5, 5]), label="a")
    plotting.plot_sampling_frequencies(np.array([0.2, 0.8]), np.array([2, 8]), ax=ax, label="b")
    assert [line.get_label() for line in ax.lines].count("y = x") == 1
    assert ax.get_xlabel() and ax.get_ylabel()
    assert labelled(plotting.plot_replay_ages({"a": np.ones((2, 50))}))


def test_geometric_band_is_the_band_of_the_logarithms():
    mean, low, high = plotting.confidence_band(np.array([[1.0], [100.0]]), geometric=True)
    assert mean[0] == pytest.approx(10.0)
    assert low[0] * high[0] == pytest.approx(100.0)  # symmetric in log space
    many = np.random.default_rng(0).normal(size=(40, 1))
    mean, low, high = plotting.confidence_band(many)
    assert high[0] - mean[0] == pytest.approx(1.960 * many.std(ddof=1) / np.sqrt(40))
