"""Self-check for notebook 02's last exercise: how often a transition is replayed in its
lifetime in a full buffer.

The student's formula is compared with a measurement, not with a formula:
:func:`measured_replays` runs a real :class:`replay_lab.ReplayBuffer`, replays ``k``
batches of ``B`` after every add (as :func:`replay_lab.q_learning` does), and counts how
often each transition was drawn between its add and its overwrite. The mean of those counts
has a standard error, and the answer must lie within four of them.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from replay_lab.buffers import ReplayBuffer
from replay_lab.exercises.verdict import Verdict, short

__all__ = ["LIFETIME_CASES", "check_replays_per_transition", "measured_replays"]

# (capacity N, batches per step k, batch size B): small and large buffers, k and B apart
# (so that a formula missing one of them fails), and a buffer smaller than a batch.
LIFETIME_CASES = ((5, 1, 4), (50, 2, 8), (300, 1, 4), (3, 4, 2), (1000, 3, 1))


def measured_replays(
    capacity: int, k: int, batch_size: int, transitions: int = 2000, seed: int = 0
) -> tuple[float, float]:
    """Mean and standard error of the number of times a transition is replayed between
    its add and its overwrite, over ``transitions`` transitions that lived their whole
    life in a full buffer."""
    buffer = ReplayBuffer(capacity, seed=seed)
    total = capacity + transitions + capacity  # fill, the counted ones, until they are gone
    drawn = np.zeros(total, dtype=np.int64)  # replays of transition t (stored as state t)
    for t in range(total):
        buffer.add(t, 0, 0.0, t, False)
        for _ in range(k):
            # Each step replays after its add: the newest transition can be drawn at once.
            drawn += np.bincount(buffer.sample(batch_size).states, minlength=total)
    counted = drawn[capacity : capacity + transitions]
    return float(counted.mean()), float(counted.std(ddof=1) / math.sqrt(transitions))


def check_replays_per_transition(student: Callable, seed: int = 0) -> Verdict:
    """Check ``student(capacity, k, batch_size) -> replays`` against
    :func:`measured_replays` on :data:`LIFETIME_CASES` (within four standard errors)."""
    for capacity, k, batch_size in LIFETIME_CASES:
        try:
            answer = student(capacity, k, batch_size)
        except NotImplementedError:
            return Verdict(
                "not done yet", "replays_per_transition still raises NotImplementedError."
            )
        mean, error = measured_replays(capacity, k, batch_size, seed=seed)
        if answer is None or not np.isfinite(answer) or abs(answer - mean) > 4 * error:
            return Verdict(
                "not right yet",
                f"capacity {capacity}, {k} batch(es) of {batch_size} per step: a transition "
                f"was replayed {mean:.2f} times on average (measured on 2000 transitions, "
                f"give or take {4 * error:.2f}), but replays_per_transition returned "
                f"{short(answer)}.",
            )
    return Verdict(
        "correct",
        f"replays_per_transition matches the measured counts for all {len(LIFETIME_CASES)} "
        "buffers.",
    )
