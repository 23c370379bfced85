r"""The fast path of the Blind Cliffwalk experiment: the same numbers as
:mod:`replay_lab.experiments.blind_cliffwalk`, many times sooner.

The readable experiment is the reference; this module computes exactly what it computes
(``tests/test_blind_cliffwalk_fast.py`` checks it update count by update count, seed by
seed), and is only about speed. It draws the same random numbers from the same streams
in the same order, applies the same floating-point operations in the same order, and
keeps the error against Q* the way :class:`~replay_lab.experiments.blind_cliffwalk.ErrorTracker`
does. What it changes is the bookkeeping around them, in plain Python on the ``2n``
distinct transitions instead of numpy calls on the ``2**(n+1) - 2`` stored copies:

``uniform``
    The draws do not depend on Q, so they are made in blocks and grouped by transition.
    A transition reads only the entries of its next state, further along the chain, so
    from the last state back to the first each entry's values follow from its own draws
    and the known values of the state it reads; the error's changes are then summed in
    time order, as the tracker sums them (see :func:`_uniform`). The one sequential part,
    an entry's value update after update, is a generator fed to ``np.fromiter`` (the
    cheapest Python loop measured); a slot's transition is a table look-up; blocks are
    about the memory's size, so little is computed past the update that learns.
``greedy``
    The same keys (priority, tie-breaker, slot) the rank-based buffer keeps sorted: the
    copies not yet replayed in their first order, the replayed ones in a heap; the
    smaller of the two fronts is the buffer's rank 1. The first order is a stable argsort
    of the tie-breakers (all first keys share the priority 1), not a sort of tuples.
    Almost every update replays a fresh key and leaves a priority below 1, which sorts
    after every fresh key: so runs of fresh keys are replayed in blocks as uniform's
    draws are, and the keys they leave are set aside and sorted, the smallest first, only
    once the fresh keys are used up (see :func:`_greedy`).
``rank``
    The ranking is a list of sorted blocks (one to two thousand keys each), so that taking
    the key at a rank and inserting the new one moves a block, not the whole list; a
    Fenwick tree of the blocks' lengths finds a rank's block, and each block keeps its
    keys as three arrays (priorities, ties, slots), searched without cache misses (see
    :class:`_BlockOrder`). Taking and putting a key are written out in the update loop;
    only splitting or emptying a block calls a method.
``proportional``
    A sum tree in a Python list, with the same node sums and the same search as
    :class:`~replay_lab.sumtree.SumTree` (including its binary search at level 8), all
    inlined in the update loop (see :func:`_proportional`).

For the three prioritized orders the learner's update is written out in each loop rather
than called: at up to 200,000 updates per run, a call per update is measurable.
``oracle``
    The hindsight choice over the distinct transitions, in plain Python, working out
    again after each update only the changes that update can have altered.

The settings of a sweep (n, order, seed) are independent: ``run_fast(..., jobs=2)`` (and
``python -m replay_lab.experiments.blind_cliffwalk --jobs 2``) runs them in two worker
processes, with the same results; the default is one job and no processes.
"""

from __future__ import annotations

import bisect
import heapq
import math
import time
from array import array
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from replay_lab._checks import check_positive_int
from replay_lab.experiments import blind_cliffwalk as bc

__all__ = ["run_fast", "updates_to_learn_fast"]

BLOCK = 1024  # keys per block of the rank order (split at twice that)
# at most this many random draws at once (memory), per block of uniform updates and of
# prioritized ones; the results do not depend on them
UNIFORM_MAX_DRAWS = 1 << 21
PRIORITIZED_MAX_DRAWS = 1 << 16
UNIFORM_BLOCK_PER_SLOT = 1  # uniform draws per block, per stored transition (see _uniform)
GREEDY_MIN_RUN = 256  # shorter runs of fresh keys are replayed one update at a time
GREEDY_SORTED = 4096  # about this many keys set aside are sorted at a time (see _greedy)


