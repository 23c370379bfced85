"""Slider panels for the notebooks: move a hyperparameter, watch the learning curves change.

Each panel wires ipywidgets sliders to one small experiment (``*_experiment``: a call to
:func:`~replay_lab.agents.run_seeds`) and one figure (:mod:`replay_lab.plotting`). The
experiments are sized to redraw in about a second. They run once when the panel is built,
so a notebook executed without a browser (nbval, ``make notebooks``) still shows a figure.
"""

from __future__ import annotations

import functools

import gymnasium as gym
import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import display
from matplotlib.figure import Figure

from replay_lab.agents import run_seeds
from replay_lab.envs import value_iteration
from replay_lab.experiments.blind_cliffwalk import METHODS
from replay_lab.plotting import plot_curves
from replay_lab.plotting.style import PALETTE
from replay_lab.results import TrainResult

__all__ = [
    "blind_cliffwalk_experiment",
    "blind_cliffwalk_panel",
    "online_experiment",
    "online_panel",
    "prioritized_experiment",
    "prioritized_panel",
    "replay_experiment",
    "replay_panel",
]

_CLIFF = dict(env="CliffWalking-v1", max_steps=500)


@functools.cache
def _q_star(env_id: str, gamma: float):
    """Q* per (environment, gamma), computed once: value iteration is the ground truth."""
    return value_iteration(gym.make(env_id), gamma)


def online_experiment(alpha: float, gamma: float, epsilon: float, seeds: int = 4) -> Figure:
    """Online Q-learning on CliffWalking: returns and Q-error over 120 episodes."""
    runs = run_seeds(
        seeds=seeds,
        episodes=120,
        alpha=alpha,
        gamma=gamma,
        epsilon=epsilon,
        q_star=_q_star("CliffWalking-v1", gamma),
        **_CLIFF,
    )
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.8))
    label = f"alpha={alpha:g}, gamma={gamma:g}, epsilon={epsilon:g}"
    plot_curves(
        {label: runs}, y="returns", ax=left, smooth=5, title="return per episode (smoothed)"
    )
    left.set_ylim(-300, 0)
    plot_curves({label: runs}, y="q_errors", ax=right, title="error of Q against Q*")
    fig.tight_layout()
    return fig


def online_panel() -> widgets.VBox:
    """Sliders for the step size, the discount and the exploration rate."""
    return _panel(
        online_experiment,
        {
            "alpha": widgets.FloatSlider(0.5, min=0.05, max=1.0, step=0.05, description="alpha"),
            "gamma": widgets.FloatSlider(1.0, min=0.8, max=1.0, step=0.01, description="gamma"),
            "epsilon": widgets.FloatSlider(0.1, min=0.0, max=0.5, step=0.02, description="epsilon"),
        },
    )


def _cliff_runs(seeds: int, **kwargs) -> TrainResult:
    """Runs on CliffWalking with a budget of 2000 environment steps."""
    return run_seeds(
        seeds=seeds,
        steps=2000,
        alpha=0.5,
        gamma=1.0,
        epsilon=0.1,
        q_star=_q_star("CliffWalking-v1", 1.0),
        **_CLIFF,
        **kwargs,
    )


@functools.cache
def _baseline(seeds: int, **kwargs) -> TrainResult:
    """The comparison curve of a panel: computed once, not on every slider move."""
    return _cliff_runs(seeds, **kwargs)


def replay_experiment(
    capacity: int, batch_size: int, updates_per_step: int, seeds: int = 3
) -> Figure:
    """Uniform replay against online Q-learning on CliffWalking, by environment steps."""
    runs = _cliff_runs(
        seeds,
        replay="uniform",
        capacity=capacity,
        batch_size=batch_size,
        updates_per_step=updates_per_step,
    )
    label = f"replay: capacity {capacity}, batch {batch_size}, {updates_per_step} per step"
    fig, ax = plt.subplots(figsize=(8, 3.8))
    plot_curves(
        {"online": _baseline(seeds), label: runs},
        x="steps",
        ax=ax,
        log_y=True,
        title="CliffWalking: error of Q against Q*",
    )
    fig.tight_layout()
    return fig


def replay_panel() -> widgets.VBox:
    """Sliders for the buffer capacity, the batch size and the replay ratio."""
    return _panel(
        replay_experiment,
        {
            "capacity": widgets.SelectionSlider(
                options=[50, 200, 1000, 2000], value=1000, description="capacity"
            ),
            "batch_size": widgets.SelectionSlider(
                options=[1, 4, 8, 16, 32], value=8, description="batch size"
            ),
            "updates_per_step": widgets.IntSlider(1, min=1, max=4, description="replay ratio"),
        },
    )


