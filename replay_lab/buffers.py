r"""Replay buffers: remember transitions, hand back batches of them for learning.

Every buffer in the lab has the same three methods, so one training loop serves them all:

- ``add(s, a, r, s_next, terminated)`` stores a transition;
- ``sample(batch_size, beta)`` returns a :class:`Batch`;
- ``update_priorities(batch, td_errors)`` feeds the TD errors of a learned batch back
  (nothing to do for uniform replay; prioritized buffers set new priorities).

:class:`ReplayBuffer` keeps the last ``capacity`` transitions in preallocated numpy arrays
used as a ring: the slot written next moves round and round, so when the buffer is full
the oldest transition is overwritten. It samples uniformly, with replacement. The
prioritized buffers (:mod:`replay_lab.prioritized`) are ring buffers too and differ only
in which slots they sample.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from replay_lab._checks import (
    as_flag_array,
    as_index_array,
    as_real_array,
    check_flag,
    check_in_range,
    check_int,
    check_positive_int,
    check_real,
    check_same_length,
    check_seed,
)

__all__ = ["Batch", "ReplayBuffer"]


class Batch(NamedTuple):
    """A sample of transitions, one array per field, all of length ``batch_size``.

    ``indices`` are the buffer slots the transitions came from; ``ids`` are their serial
    numbers (0 for the first transition ever added, 1 for the next, ...), which tell
    whether a slot has been overwritten since; ``weights`` are the importance-sampling
    weights to scale each update by (all 1 for uniform replay).
    """

    states: np.ndarray
    actions: np.ndarray
    rewards: np.ndarray
    next_states: np.ndarray
    terminated: np.ndarray
    indices: np.ndarray
    ids: np.ndarray
    weights: np.ndarray


class ReplayBuffer:
    """A ring buffer of the last ``capacity`` transitions, sampled uniformly.

    Parameters
    ----------
    capacity : int
        How many transitions it holds; when full, each new one overwrites the oldest.
    seed : int, SeedSequence or Generator, optional
        Seeds the sampling.
    combined : bool
        Combined experience replay (Zhang & Sutton, 2017): every batch ends with the newest
        transition, so each transition is learned from at least once, as soon as it
        arrives, however large the buffer.

    Examples
    --------
    >>> buffer = ReplayBuffer(capacity=2, seed=0)
    >>> for s in range(3):  # the third transition overwrites the first
    ...     slot = buffer.add(s, 0, 0.0, s + 1, False)
    >>> len(buffer), sorted(buffer.states.tolist())
    (2, [1, 2])
    """

    def __init__(self, capacity: int, seed=None, combined: bool = False):
        self.capacity = check_positive_int("capacity", capacity)
        self.rng = np.random.default_rng(check_seed("seed", seed))
        if not isinstance(combined, bool | np.bool_):
            raise TypeError(f"combined must be a bool, got {combined!r}")
        self.combined = bool(combined)
        self.states = np.zeros(capacity, dtype=np.int64)
        self.actions = np.zeros(capacity, dtype=np.int64)
        self.rewards = np.zeros(capacity)
        self.next_states = np.zeros(capacity, dtype=np.int64)
        self.terminated = np.zeros(capacity, dtype=bool)
        self.added = 0  # transitions added so far; also the serial number of the next one

    def __len__(self) -> int:
        """The number of transitions stored."""
        return min(self.added, self.capacity)

    def add(self, s: int, a: int, r: float, s_next: int, terminated: bool) -> int:
        """Store one transition, overwriting the oldest if full; return its slot.

        Store a time-limit truncation with ``terminated=False``: its target bootstraps.
        """
        s, a, r, s_next, terminated = _checked_transition(s, a, r, s_next, terminated)
        slot = self.added % self.capacity
        self.states[slot], self.actions[slot], self.rewards[slot] = s, a, r
        self.next_states[slot], self.terminated[slot] = s_next, terminated
        self.added += 1
        return slot

    def extend(
        self,
        states: ArrayLike,
        actions: ArrayLike,
        rewards: ArrayLike,
        next_states: ArrayLike,
        terminated: ArrayLike,
    ) -> np.ndarray:
        """Store many transitions at once, as :meth:`add` would one after the other (at
        most ``capacity`` of them); return their slots."""
        fields = _checked_transitions(states, actions, rewards, next_states, terminated)
        if len(fields[0]) > self.capacity:
            raise ValueError(
                f"extend takes at most capacity = {self.capacity} transitions, got {len(fields[0])}"
            )
        slots = (self.added + np.arange(len(fields[0]))) % self.capacity
        for store, values in zip(
            (self.states, self.actions, self.rewards, self.next_states, self.terminated),
            fields,
            strict=True,
        ):
            store[slots] = values
        self.added += len(slots)
        return slots

    def sample(self, batch_size: int, beta: float | None = None) -> Batch:
        """Draw ``batch_size`` stored transitions uniformly, with replacement (with
        ``combined``, the last one is the newest transition).

        ``beta`` is accepted so that every buffer is called alike; under uniform sampling
        the importance-sampling weights are 1 whatever it is.
        """
        batch_size = self._checked_sample(batch_size, beta)
        # One uniform per transition (not rng.integers, whose number of draws varies),
        # so a run's random stream is used the same way whatever is stored.
        indices = np.minimum(
            (self.rng.random(batch_size) * len(self)).astype(np.int64), len(self) - 1
        )
        if self.combined:
            indices[-1] = (self.added - 1) % self.capacity  # the newest transition
        return self.batch(indices, np.ones(batch_size))

    def update_priorities(self, batch: Batch, td_errors: ArrayLike) -> None:
        """Feed back the TD errors of a learned batch: uniform replay has no priorities,
        so this only checks its arguments."""
        self._checked_feedback(batch, td_errors)

    def batch(self, indices: np.ndarray, weights: np.ndarray) -> Batch:
        """The transitions in slots ``indices`` as a :class:`Batch` with these weights."""
        return Batch(
            self.states[indices],
            self.actions[indices],
            self.rewards[indices],
            self.next_states[indices],
            self.terminated[indices],
            indices,
            self.ids_at(indices),
            weights,
        )

    def ids_at(self, slots: ArrayLike) -> np.ndarray:
        """The serial numbers of the transitions now in ``slots``.

        Until the buffer is full, slot i holds transition i. After that, the slot written
        next (``added % capacity``) holds the oldest, ``added - capacity``, and each slot
        after it (round the ring) one newer.
        """
        slots = np.asarray(slots, dtype=np.int64)
        if self.added <= self.capacity:
            return slots.copy()
        return (slots - self.added) % self.capacity + (self.added - self.capacity)

    def slots_by_age(self) -> np.ndarray:
        """The occupied slots from the oldest transition to the newest."""
        if self.added <= self.capacity:
            return np.arange(self.added)
        return np.roll(np.arange(self.capacity), -(self.added % self.capacity))

    # The public edge: checks shared by every buffer, before the work above.

    def _checked_sample(self, batch_size: int, beta: float | None) -> int:
        batch_size = check_positive_int("batch_size", batch_size)
        if beta is not None:
            check_in_range("beta", beta, 0, 1)
        if self.added == 0:
            raise ValueError("cannot sample from an empty buffer: add transitions first")
        return batch_size

    def _checked_feedback(self, batch: Batch, td_errors: ArrayLike) -> np.ndarray:
        if not isinstance(batch, Batch):
            raise TypeError(f"batch must be a Batch from sample(), got {type(batch).__name__}")
        as_index_array("batch.indices", batch.indices, len(self))
        td_errors = as_real_array("td_errors", td_errors)
        check_same_length(batch=batch.indices, td_errors=td_errors)
        return td_errors


def _checked_transition(s, a, r, s_next, terminated) -> tuple[int, int, float, int, bool]:
    s, a, s_next = _non_negative("s", s), _non_negative("a", a), _non_negative("s_next", s_next)
    return s, a, check_real("r", r), s_next, check_flag("terminated", terminated)


def _checked_transitions(states, actions, rewards, next_states, terminated) -> tuple:
    largest = np.iinfo(np.int64).max
    fields = (
        as_index_array("states", states, largest),
        as_index_array("actions", actions, largest),
        as_real_array("rewards", rewards),
        as_index_array("next_states", next_states, largest),
        as_flag_array("terminated", terminated),
    )
    check_same_length(
        **dict(
            zip(("states", "actions", "rewards", "next_states", "terminated"), fields, strict=True)
        )
    )
    return fields


def _non_negative(name: str, value: int) -> int:
    value = check_int(name, value)
    if not 0 <= value < 2**63:  # stored as int64
        raise ValueError(f"{name} must be in [0, 2**63), got {value}")
    return value