def updates_to_learn_fast(
    n: int, method: str, seed: int, max_updates: int | None = None, distinct: bool = False
) -> float:
    """:func:`~replay_lab.experiments.blind_cliffwalk.updates_to_learn`, the same number,
    computed fast (see the module's docstring)."""
    n = check_positive_int("n", n)
    if method not in bc.METHODS:
        raise ValueError(f"method must be one of {bc.METHODS}, got {method!r}")
    setup = bc.start(n, seed)
    memory = setup.memory.distinct() if distinct else setup.memory
    cap = (
        1000 * memory.size
        if max_updates is None
        else check_positive_int("max_updates", max_updates)
    )
    error = float(((setup.q - setup.q_star) ** 2).sum())  # as the ErrorTracker starts
    limit = bc.THRESHOLD * setup.q.size
    if error < limit:
        return 0.0
    learner = _Learner(setup, memory, error, limit)
    rng = np.random.default_rng(setup.method_seed)
    if method == "uniform":
        found = _uniform(learner, rng, cap)
    elif method == "oracle":
        found = _oracle(learner, cap)
    else:
        found = _prioritized(learner, method, rng, cap)
    return np.nan if found is None else float(found)


def run_fast(
    n_values: Sequence[int],
    methods: Sequence[str] = bc.METHODS,
    seeds: int = 10,
    progress: bool = False,
    distinct: bool = False,
    jobs: int = 1,
) -> dict[str, np.ndarray]:
    """:func:`~replay_lab.experiments.blind_cliffwalk.run`, the same results, fast.

    ``jobs`` > 1 runs the settings (n, method, seed), which are independent, in that many
    worker processes; each setting's number is computed exactly as with one job. The
    default 1 starts no process (notebooks, and the browser, which has none).
    """
    jobs = check_positive_int("jobs", jobs)
    if jobs == 1:
        return bc.run(n_values, methods, seeds, progress, distinct, updates=updates_to_learn_fast)
    seeds = check_positive_int("seeds", seeds)
    for method in methods:
        if method not in bc.METHODS:
            raise ValueError(f"method must be one of {bc.METHODS}, got {method!r}")
    from concurrent.futures import ProcessPoolExecutor, as_completed  # no processes in Pyodide

    results = {method: np.full((len(n_values), seeds), np.nan) for method in methods}
    settings = [
        (i, n, method, seed)
        for i, n in enumerate(n_values)
        for method in methods
        for seed in range(seeds)
    ]
    # the largest n first: the longest runs start early, the short ones fill the gaps
    settings.sort(key=lambda setting: -setting[1])
    begin = time.perf_counter()
    with ProcessPoolExecutor(jobs) as pool:
        futures = {}  # -> where its result goes
        for i, n, method, seed in settings:
            future = pool.submit(updates_to_learn_fast, n, method, seed, distinct=distinct)
            futures[future] = (i, method, seed)
        for done, future in enumerate(as_completed(futures), 1):
            i, method, seed = futures[future]
            results[method][i, seed] = future.result()
            if progress:
                label = f"n={n_values[i]} {method}"
                bc.progress_bar(done, len(settings), label, time.perf_counter() - begin)
    if progress:
        bc.progress_bar(len(settings), len(settings), "", time.perf_counter() - begin, end=True)
    return results


class _Learner:
    """Q and its error against Q* as Python floats, on entry ``e = 2 * s + a``, which is
    also the row of that transition in the memory."""

    def __init__(self, setup: bc.Start, memory: bc.Memory, error: float, limit: float):
        self.gamma = setup.gamma
        self.q = setup.q.ravel().tolist()
        self.q_star = setup.q_star.ravel().tolist()
        self.rewards = memory.rewards.tolist()
        self.next_states = memory.next_states.tolist()
        self.terminated = memory.terminated.tolist()
        self.copies = memory.copies.tolist()
        self.error, self.limit = error, limit

    def target(self, e: int) -> float:
        """The TD target of transition ``e``, as :func:`~replay_lab.core.q_update` forms it."""
        s_next = 2 * self.next_states[e]
        return self.rewards[e] + self.gamma * (1 - self.terminated[e]) * max(
            self.q[s_next], self.q[s_next + 1]
        )

    def update(self, e: int) -> float:
        """Apply the update of transition ``e``; return its TD error.

        The loops of :func:`_rank` and :func:`_proportional` write these lines out (with
        ``gamma * (1 - terminated)`` looked up): a call per update costs them 6 to 8%."""
        old = self.q[e]
        delta = self.target(e) - old
        new = old + bc.STEP_SIZE * 1.0 * delta  # the weight 1 of these samples
        goal = self.q_star[e]
        self.error += (new - goal) ** 2 - (old - goal) ** 2
        self.q[e] = new
        return delta

    @property
    def learned(self) -> bool:
        return self.error < self.limit


