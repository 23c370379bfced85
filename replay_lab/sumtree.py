"""A sum tree: sample an index with probability proportional to its value in O(log n).

The values sit in the leaves of a complete binary tree and every inner node holds the sum
of its two children, so the root holds the total. To draw index ``i`` with probability
``value[i] / total``, draw a number ``u`` uniformly in ``[0, total)`` and walk down from the
root: if ``u`` is below the left child's sum go left, else subtract that sum and go right.
The leaf reached is the one whose cumulative range ``[value[0] + ... + value[i-1],
value[0] + ... + value[i])`` contains ``u``.

The tree lives in one flat array: node 1 is the root, node ``k`` has children ``2k`` and
``2k + 1``, and leaf ``i`` is node ``leaves + i`` where ``leaves`` is the first power of two
>= capacity (the leaves past ``capacity`` stay 0). The batch methods work on a whole batch
of indices with numpy, one tree level at a time, instead of one index at a time in Python;
near the root, where a level has few nodes, they handle a whole level at once.

Inner nodes are always *recomputed* as ``left + right``, never adjusted by a difference, so
no rounding error accumulates however many updates are made.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

from replay_lab._checks import (
    as_finite_array,
    as_index_array,
    check_index,
    check_positive_int,
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
        self._depth = (self.capacity - 1).bit_length()
        self._first_leaf = 1 << self._depth
        self._tree = np.zeros(2 * self._first_leaf)
        # Views of the left and right child of every node: children of node k are
        # _left[k] = _tree[2k] and _right[k] = _tree[2k + 1].
        self._left, self._right = self._tree[0::2], self._tree[1::2]
        # Single values are read and written through a memoryview: plain Python floats,
        # without numpy's per-call overhead.
        self._cells = memoryview(self._tree)
        self._jump_level = min(self._depth, 8)

    def __len__(self) -> int:
        return self.capacity

    @property
    def total(self) -> float:
        """The sum of all values (the root)."""
        return float(self._tree[1])

    def values(self) -> np.ndarray:
        """A copy of the leaf values, shape (capacity,)."""
        return self._tree[self._first_leaf : self._first_leaf + self.capacity].copy()

    def __getitem__(self, indices: ArrayLike) -> float | np.ndarray:
        """The value at an index (a float) or at an array of indices (an array)."""
        if np.ndim(indices) == 0:
            return float(
                self._tree[self._first_leaf + check_index("index", indices, self.capacity)]
            )
        return self._tree[self._first_leaf + as_index_array("indices", indices, self.capacity)]

    def __setitem__(self, index: int, value: float) -> None:
        """Set one value and recompute the sums on its path to the root."""
        node = self._first_leaf + check_index("index", index, self.capacity)
        value = float(value)
        if not (math.isfinite(value) and value >= 0):
            raise ValueError(f"values must be finite and >= 0, got {value}")
        cells = self._cells
        cells[node] = value
        while node > 1:
            value += cells[node ^ 1]  # plus the sibling (node ^ 1 flips left <-> right)
            node >>= 1
            cells[node] = value

    def update(self, indices: ArrayLike, values: ArrayLike) -> None:
        """Set the values at ``indices`` and recompute the sums above them.

        If an index appears more than once, the last of its values wins, as if the pairs
        were applied one at a time.
        """
        indices = as_index_array("indices", indices, self.capacity)
        values = as_finite_array("values", values)
        check_same_length(indices=indices, values=values)
        if len(values) and values.min() < 0:
            raise ValueError(f"values must be finite and >= 0, got {values.min()}")
        self._update(indices, values)

    def _update(self, indices: np.ndarray, values: np.ndarray) -> None:
        """:meth:`update` for arguments already checked (int64 indices, values >= 0)."""
        # numpy leaves the winner of a repeated index in a fancy assignment unspecified:
        # keep each index's last occurrence explicitly (sorting first is the cheap check).
        in_order = np.sort(indices)
        if (in_order[1:] == in_order[:-1]).any():
            indices, position = np.unique(indices[::-1], return_index=True)
            values = values[::-1][position]
        nodes = indices + self._first_leaf
        self._tree[nodes] = values
        level = self._first_leaf  # the first node of the level just written
        while level > 1:
            level >>= 1
            if level <= 8 * len(nodes):
                # Near the root a level has few nodes: recomputing all of them is cheaper
                # than gathering the few that changed, and so is every level above.
                self._tree[level : 2 * level] = (
                    self._left[level : 2 * level] + self._right[level : 2 * level]
                )
            else:
                nodes >>= 1  # the parents; a parent shared by two nodes is computed twice
                self._tree[nodes] = self._left[nodes] + self._right[nodes]

    def find(self, prefix_sums: ArrayLike) -> np.ndarray:
        """Return, for each prefix sum ``u`` in ``[0, total]``, the index ``i`` with
        ``value[0] + ... + value[i-1] <= u < value[0] + ... + value[i]``.

        The index returned always has a positive value: ``u == total`` gives the last
        index with a positive value, and so does round-off that carries ``u`` past the
        end of a subtree.
        """
        prefix = as_finite_array("prefix_sums", prefix_sums)
        total = self.total
        if total <= 0:
            raise ValueError("cannot find in a sum tree whose total is 0 (all values are 0)")
        if len(prefix) and (prefix.min() < 0 or prefix.max() > total):
            bad = prefix[(prefix < 0) | (prefix > total)][0]
            raise ValueError(f"prefix_sums must be in [0, total={total}], got {bad}")
        return self._find(prefix)[0]

    def find_one(self, prefix_sum: float) -> int:
        """:meth:`find` for a single prefix sum: the textbook walk, in plain Python."""
        return self.search_path(prefix_sum)[-1] - self._first_leaf

    def search_path(self, prefix_sum: float) -> list[int]:
        """The nodes that the search for one prefix sum visits, from the root (node 1)
        down to the leaf it finds (node ``leaves + index``)."""
        total = self.total
        if total <= 0:
            raise ValueError("cannot find in a sum tree whose total is 0 (all values are 0)")
        u = float(prefix_sum)
        if not 0 <= u <= total:
            raise ValueError(f"prefix_sums must be in [0, total={total}], got {u}")
        cells, node, path = self._cells, 1, [1]
        while node < self._first_leaf:
            left = cells[2 * node]
            if u >= left and cells[2 * node + 1] > 0:  # never into a subtree whose sum is 0
                u -= left
                node = 2 * node + 1
            else:
                node = 2 * node
            path.append(node)
        return path

    def _find(self, prefix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`find` for prefixes already checked; also returns the values found."""
        nodes, rest = self._jump(prefix)
        leaves = self._descend(nodes, rest, self._depth - self._jump_level, guarded=False)
        values = self._tree[leaves + self._first_leaf]
        if not values.all():  # round-off carried a prefix past the last positive leaf
            stranded = values == 0
            root = np.ones(stranded.sum(), dtype=np.int64)
            leaves[stranded] = self._descend(
                root, prefix[stranded].copy(), self._depth, guarded=True
            )
            values = self._tree[leaves + self._first_leaf]
        return leaves, values

    def _jump(self, prefix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Skip the first levels of the walk: find each prefix's node on level
        ``_jump_level`` by a binary search of that level's running sums; return the nodes
        and what is left of each prefix below them.

        The levels near the root hold few nodes, so summing one of them whole and
        searching it (np.searchsorted) is cheaper than walking down to it step by step.
        """
        first = 1 << self._jump_level
        edges = np.zeros(first + 1)
        np.cumsum(self._tree[first : 2 * first], out=edges[1:])
        start = np.searchsorted(edges, prefix, side="right") - 1
        np.minimum(start, first - 1, out=start)  # a prefix at (or rounded past) the very end
        return start + first, prefix - edges[start]

    def _descend(
        self, nodes: np.ndarray, prefix: np.ndarray, levels: int, guarded: bool
    ) -> np.ndarray:
        """Walk every prefix ``levels`` levels down from its node, all together, one level
        per iteration: go left if the prefix is below the left child's sum, else subtract
        that sum and go right."""
        for _ in range(levels):
            nodes <<= 1  # the left children
            left = self._tree[nodes]
            go_right = prefix >= left
            if guarded:  # never step into a subtree whose sum is 0
                go_right &= self._tree[nodes + 1] > 0
            left *= go_right
            prefix -= left
            nodes += go_right
        return nodes - self._first_leaf
