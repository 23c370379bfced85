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
from IPython.display import display
from matplotlib.figure import Figure

from replay_lab.agents import run_seeds
from replay_lab.envs import value_iteration
from replay_lab.plotting import plot_curves
from replay_lab.results import TrainResult

__all__ = [
    "function_approx_experiment",
    "function_approx_panel",
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
def _online_trajectories():
    """States and actions of 4 online learners on MountainCar (2000 steps each), once."""
    from replay_lab.approx.lockstep import train_lockstep

    runs = train_lockstep(4, 2000, alpha=1.0, record_steps=True)
    return runs.visited_states.reshape(-1, 2), runs.visited_actions.reshape(-1)


def function_approx_experiment(capacity: int, tiles_per_dim: int, n_tilings: int) -> Figure:
    """Lesson 05: how alike successive updates are online and with replay, and how far
    one update reaches, for a tile coding of MountainCar (fixed recorded trajectories)."""
    import numpy as np

    from replay_lab.approx import measure
    from replay_lab.approx.train import mountain_car_coder
    from replay_lab.plotting import plot_cosines, plot_felt_elsewhere

    coder = mountain_car_coder(tiles_per_dim, n_tilings)
    states, actions = _online_trajectories()
    tiles = coder.tiles(states)
    rng = np.random.default_rng(0)
    cosines = {
        "online": measure.consecutive_cosines(tiles, actions),
        f"replay, capacity {capacity}": measure.replayed_cosines(
            tiles, actions, capacity, 8000, rng
        ),
    }
    distances = np.linspace(0, 1.5, 31)
    state = np.array([-0.5, 0.0])
    felt = {
        f"along {name}": measure.felt_elsewhere(
            coder, state, state + np.outer(distances, np.eye(2)[dim] * coder.tile_width[dim])
        )
        for dim, name in enumerate(["position", "velocity"])
    }
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 3.8))
    plot_cosines(cosines, n_tilings, ax=left)
    left.set_title("successive updates (8000 steps of 4 online learners)")
    plot_felt_elsewhere(distances, felt, ax=right)
    tilings = f"{n_tilings} tiling{'s' if n_tilings > 1 else ''}"
    right.set_title(f"one update at (-0.5, 0): {tilings} of {tiles_per_dim} x {tiles_per_dim}")
    fig.tight_layout()
    return fig


def function_approx_panel() -> widgets.VBox:
    """Sliders for the replay buffer's capacity and the tile coding's resolution."""
    return _panel(
        function_approx_experiment,
        {
            "capacity": widgets.SelectionSlider(
                options=[10, 100, 1000, 10000], value=1000, description="capacity"
            ),
            "tiles_per_dim": widgets.IntSlider(8, min=2, max=16, description="tiles per dimension"),
            "n_tilings": widgets.SelectionSlider(
                options=[1, 2, 4, 8, 16], value=8, description="tilings"
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