def _uniform(learner: _Learner, rng: np.random.Generator, cap: int) -> int | None:
    """Uniform replay, a block of draws at a time, one entry of Q at a time.

    The draws do not depend on Q, so a block of them is made at once (as
    ReplayBuffer.sample makes them) and replayed one entry at a time (see
    :func:`_replay_in_order`). The squared errors then change by known amounts at known
    times, and their running sum, added in time order as the ErrorTracker adds them, tells
    when the threshold is crossed.
    """
    m, size = len(learner.q), sum(learner.copies)
    # the transition in each slot, looked up (one gather) rather than searched
    transition_of = np.repeat(np.arange(m, dtype=np.int16), learner.copies)
    done = 0
    while done < cap:
        # blocks of about the memory's size: the work past the crossing, in the block that
        # finds it, is thrown away, so smaller blocks waste less; far smaller ones would
        # repeat the per-entry numpy calls below too often
        block = min(cap - done, max(4096, UNIFORM_BLOCK_PER_SLOT * size), UNIFORM_MAX_DRAWS)
        slots = np.minimum((rng.random(block) * size).astype(np.int64), size - 1)
        times, values, _ = _replay_in_order(learner, transition_of[slots])
        running = _running_error(learner, times, values, block)
        below = np.flatnonzero(running < learner.limit)
        if len(below):
            return done + int(below[0]) + 1
        learner.q = [float(v[-1]) for v in values]
        learner.error = float(running[-1])
        done += block
    return None


def _replay_in_order(
    learner: _Learner, drawn: np.ndarray
) -> tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray | float]]:
    """Replay the transitions ``drawn`` (entries, in time order) one entry at a time.

    The transition of entry ``e`` reads only the entries of its next state, which is
    further along the chain; so, from the last state back to the first, each entry's
    values after each of its updates follow from its own update times and the already
    known values of the state it reads. Returns, by entry, the times of its updates, its
    values (before the first of them, then after each) and the TD targets of its updates
    (one number for a terminal transition).
    """
    m, gamma = len(learner.q), learner.gamma
    order = np.argsort(drawn, kind="stable")  # times, grouped by transition (radix sort)
    bounds = np.concatenate([[0], np.cumsum(np.bincount(drawn, minlength=m))])
    times = [order[bounds[e] : bounds[e + 1]] for e in range(m)]
    values: list = [None] * m
    targets: list = [None] * m
    for e in range(m - 1, -1, -1):  # the last state first (both its actions end)
        if learner.terminated[e]:
            targets[e] = learner.rewards[e] + gamma * 0 * 0.0
            values[e] = _follow_constant(learner.q[e], targets[e], len(times[e]))
        else:
            s_next = 2 * learner.next_states[e]
            read = [values[k][np.searchsorted(times[k], times[e])] for k in (s_next, s_next + 1)]
            targets[e] = learner.rewards[e] + gamma * 1 * np.maximum(*read)
            values[e] = _follow(learner.q[e], targets[e])
    return times, values, targets


def _running_error(
    learner: _Learner, times: list[np.ndarray], values: list[np.ndarray], block: int
) -> np.ndarray:
    """The summed squared error after each of the ``block`` updates: its changes, by time,
    added in time order from the error so far, as the ErrorTracker adds them."""
    change = np.zeros(block)
    for e, goal in enumerate(learner.q_star):
        change[times[e]] = (values[e][1:] - goal) ** 2 - (values[e][:-1] - goal) ** 2
    # folding the error so far into the first change is the same addition cumsum would
    # make next, and saves a copy of the block
    change[0] = learner.error + change[0]
    return np.cumsum(change, out=change)


