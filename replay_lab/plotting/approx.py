"""Figures of lesson 05 (function approximation): how alike consecutive updates are, how
far one update reaches, and learning curves with every seed drawn."""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes

from replay_lab.approx.measure import window_means
from replay_lab.plotting.style import PALETTE

__all__ = ["plot_cosines", "plot_episode_returns", "plot_felt_elsewhere"]


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
    ax.legend()
    return ax


def plot_felt_elsewhere(
    distances: np.ndarray, felt: dict[str, np.ndarray], ax: Axes | None = None
) -> Axes:
    """How much of one update another state feels, against its distance (one line per
    direction)."""
    ax = _axes(ax)
    for i, (label, values) in enumerate(felt.items()):
        ax.plot(distances, values, color=PALETTE[i], marker="o", ms=3, label=label)
    ax.set(xlabel="distance from the updated state (tile widths)",
           ylabel="share of the update felt", ylim=(-0.03, 1.03))  # fmt: skip
    ax.legend()
    return ax


def plot_episode_returns(results: dict, window: int = 10, ax: Axes | None = None) -> Axes:
    """Return per episode against environment steps: a thin line per seed (a ``window``-
    episode moving mean) and a thick line for the median across seeds.

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
        ax.plot(grid, np.median(curves, axis=0), color=PALETTE[i], lw=2.4, label=label)
    ax.set(xlabel="environment steps", ylabel=f"return ({window}-episode moving mean)")
    ax.legend(title="thick: median across seeds; thin: each seed", loc="upper left")
    return ax
