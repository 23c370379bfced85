"""A sum tree: sample an index with probability proportional to its value in O(log n).

The values sit in the leaves of a complete binary tree and every inner node holds the sum
of its two children, so the root holds the total. To draw index ``i`` with probability
``value[i] / total``, draw a number ``u`` uniformly in ``[0, total)`` and walk down from the
root: if ``u`` is below the left child's sum go left, else subtract that sum and go right.
The leaf reached is the one whose cumulative range ``[value[0] + ... + value[i-1],
value[0] + ... + value[i])`` contains ``u``.

The tree lives in one flat array, :meth:`SumTree.nodes`: node 1 is the root, node ``k`` has
children ``2k`` and ``2k + 1``, and leaf ``i`` is node ``2**depth + i``, where ``2**depth``
is the first power of two >= capacity (the leaves past ``capacity`` stay 0). Both
:meth:`~SumTree.update` and :meth:`~SumTree.find` work on a whole batch of indices with
numpy, one tree level at a time.

Two guarantees, both tested:

- inner nodes are always *recomputed* as ``left + right``, never adjusted by a difference,
  so no rounding error accumulates however many updates are made;
- :meth:`~SumTree.find` never returns an index whose value is 0 (an empty or unfilled slot),
  even when round-off carries ``u`` to the very end of the range.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

from replay_lab._checks import (
    as_index_array,
    as_real_array,
    check_in_range,
    check_index,
    check_positive_int,
    check_real,
    check_same_length,
)

__all__ = ["SumTree"]


class SumTree:
    """Array-backed binary sum tree over ``capacity`` non-negative values (all 0 at first).

    Parameters
    ----------
    capacity : int
        Number of leaves; any positive integer (not only powers of two).

    Examples
    --------
    >>> tree = SumTree(4)
    >>> tree.update([0, 1, 2, 3], [1.0, 0.0, 2.0, 1.0])
    >>> tree.total
    4.0
    >>> tree.find([0.0, 0.99, 1.0, 2.5, 3.0]).tolist()
    [0, 0, 2, 2, 3]
    """

    def __init__(self, capacity: int):
        self.capacity = check_positive_int("capacity", capacity)
        self.depth = (self.capacity - 1).bit_length()  # levels below the root
        self._first_leaf = 2**self.depth
        self._nodes = np.zeros(2 * self._first_leaf)
        self._top = min(self.depth, 8)  # see _start_below_the_top

    def __len__(self) -> int:
        return self.capacity

    @property
    def total(self) -> float:
        """The sum of all values (the root)."""
        return float(self._nodes[1])

    def nodes(self) -> np.ndarray:
        """A copy of the flat array of node sums (entry 0 unused, entry 1 the root)."""
        return self._nodes.copy()

    def values(self) -> np.ndarray:
        """A copy of the leaf values, shape (capacity,)."""
        return self._nodes[self._first_leaf : self._first_leaf + self.capacity].copy()

    def __getitem__(self, indices: ArrayLike) -> float | np.ndarray:
        """The value at an index (a float) or at an array of indices (an array)."""
        if np.ndim(indices) == 0:
            return float(
                self._nodes[self._first_leaf + check_index("index", indices, self.capacity)]
            )
        return self._nodes[self._first_leaf + as_index_array("indices", indices, self.capacity)]

    def __setitem__(self, index: int, value: float) -> None:
        """Set one value and recompute the sums on its path to the root."""
        node = self._first_leaf + check_index("index", index, self.capacity)
        self._nodes[node] = check_in_range("value", value, 0, math.inf, high_open=True)
        while node > 1:
            node //= 2  # the parent
            self._nodes[node] = self._nodes[2 * node] + self._nodes[2 * node + 1]

    def update(self, indices: ArrayLike, values: ArrayLike) -> None:
        """Set the values at ``indices`` and recompute the sums above them.

        If an index appears more than once, the last of its values wins, as if the pairs
        were applied one at a time.
        """
        indices, values = self._checked_update(indices, values)
        nodes = indices + self._first_leaf
        self._nodes[nodes] = values
        for _ in range(self.depth):
            nodes = nodes // 2  # the parents (a shared parent is computed twice, the same)
            self._nodes[nodes] = self._nodes[2 * nodes] + self._nodes[2 * nodes + 1]

    def find(self, prefix_sums: ArrayLike) -> np.ndarray:
        """Return, for each prefix sum ``u`` in ``[0, total]``, the index ``i`` with
        ``value[0] + ... + value[i-1] <= u < value[0] + ... + value[i]``.

        The walk never steps into a subtree whose sum is 0, so the index returned always
        has a positive value: ``u == total`` gives the last index with a positive value.
        """
        u = self._checked_prefix_sums(prefix_sums)
        nodes, u = self._start_below_the_top(u)
        for _ in range(self.depth - self._top):
            left = 2 * nodes
            left_sum = self._nodes[left]
            go_right = (u >= left_sum) & (self._nodes[left + 1] > 0)
            u = u - left_sum * go_right  # going right skips the left subtree's sum
            nodes = left + go_right  # the right child is left + 1
        return nodes - self._first_leaf

    def _start_below_the_top(self, u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Where the walk of each prefix sum crosses level ``_top``, and what is left of it.

        The one speed trick kept (measured in ``benchmarks/bench_buffers.py``): near the
        root a level holds few nodes, so one binary search of its running sums finds each
        walk's node there at once, instead of ``_top`` steps down (each a few numpy calls).
        """
        first = 2**self._top
        sums = self._nodes[first : 2 * first]
        before = np.concatenate([[0.0], np.cumsum(sums)])  # the sum of the nodes left of k
        k = np.searchsorted(before, u, side="right") - 1
        k = np.minimum(k, np.flatnonzero(sums)[-1])  # u == total: the last node with a sum
        return first + k, u - before[k]

    def search_path(self, prefix_sum: float) -> list[int]:
        """The nodes that the search for one prefix sum visits, from the root (node 1)
        down to the leaf it finds (node ``2**depth + index``): :meth:`find` for one
        value, one step at a time."""
        u = float(self._checked_prefix_sums([prefix_sum])[0])
        path = [1]
        while path[-1] < self._first_leaf:
            left = 2 * path[-1]
            if u >= self._nodes[left] and self._nodes[left + 1] > 0:
                u -= self._nodes[left]
                path.append(left + 1)
            else:
                path.append(left)
        return path

    # The public edge: checks, once, before the arithmetic above.

    def _checked_update(self, indices, values) -> tuple[np.ndarray, np.ndarray]:
        indices = as_index_array("indices", indices, self.capacity)
        values = as_real_array("values", values, low=0.0)
        check_same_length(indices=indices, values=values)
        # numpy leaves the winner of a repeated index in a fancy assignment unspecified:
        # keep each index's last occurrence explicitly.
        if len(indices) > 1 and len(np.unique(indices)) < len(indices):
            indices, position = np.unique(indices[::-1], return_index=True)
            values = values[::-1][position]
        return indices, values

    def _checked_prefix_sums(self, prefix_sums) -> np.ndarray:
        total = self.total
        if total <= 0:
            raise ValueError("cannot find in a sum tree whose total is 0 (all values are 0)")
        if np.isscalar(prefix_sums):
            prefix_sums = [check_real("prefix_sums", prefix_sums)]
        return as_real_array("prefix_sums", prefix_sums, low=0.0, high=total)
