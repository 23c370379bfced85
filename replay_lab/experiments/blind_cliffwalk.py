r"""Reproduce the Blind Cliffwalk experiment of Schaul et al. (2016), Figures 1 and 2.

How many Q-learning updates does a tabular learner need before its Q-table is right,
when it learns from a fixed replay memory of the Blind Cliffwalk, depending on the order
in which it replays the transitions?

The setup, as in the paper (Section 3.1, Appendix B.1):

- the :class:`~replay_lab.envs.BlindCliffwalk` with ``n`` states, discount
  :math:`\gamma = 1 - 1/n`, Q-learning step size 1/4;
- Q initialised from :math:`\mathcal{N}(0, 0.1)` (we read 0.1 as the standard deviation);
- the replay memory holds every one of the :math:`2^n` action sequences run until the
  episode ends: :math:`2^{n+1} - 2` transitions, exactly one of them rewarded. A sequence
  whose first wrong action comes in state ``k`` contributes the right steps before it and
  that wrong step, so the transitions of state ``k`` (right and wrong) are stored
  :math:`2^{n-1-k}` times each;
- learning counts as done at the first update after which the mean squared error of Q
  against Q* (over all :math:`2n` state-action pairs) is below :math:`10^{-3}`.

The replay orders compared:

``uniform``
    each update replays a stored transition drawn uniformly at random;
``greedy``
    always the stored transition with the largest priority (ties at random);
``proportional``
    a transition with probability :math:`\propto p_i^\omega`, priority exponent
    :math:`\omega = 0.7`;
``rank``
    a transition with probability :math:`\propto 1/\text{rank}_i^{\omega}`,
    :math:`\omega = 0.7`, ranked by priority;
``oracle``
    the transition whose update, in hindsight, lowers the error of Q against Q* most.

For the three prioritized orders every stored transition has its own priority, as in the
paper's Algorithm 1: all start at the maximal priority 1 (the memory is full before
learning starts, so every transition is "new"), and a replayed transition's priority
becomes :math:`|\delta| + \epsilon` with the TD error :math:`\delta` of that update. Copies
of the same transition that have not been replayed keep their old priority: that is what
priorities per transition mean. No importance-sampling correction is used: the Blind
Cliffwalk is deterministic, so the order of replay cannot bias the fixed point.

Every order is a replay buffer of the lab (:data:`ORDERS`): uniform is
:class:`~replay_lab.buffers.ReplayBuffer`, proportional
:class:`~replay_lab.prioritized.PrioritizedReplayBuffer`, rank
:class:`~replay_lab.prioritized.RankBasedReplayBuffer`, greedy the rank-based buffer with
priority exponent infinity, and the oracle :class:`OracleReplay` below. Learning is
:func:`~replay_lab.agents.learn_from_batch`, the replay step of the training loop, which
applies :func:`~replay_lab.core.q_update`. The prioritized orders replay one transition
per update, as the paper does, so that each update sees the priorities the previous one
left; uniform replay does not depend on the priorities, so a batch of uniform draws
applied in order is the same as that many single updates, and it learns in batches.

Run the full experiment with ``python -m replay_lab.experiments.blind_cliffwalk``: it uses
the fast path of :mod:`replay_lab.experiments.blind_cliffwalk_fast`, which computes the same
numbers (tested) many times sooner.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import NamedTuple

import numpy as np

from replay_lab._checks import check_in_range, check_positive_int
from replay_lab.agents import learn_from_batch
from replay_lab.buffers import Batch, ReplayBuffer
from replay_lab.core import td_error
from replay_lab.envs import BlindCliffwalk, value_iteration
from replay_lab.prioritized import PrioritizedReplayBuffer, RankBasedReplayBuffer

__all__ = [
    "METHODS",
    "ErrorTracker",
    "Memory",
    "OracleReplay",
    "Start",
    "make_order",
    "progress_bar",
    "replay_memory",
    "run",
    "start",
    "table",
    "updates_to_learn",
]

METHODS = ("uniform", "greedy", "proportional", "rank", "oracle")
STEP_SIZE = 0.25
THRESHOLD = 1e-3
PRIORITY_EXPONENT = 0.7
PRIORITY_FLOOR = 1e-6
UNIFORM_BATCH = 1024  # uniform replay learns this many transitions per call (see above)


@dataclass(frozen=True)
class Memory:
    """The replay memory as its distinct transitions and how often each is stored.

    Transition ``j`` is (``states[j]``, ``actions[j]``, ``rewards[j]``,
    ``next_states[j]``, ``terminated[j]``), stored ``copies[j]`` times.
    """

    states: np.ndarray
    actions: np.ndarray
    rewards: np.ndarray
    next_states: np.ndarray
    terminated: np.ndarray
    copies: np.ndarray

    @property
    def size(self) -> int:
        """The number of stored transitions, copies included: 2**(n+1) - 2."""
        return int(self.copies.sum())

    def distinct(self) -> Memory:
        """The same transitions, each stored once."""
        return replace(self, copies=np.ones_like(self.copies))

    def fields(self, with_copies: bool = True) -> tuple[np.ndarray, ...]:
        """The five fields, each transition repeated ``copies`` times (or once)."""
        repeats = self.copies if with_copies else 1
        return tuple(
            np.repeat(field, repeats)
            for field in (
                self.states,
                self.actions,
                self.rewards,
                self.next_states,
                self.terminated,
            )
        )


def replay_memory(env: BlindCliffwalk) -> Memory:
    """The memory of all 2**n action sequences of ``env``, each run until it ends.

    Both transitions of state ``k`` are stored ``2**(n - 1 - k)`` times: of the 2**n
    sequences, 2**(n-k) reach state k (all right before it), half of them act right there
    and half wrong.
    """
    rows = [
        (s, a, *env.P[s][a][0][1:], 2 ** (env.n_states - 1 - s))
        for s in range(env.n_states)
        for a in (0, 1)
    ]
    s, a, s_next, r, done, copies = (np.array(column) for column in zip(*rows, strict=True))
    return Memory(s, a, r.astype(float), s_next, done.astype(bool), copies)


class OracleReplay(ReplayBuffer):
    """Replays the stored transition whose update, in hindsight, lowers the error of Q
    against Q* most: the paper's oracle, which knows Q* and sees the table ``q`` it is
    learning (the buffer holds a reference to it)."""

    def __init__(self, capacity: int, q: np.ndarray, q_star: np.ndarray, gamma: float):
        super().__init__(capacity)
        self.q, self.q_star, self.gamma = q, q_star, gamma

    def sample(self, batch_size: int = 1, beta: float | None = None) -> Batch:
        """The best transition (``batch_size`` times: the oracle is meant for one)."""
        n = len(self)
        s, a = self.states[:n], self.actions[:n]
        fields = (self.rewards[:n], self.next_states[:n], self.terminated[:n])
        new = self.q[s, a] + STEP_SIZE * td_error(self.q, s, a, *fields, self.gamma)
        target = self.q_star[s, a]
        change = (new - target) ** 2 - (self.q[s, a] - target) ** 2  # of the squared error
        best = np.full(check_positive_int("batch_size", batch_size), np.argmin(change))
        return self.batch(best, np.ones(batch_size))


def make_order(
    method: str, memory: Memory, q: np.ndarray, q_star: np.ndarray, gamma: float, seed
) -> ReplayBuffer:
    """The replay buffer of one replay order, filled with the whole memory."""
    if method == "oracle":
        # Copies of a transition are identical: the oracle chooses among distinct ones.
        fields = memory.fields(with_copies=False)
        buffer = OracleReplay(len(fields[0]), q, q_star, gamma)
    elif method == "uniform":
        buffer = ReplayBuffer(memory.size, seed=seed)
    elif method == "proportional":
        buffer = PrioritizedReplayBuffer(
            memory.size, PRIORITY_EXPONENT, priority_floor=PRIORITY_FLOOR, seed=seed
        )
    elif method in ("rank", "greedy"):
        exponent = PRIORITY_EXPONENT if method == "rank" else math.inf
        buffer = RankBasedReplayBuffer(
            memory.size, exponent, priority_floor=PRIORITY_FLOOR, seed=seed
        )
    else:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    buffer.extend(*(memory.fields() if method != "oracle" else fields))
    return buffer


class ErrorTracker:
    """The summed squared error of Q against Q*, kept up to date update by update.

    :func:`~replay_lab.core.q_update` applies a batch in order; the tracker replays the
    same changes on its own copy of the touched entries, so it knows the error after
    every single update of the batch, not only after the last.
    """

    def __init__(self, q: np.ndarray, q_star: np.ndarray):
        self.q, self.q_star = q.tolist(), q_star.tolist()
        self.error = float(((q - q_star) ** 2).sum())
        self.limit = THRESHOLD * q.size

    def first_learned(self, batch: Batch, td_errors: np.ndarray) -> int | None:
        """Follow a learned batch; return how many of its updates it took until the mean
        squared error fell below the threshold (None if it did not)."""
        steps = STEP_SIZE * batch.weights * td_errors
        for k, (s, a, step) in enumerate(
            zip(batch.states.tolist(), batch.actions.tolist(), steps.tolist(), strict=True)
        ):
            old, target = self.q[s][a], self.q_star[s][a]
            self.q[s][a] = old + step
            self.error += (old + step - target) ** 2 - (old - target) ** 2
            if self.error < self.limit:
                return k + 1
        return None


class Start(NamedTuple):
    """Everything a run starts from, fixed by ``n`` and the seed."""

    env: BlindCliffwalk
    gamma: float
    memory: Memory
    q_star: np.ndarray
    q: np.ndarray  # the initial Q, the same for every replay order
    method_seed: np.random.SeedSequence  # the replay order's own random choices


def start(n: int, seed: int) -> Start:
    """The chain, its memory, Q* and the initial Q of seed ``seed``: one stream each for
    the right actions, the initial Q and the replay order's random choices."""
    env_seed, q_seed, method_seed = np.random.SeedSequence(seed).spawn(3)
    env = BlindCliffwalk(n, seed=int(env_seed.generate_state(1)[0]))
    gamma = 1 - 1 / n
    q_star = value_iteration(env, gamma, tol=1e-14)
    q = np.random.default_rng(q_seed).normal(0.0, 0.1, size=(n, 2))
    return Start(env, gamma, replay_memory(env), q_star, q, method_seed)