def prioritized_experiment(priority_exponent: float, beta: float, seeds: int = 3) -> Figure:
    """Proportional prioritized against uniform replay on CliffWalking, by updates."""
    common = dict(capacity=2000, batch_size=8)
    runs = _cliff_runs(
        seeds, replay="proportional", priority_exponent=priority_exponent, beta=beta, **common
    )
    curves = {
        "uniform": _baseline(seeds, replay="uniform", **common),
        f"prioritized: omega={priority_exponent:g}, beta={beta:g}": runs,
    }
    fig, ax = plt.subplots(figsize=(8, 3.8))
    plot_curves(curves, x="updates", ax=ax, log_y=True, title="CliffWalking: error of Q against Q*")
    fig.tight_layout()
    return fig


def prioritized_panel() -> widgets.VBox:
    """Sliders for the priority exponent omega and the correction exponent beta."""
    return _panel(
        prioritized_experiment,
        {
            "priority_exponent": widgets.FloatSlider(
                0.6, min=0.0, max=1.0, step=0.1, description="priority exponent omega"
            ),
            "beta": widgets.FloatSlider(0.4, min=0.0, max=1.0, step=0.1, description="beta"),
        },
    )


@functools.cache
def _cliffwalk_updates(n: int, order: str, seeds: int) -> tuple:
    """Updates until learned, per seed, on the Blind Cliffwalk's fast path (kept: a slider
    moved back redraws at once)."""
    from replay_lab.experiments.blind_cliffwalk_fast import run_fast

    return tuple(run_fast([n], [order], seeds)[order][0].tolist())


def blind_cliffwalk_experiment(n: int, order: str, seeds: int = 16) -> Figure:
    """Updates until the Blind Cliffwalk with ``n`` states is learned: uniform replay,
    the chosen replay order and the oracle, every seed and their geometric mean."""
    from replay_lab.stats import confidence_band

    names = list(dict.fromkeys(["uniform", order, "oracle"]))
    fig, ax = plt.subplots(figsize=(8, 2.8))
    for row, name in enumerate(names):
        updates = np.array(_cliffwalk_updates(n, name, seeds))
        mean, low, high = (float(v[0]) for v in confidence_band(updates[:, None], geometric=True))
        color = PALETTE[list(METHODS).index(name)]
        jitter = np.linspace(-0.18, 0.18, len(updates))
        ax.plot(updates, row + jitter, "o", ms=4, alpha=0.5, color=color)
        ax.errorbar(mean, row, xerr=[[mean - low], [high - mean]], fmt="D", ms=8,
                    color=color, ecolor="0.2", capsize=5)  # fmt: skip
        ax.annotate(
            f"{mean:,.0f}",
            (max(high, updates.max()), row),
            xytext=(8, 0),
            textcoords="offset points",
            va="center",
        )
    ax.plot([], [], "o", color="0.5", alpha=0.5, label=f"one seed ({seeds} seeds)")
    ax.errorbar([], [], xerr=[], fmt="D", color="0.5", ecolor="0.2", capsize=5,
                label="geometric mean, bar: 95% CI")  # fmt: skip
    ax.set(
        xscale="log",
        yticks=range(len(names)),
        yticklabels=names,
        ylabel="replay order",
        ylim=(len(names) - 0.5, -0.5),
        xlabel="updates until the MSE of Q < 1e-3",
        xlim=(None, ax.get_xlim()[1] * 2),  # room for the numbers
        title=f"Blind Cliffwalk, n = {n} states ({2 ** (n + 1) - 2:,} stored transitions)",
    )
    ax.grid(alpha=0.3, which="both", axis="x")
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    return fig


def blind_cliffwalk_panel() -> widgets.VBox:
    """Sliders for the length of the chain and the replay order."""
    return _panel(
        blind_cliffwalk_experiment,
        {
            "n": widgets.IntSlider(7, min=2, max=8, description="states n"),
            "order": widgets.Dropdown(
                options=["greedy", "proportional", "rank"], value="rank", description="order"
            ),
        },
    )


def _panel(experiment, sliders: dict) -> widgets.VBox:
    """Sliders on top, the experiment's figure below, redrawn when a slider is released."""
    for slider in sliders.values():
        slider.continuous_update = False
        slider.style = {"description_width": "initial"}

    def draw(**values):
        figure = experiment(**values)
        display(figure)
        plt.close(figure)  # shown once, in the panel, not again below the cell

    output = widgets.interactive_output(draw, sliders)
    return widgets.VBox([widgets.HBox(list(sliders.values())), output])
