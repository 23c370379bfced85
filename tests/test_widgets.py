"""The slider panels: every curve from 16 seeds, the previous setting drawn faint after a
move, the curves those of run_seeds, and a redraw that needs no browser."""

import time

import gymnasium as gym
import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest

from replay_lab import widgets
from replay_lab.agents import run_seeds
from replay_lab.envs import value_iteration
from replay_lab.plotting import plot_curves

matplotlib.use("Agg")

# A fixed sequence of settings per panel: the default, then a move of each slider.
MOVES = {
    widgets.online_experiment: [
        dict(alpha=0.5, gamma=1.0, epsilon=0.1),
        dict(alpha=0.3, gamma=1.0, epsilon=0.1),
        dict(alpha=0.3, gamma=0.9, epsilon=0.1),
    ],
    widgets.replay_experiment: [
        dict(capacity=1000, batch_size=8, updates_per_step=1),
        dict(capacity=1000, batch_size=16, updates_per_step=1),
        dict(capacity=200, batch_size=16, updates_per_step=1),
    ],
    widgets.prioritized_experiment: [
        dict(priority_exponent=0.6, beta=0.4),
        dict(priority_exponent=1.0, beta=0.4),
        dict(priority_exponent=1.0, beta=1.0),
    ],
}


def solid(ax):
    """label -> ydata of the curves the experiment drew itself (not the faint ones)."""
    return {
        line.get_label(): line.get_ydata()
        for line in ax.get_lines()
        if not line.get_label().startswith(("_", widgets.PREVIOUS))
    }


def faint(ax):
    return {
        line.get_label().removeprefix(widgets.PREVIOUS): line
        for line in ax.get_lines()
        if line.get_label().startswith(widgets.PREVIOUS)
    }


@pytest.fixture(scope="module")
def drawn():
    """Each panel's figures along its moves (drawn once for all the tests here), and
    each setting's figure drawn alone, with no previous setting."""
    figures = {}
    for experiment, moves in MOVES.items():
        draw = widgets.with_previous(experiment)
        along = [draw(**values) for values in moves]
        alone = [experiment(**values) for values in moves]
        figures[experiment] = along, alone
        for figure in along + alone:
            plt.close(figure)  # closed to pyplot; its axes and lines stay readable
    return figures


@pytest.mark.parametrize("experiment", MOVES, ids=lambda e: e.__name__)
def test_every_curve_is_the_mean_of_16_seeds(drawn, experiment):
    along, _ = drawn[experiment]
    for figure in along:
        for ax in figure.axes:
            assert solid(ax), "an axes without curves"
            assert all(label.endswith("(16 seeds)") for label in solid(ax)), list(solid(ax))
            title = ax.get_legend().get_title().get_text()
            assert "mean, band: 95% CI of the mean" in title or "mean, band: its 95% CI" in title
            assert ax.get_xlabel() and ax.get_ylabel() and ax.get_title()


@pytest.mark.parametrize("experiment", [widgets.replay_experiment, widgets.prioritized_experiment])
def test_log_axes_label_each_decade_in_plain_text(drawn, experiment):
    """The decades are written out (10, a superscript minus, superscript digits), not
    matplotlib's math text, and each label names its own tick."""
    superscript = dict(zip("⁻⁰¹²³⁴⁵⁶⁷⁸⁹", "-0123456789", strict=True))
    for figure in drawn[experiment][0]:
        (ax,) = figure.axes
        figure.canvas.draw()  # the labels are set when drawn
        low, high = ax.get_ylim()
        shown = [
            (loc, label.get_text())
            for loc, label in zip(ax.get_yticks(), ax.get_yticklabels(), strict=True)
            if low <= loc <= high
        ]
        assert len(shown) >= 2, f"fewer than two decades shown: {shown}"
        for loc, text in shown:
            assert text.startswith("10") and "$" not in text, text
            exponent = int("".join(superscript[c] for c in text[2:]))
            assert 10.0**exponent == pytest.approx(loc, rel=1e-9), text
        assert not ax.get_yticks(minor=True).size, "minor ticks on a panel's log axis"


@pytest.mark.parametrize("experiment", MOVES, ids=lambda e: e.__name__)
def test_after_a_move_the_previous_setting_is_drawn_faint_beside_the_new(drawn, experiment):
    along, alone = drawn[experiment]
    assert all(not faint(ax) for ax in along[0].axes), "the first figure has no previous"
    for k in range(1, len(along)):
        for ax, before, now in zip(along[k].axes, alone[k - 1].axes, alone[k].axes, strict=True):
            # The new curves are exactly those of the setting drawn alone.
            assert solid(ax).keys() == solid(now).keys()
            for label, y in solid(now).items():
                np.testing.assert_array_equal(solid(ax)[label], y)
            # The previous setting's changed curves, faint; unchanged ones are not repeated.
            changed = {
                label: y
                for label, y in solid(before).items()
                if label not in solid(now) or not np.array_equal(y, solid(now)[label])
            }
            assert changed, "a move changed no curve"
            assert faint(ax).keys() == changed.keys()
            for label, line in faint(ax).items():
                np.testing.assert_array_equal(line.get_ydata(), changed[label])
                assert line.get_linestyle() == "--" and line.get_alpha() <= 0.5
                assert label.endswith("(16 seeds)")
            legend = [text.get_text() for text in ax.get_legend().get_texts()]
            assert sorted(legend) == sorted(
                [*solid(ax), *(widgets.PREVIOUS + label for label in changed)]
            )


