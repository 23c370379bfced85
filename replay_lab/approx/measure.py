r"""Measurements of lesson 05: how alike consecutive updates are, and how far one update
reaches.

For linear $\hat q$ the update on transition $i$ moves $w$ along its gradient, $x(s_i)$ in
the row of action $a_i$. Two updates push the same weights as far as their gradients
overlap: the cosine of the two gradient vectors. With binary tile features it is simple:
the share of the ``n_tilings`` tiles the two states have in common (0 when the actions
differ: their gradients live in different rows). And the same share says how much of an
update of $\hat q(s, a)$ a state $s'$ feels: $\Delta \hat q(s', a) / \Delta \hat q(s, a)$.
"""

from __future__ import annotations

import numpy as np

from replay_lab.approx.linear import q_values, semi_gradient_update
from replay_lab.approx.tiles import TileCoder

__all__ = [
    "consecutive_cosines",
    "failure_table",
    "failures",
    "felt_elsewhere",
    "first_step_above",
    "gradient_cosine",
    "progress_table",
    "q_spread_across_seeds",
    "replayed_cosines",
    "successive_cosines",
    "window_means",
]


def gradient_cosine(tiles, actions, other_tiles, other_actions) -> np.ndarray:
    """Cosine between the gradients of $\\hat q(s, a)$ and $\\hat q(s', a')$, row by row:
    shared tiles / n_tilings when ``a == a'``, else 0. Tiles have shape (n, n_tilings)."""
    tiles, other_tiles = np.atleast_2d(tiles), np.atleast_2d(other_tiles)
    shared = (np.sort(tiles, axis=1)[:, :, None] == np.sort(other_tiles, axis=1)[:, None, :]).sum(
        axis=(1, 2)
    )
    return np.where(np.asarray(actions) == np.asarray(other_actions), shared / tiles.shape[1], 0.0)


def consecutive_cosines(visited_tiles: np.ndarray, visited_actions: np.ndarray) -> np.ndarray:
    """Online: the cosine between the gradients of the updates at steps t and t + 1."""
    return gradient_cosine(
        visited_tiles[:-1], visited_actions[:-1], visited_tiles[1:], visited_actions[1:]
    )


