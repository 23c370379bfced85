"""One curve and one final dot per seed: every seed drawn, where its data says, in its
result's colour."""

import matplotlib
import numpy as np
import pytest
from matplotlib.colors import to_hex

from replay_lab.plotting.seeds import plot_seed_curves, plot_seed_finals
from replay_lab.plotting.style import PALETTE
from replay_lab.results import TrainResult
from tests.figures import labelled

matplotlib.use("Agg")

NAN = np.nan


@pytest.fixture
def runs() -> TrainResult:
    """Three seeds; the second finished one episode fewer (NaN padding)."""
    lengths = np.array([[100.0, 150.0, 250.0], [200.0, 300.0, NAN], [50.0, 50.0, 400.0]])
    return TrainResult(
        returns=np.zeros((3, 3)),
        lengths=lengths,
        updates=4 * np.cumsum(lengths, axis=1),
        q_errors=np.array([[3.0, 1.0, 0.1], [2.0, 0.5, NAN], [4.0, 2.0, 0.05]]),
        q=np.zeros((3, 48, 4)),
        settings={},
    )


def test_seed_curves_draw_every_seed_at_its_episode_ends(runs):
    ax = plot_seed_curves({"a": runs, "b": runs}, x="steps", log_y=True, title="t")
    assert labelled(ax) and ax.get_yscale() == "log"
    drawn = [line for line in ax.get_lines() if len(line.get_xdata())]
    assert len(drawn) == 6  # three seeds per result
    first = drawn[0]
    np.testing.assert_array_equal(first.get_xdata(), [100.0, 250.0, 500.0])
    np.testing.assert_array_equal(first.get_ydata(), [3.0, 1.0, 0.1])
    assert {to_hex(line.get_color()) for line in drawn[3:]} == {PALETTE[1].lower()}
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["a (3 seeds)", "b (3 seeds)"]


def test_seed_curves_by_updates(runs):
    ax = plot_seed_curves({"a": runs}, x="updates")
    np.testing.assert_array_equal(ax.get_lines()[1].get_xdata(), [800.0, 2000.0, NAN])


def test_seed_finals_put_each_seeds_last_value_in_its_column(runs):
    ax = plot_seed_finals({"a": runs, "b": runs}, log_y=True, title="t")
    assert labelled(ax) and ax.get_yscale() == "log"
    a, b = ax.get_lines()
    np.testing.assert_array_equal(a.get_ydata(), [0.1, 0.5, 0.05])  # NaN padding skipped
    assert np.all(np.abs(a.get_xdata() - 0) <= 0.15 + 1e-12)
    assert np.all(np.abs(b.get_xdata() - 1) <= 0.15 + 1e-12)
    assert len(set(a.get_xdata())) == 3  # spread apart, not on top of each other
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b"]
    assert "sideways" in ax.get_xlabel()
