r"""Many seeds at once: :func:`train` for S seeds in lockstep, as arrays with a seed axis.

The readable loop (:func:`replay_lab.agents.q_learning`) runs one seed and one gymnasium
env; this engine runs S seeds side by side: S Q-tables, S replay buffers, S sum trees, each
an array with a leading seed axis, and instead of S gymnasium envs it steps the
environment's own tabular model (``env.unwrapped.P`` and ``initial_state_distrib``). Speed
tricks live here, never in the readable layer.

**Exactly the same numbers.** Engine seed ``k`` reproduces ``train(seed=k)`` bit for bit:

- each seed keeps the three Generators :func:`~replay_lab.agents.train` builds (policy,
  environment via ``gymnasium.utils.seeding.np_random`` of the same int, buffer) and draws
  from them in blocks (:class:`BlockStreams`): numpy's ``Generator.random`` fills
  sequentially, so a block holds the numbers that repeated calls would have returned;
- a step draws what the readable layer draws: two uniforms for epsilon-greedy, one for
  the environment (gymnasium's toy-text ``categorical_sample``: the first outcome whose
  cumulative probability exceeds ``u``), one more for each reset, ``batch_size`` for a
  replayed batch;
- every active seed has made the same number of steps (each makes one per iteration), so
  schedules are called once per iteration, buffers fill alike, and only the environment's
  draws (resets) need a pointer per seed;
- the float arithmetic is the readable one, in the same order:
  ``target = r + gamma * (1 - terminated) * max Q(s')``, ``Q(s, a) += alpha * w * delta``;
  within a seed a batch is applied transition by transition, exactly as
  :func:`~replay_lab.core.q_update` does, and across seeds all at once (no two seeds
  share a table).

Which environments: any env with Discrete spaces that publishes ``P`` and
``initial_state_distrib`` and whose ``reset`` and ``step`` each draw one
``np_random.random()`` for a categorical sample of them (gymnasium's FrozenLake,
CliffWalking and Taxi without ``fickle_passenger``, our ``BlindCliffwalk`` and
``ModelEnv``), under gymnasium's ``TimeLimit``, ``OrderEnforcing`` and
``PassiveEnvChecker`` wrappers. :func:`exact_for` says whether an env qualifies.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import gymnasium as gym
import numpy as np
from gymnasium.utils import seeding

from replay_lab._checks import (
    check_algorithm,
    check_flag,
    check_in_range,
    check_int,
    check_learning_starts,
    check_positive_int,
)
from replay_lab.core import greedy_policy
from replay_lab.envs import (
    BlindCliffwalk,
    ModelEnv,
    TruncationAsTermination,
    policy_evaluation,
    reachable_states,
    start_value,
    tabular_model,
)
from replay_lab.prioritized import RankBasedReplayBuffer, overflow_error
from replay_lab.results import TrainResult
from replay_lab.schedules import as_schedule

__all__ = ["AlikeStreams", "BlockStreams", "LockstepModel", "exact_for", "train_lockstep"]

# Environments whose reset and step draw exactly one np_random.random() each, for a
# categorical sample of initial_state_distrib and of P[s][a] (checked in their source).
_CATEGORICAL_ENVS = (
    "gymnasium.envs.toy_text.frozen_lake.FrozenLakeEnv",
    "gymnasium.envs.toy_text.cliffwalking.CliffWalkingEnv",
    "gymnasium.envs.toy_text.taxi.TaxiEnv",
)
# Wrappers that change neither the dynamics nor the random draws (TimeLimit only cuts;
# TruncationAsTermination reports a cut as an end, which the model reads: see end_limit).
_HARMLESS_WRAPPERS = (
    gym.wrappers.TimeLimit,
    TruncationAsTermination,
    gym.wrappers.OrderEnforcing,
    gym.wrappers.PassiveEnvChecker,
)


class BlockStreams:
    """One numpy Generator per seed, read in blocks with one pointer per seed.

    ``draw(seeds, n)`` returns the next ``n`` uniforms of each listed seed's Generator, the
    numbers ``generator.random(n)`` would have returned, but refilled ``block`` at a time.
    """

    def __init__(self, generators: Sequence[np.random.Generator], block: int):
        self.generators = list(generators)
        self.block = block
        self.numbers = np.empty((len(self.generators), block))
        self.used = np.full(len(self.generators), block)  # all used: refill on first draw
        self.headroom = 0  # at most this many more numbers can be drawn without a refill

    def draw(self, seeds: np.ndarray, n: int) -> np.ndarray:
        """The next ``n`` uniforms of each seed in ``seeds`` (distinct), shape (len, n)."""
        self._make_room(seeds, n)
        start = self.used[seeds]
        if n == 1:
            out = self.numbers[seeds, start][:, None]
        else:
            out = self.numbers[seeds[:, None], start[:, None] + np.arange(n)]
        self.used[seeds] = start + n
        self.headroom -= n  # no pointer moved by more than n
        return out

    def skip(self, seeds: np.ndarray, n: int) -> None:
        """Pass over the next ``n`` uniforms of each seed in ``seeds``: drawn by the
        readable layer, but with nothing that depends on them (one possible outcome)."""
        self._make_room(seeds, n)
        self.used[seeds] += n
        self.headroom -= n

    def _make_room(self, seeds: np.ndarray, n: int) -> None:
        if self.headroom < n:  # some seed may run out: refill those that would
            for k in seeds[self.used[seeds] + n > self.block].tolist():
                self._refill(k, self.used[k])
                self.used[k] = 0
            self.headroom = self.block - int(self.used.max())

    def _refill(self, k: int, used: int) -> None:
        """Move seed ``k``'s unused numbers to the front and draw the rest of the block."""
        left = self.numbers[k, used:]
        self.numbers[k, : len(left)] = left
        self.numbers[k, len(left) :] = self.generators[k].random(self.block - len(left))