def updates_to_learn(
    n: int, method: str, seed: int, max_updates: int | None = None, distinct: bool = False
) -> float:
    """Updates until the mean squared error of Q against Q* falls below 1e-3.

    Parameters
    ----------
    n : int
        Number of states of the Blind Cliffwalk.
    method : one of :data:`METHODS`
    seed : int
        Seeds the right actions, the initial Q (the same for every method) and the
        method's own random choices.
    max_updates : int, optional
        Give up (and return NaN) after this many updates; default 1000 times the memory
        size.
    distinct : bool
        Learn from a memory holding each distinct transition once (2n transitions)
        instead of the paper's memory of all action sequences.

    Returns
    -------
    float
        The number of updates (a whole number), or NaN if the cap was reached.
    """
    n = check_positive_int("n", n)
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    _, gamma, memory, q_star, q, method_seed = start(n, seed)
    memory = memory.distinct() if distinct else memory
    cap = (
        1000 * memory.size
        if max_updates is None
        else check_positive_int("max_updates", max_updates)
    )
    tracker = ErrorTracker(q, q_star)
    if tracker.error < tracker.limit:
        return 0.0
    buffer = make_order(method, memory, q, q_star, gamma, method_seed)
    batch_size = UNIFORM_BATCH if method == "uniform" else 1
    updates = 0
    while updates < cap:
        batch, td_errors = learn_from_batch(
            q, buffer, min(batch_size, cap - updates), STEP_SIZE, gamma
        )
        learned = tracker.first_learned(batch, td_errors)
        if learned is not None:
            return float(updates + learned)
        updates += len(td_errors)
    return np.nan


