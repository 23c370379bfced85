r"""Prioritized experience replay (Schaul et al., 2016): replay surprising transitions more.

Transition ``i`` has the priority :math:`p_i = |\delta_i| + \epsilon_p`, its last TD error
plus a small *priority floor* :math:`\epsilon_p` (so that no transition's priority is 0: it
would never be replayed again). The paper's two ways to turn priorities into sampling
probabilities:

- **proportional**, :class:`PrioritizedReplayBuffer`:
  :math:`P(i) = p_i^{\omega} / \sum_k p_k^{\omega}`, sampled with a :class:`SumTree`;
- **rank-based**, :class:`RankBasedReplayBuffer`:
  :math:`P(i) = \text{rank}(i)^{-\omega} / \sum_{k=1}^{N} k^{-\omega}`, where rank 1 is the
  largest priority. It depends only on the order of the priorities, not their size, so a
  few huge TD errors cannot take over. With :math:`\omega = \infty` it always replays the
  top-ranked transition: greedy prioritization.

The *priority exponent* :math:`\omega` (the paper's :math:`\alpha`; in this lab
:math:`\alpha` is the step size) sets how strongly priorities shape sampling: 0 is
uniform. A new transition gets the largest priority seen so far (1 at first), so it is
sure to be replayed soon.

Sampling this way changes the data distribution the updates see (a bias), which the
importance-sampling weights :math:`w_i = (N \cdot P(i))^{-\beta}` undo when
:math:`\beta = 1`. The weights are divided by the largest weight *in the batch*, so they
only ever shrink a step.
"""

from __future__ import annotations

import bisect
import math

import numpy as np
from numpy.typing import ArrayLike

from replay_lab._checks import as_real_array, check_in_range
from replay_lab.buffers import Batch, ReplayBuffer
from replay_lab.sumtree import SumTree

__all__ = ["PrioritizedReplayBuffer", "RankBasedReplayBuffer", "importance_weights", "priority"]


def priority(td_errors: np.ndarray, priority_floor: float) -> np.ndarray:
    r"""The priority of transitions with these TD errors: :math:`p = |\delta| + \epsilon_p`."""
    return np.abs(td_errors) + priority_floor


def importance_weights(probabilities: np.ndarray, beta: float) -> np.ndarray:
    r"""Importance-sampling weights of a batch,
    :math:`w_i = (N P(i))^{-\beta} / \max_j (N P(j))^{-\beta}` (``j`` over the batch).

    :math:`N` cancels in the ratio, and the largest weight belongs to the smallest
    probability, so :math:`w_i = (\min_j P(j) / P(i))^{\beta}`: a form that cannot overflow.
    """
    probabilities = as_real_array("probabilities", probabilities, low=0.0, high=1.0)
    if not len(probabilities) or probabilities.min() == 0:
        raise ValueError("probabilities must be a non-empty batch of positive P(i), in (0, 1]")
    beta = check_in_range("beta", beta, 0, 1)
    return (probabilities.min() / probabilities) ** beta


def overflow_error(priority: float, exponent: float) -> ValueError:
    """The error for a priority whose power (or the tree's total with it) overflows."""
    return ValueError(
        f"a priority {priority:.3g} ** priority_exponent {exponent} "
        "overflows (or the sum of all priorities does): the TD errors are too large"
    )


def stratified_prefix_sums(total: float, batch_size: int, rng: np.random.Generator) -> np.ndarray:
    """Cut ``[0, total)`` into ``batch_size`` equal segments and draw one number uniformly in
    each, as the paper does: each transition is still drawn ``batch_size * P(i)`` times per
    batch on average, but a batch spreads over the buffer more evenly."""
    prefix = (np.arange(batch_size) + rng.random(batch_size)) * (total / batch_size)
    return np.minimum(prefix, np.nextafter(total, 0))  # the product may round up to the total


