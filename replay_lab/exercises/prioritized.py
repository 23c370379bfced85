r"""Self-checks for notebook 03's exercises: the sum tree, and proportional sampling.

The student builds the pieces of :class:`~replay_lab.PrioritizedReplayBuffer`:

- a sum tree (:class:`SumTreeExercise` holds the flat array; the student writes ``update``
  and ``find``), checked by :func:`check_sum_tree` on random sequences of operations
  against :class:`~replay_lab.SumTree` and a linear scan of the running sums;
- the sampling probabilities :math:`P(i) = p_i^\omega / \sum_k p_k^\omega` with
  :math:`p_i = |\delta_i| + \epsilon_p` (:func:`check_probabilities`);
- a stratified batch with its importance-sampling weights (:func:`check_sampling`): a
  chi-square test of the sampling frequencies against the exact probabilities at a fixed
  seed, the stratification, and every weight worked out by hand.

Each check names the first case that went wrong in words, not only in numbers.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from replay_lab._checks import check_positive_int
from replay_lab.exercises.verdict import Verdict, run_cases, short
from replay_lab.sumtree import SumTree

__all__ = [
    "SumTreeExercise",
    "check_probabilities",
    "check_sampling",
    "check_sum_tree",
    "chi_square_limit",
]


class SumTreeExercise:
    """A sum tree without its two methods: the flat array and its layout, for the student.

    Node 1 is the root, node ``k`` has children ``2k`` and ``2k + 1`` (its parent is
    ``k // 2``), and leaf ``i`` is node ``first_leaf + i``; the leaves past ``capacity``
    stay 0. Write :meth:`update` and :meth:`find` in a subclass.
    """

    def __init__(self, capacity: int):
        self.capacity = check_positive_int("capacity", capacity)
        self.first_leaf = 2 ** (self.capacity - 1).bit_length()  # a power of two >= capacity
        self.nodes = np.zeros(2 * self.first_leaf)  # entry 0 is unused

    @property
    def total(self) -> float:
        """The sum of all values: the root."""
        return float(self.nodes[1])

    def update(self, index: int, value: float) -> None:
        """Set leaf ``index`` to ``value`` and recompute the sums on its path to the root."""
        raise NotImplementedError

    def find(self, u: float) -> int:
        """The leaf ``i`` whose slice ``[value[0] + ... + value[i-1], value[0] + ... +
        value[i])`` of the running sum holds ``u`` (never a leaf whose value is 0)."""
        raise NotImplementedError


# Capacities of every shape: one leaf, a power of two, and leaves left over at the end.
_CAPACITIES = (1, 2, 3, 5, 8, 13)


def check_sum_tree(tree_class: Callable[[int], SumTreeExercise], seed: int = 0) -> Verdict:
    """Check a student's sum tree class: ``update`` first, then ``find``.

    ``update`` runs random sequences of updates (the same leaf set again and again, zeros
    among the values); after each one every leaf must hold the last value set and every
    other node the sum of its two children. ``find`` then runs on trees whose nodes are
    copied from :class:`~replay_lab.SumTree` (so a wrong ``update`` cannot spoil it), at
    every boundary of the running sums, at 0, at the total and at random points, against
    a linear scan of the running sums.
    """
    if not (isinstance(tree_class, type) and issubclass(tree_class, SumTreeExercise)):
        raise TypeError(
            "tree_class must be your class, a subclass of SumTreeExercise (MySumTree, "
            f"not MySumTree()), got {tree_class!r}"
        )
    rng = np.random.default_rng(seed)
    verdict = _check_updates(tree_class, rng)
    if verdict is not None:
        return verdict
    verdict = _check_finds(tree_class, rng)
    if verdict is not None:
        return verdict
    return Verdict(
        "correct",
        "update and find agree with replay_lab.SumTree and with a linear scan of the "
        f"running sums on trees of {', '.join(map(str, _CAPACITIES))} leaves.",
    )


def _random_value(rng: np.random.Generator) -> float:
    """Whole numbers (so sums are exact), zeros, and the odd fraction."""
    kind = rng.random()
    if kind < 0.2:
        return 0.0
    if kind < 0.8:
        return float(rng.integers(1, 6))
    return float(rng.uniform(0, 5))


def _check_updates(tree_class, rng) -> Verdict | None:
    for capacity in _CAPACITIES:
        tree = tree_class(capacity)
        values = np.zeros(capacity)
        done = []
        for _ in range(4 * capacity + 4):
            index, value = int(rng.integers(capacity)), _random_value(rng)
            try:
                tree.update(index, value)
            except NotImplementedError:
                return Verdict("not done yet", "update still raises NotImplementedError.")
            previous = values.copy()
            values[index] = value
            done.append(f"update({index}, {value:g})")
            nodes = np.asarray(tree.nodes, dtype=float)
            problem = _tree_problem(nodes, values, previous, tree.first_leaf)
            if problem:
                steps = ", ".join(done[-4:])
                before = "..., " if len(done) > 4 else ""
                return Verdict(
                    "not right yet",
                    f"on a tree of {capacity} {'leaf' if capacity == 1 else 'leaves'}, after "
                    f"{before}{steps}: {problem}",
                )
    return None


def _tree_problem(nodes: np.ndarray, values: np.ndarray, previous: np.ndarray, first_leaf: int):
    """What is wrong with ``nodes`` as a sum tree over ``values`` ('' if nothing);
    ``previous`` are the values before the last update, to recognise an added value."""
    leaves = nodes[first_leaf : first_leaf + len(values)]
    for i in np.flatnonzero(~np.isclose(leaves, values, rtol=1e-12, atol=1e-12)):
        added = math.isclose(leaves[i], previous[i] + values[i], abs_tol=1e-9)
        hint = ": update must set the value, not add it to the old one" if added else ""
        last = f"the last value set there was {values[i]:g}"
        return f"leaf {i} holds {leaves[i]:g}, but {last}{hint}."
    for node in range(first_leaf - 1, 0, -1):  # from the bottom up: the first wrong sum
        children = nodes[2 * node] + nodes[2 * node + 1]
        if not math.isclose(nodes[node], children, rel_tol=1e-12, abs_tol=1e-12):
            where = "the root" if node == 1 else f"node {node}"
            return (
                f"{where} holds {nodes[node]:g}, but its children (nodes {2 * node} and "
                f"{2 * node + 1}) add up to {children:g}: every node above a changed leaf "
                "must be recomputed, up to the root."
            )
    return ""


def _check_finds(tree_class, rng) -> Verdict | None:
    for capacity in _CAPACITIES:
        for _ in range(3):
            # whole numbers, so that the boundaries of the slices are exact
            values = rng.integers(0, 5, size=capacity).astype(float)
            if values.sum() == 0:
                values[rng.integers(capacity)] = 1.0
            reference = SumTree(capacity)
            reference.update(np.arange(capacity), values)
            tree = tree_class(capacity)
            tree.nodes[:] = reference.nodes()
            running = np.cumsum(values)
            # every boundary between slices first, then 0 and random points
            prefixes = [*running.tolist(), 0.0, *(rng.random(5) * running[-1]).tolist()]
            for u in prefixes:
                try:
                    answer = tree.find(u)
                except NotImplementedError:
                    return Verdict("not done yet", "find still raises NotImplementedError.")
                want = _linear_scan(values, u)
                if _as_index(answer) != want:
                    return Verdict("not right yet", _find_problem(values, u, answer, want))
    return None


def _linear_scan(values: np.ndarray, u: float) -> int:
    """The leaf whose slice of the running sum holds ``u``, one leaf at a time; ``u`` equal
    to the total gives the last leaf with a positive value."""
    running = 0.0
    for i, value in enumerate(values):
        running += value
        if u < running:
            return i
    return int(np.flatnonzero(values)[-1])


def _as_index(answer) -> int | None:
    if isinstance(answer, bool | np.bool_) or np.ndim(answer) != 0:
        return None
    if isinstance(answer, int | np.integer) or float(answer).is_integer():
        return int(answer)
    return None


def _find_problem(values, u, answer, want) -> str:
    running = np.cumsum(values)
    start = running[want] - values[want]
    text = (
        f"with leaves {_listed(values)} (running sums {_listed(running)}), find({u:g}) "
        f"returned {short(answer)}, expected leaf {want}"
    )
    index = _as_index(answer)
    if index is None:
        return f"{text}: find must return one leaf index, a whole number."
    if not 0 <= index < len(values):
        return (
            f"{text}: there are only leaves 0 to {len(values) - 1} (a leaf past them is "
            "padding, with value 0, and must never be found)."
        )
    if u == start and u < running[-1] and index < want:
        return (
            f"{text}, whose slice [{start:g}, {running[want]:g}) starts exactly at u: "
            "a slice holds its left end (go right when u >= the left sum)."
        )
    if values[index] == 0:
        return f"{text}: leaf {index} has value 0 and must never be found."
    if u == running[-1]:
        return f"{text}: u equal to the total must give the last leaf with a positive value."
    return f"{text}, whose slice of the running sum [{start:g}, {running[want]:g}) holds u."


def _listed(values) -> str:
    return "[" + ", ".join(f"{v:g}" for v in values) + "]"


def check_probabilities(student: Callable, seed: int = 0) -> Verdict:
    r"""Check ``student(td_errors, omega, floor) -> probabilities``:
    :math:`P(i) = (|\delta_i| + \epsilon_p)^\omega / \sum_k (|\delta_k| + \epsilon_p)^\omega`,
    with TD errors of both signs, some exactly 0, and floors from 1e-3 to 1."""
    rng = np.random.default_rng(seed)
    cases = []
    for size in sorted(rng.integers(2, 12, size=100)):  # short cases first: easier to read
        td_errors = rng.normal(size=int(size)) * 3
        td_errors[rng.random(len(td_errors)) < 0.2] = 0.0
        cases.append((td_errors, float(rng.choice([0.0, 0.6, 1.0, rng.uniform(0, 2)])),
                      float(rng.choice([1e-3, 0.1, 1.0]))))  # fmt: skip

    def reference(td_errors, omega, floor):
        p = (np.abs(td_errors) + floor) ** omega
        return p / p.sum()

    verdict = run_cases("probabilities", student, cases, reference)
    if verdict.status == "not right yet":
        sums = [np.sum(np.asarray(student(*case), dtype=float)) for case in cases]
        if not np.allclose(sums, 1.0):
            verdict.message += " Probabilities must add up to 1 (a priority is not one)."
    return verdict


def chi_square_limit(dof: int, z: float = 4.75) -> float:
    """The chi-square value exceeded with probability about that of a normal beyond ``z``
    (4.75: about 1e-6), by the Wilson-Hilferty approximation (no scipy needed)."""
    k = 2.0 / (9.0 * dof)
    return dof * (1.0 - k + z * math.sqrt(k)) ** 3


def check_sampling(student: Callable, seed: int = 0) -> Verdict:
    r"""Check ``student(probabilities, batch_size, beta, rng) -> (indices, weights)``: a
    stratified batch drawn with the given probabilities, and its importance-sampling
    weights :math:`w_i = (N P(i))^{-\beta} / \max_j (N P(j))^{-\beta}` (j over the batch).

    Three checks, in this order: every weight by hand, the stratification (equal
    probabilities and a batch as large as the buffer give every transition exactly once),
    and a chi-square test of 8,000 draws against the exact probabilities (seeded, so the
    verdict is the same every time; a right answer fails it with probability about 1e-6).
    """
    if not callable(student):
        raise TypeError(f"student must be your sample function, got {student!r}")
    rng = np.random.default_rng(seed)
    cases = [
        (np.array([0.05, 0.1, 0.15, 0.2, 0.5]), 8, 0.5),
        (np.array([0.4, 0.3, 0.2, 0.1]), 16, 1.0),
        (np.array([0.02, 0.08, 0.3, 0.6]), 4, 0.0),
        (np.full(10, 0.1), 5, 1.0),
    ]
    for probabilities, batch_size, beta in cases:
        counts = np.zeros(len(probabilities))
        for _ in range(8000 // batch_size):
            try:
                answer = student(probabilities.copy(), batch_size, beta, rng)
            except NotImplementedError:
                return Verdict("not done yet", "sample still raises NotImplementedError.")
            problem = _batch_problem(probabilities, batch_size, beta, answer)
            if problem:
                return Verdict("not right yet", problem)
            np.add.at(counts, np.asarray(answer[0], dtype=int), 1)
        problem = _frequency_problem(probabilities, counts)
        if problem:
            return Verdict("not right yet", problem)
    for batch_size in (4, 8):
        probabilities = np.full(batch_size, 1 / batch_size)
        for _ in range(20):
            indices, _ = student(probabilities.copy(), batch_size, 1.0, rng)
            if sorted(np.asarray(indices).tolist()) != list(range(batch_size)):
                return Verdict(
                    "not right yet",
                    f"with {batch_size} equal probabilities and a batch of {batch_size}, "
                    f"the batch was {short(np.asarray(indices))}: a stratified batch draws one "
                    f"prefix sum in each of the {batch_size} equal segments of [0, total), "
                    "so here every transition must come up exactly once.",
                )
    return Verdict(
        "correct",
        "every weight is right, batches are stratified, and 8,000 draws pass a chi-square "
        "test against the exact probabilities.",
    )


def _batch_problem(probabilities, batch_size, beta, answer) -> str:
    shown = f"sample({short(probabilities)}, {batch_size}, beta={beta:g})"
    if not (isinstance(answer, tuple | list) and len(answer) == 2):
        return f"{shown} returned {short(answer)}: return two arrays, (indices, weights)."
    indices, weights = (np.asarray(x) for x in answer)
    n = len(probabilities)
    if indices.shape != (batch_size,) or weights.shape != (batch_size,):
        return (
            f"{shown} returned arrays of shapes {indices.shape} and {weights.shape}: "
            f"both must hold batch_size = {batch_size} numbers."
        )
    if indices.dtype.kind not in "iu" or indices.min() < 0 or indices.max() >= n:
        return f"{shown} returned indices {short(indices)}: whole numbers 0 to {n - 1}, please."
    raw = (n * probabilities[indices]) ** -beta
    want = raw / raw.max()
    if np.allclose(weights, want, rtol=1e-9, atol=1e-12):
        return ""
    text = f"{shown} drew {short(indices)} with weights {short(weights)}, expected {short(want)}"
    if np.allclose(weights, raw / raw.sum(), rtol=1e-9):
        return f"{text}: divide by the largest weight of the batch, not by their sum."
    if np.allclose(weights, raw, rtol=1e-9):
        return f"{text}: divide by the largest weight of the batch, so that it is 1."
    flipped = (n * probabilities[indices]) ** beta
    if np.allclose(weights, flipped / flipped.max(), rtol=1e-9):
        return (
            f"{text}: the exponent is -beta, so that transitions drawn more often than "
            "uniform sampling would draw them get smaller weights."
        )
    return f"{text}: w_i = (N P(i))^-beta, divided by the largest weight of the batch."


def _frequency_problem(probabilities, counts) -> str:
    expected = probabilities * counts.sum()
    statistic = float(np.sum((counts - expected) ** 2 / expected))
    limit = chi_square_limit(len(probabilities) - 1)
    if statistic <= limit:
        return ""
    return (
        f"over {counts.sum():.0f} draws with probabilities {short(probabilities)} the "
        f"transitions came up {short(counts.astype(int))} times, expected about "
        f"{short(np.round(expected, 1))} (chi-square {statistic:.1f}, far above "
        f"{limit:.1f}): find the transition whose slice of the running sum holds each "
        "prefix sum."
    )
