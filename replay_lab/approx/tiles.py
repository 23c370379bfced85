r"""Tile coding: features for a continuous state, so that nearby states share parameters.

A *tiling* cuts the box of states into a grid of tiles; a state lies in exactly one tile of
each tiling. With several tilings, each shifted by a fraction of a tile, a state is described
by the ``n_tilings`` tiles it lies in: a binary feature vector $x(s)$ with exactly
``n_tilings`` ones. Two states share as many features as tiles, so an update at one state
moves the value of every state within about one tile width of it, and of no state further
away (Sutton & Barto, 2018, section 9.5.4).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from replay_lab._checks import as_real_array, check_positive_int

__all__ = ["TileCoder"]


class TileCoder:
    """``n_tilings`` grids of ``tiles_per_dim`` tiles per dimension over the box
    ``[low, high]``, tiling ``i`` shifted by ``i / n_tilings`` of a tile times ``displacement``
    (1, 3, 5, ... per dimension: shifts in different directions, as Sutton & Barto advise).

    Each grid has one tile more per dimension than ``tiles_per_dim``, so that the shifted
    grids still cover the whole box.

    Examples
    --------
    >>> coder = TileCoder(low=[0.0], high=[1.0], tiles_per_dim=2, n_tilings=2)
    >>> coder.tiles([0.3]).tolist()  # tile 0 of tiling 0, tile 1 of tiling 1 (index 3 + 1)
    [0, 4]
    """

    def __init__(self, low: ArrayLike, high: ArrayLike, tiles_per_dim: int = 8, n_tilings: int = 8):
        self.low = as_real_array("low", low)
        self.high = as_real_array("high", high)
        if len(self.low) != len(self.high) or not len(self.low):
            raise ValueError(
                f"low and high must be non-empty and of one length, got {len(self.low)} "
                f"and {len(self.high)}"
            )
        if not (self.high > self.low).all():
            raise ValueError(f"high must be above low in every dimension, got {low}, {high}")
        self.tiles_per_dim = check_positive_int("tiles_per_dim", tiles_per_dim)
        self.n_tilings = check_positive_int("n_tilings", n_tilings)
        self.n_dims = len(self.low)
        self.tile_width = (self.high - self.low) / tiles_per_dim
        self.displacement = 2 * np.arange(self.n_dims) + 1  # 1, 3, 5, ...
        self.tiles_per_tiling = (tiles_per_dim + 1) ** self.n_dims
        self.n_features = self.n_tilings * self.tiles_per_tiling
        # Tiling i is the grid moved by -shifts[i] tiles (a fraction of a tile per dimension);
        # its tiles are numbered from first_tile[i] on.
        self.shifts = np.arange(self.n_tilings)[:, None] / self.n_tilings * self.displacement % 1
        self.first_tile = np.arange(self.n_tilings) * self.tiles_per_tiling

    def tiles(self, states: ArrayLike) -> np.ndarray:
        """The index of the active tile of each tiling: shape ``(n_tilings,)`` for one
        state, ``(n, n_tilings)`` for ``n`` states (rows of ``states``)."""
        states = np.asarray(states, dtype=float)
        one = states.ndim == 1
        states = np.atleast_2d(states)
        if states.shape[-1] != self.n_dims:
            raise ValueError(f"states must have {self.n_dims} columns, got shape {states.shape}")
        # Where a state lies in units of tiles, clipped to the box.
        scaled = (np.clip(states, self.low, self.high) - self.low) / self.tile_width
        # The cell of tiling i: the state coordinate plus the shift, floored.
        cells = np.floor(scaled[:, None, :] + self.shifts).astype(np.int64)
        cells = np.minimum(cells, self.tiles_per_dim)  # the state at high, unshifted
        flat = np.zeros(cells.shape[:2], dtype=np.int64)
        for dim in range(self.n_dims):  # row-major cell number within a tiling
            flat = flat * (self.tiles_per_dim + 1) + cells[:, :, dim]
        indices = flat + self.first_tile
        return indices[0] if one else indices

    def features(self, state: ArrayLike) -> np.ndarray:
        """The binary feature vector $x(s)$ of one state: ``n_features`` zeros with a one
        at each active tile."""
        x = np.zeros(self.n_features)
        x[self.tiles(state)] = 1.0
        return x
