"""Linear Q-learning on MountainCar-v0, written top to bottom: online, with replay, and
with replay and a target network. One loop, three settings:

- **online**: each transition is learned from once, at once, in the order it happened;
- **replay** (``replay=True``): transitions go into a ring buffer and each step learns from
  a batch drawn uniformly from it;
- **target network** (``target_period=C``): the bootstrapped target is computed with a
  copy of the weights taken every ``C`` updates and frozen in between.

The engine :func:`replay_lab.approx.lockstep.train_lockstep` runs the same loop for many
seeds at once, with the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from replay_lab._checks import check_in_range, check_int, check_positive_int
from replay_lab.approx import mountain_car
from replay_lab.approx.linear import q_values, semi_gradient_update
from replay_lab.approx.tiles import TileCoder
from replay_lab.core import epsilon_greedy

__all__ = [
    "DIVERGED",
    "LinearQResult",
    "TileReplayBuffer",
    "checked_settings",
    "linear_q_learning",
    "mountain_car_coder",
    "probe_states",
    "seed_streams",
    "stack_results",
]

DIVERGED = 1e3  # |q| beyond this is divergence: five times the worst return of an episode (-200)


def mountain_car_coder(tiles_per_dim: int = 8, n_tilings: int = 8) -> TileCoder:
    """The tile coder over MountainCar's (position, velocity) box."""
    return TileCoder(mountain_car.LOW, mountain_car.HIGH, tiles_per_dim, n_tilings)


def probe_states(n: int = 15) -> np.ndarray:
    """A fixed ``n`` x ``n`` grid of states over the whole box, where values are watched."""
    position = np.linspace(mountain_car.LOW[0], mountain_car.HIGH[0], n)
    velocity = np.linspace(mountain_car.LOW[1], mountain_car.HIGH[1], n)
    return np.stack(np.meshgrid(position, velocity), axis=-1).reshape(-1, 2)


class TileReplayBuffer:
    """A ring buffer of the last ``capacity`` transitions, sampled uniformly with
    replacement, like :class:`replay_lab.ReplayBuffer`; a state is stored as its active
    tiles (its features), not as a table index."""

    def __init__(self, capacity: int, n_tilings: int, rng: np.random.Generator):
        self.capacity, self.rng, self.added = capacity, rng, 0
        self.tiles = np.zeros((capacity, n_tilings), dtype=np.int64)
        self.next_tiles = np.zeros((capacity, n_tilings), dtype=np.int64)
        self.actions = np.zeros(capacity, dtype=np.int64)
        self.rewards = np.zeros(capacity)
        self.terminated = np.zeros(capacity, dtype=bool)

    def __len__(self) -> int:
        return min(self.added, self.capacity)

    def add(self, tiles, action: int, reward: float, next_tiles, terminated: bool) -> None:
        slot = self.added % self.capacity  # the oldest once full
        self.tiles[slot], self.actions[slot], self.rewards[slot] = tiles, action, reward
        self.next_tiles[slot], self.terminated[slot] = next_tiles, terminated
        self.added += 1

    def sample(self, batch_size: int) -> tuple[np.ndarray, ...]:
        """(tiles, actions, rewards, next_tiles, terminated) of a uniform batch."""
        # One uniform per transition, as ReplayBuffer.sample draws them.
        slots = np.minimum(
            (self.rng.random(batch_size) * len(self)).astype(np.int64), len(self) - 1
        )
        return (
            self.tiles[slots],
            self.actions[slots],
            self.rewards[slots],
            self.next_tiles[slots],
            self.terminated[slots],
        )


@dataclass(frozen=True)
class LinearQResult:
    """What a run (or, stacked, several runs: one row per seed, NaN-padded) produced.

    returns, lengths : per episode; episodes cut by the step budget are left out
    max_abs_q : after each episode, the largest |q(s, a)| over the probe states
        (:func:`probe_states`); beyond :data:`DIVERGED` the run has diverged
    weights : the final weights, shape (n_actions, n_features) per run
    visited_states, visited_actions : with ``record_steps=True``, the observed state and
        the action of every environment step, in order
    """

    returns: np.ndarray
    lengths: np.ndarray
    max_abs_q: np.ndarray
    weights: np.ndarray
    settings: dict = field(repr=False)
    visited_states: np.ndarray | None = None
    visited_actions: np.ndarray | None = None

    @property
    def steps(self) -> np.ndarray:
        """Environment steps made by the end of each episode."""
        return np.cumsum(self.lengths, axis=-1)

    def rows(self, index) -> LinearQResult:
        """The runs ``index`` (a slice or list) of a stacked result."""
        pick = {
            name: getattr(self, name) for name in ("returns", "lengths", "max_abs_q", "weights")
        }
        recorded = self.visited_states is not None
        return LinearQResult(
            **{name: values[index] for name, values in pick.items()},
            settings=self.settings,
            visited_states=self.visited_states[index] if recorded else None,
            visited_actions=self.visited_actions[index] if recorded else None,
        )


