"""Each seed on its own: one thin curve per seed, and one dot per seed's final value.

A mean with a band says how well a method does on average; these figures show how
differently its seeds went (the spread across seeds).
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes

from replay_lab.plotting.style import AXIS_LABELS, PALETTE
from replay_lab.results import TrainResult

__all__ = ["plot_seed_curves", "plot_seed_finals"]

# Thin, partly see-through lines, so that 16 seeds on top of each other stay readable.
SEED_LINE = dict(lw=0.7, alpha=0.6)
# How far the dots of one method spread sideways (they would hide each other in one column).
DOT_SPREAD = 0.15


def plot_seed_curves(
    results: dict[str, TrainResult],
    y: str = "q_errors",
    x: str = "steps",
    ax: Axes | None = None,
    log_y: bool = False,
    title: str | None = None,
) -> Axes:
    """One thin line per seed and result, ``y`` against ``x`` ("steps" or "updates"),
    one colour (and one legend entry) per result. Values are recorded at episode ends,
    so each line starts where its seed's first episode ended."""
    ax = ax or plt.subplots(figsize=(7, 4))[1]
    for (label, result), color in zip(results.items(), PALETTE, strict=False):
        positions = np.atleast_2d(result.steps if x == "steps" else result.updates)
        for p, v in zip(positions, np.atleast_2d(getattr(result, y)), strict=True):
            ax.plot(p, v, color=color, **SEED_LINE)
        ax.plot([], [], color=color, label=f"{label} ({len(positions)} seeds)")
    ax.set(xlabel=AXIS_LABELS[x], ylabel=AXIS_LABELS[y], title=title)
    if log_y:
        ax.set_yscale("log")
    ax.legend(title="one line per seed")
    ax.grid(alpha=0.3)
    return ax


def plot_seed_finals(
    results: dict[str, TrainResult],
    y: str = "q_errors",
    ax: Axes | None = None,
    log_y: bool = False,
    title: str | None = None,
) -> Axes:
    """One dot per seed: its last recorded ``y``, one column per result. Within a column
    the dots are spread sideways in seed order only so that they do not hide each other."""
    ax = ax or plt.subplots(figsize=(4, 4))[1]
    for k, ((label, result), color) in enumerate(zip(results.items(), PALETTE, strict=False)):
        finals = result.final(y)
        offsets = np.linspace(-DOT_SPREAD, DOT_SPREAD, len(finals))
        ax.plot(k + offsets, finals, "o", color=color, label=label)
    ax.set(
        xticks=range(len(results)),
        xticklabels=list(results),
        xlim=(-0.5, len(results) - 0.5),
        xlabel="one dot per seed (spread sideways to be seen apart)",
        ylabel="final " + AXIS_LABELS[y],
        title=title,
    )
    if log_y:
        ax.set_yscale("log")
    ax.grid(alpha=0.3, axis="y")
    return ax
