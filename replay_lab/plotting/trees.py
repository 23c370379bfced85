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
    """Draw a small sum tree with the sum in every node and, under each leaf, its index
    and its slice ``[a, b)`` of the running sum; with ``prefix``, highlight the path the
    search for that prefix sum takes from the root to a leaf, with what is left of ``u``
    beside each node of the path.

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
    path = tree.search_path(prefix) if prefix is not None else []
    left_of_u = _left_of_u(path, prefix, sums)
    running = np.cumsum(tree.values())
    for node in range(1, end):
        level = node.bit_length() - 1
        x, y = _node_position(node, level, depth), -level
        for child in (2 * node, 2 * node + 1):
            if child < end:
                on_path = node in left_of_u and child in left_of_u
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
                fc=PALETTE[1] if node in left_of_u else ("white" if leaf else "0.9"),
                ec="0.3",
            ),
        )
        if node in left_of_u:  # the walk's u on arriving here, beside the node
            side = -1 if node % 2 == 0 else 1  # away from the edge coming in from above
            ax.text(x + 0.32 * side, y + 0.12, f"u = {left_of_u[node]:.3g}", va="bottom",
                    ha="right" if side < 0 else "left", fontsize=10, color=PALETTE[3],
                    gid="u")  # fmt: skip
        if leaf:
            i = node - first_leaf
            start = running[i] - sums[node]
            ax.text(x, y - 0.25, f"i = {i}\n[{start:.3g}, {running[i]:.3g})", ha="center",
                    va="top", fontsize=9, gid=f"slice {i}")  # fmt: skip
    title = "sum tree: every node holds the sum of its two children; under each leaf its slice"
    if prefix is not None:
        title += f"\nsearch for prefix sum u = {prefix:.3g} (orange path, u left beside it)"
    ax.set_title(title)
    ax.set_ylim(-depth - 0.9, 0.5)  # room for the slices under the leaves
    ax.set_axis_off()
    return ax


def _left_of_u(path: list[int], prefix: float | None, sums: np.ndarray) -> dict[int, float]:
    """What is left of the prefix sum on arriving at each node of the search path: going
    right subtracts the left sibling's sum."""
    left = {}
    u = prefix
    for node in path:
        if node % 2 == 1 and node > 1:  # a right child: the left subtree's slice is skipped
            u -= sums[node - 1]
        left[node] = u
    return left


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
    marker: str = "o",
    size: float = 36,
    log: bool = False,
) -> Axes:
    """Observed sampling frequency of each item against its probability, with the y = x
    line on which they should fall (drawn once, first, so the legend lists it first).

    ``marker`` and ``size`` (in points squared) tell apart sets of points that coincide
    (a larger marker drawn first shows around a smaller one); ``log`` draws both axes
    logarithmic, so that small probabilities are not squeezed against 0 (items never
    drawn are then left out).
    """
    ax = ax or plt.subplots(figsize=(5, 5))[1]
    frequencies = np.asarray(counts) / np.sum(counts)
    diagonal = [line for line in ax.lines if line.get_label() == "y = x"]
    if not diagonal:
        diagonal = ax.plot([], [], color="0.4", lw=1, ls="--", label="y = x", zorder=1)
    ax.scatter(probabilities, frequencies, s=size, color=color, label=label, alpha=0.8,
               marker=marker, zorder=2)  # fmt: skip
    # every point drawn on these axes so far, this call's included
    shown = np.concatenate([np.asarray(c.get_offsets()).ravel() for c in ax.collections])
    if log:
        low, high = shown[shown > 0].min() / 2, shown.max() * 2  # a margin on either side
    else:
        low, high = 0.0, shown.max() * 1.05
    diagonal[0].set_data([low, high], [low, high])  # stretched to every point drawn
    ax.set(xlabel="sampling probability P(i)", ylabel="observed frequency",
           xscale="log" if log else "linear", yscale="log" if log else "linear",
           xlim=(low, high), ylim=(low, high))  # fmt: skip
    ax.legend()
    ax.grid(alpha=0.3)
    return ax
