"""A Q-table drawn on the grid world it belongs to: state values and greedy arrows.

The layout of the grid (start, free cells, holes, cliff, goal) is read from each
environment's public description: FrozenLake's ``desc`` map, CliffWalking's model ``P``.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib import patheffects
from matplotlib.axes import Axes

from replay_lab.plotting.style import PALETTE

__all__ = ["grid_layout", "plot_paths", "plot_q_table"]

# Each action's move as (column step, row step), in the order the environments document.
_FROZEN_LAKE_MOVES = {0: (-1, 0), 1: (0, 1), 2: (1, 0), 3: (0, -1)}  # left, down, right, up
_CLIFF_WALKING_MOVES = {0: (0, -1), 1: (1, 0), 2: (0, 1), 3: (-1, 0)}  # up, right, down, left
_CLIFF_REWARD = -100


def grid_layout(env) -> tuple[np.ndarray, dict[int, tuple[int, int]]]:
    """The cell kinds of a grid world (S start, F free, H hole, C cliff, G goal), shape
    (rows, columns), and each action's move as (column step, row step)."""
    base = env.unwrapped
    name = type(base).__name__
    if name == "FrozenLakeEnv":
        return base.desc.astype(str), _FROZEN_LAKE_MOVES
    if name == "CliffWalkingEnv":
        return _cliff_walking_kinds(base), _CLIFF_WALKING_MOVES
    raise TypeError(f"no grid layout known for {name}; FrozenLake and CliffWalking are")


def _cliff_walking_kinds(base) -> np.ndarray:
    """CliffWalking's cells, read from its public model ``P`` (state -> action -> outcomes)
    rather than from a copy of the layout.

    A step into the cliff costs -100 and sends the agent back to the start, so a cliff
    cell is one that a -100 step was headed for and that no outcome ever lands on (the
    second condition matters with ``is_slippery=True``, where the -100 of an action may
    come from a slip to the side). The goal is where the terminating outcomes land.
    """
    rows, cols = base.shape
    headed, landed, goal = (np.zeros(base.shape, dtype=bool) for _ in range(3))
    for state, actions in base.P.items():
        row, col = divmod(state, cols)
        for action, outcomes in actions.items():
            dx, dy = _CLIFF_WALKING_MOVES[action]
            for _, next_state, reward, terminated in outcomes:
                landed[divmod(next_state, cols)] = True
                goal[divmod(next_state, cols)] |= terminated
                if reward == _CLIFF_REWARD:
                    headed[min(max(row + dy, 0), rows - 1), min(max(col + dx, 0), cols - 1)] = True
    kinds = np.full(base.shape, "F")
    kinds[headed & ~landed] = "C"
    kinds[divmod(base.start_state_index, cols)] = "S"
    kinds[goal] = "G"
    return kinds


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
    kinds, moves = grid_layout(env)
    rows, cols = kinds.shape
    q = np.asarray(q)
    ax = ax or plt.subplots(figsize=(max(4, 0.6 * cols), max(3, 0.6 * rows + 0.5)))[1]
    special = np.isin(kinds, ["H", "C", "G"])
    values = np.ma.masked_array(q.max(axis=1).reshape(rows, cols), mask=special)
    low, high = value_range or (None, None)
    image = ax.imshow(values, cmap="viridis", vmin=low, vmax=high)
    ax.figure.colorbar(image, ax=ax, label="max over actions of Q", shrink=0.8, pad=0.03)
    names = {"H": "hole", "G": "goal"}  # the cliff is labelled once, below
    for (r, c), kind in np.ndenumerate(kinds):
        if special[r, c]:
            ax.add_patch(
                plt.Rectangle((c - 0.5, r - 0.5), 1, 1, color="0.35" if kind != "G" else "0.8")
            )
        if kind in names:
            ax.text(c, r, names[kind], ha="center", va="center", fontsize=7,
                    color="white" if kind != "G" else "black")  # fmt: skip
        if kind == "S":
            # dark outline: the label stays readable where the greedy arrow crosses it
            ax.text(
                c - 0.47,
                r - 0.47,
                "start",
                ha="left",
                va="top",
                fontsize=8,
                color="white",
                path_effects=[patheffects.withStroke(linewidth=2, foreground="black")],
            )
    # the greedy arrows, one per open cell, all in one artist (one per cell would each
    # be a text to lay out: twice the drawing time)
    rows_open, cols_open = np.nonzero(~special)
    greedy = q[rows_open * cols + cols_open].argmax(axis=1)
    dx, dy = np.array([moves[a] for a in range(len(moves))])[greedy].T
    ax.quiver(cols_open, rows_open, dx, dy, angles="xy", scale_units="xy", scale=1 / 0.6,
              pivot="middle", color="white", units="inches", width=0.022, headwidth=4,
              headlength=4, headaxislength=3.5)  # fmt: skip
    if "C" in kinds:
        cliff = np.argwhere(kinds == "C")
        ax.text(
            cliff[:, 1].mean(), cliff[0, 0], "cliff (-100)", ha="center", va="center", color="white"
        )
    ax.set(xticks=range(cols), yticks=range(rows), xlabel="column", ylabel="row", title=title)
    return ax


