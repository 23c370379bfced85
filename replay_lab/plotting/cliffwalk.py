"""The Blind Cliffwalk of Schaul et al. (2016): the chain itself, and how many updates
each replay order needs to learn it as the replay memory grows."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes

from replay_lab.plotting.style import PALETTE

__all__ = ["plot_chain", "plot_updates_needed"]


# Marker and line style of each line, so that lines of similar hue (orange greedy,
# vermillion rank) stay apart where they run side by side, and in greyscale.
LINE_STYLES = (("o", "-"), ("s", "--"), ("^", "-."), ("v", ":"), ("D", "-"))


def plot_updates_needed(
    n_values: list[int], results: dict[str, np.ndarray], ax: Axes | None = None
) -> Axes:
    """The Blind Cliffwalk result: updates until Q is learned against the size of the
    replay memory, log-log, one line per replay order (median, band from min to max), with
    the number of states n on the top axis."""
    ax = ax or plt.subplots(figsize=(7, 5))[1]
    memory = 2 ** (np.asarray(n_values) + 1) - 2
    styles = zip(PALETTE, LINE_STYLES * len(results), strict=False)
    for (method, updates), (color, (marker, line)) in zip(results.items(), styles, strict=False):
        ax.plot(
            memory, np.nanmedian(updates, axis=1), marker=marker, ls=line, ms=5, color=color,
            label=method,
        )  # fmt: skip
        # An edge as well as a fill: a narrow band (the oracle's) stays visible.
        ax.fill_between(
            memory,
            np.nanmin(updates, axis=1),
            np.nanmax(updates, axis=1),
            facecolor=color,
            edgecolor=color,
            alpha=0.25,
            linewidth=0.8,
        )
    ax.set(
        xscale="log",
        yscale="log",
        xlabel="transitions in the replay memory, 2^(n+1) - 2",
        ylabel="updates until the MSE of Q < 1e-3",
    )
    # Padded: the top axis with n sits between the plot and the title.
    ax.set_title(f"Blind Cliffwalk, n = {n_values[0]}..{n_values[-1]} states", pad=10)
    top = ax.secondary_xaxis(
        "top",
        functions=(lambda m: np.log2(np.maximum(m, 1e-9) + 2) - 1, lambda n: 2 ** (n + 1) - 2),
    )
    top.set_xticks(list(n_values), [str(n) for n in n_values])
    top.minorticks_off()
    top.set_xlabel("states n")
    ax.legend(
        title=f"median of {np.shape(next(iter(results.values())))[1]} seeds, band: min to max"
    )
    ax.grid(alpha=0.3, which="both")
    return ax


def plot_chain(env, ax: Axes | None = None) -> Axes:
    """Draw a Blind Cliffwalk: its states in a row, the right action of each leading on,
    the wrong one off the cliff, and the reward at the end."""
    n = env.n_states
    ax = ax or plt.subplots(figsize=(1.3 * n + 1.5, 2.2))[1]
    for s in range(n):
        ax.add_patch(plt.Circle((s, 0), 0.25, fc="white", ec="0.2", zorder=2))
        ax.text(s, 0, str(s), ha="center", va="center", zorder=3)
        right = int(env.right_actions[s])
        ax.annotate(
            "",
            xy=(s + 0.72, 0),
            xytext=(s + 0.28, 0),
            arrowprops=dict(arrowstyle="->", color=PALETTE[2], lw=2),
        )
        ax.text(s + 0.5, 0.12, f"a={right}", ha="center", fontsize=8, color=PALETTE[2])
        ax.annotate(
            "",
            xy=(s, -0.85),
            xytext=(s, -0.28),
            arrowprops=dict(arrowstyle="->", color=PALETTE[3], lw=1.5, ls="--"),
        )
        ax.text(s + 0.06, -0.6, f"a={1 - right}", fontsize=8, color=PALETTE[3])
    ax.text(n, 0, "reward 1\n(end)", ha="left", va="center", fontsize=9)
    ax.plot([-0.5, n - 0.5], [-0.95, -0.95], color=PALETTE[3], lw=3)
    ax.text(
        (n - 1) / 2,
        -1.2,
        "cliff: the episode ends with reward 0",
        ha="center",
        fontsize=9,
        color=PALETTE[3],
    )
    ax.set(
        xlim=(-0.6, n + 1.2),
        ylim=(-1.4, 0.5),
        aspect="equal",
        title=f"Blind Cliffwalk with {n} states: green = right action, dashed vermillion = wrong",
    )
    ax.set_axis_off()
    return ax