def _follow(q: float, targets: np.ndarray) -> np.ndarray:
    """Q of one entry before and after each of its updates towards these targets.

    The recurrence is sequential and rounds at every step, so it runs in Python; a
    generator fed to ``np.fromiter`` is the cheapest loop measured (no list, no appends).
    """
    trajectory = np.empty(len(targets) + 1)
    trajectory[0] = q
    step = bc.STEP_SIZE * 1.0
    trajectory[1:] = np.fromiter(
        (q := q + step * (target - q) for target in targets.tolist()), float, len(targets)
    )
    return trajectory


def _follow_constant(q: float, target: float, updates: int) -> np.ndarray:
    """:func:`_follow` for a constant target (a terminal transition): once an update leaves
    Q unchanged so do all the later ones (the same numbers in, the same number out), so
    they are filled in at once."""
    trajectory = [q]
    step = bc.STEP_SIZE * 1.0
    for _ in range(updates):
        new = q + step * (target - q)
        if new == q:
            break
        q = new
        trajectory.append(q)
    values = np.full(updates + 1, q)
    values[: len(trajectory)] = trajectory
    return values


def _oracle(learner: _Learner, cap: int) -> int | None:
    """The update that lowers the error most, as OracleReplay.sample chooses it.

    The change an update of entry ``e`` would make depends on ``e`` and the entries of
    its next state only, so after an update just those that read the updated entry (and
    the entry itself) are worked out again.
    """
    m = len(learner.q)
    readers = [[e] for e in range(m)]
    for e in range(m):
        for read in (2 * learner.next_states[e], 2 * learner.next_states[e] + 1):
            if read != e:
                readers[read].append(e)

    def change(e: int) -> float:
        old = learner.q[e]
        new = old + bc.STEP_SIZE * (learner.target(e) - old)
        goal = learner.q_star[e]
        return (new - goal) ** 2 - (old - goal) ** 2

    changes = [change(e) for e in range(m)]
    for updates in range(cap):
        best = min(range(m), key=changes.__getitem__)  # the first of equal ones, as argmin
        learner.update(best)
        if learner.learned:
            return updates + 1
        for e in readers[best]:
            changes[e] = change(e)
    return None


def _prioritized(learner: _Learner, method: str, rng: np.random.Generator, cap: int) -> int | None:
    """Greedy, rank or proportional: one transition per update, its priority fed back."""
    if method == "proportional":
        return _proportional(learner, rng, cap)
    # As RankBasedReplayBuffer.extend: one tie-breaker per slot, all at priority 1, the
    # keys (-1.0, tie, slot) sorted. They share -1.0, so their order is the ties', equal
    # ties in slot order: a stable argsort, far cheaper than sorting the tuples.
    ties = rng.random(sum(learner.copies))
    ranking = np.argsort(ties, kind="stable")
    if method == "greedy":
        return _greedy(learner, ties[ranking], ranking, rng, cap)
    return _rank(learner, _BlockOrder(ties[ranking], ranking), rng, cap)


class _Chain(NamedTuple):
    """What the update of the stored transition in a slot reads, by slot or by entry."""

    transition_of: list[int]  # by slot: the entry e = 2 * s + a of its transition
    reads: list[int]  # by entry: the first entry of the next state (2 * s_next)
    discounts: list[float]  # by entry: gamma, or 0 for a terminal transition


def _chain(learner: _Learner) -> _Chain:
    transition_of = np.repeat(np.arange(len(learner.q)), learner.copies).tolist()
    reads = [2 * s for s in learner.next_states]
    discounts = [learner.gamma * (1 - done) for done in learner.terminated]
    return _Chain(transition_of, reads, discounts)


