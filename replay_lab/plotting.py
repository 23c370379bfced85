"""Plots for the notebooks: learning curves with confidence bands over seeds, Q-tables on
the grid, a small sum tree, sampling frequencies.

Every function takes results (arrays, :class:`~replay_lab.agents.TrainResult`) and never
runs training; each draws on the ``ax`` it is given (or a new one) and returns the Axes so
that a teacher can restyle it. Colours come from the Okabe-Ito palette, which stays
distinguishable with the common forms of colour blindness.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes

from replay_lab.agents import TrainResult
from replay_lab.stats import confidence_band
from replay_lab.sumtree import SumTree

__all__ = [
    "PALETTE",
    "confidence_band",
    "plot_chain",
    "plot_curves",
    "plot_first_rewards",
    "plot_q_table",
    "plot_replay_ages",
    "plot_sampling_frequencies",
    "plot_sum_tree",
    "plot_sweep",
    "plot_updates_needed",
]

# Okabe & Ito (2008), "Color Universal Design": blue, orange, green, vermillion, purple,
# sky blue, yellow, black.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")

_AXIS_LABELS = {
    "episodes": "episode",
    "steps": "environment steps",
    "updates": "transition updates",
    "q_errors": "RMS error of Q vs Q*",
    "returns": "return per episode",
    "lengths": "episode length (steps)",
    "greedy_values": "value of the greedy policy at the start",
}


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
    results : dict label -> TrainResult from :func:`~replay_lab.agents.run_seeds`
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
    ax.set(xlabel=_AXIS_LABELS[x], ylabel=_AXIS_LABELS[y], title=title)
    if log_y:
        ax.set_yscale("log")
    ax.legend(title=("geometric " if log_y else "") + "mean and 95% band")
    ax.grid(alpha=0.3)
    return ax


def plot_first_rewards(
    first: dict[str, np.ndarray], budget: int, ax: Axes | None = None, title: str | None = None
) -> Axes:
    """One dot per seed: the environment steps it took to see a first reward (log scale).

    ``first[label]`` comes from :func:`~replay_lab.agents.steps_to_first_reward`; runs that
    never saw a reward within the ``budget`` are drawn as crosses on the "never" line.
    """
    ax = ax or plt.subplots(figsize=(7, 2.2 + 0.5 * len(first)))[1]
    rng = np.random.default_rng(0)  # vertical jitter only, so overlapping dots stay visible
    for row, ((label, steps), color) in enumerate(zip(first.items(), PALETTE, strict=False)):
        steps = np.asarray(steps, dtype=float)
        jitter = row + rng.uniform(-0.15, 0.15, size=len(steps))
        seen = np.isfinite(steps)
        ax.scatter(
            steps[seen],
            jitter[seen],
            color=color,
            s=30,
            label=f"{label}: {seen.sum()}/{len(steps)} seeds",
        )
        ax.scatter(
            np.full((~seen).sum(), budget * 1.6), jitter[~seen], color=color, marker="x", s=40
        )
    ax.axvline(budget, color="0.4", ls="--", lw=1)
    ax.text(budget * 1.6, len(first) - 0.45, "never\n(within budget)", ha="center", fontsize=8)
    ax.set_xscale("log")
    ax.set(
        yticks=range(len(first)),
        yticklabels=list(first),
        ylim=(-0.6, len(first) - 0.2),
        xlabel="environment steps until the first reward",
        ylabel="setting",
        title=f"{title or 'first reward'}: one dot per seed",
    )
    ax.legend(loc="lower left", fontsize=8)
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


def _grid_layout(env) -> tuple[np.ndarray, dict[int, tuple[int, int]]]:
    """The cell kinds of a grid world (S start, F free, H hole, C cliff, G goal) and each
    action's move as (column step, row step)."""
    base = env.unwrapped
    name = type(base).__name__
    if name == "FrozenLakeEnv":
        kinds = base.desc.astype(str)
        return kinds, {0: (-1, 0), 1: (0, 1), 2: (1, 0), 3: (0, -1)}
    if name == "CliffWalkingEnv":
        kinds = np.full(base.shape, "F")
        kinds[base._cliff] = "C"
        kinds[3, 0], kinds[3, -1] = "S", "G"
        return kinds, {0: (0, -1), 1: (1, 0), 2: (0, 1), 3: (-1, 0)}
    raise TypeError(f"no grid layout known for {name}; FrozenLake and CliffWalking are")


