"""Learning curves over seeds, hyperparameter sweeps, first rewards and replay ages.

Each function takes results (:class:`~replay_lab.results.TrainResult`, arrays) and draws
the mean over seeds with its 95% confidence band (:mod:`replay_lab.stats`).
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

from replay_lab.plotting.style import AXIS_LABELS, PALETTE
from replay_lab.results import TrainResult
from replay_lab.stats import confidence_band

__all__ = ["plot_curves", "plot_first_rewards", "plot_replay_ages", "plot_sweep"]


def plot_curves(
    results: dict[str, TrainResult],
    y: str = "q_errors",
    x: str = "episodes",
    ax: Axes | None = None,
    smooth: int = 1,
    log_y: bool = False,
    title: str | None = None,
) -> Axes:
    """One line per result: the mean over seeds with a 95% confidence band.

    Parameters
    ----------
    results : dict label -> TrainResult, one row per seed (as from
        :func:`~replay_lab.agents.run_seeds`)
    y : {"q_errors", "returns", "lengths", "greedy_values"}
    x : {"episodes", "steps", "updates"}
        Against steps or updates, each seed's curve is first interpolated onto a common
        grid (seeds take different numbers of steps to finish their episodes).
    smooth : int
        Moving-average window over episodes (for noisy returns).
    log_y : bool
        Logarithmic y axis; the mean and band are then taken of log10(y) (a geometric
        mean and a multiplicative band), which suits errors spanning orders of magnitude.
    """
    ax = ax or plt.subplots(figsize=(7, 4))[1]
    for (label, result), color in zip(results.items(), PALETTE, strict=False):
        values = np.atleast_2d(getattr(result, y))
        if smooth > 1:
            kernel = np.ones(smooth) / smooth
            values = np.array([np.convolve(row, kernel, mode="valid") for row in values])
        if x == "episodes":
            grid = np.arange(1, values.shape[1] + 1) + (smooth - 1)
        else:
            positions = np.atleast_2d(result.steps if x == "steps" else result.updates)
            positions = positions[:, smooth - 1 :]
            # Runs padded with NaN (they finished fewer episodes) end where their data ends.
            runs = [
                (p[np.isfinite(v)], v[np.isfinite(v)])
                for p, v in zip(positions, values, strict=True)
            ]
            grid = np.linspace(max(p[0] for p, _ in runs), min(p[-1] for p, _ in runs), 200)
            values = np.array([np.interp(grid, p, v) for p, v in runs])
        mean, low, high = confidence_band(values, geometric=log_y)
        ax.plot(grid, mean, color=color, label=f"{label} ({len(values)} seeds)")
        ax.fill_between(grid, low, high, color=color, alpha=0.25, linewidth=0)
    ax.set(xlabel=AXIS_LABELS[x], ylabel=AXIS_LABELS[y], title=title)
    if log_y:
        ax.set_yscale("log")
    # on a log axis the mean is geometric, and its band is that mean's interval
    ax.legend(
        title="geometric mean, band: its 95% CI" if log_y else "mean, band: 95% CI of the mean"
    )
    ax.grid(alpha=0.3)
    return ax


def plot_first_rewards(
    first: dict[str, np.ndarray], budget: int, ax: Axes | None = None, title: str | None = None
) -> Axes:
    """One marker per seed: the environment steps it took to see a first reward (log scale).

    ``first[label]`` comes from :func:`~replay_lab.agents.steps_to_first_reward`. Runs that
    never saw a reward within the ``budget`` are drawn as crosses in a shaded strip right
    of the budget line; there, left to right means nothing (they are spread out only so
    that each cross can be seen).
    """
    ax = ax or plt.subplots(figsize=(7.5, 2.2 + 0.6 * len(first)))[1]
    rng = np.random.default_rng(0)  # jitter only, so overlapping markers stay visible
    never = (budget * 1.4, budget * 3.2)  # the strip of seeds without a reward
    for row, ((label, steps), color) in enumerate(zip(first.items(), PALETTE, strict=False)):
        steps = np.asarray(steps, dtype=float)
        jitter = row + rng.uniform(-0.2, 0.2, size=len(steps))
        seen = np.isfinite(steps)
        ax.scatter(steps[seen], jitter[seen], color=color, s=30)
        # the colour's legend entry is a square: dots and crosses are explained below it
        ax.scatter(
            [],
            [],
            color=color,
            marker="s",
            label=f"{label}: {seen.sum()}/{len(steps)} seeds with a reward",
        )
        spread = np.geomspace(never[0] * 1.1, never[1] / 1.1, max((~seen).sum(), 1))
        ax.scatter(spread[: (~seen).sum()], jitter[~seen], color=color, marker="x", s=40)
    ax.axvline(budget, color="0.4", ls="--", lw=1)
    ax.axvspan(*never, color="0.92", zorder=0)
    ax.text(
        np.sqrt(never[0] * never[1]),
        len(first) - 0.25,
        "no reward\nwithin budget",
        ha="center",
        va="top",
        fontsize=9,
    )
    ax.set_xscale("log")
    ax.set(
        xlim=(None, never[1]),
        yticks=range(len(first)),
        yticklabels=list(first),
        ylim=(-0.6, len(first) + 0.1),
        xlabel=f"environment steps until the first reward (budget {budget:,})",
        ylabel="setting",
        title=f"{title or 'first reward'}: one marker per seed",
    )
    # What the two markers mean, in grey: the colours are the settings.
    ax.scatter([], [], color="0.4", s=30, label="dot: a seed's first reward")
    ax.scatter([], [], color="0.4", marker="x", s=40, label="cross: a seed with none")
    ax.legend(loc="upper left", fontsize=9)
    ax.grid(alpha=0.3, axis="x")
    return ax


def plot_sweep(
    name: str,
    values: list,
    finals: np.ndarray,
    ax: Axes | None = None,
    ylabel: str = "final RMS error of Q vs Q*",
    log_y: bool = False,
) -> Axes:
    """A hyperparameter sweep: the mean final result per setting with its 95% interval.

    ``finals`` has shape (len(values), seeds), as returned by :func:`~replay_lab.agents.sweep`.
    With ``log_y`` the mean and interval are taken of log10 (geometric mean).
    """
    ax = ax or plt.subplots(figsize=(4, 3))[1]
    finals = np.asarray(finals, dtype=float).T
    mean, low, high = confidence_band(finals, geometric=log_y)
    if log_y:
        ax.set_yscale("log")
    positions = np.arange(len(values))
    ax.errorbar(
        positions, mean, yerr=[mean - low, high - mean], fmt="o-", color=PALETTE[0], capsize=4
    )
    ax.set(xticks=positions, xticklabels=[str(v) for v in values], xlabel=name, ylabel=ylabel)
    kind = "geometric mean" if log_y else "mean"
    ax.set_title(f"{finals.shape[0]} seeds, {kind} and 95% interval", fontsize=9)
    ax.grid(alpha=0.3)
    return ax


def plot_replay_ages(ages: dict[str, np.ndarray], ax: Axes | None = None, bins: int = 25) -> Axes:
    """How often transitions of each age were replayed, per buffer (mean and band over seeds).

    ``ages[label]`` is ``TrainResult.replay_ages`` over seeds: shape (seeds, capacity).
    The y axis is the share of all replays per step of age, so buffers of different
    capacities compare directly: a flat line at 1 / capacity means every age was replayed
    equally often.
    """
    ax = ax or plt.subplots(figsize=(7, 4))[1]
    for (label, counts), color in zip(ages.items(), PALETTE, strict=False):
        counts = np.atleast_2d(counts)
        edges = np.linspace(0, counts.shape[1], bins + 1).astype(int)
        per_bin = np.add.reduceat(counts, edges[:-1], axis=1) / counts.sum(axis=1, keepdims=True)
        density = per_bin / np.diff(edges)
        mean, low, high = confidence_band(density)
        centres = (edges[:-1] + edges[1:]) / 2
        ax.plot(centres, mean, color=color, marker="o", ms=3, label=label)
        ax.fill_between(centres, low, high, color=color, alpha=0.25, linewidth=0)
        ax.axhline(1 / counts.shape[1], color=color, ls=":", lw=1)
    ax.set(
        xlabel="age of the replayed transition (steps since it was added)",
        ylabel="share of replays per step of age",
        title="which transitions get replayed",
    )
    ax.set_yscale("log")
    # Labels at 1, 2 and 5 times each power of ten only, as plain numbers: the default also
    # labels 3 and 4 times, which crowd each other on a short axis.
    ax.yaxis.set_major_locator(LogLocator(subs=(1, 2, 5)))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    ax.yaxis.set_minor_formatter(NullFormatter())
    # Bottom left: the curves fall with age, so that corner is empty.
    ax.legend(title="mean, band: 95% CI of the mean\ndotted: 1 / capacity", loc="lower left")
    ax.grid(alpha=0.3)
    return ax
