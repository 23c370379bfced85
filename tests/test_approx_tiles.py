"""Tile coding against hand-worked cases and its defining properties."""

import numpy as np
import pytest

from replay_lab.approx.tiles import TileCoder


def test_one_dimension_by_hand():
    # Two tiles of width 0.5 on [0, 1], two tilings; tiling 1 is shifted by half a tile,
    # so it has its tile borders at 0.25 and 0.75 (3 tiles per tiling, indices 3..5).
    coder = TileCoder([0.0], [1.0], tiles_per_dim=2, n_tilings=2)
    assert coder.tiles([0.3]).tolist() == [0, 4]
    assert coder.tiles([0.2]).tolist() == [0, 3]
    assert coder.tiles([0.8]).tolist() == [1, 5]
    assert coder.tiles([[0.0], [1.0]]).tolist() == [[0, 3], [2, 5]]


def test_two_dimensions_by_hand():
    # (0.3, 0.1) is at (0.6, 0.2) tiles. Tiling 1 is shifted by (1, 3) / 2 = (0.5, 1.5)
    # tiles, i.e. (0.5, 0.5) modulo a tile: cell (floor 1.1, floor 0.7) = (1, 0), number
    # 1 * 3 + 0 = 3 of 9, plus 9 for the second tiling.
    coder = TileCoder([0.0, 0.0], [1.0, 1.0], tiles_per_dim=2, n_tilings=2)
    assert coder.tiles([0.3, 0.1]).tolist() == [0, 12]
    assert coder.n_features == 18


def test_features_are_binary_with_one_tile_per_tiling():
    coder = TileCoder([-1.2, -0.07], [0.6, 0.07])
    states = np.random.default_rng(0).uniform(coder.low, coder.high, size=(200, 2))
    tiles = coder.tiles(states)
    assert (tiles // coder.tiles_per_tiling == np.arange(8)).all()  # tiling i -> block i
    x = coder.features(states[0])
    assert set(np.unique(x)) == {0.0, 1.0} and x.sum() == 8
    assert np.flatnonzero(x).tolist() == sorted(tiles[0].tolist())


def test_sharing_falls_with_distance_and_stops_beyond_a_tile():
    coder = TileCoder([0.0, 0.0], [1.0, 1.0], tiles_per_dim=8, n_tilings=8)
    base = np.array([0.43, 0.51])
    shared = []
    for distance in [0.0, 0.02, 0.06, 0.1, 0.125, 0.2]:
        other = coder.tiles(base + np.array([distance, 0.0]))
        shared.append(len(set(coder.tiles(base)) & set(other)))
    assert shared[0] == 8 and shared == sorted(shared, reverse=True)
    assert shared[-2:] == [0, 0]  # a full tile width (1/8) away: nothing shared


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="high must be above low"):
        TileCoder([0.0], [0.0])
    with pytest.raises(ValueError, match="n_tilings must be >= 1"):
        TileCoder([0.0], [1.0], n_tilings=0)
    with pytest.raises(TypeError, match="tiles_per_dim must be an integer"):
        TileCoder([0.0], [1.0], tiles_per_dim=2.5)
    with pytest.raises(ValueError, match="states must have 1 columns"):
        TileCoder([0.0], [1.0]).tiles([0.1, 0.2])
