"""Learning curves, sweeps, first rewards, replay ages: labelled, on the palette, and drawn
from results built here (no training run)."""

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest

from replay_lab.plotting.curves import (
    plot_curves,
    plot_first_rewards,
    plot_replay_ages,
    plot_sweep,
)
from replay_lab.plotting.style import PALETTE
from replay_lab.results import TrainResult
from tests.figures import labelled

matplotlib.use("Agg")

NAN = np.nan


@pytest.fixture
def runs() -> TrainResult:
    """Three seeds of a 500-step budget, as run_seeds stacks them: the second seed
    finished one episode fewer, so its rows are padded with NaN."""
    lengths = np.array([[100.0, 150.0, 250.0], [200.0, 300.0, NAN], [50.0, 50.0, 400.0]])
    return TrainResult(
        returns=np.array([[-100.0, -60.0, -20.0], [-80.0, -30.0, NAN], [-50.0, -40.0, -13.0]]),
        lengths=lengths,
        updates=np.cumsum(lengths, axis=1),
        q_errors=np.array([[3.0, 1.0, 0.1], [2.0, 0.5, NAN], [4.0, 2.0, 0.05]]),
        q=np.zeros((3, 48, 4)),
        settings={},
    )


def test_curves_are_labelled_with_a_legend_and_reach_the_step_budget(runs):
    for x in ("episodes", "steps", "updates"):
        ax = plot_curves({"a": runs}, x=x, title="t")
        assert labelled(ax) and ax.get_legend() is not None
        plt.close(ax.figure)
    ax = plot_curves({"a": runs}, x="steps", log_y=True, title="t")
    assert ax.lines[0].get_xdata()[-1] == 500  # every seed ends at the budget
    assert "geometric" in ax.get_legend().get_title().get_text()


def test_curves_take_their_colours_from_the_palette(runs):
    ax = plot_curves({"a": runs, "b": runs, "c": runs}, y="returns", smooth=2, title="t")
    assert [line.get_color() for line in ax.lines] == list(PALETTE[:3])
    assert "3 seeds" in ax.lines[0].get_label()


def test_other_plots_are_labelled():
    ax = plot_first_rewards({"a": np.array([10.0, NAN])}, budget=100)
    assert labelled(ax)
    # the legend says what each marker means, not only which colour is which setting
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert texts == ["a: 1/2 seeds with a reward", "dot: a seed's first reward",
                     "cross: a seed with none"]  # fmt: skip
    assert labelled(plot_sweep("x", [1, 2], np.ones((2, 3)), log_y=True))
    assert labelled(plot_replay_ages({"a": np.ones((2, 50))}))


def test_replay_ages_label_few_y_ticks_and_keep_the_legend_off_the_curves():
    # Shares falling with age, from 4e-3 to 2e-4: only 1, 2 and 5 times a power of ten
    # are labelled, and the legend sits in the empty bottom-left corner.
    counts = np.array([np.geomspace(40.0, 2.0, 300)] * 2)
    ax = plot_replay_ages({"a": counts})
    ax.figure.canvas.draw()
    lo, hi = ax.get_ylim()
    shown = [
        t.get_position()[1]
        for t in ax.get_yticklabels()
        if t.get_text() and lo <= t.get_position()[1] <= hi
    ]
    assert shown
    mantissas = {round(v / 10 ** np.floor(np.log10(v)), 6) for v in shown}
    assert mantissas <= {1.0, 2.0, 5.0}
    legend, frame = ax.get_legend().get_window_extent(), ax.get_window_extent()
    assert legend.x0 - frame.x0 < 0.05 * frame.width  # at the left
    assert legend.y0 - frame.y0 < 0.05 * frame.height  # at the bottom
