"""Slider panels for the notebooks: move a hyperparameter, watch the learning curves change.

Each panel wires ipywidgets sliders to one small experiment (``*_experiment``: a call to
:func:`~replay_lab.agents.run_seeds` over :data:`SEEDS` seeds and one figure from
:mod:`replay_lab.plotting`). After a move the new curves are drawn over the previous
setting's, which stay faint and dashed (:func:`with_previous`), so a move shows what it
changed. The experiment runs once when the panel is built, so a notebook executed without a
browser (nbval, ``make notebooks``) still shows a figure.
"""

from __future__ import annotations

import functools
import io
import math
from collections.abc import Callable

import gymnasium as gym
import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, NullLocator

from replay_lab.agents import run_seeds
from replay_lab.envs import value_iteration
from replay_lab.experiments.blind_cliffwalk import METHODS
from replay_lab.plotting import plot_curves
from replay_lab.plotting.style import PALETTE
from replay_lab.results import TrainResult

__all__ = [
    "SEEDS",
    "blind_cliffwalk_experiment",
    "blind_cliffwalk_panel",
    "function_approx_experiment",
    "function_approx_panel",
    "online_experiment",
    "online_panel",
    "prioritized_experiment",
    "prioritized_panel",
    "replay_experiment",
    "replay_panel",
    "with_previous",
]

SEEDS = 16  # seeds per panel curve: enough for a 95% band narrow enough to compare curves
PREVIOUS = "previous: "  # the label of a curve of the previous setting starts so
_SUPERSCRIPTS = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")  # for _decade_label


@functools.cache
def _q_star(env_id: str, gamma: float):
    """Q* per (environment, gamma), computed once: value iteration is the ground truth."""
    return value_iteration(gym.make(env_id), gamma)


@functools.cache
def _cliff() -> gym.Env:
    """One CliffWalking for every panel run: the engine reads its model and never steps
    it, so making it (and its model) again on every redraw would be wasted work."""
    return gym.make("CliffWalking-v1")


@functools.lru_cache(maxsize=64)
def _cliff_runs(seeds: int, **kwargs) -> TrainResult:
    """Runs on CliffWalking (at most 500 steps an episode), kept per setting: a setting
    seen before (the comparison curve, a slider moved back) is not trained again; the runs
    are seeded, so nothing changes."""
    kwargs = {"alpha": 0.5, "gamma": 1.0, "epsilon": 0.1, **kwargs}
    q_star = _q_star("CliffWalking-v1", kwargs["gamma"])
    return run_seeds(_cliff(), seeds=seeds, q_star=q_star, max_steps=500, **kwargs)


def _figure(
    width: float, columns: int = 1, height: float = 3.6, left: float = 0.75
) -> tuple[Figure, list]:
    """A panel figure with fixed margins (``left`` and the others in inches): laying out
    the text anew on every redraw (``tight_layout``) would cost about as much as drawing
    the figure."""
    fig, axes = plt.subplots(1, columns, figsize=(width, height), squeeze=False)
    fig.subplots_adjust(
        left=left / width,
        right=1 - 0.2 / width,
        bottom=0.504 / height,  # 0.14 and 0.91 of the usual 3.6 inches
        top=1 - 0.324 / height,
        wspace=0.25,
    )
    return fig, list(axes[0])


def _panel_style(experiment: Callable[..., Figure]) -> Callable[..., Figure]:
    """The experiment with small legend text (a panel figure is small, and its legend, with
    the previous setting's entries too, should hide as little of the curves as it can) and
    titles at a fixed height: placing a title automatically lays out the tick labels once
    more, about a sixth of the drawing, and a panel has no labels above its axes to avoid."""

    @functools.wraps(experiment)
    def wrapped(*args, **kwargs) -> Figure:
        style = {"legend.fontsize": "small", "legend.title_fontsize": "small", "axes.titley": 1.0}
        with plt.rc_context(style):
            return experiment(*args, **kwargs)

    return wrapped


def _decade_label(value: float, position=None) -> str:
    """A power of ten as plain text, 10 with a superscript exponent (``10⁻²``)."""
    return "10" + str(round(math.log10(value))).translate(_SUPERSCRIPTS)


def _decades_only(ax) -> None:
    """The log axis with no minor ticks (the grid at each power of ten is enough to read
    it; the minor ticks cost about a third of the drawing) and its decades labelled in
    plain text: matplotlib's ``10^{-2}`` is math text, parsed anew for every new figure,
    about a quarter of a panel's drawing."""
    ax.yaxis.set_minor_locator(NullLocator())
    ax.yaxis.set_major_formatter(FuncFormatter(_decade_label))


