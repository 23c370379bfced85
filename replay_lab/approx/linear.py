r"""Linear Q-learning on tile features: the value, the semi-gradient update, the target.

With weights $w_a$ per action and binary features $x(s)$, the value is
$\hat q(s, a; w) = w_a^\top x(s)$: the sum of the weights of the active tiles. Its gradient
with respect to $w_a$ is $x(s)$ (and 0 for the other actions), so an update at one state
moves the value of every state that shares tiles with it.

The semi-gradient Q-learning update of a batch of $B$ transitions (DQN's rule, with a mean
over the batch) is

$$\delta_i = r_i + \gamma\,(1 - \text{terminated}_i)\,\max_{a'} \hat q(s'_i, a'; w^-) -
\hat q(s_i, a_i; w), \qquad
w_{a_i} \leftarrow w_{a_i} + \frac{\alpha}{B\,n} \sum_i \delta_i\, x(s_i)$$

where $n$ is the number of tilings (so that $\alpha$ is the step on the value of a single
state, as in the tabular lessons) and $w^-$ are the weights the target is computed with:
$w$ itself, or a frozen copy (a *target network*). "Semi": the target is treated as a
constant; its own dependence on $w$ is not differentiated.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from replay_lab._checks import (
    as_flag_array,
    as_index_array,
    as_real_array,
    check_in_range,
    check_same_length,
)

__all__ = ["q_values", "semi_gradient_update"]


def q_values(weights: np.ndarray, tiles: np.ndarray) -> np.ndarray:
    """$\\hat q(s, a)$ for every action: ``weights`` of shape ``(n_actions, n_features)``,
    ``tiles`` of shape ``(..., n_tilings)``; returns shape ``(..., n_actions)``."""
    values = weights[:, tiles[..., 0]]
    for tiling in range(1, tiles.shape[-1]):  # one tiling after the other, in order
        values = values + weights[:, tiles[..., tiling]]
    return np.moveaxis(values, 0, -1)


def semi_gradient_update(
    weights: np.ndarray,
    tiles: ArrayLike,
    actions: ArrayLike,
    rewards: ArrayLike,
    next_tiles: ArrayLike,
    terminated: ArrayLike,
    alpha: float,
    gamma: float,
    target_weights: np.ndarray | None = None,
) -> np.ndarray:
    """Apply the semi-gradient Q-learning update of one batch to ``weights`` in place and
    return the TD errors $\\delta_i$ (computed before the update).

    ``tiles`` and ``next_tiles`` have shape ``(batch, n_tilings)``; ``target_weights``
    (default: ``weights``) give the bootstrapped value of the next states. A terminated
    transition does not bootstrap; a truncated one is stored as not terminated, and does.
    """
    tiles, actions, rewards, next_tiles, terminated = _checked(
        weights, tiles, actions, rewards, next_tiles, terminated, alpha, gamma, target_weights
    )
    target_weights = weights if target_weights is None else target_weights
    batch_size, n_tilings = tiles.shape
    next_values = q_values(target_weights, next_tiles).max(axis=1)
    targets = rewards + gamma * np.where(terminated, 0.0, next_values)
    deltas = targets - q_values(weights, tiles)[np.arange(batch_size), actions]
    # The gradient of q(s_i, a_i) is x(s_i) in row a_i: one step per active tile.
    steps = alpha / (batch_size * n_tilings) * deltas
    np.add.at(weights, (actions[:, None], tiles), steps[:, None])
    return deltas


def _checked(weights, tiles, actions, rewards, next_tiles, terminated, alpha, gamma, target):
    if not isinstance(weights, np.ndarray) or weights.ndim != 2 or weights.dtype.kind != "f":
        raise TypeError("weights must be a 2-D float array of shape (n_actions, n_features)")
    if target is not None and (not isinstance(target, np.ndarray) or target.shape != weights.shape):
        raise TypeError(f"target_weights must be an array of shape {weights.shape}")
    check_in_range("alpha", alpha, 0, 1, low_open=True)
    check_in_range("gamma", gamma, 0, 1)
    n_actions, n_features = weights.shape
    tiles, next_tiles = np.atleast_2d(tiles), np.atleast_2d(next_tiles)
    if tiles.shape != next_tiles.shape:
        raise ValueError(
            f"tiles and next_tiles must have one shape, got {tiles.shape}, {next_tiles.shape}"
        )
    shape = tiles.shape
    tiles = as_index_array("tiles", tiles, n_features).reshape(shape)
    next_tiles = as_index_array("next_tiles", next_tiles, n_features).reshape(shape)
    actions = as_index_array("actions", actions, n_actions)
    rewards = as_real_array("rewards", rewards)
    terminated = as_flag_array("terminated", terminated)
    check_same_length(tiles=tiles, actions=actions, rewards=rewards, terminated=terminated)
    return tiles, actions, rewards, next_tiles, terminated