class AlikeStreams(BlockStreams):
    """Block streams for draws that every seed still running makes alike (the policy's two
    uniforms per step, a batch per replay): one pointer shared by all seeds, so a draw is a
    slice. A seed that has stopped never draws again, so refilling its row too is harmless.
    """

    def __init__(self, generators: Sequence[np.random.Generator], block: int):
        super().__init__(generators, block)
        self.position = block

    def draw(self, seeds: np.ndarray, n: int) -> np.ndarray:
        """The next ``n`` uniforms of each seed in ``seeds``, shape (len, n); ``seeds`` must
        be the seeds still running (all of them when the slice covers every row)."""
        if self.position + n > self.block:
            for k in range(len(self.generators)):
                self._refill(k, self.position)
            self.position = 0
        start = self.position
        self.position = start + n
        if len(seeds) == len(self.generators):
            return self.numbers[:, start : start + n]
        return self.numbers[seeds, start : start + n]


class LockstepModel:
    """An environment's dynamics laid out for drawing many next states at once.

    For the pair ``(s, a)``, row ``s * n_actions + a`` of ``cumulative`` holds the running
    sums of the outcome probabilities in the order of ``P[s][a]`` (computed as gymnasium's
    ``categorical_sample`` does, ``np.cumsum`` of the list), padded with ``inf``; the
    outcome drawn by ``u`` is the first whose running sum exceeds ``u`` (outcome 0 if
    none does, as ``np.argmax`` of all-False gives). ``time_limit`` is the env's
    ``TimeLimit`` (None without one).

    ``end_limit`` is the step whose cut the env reports as an end (a ``TimeLimit`` under
    :class:`~replay_lab.envs.TruncationAsTermination`; None without one). Its outcomes
    are then listed twice: outcome ``o + cut_offset`` is outcome ``o`` reported as
    terminated, the one a step that reaches ``end_limit`` makes.
    """

    def __init__(self, env: gym.Env):
        base = env.unwrapped
        model = tabular_model(env)  # checks the model, and that the spaces fit it
        if model.initial is None:
            raise TypeError("env must publish initial_state_distrib to be stepped as a model")
        spaces = (env.observation_space, env.action_space)
        if not all(isinstance(space, gym.spaces.Discrete) and space.start == 0 for space in spaces):
            raise TypeError("env must have Discrete observation and action spaces starting at 0")
        if (int(spaces[0].n), int(spaces[1].n)) != (model.n_states, model.n_actions):
            raise ValueError("env's spaces do not match the size of its P")
        self.n_states, self.n_actions = model.n_states, model.n_actions
        pairs = self.n_states * self.n_actions
        counts = np.bincount(model.pair, minlength=pairs)
        width = int(counts.max())
        self.cumulative = np.full((pairs, width), np.inf)
        self.deterministic = width == 1
        self.n_outcomes = counts
        self.first = np.concatenate([[0], np.cumsum(counts)[:-1]])  # pair's first outcome
        for s in range(self.n_states):
            for a in range(self.n_actions):
                probabilities = np.asarray([outcome[0] for outcome in base.P[s][a]])
                pair = s * self.n_actions + a
                self.cumulative[pair, : counts[pair]] = np.cumsum(probabilities)
        last = self.cumulative[np.arange(pairs), counts - 1]
        self.complete = bool((last >= 1.0).all())  # no u in [0, 1) falls past the last
        self.pair, self.next_state = model.pair, model.next_state
        self.reward, self.terminated = model.reward, model.terminated
        self.time_limit, self.end_limit = _time_limits(env)
        self.cut_offset = len(model.pair)
        if self.end_limit is not None:
            self.pair, self.next_state, self.reward = (
                np.concatenate([x, x]) for x in (self.pair, self.next_state, self.reward)
            )
            self.terminated = np.concatenate([self.terminated, np.ones(self.cut_offset, bool)])
        self.initial_cumulative = np.cumsum(np.asarray(base.initial_state_distrib))
        starts = np.flatnonzero(np.asarray(base.initial_state_distrib))
        # one start state with probability 1: every u in [0, 1) draws it
        self.single_start = int(starts[0]) if self.initial_cumulative[starts[0]] == 1.0 else None
        self.tabular = model

    def reset(self, u: np.ndarray) -> np.ndarray:
        """The start states drawn by the uniforms ``u``."""
        drawn = self.initial_cumulative.searchsorted(u, side="right")
        return np.where(drawn == len(self.initial_cumulative), 0, drawn)

    def step(self, states: np.ndarray, actions: np.ndarray, u: np.ndarray) -> np.ndarray:
        """The outcome (an index into ``next_state``, ``reward``, ``terminated``) drawn by
        ``u`` for each (state, action)."""
        pair = states * self.n_actions + actions
        if self.deterministic:  # one outcome per pair: it is drawn whatever u is
            return self.first[pair]
        below = np.add.reduce(self.cumulative[pair] <= u[:, None], 1)  # the sums are sorted
        if self.complete:  # every pair's sums reach 1 > u: some outcome's sum exceeds u
            return self.first[pair] + below
        return self.first[pair] + np.where(below == self.n_outcomes[pair], 0, below)


