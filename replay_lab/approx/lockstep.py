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
from replay_lab.approx.linear import q_values
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
    alpha: float | list[float] = 0.5,
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

    ``alpha`` and ``target_period`` may also be lists, one entry per seed (a seed may
    appear more than once): runs with different step sizes, or with and without a target
    network, then share the engine's steps. Run k is ``linear_q_learning(seed=seeds[k],
    alpha=alpha[k], target_period=target_period[k])`` exactly.
    """
    seeds = list(range(seeds)) if isinstance(seeds, int) else list(seeds)
    alphas = _per_seed("alpha", alpha, seeds)
    periods = _per_seed("target_period", target_period, seeds)
    arguments = {**locals(), "seed": 0}
    run_settings = [
        checked_settings({**arguments, "alpha": a, "target_period": p})
        for a, p in zip(alphas, periods, strict=True)
    ]
    for settings in run_settings:
        for name in ("seeds", "alphas", "periods", "arguments"):
            settings.pop(name, None)
    # Without a target network the target is the current weights: a copy made before
    # every update (period 1) holds the same numbers.
    sync_every = np.array([1 if p is None else p for p in periods])
    has_target = any(p is not None for p in periods)
    step_sizes = np.array(alphas)[:, None]  # alpha per seed, against the batch axis
    coder = coder or mountain_car_coder()
    n, n_actions, n_tilings = len(seeds), 3, coder.n_tilings
    streams = [seed_streams(seed) for seed in seeds]
    # Two uniforms per step for the policy; batch_size per update for the buffer.
    policy_draws = _Draws([s[0] for s in streams], 2, steps)
    buffer_draws = _Draws([s[1] for s in streams], batch_size, steps - batch_size + 1)
    env_rngs = [np.random.default_rng(s[2]) for s in streams]
    rows = np.arange(n)

    # Seed k's weight of action a and feature f is weights[k, f, a]: feature-major, so that
    # a state's tiles gather the values of all actions as short contiguous rows.
    weights = np.zeros((n, coder.n_features, n_actions))
    target = weights
    index = _FlatIndex(weights.shape)
    # The buffer: a transition's tiles and next tiles side by side (one gather), its action
    # and whether it terminated; its reward is MountainCar's, the same at every step.
    stored_tiles = np.zeros((n, capacity, 2, n_tilings), dtype=np.int64)
    stored_actions = np.zeros((n, capacity), dtype=np.int64)
    stored_terminated = np.zeros((n, capacity), dtype=bool)
    rewards = np.full((n, batch_size if replay else 1), mountain_car.REWARD)
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
        actions = _epsilon_greedy(index.q(weights, tiles), epsilon, policy_draws.next())
        if record_steps:
            visited_states.append(_observed(states))
            visited_actions.append(actions)
        states, terminated = mountain_car.step(states, actions)
        next_tiles = coder.tiles(_observed(states))
        episode_length += 1
        if replay:
            slot = t % capacity
            stored_tiles[:, slot, 0], stored_tiles[:, slot, 1] = tiles, next_tiles
            stored_actions[:, slot], stored_terminated[:, slot] = actions, terminated
            size = min(t + 1, capacity)
            if size >= batch_size:
                slots = np.minimum((buffer_draws.next() * size).astype(np.int64), size - 1)
                take = rows[:, None], slots
                pairs = stored_tiles[take]
                batch = (
                    pairs[:, :, 0],
                    stored_actions[take],
                    rewards,
                    pairs[:, :, 1],
                    stored_terminated[take],
                )
            else:
                batch = None
        else:
            batch = (
                tiles[:, None],
                actions[:, None],
                rewards,
                next_tiles[:, None],
                terminated[:, None],
            )
        if batch is not None:
            if has_target:
                sync = updates % sync_every == 0
                target = weights.copy() if target is weights else target
                target[sync] = weights[sync]
            _update(index, weights, target, *batch, step_sizes, gamma)
            updates += 1
        tiles = next_tiles
        done = terminated | (episode_length == mountain_car.TIME_LIMIT)
        if done.any():
            for k in np.flatnonzero(done):
                returns[k].append(mountain_car.REWARD * episode_length[k])
                lengths[k].append(int(episode_length[k]))
                max_abs_q[k].append(np.abs(q_values(weights[k].T, probes)).max())
                states[k] = mountain_car.reset(env_rngs[k])
            episode_length[done] = 0
            tiles[done] = coder.tiles(_observed(states[done]))
    if record_steps:
        visited_states = np.stack(visited_states, axis=1)
        visited_actions = np.stack(visited_actions, axis=1)
    runs = [
        LinearQResult(
            np.array(returns[k]),
            np.array(lengths[k]),
            np.array(max_abs_q[k]),
            weights[k].T.copy(),
            {**run_settings[k], "seed": seed},
            visited_states[k] if record_steps else None,
            visited_actions[k] if record_steps else None,
        )
        for k, seed in enumerate(seeds)
    ]
    return stack_results(runs)


def _per_seed(name: str, value, seeds: list[int]) -> list:
    """``value`` for every seed: a list as given (one entry per seed), else repeated."""
    values = value if isinstance(value, list) else [value] * len(seeds)
    if len(values) != len(seeds):
        raise ValueError(f"{name} has {len(values)} entries for {len(seeds)} seeds")
    return values


def _observed(states: np.ndarray) -> np.ndarray:
    """What the agent sees: gymnasium hands out the state as float32."""
    return states.astype(np.float32).astype(np.float64)


class _Draws:
    """Each seed's uniforms, ``per_call`` at a time, drawn from its generator in blocks.

    A generator hands out its doubles one after the other whatever shape is asked for, so
    ``rng.random((m, k))`` holds the numbers of m calls ``rng.random(k)``: the draws the
    readable loop makes call by call, with one call per seed per block instead of per step.
    """

    def __init__(self, rngs: list[np.random.Generator], per_call: int, calls: int):
        self.rngs, self.per_call, self.left = rngs, per_call, calls
        self.block, self.used = np.empty((len(rngs), 0, per_call)), 0
        # About 64 kB per seed and block: few calls, and modest memory for many seeds.
        self.block_calls = max(1, 8192 // per_call)

    def next(self) -> np.ndarray:
        """The next call's uniforms, shape (n_seeds, per_call)."""
        if self.used == self.block.shape[1]:
            calls = min(self.block_calls, self.left)  # never beyond what the run draws
            self.block = np.stack([rng.random((calls, self.per_call)) for rng in self.rngs])
            self.left, self.used = self.left - calls, 0
        self.used += 1
        return self.block[:, self.used - 1]


