"""Prioritized sampling made visible: a small sum tree with a search path, and observed
sampling frequencies against the probabilities they should follow."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes

from replay_lab.plotting.style import PALETTE
from replay_lab.sumtree import SumTree

__all__ = ["plot_sampling_frequencies", "plot_sum_tree"]

_MAX_DRAWN_DEPTH = 5  # 32 leaves still fit side by side on a notebook-wide figure


def plot_sum_tree(tree: SumTree, prefix: float | None = None, ax: Axes | None = None) -> Axes:
    """Draw a small sum tree with the sum in every node; with ``prefix``, highlight the
    path the search for that prefix sum takes from the root to a leaf.

    Each node's box has the gid ``"node k"`` (k as in :meth:`SumTree.nodes`), so the box
    of a node can be found in the figure (and in an SVG export).
    """
    depth = tree.depth
    if depth > _MAX_DRAWN_DEPTH:
        raise ValueError(
            f"the drawing is for trees of at most {2**_MAX_DRAWN_DEPTH} leaves, "
            f"got capacity {tree.capacity}"
        )
    ax = ax or plt.subplots(figsize=(8, 1.2 * depth + 1.5))[1]
    sums = tree.nodes()
    first_leaf = 2**depth
    end = first_leaf + tree.capacity  # leaves past the capacity are padding: not drawn
    path = set(tree.search_path(prefix)) if prefix is not None else set()
    for node in range(1, end):
        level = node.bit_length() - 1
        x, y = _node_position(node, level, depth), -level
        for child in (2 * node, 2 * node + 1):
            if child < end:
                on_path = node in path and child in path
                ax.plot(
                    [x, _node_position(child, level + 1, depth)],
                    [y, y - 1],
                    color=PALETTE[3] if on_path else "0.6",
                    lw=2.5 if on_path else 1,
                    zorder=1,
                )
        leaf = node >= first_leaf
        ax.text(
            x,
            y,
            f"{sums[node]:.3g}",
            ha="center",
            va="center",
            zorder=2,
            gid=f"node {node}",
            bbox=dict(
                boxstyle="round",
                fc=PALETTE[1] if node in path else ("white" if leaf else "0.9"),
                ec="0.3",
            ),
        )
        if leaf:
            ax.text(x, y - 0.45, f"i={node - first_leaf}", ha="center", va="top", fontsize=8)
    title = "sum tree: every node holds the sum of its two children"
    if prefix is not None:
        title += f"\nsearch for prefix sum u = {prefix:.3g} (orange path)"
    ax.set_title(title)
    ax.set_axis_off()
    return ax


def _node_position(node: int, level: int, depth: int) -> float:
    """x of a node: centred over the leaves below it, one unit per leaf."""
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
