"""Figures of lesson 05 (function approximation): how alike consecutive updates are, how
far one update reaches, and learning curves with every seed drawn."""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes

from replay_lab.approx.measure import window_means
from replay_lab.plotting.style import PALETTE

__all__ = ["plot_cosines", "plot_episode_returns", "plot_felt_elsewhere", "plot_largest_q"]

# Median line styles, one per learner, so medians stay apart where they overlap.
MEDIAN_STYLES = ["-", "--", ":", "-."]


def _axes(ax: Axes | None, figsize=(6, 3.6)) -> Axes:
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=figsize)
    return ax


def plot_cosines(cosines: dict[str, np.ndarray], n_tilings: int, ax: Axes | None = None) -> Axes:
    """Share of update pairs at each cosine 0, 1/n, ..., 1 (bars side by side), one colour
    per way of choosing the pairs; the legend gives each mean."""
    ax = _axes(ax)
    levels = np.arange(n_tilings + 1)
    width = 0.8 / len(cosines)
    for i, (label, values) in enumerate(cosines.items()):
        counts = np.bincount(np.rint(values * n_tilings).astype(int), minlength=n_tilings + 1)
        ax.bar(levels + (i - (len(cosines) - 1) / 2) * width, counts / counts.sum(), width,
               color=PALETTE[i], label=f"{label} (mean {values.mean():.2f})")  # fmt: skip
    ax.set_xticks(
        levels, [f"{k}/{n_tilings}" if 0 < k < n_tilings else str(k // n_tilings) for k in levels]
    )
    ax.set(xlabel="cosine between the gradients of two successive updates",
           ylabel="share of pairs")  # fmt: skip
    # Headroom above the tallest bar (at 0 or 1, the edges) for the legend in the middle.
    ax.set_ylim(0, 1.3 * ax.get_ylim()[1])
    ax.legend(loc="upper center")
    return ax


def plot_felt_elsewhere(
    distances: np.ndarray, felt: dict[str, np.ndarray], ax: Axes | None = None
) -> Axes:
    """How much of one update another state feels, against its distance (one line per
    direction). The share only changes where a tiling's border is crossed, so the line is
    drawn as steps."""
    ax = _axes(ax)
    for i, (label, values) in enumerate(felt.items()):
        ax.plot(distances, values, color=PALETTE[i], marker="o", ms=3, label=label,
                drawstyle="steps-post")  # fmt: skip
    ax.set(xlabel="distance from the updated state (tile widths)",
           ylabel="share of the update felt", ylim=(-0.03, 1.03))  # fmt: skip
    ax.legend()
    return ax


def plot_episode_returns(results: dict, window: int = 10, ax: Axes | None = None) -> Axes:
    """Return per episode against environment steps: a thin line per seed (a ``window``-
    episode moving mean, so each starts at the end of the run's ``window``-th episode) and a
    thick line for the median across seeds, one line style per learner, drawn above all
    seeds' lines so no median hides another.

    ``results`` maps a label to a stacked result (``returns`` and ``steps``, one row per
    seed).
    """
    ax = _axes(ax, figsize=(7, 4))
    for i, (label, runs) in enumerate(results.items()):
        smoothed = window_means(runs.returns, window)
        steps = runs.steps
        ends = []
        for row, step_row in zip(smoothed, steps, strict=True):
            finite = np.isfinite(row)
            x = step_row[np.isfinite(step_row)][window - 1 :]
            ax.plot(x, row[finite], color=PALETTE[i], lw=0.6, alpha=0.45)
            ends.append(x)
        grid = np.linspace(max(e[0] for e in ends), min(e[-1] for e in ends), 60)
        curves = [
            np.interp(grid, x, row[np.isfinite(row)]) for x, row in zip(ends, smoothed, strict=True)
        ]
        ax.plot(grid, np.median(curves, axis=0), color=PALETTE[i], lw=2.4, label=label,
                ls=MEDIAN_STYLES[i % len(MEDIAN_STYLES)], zorder=3)  # fmt: skip
    ax.set(xlabel="environment steps (each seed's line starts at its episode "
           f"{window})", ylabel=f"return ({window}-episode moving mean)")  # fmt: skip
    ax.legend(title="thick: median across seeds; thin: each seed", loc="upper left")
    return ax


def plot_largest_q(results: dict, ax: Axes | None = None) -> Axes:
    """The largest |q| over the probe states after each episode, against environment steps
    (log scale): a thin line per seed and, in the styles of :func:`plot_episode_returns`,
    the median across seeds."""
    ax = _axes(ax, figsize=(7, 4))
    for i, (label, runs) in enumerate(results.items()):
        ends = []
        for row, step_row in zip(runs.max_abs_q, runs.steps, strict=True):
            finite = np.isfinite(step_row)
            ax.plot(step_row[finite], row[finite], color=PALETTE[i], lw=0.6, alpha=0.45)
            ends.append((step_row[finite], row[finite]))
        grid = np.linspace(max(x[0] for x, _ in ends), min(x[-1] for x, _ in ends), 60)
        median = np.median([np.interp(grid, x, y) for x, y in ends], axis=0)
        ax.plot(grid, median, color=PALETTE[i], lw=2.4, label=label,
                ls=MEDIAN_STYLES[i % len(MEDIAN_STYLES)], zorder=3)  # fmt: skip
    ax.set(xlabel="environment steps", ylabel="largest |q| over the probe states", yscale="log")
    ax.legend(title="thick: median across seeds; thin: each seed", loc="upper left")
    return ax