class _FlatIndex:
    """Where the weights of seed k and feature f sit in weights of shape (n, F, A): row
    k * F + f of the (n * F, A) view holds all actions, and weight (k, f, a) is entry
    (k * F + f) * A + a of the flat view. One gather serves all seeds."""

    def __init__(self, shape: tuple[int, int, int]):
        n, self.n_features, self.n_actions = shape
        self.first_row = np.arange(n)[:, None] * self.n_features  # (n, 1): seed k's row 0

    def rows(self, weights: np.ndarray) -> np.ndarray:
        """The (n * F, A) view: a row per seed and feature. (np.take of whole rows is
        several times faster than fancy indexing with the same numbers.)"""
        return weights.reshape(-1, self.n_actions)

    def q(self, weights: np.ndarray, tiles: np.ndarray) -> np.ndarray:
        """q of every action at one state per seed: tiles (n, T) -> (n, A)."""
        # Tiling first, so that the tilings are summed in the order of linear.q_values.
        return _sum_tilings(np.take(self.rows(weights), tiles.T + self.first_row.T, axis=0))

    def q_max(self, weights: np.ndarray, tiles: np.ndarray) -> np.ndarray:
        """max over actions of q, for a batch per seed: tiles (n, B, T) -> (n, B)."""
        at = tiles.transpose(2, 0, 1) + self.first_row
        return _sum_tilings(np.take(self.rows(weights), at, axis=0)).max(axis=-1)

    def taken(self, tiles: np.ndarray, actions: np.ndarray) -> np.ndarray:
        """The flat index of each active weight of the taken actions, (n, B, T)."""
        return (self.first_row[..., None] + tiles) * self.n_actions + actions[..., None]


def _sum_tilings(gathered: np.ndarray) -> np.ndarray:
    """Sum over the first axis (the tilings), one tiling after the other, as
    linear.q_values adds them. (np.add.reduce may add them pairwise, in another order, and
    then differs in the last bit: tests/test_approx_lockstep.py saw it.)"""
    values = gathered[0]
    for tiling in range(1, len(gathered)):
        values = values + gathered[tiling]
    return values


def _epsilon_greedy(values: np.ndarray, epsilon: float, draws: np.ndarray) -> np.ndarray:
    """core.epsilon_greedy for each row of ``values`` (n, A), with its two ``draws`` (n, 2)."""
    explore, pick = draws.T
    best = values == values.max(axis=1, keepdims=True)
    candidates = np.where((explore < epsilon)[:, None], True, best)
    chosen = (pick * candidates.sum(axis=1)).astype(np.int64)  # the chosen-th candidate
    return np.argmax(np.cumsum(candidates, axis=1) > chosen[:, None], axis=1)


def _update(index, weights, target, tiles, actions, rewards, next_tiles, terminated, alpha, gamma):
    """semi_gradient_update for every seed's batch at once."""
    _, batch_size, n_tilings = tiles.shape
    targets = rewards + gamma * np.where(terminated, 0.0, index.q_max(target, next_tiles))
    taken = index.taken(tiles, actions)
    deltas = targets - _sum_tilings(weights.reshape(-1)[taken].transpose(2, 0, 1))
    steps = alpha / (batch_size * n_tilings) * deltas
    flat = weights.reshape(-1)
    if batch_size == 1:  # the tiles of one state are distinct: no weight is hit twice
        flat[taken] += steps[..., None]
    else:  # add.at applies repeated indices one by one, in order, like linear's update
        np.add.at(flat, taken, np.broadcast_to(steps[..., None], taken.shape))