def plot_q_table(
    env,
    q: np.ndarray,
    ax: Axes | None = None,
    title: str | None = None,
    value_range: tuple[float, float] | None = None,
) -> Axes:
    """The state values max_a Q(s, a) as a heatmap on the grid, with greedy-policy arrows.

    Holes, the cliff and the goal are drawn as such (the agent never acts there, so
    their values are not shown). Give two tables the same ``value_range`` (low, high) to
    compare their colours.
    """
    kinds, moves = _grid_layout(env)
    rows, cols = kinds.shape
    q = np.asarray(q)
    ax = ax or plt.subplots(figsize=(max(4, 0.6 * cols), max(3, 0.6 * rows + 0.5)))[1]
    special = np.isin(kinds, ["H", "C", "G"])
    values = np.ma.masked_array(q.max(axis=1).reshape(rows, cols), mask=special)
    low, high = value_range or (None, None)
    image = ax.imshow(values, cmap="viridis", vmin=low, vmax=high)
    ax.figure.colorbar(image, ax=ax, label="max over actions of Q", shrink=0.8, pad=0.03)
    names = {"H": "hole", "C": "", "G": "goal"}
    for (r, c), kind in np.ndenumerate(kinds):
        if kind in names:
            ax.add_patch(
                plt.Rectangle((c - 0.5, r - 0.5), 1, 1, color="0.35" if kind != "G" else "0.8")
            )
            ax.text(
                c,
                r,
                names[kind],
                ha="center",
                va="center",
                fontsize=7,
                color="white" if kind != "G" else "black",
            )
            continue
        if kind == "S":
            ax.text(c - 0.45, r - 0.45, "start", ha="left", va="top", fontsize=6, color="white")
        dx, dy = moves[int(np.argmax(q[r * cols + c]))]
        ax.annotate(
            "",
            xy=(c + 0.3 * dx, r + 0.3 * dy),
            xytext=(c - 0.3 * dx, r - 0.3 * dy),
            arrowprops=dict(arrowstyle="->", color="white", lw=1.5),
        )
    if "C" in kinds:
        cliff = np.argwhere(kinds == "C")
        ax.text(
            cliff[:, 1].mean(), cliff[0, 0], "cliff (-100)", ha="center", va="center", color="white"
        )
    ax.set(xticks=range(cols), yticks=range(rows), xlabel="column", ylabel="row", title=title)
    return ax


def plot_sum_tree(tree: SumTree, prefix: float | None = None, ax: Axes | None = None) -> Axes:
    """Draw a small sum tree with the sum in every node; with ``prefix``, highlight the
    path the search for that prefix sum takes from the root to a leaf."""
    depth = tree._depth
    if depth > 5:
        raise ValueError(
            f"the drawing is for trees of at most 32 leaves, got capacity {tree.capacity}"
        )
    ax = ax or plt.subplots(figsize=(8, 1.2 * depth + 1.5))[1]
    path = set(tree.search_path(prefix)) if prefix is not None else set()
    for node in range(1, 2 * tree._first_leaf):
        level = node.bit_length() - 1
        if node >= tree._first_leaf + tree.capacity:
            continue
        x, y = _node_position(node, level, depth), -level
        for child in (2 * node, 2 * node + 1):
            if child < tree._first_leaf + tree.capacity:
                on_path = node in path and child in path
                ax.plot(
                    [x, _node_position(child, level + 1, depth)],
                    [y, y - 1],
                    color=PALETTE[3] if on_path else "0.6",
                    lw=2.5 if on_path else 1,
                    zorder=1,
                )
        leaf = node >= tree._first_leaf
        ax.text(
            x,
            y,
            f"{tree._tree[node]:.3g}",
            ha="center",
            va="center",
            zorder=2,
            bbox=dict(
                boxstyle="round",
                fc=PALETTE[1] if node in path else ("white" if leaf else "0.9"),
                ec="0.3",
            ),
        )
        if leaf:
            ax.text(x, y - 0.45, f"i={node - tree._first_leaf}", ha="center", va="top", fontsize=8)
    title = "sum tree: every node holds the sum of its two children"
    if prefix is not None:
        title += f"\nsearch for prefix sum u = {prefix:.3g} (orange path)"
    ax.set_title(title)
    ax.set_axis_off()
    return ax