class _Prioritized(ReplayBuffer):
    """What both prioritized buffers share: their settings and the priority bookkeeping."""

    def __init__(
        self,
        capacity: int,
        priority_exponent: float,
        beta: float,
        priority_floor: float,
        seed,
    ):
        super().__init__(capacity, seed)
        self.priority_exponent = check_in_range("priority_exponent", priority_exponent, 0, math.inf)
        self.beta = check_in_range("beta", beta, 0, 1)
        self.priority_floor = check_in_range(
            "priority_floor", priority_floor, 0, math.inf, low_open=True, high_open=True
        )
        self.max_priority = 1.0

    def update_priorities(self, batch: Batch, td_errors: ArrayLike) -> None:
        r"""Set :math:`p_i = |\delta_i| + \epsilon_p` for the transitions of a learned batch.

        A slot overwritten by a new transition since the batch was sampled is skipped: the
        new transition keeps its own priority. If a slot appears more than once, its last
        TD error wins (the most recent one, as :func:`~replay_lab.core.q_update` applies a
        batch in order).
        """
        td_errors = self._checked_feedback(batch, td_errors)
        current = self.ids_at(batch.indices) == batch.ids
        if current.any():
            priorities = priority(td_errors[current], self.priority_floor)
            self._set_priorities(batch.indices[current], priorities)  # may reject them
            self.max_priority = max(self.max_priority, float(priorities.max()))


class PrioritizedReplayBuffer(_Prioritized):
    r"""Proportional prioritized replay: :math:`P(i) \propto p_i^{\omega}`, on a sum tree.

    Parameters
    ----------
    capacity : int
        How many transitions it holds (a ring buffer, as :class:`ReplayBuffer`).
    priority_exponent : float >= 0
        :math:`\omega`: 0 is uniform sampling, 1 sampling in proportion to the priority.
    beta : float in [0, 1]
        Default exponent of the importance-sampling weights (0: no correction, 1: full).
        Anneal it by passing ``beta`` to :meth:`sample` from a schedule.
    priority_floor : float > 0
        :math:`\epsilon_p`, added to :math:`|\delta|`.
    seed : int, SeedSequence or Generator, optional
        Seeds the sampling.

    The tree stores :math:`p^{\omega}`; ``max_priority`` is kept as :math:`p`, so the
    exponent is applied exactly once.
    """

    def __init__(
        self,
        capacity: int,
        priority_exponent: float = 0.6,
        beta: float = 0.4,
        priority_floor: float = 1e-6,
        seed=None,
    ):
        super().__init__(capacity, priority_exponent, beta, priority_floor, seed)
        if math.isinf(self.priority_exponent):
            raise ValueError("priority_exponent must be finite for proportional replay")
        if self.priority_floor**self.priority_exponent == 0:
            raise ValueError(
                f"priority_floor ** priority_exponent underflows to 0 "
                f"({self.priority_floor} ** {self.priority_exponent}): raise priority_floor"
            )
        self.tree = SumTree(self.capacity)

    def add(self, s: int, a: int, r: float, s_next: int, terminated: bool) -> int:
        """Store one transition with the largest priority so far; return its slot."""
        value = self.max_priority**self.priority_exponent  # finite: checked when set
        if not math.isfinite(self.tree.total + value):  # but the total with it may not be
            raise overflow_error(self.max_priority, self.priority_exponent)  # nothing stored
        slot = super().add(s, a, r, s_next, terminated)
        self.tree[slot] = value
        return slot

    def extend(self, states, actions, rewards, next_states, terminated) -> np.ndarray:
        """Store many transitions at once, each with the largest priority so far."""
        slots = super().extend(states, actions, rewards, next_states, terminated)
        self._set_priorities(slots, np.full(len(slots), self.max_priority))
        return slots

    def sample(self, batch_size: int, beta: float | None = None) -> Batch:
        r"""Draw ``batch_size`` transitions with :math:`P(i) = p_i^{\omega} / \sum_k p_k^{\omega}`
        (stratified, see :func:`stratified_prefix_sums`), with importance-sampling
        weights (see :func:`importance_weights`)."""
        batch_size = self._checked_sample(batch_size, beta)
        total = self.tree.total
        indices = self.tree.find(stratified_prefix_sums(total, batch_size, self.rng))
        probabilities = self.tree[indices] / total
        weights = importance_weights(probabilities, self.beta if beta is None else beta)
        return self.batch(indices, weights)

    def probabilities(self) -> np.ndarray:
        """The sampling probability P(i) of each stored transition, by slot."""
        return self.tree.values()[: len(self)] / self.tree.total

    def _set_priorities(self, slots: np.ndarray, priorities: np.ndarray) -> None:
        with np.errstate(over="ignore"):  # an overflow is reported below, by name
            scaled = priorities**self.priority_exponent
            too_large = not np.isfinite(self.tree.total + scaled.sum())
        if too_large:
            raise overflow_error(priorities.max(), self.priority_exponent)
        self.tree.update(slots, scaled)