def _greedy(
    learner: _Learner,
    fresh_ties: np.ndarray,
    fresh_slots: np.ndarray,
    rng: np.random.Generator,
    cap: int,
) -> int | None:
    """Greedy: the largest priority (the smallest key) is always the one replayed.

    The keys sit in two places: a sorted list (three lists, one per field), walked by a
    pointer, and a heap; the top is the smaller of the two fronts. The sorted list holds
    at first the copies not yet replayed, with their first keys (-1.0, tie, slot).

    Nearly every update replays a fresh key, and its new priority ``|delta| + floor`` is
    below 1, so its key sorts after every fresh one. A run of fresh keys (those before the
    heap's top) is therefore replayed in a known order, as uniform replay's draws are,
    until an update's new priority reaches 1 and its key may come next (see
    :func:`_fresh_run`). Those keys below 1 cannot be the top while a fresh key is left:
    they are kept aside as arrays, and once the fresh keys are all replayed, the smallest
    of them are sorted at once (``np.lexsort``) into the next sorted list (see
    :func:`_smallest_sorted`), instead of pushed one by one. The few other updates
    (their keys taken from the heap, or runs too short to be worth a block) go one at a time
    through the learner's :meth:`~_Learner.update`.
    """
    size = len(fresh_slots)
    priorities, ties_sorted, slots_sorted = [-1.0] * size, fresh_ties.tolist(), fresh_slots.tolist()
    fresh = True  # the sorted list holds the fresh keys
    aside: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []  # keys below 1, from runs
    replayed: list[tuple[float, float, int]] = []
    transition_of = _chain(learner).transition_of
    entries_in_order = np.array(transition_of, dtype=np.int16)[fresh_slots]
    heappush, heappop = heapq.heappush, heapq.heappop
    done = nxt = 0
    end = size  # of the sorted list
    while done < cap:
        block = min(cap - done, max(256, 2 * size), PRIORITIZED_MAX_DRAWS)
        # two draws per update, in this order: the sample's (unused: greedy takes rank 1
        # whatever it is), then the new tie-breaker
        draws = rng.random(2 * block)[1::2]
        ties = draws.tolist()
        k = 0
        while k < block:
            if nxt == end and aside:  # the sorted list is used up: the next keys set aside
                priorities, ties_sorted, slots_sorted, aside = _smallest_sorted(aside)
                fresh, nxt, end = False, 0, len(slots_sorted)
            if nxt < end and not (
                replayed and replayed[0] < (priorities[nxt], ties_sorted[nxt], slots_sorted[nxt])
            ):
                if fresh:
                    # the fresh keys before the heap's top, at most this block's: all of
                    # them if the top's priority is below 1, those with smaller ties if 1
                    top = replayed[0] if replayed else (0.0,)
                    if top[0] > -1.0:
                        run = end - nxt
                    elif top[0] == -1.0:
                        run = bisect.bisect_left(ties_sorted, top[1], nxt) - nxt
                    else:
                        run = 0
                    run = min(run, block - k)
                    if run >= GREEDY_MIN_RUN:
                        found, used = _fresh_run(
                            learner,
                            entries_in_order[nxt : nxt + run],
                            draws[k : k + run],
                            fresh_slots[nxt : nxt + run],
                            aside,
                        )
                        if found is not None:
                            return done + k + found
                        if len(aside[-1][0]) == used:  # the run ended with a priority >= 1
                            negative, tie, slot = (field[-1] for field in aside[-1])
                            aside[-1] = tuple(field[:-1] for field in aside[-1])
                            heappush(replayed, (float(negative), float(tie), int(slot)))
                        k, nxt = k + used, nxt + used
                        continue
                slot = slots_sorted[nxt]
                nxt += 1
            else:
                slot = heappop(replayed)[2]
            delta = learner.update(transition_of[slot])
            if learner.learned:
                return done + k + 1
            heappush(replayed, (-(abs(delta) + bc.PRIORITY_FLOOR), ties[k], slot))
            k += 1
        done += block
    return None


def _smallest_sorted(
    aside: list[tuple[np.ndarray, np.ndarray, np.ndarray]],
) -> tuple[list[float], list[float], list[int], list[tuple[np.ndarray, np.ndarray, np.ndarray]]]:
    """The smallest keys set aside, sorted (three lists), and the others, still aside.

    Only the first few hundred are usually replayed before learning ends, so the keys are
    not all sorted: those whose first field (-priority) is at most the ``GREEDY_SORTED``-th
    smallest are, and they are smaller than every other (a larger first field).
    """
    keys = [np.concatenate(field) for field in zip(*aside, strict=True)]
    negatives = keys[0]
    if len(negatives) > GREEDY_SORTED:
        first = negatives <= np.partition(negatives, GREEDY_SORTED - 1)[GREEDY_SORTED - 1]
    else:
        first = np.ones(len(negatives), dtype=bool)
    rest = [field[~first] for field in keys]
    negatives, ties, slots = (field[first] for field in keys)
    order = np.lexsort((slots, ties, negatives))
    left = [tuple(rest)] if len(rest[0]) else []
    return negatives[order].tolist(), ties[order].tolist(), slots[order].tolist(), left


