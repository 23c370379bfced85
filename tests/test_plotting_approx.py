"""The lesson-05 figures, drawn from arrays built here (no training run)."""

import matplotlib
import matplotlib.pyplot as plt
import numpy as np

from replay_lab.approx.train import LinearQResult
from replay_lab.plotting.approx import (
    plot_cosines,
    plot_episode_returns,
    plot_felt_elsewhere,
    plot_largest_q,
)
from replay_lab.plotting.style import PALETTE

matplotlib.use("Agg")


def test_cosines_are_shares_per_level_with_the_mean_in_the_legend():
    ax = plot_cosines({"a": np.array([0.0, 0.0, 0.5, 1.0]), "b": np.array([1.0, 1.0])}, 2)
    heights = [p.get_height() for p in ax.patches]
    assert heights == [0.5, 0.25, 0.25, 0.0, 0.0, 1.0]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["a (mean 0.38)", "b (mean 1.00)"]
    assert ax.get_xlabel() and ax.get_ylabel()
    plt.close("all")


def test_felt_elsewhere_draws_one_line_per_direction():
    ax = plot_felt_elsewhere(
        np.array([0.0, 1.0]), {"x": np.array([1.0, 0.0]), "y": np.array([1.0, 0.5])}
    )
    assert [line.get_ydata().tolist() for line in ax.lines] == [[1.0, 0.0], [1.0, 0.5]]
    assert ax.lines[0].get_color() == PALETTE[0]
    plt.close("all")


def test_seed_curves_draw_every_seed_and_the_median():
    returns = np.array([[-200.0, -100.0, -100.0], [-200.0, -200.0, np.nan]])
    lengths = np.array([[200.0, 100.0, 100.0], [200.0, 200.0, np.nan]])
    runs = LinearQResult(returns, lengths, np.zeros_like(returns), np.zeros((2, 3, 4)), {})
    ax = plot_episode_returns({"online": runs}, window=2)
    thin, median = ax.lines[:2], ax.lines[2]
    assert [line.get_ydata().tolist() for line in thin] == [[-150.0, -100.0], [-200.0]]
    assert thin[0].get_xdata().tolist() == [300.0, 400.0]
    assert median.get_linewidth() > thin[0].get_linewidth()
    assert "median" in ax.get_legend().get_title().get_text()
    plt.close("all")


def test_largest_q_draws_every_seed_and_the_median_on_a_log_scale():
    returns = np.array([[-200.0, -100.0], [-200.0, -200.0]])
    lengths = np.array([[200.0, 100.0], [200.0, 200.0]])
    max_abs_q = np.array([[1.0, 3.0], [10.0, 30.0]])
    runs = LinearQResult(returns, lengths, max_abs_q, np.zeros((2, 3, 4)), {})
    ax = plot_largest_q({"online": runs, "replay": runs})
    thin, median = ax.lines[:2], ax.lines[2]
    assert [line.get_ydata().tolist() for line in thin] == [[1.0, 3.0], [10.0, 30.0]]
    assert thin[0].get_xdata().tolist() == [200.0, 300.0]
    # Median of the two seeds at step 200 (interpolated on the common range 200 to 300).
    assert median.get_xdata()[0] == 200.0 and median.get_ydata()[0] == 5.5
    assert ax.lines[2].get_linestyle() != ax.lines[5].get_linestyle()
    assert ax.get_yscale() == "log"
    plt.close("all")