@_panel_style
def online_experiment(alpha: float, gamma: float, epsilon: float, seeds: int = SEEDS) -> Figure:
    """Online Q-learning on CliffWalking: returns and Q-error over 120 episodes."""
    runs = _cliff_runs(seeds, episodes=120, alpha=alpha, gamma=gamma, epsilon=epsilon)
    fig, (left, right) = _figure(11, columns=2)
    label = f"alpha={alpha:g}, gamma={gamma:g}, epsilon={epsilon:g}"
    plot_curves(
        {label: runs}, y="returns", ax=left, smooth=5, title="return per episode (smoothed)"
    )
    left.set_ylim(-300, 0)
    plot_curves({label: runs}, y="q_errors", ax=right, title="error of Q against Q*")
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


@_panel_style
def replay_experiment(
    capacity: int, batch_size: int, updates_per_step: int, seeds: int = SEEDS
) -> Figure:
    """Uniform replay against online Q-learning on CliffWalking, by environment steps."""
    runs = _cliff_runs(
        seeds,
        steps=2000,
        replay="uniform",
        capacity=capacity,
        batch_size=batch_size,
        updates_per_step=updates_per_step,
    )
    label = f"replay: capacity {capacity}, batch {batch_size}, {updates_per_step} per step"
    fig, (ax,) = _figure(8)
    plot_curves(
        {"online": _cliff_runs(seeds, steps=2000), label: runs},
        x="steps",
        ax=ax,
        log_y=True,
        title="CliffWalking: error of Q against Q*",
    )
    _decades_only(ax)
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


@_panel_style
def prioritized_experiment(priority_exponent: float, beta: float, seeds: int = SEEDS) -> Figure:
    """Proportional prioritized against uniform replay on CliffWalking, by updates."""
    common = dict(steps=2000, capacity=2000, batch_size=8)
    runs = _cliff_runs(
        seeds, replay="proportional", priority_exponent=priority_exponent, beta=beta, **common
    )
    curves = {
        "uniform": _cliff_runs(seeds, replay="uniform", **common),
        f"prioritized: omega={priority_exponent:g}, beta={beta:g}": runs,
    }
    fig, (ax,) = _figure(8)
    plot_curves(curves, x="updates", ax=ax, log_y=True, title="CliffWalking: error of Q against Q*")
    _decades_only(ax)
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


def blind_cliffwalk_experiment(n: int, order: str, seeds: int = SEEDS) -> Figure:
    """Updates until the Blind Cliffwalk with ``n`` states is learned: uniform replay,
    the chosen replay order and the oracle, every seed and their geometric mean."""
    from replay_lab.stats import confidence_band

    names = list(dict.fromkeys(["uniform", order, "oracle"]))
    fig, (ax,) = _figure(8, height=2.8, left=1.25)
    for row, name in enumerate(names):
        updates = np.array(_cliffwalk_updates(n, name, seeds))
        mean, low, high = (float(v[0]) for v in confidence_band(updates[:, None], geometric=True))
        color = PALETTE[list(METHODS).index(name)]
        jitter = np.linspace(-0.18, 0.18, len(updates))
        ax.plot(updates, row + jitter, "o", ms=4, alpha=0.5, color=color)
        ax.errorbar(mean, row, xerr=[[mean - low], [high - mean]], fmt="none",
                    ecolor="0.2", capsize=5)  # fmt: skip
        # the mean as a labelled line, so that the panel keeps it drawn faint after a move
        ax.plot([mean], [row], "D", ms=8, color=color, label=f"{name}: geometric mean")
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
    return fig


@functools.cache
def _online_trajectories():
    """States and actions of 4 online learners on MountainCar (2000 steps each), once
    (read-only: every redraw reads the same recorded trajectories)."""
    from replay_lab.approx.lockstep import train_lockstep

    runs = train_lockstep(4, 2000, alpha=1.0, record_steps=True)
    states, actions = runs.visited_states.reshape(-1, 2), runs.visited_actions.reshape(-1)
    states.flags.writeable = actions.flags.writeable = False
    return states, actions


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
    fig, (left, right) = _figure(12, columns=2, height=3.8)
    plot_cosines(cosines, n_tilings, ax=left)
    left.set_title("successive updates (4 online learners, 2000 steps each)")
    plot_felt_elsewhere(distances, felt, ax=right)
    tilings = f"{n_tilings} tiling{'s' if n_tilings > 1 else ''}"
    right.set_title(f"one update at (-0.5, 0): {tilings} of {tiles_per_dim} x {tiles_per_dim}")
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