class RankBasedReplayBuffer(_Prioritized):
    r"""Rank-based prioritized replay: :math:`P(i) \propto \text{rank}(i)^{-\omega}`.

    The stored transitions are kept sorted by priority, largest first (equal priorities
    in a random order), so the ranks are exact after every update. Sampling draws ranks
    from the fixed distribution over 1..N (stratified, as the proportional buffer) and
    looks up the transition at each rank.

    Parameters
    ----------
    capacity, beta, priority_floor, seed
        As for :class:`PrioritizedReplayBuffer`.
    priority_exponent : float >= 0, or inf
        :math:`\omega`. ``math.inf`` always replays the top-ranked transitions: greedy
        prioritization (weights then all 1).
    """

    def __init__(
        self,
        capacity: int,
        priority_exponent: float = 0.7,
        beta: float = 0.5,
        priority_floor: float = 1e-6,
        seed=None,
    ):
        super().__init__(capacity, priority_exponent, beta, priority_floor, seed)
        # rank_mass[k] = sum of r ** -exponent for r = 1..k+1: the running sums that the
        # sampling searches (with exponent inf: 1, 1, 1, ..., only rank 1 has any mass).
        ranks = np.arange(1, self.capacity + 1, dtype=float)
        self.rank_mass = np.cumsum(ranks**-self.priority_exponent)
        self._sorted: list[tuple[float, float, int]] = []  # (-priority, tie-breaker, slot)
        self._key_of: list[tuple[float, float, int] | None] = [None] * self.capacity

    def add(self, s: int, a: int, r: float, s_next: int, terminated: bool) -> int:
        """Store one transition with the largest priority so far; return its slot."""
        slot = super().add(s, a, r, s_next, terminated)
        self._set_priorities(np.array([slot]), np.array([self.max_priority]))
        return slot

    def extend(self, states, actions, rewards, next_states, terminated) -> np.ndarray:
        """Store many transitions at once, each with the largest priority so far (sorted
        into the ranking in one go, not one insertion at a time)."""
        slots = super().extend(states, actions, rewards, next_states, terminated)
        replaced = set(slots.tolist())
        kept = [key for key in self._sorted if key[2] not in replaced]
        ties = self.rng.random(len(slots)).tolist()
        fresh = [
            (-self.max_priority, tie, slot) for tie, slot in zip(ties, slots.tolist(), strict=True)
        ]
        for key in fresh:
            self._key_of[key[2]] = key
        self._sorted = sorted(kept + fresh)
        return slots

    def sample(self, batch_size: int, beta: float | None = None) -> Batch:
        r"""Draw ``batch_size`` transitions with
        :math:`P(i) = \text{rank}(i)^{-\omega} / \sum_{k=1}^N k^{-\omega}`."""
        batch_size = self._checked_sample(batch_size, beta)
        mass = self.rank_mass[: len(self)]
        prefix = stratified_prefix_sums(mass[-1], batch_size, self.rng)
        ranks = np.minimum(np.searchsorted(mass, prefix, side="right"), len(self) - 1)
        indices = np.array([self._sorted[rank][2] for rank in ranks.tolist()])
        probabilities = (ranks + 1.0) ** -self.priority_exponent / mass[-1]
        weights = importance_weights(probabilities, self.beta if beta is None else beta)
        return self.batch(indices, weights)

    def probabilities(self) -> np.ndarray:
        """The sampling probability P(i) of each stored transition, by slot."""
        rank_of = np.empty(len(self), dtype=np.int64)
        rank_of[[key[2] for key in self._sorted]] = np.arange(len(self))
        return (rank_of + 1.0) ** -self.priority_exponent / self.rank_mass[len(self) - 1]

    def _set_priorities(self, slots: np.ndarray, priorities: np.ndarray) -> None:
        """Move each slot to its new place in the ranking, one after the other."""
        for slot, p in zip(slots.tolist(), priorities.tolist(), strict=True):
            old = self._key_of[slot]
            if old is not None:
                del self._sorted[bisect.bisect_left(self._sorted, old)]
            key = (-p, float(self.rng.random()), slot)  # equal priorities in random order
            bisect.insort(self._sorted, key)
            self._key_of[slot] = key
