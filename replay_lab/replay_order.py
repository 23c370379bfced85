"""Does the order of replay matter? One stored dataset, replayed in different orders.

Replay is said to help by breaking the correlation of consecutive updates. With a table
there is no function approximation: an update changes one entry of Q and nothing else,
so correlated updates cannot disturb each other through shared weights. Order can still
matter through *propagation*: each update reads :math:`\\max_{a'} Q(s', a')` as the
earlier updates left it, so replaying a trajectory from its end backwards carries a
reward back along the whole trajectory in one pass, while replaying it forwards carries
it one step per pass.

:func:`order_experiment` measures this: per seed it records one dataset (a random walk),
then learns from it with the same number of updates in each order and records, after
every pass over the data, how far Q still is from what the data can teach: the values
:func:`dataset_values` that endless replay of this dataset converges to. (Against Q* the
error would mostly measure what the random walk never saw, the same in every order.)
"""

from __future__ import annotations

from collections.abc import Sequence

import gymnasium as gym
import numpy as np

from replay_lab._checks import check_positive_int
from replay_lab.buffers import ReplayBuffer
from replay_lab.core import q_update

__all__ = [
    "ORDERS",
    "dataset_values",
    "order_experiment",
    "pass_order",
    "record_random_walk",
    "replay_passes",
]

ORDERS = ("forward", "backward", "shuffled", "uniform")


def record_random_walk(env: gym.Env, steps: int, seed: int, max_steps: int) -> ReplayBuffer:
    """``steps`` transitions of the uniformly random policy, stored in the order they
    happened; an episode is cut (a truncation, stored as not terminal) after ``max_steps``."""
    rng = np.random.default_rng(seed)
    buffer = ReplayBuffer(steps, seed=seed)
    s, _ = env.reset(seed=seed)
    length = 0
    for _ in range(steps):
        a = int(rng.integers(env.action_space.n))
        s_next, r, terminated, truncated, _ = env.step(a)
        buffer.add(s, a, r, s_next, terminated)
        s, length = s_next, length + 1
        if terminated or truncated or length == max_steps:
            (s, _), length = env.reset(), 0
    return buffer


def pass_order(buffer: ReplayBuffer, order: str, rng: np.random.Generator) -> np.ndarray:
    """The slots of one pass over the stored transitions, as many as are stored:
    ``forward`` (oldest first, as they happened), ``backward`` (newest first),
    ``shuffled`` (each once, in a random order) or ``uniform`` (drawn with replacement,
    as :meth:`ReplayBuffer.sample` draws)."""
    by_age = buffer.slots_by_age()
    if order == "forward":
        return by_age
    if order == "backward":
        return by_age[::-1]
    if order == "shuffled":
        return rng.permutation(by_age)
    if order == "uniform":
        return buffer.sample(len(buffer)).indices
    raise ValueError(f"order must be one of {ORDERS}, got {order!r}")


def dataset_values(buffer: ReplayBuffer, n_states: int, n_actions: int, gamma: float) -> np.ndarray:
    r"""The Q-table that replaying the stored transitions over and over converges to, for a
    deterministic environment (one outcome per state and action) and gamma < 1: the fixed
    point of :math:`Q(s, a) = r + \gamma \max_{a'} Q(s', a')` over the stored pairs, the
    pairs never stored staying 0 (where Q starts). Found by repeating the update for every
    stored pair at once until nothing changes."""
    if not 0 <= gamma < 1:
        raise ValueError(f"gamma must be in [0, 1) for a fixed point to exist, got {gamma}")
    b = buffer.batch(buffer.slots_by_age(), np.ones(len(buffer)))
    q = np.zeros((n_states, n_actions))
    while True:
        targets = b.rewards + gamma * ~b.terminated * q[b.next_states].max(axis=1)
        if np.allclose(q[b.states, b.actions], targets, rtol=0, atol=1e-12):
            return q
        q[b.states, b.actions] = targets


def replay_passes(
    buffer: ReplayBuffer,
    order: str,
    passes: int,
    *,
    alpha: float,
    gamma: float,
    target: np.ndarray,
    seed: int,
) -> np.ndarray:
    """Learn from Q = 0 by ``passes`` passes over the buffer in ``order``; return the
    RMS error of Q against ``target`` over the stored state-action pairs, before the first
    pass and after each one."""
    rng = np.random.default_rng(seed)
    q = np.zeros_like(target)
    pairs = np.zeros(target.shape, dtype=bool)
    pairs[buffer.states[: len(buffer)], buffer.actions[: len(buffer)]] = True

    def error() -> float:
        return float(np.sqrt(np.mean((q[pairs] - target[pairs]) ** 2)))

    errors = [error()]
    for _ in range(check_positive_int("passes", passes)):
        b = buffer.batch(pass_order(buffer, order, rng), np.ones(len(buffer)))
        q_update(q, b.states, b.actions, b.rewards, b.next_states, b.terminated, alpha, gamma)
        errors.append(error())
    return np.array(errors)


def order_experiment(
    env: gym.Env | str,
    *,
    seeds: int,
    steps: int,
    passes: int,
    alpha: float,
    gamma: float,
    max_steps: int,
    orders: Sequence[str] = ORDERS,
) -> dict[str, np.ndarray]:
    """For each order, the errors of :func:`replay_passes`, one row per seed (shape
    (seeds, passes + 1)); seed k replays, in every order, the same random walk of seed k."""
    env = gym.make(env) if isinstance(env, str) else env
    shape = (int(env.observation_space.n), int(env.action_space.n))
    errors = {order: [] for order in orders}
    for seed in range(check_positive_int("seeds", seeds)):
        buffer = record_random_walk(env, steps, seed, max_steps)
        target = dataset_values(buffer, *shape, gamma)
        for order in orders:
            errors[order].append(
                replay_passes(
                    buffer, order, passes, alpha=alpha, gamma=gamma, target=target, seed=seed
                )
            )
    return {order: np.array(rows) for order, rows in errors.items()}
