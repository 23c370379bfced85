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
    a transition with probability :math:`\propto p_i^\alpha`, :math:`\alpha = 0.7`;
``rank``
    a transition with probability :math:`\propto 1/\text{rank}_i^{\alpha}`,
    :math:`\alpha = 0.7`, ranked by priority;
``oracle``
    the transition whose update, in hindsight, lowers the error of Q against Q* most.

For the three prioritized orders every stored transition has its own priority, as in the
paper's Algorithm 1: all start at the maximal priority 1 (the memory is full before
learning starts, so every transition is "new"), and a replayed transition's priority
becomes :math:`|\delta| + \epsilon` with the TD error :math:`\delta` of that update. Copies
of the same transition that have not been replayed keep their old priority: that is what
priorities per transition mean. No importance-sampling correction is used: the Blind
Cliffwalk is deterministic, so the order of replay cannot bias the fixed point.

Run the full experiment with ``python -m replay_lab.experiments.blind_cliffwalk``.
"""

from __future__ import annotations

import argparse
import bisect
import heapq
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from replay_lab._checks import check_in_range, check_positive_int
from replay_lab.core import td_error
from replay_lab.envs import BlindCliffwalk, value_iteration
from replay_lab.sumtree import SumTree

__all__ = ["METHODS", "Memory", "replay_memory", "run", "updates_to_learn"]

METHODS = ("uniform", "greedy", "proportional", "rank", "oracle")
STEP_SIZE = 0.25
THRESHOLD = 1e-3
PRIORITY_ALPHA = 0.7
PRIORITY_EPS = 1e-6


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


class _Learner:
    """Q-learning on the Blind Cliffwalk memory, one transition at a time, in plain Python
    floats (every method runs up to millions of tiny sequential updates)."""

    def __init__(self, n: int, memory: Memory, q0: np.ndarray, q_star: np.ndarray):
        self.gamma = 1 - 1 / n
        self.q = q0.tolist()
        self.q_star = q_star.tolist()
        self.transitions = list(
            zip(
                memory.states.tolist(),
                memory.actions.tolist(),
                memory.rewards.tolist(),
                memory.next_states.tolist(),
                memory.terminated.tolist(),
                strict=True,
            )
        )
        self.limit = THRESHOLD * q0.size  # squared error summed over all pairs
        self.resync()

    def resync(self) -> None:
        """Recompute the summed squared error exactly (the loops update it incrementally)."""
        self.error = sum(
            (q - t) ** 2
            for row, star in zip(self.q, self.q_star, strict=True)
            for q, t in zip(row, star, strict=True)
        )

    def update(self, j: int) -> float:
        """Apply the Q-learning update of transition ``j``; return its TD error."""
        s, a, r, s_next, done = self.transitions[j]
        row = self.q[s]
        old = row[a]
        delta = (r if done else r + self.gamma * max(self.q[s_next])) - old
        new = old + STEP_SIZE * delta
        row[a] = new
        target = self.q_star[s][a]
        self.error += (new - target) ** 2 - (old - target) ** 2
        return delta

    @property
    def learned(self) -> bool:
        return self.error < self.limit


def _uniform(
    learner: _Learner, memory: Memory, rng: np.random.Generator, max_updates: int
) -> float:
    cumulative = np.cumsum(memory.copies) / memory.size
    updates = 0
    while updates < max_updates:
        # Draw a chunk of choices with numpy, then apply them one by one.
        chunk = min(65_536, max_updates - updates)
        for j in np.searchsorted(cumulative, rng.random(chunk), side="right").tolist():
            learner.update(j)
            updates += 1
            if learner.learned:
                return updates
        learner.resync()
    return np.nan


def _greedy(learner: _Learner, memory: Memory, rng: np.random.Generator, max_updates: int) -> float:
    # A max-heap of (-priority, random tie-breaker, transition) over every stored copy.
    ties = rng.random(memory.size).tolist()
    heap = [
        (-1.0, tie, j)
        for tie, j in zip(
            ties, np.repeat(np.arange(len(memory.copies)), memory.copies).tolist(), strict=True
        )
    ]
    heapq.heapify(heap)
    for updates in range(1, max_updates + 1):
        _, _, j = heapq.heappop(heap)
        delta = learner.update(j)
        heapq.heappush(heap, (-(abs(delta) + PRIORITY_EPS), rng.random(), j))
        if learner.learned:
            return updates
    return np.nan


def _proportional(
    learner: _Learner, memory: Memory, rng: np.random.Generator, max_updates: int
) -> float:
    transition = np.repeat(np.arange(len(memory.copies)), memory.copies).tolist()
    tree = SumTree(memory.size)
    tree.update(np.arange(memory.size), np.ones(memory.size))
    for updates in range(1, max_updates + 1):
        copy = tree.find_one(rng.random() * tree.total)
        delta = learner.update(transition[copy])
        tree[copy] = (abs(delta) + PRIORITY_EPS) ** PRIORITY_ALPHA
        if learner.learned:
            return updates
    return np.nan


class _RankOrder:
    """The stored copies ranked by priority, largest first; draws rank ``r`` (from 1) with
    probability proportional to ``r ** -alpha``.

    Copies never replayed all share the initial priority 1 and sit together in the
    ranking, counted per transition; replayed copies are kept in a list sorted by priority.
    """

    def __init__(self, copies: np.ndarray, rng: np.random.Generator):
        self.rng = rng
        self.rank_weights = np.cumsum(
            np.arange(1, copies.sum() + 1, dtype=float) ** -PRIORITY_ALPHA
        )
        self.fresh = copies.astype(float)  # copies not yet replayed, per transition
        self.replayed: list[tuple[float, float, int]] = []  # (-priority, tie-breaker, transition)

    def draw(self) -> tuple[int, float]:
        """Take a copy out of the ranking; return its transition and priority."""
        u = self.rng.random() * self.rank_weights[-1]
        rank = int(np.searchsorted(self.rank_weights, u, side="right"))
        above = bisect.bisect_left(self.replayed, (-1.0,))  # replayed copies with priority > 1
        fresh = int(self.fresh.sum())
        if above <= rank < above + fresh:
            j = int(np.searchsorted(np.cumsum(self.fresh), rank - above, side="right"))
            self.fresh[j] -= 1
            return j, 1.0
        priority, _, j = self.replayed.pop(rank if rank < above else rank - fresh)
        return j, -priority

    def put(self, j: int, priority: float) -> None:
        """Put a copy of transition ``j`` back into the ranking with a new priority."""
        bisect.insort(self.replayed, (-priority, self.rng.random(), j))


def _rank(learner: _Learner, memory: Memory, rng: np.random.Generator, max_updates: int) -> float:
    order = _RankOrder(memory.copies, rng)
    for updates in range(1, max_updates + 1):
        j, _ = order.draw()
        delta = learner.update(j)
        order.put(j, abs(delta) + PRIORITY_EPS)
        if learner.learned:
            return updates
    return np.nan


def _oracle(learner: _Learner, memory: Memory, rng: np.random.Generator, max_updates: int) -> float:
    # Copies of a transition are identical, so the oracle chooses among distinct ones.
    s, a = memory.states, memory.actions
    fields = (s, a, memory.rewards, memory.next_states, memory.terminated)
    q_star = np.array(learner.q_star)[s, a]
    for updates in range(1, max_updates + 1):
        q = np.array(learner.q)
        new = q[s, a] + STEP_SIZE * td_error(q, *fields, learner.gamma)  # every candidate update
        gain = (new - q_star) ** 2 - (q[s, a] - q_star) ** 2
        learner.update(int(np.argmin(gain)))
        if learner.learned:
            return updates
    return np.nan


_ORDERS: dict[str, Callable] = {
    "uniform": _uniform,
    "greedy": _greedy,
    "proportional": _proportional,
    "rank": _rank,
    "oracle": _oracle,
}


def updates_to_learn(n: int, method: str, seed: int, max_updates: int | None = None) -> float:
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

    Returns
    -------
    float
        The number of updates (a whole number), or NaN if the cap was reached.
    """
    n = check_positive_int("n", n)
    if method not in _ORDERS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    env_seed, q_seed, method_seed = np.random.SeedSequence(seed).spawn(3)
    env = BlindCliffwalk(n, seed=int(env_seed.generate_state(1)[0]))
    memory = replay_memory(env)
    q0 = np.random.default_rng(q_seed).normal(0.0, 0.1, size=(n, 2))
    learner = _Learner(n, memory, q0, value_iteration(env, 1 - 1 / n, tol=1e-14))
    if learner.learned:
        return 0.0
    cap = (
        1000 * memory.size
        if max_updates is None
        else check_positive_int("max_updates", max_updates)
    )
    return float(_ORDERS[method](learner, memory, np.random.default_rng(method_seed), cap))