def _fresh_run(
    learner: _Learner,
    entries: np.ndarray,
    ties: np.ndarray,
    slots: np.ndarray,
    aside: list[tuple[np.ndarray, np.ndarray, np.ndarray]],
) -> tuple[int | None, int]:
    """Replay fresh keys in their order (``entries``, ``ties`` and ``slots`` by update)
    until an update learns (return its number from 1) or leaves a priority of at least 1
    (its key may sort before the next fresh one), or the run ends.

    Otherwise return None and how many updates were made: the learner now stands after
    them, and their keys (-priority, tie, slot) are appended to ``aside``, as three arrays.
    """
    run = len(entries)
    times, values, targets = _replay_in_order(learner, entries)
    running = _running_error(learner, times, values, run)
    priorities = np.empty(run)  # |delta| + floor, by time
    for e in range(len(values)):
        priorities[times[e]] = np.abs(targets[e] - values[e][:-1])
    priorities += bc.PRIORITY_FLOOR
    crossed = np.flatnonzero(running < learner.limit)
    high = np.flatnonzero(priorities >= 1.0)
    used = int(high[0]) + 1 if len(high) else run
    if len(crossed) and crossed[0] < used:
        return int(crossed[0]) + 1, 0
    learner.q = [float(v[np.searchsorted(t, used)]) for t, v in zip(times, values, strict=True)]
    learner.error = float(running[used - 1])
    aside.append((-priorities[:used], ties[:used], slots[:used]))
    return None, used


def _rank(learner: _Learner, order: _BlockOrder, rng: np.random.Generator, cap: int) -> int | None:
    """Rank-based: the order's take and put (see :class:`_BlockOrder`) written out around
    the inlined update, with their common case in the loop: only splitting or emptying
    a block, which rebuilds the index, calls the order."""
    size = order.size
    transition_of, reads, discounts = _chain(learner)
    q, q_star, rewards = learner.q, learner.q_star, learner.rewards
    step, floor = bc.STEP_SIZE * 1.0, bc.PRIORITY_FLOOR
    error, limit = learner.error, learner.limit
    blocks, firsts = order.blocks, order.firsts
    bisect_left, bisect_right = bisect.bisect_left, bisect.bisect_right
    tree, span = order.tree, order.span  # the Fenwick tree, fetched again when rebuilt
    done = 0
    while done < cap:
        block = min(cap - done, max(256, 2 * size), PRIORITIZED_MAX_DRAWS)
        # two draws per update, in this order: the sample's, then the new tie-breaker
        draws = rng.random(2 * block)
        picks, ties = order.picks(draws[0::2]), draws[1::2].tolist()
        for k in range(block):
            # take the key at the drawn rank: its block, found in the Fenwick tree
            rank, i, bit = picks[k], 0, span
            while bit:
                if tree[i + bit] <= rank:
                    i += bit
                    rank -= tree[i]
                bit >>= 1
            priorities, block_ties, slots = blocks[i]
            priorities.pop(rank)
            block_ties.pop(rank)
            slot = slots.pop(rank)
            if not slots:
                order.drop(i)
                tree, span = order.tree, order.span
            else:
                if rank == 0:
                    firsts[i] = (priorities[0], block_ties[0], slots[0])
                i += 1
                while i <= span:
                    tree[i] -= 1
                    i += i & -i

            e = transition_of[slot]
            old, a, b = q[e], q[reads[e]], q[reads[e] + 1]
            delta = rewards[e] + discounts[e] * (b if b > a else a) - old  # max(a, b)
            new = old + step * delta
            goal = q_star[e]
            error += (new - goal) ** 2 - (old - goal) ** 2
            q[e] = new
            if error < limit:
                return done + k + 1

            # put the new key (-p, tie, slot) in its block
            p, tie = -(abs(delta) + floor), ties[k]
            key = (p, tie, slot)
            i = max(bisect_right(firsts, key) - 1, 0)
            priorities, block_ties, slots = blocks[i]
            at = bisect_left(priorities, p)
            if at < len(slots) and priorities[at] == p:  # equal priorities: by tie
                end = bisect_right(priorities, p, at)
                at = bisect_left(block_ties, tie, at, end)
                if at < end and block_ties[at] == tie:  # equal ties too: by slot
                    at = bisect_left(slots, slot, at, bisect_right(block_ties, tie, at, end))
            priorities.insert(at, p)
            block_ties.insert(at, tie)
            slots.insert(at, slot)
            if at == 0:
                firsts[i] = key
            if len(slots) > 2 * BLOCK:
                order.split(i)
                tree, span = order.tree, order.span
            else:
                i += 1
                while i <= span:
                    tree[i] += 1
                    i += i & -i
        done += block
    return None