def _node_position(node: int, level: int, depth: int) -> float:
    width = 2 ** (depth - level)
    return (node - 2**level) * width + (width - 1) / 2


def plot_sampling_frequencies(
    probabilities: np.ndarray,
    counts: np.ndarray,
    ax: Axes | None = None,
    label: str | None = None,
    color: str = PALETTE[0],
) -> Axes:
    """Observed sampling frequency of each item against its probability, with the y = x
    line on which they should fall."""
    ax = ax or plt.subplots(figsize=(5, 5))[1]
    frequencies = np.asarray(counts) / np.sum(counts)
    ax.scatter(probabilities, frequencies, s=18, color=color, label=label, alpha=0.8)
    top = max(np.max(probabilities), np.max(frequencies), ax.get_xlim()[1] / 1.05) * 1.05
    diagonal = [line for line in ax.lines if line.get_label() == "y = x"]
    if diagonal:  # several calls share one diagonal, stretched to the largest value
        diagonal[0].set_data([0, top], [0, top])
    else:
        ax.plot([0, top], [0, top], color="0.4", lw=1, ls="--", label="y = x")
    ax.set(
        xlabel="sampling probability P(i)",
        ylabel="observed frequency",
        xlim=(0, top),
        ylim=(0, top),
    )
    ax.legend()
    ax.grid(alpha=0.3)
    return ax


def plot_replay_ages(ages: dict[str, np.ndarray], ax: Axes | None = None, bins: int = 25) -> Axes:
    """How often transitions of each age were replayed, per buffer (mean and band over seeds).

    ``ages[label]`` is ``TrainResult.replay_ages`` of :func:`run_seeds`: shape (seeds,
    capacity). The y axis is the share of all replays per step of age, so buffers of
    different capacities compare directly: a flat line at 1 / capacity means every age
    was replayed equally often.
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
    ax.legend(title="mean and 95% band (dotted: 1 / capacity)")
    ax.grid(alpha=0.3)
    return ax


def plot_updates_needed(
    n_values: list[int], results: dict[str, np.ndarray], ax: Axes | None = None
) -> Axes:
    """The Blind Cliffwalk result: updates until Q is learned against the size of the
    replay memory, log-log, one line per replay order (median, band from min to max)."""
    ax = ax or plt.subplots(figsize=(7, 5))[1]
    memory = 2 ** (np.asarray(n_values) + 1) - 2
    for (method, updates), color in zip(results.items(), PALETTE, strict=False):
        ax.plot(memory, np.nanmedian(updates, axis=1), "o-", ms=4, color=color, label=method)
        ax.fill_between(
            memory,
            np.nanmin(updates, axis=1),
            np.nanmax(updates, axis=1),
            color=color,
            alpha=0.2,
            linewidth=0,
        )
    ax.set(
        xscale="log",
        yscale="log",
        xlabel="transitions in the replay memory",
        ylabel="updates until the MSE of Q < 1e-3",
        title=f"Blind Cliffwalk, n = {n_values[0]}..{n_values[-1]} states",
    )
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
        title=f"Blind Cliffwalk with {n} states: green = right action, dashed red = wrong",
    )
    ax.set_axis_off()
    return ax
