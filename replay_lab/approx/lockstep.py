"""The lockstep engine of lesson 05: :func:`~replay_lab.approx.train.linear_q_learning` for
many seeds at once, as arrays with a seed axis.

Seed k of the engine is ``linear_q_learning(seed=k)`` exactly: the same random streams drawn
in the same order (each seed's generators are still called one by one, which is cheap), the
cars moved by :mod:`~replay_lab.approx.mountain_car` (gymnasium's arithmetic), and the same
update applied with one ``np.add.at`` for all seeds. tests/test_approx_lockstep.py checks
the equality. Only the speed differs: numpy works on all seeds per call.
"""

from __future__ import annotations

import numpy as np

from replay_lab.approx import mountain_car
from replay_lab.approx.tiles import TileCoder
from replay_lab.approx.train import (
    LinearQResult,
    checked_settings,
    mountain_car_coder,
    probe_states,
    seed_streams,
    stack_results,
)

__all__ = ["train_lockstep"]


def train_lockstep(
    seeds: int | list[int],
    steps: int,
    alpha: float = 0.5,
    gamma: float = 1.0,
    epsilon: float = 0.0,
    replay: bool = False,
    capacity: int = 10_000,
    batch_size: int = 32,
    target_period: int | list[int | None] | None = None,
    coder: TileCoder | None = None,
    record_steps: bool = False,
) -> LinearQResult:
    """``linear_q_learning`` for each seed in ``seeds`` (an int n means 0 .. n-1), stacked.

    ``target_period`` may also be a list, one per seed (a seed may appear more than once):
    runs with and without a target network then share the engine's steps. Run k is
    ``linear_q_learning(seed=seeds[k], target_period=target_period[k])`` exactly.
    """
    seeds = list(range(seeds)) if isinstance(seeds, int) else list(seeds)
    periods = target_period if isinstance(target_period, list) else [target_period] * len(seeds)
    if len(periods) != len(seeds):
        raise ValueError(f"target_period has {len(periods)} entries for {len(seeds)} seeds")
    for period in periods:
        checked_settings({**locals(), "seed": 0, "target_period": period})
    settings = checked_settings({**locals(), "seed": 0, "target_period": periods[0]})
    for name in ("seeds", "periods", "period"):
        settings.pop(name, None)
    # Without a target network the target is the current weights: a copy made before
    # every update (period 1) holds the same numbers.
    sync_every = np.array([1 if p is None else p for p in periods])
    coder = coder or mountain_car_coder()
    n, n_actions, n_tilings = len(seeds), 3, coder.n_tilings
    streams = [seed_streams(seed) for seed in seeds]
    policy_rngs = [s[0] for s in streams]
    buffer_rngs = [s[1] for s in streams]
    env_rngs = [np.random.default_rng(s[2]) for s in streams]
    rows = np.arange(n)

    weights = np.zeros((n, n_actions, coder.n_features))
    target = weights
    stored_tiles = np.zeros((n, capacity, n_tilings), dtype=np.int64)
    stored_next = np.zeros((n, capacity, n_tilings), dtype=np.int64)
    stored_actions = np.zeros((n, capacity), dtype=np.int64)
    stored_rewards = np.zeros((n, capacity))
    stored_terminated = np.zeros((n, capacity), dtype=bool)
    probes = coder.tiles(probe_states())
    returns = [[] for _ in seeds]
    lengths = [[] for _ in seeds]
    max_abs_q = [[] for _ in seeds]
    visited_states, visited_actions = [], []
    episode_length = np.zeros(n, dtype=np.int64)
    updates = 0

    states = np.array([mountain_car.reset(rng) for rng in env_rngs])
    tiles = coder.tiles(_observed(states))
    for t in range(steps):
        actions = _epsilon_greedy(_q(weights, tiles[:, None])[:, 0], epsilon, policy_rngs)
        if record_steps:
            visited_states.append(_observed(states))
            visited_actions.append(actions)
        states, terminated = mountain_car.step(states, actions)
        next_tiles = coder.tiles(_observed(states))
        episode_length += 1
        if replay:
            slot = t % capacity
            stored_tiles[:, slot], stored_next[:, slot] = tiles, next_tiles
            stored_actions[:, slot], stored_terminated[:, slot] = actions, terminated
            stored_rewards[:, slot] = -1.0
            size = min(t + 1, capacity)
            if size >= batch_size:
                draws = np.array([rng.random(batch_size) for rng in buffer_rngs])
                slots = np.minimum((draws * size).astype(np.int64), size - 1)
                take = rows[:, None], slots
                batch = (
                    stored_tiles[take],
                    stored_actions[take],
                    stored_rewards[take],
                    stored_next[take],
                    stored_terminated[take],
                )
            else:
                batch = None
        else:
            batch = (
                tiles[:, None],
                actions[:, None],
                np.full((n, 1), -1.0),
                next_tiles[:, None],
                terminated[:, None],
            )
        if batch is not None:
            if any(p is not None for p in periods):
                sync = updates % sync_every == 0
                target = weights.copy() if target is weights else target
                target[sync] = weights[sync]
            _update(weights, target, *batch, alpha, gamma)
            updates += 1
        tiles = next_tiles
        done = terminated | (episode_length == mountain_car.TIME_LIMIT)
        if done.any():
            values = np.abs(_q(weights, np.broadcast_to(probes, (n, *probes.shape))))
            for k in np.flatnonzero(done):
                returns[k].append(-float(episode_length[k]))
                lengths[k].append(int(episode_length[k]))
                max_abs_q[k].append(values[k].max())
                states[k] = mountain_car.reset(env_rngs[k])
            episode_length[done] = 0
            tiles[done] = coder.tiles(_observed(states[done]))
    runs = [
        LinearQResult(
            np.array(returns[k]),
            np.array(lengths[k]),
            np.array(max_abs_q[k]),
            weights[k],
            {**settings, "seed": seed, "target_period": periods[k]},
            np.array([v[k] for v in visited_states]) if record_steps else None,
            np.array([v[k] for v in visited_actions]) if record_steps else None,
        )
        for k, seed in enumerate(seeds)
    ]
    return stack_results(runs)


