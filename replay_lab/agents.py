"""Training: tabular Q-learning online or from a replay buffer, over one or many seeds.

- :func:`q_learning` is the algorithm, a loop to read top to bottom (its on-policy twin,
  :func:`~replay_lab.sarsa.sarsa`, lives in :mod:`replay_lab.sarsa`);
- :func:`learn_from_batch` is one replay step (sample, update, feed the TD errors back),
  shared by the loop and the Blind Cliffwalk experiment;
- :func:`train` is the public edge: it checks the arguments, builds the environment, the
  buffer and a :class:`~replay_lab.recorder.Recorder` (budgets and metrics), runs the
  loop and returns a :class:`~replay_lab.results.TrainResult`;
- :func:`run_seeds` and :func:`sweep` repeat :func:`train` over seeds and settings.
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence

import gymnasium as gym
import numpy as np

from replay_lab._checks import (
    check_algorithm,
    check_flag,
    check_in_range,
    check_int,
    check_learning_starts,
    check_positive_int,
    check_seed,
)
from replay_lab.buffers import Batch, ReplayBuffer
from replay_lab.core import epsilon_greedy, greedy_policy, q_update
from replay_lab.lockstep import exact_for, train_lockstep
from replay_lab.prioritized import PrioritizedReplayBuffer, RankBasedReplayBuffer
from replay_lab.recorder import Recorder
from replay_lab.results import TrainResult
from replay_lab.sarsa import sarsa
from replay_lab.schedules import Schedule, as_schedule

__all__ = [
    "BUFFERS",
    "TrainResult",
    "evaluate_greedy",
    "learn_from_batch",
    "make_buffer",
    "q_learning",
    "run_seeds",
    "stack_runs",
    "steps_to_first_reward",
    "sweep",
    "train",
]

BUFFERS = {
    "uniform": ReplayBuffer,
    "proportional": PrioritizedReplayBuffer,
    "rank": RankBasedReplayBuffer,
}


def q_learning(
    env: gym.Env,
    q: np.ndarray,
    rng: np.random.Generator,
    recorder: Recorder,
    *,
    alpha: float,
    gamma: float,
    epsilon: Schedule,
    beta: Schedule,
    ties: str = "random",
    max_steps: int | None = None,
    env_seed: int | None = None,
    buffer: ReplayBuffer | None = None,
    batch_size: int = 32,
    updates_per_step: int = 1,
    learning_starts: int = 32,
) -> None:
    """Tabular Q-learning with epsilon-greedy exploration; ``q`` is updated in place.

    Online (``buffer=None``) each transition is learned from once, as it happens. With a
    buffer each transition is stored, and every step learns from ``updates_per_step``
    batches replayed from the buffer. ``epsilon`` and ``beta`` (the importance-sampling
    exponent) are schedules of the step. The ``recorder`` says when the budget is spent.
    """
    step = 0  # environment steps so far: what the schedules are called with
    while not recorder.finished:
        s, _ = env.reset(seed=env_seed)
        env_seed = None  # seed the first episode only; the env's own stream goes on
        done = False
        while not done:
            a = epsilon_greedy(q, s, epsilon(step), rng, ties)
            s_next, r, terminated, truncated, _ = env.step(a)
            recorder.stepped(r)
            # A time limit (the env's own, max_steps, or the step budget) only truncates:
            # s_next still has a future, so it is not stored as terminal.
            truncated = truncated or recorder.episode_length == max_steps or recorder.out_of_steps
            if buffer is None:
                q_update(q, s, a, r, s_next, terminated, alpha, gamma)
                recorder.updated(1)
            else:
                buffer.add(s, a, r, s_next, terminated)
                if len(buffer) >= learning_starts:
                    for _ in range(updates_per_step):
                        batch, _ = learn_from_batch(q, buffer, batch_size, alpha, gamma, beta(step))
                        recorder.replayed(batch)
            s, step = s_next, step + 1
            done = terminated or truncated
        recorder.episode_ended(q)


def learn_from_batch(
    q: np.ndarray,
    buffer: ReplayBuffer,
    batch_size: int,
    alpha: float,
    gamma: float,
    beta: float | None = None,
) -> tuple[Batch, np.ndarray]:
    """One replay step: sample a batch, apply its updates in order (scaled by the
    importance-sampling weights), feed the TD errors back as priorities; return the batch
    and its TD errors."""
    batch = buffer.sample(batch_size, beta)
    td_errors = q_update(
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
    buffer.update_priorities(batch, td_errors)
    return batch, td_errors


def make_buffer(
    replay: str,
    capacity: int,
    seed=None,
    combined: bool = False,
    priority_exponent: float = 0.6,
    priority_floor: float = 1e-6,
) -> ReplayBuffer:
    """The buffer named ``replay`` (a key of :data:`BUFFERS`), empty."""
    if replay not in BUFFERS:
        raise ValueError(f"replay must be None or one of {sorted(BUFFERS)}, got {replay!r}")
    if replay == "uniform":
        return ReplayBuffer(capacity, seed=seed, combined=combined)
    if combined:
        raise ValueError(f"combined replay needs replay='uniform', got replay={replay!r}")
    return BUFFERS[replay](
        capacity, priority_exponent=priority_exponent, priority_floor=priority_floor, seed=seed
    )


def train(
    env: gym.Env | str,
    *,
    episodes: int | None = None,
    steps: int | None = None,
    alpha: float = 0.1,
    gamma: float = 0.99,
    epsilon: float | Schedule = 0.1,
    seed: int = 0,
    q_init: float | np.ndarray = 0.0,
    max_steps: int | None = None,
    ties: str = "random",
    replay: str | None = None,
    capacity: int = 10_000,
    batch_size: int = 32,
    updates_per_step: int = 1,
    learning_starts: int | None = None,
    combined: bool = False,
    priority_exponent: float = 0.6,
    priority_floor: float = 1e-6,
    beta: float | Schedule = 0.4,
    q_star: np.ndarray | None = None,
    record_replays: bool = False,
    track_greedy_value: bool = False,
    algorithm: str = "q_learning",
) -> TrainResult:
    """Train a tabular Q-learner (:func:`q_learning`), or SARSA, and record how it went.

    Parameters
    ----------
    env : gymnasium Env or environment id
        Discrete states and actions (an id is passed to ``gym.make``).
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
        Seeds every random thing of the run (exploration, environment, buffer); the same
        seed gives the same numbers.
    q_init : float or ndarray
        Initial Q-table (a constant, or a table that is copied).
    max_steps : int, optional
        Cut an episode after this many steps. The cut is a truncation: the last target
        still bootstraps. Needed for environments without a time limit (CliffWalking-v1).
    ties : {"random", "first"}
        Tie-breaking of the greedy action (see :func:`~replay_lab.core.epsilon_greedy`).
    replay : {None, "uniform", "proportional", "rank"}
        None learns online. Otherwise every transition goes into that replay buffer
        (:data:`BUFFERS`) and learning replays batches from it.
    capacity, batch_size, updates_per_step : int
        Buffer size, transitions per replayed batch, batches per environment step (the
        replay ratio).
    learning_starts : int, optional
        Replay only once the buffer holds this many transitions (default ``batch_size``);
        at most ``capacity`` and the step budget, else nothing would ever be learned.
    combined : bool
        Uniform replay only: combined experience replay (see
        :class:`~replay_lab.buffers.ReplayBuffer`).
    priority_exponent, priority_floor : float
        Prioritized replay's exponent :math:`\\omega` and the floor added to |TD error|
        (see :mod:`replay_lab.prioritized`); ``math.inf`` with ``replay="rank"`` is greedy.
    beta : float in [0, 1] or schedule
        The importance-sampling exponent of prioritized replay; a schedule (called with
        the global step) anneals it, e.g. ``LinearSchedule(0.4, 1.0, total_steps)``.
    q_star : ndarray, optional
        Q* (e.g. from :func:`~replay_lab.envs.value_iteration`); when given, the Q-error
        over the reachable states is recorded after each episode.
    record_replays : bool
        Record the age of every replayed transition (``TrainResult.replay_ages``).
    track_greedy_value : bool
        After each episode, evaluate the greedy policy of Q exactly (a linear solve on
        the environment's model; needs gamma < 1) and record its value at the start.
    algorithm : {"q_learning", "sarsa"}
        The target: Q-learning's :math:`\\max_{a'} Q(s', a')`, or SARSA's :math:`Q(s', a')`
        of the next action taken (:func:`~replay_lab.sarsa.sarsa`; online only).
    """
    settings = dict(
        episodes=episodes, steps=steps, alpha=alpha, gamma=gamma, epsilon=epsilon, seed=seed,
        max_steps=max_steps, ties=ties, replay=replay, capacity=capacity,
        batch_size=batch_size, updates_per_step=updates_per_step,
        learning_starts=learning_starts, combined=combined,
        priority_exponent=priority_exponent, priority_floor=priority_floor, beta=beta,
        algorithm=algorithm,
    )  # fmt: skip
    if episodes is None and steps is None:
        raise ValueError("give a budget: episodes, steps, or both")
    check_algorithm(algorithm, replay)
    episodes = None if episodes is None else check_positive_int("episodes", episodes)
    steps = None if steps is None else check_positive_int("steps", steps)
    max_steps = None if max_steps is None else check_positive_int("max_steps", max_steps)
    alpha = check_in_range("alpha", alpha, 0, 1, low_open=True)
    gamma = check_in_range("gamma", gamma, 0, 1)
    epsilon = as_schedule(epsilon, "epsilon", 0, 1)
    beta = as_schedule(beta, "beta", 0, 1)
    seed = check_seed("seed", seed)
    env = gym.make(env) if isinstance(env, str) else env
    q = _initial_table(env, q_init)
    policy_stream, env_stream, buffer_stream = np.random.SeedSequence(seed).spawn(3)
    buffer = None
    if replay is not None:
        buffer = make_buffer(
            replay, capacity, buffer_stream, check_flag("combined", combined),
            priority_exponent, priority_floor,
        )  # fmt: skip
        batch_size = check_positive_int("batch_size", batch_size)
        updates_per_step = check_positive_int("updates_per_step", updates_per_step)
        learning_starts = check_learning_starts(learning_starts, batch_size, capacity, steps)
    recorder = Recorder(
        env, episodes, steps, q_star=q_star, buffer=buffer if record_replays else None,
        greedy_gamma=gamma if track_greedy_value else None,
    )  # fmt: skip
    if algorithm == "sarsa":
        sarsa(
            env, q, np.random.default_rng(policy_stream), recorder, alpha=alpha, gamma=gamma,
            epsilon=epsilon, ties=ties, max_steps=max_steps,
            env_seed=int(env_stream.generate_state(1)[0]),
        )  # fmt: skip
        return recorder.result(q, settings)
    q_learning(
        env, q, np.random.default_rng(policy_stream), recorder,
        alpha=alpha, gamma=gamma, epsilon=epsilon, ties=ties, max_steps=max_steps,
        env_seed=int(env_stream.generate_state(1)[0]), buffer=buffer, batch_size=batch_size,
        updates_per_step=updates_per_step, learning_starts=learning_starts, beta=beta,
    )  # fmt: skip
    return recorder.result(q, settings)


def _initial_table(env: gym.Env, q_init) -> np.ndarray:
    spaces = (env.observation_space, env.action_space)
    if not all(isinstance(space, gym.spaces.Discrete) and space.start == 0 for space in spaces):
        raise TypeError(
            "env must have Discrete observation and action spaces starting at 0 (a tabular "
            f"env), got {env.observation_space} and {env.action_space}"
        )
    q = np.zeros((int(env.observation_space.n), int(env.action_space.n)))
    if np.ndim(q_init) == 0:
        q_init = [q_init]
    elif np.shape(q_init) != q.shape:
        raise ValueError(f"q_init must be a number or of shape {q.shape}, got {np.shape(q_init)}")
    values = np.asarray(q_init)
    if values.dtype.kind not in "iuf" or not np.isfinite(values).all():
        raise ValueError("q_init must hold finite real numbers")
    q[:] = values.reshape(-1)[0] if values.size == 1 else values
    return q


# train's options, all of which the lockstep engine takes
_LOCKSTEP_OPTIONS = frozenset(inspect.signature(train_lockstep).parameters) - {"env", "seeds"}


def run_seeds(env: gym.Env | str, seeds: int | Sequence[int] = 10, **kwargs) -> TrainResult:
    """Run :func:`train` once per seed and stack the results (first axis = seed).

    Parameters
    ----------
    env : str or gymnasium Env
        Environment id (each seed gets a fresh ``gym.make(env)``), or an env that every
        run resets with its own seed.
    seeds : int or non-empty sequence of int
        The seeds, or how many (then 0, 1, ..., seeds - 1).
    **kwargs
        Passed to :func:`train` (a budget, ``episodes`` or ``steps``, is required).

    With a step budget the seeds finish different numbers of episodes: the per-episode
    arrays are then padded with NaN to the longest run.

    When the lockstep engine reproduces :func:`train` exactly on ``env``
    (:func:`replay_lab.lockstep.exact_for`: it publishes its model and draws like
    gymnasium's toy-text envs), all seeds run at once there: the same numbers, faster.
    Otherwise each seed runs :func:`train`.
    """
    seeds = _checked_seeds(seeds)
    if kwargs.keys() <= _LOCKSTEP_OPTIONS and exact_for(env):
        return train_lockstep(env, seeds, **kwargs)
    return stack_runs([train(env, seed=seed, **kwargs) for seed in seeds])


def stack_runs(runs: Sequence[TrainResult]) -> TrainResult:
    """Stack the results of :func:`train` runs, as :func:`run_seeds` returns them."""
    stacked = {"q": np.stack([run.q for run in runs])}
    for name in ("returns", "lengths", "updates", "q_errors", "greedy_values", "replay_ages"):
        if getattr(runs[0], name) is not None:
            stacked[name] = _stack_padded([getattr(run, name) for run in runs])
    seeds = [run.settings["seed"] for run in runs]
    return TrainResult(**stacked, settings={**runs[0].settings, "seed": seeds})


def _checked_seeds(seeds) -> list[int]:
    if isinstance(seeds, Sequence | range | np.ndarray) and not isinstance(seeds, str):
        seeds = [check_seed("seeds", seed) for seed in seeds]
        if not seeds:
            raise ValueError("seeds must not be empty")
        return seeds
    return list(range(check_positive_int("seeds", seeds)))


def sweep(
    env: gym.Env | str,
    name: str,
    values: Sequence,
    seeds: int | Sequence[int] = 5,
    metric: str = "q_errors",
    **kwargs,
) -> np.ndarray:
    """Vary one argument of :func:`train`; return the final ``metric`` of every seed.

    Returns an array of shape (len(values), seeds): row k holds the runs with
    ``name=values[k]`` (and the other arguments from ``kwargs``).
    """
    if not len(values):
        raise ValueError(f"values must not be empty (the settings of {name} to try)")
    return np.array(
        [run_seeds(env, seeds, **{**kwargs, name: value}).final(metric) for value in values]
    )


def _stack_padded(arrays: list[np.ndarray]) -> np.ndarray:
    """Stack 1-D arrays as rows, padding the shorter ones with NaN."""
    longest = max(len(array) for array in arrays)
    padded = np.full((len(arrays), longest), np.nan)
    for row, array in zip(padded, arrays, strict=True):
        row[: len(array)] = array
    return padded


def steps_to_first_reward(result: TrainResult) -> np.ndarray:
    """Environment steps until the end of the first episode with a positive return, per
    seed (NaN for a run that never got one)."""
    returns, steps = np.atleast_2d(result.returns), np.atleast_2d(result.steps)
    first = np.full(len(returns), np.nan)
    for k, (run_returns, run_steps) in enumerate(zip(returns, steps, strict=True)):
        rewarded = np.flatnonzero(run_returns > 0)
        if len(rewarded):
            first[k] = run_steps[rewarded[0]]
    return first


def evaluate_greedy(
    env: gym.Env | str, q: np.ndarray, *, episodes: int = 100, max_steps: int = 1000, seed: int = 0
) -> np.ndarray:
    """Return the undiscounted return of each of ``episodes`` greedy rollouts.

    A greedy policy can walk in circles forever (CliffWalking has no time limit), so every
    rollout stops after ``max_steps`` steps.
    """
    episodes = check_positive_int("episodes", episodes)
    max_steps = check_positive_int("max_steps", max_steps)
    seed = check_int("seed", seed)
    env = gym.make(env) if isinstance(env, str) else env
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