def _time_limits(env: gym.Env) -> tuple[int | None, int | None]:
    """The env's time limit, and the limit whose cut it reports as an end (the
    ``TimeLimit`` wrappers under a ``TruncationAsTermination``); None for none."""
    limits, ends, reported_as_end = [], [], False
    while isinstance(env, gym.Wrapper):
        reported_as_end |= isinstance(env, TruncationAsTermination)
        if isinstance(env, gym.wrappers.TimeLimit):
            # gymnasium's public accessor for a wrapper's attribute
            limits.append(int(env.get_wrapper_attr("_max_episode_steps")))
            if reported_as_end:
                ends.append(limits[-1])
        env = env.env
    return min(limits, default=None), min(ends, default=None)


def exact_for(env: gym.Env | str) -> bool:
    """Whether the engine reproduces ``train`` exactly on ``env``: a model env that draws
    as gymnasium's toy-text envs do, under wrappers that change nothing but the time
    limit."""
    env = gym.make(env) if isinstance(env, str) else env
    layer = env
    while isinstance(layer, gym.Wrapper):
        if type(layer) not in _HARMLESS_WRAPPERS:
            return False
        layer = layer.env
    base = env.unwrapped
    name = f"{type(base).__module__}.{type(base).__qualname__}"
    if isinstance(base, BlindCliffwalk | ModelEnv):
        return True
    if name not in _CATEGORICAL_ENVS:
        return False
    return not getattr(base, "fickle_passenger", False)  # fickle Taxi draws more


def train_lockstep(
    env: gym.Env | str,
    seeds: int | Sequence[int] = 10,
    *,
    episodes: int | None = None,
    steps: int | None = None,
    alpha: float = 0.1,
    gamma: float = 0.99,
    epsilon=0.1,
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
    beta=0.4,
    q_star: np.ndarray | None = None,
    record_replays: bool = False,
    track_greedy_value: bool = False,
    algorithm: str = "q_learning",
) -> TrainResult:
    """Train one tabular Q-learner (or SARSA learner) per seed, all at once; the arguments
    are those of :func:`~replay_lab.agents.train` (``seeds`` as for
    :func:`~replay_lab.agents.run_seeds`), and the result is what ``run_seeds`` returns:
    row ``k`` is exactly ``train(env, seed=seeds[k], ...)`` when :func:`exact_for` holds.
    """
    settings = dict(
        episodes=episodes, steps=steps, alpha=alpha, gamma=gamma, epsilon=epsilon,
        max_steps=max_steps, ties=ties, replay=replay, capacity=capacity,
        batch_size=batch_size, updates_per_step=updates_per_step,
        learning_starts=learning_starts, combined=combined,
        priority_exponent=priority_exponent, priority_floor=priority_floor, beta=beta,
        algorithm=algorithm,
    )  # fmt: skip
    seeds = _checked_seeds(seeds)
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
    if ties not in ("random", "first"):
        raise ValueError(f"ties must be 'random' or 'first', got {ties!r}")
    if replay is not None and replay not in ("uniform", "proportional", "rank"):
        raise ValueError(f"replay must be None or one of {sorted(_REPLAYS)}, got {replay!r}")
    if replay is not None and replay not in _REPLAYS:
        raise ValueError(f"replay={replay!r} is not supported by the lockstep engine yet")
    combined = check_flag("combined", combined)
    if combined and replay != "uniform":
        raise ValueError(f"combined replay needs replay='uniform', got replay={replay!r}")
    env = gym.make(env) if isinstance(env, str) else env
    if not isinstance(env, gym.Env):
        raise TypeError(f"env must be a gymnasium Env or an id, got {type(env).__name__}")
    model = LockstepModel(env)
    q = _initial_tables(len(seeds), model, q_init)
    buffer = None
    if replay is not None:
        capacity = check_positive_int("capacity", capacity)
        batch_size = check_positive_int("batch_size", batch_size)
        updates_per_step = check_positive_int("updates_per_step", updates_per_step)
        learning_starts = check_learning_starts(learning_starts, batch_size, capacity, steps)
    streams = [np.random.SeedSequence(seed).spawn(3) for seed in seeds]
    # SARSA also draws an action at each reset, so its seeds' policy draws part ways
    kind = BlockStreams if algorithm == "sarsa" else AlikeStreams
    policy = kind([np.random.default_rng(p) for p, _, _ in streams], 2 * 256)
    environment = BlockStreams(
        [seeding.np_random(int(e.generate_state(1)[0]))[0] for _, e, _ in streams], 1024
    )
    if replay is not None:
        buffer = _REPLAYS[replay](
            [np.random.default_rng(b) for _, _, b in streams],
            capacity, batch_size, updates_per_step, model, gamma, combined=combined,
            priority_exponent=priority_exponent, priority_floor=priority_floor,
        )  # fmt: skip
    recorder = _Recorder(
        env, model, len(seeds), q_star, gamma if track_greedy_value else None,
        buffer.capacity if (buffer is not None and record_replays) else 0,
    )  # fmt: skip
    _run(
        q, model, policy, environment, buffer, recorder,
        episodes=episodes, steps=steps, alpha=alpha, gamma=gamma, epsilon=epsilon,
        beta=beta, ties=ties, max_steps=max_steps, batch_size=batch_size,
        updates_per_step=updates_per_step, learning_starts=learning_starts,
        sarsa=algorithm == "sarsa",
    )  # fmt: skip
    if not np.isfinite(q).all():
        raise ValueError("the Q-tables diverged to inf or NaN (the TD errors are too large)")
    return recorder.result(q, {**settings, "seed": list(seeds)})