def with_previous(experiment: Callable[..., Figure]) -> Callable[..., Figure]:
    """``experiment`` that also draws, faint and dashed, the curves of its previous call.

    Each call returns ``experiment(**values)`` with the labelled lines of the previous call's
    figure (not those it drew faint itself) copied onto the axes at the same position: same
    colour, dashed, faint, labelled ``"previous: <label>"``, below the new curves, the mean
    only (its band would hide the new one). A line whose label and data are the same in the
    new figure (a fixed comparison curve) is not repeated. The legend is drawn again (where
    matplotlib finds room), with its title and font sizes kept. The first call draws no
    previous curves.
    """
    previous: list[list[tuple]] = []

    def draw(**values) -> Figure:
        nonlocal previous
        figure = experiment(**values)
        current = [_curves(ax) for ax in figure.axes]
        for ax, now, old in zip(figure.axes, current, previous, strict=False):
            faint = [curve for curve in old if not any(_same(curve, new) for new in now)]
            for label, x, y, color, marker in faint:
                ax.plot(x, y, color=color, linestyle="--", linewidth=1.2, alpha=0.5, zorder=1.5,
                        marker=marker, fillstyle="none", label=PREVIOUS + label,
                        gid="previous")  # fmt: skip
            legend = ax.get_legend()
            if faint and legend is not None:  # drawn again with the same title and sizes
                title = legend.get_title()
                ax.legend(
                    title=title.get_text() or None,
                    title_fontsize=title.get_fontsize(),
                    fontsize=legend.get_texts()[0].get_fontsize(),
                )
        previous = current
        return figure

    return draw


def _curves(ax) -> list[tuple]:
    """(label, x, y, colour, marker) of each labelled line of ``ax`` drawn by the
    experiment (the marker keeps a curve of single points visible when drawn faint)."""
    return [
        (line.get_label(), line.get_xdata(), line.get_ydata(), line.get_color(), line.get_marker())
        for line in ax.get_lines()
        if not line.get_label().startswith("_") and line.get_gid() != "previous"
    ]


def _same(curve: tuple, other: tuple) -> bool:
    (label, x, y, *_), (other_label, other_x, other_y, *_) = curve, other
    return (
        label == other_label
        and len(x) == len(other_x)
        and bool((x == other_x).all() and (y == other_y).all())
    )


def _png(figure: Figure) -> bytes:
    """The figure as PNG, drawn once: without the tight bounding box of the notebook's
    inline display, which draws the figure twice."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=figure.dpi)
    return buffer.getvalue()


def _panel(experiment: Callable[..., Figure], sliders: dict) -> widgets.VBox:
    """Sliders on top, the experiment's figure below, redrawn when a slider is released.

    The contract for ``experiment``: it is called as ``experiment(**values)``, one keyword
    per slider (the keys of ``sliders``), and returns a new matplotlib Figure, laid out
    (fixed margins or ``tight_layout``: it is shown as drawn, at ``figure.dpi``). Each of
    its curves is a line with a label, drawn by ``ax.plot`` (as
    :func:`~replay_lab.plotting.plot_curves` draws them; labels starting with "_" are not
    curves, and ``ax.errorbar`` labels its container, not its line: plot the means with a
    label as well to have them kept). Nothing else is asked: the panel keeps
    the previous setting's curves drawn faint (:func:`with_previous`) by itself, and closes
    the figure once shown. An error is shown below the figure.
    """
    for slider in sliders.values():
        slider.continuous_update = False
        slider.style = {"description_width": "initial"}
    draw = with_previous(experiment)
    image = widgets.Image(format="png")
    errors = widgets.Output()

    def redraw(change=None) -> None:
        errors.clear_output()
        with errors:  # in a kernel: the traceback is shown here, below the figure
            figure = draw(**{name: slider.value for name, slider in sliders.items()})
            try:
                image.value = _png(figure)
            finally:
                plt.close(figure)  # shown once, in the panel, not again below the cell

    for slider in sliders.values():
        slider.observe(redraw, names="value")
    redraw()
    return widgets.VBox([widgets.HBox(list(sliders.values())), image, errors])