class _BlockOrder:
    """Rank-based: the keys in sorted blocks; ranks drawn as RankBasedReplayBuffer.sample.

    Taking the key at a rank must find its block: a Fenwick tree of the blocks' lengths
    finds it in log2(blocks) steps (walking the blocks took dozens of steps, as taking
    empties the blocks at the front and inserting splits those behind). The tree is
    padded to a power of two with empty blocks past the end, so the search needs no
    bounds check; it is rebuilt only when a block is split or emptied.

    A block holds its keys (-priority, tie, slot) as three arrays, one per field, not as
    tuples: searching contiguous numbers does not read tuples scattered over memory (those
    cache misses were most of the time). Many priorities are equal (a TD error below 1e-22
    leaves exactly the floor), so an insertion usually searches the ties of its equal
    priorities too, and the slots only where the ties are equal as well.
    """

    def __init__(self, ties: np.ndarray, slots: np.ndarray):
        size = len(slots)
        self.blocks = [
            (
                array("d", [-1.0] * len(ties[i : i + BLOCK])),  # all at priority 1
                array("d", ties[i : i + BLOCK].tobytes()),
                array("q", slots[i : i + BLOCK].astype(np.int64).tobytes()),
            )
            for i in range(0, size, BLOCK)
        ]
        self.firsts = [self.first(i) for i in range(len(self.blocks))]
        self._index()
        ranks = np.arange(1, size + 1, dtype=float)
        self.mass = np.cumsum(ranks**-bc.PRIORITY_EXPONENT)
        self.size = size

    def first(self, i: int) -> tuple[float, float, int]:
        """The smallest key of block ``i``."""
        priorities, ties, slots = self.blocks[i]
        return priorities[0], ties[0], slots[0]

    def _index(self) -> None:
        """Build the Fenwick tree: node j (from 1) sums the lengths of the j & -j blocks
        that end with block j - 1."""
        self.span = 1 << (len(self.blocks) - 1).bit_length()  # blocks, padded
        tree = [0] * (self.span + 1)
        tree[1 : len(self.blocks) + 1] = (len(block[2]) for block in self.blocks)
        for j in range(1, self.span):
            tree[j + (j & -j)] += tree[j]
        self.tree = tree

    def picks(self, uniforms: np.ndarray) -> list:
        total = self.mass[-1]
        prefix = np.minimum(uniforms * (total / 1), np.nextafter(total, 0))
        ranks = np.searchsorted(self.mass, prefix, side="right")
        return np.minimum(ranks, self.size - 1).tolist()

    def drop(self, i: int) -> None:
        """Remove block ``i``, emptied by a take."""
        del self.blocks[i], self.firsts[i]
        self._index()

    def split(self, i: int) -> None:
        """Split block ``i``, grown past twice the block length by a put, in two."""
        self.blocks[i : i + 1] = [
            tuple(field[:BLOCK] for field in self.blocks[i]),
            tuple(field[BLOCK:] for field in self.blocks[i]),
        ]
        self.firsts[i : i + 1] = [self.first(i), self.first(i + 1)]
        self._index()


