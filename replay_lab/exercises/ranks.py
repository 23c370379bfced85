r"""The rank-based sampling probabilities of the Blind Cliffwalk lesson (notebook 04).

A student writes ``rank_probabilities(priorities, priority_exponent)``:
:math:`P(i) = \text{rank}(i)^{-\omega} / \sum_{k=1}^{N} k^{-\omega}`, rank 1 being the
largest priority. The reference is the library's own
:class:`~replay_lab.prioritized.RankBasedReplayBuffer`, given the same priorities through
its public calls.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from replay_lab.exercises.verdict import Verdict, run_cases
from replay_lab.prioritized import RankBasedReplayBuffer

__all__ = ["check_rank_probabilities"]

_FLOOR = 1e-6


def buffer_probabilities(priorities: np.ndarray, priority_exponent: float) -> np.ndarray:
    """The sampling probabilities a RankBasedReplayBuffer gives these priorities, by slot."""
    n = len(priorities)
    buffer = RankBasedReplayBuffer(n, priority_exponent, priority_floor=_FLOOR, seed=0)
    buffer.extend(np.zeros(n, int), np.zeros(n, int), np.zeros(n), np.zeros(n, int), np.ones(n))
    everything = buffer.batch(np.arange(n), np.ones(n))
    buffer.update_priorities(everything, priorities - _FLOOR)  # p = |delta| + floor
    return buffer.probabilities()


def check_rank_probabilities(student: Callable, seed: int = 0) -> Verdict:
    r"""Check ``student(priorities, priority_exponent) -> probabilities`` (one per
    transition, in the order given) against the rank-based buffer, on distinct random
    priorities and exponents from 0 to 1.5."""
    rng = np.random.default_rng(seed)
    cases = [(np.array([2.0, 0.5, 1.0]), 1.0)]  # small enough to work out by hand
    for _ in range(60):
        size = int(rng.integers(1, 15))
        priorities = rng.permutation(rng.uniform(0.01, 3.0, size))
        cases.append((priorities, float(np.round(rng.uniform(0.0, 1.5), 2))))
    return run_cases(
        "rank_probabilities",
        lambda p, omega: student(p.copy(), omega),  # a student may sort in place
        cases,
        buffer_probabilities,
    )