def _run(
    q, model, policy, environment, buffer, recorder, *, episodes, steps, alpha, gamma,
    epsilon, beta, ties, max_steps, batch_size, updates_per_step, learning_starts, sarsa,
) -> None:  # fmt: skip
    """The lockstep loop: every active seed makes one step per iteration.

    With ``sarsa`` (online only) each seed draws its first action at a reset and its next
    action after every step, before the update, as :func:`~replay_lab.sarsa.sarsa` does;
    the target reads Q(s', a') instead of the maximum.

    Q is addressed by rows: seed ``k``'s ``Q(s, .)`` is row ``k * n_states + s``, its
    ``Q(s, a)`` is ``flat[row * n_actions + a]`` (``flat`` a view of ``q``), and
    ``values_of(rows)`` reads the Q-values of many rows laid out (actions, seeds).
    """
    n_seeds, n_states, n_actions = q.shape
    flat = q.reshape(-1)
    along = np.arange(n_actions)[:, None]

    def values_of(rows: np.ndarray) -> np.ndarray:
        return flat.take(rows * n_actions + along)

    discount_of = gamma * (1 - model.terminated.astype(float))  # per outcome
    limit = min(model.time_limit or math.inf, max_steps or math.inf)
    active = np.arange(n_seeds)
    chosen = slice(None)  # active, as a cheap index while every seed is running
    first_row = active * n_states  # of the active seeds
    state = np.zeros(n_seeds, dtype=np.int64)
    episode_steps = np.zeros(n_seeds, dtype=np.int64)
    new = active  # the seeds that need a reset before their next step
    action = np.zeros(n_seeds, dtype=np.int64)  # SARSA's next action, chosen a step ahead
    step = 0
    while True:
        eps = check_in_range("epsilon", epsilon(step), 0, 1)
        if len(new):
            if model.single_start is None:
                state[new] = model.reset(environment.draw(new, 1)[:, 0])
            else:
                environment.skip(new, 1)
                state[new] = model.single_start
            episode_steps[new] = 0
            if sarsa:
                start = values_of(new * n_states + state[new])
                action[new] = _epsilon_greedy(start, policy.draw(new, 2), eps, ties)
        s = state[chosen]  # a view while every seed runs: used before state is written
        row = first_row + s
        if sarsa:
            a = action[chosen]
        else:
            a = _epsilon_greedy(values_of(row), policy.draw(active, 2), eps, ties)
        if model.deterministic:
            environment.skip(active, 1)
            outcome = model.first[s * n_actions + a]
        else:
            outcome = model.step(s, a, environment.draw(active, 1)[:, 0])
        s_next, r = model.next_state[outcome], model.reward[outcome]
        step += 1
        episode_steps[chosen] += 1
        if model.end_limit is not None:  # a cut reported as an end: its terminated copy
            outcome = outcome + model.cut_offset * (episode_steps[chosen] == model.end_limit)
        out_of_steps = step == steps
        if sarsa:
            next_row = first_row + s_next
            eps_next = check_in_range("epsilon", epsilon(step), 0, 1)
            a_next = _epsilon_greedy(values_of(next_row), policy.draw(active, 2), eps_next, ties)
            cell = row * n_actions + a  # before a's row of action is overwritten (a view)
            action[chosen] = a_next
            target = r + discount_of[outcome] * flat[next_row * n_actions + a_next]
            value = flat[cell]
            flat[cell] = value + alpha * (target - value)  # as sarsa_update: alpha * delta
            recorder.updates[chosen] += 1
        elif buffer is None:
            cell = row * n_actions + a
            target = r + discount_of[outcome] * np.maximum.reduce(values_of(first_row + s_next), 0)
            value = flat[cell]
            flat[cell] = value + alpha * (target - value)  # as q_update: alpha * delta
            recorder.updates[chosen] += 1
        else:
            buffer.add(active, outcome)
            if buffer.size >= learning_starts:
                for _ in range(updates_per_step):
                    # the schedule sees the index of this step, as in q_learning
                    b = check_in_range("beta", beta(step - 1), 0, 1)
                    batch = buffer.sample(active, b, first_row)
                    deltas = _apply_in_order(flat, alpha, *batch[:-1])
                    buffer.feedback(active, batch[-1], deltas)
                    recorder.replayed(active, batch[-1], buffer.added)
        recorder.episode_return[chosen] += r
        state[chosen] = s_next
        if out_of_steps:
            done = np.ones(len(active), dtype=bool)
        else:
            done = model.terminated[outcome] | (episode_steps[chosen] == limit)
        new = active[done]
        if len(new):
            recorder.episodes_ended(new, episode_steps[new], q)
        if out_of_steps:
            return
        if episodes is not None and len(new):
            running = recorder.episodes[active] < episodes
            if not running.all():
                active, first_row = active[running], first_row[running]
                if not len(active):
                    return
                chosen = active
                new = new[recorder.episodes[new] < episodes]


def _epsilon_greedy(values, uniforms, epsilon, ties) -> np.ndarray:
    """:func:`~replay_lab.core.epsilon_greedy` for many rows of Q, laid out (actions,
    seeds) so that every reduction runs down the short actions axis, with the two uniforms
    ``explore, pick`` of each seed: the candidates are every action when exploring, else
    the greedy ones (the first only, with ``ties="first"``), and the choice is candidate
    number ``int(pick * len(candidates))``."""
    explore, pick = uniforms[:, 0], uniforms[:, 1]
    if ties == "random":
        candidates = values == np.maximum.reduce(values, 0)
    else:
        candidates = np.arange(len(values))[:, None] == values.argmax(axis=0)
    candidates |= explore < epsilon
    # candidate k = int(pick * n) is the first whose running count exceeds pick * n
    # (for a whole number c, c > int(x) exactly when c > x)
    running = np.add.accumulate(candidates, axis=0, dtype=np.intp)
    return (running > pick * running[-1]).argmax(axis=0)