def run(
    n_values: Sequence[int],
    methods: Sequence[str] = METHODS,
    seeds: int = 10,
    progress: bool = False,
    distinct: bool = False,
    updates: Callable[..., float] | None = None,
) -> dict[str, np.ndarray]:
    """:func:`updates_to_learn` for every n, method and seed 0..seeds-1 (or ``updates``,
    a function of the same arguments, e.g. the fast path's).

    Returns a dict method -> array of shape (len(n_values), seeds).
    """
    updates = updates_to_learn if updates is None else updates
    seeds = check_positive_int("seeds", seeds)
    results = {method: np.full((len(n_values), seeds), np.nan) for method in methods}
    total, done, begin = len(n_values) * len(methods) * seeds, 0, time.perf_counter()
    for i, n in enumerate(n_values):
        for method in methods:
            for seed in range(seeds):
                results[method][i, seed] = updates(n, method, seed, distinct=distinct)
                done += 1
                if progress:
                    progress_bar(done, total, f"n={n} {method}", time.perf_counter() - begin)
    if progress:
        progress_bar(done, total, "", time.perf_counter() - begin, end=True)
    return results


def progress_bar(done: int, total: int, label: str, seconds: float, end: bool = False) -> None:
    """One line on stderr, redrawn in place: how many of ``total`` runs are done."""
    filled = int(30 * done / total)
    bar = "#" * filled + "-" * (30 - filled)
    print(
        f"\r[{bar}] {done}/{total} {label:<20} {seconds:6.1f} s",
        end="\n" if end else "",
        file=sys.stderr,
        flush=True,
    )


