"""SumTree: invariants under any sequence of updates (hypothesis), exact prefix search,
the boundary pitfalls, and no drift after millions of updates."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from replay_lab.sumtree import SumTree


def inner_nodes_are_sums_of_children(tree: SumTree) -> bool:
    nodes = tree._tree
    parents = np.arange(1, tree._first_leaf)
    # Exact: every inner node is recomputed as left + right, never adjusted by a difference.
    return bool(np.array_equal(nodes[parents], nodes[2 * parents] + nodes[2 * parents + 1]))


def plain_descent(tree: SumTree, u: float) -> int:
    """The textbook walk from the root, with no protection against round-off."""
    nodes, node = tree._tree, 1
    while node < tree._first_leaf:
        if u < nodes[2 * node]:
            node = 2 * node
        else:
            u -= nodes[2 * node]
            node = 2 * node + 1
    return node - tree._first_leaf


def expected_find(values, u):
    """The leaf whose cumulative range [c[i-1], c[i]) holds u, by a plain scan.

    u equal to the total maps to the last positive leaf."""
    running = 0.0
    for i, v in enumerate(values):
        running += v
        if u < running:
            return i
    return max(i for i, v in enumerate(values) if v > 0)


capacities = st.integers(1, 70)  # includes 1, powers of two and everything between
updates = st.lists(
    st.tuples(st.integers(0, 10**6), st.floats(0, 1e3, allow_nan=False)), min_size=1, max_size=60
)


@settings(max_examples=300, deadline=None)
@given(capacities, st.lists(updates, min_size=1, max_size=5), st.booleans())
def test_invariants_hold_after_any_updates(capacity, rounds, one_at_a_time):
    tree, mirror = SumTree(capacity), np.zeros(capacity)
    for pairs in rounds:
        indices = [i % capacity for i, _ in pairs]
        values = [v for _, v in pairs]
        if one_at_a_time:
            for i, v in zip(indices, values, strict=True):
                tree[i] = v
        else:
            tree.update(indices, values)
        for i, v in zip(indices, values, strict=True):  # the last value of an index wins
            mirror[i] = v
        assert inner_nodes_are_sums_of_children(tree)
        np.testing.assert_array_equal(tree.values(), mirror)
        assert tree.total == pytest.approx(math.fsum(mirror), rel=1e-12, abs=1e-12)
        assert not tree._tree[tree._first_leaf + capacity :].any()  # padding leaves stay 0


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.integers(0, 8), min_size=1, max_size=40).filter(any),
    st.lists(st.floats(0, 1), min_size=1, max_size=30),
)
def test_find_returns_the_leaf_whose_range_holds_the_prefix(values, fractions):
    # Small integer values keep every sum exact, so the scan and the tree agree exactly.
    tree = SumTree(len(values))
    tree.update(np.arange(len(values)), np.array(values, dtype=float))
    prefixes = [f * tree.total for f in fractions] + [0.0, tree.total]
    found = tree.find(prefixes)
    assert found.tolist() == [expected_find(values, u) for u in prefixes]
    assert found.tolist() == [tree.find_one(u) for u in prefixes]
    assert (tree[found] > 0).all()


@pytest.mark.parametrize("capacity", [1500, 5000, 70_000])
def test_find_in_deep_trees_matches_a_binary_search_of_exact_running_sums(capacity):
    # Deep enough that find jumps to level 10 and then walks; integer values keep every
    # sum exact, and zeros make many empty ranges.
    rng = np.random.default_rng(capacity)
    values = rng.integers(0, 4, size=capacity).astype(float)
    values[capacity // 2 :: 7] = 0.0
    tree = SumTree(capacity)
    tree.update(np.arange(capacity), values)
    edges = np.cumsum(values)
    prefixes = np.concatenate([rng.random(2000) * tree.total, edges[:-1:3], [0.0]])
    expected = np.searchsorted(edges, prefixes, side="right")
    last_positive = np.flatnonzero(values).max()
    expected[prefixes == tree.total] = last_positive  # an edge equal to the total
    np.testing.assert_array_equal(tree.find(prefixes), expected)
    assert tree.find([tree.total]).tolist() == [last_positive]


def test_find_by_hand_including_zero_leaves_and_boundaries():
    tree = SumTree(5)  # not a power of two: 8 leaves, the last 3 are padding
    tree.update([0, 1, 2, 3, 4], [1.0, 0.0, 2.0, 0.0, 1.0])
    # ranges: 0 -> [0, 1), 1 -> empty, 2 -> [1, 3), 3 -> empty, 4 -> [3, 4)
    assert tree.find([0.0, 0.5, 1.0, 2.999, 3.0, 3.5, 4.0]).tolist() == [0, 0, 2, 2, 4, 4, 4]


def test_prefix_equal_to_total_never_lands_on_padding_or_zero_leaf():
    for capacity in (1, 2, 3, 5, 7, 100, 1000, 3000, 100_000):
        tree = SumTree(capacity)
        tree.update(np.arange(capacity), np.linspace(0.1, 1, capacity))
        assert tree.find([tree.total]).tolist() == [capacity - 1]
        tree[capacity - 1] = 0.0
        last_positive = capacity - 2 if capacity > 1 else None
        if last_positive is not None:
            assert tree.find([tree.total]).tolist() == [last_positive]


def test_round_off_past_a_subtree_falls_back_to_a_positive_leaf():
    # Found by a random search: with these values the plain descent walks a prefix just
    # below the total into the empty part of the tree, because the running subtraction
    # rounds differently from the sums stored in the nodes.
    values = [
        0.0027926594146162787,
        6.75157494460702,
        3.2272839167229783,
        0.008747298921423015,
        0.04633517230413441,
        36.964457671199,
        0.05205996160447568,
    ]
    tree = SumTree(12)
    tree.update(np.arange(7), values)
    prefixes = np.nextafter(tree.total, 0) - np.arange(20) * np.spacing(tree.total)
    assert (prefixes < tree.total).all()
    plain = [plain_descent(tree, u) for u in prefixes]
    assert max(plain) >= 7, "the pitfall this test guards against did not occur"
    found = tree.find(prefixes)
    assert (found < 7).all() and (tree[found] > 0).all()


def test_single_leaf_tree():
    tree = SumTree(1)
    tree[0] = 2.5
    assert tree.total == 2.5 and tree.find([0.0, 1.0, 2.5]).tolist() == [0, 0, 0]


def test_sampling_frequencies_match_values():
    from tests.stats import ALPHA, chi_square_p

    values = np.array([5.0, 0.0, 1.0, 3.0, 0.5, 0.5])
    tree = SumTree(6)
    tree.update(np.arange(6), values)
    rng = np.random.default_rng(4)
    counts = np.bincount(tree.find(rng.random(30_000) * tree.total), minlength=6)
    assert counts[1] == 0
    assert chi_square_p(counts, values / values.sum()) > ALPHA


def test_no_drift_after_millions_of_updates():
    tree = SumTree(1000)
    rng = np.random.default_rng(1)
    for _ in range(4000):  # 4000 batches of 256 = 1,024,000 updates
        tree.update(rng.integers(1000, size=256), rng.random(256) * 10.0 ** rng.integers(-6, 4))
    for _ in range(20_000):
        tree[int(rng.integers(1000))] = float(rng.random())
    exact = math.fsum(tree.values())
    assert abs(tree.total - exact) <= 1e-13 * exact
    assert inner_nodes_are_sums_of_children(tree)


def test_last_value_of_a_repeated_index_wins():
    tree = SumTree(4)
    tree.update([2, 1, 2, 2], [5.0, 1.0, 7.0, 3.0])
    assert tree[2] == 3.0 and tree.total == 4.0


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: SumTree(0), ValueError, "capacity must be >= 1, got 0"),
        (lambda: SumTree(2.0), TypeError, "capacity must be an integer, got float"),
        (
            lambda: SumTree(4).update([0, 1], [1.0, -0.5]),
            ValueError,
            r"values must be finite and >= 0, got -0.5",
        ),
        (lambda: SumTree(4).update([0], [math.nan]), ValueError, "values must be finite, got nan"),
        (lambda: SumTree(4).update([0], [math.inf]), ValueError, "values must be finite, got inf"),
        (lambda: SumTree(4).update([4], [1.0]), ValueError, r"indices must be in \[0, 3\], got 4"),
        (
            lambda: SumTree(4).update([-1], [1.0]),
            ValueError,
            r"indices must be in \[0, 3\], got -1",
        ),
        (
            lambda: SumTree(4).update([0, 1], [1.0]),
            ValueError,
            "mismatched lengths: indices=2, values=1",
        ),
        (
            lambda: SumTree(4).__setitem__(0, -1.0),
            ValueError,
            "values must be finite and >= 0, got -1.0",
        ),
        (
            lambda: SumTree(4).__setitem__(0, math.nan),
            ValueError,
            "values must be finite and >= 0, got nan",
        ),
        (lambda: SumTree(4).__setitem__(9, 1.0), ValueError, r"index must be in \[0, 3\], got 9"),
        (lambda: SumTree(4).__getitem__(4), ValueError, r"index must be in \[0, 3\], got 4"),
        (lambda: SumTree(4).find([0.0]), ValueError, "cannot find in a sum tree whose total is 0"),
    ],
)
def test_bad_input_is_rejected(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_find_rejects_prefixes_outside_the_range():
    tree = SumTree(3)
    tree.update([0, 1, 2], [1.0, 1.0, 1.0])
    with pytest.raises(ValueError, match=r"prefix_sums must be in \[0, total=3.0\], got 3.5"):
        tree.find([1.0, 3.5])
    with pytest.raises(ValueError, match=r"prefix_sums must be in \[0, total=3.0\], got -0.1"):
        tree.find([-0.1])
    with pytest.raises(ValueError, match="prefix_sums must be finite, got nan"):
        tree.find([math.nan])