def _apply_in_order(flat, alpha, cells, next_cells, rewards, discount, weights):
    """Q-learning updates of a batch per seed, arrays of shape (batch, seeds): position
    ``j`` of every seed at once, positions one after the other as ``q_update`` does.

    ``cells`` are flat indices of Q(s, a), ``next_cells`` those of Q(s', .) laid out
    (batch, actions, seeds), so that the maximum runs down a short axis, ``discount``
    is ``gamma * (1 - terminated)``. Returns the TD errors.

    Order matters: updates of one seed often touch the same numbers (a later one reads
    the row an earlier one wrote into), so the positions go one by one, each in the fewest
    numpy calls: the target, the error, the new value, written once.
    """
    deltas = np.empty(cells.shape)
    work = np.empty(cells.shape[1])  # the target, then the change: no new array per position
    largest, mul, add = np.maximum.reduce, np.multiply, np.add  # without Python wrappers
    steps = alpha * weights if weights is not None else [alpha] * len(cells)
    batch = zip(cells, next_cells, rewards, discount, steps, deltas, strict=True)
    for cell, following, r, d, step, delta in batch:
        value = flat[cell]
        largest(flat[following], 0, out=work)
        add(r, mul(d, work, out=work), out=work)  # r + gamma * (1 - terminated) * max
        np.subtract(work, value, out=delta)
        flat[cell] = add(value, mul(step, delta, out=work), out=work)  # alpha * w * delta
    return deltas


class _UniformBuffers:
    """S ring buffers of one capacity, filled alike (every active seed adds one transition
    per step), sampled uniformly as :class:`~replay_lab.buffers.ReplayBuffer` does."""

    def __init__(self, generators, capacity, batch_size, updates_per_step, model, gamma, **options):
        n_seeds = len(generators)
        self.capacity, self.batch_size = capacity, batch_size
        self.combined = options.get("combined", False)
        self.n_actions = model.n_actions
        self.actions = np.arange(model.n_actions)[:, None]  # down the actions axis
        self.streams = AlikeStreams(generators, max(64 * batch_size * updates_per_step, 1024))
        # A transition is one outcome of the model: store its index (4 bytes), and read
        # s * n_actions + a, s', r and gamma * (1 - terminated) off the model.
        self.outcomes = np.zeros((n_seeds, capacity), dtype=np.int32)
        self.sa = model.pair
        self.next_state = model.next_state
        self.rewards = model.reward
        self.discount = gamma * (1 - model.terminated.astype(float))
        self.model = model
        self.added = 0  # per seed: every active seed has added the same number

    @property
    def size(self) -> int:
        return min(self.added, self.capacity)

    def add(self, seeds, outcome) -> None:
        self.outcomes[seeds, self.added % self.capacity] = outcome
        self.added += 1

    def sample(self, seeds, beta, first_row):
        """A batch per seed, as arrays of shape (batch, seeds) for the in-order updates
        (``first_row``: the row of each seed's Q(0, .))."""
        size = self.size
        u = self.streams.draw(seeds, self.batch_size)
        slots = np.minimum((u * size).astype(np.int64), size - 1)
        if self.combined:
            slots[:, -1] = (self.added - 1) % self.capacity  # the newest transition
        return self._gather(seeds, slots, first_row, None)

    def _gather(self, seeds, slots, first_row, weights):
        # flat indices, laid out (batch, seeds) in C order before the gather: each batch
        # position's row is contiguous for the in-order updates, and nothing is copied
        where = np.add(slots.T, seeds * self.capacity, order="C")
        outcome = self.outcomes.reshape(-1)[where]
        cells = first_row * self.n_actions + self.sa[outcome]
        next_row = first_row + self.next_state[outcome]
        next_cells = (next_row * self.n_actions)[:, None, :] + self.actions
        rewards, discount = self.rewards[outcome], self.discount[outcome]
        if weights is not None:
            weights = np.ascontiguousarray(weights.T)  # each position's row contiguous
        return cells, next_cells, rewards, discount, weights, slots

    def feedback(self, seeds, slots, deltas) -> None:
        """Uniform replay has no priorities."""