def test_the_curves_are_those_of_run_seeds_on_the_documented_settings(drawn):
    """Independent of the panel's caches and shared env: run_seeds from the env id."""
    _, alone = drawn[widgets.replay_experiment]
    settings = dict(alpha=0.5, gamma=1.0, epsilon=0.1, max_steps=500, steps=2000)
    q_star = value_iteration(gym.make("CliffWalking-v1"), 1.0)
    runs = {
        "online": run_seeds("CliffWalking-v1", 16, q_star=q_star, **settings),
        "replay": run_seeds(
            "CliffWalking-v1",
            16,
            q_star=q_star,
            replay="uniform",
            capacity=200,
            batch_size=16,
            updates_per_step=1,
            **settings,
        ),
    }
    ax = plot_curves(runs, x="steps", log_y=True)
    expected = list(solid(ax).values())
    got = list(solid(alone[2].axes[0]).values())
    for y, want in zip(got, expected, strict=True):
        np.testing.assert_array_equal(y, want)


def toy_experiment(shift: float) -> plt.Figure:
    """Two axes: a curve that moves with ``shift``, a fixed one, an unlabelled guide."""
    fig, (left, right) = plt.subplots(1, 2)
    x = np.arange(5.0)
    left.plot(x, x + shift, label="moving")
    left.plot(x, -x, label="fixed")
    left.axhline(0.0, color="k")  # label "_child...": not a curve
    left.legend(title="the band: none", fontsize=7)
    right.plot(x, x * shift, label=f"shift {shift:g}")
    right.legend()
    return fig


def test_with_previous_keeps_only_the_last_setting_and_only_what_changed():
    draw = widgets.with_previous(toy_experiment)
    draw(shift=1.0)
    draw(shift=2.0)
    figure = draw(shift=3.0)
    left, right = figure.axes
    assert list(faint(left)) == ["moving"]  # "fixed" unchanged, the guide is no curve
    np.testing.assert_array_equal(faint(left)["moving"].get_ydata(), np.arange(5.0) + 2.0)
    assert list(faint(right)) == ["shift 2"]  # shift 1 is two moves back: gone
    np.testing.assert_array_equal(faint(right)["shift 2"].get_ydata(), np.arange(5.0) * 2.0)
    assert faint(left)["moving"].get_color() == left.get_lines()[0].get_color()
    assert left.get_legend().get_title().get_text() == "the band: none"
    assert {text.get_fontsize() for text in left.get_legend().get_texts()} == {7}
    plt.close("all")


def test_with_previous_draws_nothing_faint_when_the_setting_did_not_change():
    draw = widgets.with_previous(toy_experiment)
    draw(shift=1.0)
    figure = draw(shift=1.0)
    assert all(not faint(ax) for ax in figure.axes)
    plt.close("all")


@pytest.mark.parametrize(
    "panel",
    [widgets.online_panel, widgets.replay_panel, widgets.prioritized_panel,
     widgets.blind_cliffwalk_panel, widgets.function_approx_panel],
)  # fmt: skip
def test_panel_draws_when_built_and_redraws_when_a_slider_moves(panel):
    box = panel()
    sliders, image, _errors = box.children
    assert len(sliders.children) >= 2
    assert all(slider.continuous_update is False for slider in sliders.children)
    first = bytes(image.value)
    assert first.startswith(b"\x89PNG"), "no figure when built"
    slider = sliders.children[0]
    if hasattr(slider, "options"):
        slider.index = (slider.index + 1) % len(slider.options)
    else:
        slider.value = slider.value + slider.step if slider.value < slider.max else slider.min
    assert bytes(image.value).startswith(b"\x89PNG") and bytes(image.value) != first, "no figure"
    assert not plt.get_fignums(), "a panel figure was left open (it would show again)"


def test_a_move_redraws_quickly_outside_the_browser():
    """A slider move of the replay panel to a new setting: training, drawing and the PNG
    (compute only; the browser test measures key press to new figure). About 0.7 s alone
    on the 2-core development machine; the bound leaves room for a loaded machine."""
    box = widgets.replay_panel()
    batch_size = box.children[0].children[1]
    start = time.perf_counter()
    batch_size.value = 4
    elapsed = time.perf_counter() - start
    assert elapsed < 4.0, f"a redraw took {elapsed:.2f} s"


def test_function_approx_panel_redraws_quickly_and_is_labelled():
    values = dict(capacity=1000, tiles_per_dim=8, n_tilings=8)
    widgets.function_approx_experiment(**values)  # the first call records the trajectories
    start = time.perf_counter()
    figure = widgets.function_approx_experiment(**values)
    elapsed = time.perf_counter() - start
    assert elapsed < 1.5, f"took {elapsed:.2f} s"  # ~0.3 s on the development machine
    assert all(ax.get_xlabel() and ax.get_ylabel() and ax.get_title() for ax in figure.axes)
    box = widgets.function_approx_panel()
    sliders, image, _errors = box.children
    assert len(sliders.children) == 3
    assert all(slider.continuous_update is False for slider in sliders.children)
    assert bytes(image.value).startswith(b"\x89PNG")


def test_function_approx_panel_keeps_the_previous_tiling_drawn_faint():
    draw = widgets.with_previous(widgets.function_approx_experiment)
    draw(capacity=1000, tiles_per_dim=8, n_tilings=8)
    figure = draw(capacity=1000, tiles_per_dim=4, n_tilings=8)
    labels = [line.get_label() for ax in figure.axes for line in ax.get_lines()]
    assert any(label.startswith(widgets.PREVIOUS) for label in labels), labels
    plt.close("all")
