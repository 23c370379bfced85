"""The slider panels build and draw without a browser, quickly enough to feel live."""

import time

import matplotlib
import pytest

from replay_lab import widgets

matplotlib.use("Agg")


@pytest.mark.parametrize(
    ("experiment", "values"),
    [
        (widgets.online_experiment, dict(alpha=0.5, gamma=1.0, epsilon=0.1)),
        (widgets.replay_experiment, dict(capacity=1000, batch_size=8, updates_per_step=1)),
        (widgets.prioritized_experiment, dict(priority_exponent=0.6, beta=0.4)),
    ],
)
def test_experiment_redraws_in_about_a_second(experiment, values):
    experiment(**values)  # the first call also computes Q* and the comparison curve
    start = time.perf_counter()
    figure = experiment(**values)
    elapsed = time.perf_counter() - start
    assert elapsed < 3.0, f"{experiment.__name__} took {elapsed:.2f} s"  # ~1 s here; CI is slower
    assert all(
        ax.get_xlabel() and ax.get_ylabel() and ax.get_title() for ax in figure.axes if ax.lines
    )


@pytest.mark.parametrize(
    "panel", [widgets.online_panel, widgets.replay_panel, widgets.prioritized_panel]
)
def test_panel_has_sliders_and_draws_once_when_built(panel, capsys):
    box = panel()
    sliders, _ = box.children
    assert len(sliders.children) >= 2
    assert all(slider.continuous_update is False for slider in sliders.children)
    # Outside a kernel the output widget cannot capture, so the figure is printed instead.
    assert "Figure(" in capsys.readouterr().out


def test_function_approx_panel_redraws_quickly_and_is_labelled(capsys):
    values = dict(capacity=1000, tiles_per_dim=8, n_tilings=8)
    widgets.function_approx_experiment(**values)  # the first call records the trajectories
    start = time.perf_counter()
    figure = widgets.function_approx_experiment(**values)
    elapsed = time.perf_counter() - start
    assert elapsed < 1.5, f"took {elapsed:.2f} s"  # ~0.3 s on the development machine
    assert all(ax.get_xlabel() and ax.get_ylabel() and ax.get_title() for ax in figure.axes)
    box = widgets.function_approx_panel()
    sliders, _ = box.children
    assert len(sliders.children) == 3
    assert all(slider.continuous_update is False for slider in sliders.children)
    assert "Figure(" in capsys.readouterr().out
