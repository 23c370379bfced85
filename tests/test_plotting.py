"""Plots: every figure labelled, the Q-table arrows, the sum tree drawing."""

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