class _ProportionalBuffers(_UniformBuffers):
    """S proportional prioritized buffers (as
    :class:`~replay_lab.prioritized.PrioritizedReplayBuffer`) on S sum trees: one 2-D array
    ``tree[seed, node]``, each row laid out as :class:`~replay_lab.sumtree.SumTree` (the
    levels above ``top``, which no search reads, are not kept: the roots are ``total``).

    The same arithmetic in the same order: the stratified prefix sums, the binary search of
    level ``min(depth, 8)`` (on its running sums, as ``np.searchsorted`` does), the walk
    below it, ``p ** exponent`` in the leaves (Python's pow for a new transition's maximum,
    numpy's for an update, as the readable buffer does: the two can differ in the last
    bit), the weights ``(min P / P) ** beta``, the last TD error of a repeated slot.
    """

    def __init__(self, generators, capacity, batch_size, updates_per_step, model, gamma, **options):
        super().__init__(generators, capacity, batch_size, updates_per_step, model, gamma)
        self.exponent = check_in_range(
            "priority_exponent", options["priority_exponent"], 0, math.inf, high_open=True
        )
        self.floor = check_in_range(
            "priority_floor", options["priority_floor"], 0, math.inf, low_open=True, high_open=True
        )
        if self.floor**self.exponent == 0:
            raise ValueError(
                f"priority_floor ** priority_exponent underflows to 0 "
                f"({self.floor} ** {self.exponent}): raise priority_floor"
            )
        n_seeds = len(generators)
        self.depth = (capacity - 1).bit_length()
        self.first_leaf = 2**self.depth
        self.width = 2 * self.first_leaf
        self.tree = np.zeros((n_seeds, self.width))
        self.top = min(self.depth, 8)
        self.max_priority = np.ones(n_seeds)
        self.new_value = np.ones(n_seeds)  # max_priority ** exponent, by Python's pow
        self.pending: list[np.ndarray] = []  # leaves written, sums above not yet updated
        # feedback's stamps: 0 for no position, else the latest position (from 1) of a slot
        self.stamp = np.zeros(n_seeds * capacity, dtype=np.min_scalar_type(batch_size))
        self.positions: dict = {}  # _positions, per number of active seeds
        self.search_keys: dict = {}  # _search_keys, per (active seeds, batch size)
        self.total = np.zeros(n_seeds)  # the root of each tree, see _settle
        # above every tree's total with its pending leaves (a Python float: the overflow
        # tests cost nothing until a total comes near the largest float)
        self.bound = 0.0

    def add(self, seeds, outcome) -> None:
        slot = self.added % self.capacity
        new_value = float(self.new_value.max())
        if not math.isfinite(4 * (self.bound + new_value)):  # near an overflow
            with np.errstate(over="ignore"):
                self._settle()
                if not np.isfinite(self.total[seeds] + self.new_value[seeds]).all():
                    raise overflow_error(self.max_priority[seeds].max(), self.exponent)
        self.bound += new_value
        super().add(seeds, outcome)
        node = self.first_leaf + slot
        self.tree[seeds, node] = self.new_value[seeds]
        self.pending.append(seeds * self.width + node)

    def _settle(self) -> None:
        """Recompute the sums above the leaves written since the last time (a new
        transition's and the last feedback's together): each parent from its two children,
        level by level as ``SumTree.update`` does, so the sums are the readable ones.

        Only what the search reads is kept: the levels from ``top`` down (along the
        written paths) and the root, ``total``. The levels between them are summed
        pairwise from level ``top`` for every seed, one numpy call a level, and not
        stored: a node is the sum of its two children whichever way it is reached, so
        the root is the readable one bit for bit."""
        if not self.pending:
            return
        node = np.concatenate(self.pending)  # flat: node m of seed k is k * width + m
        self.pending = []
        tree = self.tree.reshape(-1)
        siblings = tree.reshape(-1, 2)  # row r holds flat nodes 2r and 2r + 1
        # With width a power of two, a flat node's row is node >> 1, and its parent,
        # k * width + m // 2, is that row plus k * width / 2.
        half = (node // self.width) * (self.width // 2)
        for _ in range(self.depth - self.top):
            row = node >> 1
            node = row + half  # the parent
            pairs = siblings.take(row, axis=0)  # whole rows: faster than two gathers
            tree[node] = pairs[:, 0] + pairs[:, 1]
        # level top's nodes past the newest slot's hold 0 and x + 0 is x: sum pairwise
        # only the first (a power of two) nodes that cover the stored slots
        covered = 1 << self._last_node().bit_length()
        sums = self.tree[:, 2**self.top : 2**self.top + covered]
        while covered > 1:
            sums = sums[:, 0::2] + sums[:, 1::2]
            covered //= 2
        self.total = sums[:, 0]
        self.bound = float(self.total.max())

    def _last_node(self) -> int:
        """The node of level ``top`` that holds the newest slot, counted from 0 (the same
        for every seed: all have stored the same number of transitions); the nodes past
        it hold no priority."""
        return (self.size - 1) >> (self.depth - self.top)

    def sample(self, seeds, beta, first_row):
        self._settle()
        b = self.batch_size
        tree = self.tree.reshape(-1)  # a view: node k of seed i is tree[i * width + k]
        base = (seeds * self.width)[:, None]
        total = self.total[seeds]
        u = self.streams.draw(seeds, b)
        prefix = (np.arange(b) + u) * (total / b)[:, None]
        prefix = np.minimum(prefix, np.nextafter(total, 0)[:, None])
        slots = self._find(seeds, tree, base, prefix)
        probabilities = tree[base + self.first_leaf + slots] / total[:, None]
        weights = (probabilities.min(axis=1, keepdims=True) / probabilities) ** beta
        return self._gather(seeds, slots, first_row, weights)

    def _find(self, seeds, tree, base, u):
        """``SumTree.find`` of every row's prefix sums ``u`` (seeds, batch) in its tree."""
        n, b = u.shape
        first = 2**self.top
        # the running sums of level top, written straight into the keys (np.cumsum: each
        # seed's sums added one after the other, as the readable np.cumsum adds them), up
        # to the last node with a sum: past it the readable running sums stay the same,
        # and min(k, last) below gives the readable k without them
        last = self._last_node()
        keys, queries, start = self._search_keys(n, b, last + 2)
        before = keys.imag
        np.cumsum(self.tree[seeds, first : first + last + 1], axis=1, out=before[:, 1:])
        queries.imag = u
        found = np.searchsorted(keys.reshape(-1), queries.reshape(-1), side="right") - 1
        # found is the flat index into before: k is found less its row's start
        k = np.minimum(found.reshape(n, b) - start, last)
        u = u - before.reshape(-1)[start + k]
        nodes = base + first + k  # flat indices from here on
        slots = self._walk(tree, base, nodes, u, checked=False)
        if self.size < self.first_leaf and (slots >= self.size).any():
            slots = self._walk(tree, base, nodes, u, checked=True)
        return slots

    def _walk(self, tree, base, nodes, u, checked):
        """The walk of ``SumTree.find`` below level ``top``. Unchecked, it goes right
        whenever ``u`` reaches the left sum, without asking whether the right subtree has
        a sum; the readable walk asks. The two differ only where a right subtree has no
        sum, and a walk that went into one ends in an empty slot (the stored slots are
        0 .. size - 1, all with positive priorities): so an unchecked walk that ends in
        a stored slot made the readable walk's moves, and only otherwise is the walk
        made again, checked."""
        nodes, u = nodes.copy(), u.copy()  # then changed in place: no new arrays a level
        for _ in range(self.depth - self.top):
            nodes += nodes - base  # the left child of node m is 2m
            left_sum = tree.take(nodes)
            go_right = u >= left_sum
            if checked:
                go_right &= tree.take(nodes + 1) > 0
            left_sum *= go_right
            u -= left_sum  # going right skips the left subtree's sum
            nodes += go_right  # the right child is left + 1
        return nodes - base - self.first_leaf

    def _positions(self, n: int) -> np.ndarray:
        """1, ..., batch size for each of ``n`` seeds, one flat array (feedback's stamps)."""
        if n not in self.positions:
            one = np.arange(1, self.batch_size + 1, dtype=self.stamp.dtype)
            self.positions[n] = np.tile(one, n)
        return self.positions[n]

    def _search_keys(self, n: int, b: int, width: int) -> tuple:
        """Keys and queries for np.searchsorted of ``n`` rows at once, and where each row
        starts: complex numbers sort by (real, imag), so (row, value) pairs keep the rows
        apart without touching the values. The real parts (the rows) are set when the
        keys are made, the values on each search; the keys are as wide as the running
        sums in use (a narrow array searches faster), made anew when they widen."""
        made = self.search_keys.get((n, b))
        if made is None or made[0].shape[1] != width:
            keys = np.zeros((n, width), complex)
            queries = np.zeros((n, b), complex)
            keys.real, queries.real = np.arange(n)[:, None], np.arange(n)[:, None]
            made = keys, queries, (np.arange(n) * width)[:, None]
            self.search_keys[n, b] = made
        return made

    def feedback(self, seeds, slots, deltas) -> None:
        """Set ``p = |delta| + floor`` (no slot is overwritten between a sample and its
        feedback in the loop, so none is skipped); a repeated slot keeps its last error."""
        priorities = np.abs(deltas.T) + self.floor  # (seeds, batch)
        largest = priorities.max(axis=1)
        peak = self._peak(float(largest.max()))
        grows = peak * priorities.shape[1]  # the most any one tree's total can grow by
        if math.isfinite(4 * (self.bound + grows)):
            scaled = priorities**self.exponent
            self.bound += grows
        else:  # near an overflow: the readable buffer's test, exactly
            with np.errstate(over="ignore"):
                self._settle()
                scaled = priorities**self.exponent
                if not np.isfinite(self.total[seeds] + scaled.sum(axis=1)).all():
                    raise overflow_error(priorities.max(), self.exponent)
            self.bound += float(scaled.sum(axis=1).max())
        # A slot repeated in a batch keeps its last error: write only its last occurrence,
        # found by stamping each slot with the latest position that names it (ufunc.at
        # applies every position, in order) and clearing the stamps again.
        # (flat arrays of one length: numpy 2.4's ufunc.at gave wrong stamps when the
        # positions were broadcast over a 2-D index)
        stamps = ((seeds * self.capacity)[:, None] + slots).reshape(-1)
        positions = self._positions(len(seeds))
        np.maximum.at(self.stamp, stamps, positions)
        last = (self.stamp[stamps] == positions).reshape(slots.shape)
        self.stamp[stamps] = 0
        leaves = ((seeds * self.width + self.first_leaf)[:, None] + slots)[last]
        self.tree.reshape(-1)[leaves] = scaled[last]
        self.pending.append(leaves)
        grown = largest > self.max_priority[seeds]
        if grown.any():
            for k, p in zip(seeds[grown].tolist(), largest[grown].tolist(), strict=True):
                self.max_priority[k] = p
                self.new_value[k] = p**self.exponent  # Python's pow, as the readable add

    def _peak(self, largest: float) -> float:
        """``largest ** exponent`` in Python floats, inf where it overflows (NaN stays)."""
        try:
            return largest**self.exponent
        except OverflowError:
            return math.inf


class _RankBuffers(_UniformBuffers):
    """S rank-based buffers: one readable :class:`~replay_lab.prioritized.RankBasedReplayBuffer`
    per seed, so the ranking (a sorted Python list per seed, with a random tie-breaker
    drawn per priority set) is the readable one; only the storage for the updates and
    the updates themselves are shared arrays.

    Not vectorized: keeping S sorted lists in step as arrays would take a sort per update,
    and the readable buffer's draws (a tie-breaker per insertion, interleaved with the
    samples) fix the order of every operation anyway.
    """

    def __init__(self, generators, capacity, batch_size, updates_per_step, model, gamma, **options):
        super().__init__(generators, capacity, batch_size, updates_per_step, model, gamma)
        self.buffers = [
            RankBasedReplayBuffer(
                capacity, priority_exponent=options["priority_exponent"],
                priority_floor=options["priority_floor"], seed=generator,
            )
            for generator in generators
        ]  # fmt: skip
        self.batches = {}

    def add(self, seeds, outcome) -> None:
        super().add(seeds, outcome)
        model = self.model
        s, a = np.divmod(model.pair[outcome], model.n_actions)
        transitions = zip(
            seeds.tolist(), s.tolist(), a.tolist(), model.reward[outcome].tolist(),
            model.next_state[outcome].tolist(), model.terminated[outcome].tolist(), strict=True,
        )  # fmt: skip
        for k, *transition in transitions:
            self.buffers[k].add(*transition)

    def sample(self, seeds, beta, first_row):
        batches = [self.buffers[k].sample(self.batch_size, beta) for k in seeds.tolist()]
        self.batches = dict(zip(seeds.tolist(), batches, strict=True))
        slots = np.array([batch.indices for batch in batches])
        weights = np.array([batch.weights for batch in batches])
        return self._gather(seeds, slots, first_row, weights)

    def feedback(self, seeds, slots, deltas) -> None:
        for k, column in zip(seeds.tolist(), deltas.T, strict=True):
            self.buffers[k].update_priorities(self.batches[k], column)


_REPLAYS = {"uniform": _UniformBuffers, "proportional": _ProportionalBuffers, "rank": _RankBuffers}


class _Recorder:
    """The metrics of :class:`~replay_lab.recorder.Recorder`, for every seed at once."""

    def __init__(self, env, model, n_seeds, q_star, greedy_gamma, capacity):
        self.n_seeds = n_seeds
        self.q_star, self.greedy_gamma = q_star, greedy_gamma
        if q_star is not None:
            if np.shape(q_star) != (model.n_states, model.n_actions):
                raise ValueError(
                    f"q_star must have shape {(model.n_states, model.n_actions)}, "
                    f"got {np.shape(q_star)}"
                )
            states = np.arange(model.n_states)[reachable_states(model.tabular)]
            # the flat cells Q(s, .) of the reachable states in one table, and Q* there
            self.cells = (states[:, None] * model.n_actions + np.arange(model.n_actions)).ravel()
            self.target = np.asarray(q_star, dtype=float)[states].ravel()
            if not np.isfinite(self.target).all():
                raise ValueError("q and q_star must be finite where they are compared")
        if greedy_gamma is not None and not greedy_gamma < 1:
            raise ValueError(f"gamma must be < 1 for exact greedy values, got {greedy_gamma}")
        self.model = model.tabular
        self.updates = np.zeros(n_seeds, dtype=np.int64)
        self.episodes = np.zeros(n_seeds, dtype=np.int64)
        self.episode_return = np.zeros(n_seeds)
        self.ages = np.zeros((n_seeds, capacity), dtype=np.int64) if capacity else None
        self.log: list[tuple] = []  # per step with episode ends: who, which, the metrics
        self.missing = np.full(n_seeds, np.nan)  # a metric not measured (never written)
        self.greedy_values: dict[bytes, float] = {}  # start value of each policy met so far

    def stepped(self, seeds, rewards) -> None:
        self.episode_return[seeds] += rewards

    def replayed(self, seeds, slots, added) -> None:
        self.updates[seeds] += slots.shape[1]
        if self.ages is not None:
            ids = slots if added <= self.ages.shape[1] else None
            if ids is None:
                capacity = self.ages.shape[1]
                ids = (slots - added) % capacity + (added - capacity)
            np.add.at(self.ages, (seeds[:, None], added - 1 - ids), 1)

    def episodes_ended(self, seeds, lengths, q) -> None:
        errors = greedy = self.missing[: len(seeds)]
        if self.q_star is not None:
            differences = q.reshape(-1)[(seeds * q[0].size)[:, None] + self.cells] - self.target
            errors = np.sqrt(np.add.reduce(differences * differences, 1) / self.cells.size)
        if self.greedy_gamma is not None:
            greedy = np.full(len(seeds), np.nan)
            for i, k in enumerate(seeds.tolist()):
                policy = greedy_policy(q[k])
                key = policy.tobytes()  # a policy changes rarely: solve each one once
                if key not in self.greedy_values:
                    values = policy_evaluation(self.model, policy, self.greedy_gamma)
                    self.greedy_values[key] = start_value(self.model, values)
                greedy[i] = self.greedy_values[key]
        self.log.append(
            (seeds, self.episodes[seeds], self.episode_return[seeds], lengths,
             self.updates[seeds], errors, greedy)
        )  # fmt: skip
        self.episodes[seeds] += 1
        self.episode_return[seeds] = 0.0

    def result(self, q, settings) -> TrainResult:
        """Stacked like :func:`~replay_lab.agents.run_seeds`: a row per seed, NaN-padded."""
        columns = [np.concatenate(column) for column in zip(*self.log, strict=True)]
        seeds, number = columns[0], columns[1]
        names = ("returns", "lengths", "updates", "q_errors", "greedy_values")
        stacked = {}
        for name, values in zip(names, columns[2:], strict=True):
            padded = np.full((self.n_seeds, int(self.episodes.max())), np.nan)
            padded[seeds, number] = values
            stacked[name] = padded
        if self.greedy_gamma is None:
            del stacked["greedy_values"]
        if self.ages is not None:
            stacked["replay_ages"] = self.ages.astype(float)
        return TrainResult(q=q, settings=settings, **stacked)


def _checked_seeds(seeds) -> list[int]:
    if isinstance(seeds, Sequence | range | np.ndarray) and not isinstance(seeds, str):
        checked = []
        for seed in seeds:
            seed = check_int("seeds", seed)
            if seed < 0:
                raise ValueError(f"seeds must be >= 0, got {seed}")
            checked.append(seed)
        if not checked:
            raise ValueError("seeds must not be empty")
        return checked
    return list(range(check_positive_int("seeds", seeds)))


def _initial_tables(n_seeds: int, model: LockstepModel, q_init) -> np.ndarray:
    shape = (model.n_states, model.n_actions)
    if np.ndim(q_init) != 0 and np.shape(q_init) != shape:
        raise ValueError(f"q_init must be a number or of shape {shape}, got {np.shape(q_init)}")
    values = np.asarray(q_init)
    if values.dtype.kind not in "iuf" or not np.isfinite(values).all():
        raise ValueError("q_init must hold finite real numbers")
    return np.broadcast_to(values.astype(float), shape).copy()[None].repeat(n_seeds, axis=0)