def table(n_values: Sequence[int], results: dict[str, np.ndarray], distinct: bool = False) -> str:
    """The median number of updates per n and method, as a text table (``distinct``: the
    results came from a memory of distinct transitions, 2n of them)."""
    header = f"{'n':>3} {'memory':>8}" + "".join(f"{m:>14}" for m in results)
    lines = [header]
    for i, n in enumerate(n_values):
        cells = "".join(f"{np.nanmedian(r[i]):>14,.0f}" for r in results.values())
        size = 2 * n if distinct else 2 ** (n + 1) - 2
        lines.append(f"{n:>3} {size:>8,}" + cells)
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> dict[str, np.ndarray]:
    parser = argparse.ArgumentParser(
        prog="python -m replay_lab.experiments.blind_cliffwalk",
        description="Updates needed to learn the Blind Cliffwalk, per replay order "
        "(Schaul et al. 2016).",
    )
    parser.add_argument(
        "--n-min", type=int, default=2, help="smallest number of states (default 2)"
    )
    parser.add_argument(
        "--n-max", type=int, default=14, help="largest number of states (default 14)"
    )
    parser.add_argument("--seeds", type=int, default=10, help="runs per setting (default 10)")
    parser.add_argument("--methods", nargs="+", choices=METHODS, default=list(METHODS))
    parser.add_argument("--save", metavar="FILE", help="also save the results (.npz)")
    parser.add_argument(
        "--jobs", type=int, default=1, help="worker processes (default 1; the same results)"
    )
    args = parser.parse_args(argv)
    check_in_range("--n-min", args.n_min, 1, args.n_max)
    n_values = list(range(args.n_min, args.n_max + 1))
    from replay_lab.experiments.blind_cliffwalk_fast import run_fast  # imports this module

    begin = time.perf_counter()
    results = run_fast(n_values, args.methods, args.seeds, progress=True, jobs=args.jobs)
    print(
        f"median updates until the MSE of Q is below {THRESHOLD:g} ({args.seeds} seeds, "
        f"{time.perf_counter() - begin:.0f} s)"
    )
    print(table(n_values, results))
    if args.save:
        np.savez(args.save, n=np.array(n_values), **results)
    return results


if __name__ == "__main__":
    main()
