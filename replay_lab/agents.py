"""Training loops: tabular Q-learning online or from a replay buffer, over one or many seeds.

One environment step, as data::

    s --epsilon_greedy--> a --env.step--> (s', r, terminated, truncated)
        online:      q_update(q, s, a, r, s', terminated)
        with replay: buffer.add(s, a, r, s', terminated); then updates_per_step times:
                     batch = buffer.sample(batch_size); delta = q_update(q, batch...)
                     buffer.update_priorities(batch.indices, delta)    # prioritized only

``truncated`` (a time limit) ends the episode but is never stored as terminal, so the
target of that last transition still bootstraps from s'.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import gymnasium as gym
import numpy as np

from replay_lab._checks import check_in_range, check_positive_int
from replay_lab.buffers import Batch, PrioritizedReplayBuffer, ReplayBuffer
from replay_lab.core import epsilon_greedy, greedy_policy, q_update
from replay_lab.envs import (
    policy_evaluation,
    q_error,
    reachable_states,
    start_value,
    tabular_model,
)
from replay_lab.schedules import Schedule, as_schedule

__all__ = [
    "TrainResult",
    "evaluate_greedy",
    "run_seeds",
    "steps_to_first_reward",
    "sweep",
    "train",
]


@dataclass(frozen=True)
class TrainResult:
    """What one training run (or a stack of runs) produced.

    For one run every array has one entry per episode; :func:`run_seeds` stacks runs
    along a new first axis, one row per seed.

    Attributes
    ----------
    returns : undiscounted return of each training episode
    lengths : environment steps of each episode
    updates : total number of transition updates (one Q-learning rule application each)
        made by the end of each episode
    q_errors : RMS error of Q against Q* after each episode (NaN when no Q* was given)
    q : the final Q-table(s)
    settings : the arguments of the run
    replay_ages : with ``record_replays=True``, how many replayed transitions had each
        age (0 = the newest transition in the buffer, capacity - 1 = the oldest)
    greedy_values : with ``track_greedy_value=True``, the exact value at the start state
        of the greedy policy of Q after each episode
    """

    returns: np.ndarray
    lengths: np.ndarray
    updates: np.ndarray
    q_errors: np.ndarray
    q: np.ndarray
    settings: dict = field(repr=False)
    replay_ages: np.ndarray | None = None
    greedy_values: np.ndarray | None = None

    @property
    def steps(self) -> np.ndarray:
        """Total environment steps made by the end of each episode."""
        return np.cumsum(self.lengths, axis=-1)

    def final(self, name: str = "q_errors") -> np.ndarray:
        """The last recorded value of a per-episode array, per seed (skipping NaN padding)."""
        values = np.atleast_2d(getattr(self, name))
        last = np.isfinite(values).cumsum(axis=1).argmax(axis=1)
        return values[np.arange(len(values)), last]


def train(
    env: gym.Env | str,
    *,
    episodes: int | None = None,
    steps: int | None = None,
    alpha: float = 0.1,
    gamma: float = 0.99,
    epsilon: float | Schedule = 0.1,
    seed: int = 0,
    q_star: np.ndarray | None = None,
    q_init: float | np.ndarray = 0.0,
    max_steps: int | None = None,
    ties: str = "random",
    replay: str | None = None,
    capacity: int = 10_000,
    batch_size: int = 32,
    updates_per_step: int = 1,
    learning_starts: int | None = None,
    per_alpha: float = 0.6,
    per_beta: float | Schedule = 0.4,
    per_eps: float = 1e-6,
    combined: bool = False,
    record_replays: bool = False,
    track_greedy_value: bool = False,
) -> TrainResult:
    """Train a tabular Q-learner with epsilon-greedy exploration, online or from replay.

    Parameters
    ----------
    env : gymnasium Env or environment id
        A discrete-state, discrete-action environment (an id is passed to ``gym.make``).
    episodes, steps : int, optional
        The budget: stop after this many episodes, or after this many environment steps
        (the episode under way is then cut, a truncation), whichever comes first. Give
        at least one. A step budget compares learners fairly on the data they used.
    alpha : float in (0, 1]
        Step size.
    gamma : float in [0, 1]
        Discount factor.
    epsilon : float in [0, 1] or schedule
        Exploration probability; a schedule is called with the global step number.
    seed : int
        Seeds every random thing of the run (exploration, environment); the same seed
        gives the same numbers.
    q_star : ndarray, optional
        Q* (e.g. from :func:`~replay_lab.envs.value_iteration`); when given, the Q-error
        over the reachable states is recorded after each episode.
    q_init : float or ndarray
        Initial Q-table (a constant, or a table that is copied).
    max_steps : int, optional
        Cut an episode after this many steps. The cut is a truncation: the last target
        still bootstraps. Needed for environments without a time limit (CliffWalking-v1).
    ties : {"random", "first"}
        Tie-breaking of the greedy action (see :func:`~replay_lab.core.epsilon_greedy`).
    replay : {None, "uniform", "prioritized"}
        None learns online from each transition once, as it happens. Otherwise every
        transition goes into a replay buffer and learning replays batches from it.
    capacity : int
        Replay buffer size (the last ``capacity`` transitions are kept).
    batch_size : int
        Transitions per replayed batch.
    updates_per_step : int
        Batches replayed per environment step (the replay ratio).
    learning_starts : int, optional
        Replay only once the buffer holds this many transitions (default ``batch_size``).
    per_alpha, per_eps : float
        Prioritized replay's priority exponent and the floor added to |TD error|.
    per_beta : float in [0, 1] or schedule
        Prioritized replay's importance-sampling exponent; a schedule (called with the
        global step) anneals it, e.g. ``LinearSchedule(0.4, 1.0, total_steps)``.
    combined : bool
        Uniform replay only: combined experience replay, every batch includes the newest
        transition (see :class:`~replay_lab.buffers.ReplayBuffer`).
    record_replays : bool
        Record the age of every replayed transition (``TrainResult.replay_ages``).
    track_greedy_value : bool
        After each episode, evaluate the greedy policy of Q exactly (a linear solve on
        the environment's model, no rollout noise; needs gamma < 1) and record its value
        at the start state (``TrainResult.greedy_values``).

    Returns
    -------
    TrainResult
    """
    settings = {k: v for k, v in locals().items() if k not in ("env", "q_star", "q_init")}
    if episodes is None and steps is None:
        raise ValueError("give a budget: episodes, steps, or both")
    episodes = None if episodes is None else check_positive_int("episodes", episodes)
    steps = None if steps is None else check_positive_int("steps", steps)
    alpha = check_in_range("alpha", alpha, 0, 1, low_open=True)
    gamma = check_in_range("gamma", gamma, 0, 1)
    epsilon = as_schedule(epsilon)
    if max_steps is not None:
        max_steps = check_positive_int("max_steps", max_steps)
    updates_per_step = check_positive_int("updates_per_step", updates_per_step)
    batch_size = check_positive_int("batch_size", batch_size)
    learning_starts = check_positive_int(
        "learning_starts", batch_size if learning_starts is None else learning_starts
    )
    per_beta = as_schedule(per_beta)
    if isinstance(env, str):
        env = gym.make(env)
    if track_greedy_value:
        check_in_range("gamma (for exact greedy values)", gamma, 0, 1, high_open=True)
        model = tabular_model(env)
    n_states, n_actions = env.observation_space.n, env.action_space.n
    q = np.full((n_states, n_actions), np.nan)
    if np.ndim(q_init) and np.shape(q_init) != q.shape:
        raise ValueError(f"q_init must be a number or of shape {q.shape}, got {np.shape(q_init)}")
    q[:] = q_init
    if q_star is not None:
        states = reachable_states(env)
    policy_stream, env_stream, buffer_stream = np.random.SeedSequence(seed).spawn(3)
    rng = np.random.default_rng(policy_stream)
    buffer = _make_buffer(replay, capacity, per_alpha, per_eps, combined, buffer_stream)
    ages = []

    record = {name: [] for name in ("returns", "lengths", "updates", "q_errors", "greedy_values")}
    step = n_updates = episode = 0
    s, _ = env.reset(seed=int(env_stream.generate_state(1)[0]))
    while episode != episodes and step != steps:
        if episode:
            s, _ = env.reset()
        total, length, done = 0.0, 0, False
        while not done:
            a = epsilon_greedy(q, s, epsilon(step), rng, ties)
            s_next, r, terminated, truncated, _ = env.step(a)
            if buffer is None:
                q_update(q, s, a, r, s_next, terminated, alpha, gamma)
                n_updates += 1
            else:
                buffer.add(s, a, r, s_next, terminated)
                if len(buffer) >= learning_starts:
                    for _ in range(updates_per_step):
                        batch = _replay(buffer, q, batch_size, alpha, gamma, per_beta(step))
                        n_updates += batch_size
                        if record_replays:
                            ages.append(buffer.added - 1 - batch.ids)
            step += 1
            length += 1
            total += r
            s = s_next
            done = terminated or truncated or length == max_steps or step == steps
        episode += 1
        record["returns"].append(total)
        record["lengths"].append(length)
        record["updates"].append(n_updates)
        record["q_errors"].append(np.nan if q_star is None else q_error(q, q_star, states))
        if track_greedy_value:
            values = policy_evaluation(model, greedy_policy(q), gamma)
            record["greedy_values"].append(start_value(model, values))
    arrays = {name: np.array(values) for name, values in record.items()}
    if not track_greedy_value:
        arrays["greedy_values"] = None
    if record_replays:
        arrays["replay_ages"] = np.bincount(
            np.concatenate([np.zeros(0, np.int64), *ages]), minlength=capacity
        )
    return TrainResult(**arrays, q=q, settings=settings)


def _make_buffer(replay, capacity, per_alpha, per_eps, combined, seed) -> ReplayBuffer | None:
    if combined and replay != "uniform":
        raise ValueError(f"combined replay needs replay='uniform', got replay={replay!r}")
    if replay is None:
        return None
    if replay == "uniform":
        return ReplayBuffer(capacity, seed=seed, combined=combined)
    if replay == "prioritized":
        return PrioritizedReplayBuffer(capacity, alpha=per_alpha, eps=per_eps, seed=seed)
    raise ValueError(f"replay must be None, 'uniform' or 'prioritized', got {replay!r}")


def _replay(buffer, q, batch_size, alpha, gamma, beta) -> Batch:
    """Learn from one replayed batch; feed its TD errors back as priorities."""
    prioritized = isinstance(buffer, PrioritizedReplayBuffer)
    batch = buffer.sample(batch_size, beta) if prioritized else buffer.sample(batch_size)
    deltas = q_update(
        q,
        batch.states,
        batch.actions,
        batch.rewards,
        batch.next_states,
        batch.terminated,
        alpha,
        gamma,
        weights=batch.weights,
    )
    if prioritized:
        buffer.update_priorities(batch.indices, deltas, ids=batch.ids)
    return batch


def run_seeds(env: str, seeds: int | Sequence[int] = 10, **kwargs) -> TrainResult:
    """Run :func:`train` once per seed and stack the results (first axis = seed).

    Parameters
    ----------
    env : str
        Environment id; each seed gets a fresh ``gym.make(env)``.
    seeds : int or sequence of int
        The seeds, or how many (then 0, 1, ..., seeds - 1).
    **kwargs
        Passed to :func:`train` (a budget, ``episodes`` or ``steps``, is required).

    With a step budget the seeds finish different numbers of episodes: the per-episode
    arrays are then padded with NaN to the longest run.
    """
    if isinstance(seeds, int):
        seeds = range(check_positive_int("seeds", seeds))
    runs = [train(env, seed=seed, **kwargs) for seed in seeds]
    stacked = {"q": np.stack([run.q for run in runs])}
    for name in ("returns", "lengths", "updates", "q_errors", "greedy_values", "replay_ages"):
        if getattr(runs[0], name) is not None:
            stacked[name] = _stack_padded([getattr(run, name) for run in runs])
    return TrainResult(**stacked, settings={**runs[0].settings, "seed": list(seeds)})


def sweep(
    env: str, name: str, values: Sequence, seeds: int = 5, metric: str = "q_errors", **kwargs
) -> np.ndarray:
    """Vary one argument of :func:`train`; return the final ``metric`` of every seed.

    Returns an array of shape (len(values), seeds): row k holds the runs with
    ``name=values[k]`` (and the other arguments from ``kwargs``).
    """
    return np.array(
        [run_seeds(env, seeds, **{**kwargs, name: value}).final(metric) for value in values]
    )


def _stack_padded(arrays: list[np.ndarray]) -> np.ndarray:
    """Stack 1-D arrays as rows, padding the shorter ones with NaN."""
    longest = max(len(array) for array in arrays)
    if all(len(array) == longest for array in arrays):
        return np.stack(arrays)
    padded = np.full((len(arrays), longest), np.nan)
    for row, array in zip(padded, arrays, strict=True):
        row[: len(array)] = array
    return padded


def steps_to_first_reward(result: TrainResult) -> np.ndarray:
    """Environment steps until the end of the first episode with a positive return, per
    seed (NaN for a run that never got one)."""
    returns, steps = np.atleast_2d(result.returns), np.atleast_2d(result.steps)
    first = []
    for run_returns, run_steps in zip(returns, steps, strict=True):
        rewarded = np.flatnonzero(run_returns > 0)
        first.append(run_steps[rewarded[0]] if len(rewarded) else np.nan)
    return np.array(first, dtype=float)


def evaluate_greedy(
    env: gym.Env | str, q: np.ndarray, *, episodes: int = 100, max_steps: int = 1000, seed: int = 0
) -> np.ndarray:
    """Return the undiscounted return of each of ``episodes`` greedy rollouts.

    A greedy policy can walk in circles forever (CliffWalking has no time limit), so every
    rollout stops after ``max_steps`` steps.
    """
    episodes = check_positive_int("episodes", episodes)
    max_steps = check_positive_int("max_steps", max_steps)
    if isinstance(env, str):
        env = gym.make(env)
    policy = greedy_policy(q)
    returns = np.zeros(episodes)
    s, _ = env.reset(seed=seed)
    for episode in range(episodes):
        if episode:
            s, _ = env.reset()
        for _ in range(max_steps):
            s, r, terminated, truncated, _ = env.step(int(policy[s]))
            returns[episode] += r
            if terminated or truncated:
                break
    return returns
