r"""Replay buffers: remember transitions, hand back batches of them for learning.

:class:`ReplayBuffer` keeps the last ``capacity`` transitions in preallocated numpy arrays
used as a ring: the slot written next moves round and round, so when the buffer is full
the oldest transition is overwritten. It samples uniformly, with replacement.

:class:`PrioritizedReplayBuffer` is proportional prioritized replay (Schaul et al., 2016):
transition ``i`` has priority :math:`p_i = |\delta_i| + \epsilon` (its last TD error) and is
sampled with probability

.. math::

    P(i) = \frac{p_i^\alpha}{\sum_k p_k^\alpha}

Sampling this way changes the data distribution the updates see (a bias), which the
importance-sampling weights :math:`w_i = (N \cdot P(i))^{-\beta}` undo when
:math:`\beta = 1`. Both buffers return the same :class:`Batch`, so a training loop treats
them alike (the uniform buffer's weights are all 1).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from replay_lab._checks import (
    as_finite_array,
    as_index_array,
    check_in_range,
    check_int,
    check_positive_int,
    check_same_length,
)
from replay_lab.sumtree import SumTree

__all__ = ["Batch", "PrioritizedReplayBuffer", "ReplayBuffer"]


class Batch(NamedTuple):
    """A sample of transitions, one array per field, all of length ``batch_size``.

    ``indices`` are the buffer slots the transitions came from (pass them back to
    :meth:`PrioritizedReplayBuffer.update_priorities`); ``ids`` are their serial numbers
    (0 for the first transition ever added, 1 for the next, ...); ``weights`` are the
    importance-sampling weights to scale each update by.
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
    """

    def __init__(self, capacity: int, seed=None, combined: bool = False):
        self.capacity = check_positive_int("capacity", capacity)
        self.rng = np.random.default_rng(seed)
        self.combined = bool(combined)
        # int32 for tabular states and actions: half the memory a sampled batch gathers from.
        self.states = np.zeros(capacity, dtype=np.int32)
        self.actions = np.zeros(capacity, dtype=np.int32)
        self.rewards = np.zeros(capacity)
        self.next_states = np.zeros(capacity, dtype=np.int32)
        self.terminated = np.zeros(capacity, dtype=bool)
        self.added = 0  # transitions added so far; also the serial number of the next one

    def __len__(self) -> int:
        """The number of transitions stored."""
        return min(self.added, self.capacity)

    def add(self, s: int, a: int, r: float, s_next: int, terminated: bool) -> int:
        """Store one transition, overwriting the oldest if full; return its slot.

        Store a time-limit truncation with ``terminated=False``: its target bootstraps.
        """
        # Check everything before writing: a rejected transition must not leave a slot
        # half overwritten.
        s, a, s_next = _non_negative("s", s), _non_negative("a", a), _non_negative("s_next", s_next)
        if not isinstance(r, (int, float, np.number)) or not math.isfinite(r):
            raise ValueError(f"r must be a finite number, got {r!r}")
        if terminated not in (0, 1):
            raise ValueError(f"terminated must be a bool (or 0/1), got {terminated!r}")
        slot = self.added % self.capacity
        self.states[slot], self.actions[slot], self.next_states[slot] = s, a, s_next
        self.rewards[slot], self.terminated[slot] = r, terminated
        self.added += 1
        return slot

    def sample(self, batch_size: int) -> Batch:
        """Draw ``batch_size`` stored transitions uniformly, with replacement (with
        ``combined``, the last one is the newest transition)."""
        batch_size = self._check_sample(batch_size)
        indices = self.rng.integers(len(self), size=batch_size)
        if self.combined:
            indices[-1] = (self.added - 1) % self.capacity  # the newest transition
        return self._batch(indices, np.ones(batch_size))

    def clear(self) -> None:
        """Forget every transition."""
        self.added = 0

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

    def _check_sample(self, batch_size: int) -> int:
        batch_size = check_positive_int("batch_size", batch_size)
        if self.added == 0:
            raise ValueError("cannot sample from an empty buffer: add transitions first")
        return batch_size

    def _batch(self, indices: np.ndarray, weights: np.ndarray) -> Batch:
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


class PrioritizedReplayBuffer(ReplayBuffer):
    r"""Proportional prioritized replay (Schaul et al., 2016) on a :class:`SumTree`.

    Parameters
    ----------
    capacity : int
        How many transitions it holds (ring buffer, as :class:`ReplayBuffer`).
    alpha : float >= 0
        How strongly priorities shape sampling: :math:`P(i) \propto p_i^\alpha`. 0 is
        uniform sampling; 1 is sampling in proportion to the priority.
    beta : float in [0, 1]
        Default exponent of the importance-sampling weights (0: no correction, 1: full).
        Anneal it by passing ``beta`` to :meth:`sample` from a schedule.
    eps : float > 0
        Added to :math:`|\delta|` so that no transition's priority is 0 (it would never be
        sampled again, and its weight would be infinite).
    seed : int, SeedSequence or Generator, optional
        Seeds the sampling.

    Notes
    -----
    - A new transition gets the largest priority given so far (1 while there is none,
      :math:`p_t = \max_{i<t} p_i` in the paper), so it is sure to be replayed soon.
    - The tree stores :math:`p^\alpha`; ``max_priority`` is kept as :math:`p`, so alpha is
      applied exactly once.
    """

    def __init__(
        self, capacity: int, alpha: float = 0.6, beta: float = 0.4, eps: float = 1e-6, seed=None
    ):
        super().__init__(capacity, seed)
        self.alpha = check_in_range("alpha", alpha, 0, math.inf, high_open=True)
        self.beta = check_in_range("beta", beta, 0, 1)
        self.eps = check_in_range("eps", eps, 0, math.inf, low_open=True, high_open=True)
        self.tree = SumTree(self.capacity)
        self.max_priority = 1.0

    def add(self, s: int, a: int, r: float, s_next: int, terminated: bool) -> int:
        """Store one transition with the largest priority so far; return its slot."""
        slot = super().add(s, a, r, s_next, terminated)
        self.tree[slot] = self.max_priority**self.alpha
        return slot

    def sample(self, batch_size: int, beta: float | None = None) -> Batch:
        r"""Draw ``batch_size`` transitions with :math:`P(i) = p_i^\alpha / \sum_k p_k^\alpha`.

        Stratified, as in the paper: the range ``[0, total)`` is cut into ``batch_size``
        equal segments and one prefix sum is drawn uniformly in each. Each transition
        still appears ``batch_size * P(i)`` times per batch on average, but a batch
        spreads over the buffer more evenly than independent draws would.

        Returns the batch with importance-sampling weights
        :math:`w_i = (N P(i))^{-\beta} / \max_j w_j`, normalised by the largest weight *in
        the batch*, so that weights only ever scale a step down. (Normalising by the
        largest weight in the whole buffer would need the smallest priority stored, i.e.
        a second tree kept in step with this one; the batch maximum needs nothing extra
        and cannot go stale.)
        """
        batch_size = self._check_sample(batch_size)
        beta = self.beta if beta is None else check_in_range("beta", beta, 0, 1)
        total = self.tree.total
        prefix = self.rng.random(batch_size)
        prefix += np.arange(batch_size)  # u_k + k: one draw in each segment
        prefix *= total / batch_size
        np.minimum(prefix, total, out=prefix)  # the product may round up past the total
        indices, values = self.tree._find(prefix)
        # w_i = (N P(i))^-beta / max_j w_j with P(i) = values_i / total: N and the total
        # cancel, and the largest weight belongs to the smallest value in the batch.
        return self._batch(indices, (values.min() / values) ** beta)

    def update_priorities(
        self, indices: ArrayLike, td_errors: ArrayLike, ids: ArrayLike | None = None
    ) -> None:
        r"""Set :math:`p_i = |\delta_i| + \epsilon` for the transitions at ``indices``.

        Parameters
        ----------
        indices : array of int
            Slots, as in :attr:`Batch.indices`.
        td_errors : array of float
            Their new TD errors (signed; a negative error counts as its magnitude).
        ids : array of int, optional
            The serial numbers the slots held when sampled (:attr:`Batch.ids`). When
            given, an entry whose slot has been overwritten since is skipped: the new
            transition there keeps its own priority. Without ``ids`` the update goes to
            whatever the slot holds now.

        If a slot appears more than once, its last TD error wins (the most recent one
        when the batch was applied in order, as :func:`~replay_lab.core.q_update` does).
        """
        indices = as_index_array("indices", indices, len(self))
        td_errors = as_finite_array("td_errors", td_errors)
        check_same_length(indices=indices, td_errors=td_errors)
        if ids is not None:
            ids = as_index_array("ids", ids, self.added)
            check_same_length(indices=indices, ids=ids)
            current = self.ids_at(indices) == ids
            indices, td_errors = indices[current], td_errors[current]
        if len(indices) == 0:
            return
        priorities = np.abs(td_errors) + self.eps
        self.max_priority = max(self.max_priority, float(priorities.max()))
        self.tree._update(indices, priorities**self.alpha)

    def probabilities(self) -> np.ndarray:
        """The sampling probability P(i) of each stored transition, by slot."""
        return self.tree.values()[: len(self)] / self.tree.total

    def clear(self) -> None:
        """Forget every transition and every priority."""
        super().clear()
        self.tree = SumTree(self.capacity)
        self.max_priority = 1.0


def _non_negative(name: str, value: int) -> int:
    value = check_int(name, value)
    if not 0 <= value < 2**31:
        raise ValueError(f"{name} must be in [0, 2**31), got {value}")
    return value
