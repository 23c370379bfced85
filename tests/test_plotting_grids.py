"""The Q-table on its grid: one arrow per open cell, and the layout read from the env."""

import gymnasium as gym
import matplotlib
import matplotlib.quiver
import numpy as np
import pytest

from replay_lab.envs import greedy_path, value_iteration
from replay_lab.plotting.grids import grid_layout, plot_paths, plot_q_table
from tests.figures import labelled

matplotlib.use("Agg")


@pytest.mark.parametrize(("env_id", "gamma"), [("FrozenLake-v1", 0.99), ("CliffWalking-v1", 1.0)])
def test_q_table_plot_draws_one_arrow_per_open_cell(env_id, gamma):
    env = gym.make(env_id)
    ax = plot_q_table(env, value_iteration(env, gamma), title="Q*")
    open_cells = 11 if env_id.startswith("Frozen") else 37
    (arrows,) = [c for c in ax.collections if isinstance(c, matplotlib.quiver.Quiver)]
    assert len(arrows.get_offsets()) == open_cells
    # each arrow points along its cell's greedy action, by the env's documented moves
    kinds, moves = grid_layout(env)
    columns = kinds.shape[1]
    greedy = value_iteration(env, gamma).argmax(axis=1)
    for (x, y), u, v in zip(arrows.get_offsets(), arrows.U, arrows.V, strict=True):
        assert kinds[int(y), int(x)] in ("S", "F")
        assert (u, v) == moves[greedy[int(y) * columns + int(x)]]
    assert labelled(ax)


@pytest.mark.parametrize("slippery", [False, True])
def test_cliff_cells_are_row_3_columns_1_to_10(slippery):
    kinds, _ = grid_layout(gym.make("CliffWalking-v1", is_slippery=slippery))
    assert kinds.shape == (4, 12)
    assert np.argwhere(kinds == "C").tolist() == [[3, column] for column in range(1, 11)]
    assert kinds[3, 0] == "S" and kinds[3, 11] == "G"
    assert (kinds == "F").sum() == 4 * 12 - 12


def test_q_table_plot_rejects_other_environments():
    with pytest.raises(TypeError, match="no grid layout known for TaxiEnv"):
        plot_q_table(gym.make("Taxi-v4"), np.zeros((500, 6)))


def test_paths_are_drawn_through_the_centres_of_their_cells():
    cliff = gym.make("CliffWalking-v1")
    path = greedy_path(cliff, value_iteration(cliff, 1.0))
    ax = plot_paths(
        cliff, {"Q*": [path, path], "other": [[36, 24], [36, 24, 25], [36, 24]]}, title="paths"
    )
    lines = [line for line in ax.get_lines() if len(line.get_xdata())]
    assert len(lines) == 3  # each distinct path once
    # one label only: no shift; two labels: shifted by -0.06 and +0.06 of a cell
    np.testing.assert_allclose(lines[0].get_xdata(), np.array(path) % 12 - 0.06)
    np.testing.assert_allclose(lines[0].get_ydata(), np.array(path) // 12 - 0.06)
    # width grows with the share of seeds on the path: 2 of 3 against 1 of 3
    assert lines[1].get_linewidth() == pytest.approx(1.5 + 4.5 * 2 / 3)
    assert lines[2].get_linewidth() == pytest.approx(1.5 + 4.5 * 1 / 3)
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert texts == ["Q*: all 2 seeds on this one path", "other: 3 seeds on 2 different paths"]
    assert ax.get_legend().get_title().get_text() == "line width: how many seeds take that path"
    assert labelled(ax)