def plot_paths(
    env, paths: dict[str, list[list[int]]], ax: Axes | None = None, title: str | None = None
) -> Axes:
    """Paths on the grid (e.g. each seed's greedy path from
    :func:`~replay_lab.envs.greedy_path`), a colour per label. Each distinct path is drawn
    once, its width growing with the number of seeds on it, so a path one seed takes is
    as visible as one all seeds share. Each label's lines are shifted a little, so two
    labels on the same cells stay apart."""
    kinds, _ = grid_layout(env)
    rows, cols = kinds.shape
    ax = ax or plt.subplots(figsize=(max(4, 0.6 * cols), max(3, 0.6 * rows + 1.5)))[1]
    shades = {"H": "0.35", "C": "0.35", "G": "0.8", "S": "0.8"}
    for (r, c), kind in np.ndenumerate(kinds):
        # cliff cells get no edge, so the cliff reads as one block under its label
        edge = shades["C"] if kind == "C" else "0.8"
        ax.add_patch(
            plt.Rectangle((c - 0.5, r - 0.5), 1, 1, fc=shades.get(kind, "white"), ec=edge, lw=0.8)
        )
    for kind, name in {"S": "start", "G": "goal"}.items():
        for r, c in np.argwhere(kinds == kind):
            ax.text(c, r + 0.3, name, ha="center", va="center", fontsize=8)
    if "C" in kinds:
        cliff = np.argwhere(kinds == "C")
        ax.text(
            cliff[:, 1].mean(), cliff[0, 0], "cliff (-100)", ha="center", va="center", color="white"
        )
    for k, ((label, runs), color) in enumerate(zip(paths.items(), PALETTE, strict=False)):
        shift = 0.12 * (k - (len(paths) - 1) / 2)
        distinct: dict[tuple[int, ...], int] = {}
        for path in runs:
            distinct[tuple(path)] = distinct.get(tuple(path), 0) + 1
        for path, count in distinct.items():
            r, c = np.divmod(np.asarray(path), cols)
            ax.plot(c + shift, r + shift, color=color, lw=1.5 + 4.5 * count / len(runs))
        if len(runs) == 1:
            said = "1 seed"
        elif len(distinct) == 1:
            said = f"all {len(runs)} seeds on this one path"
        else:
            said = f"{len(runs)} seeds on {len(distinct)} different paths"
        ax.plot([], [], color=color, lw=3, label=f"{label}: {said}")
    ax.set(xlim=(-0.5, cols - 0.5), ylim=(rows - 0.5, -0.5), aspect="equal", title=title)
    ax.set(xticks=range(cols), yticks=range(rows), xlabel="column", ylabel="row")
    ax.grid(False)  # the cells' own edges are the grid
    ax.legend(
        title="line width: how many seeds take that path",
        loc="upper center",
        bbox_to_anchor=(0.5, -0.22),
        ncols=max(1, min(2, len(paths))),
        fontsize=9,
    )
    return ax