def replayed_cosines(
    visited_tiles: np.ndarray,
    visited_actions: np.ndarray,
    capacity: int,
    n_pairs: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """Replay: the cosine between two transitions drawn uniformly from the buffer of the
    last ``capacity`` steps at a random step of the same trajectory (two successive draws
    of uniform replay)."""
    steps = len(visited_actions)
    now = rng.integers(1, steps, size=n_pairs)  # the buffer holds steps [now - size, now)
    size = np.minimum(now, capacity)
    first, second = now - 1 - (rng.random((2, n_pairs)) * size).astype(np.int64)
    return gradient_cosine(
        visited_tiles[first], visited_actions[first], visited_tiles[second], visited_actions[second]
    )


def felt_elsewhere(coder: TileCoder, state, others, action: int = 0) -> np.ndarray:
    """Apply one update to $\\hat q(s, a)$ (from zero weights) and return how much each of
    the ``others`` states' $\\hat q(\\cdot, a)$ moved, as a share of the move at ``state``."""
    weights = np.zeros((3, coder.n_features))
    tiles = coder.tiles(state)
    semi_gradient_update(weights, tiles[None], [action], [1.0], tiles[None], [True], 1.0, 1.0)
    moved = q_values(weights, coder.tiles(others))[:, action]
    return moved / q_values(weights, tiles[None])[0, action]


def window_means(returns: np.ndarray, window: int = 10) -> np.ndarray:
    """Mean return over each run of ``window`` consecutive episodes (NaN padding ignored):
    shape (n_runs, n_windows), the last window ending at each run's last episode."""
    rows = []
    for row in np.atleast_2d(returns):
        row = row[np.isfinite(row)]
        cumulative = np.concatenate([[0.0], np.cumsum(row)])
        rows.append((cumulative[window:] - cumulative[:-window]) / window)
    width = max(len(r) for r in rows)
    return np.array([np.pad(r, (width - len(r), 0), constant_values=np.nan) for r in rows])


def failures(
    returns: np.ndarray, max_abs_q: np.ndarray, window: int = 10, drop: float = 50.0
) -> dict[str, np.ndarray]:
    """Per run: the final ``window``-episode mean return, the best one reached, and whether
    the run **collapsed** (its final mean is ``drop`` or more below its best) or
    **diverged** (some |q| over the probe states passed :data:`~replay_lab.approx.train.DIVERGED`
    or stopped being finite)."""
    from replay_lab.approx.train import DIVERGED

    means = window_means(returns, window)
    final, best = means[:, -1], np.nanmax(means, axis=1)
    size = np.where(np.isfinite(max_abs_q), max_abs_q, np.inf)
    diverged = np.nanmax(np.where(np.isnan(max_abs_q), -np.inf, size), axis=1) > DIVERGED
    return {"final": final, "best": best, "collapsed": best - final >= drop, "diverged": diverged}


def first_step_above(result, threshold: float, window: int = 10) -> np.ndarray:
    """Per run of a stacked ``result``: the environment step at which its ``window``-episode
    mean return first exceeds ``threshold`` (NaN if it never does)."""
    means = window_means(result.returns, window)
    found = []
    for row, ends in zip(means, result.steps, strict=True):
        row, ends = row[np.isfinite(row)], ends[np.isfinite(ends)][window - 1 :]
        above = np.flatnonzero(row > threshold)
        found.append(ends[above[0]] if len(above) else np.nan)
    return np.array(found, dtype=float)


def q_spread_across_seeds(weights: np.ndarray, tiles: np.ndarray) -> float:
    """How much the learned values differ between seeds: the standard deviation across
    seeds of $\\hat q(s, a)$, averaged over the states of ``tiles`` and the actions.
    ``weights`` has one row of weights per seed, shape (seeds, actions, features)."""
    values = np.array([q_values(w, tiles) for w in weights])
    return float(values.std(axis=0).mean())


def progress_table(
    runs: dict, probe_tiles: np.ndarray, threshold: float = -190.0, window: int = 10
) -> str:
    """A line per learner (``runs`` maps a label to a stacked result): when the runs first
    pass ``threshold`` (:func:`first_step_above`; the median over seeds counts a run that
    never does as later than all), how many never do, and :func:`q_spread_across_seeds` at
    the states of ``probe_tiles``."""
    lines = []
    for label, result in runs.items():
        first = first_step_above(result, threshold, window)
        median = np.median(np.where(np.isnan(first), np.inf, first))
        when = f"{median:5.0f}" if np.isfinite(median) else "never"
        spread = q_spread_across_seeds(result.weights, probe_tiles)
        lines.append(
            f"{label:45} above {threshold:g} from step {when} (median of seeds; "
            f"{np.isnan(first).sum()}/{len(first)} never), q spread across seeds {spread:.3g}"
        )
    return "\n".join(lines)


def successive_cosines(
    coder: TileCoder,
    visited_states: np.ndarray,
    visited_actions: np.ndarray,
    capacity: int,
    n_pairs: int,
    seed: int = 0,
    ignore_actions: bool = False,
) -> dict[str, list[np.ndarray]]:
    """For each run (rows of ``visited_*``): the cosines of consecutive online updates and
    of ``n_pairs`` replayed pairs from a buffer of ``capacity``. With ``ignore_actions``,
    the share of tiles the two states have in common, whatever the actions."""
    rng = np.random.default_rng(seed)
    found = {"online": [], "replay": []}
    for states, actions in zip(visited_states, visited_actions, strict=True):
        tiles = coder.tiles(states)
        actions = np.zeros_like(actions) if ignore_actions else actions
        found["online"].append(consecutive_cosines(tiles, actions))
        found["replay"].append(replayed_cosines(tiles, actions, capacity, n_pairs, rng))
    return found


def failure_table(runs: dict, window: int = 10, drop: float = 50.0) -> str:
    """A line per learner (``runs`` maps a label to a stacked result): the final
    ``window``-episode mean return (median, worst and best seed), how many runs collapsed
    and diverged (:func:`failures`), and the range across seeds of the largest |q|."""
    lines = [
        f"{'':45} final return ({window}-ep. mean)  collapsed  diverged  largest |q|, per seed"
        f"\n{'':45} median  worst   best"
    ]
    for label, result in runs.items():
        found = failures(result.returns, result.max_abs_q, window, drop)
        final, n = found["final"], len(found["final"])
        largest = np.nanmax(result.max_abs_q, axis=1)
        lines.append(
            f"{label:45} {np.median(final):6.1f} {final.min():6.1f} {final.max():6.1f}"
            f"   {found['collapsed'].sum():4d}/{n}   {found['diverged'].sum():4d}/{n}"
            f"    {largest.min():6.1f} to {largest.max():6.1f}"
        )
    return "\n".join(lines)