def _proportional(learner: _Learner, rng: np.random.Generator, cap: int) -> int | None:
    """Proportional: :class:`~replay_lab.sumtree.SumTree`'s node sums and search, in a
    Python list, with the update inlined in one loop (the loop is the whole run).

    The search reproduces ``SumTree.find``: the running sums of level ``top`` (at most 8)
    are an ``np.add.accumulate`` (sequential, as ``np.cumsum``), binary-searched through a
    memoryview (Python floats, no numpy call), then the walk down to a leaf. An update
    changes one node of that level, so the running sums before it stay right: a search
    that ends there does without the accumulate (a tenth of the time at n = 16). A changed
    leaf's parents are recomputed from its new value: ``value + sibling`` is the same sum
    as ``left + right`` (floating-point addition is commutative).
    """
    size = sum(learner.copies)
    exponent = bc.PRIORITY_EXPONENT
    depth = (size - 1).bit_length()
    first_leaf, top = 2**depth, min(depth, 8)
    nodes_array = np.zeros(2 * first_leaf)
    nodes_array[first_leaf : first_leaf + size] = 1.0**exponent  # all at priority 1
    for level in range(depth - 1, -1, -1):  # parents as left + right, level by level
        parents = np.arange(2**level, 2 ** (level + 1))
        nodes_array[parents] = nodes_array[2 * parents] + nodes_array[2 * parents + 1]
    nodes = nodes_array.tolist()
    first_top = 2**top
    level = nodes_array[first_top : 2 * first_top].copy()  # the level searched at once
    set_level = memoryview(level)  # its entries set as Python floats
    last = int(np.flatnonzero(level)[-1])  # the last node with a sum: priorities stay > 0
    before = np.zeros(len(level) + 1)  # SumTree.find's running sums, before[0] = 0
    running = before[1:]  # a view: accumulate writes into it
    read_before = memoryview(before)
    below = range(depth - top)  # the levels walked below the searched one

    transition_of, reads, discounts = _chain(learner)
    q, q_star, rewards = learner.q, learner.q_star, learner.rewards
    step, floor = bc.STEP_SIZE * 1.0, bc.PRIORITY_FLOOR
    error, limit = learner.error, learner.limit
    accumulate, bisect_right, nextafter = np.add.accumulate, bisect.bisect_right, math.nextafter
    valid = 0  # before[: valid + 1] are right (none is computed yet, before[0] = 0 is)
    done = 0
    while done < cap:
        block = min(cap - done, max(256, 2 * size), PRIORITIZED_MAX_DRAWS)
        for k, uniform in enumerate(rng.random(block).tolist()):  # the sample's one draw
            # SumTree.find of the sample's prefix sum, as PrioritizedReplayBuffer.sample
            total = nodes[1]
            u = min(uniform * (total / 1), nextafter(total, 0))
            if read_before[valid] > u:  # the running sums it needs are all still right
                at = min(bisect_right(read_before, u, 0, valid) - 1, last)
            else:
                accumulate(level, out=running)
                valid = len(level)
                at = min(bisect_right(read_before, u) - 1, last)
            node, u = first_top + at, u - read_before[at]
            for _ in below:
                left = 2 * node
                if u >= nodes[left] and nodes[left + 1] > 0:
                    u -= nodes[left]
                    node = left + 1
                else:
                    node = left
            slot = node - first_leaf

            e = transition_of[slot]
            old, a, b = q[e], q[reads[e]], q[reads[e] + 1]
            delta = rewards[e] + discounts[e] * (b if b > a else a) - old  # max(a, b)
            new = old + step * delta
            goal = q_star[e]
            error += (new - goal) ** 2 - (old - goal) ** 2
            q[e] = new
            if error < limit:
                return done + k + 1

            # the new priority, and the sums above it
            value = (abs(delta) + floor) ** exponent
            nodes[node] = value
            for _ in below:
                value += nodes[node ^ 1]
                node >>= 1
                nodes[node] = value
            set_level[node - first_top] = value
            valid = min(valid, node - first_top)  # the running sums past it have changed
            while node > 1:
                value += nodes[node ^ 1]
                node >>= 1
                nodes[node] = value
        done += block
    return None
