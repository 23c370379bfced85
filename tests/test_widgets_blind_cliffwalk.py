"""The Blind Cliffwalk panel of notebook 04: it draws the fast path's numbers for every
seed, with their geometric mean, and a new setting is computed quickly."""

import time

import matplotlib
import numpy as np

from replay_lab import widgets
from replay_lab.experiments.blind_cliffwalk_fast import run_fast
from replay_lab.stats import confidence_band

matplotlib.use("Agg")


def test_the_panel_draws_every_seed_and_their_geometric_mean():
    figure = widgets.blind_cliffwalk_experiment(5, "rank")
    (ax,) = figure.axes
    assert [label.get_text() for label in ax.get_yticklabels()] == ["uniform", "rank", "oracle"]
    assert ax.get_xlabel() and ax.get_ylabel() and ax.get_title()
    assert "95% CI" in " ".join(text.get_text() for text in ax.get_legend().get_texts())
    dots = [line for line in ax.lines if line.get_linestyle() == "None" and len(line.get_xdata())]
    for row, name in enumerate(["uniform", "rank", "oracle"]):
        expected = run_fast([5], [name], 16)[name][0]
        drawn = next(line for line in dots if len(line.get_xdata()) == 16 and
                     np.allclose(np.mean(line.get_ydata()), row))  # fmt: skip
        np.testing.assert_array_equal(np.sort(drawn.get_xdata()), np.sort(expected))
        mean = confidence_band(expected[:, None], geometric=True)[0][0]
        assert any(
            np.allclose(line.get_xdata(), [mean]) and np.allclose(line.get_ydata(), [row])
            for line in ax.lines
        )


def test_a_new_setting_is_computed_quickly():
    widgets.blind_cliffwalk_experiment(3, "greedy")  # imports, the first figure
    start = time.process_time()
    for order in ("greedy", "proportional", "rank"):  # 16 seeds each, and uniform, oracle
        widgets._cliffwalk_updates.__wrapped__(8, order, 16)
    widgets._cliffwalk_updates.__wrapped__(8, "uniform", 16)
    widgets._cliffwalk_updates.__wrapped__(8, "oracle", 16)
    per_move = (time.process_time() - start) / 3  # a move computes one order, plus the two
    assert per_move < 1.0, f"{per_move:.2f} s of CPU per new setting"  # about 0.15 s here


def test_the_panel_has_a_slider_and_a_choice_of_order():
    sliders, image, _errors = widgets.blind_cliffwalk_panel().children
    n, order = sliders.children
    assert (n.min, n.max) == (2, 8) and set(order.options) == {"greedy", "proportional", "rank"}
    assert all(widget.continuous_update is False for widget in sliders.children)
    assert bytes(image.value).startswith(b"\x89PNG")


def test_after_a_move_the_previous_orders_mean_stays_drawn_faint():
    draw = widgets.with_previous(widgets.blind_cliffwalk_experiment)
    draw(n=5, order="rank")
    (ax,) = draw(n=5, order="greedy").axes
    faint = [line for line in ax.lines if line.get_label().startswith(widgets.PREVIOUS)]
    # uniform and the oracle did not change: only the rank order's mean is drawn faint
    assert [line.get_label() for line in faint] == ["previous: rank: geometric mean"]
    mean = confidence_band(run_fast([5], ["rank"], 16)["rank"][0][:, None], geometric=True)[0][0]
    assert np.allclose(faint[0].get_xdata(), [mean]) and faint[0].get_marker() == "D"
    assert faint[0].get_alpha() <= 0.5