def run(
    n_values: Sequence[int],
    methods: Sequence[str] = METHODS,
    seeds: int = 10,
    progress: bool = False,
) -> dict[str, np.ndarray]:
    """:func:`updates_to_learn` for every n, method and seed 0..seeds-1.

    Returns a dict method -> array of shape (len(n_values), seeds).
    """
    seeds = check_positive_int("seeds", seeds)
    results = {method: np.full((len(n_values), seeds), np.nan) for method in methods}
    total, done, start = len(n_values) * len(methods) * seeds, 0, time.perf_counter()
    for i, n in enumerate(n_values):
        for method in methods:
            for seed in range(seeds):
                results[method][i, seed] = updates_to_learn(n, method, seed)
                done += 1
                if progress:
                    _progress(done, total, f"n={n} {method}", time.perf_counter() - start)
    if progress:
        print(file=sys.stderr)
    return results


def _progress(done: int, total: int, label: str, seconds: float) -> None:
    filled = int(30 * done / total)
    bar = "#" * filled + "-" * (30 - filled)
    print(
        f"\r[{bar}] {done}/{total} {label:<20} {seconds:6.1f} s",
        end="",
        file=sys.stderr,
        flush=True,
    )


def table(n_values: Sequence[int], results: dict[str, np.ndarray]) -> str:
    """The median number of updates per n and method, as a text table."""
    header = f"{'n':>3} {'memory':>8}" + "".join(f"{m:>14}" for m in results)
    lines = [header]
    for i, n in enumerate(n_values):
        cells = "".join(f"{np.nanmedian(r[i]):>14,.0f}" for r in results.values())
        lines.append(f"{n:>3} {2 ** (n + 1) - 2:>8,}" + cells)
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
    args = parser.parse_args(argv)
    check_in_range("--n-min", args.n_min, 1, args.n_max)
    n_values = list(range(args.n_min, args.n_max + 1))
    start = time.perf_counter()
    results = run(n_values, args.methods, args.seeds, progress=True)
    print(
        f"median updates until the MSE of Q is below {THRESHOLD:g} ({args.seeds} seeds, "
        f"{time.perf_counter() - start:.0f} s)"
    )
    print(table(n_values, results))
    if args.save:
        np.savez(args.save, n=np.array(n_values), **results)
    return results


if __name__ == "__main__":
    main()
