"""The Blind Cliffwalk figures: the chain drawn state by state, the result labelled."""

import matplotlib
import numpy as np

from replay_lab.envs import BlindCliffwalk
from replay_lab.plotting.cliffwalk import plot_chain, plot_updates_needed
from replay_lab.plotting.style import PALETTE
from tests.figures import labelled

matplotlib.use("Agg")


def test_chain_draws_every_state_with_its_right_action():
    env = BlindCliffwalk(5, seed=0)
    ax = plot_chain(env)
    states = [text.get_text() for text in ax.texts if text.get_text().isdigit()]
    assert states == [str(s) for s in range(5)]
    labels = [text.get_text() for text in ax.texts if text.get_color() == PALETTE[2]]
    assert labels == [f"a={a}" for a in env.right_actions]
    assert ax.get_title()


def test_updates_needed_is_labelled_with_one_line_per_replay_order():
    n_values = [2, 3, 4]
    results = {
        "uniform": np.array([[10.0, 12.0], [30.0, 25.0], [80.0, np.nan]]),
        "oracle": np.ones((3, 2)),
    }
    ax = plot_updates_needed(n_values, results)
    assert labelled(ax)
    assert [line.get_label() for line in ax.lines] == ["uniform", "oracle"]
    assert ax.lines[0].get_xdata().tolist() == [6, 14, 30]  # 2**(n + 1) - 2 transitions


def test_updates_needed_tells_lines_apart_by_marker_and_shows_n_on_top():
    n_values = [2, 3, 4]
    results = {name: np.ones((3, 2)) * (i + 1) for i, name in enumerate("abcde")}
    ax = plot_updates_needed(n_values, results)
    styles = {(line.get_marker(), line.get_linestyle()) for line in ax.lines}
    assert len(styles) == 5
    (top,) = ax.child_axes
    assert [t.get_text() for t in top.get_xticklabels()] == ["2", "3", "4"]
    assert top.get_xlabel() == "states n"