def seed_streams(seed: int) -> tuple[np.random.Generator, np.random.Generator, int]:
    """Independent streams for the policy and the buffer, and the environment's seed."""
    policy, buffer, env = np.random.SeedSequence(seed).spawn(3)
    return (
        np.random.default_rng(policy),
        np.random.default_rng(buffer),
        int(env.generate_state(1)[0]),
    )


def linear_q_learning(
    steps: int,
    seed: int = 0,
    alpha: float = 0.5,
    gamma: float = 1.0,
    epsilon: float = 0.0,
    replay: bool = False,
    capacity: int = 10_000,
    batch_size: int = 32,
    target_period: int | None = None,
    coder: TileCoder | None = None,
    record_steps: bool = False,
) -> LinearQResult:
    """Semi-gradient Q-learning with tile coding on gymnasium's MountainCar-v0 for
    ``steps`` environment steps; weights start at 0 (optimistic: every return is < 0).

    Online, each step updates on the transition just made (a batch of one). With
    ``replay``, each step stores the transition and, once ``batch_size`` are stored,
    updates on a uniform batch of ``batch_size`` from the last ``capacity``. With
    ``target_period`` C, targets use weights copied every C updates.
    """
    import gymnasium as gym  # here, so that the rest of the module needs numpy alone

    settings = checked_settings(locals())
    coder = coder or mountain_car_coder()
    policy_rng, buffer_rng, env_seed = seed_streams(seed)
    env = gym.make("MountainCar-v0")
    weights = np.zeros((env.action_space.n, coder.n_features))
    target = weights  # no target network: the target uses the current weights
    buffer = TileReplayBuffer(capacity, coder.n_tilings, buffer_rng)
    probes = coder.tiles(probe_states())
    returns, lengths, max_abs_q, visited = [], [], [], []
    updates, episode_return, episode_length = 0, 0.0, 0

    obs, _ = env.reset(seed=env_seed)
    tiles = coder.tiles(obs)
    for _ in range(steps):
        action = epsilon_greedy(q_values(weights, tiles)[None], 0, epsilon, policy_rng)
        if record_steps:
            visited.append((obs, action))
        obs, reward, terminated, truncated, _ = env.step(action)
        next_tiles = coder.tiles(obs)
        if replay:
            buffer.add(tiles, action, reward, next_tiles, terminated)
            batch = buffer.sample(batch_size) if len(buffer) >= batch_size else None
        else:
            batch = (tiles[None], [action], [reward], next_tiles[None], [terminated])
        if batch is not None:
            if target_period is not None and updates % target_period == 0:
                target = weights.copy()  # sync; frozen until the next sync
            semi_gradient_update(weights, *batch, alpha, gamma, target)
            updates += 1
        episode_return, episode_length = episode_return + reward, episode_length + 1
        tiles = next_tiles
        if terminated or truncated:
            returns.append(episode_return)
            lengths.append(episode_length)
            max_abs_q.append(np.abs(q_values(weights, probes)).max())
            episode_return, episode_length = 0.0, 0
            obs, _ = env.reset()
            tiles = coder.tiles(obs)
    return LinearQResult(
        np.array(returns),
        np.array(lengths),
        np.array(max_abs_q),
        weights,
        settings,
        np.array([o for o, _ in visited], dtype=float) if record_steps else None,
        np.array([a for _, a in visited]) if record_steps else None,
    )


def stack_results(runs: list[LinearQResult]) -> LinearQResult:
    """One result with a row per run, shorter runs padded with NaN."""
    width = max(len(run.returns) for run in runs)

    def rows(name):
        return np.array(
            [
                np.pad(
                    getattr(r, name).astype(float),
                    (0, width - len(r.returns)),
                    constant_values=np.nan,
                )
                for r in runs
            ]
        )

    recorded = runs[0].visited_states is not None
    return LinearQResult(
        rows("returns"),
        rows("lengths"),
        rows("max_abs_q"),
        np.array([r.weights for r in runs]),
        runs[0].settings,
        np.array([r.visited_states for r in runs]) if recorded else None,
        np.array([r.visited_actions for r in runs]) if recorded else None,
    )


def checked_settings(arguments: dict) -> dict:
    """Check the arguments of a run (a dict of them) and return the settings to record."""
    check_positive_int("steps", arguments["steps"])
    check_int("seed", arguments["seed"])
    check_in_range("alpha", arguments["alpha"], 0, 1, low_open=True)
    check_in_range("gamma", arguments["gamma"], 0, 1)
    check_in_range("epsilon", arguments["epsilon"], 0, 1)
    capacity = check_positive_int("capacity", arguments["capacity"])
    batch_size = check_positive_int("batch_size", arguments["batch_size"])
    if arguments["replay"] and batch_size > capacity:
        raise ValueError(
            f"batch_size = {batch_size} must be <= capacity = {capacity}: replay would never start"
        )
    if arguments["target_period"] is not None:
        check_positive_int("target_period", arguments["target_period"])
    if not isinstance(arguments["replay"], bool):
        raise TypeError(f"replay must be a bool, got {arguments['replay']!r}")
    if arguments["coder"] is not None and not isinstance(arguments["coder"], TileCoder):
        raise TypeError(f"coder must be a TileCoder, got {type(arguments['coder']).__name__}")
    return {k: v for k, v in arguments.items() if k != "coder"}