def _observed(states: np.ndarray) -> np.ndarray:
    """What the agent sees: gymnasium hands out the state as float32."""
    return states.astype(np.float32).astype(np.float64)


def _q(weights: np.ndarray, tiles: np.ndarray, actions: np.ndarray | None = None) -> np.ndarray:
    """q for every action: weights (n, A, F), tiles (n, B, T) -> (n, B, A); with
    ``actions`` (n, B), only q of those actions, (n, B)."""
    n, n_actions, n_features = weights.shape
    # One gather on the flat weights: entry (k, a, f) sits at (k * A + a) * F + f.
    if actions is None:
        rows = (np.arange(n)[:, None] * n_actions + np.arange(n_actions))[:, None, :, None]
    else:
        rows = (np.arange(n)[:, None] * n_actions + actions)[:, :, None]
    gathered = weights.reshape(-1)[
        rows * n_features + tiles[..., None, :] if actions is None else rows * n_features + tiles
    ]
    values = gathered[..., 0]
    for tiling in range(1, tiles.shape[-1]):  # in the order of linear.q_values: same sums
        values = values + gathered[..., tiling]
    return values


def _epsilon_greedy(values: np.ndarray, epsilon: float, rngs) -> np.ndarray:
    """core.epsilon_greedy for each row of ``values`` (n, A), with its two draws per call."""
    explore, pick = np.array([rng.random(2) for rng in rngs]).T
    best = values == values.max(axis=1, keepdims=True)
    candidates = np.where((explore < epsilon)[:, None], True, best)
    chosen = (pick * candidates.sum(axis=1)).astype(np.int64)  # the chosen-th candidate
    return np.argmax(np.cumsum(candidates, axis=1) > chosen[:, None], axis=1)


def _update(weights, target, tiles, actions, rewards, next_tiles, terminated, alpha, gamma):
    """semi_gradient_update for every seed's batch at once."""
    n, batch_size, n_tilings = tiles.shape
    rows = np.arange(n)[:, None]
    next_values = _q(target, next_tiles).max(axis=2)
    targets = rewards + gamma * np.where(terminated, 0.0, next_values)
    deltas = targets - _q(weights, tiles, actions)
    steps = alpha / (batch_size * n_tilings) * deltas
    index = (rows[:, :, None], actions[:, :, None], tiles)
    np.add.at(weights, index, np.broadcast_to(steps[:, :, None], tiles.shape))
