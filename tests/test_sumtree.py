"""SumTree: invariants under any sequence of operations (hypothesis) against a plain numpy
reference, exact prefix search, the boundary pitfalls, and no drift after millions of
updates."""

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from replay_lab.sumtree import SumTree
from tests.stats import ALPHA, chi_square_p


def inner_nodes_are_sums_of_children(tree: SumTree) -> bool:
    nodes = tree.nodes()
    parents = np.arange(1, 2**tree.depth)
    # Exact: every inner node is recomputed as left + right, never adjusted by a difference.
    return bool(np.array_equal(nodes[parents], nodes[2 * parents] + nodes[2 * parents + 1]))


def plain_descent(tree: SumTree, u: float) -> int:
    """The textbook walk from the root, with no protection against round-off."""
    nodes, node, first_leaf = tree.nodes(), 1, 2**tree.depth
    while node < first_leaf:
        if u < nodes[2 * node]:
            node = 2 * node
        else:
            u -= nodes[2 * node]
            node = 2 * node + 1
    return node - first_leaf


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


@settings(max_examples=150, deadline=None)
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
        assert not tree.nodes()[2**tree.depth + capacity :].any()  # padding leaves stay 0


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
    assert found.tolist() == [tree.search_path(u)[-1] - 2**tree.depth for u in prefixes]
    assert (tree[found] > 0).all()


@pytest.mark.parametrize("capacity", [1500, 5000, 70_000])
def test_find_in_deep_trees_matches_a_binary_search_of_exact_running_sums(capacity):
    # Deep trees (depth 11 to 17); integer values keep every
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
    values = np.array([5.0, 0.0, 1.0, 3.0, 0.5, 0.5])
    tree = SumTree(6)
    tree.update(np.arange(6), values)
    rng = np.random.default_rng(4)
    counts = np.bincount(tree.find(rng.random(30_000) * tree.total), minlength=6)
    assert counts[1] == 0
    assert chi_square_p(counts, values / values.sum()) > ALPHA
    # ... and the test has power: slightly different values fail it.
    assert chi_square_p(counts, [4.5, 0.0, 1.0, 3.0, 0.75, 0.75]) < ALPHA


def test_no_drift_after_half_a_million_updates():
    tree = SumTree(1000)
    rng = np.random.default_rng(1)
    for _ in range(2000):  # 2000 batches of 256 = 512,000 updates
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


def test_layout_by_hand():
    # capacity 3: depth 2, 4 leaves (nodes 4..7), the last one padding
    tree = SumTree(3)
    assert (tree.capacity, tree.depth, len(tree)) == (3, 2, 3)
    tree.update([0, 1, 2], [1.0, 2.0, 4.0])
    np.testing.assert_array_equal(tree.nodes(), [0.0, 7.0, 3.0, 4.0, 1.0, 2.0, 4.0, 0.0])
    np.testing.assert_array_equal(tree.values(), [1.0, 2.0, 4.0])
    assert tree.total == 7.0 and type(tree.total) is float
    assert [SumTree(c).depth for c in (1, 2, 3, 4, 5, 8, 9, 1000)] == [0, 1, 2, 2, 3, 3, 4, 10]


def test_nodes_and_values_are_copies():
    tree = SumTree(4)
    tree.update([0, 1], [1.0, 2.0])
    tree.nodes()[:] = 99.0
    tree.values()[:] = 99.0
    assert tree.total == 3.0
    np.testing.assert_array_equal(tree.values(), [1.0, 2.0, 0.0, 0.0])


def test_getitem_scalar_and_array():
    tree = SumTree(5)
    tree.update(np.arange(5), [0.5, 1.5, 0.0, 2.0, 3.0])
    assert tree[3] == 2.0 and type(tree[3]) is float
    assert tree[np.int64(1)] == 1.5
    np.testing.assert_array_equal(tree[[4, 0, 4]], [3.0, 0.5, 3.0])
    np.testing.assert_array_equal(tree[np.array([], dtype=int)], [])


def test_search_path_by_hand():
    tree = SumTree(4)
    tree.update([0, 1, 2, 3], [1.0, 0.0, 2.0, 1.0])
    # root 1 (4) -> left 2 holds 1; u = 2.5 >= 1: right to 3 with u = 1.5; node 6 holds 2
    assert tree.search_path(2.5) == [1, 3, 6]
    assert tree.search_path(0.5) == [1, 2, 4]
    assert tree.search_path(4.0) == [1, 3, 7]  # the total: the last positive leaf
    # 1.0 is the end of leaf 0's range; leaf 1 is empty, so the walk turns away from it
    assert tree.search_path(1.0) == [1, 3, 6]
    single = SumTree(1)
    single[0] = 2.0
    assert single.search_path(1.0) == [1]  # depth 0: the root is the leaf


def test_find_accepts_a_scalar():
    tree = SumTree(3)
    tree.update([0, 1, 2], [1.0, 1.0, 1.0])
    assert tree.find(1.5).tolist() == [1]
    assert tree.find(np.float32(2.5)).tolist() == [2]
    assert tree.find(3).tolist() == [2]


def test_empty_update_and_empty_find_change_nothing():
    tree = SumTree(4)
    tree.update([0, 3], [1.0, 2.0])
    before = tree.nodes()
    tree.update([], [])
    np.testing.assert_array_equal(tree.nodes(), before)
    assert tree.find([]).shape == (0,)


# Random operation sequences against a plain numpy array: ("set", i, v), ("update",
# [(i, v), ...]) and ("find", [fraction, ...]). Integer values keep every sum exact, so the
# tree and a cumulative-sum reference agree exactly, not just approximately.
operations = st.lists(
    st.one_of(
        st.tuples(st.just("set"), st.integers(0, 10**6), st.integers(0, 9)),
        st.tuples(
            st.just("update"),
            st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 9)), max_size=20),
        ),
        st.tuples(st.just("find"), st.lists(st.floats(0, 1), min_size=1, max_size=10)),
    ),
    min_size=1,
    max_size=30,
)


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 40), operations)
def test_random_operation_sequences_match_a_numpy_reference(capacity, ops):
    tree, mirror = SumTree(capacity), np.zeros(capacity)
    for op in ops:
        if op[0] == "set":
            tree[op[1] % capacity] = float(op[2])
            mirror[op[1] % capacity] = op[2]
        elif op[0] == "update":
            indices = [i % capacity for i, _ in op[1]]
            tree.update(indices, [float(v) for _, v in op[1]])
            for i, (_, v) in zip(indices, op[1], strict=True):
                mirror[i] = v
        elif mirror.sum() > 0:
            prefixes = np.array([f * tree.total for f in op[1]] + [tree.total])
            edges = np.cumsum(mirror)
            expected = np.minimum(np.searchsorted(edges, prefixes, side="right"), capacity - 1)
            expected[prefixes == edges[-1]] = np.flatnonzero(mirror).max()
            found = tree.find(prefixes)
            np.testing.assert_array_equal(found, expected)
            assert (mirror[found] > 0).all()  # never a zero leaf
        else:
            with pytest.raises(ValueError, match="total is 0"):
                tree.find(op[1])
        np.testing.assert_array_equal(tree.values(), mirror)
        assert tree.total == mirror.sum()
        assert inner_nodes_are_sums_of_children(tree)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.floats(0, 1e6).map(lambda v: v if v > 1e-3 else 0.0), min_size=1, max_size=50
    ).filter(any),
    st.lists(st.floats(0, 1), min_size=1, max_size=20),
)
def test_find_with_real_values_lands_in_the_range_up_to_round_off(values, fractions):
    tree = SumTree(len(values))
    tree.update(np.arange(len(values)), values)
    edges = np.cumsum(values)
    prefixes = np.array([f * tree.total for f in fractions] + [0.0, tree.total])
    found = tree.find(prefixes)
    tol = 1e-9 * tree.total
    lower = np.concatenate([[0.0], edges])[found]
    assert (np.asarray(values)[found] > 0).all()
    assert (lower - tol <= prefixes).all() and (prefixes <= edges[found] + tol).all()


@settings(max_examples=200, deadline=None)
@given(
    st.integers(1, 30).flatmap(
        lambda n: st.tuples(
            st.just(n),
            st.lists(st.integers(0, n - 1), min_size=1, max_size=3 * n),
            st.lists(st.floats(0, 100), min_size=3 * n, max_size=3 * n),
        )
    )
)
def test_repeated_indices_last_occurrence_wins(case):
    capacity, indices, values = case
    values = values[: len(indices)]
    tree = SumTree(capacity)
    tree.update(indices, values)
    expected = np.zeros(capacity)
    for i, v in zip(indices, values, strict=True):
        expected[i] = v
    np.testing.assert_array_equal(tree.values(), expected)
    assert inner_nodes_are_sums_of_children(tree)


def test_search_path_is_a_root_to_leaf_walk_ending_at_find():
    rng = np.random.default_rng(3)
    tree = SumTree(37)
    tree.update(np.arange(37), rng.integers(0, 3, size=37).astype(float))
    for u in np.concatenate([rng.random(200) * tree.total, [0.0, tree.total]]):
        path = tree.search_path(u)
        assert path[0] == 1 and len(path) == tree.depth + 1
        assert all(child // 2 == parent for parent, child in itertools.pairwise(path))
        assert path[-1] - 2**tree.depth == tree.find([u])[0]
        assert all(tree.nodes()[node] > 0 for node in path)  # never into an empty subtree


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: SumTree(0), ValueError, "capacity must be >= 1, got 0"),
        (lambda: SumTree(2.0), TypeError, "capacity must be an integer, got float"),
        (lambda: SumTree(True), TypeError, "capacity must be an integer, got bool"),
        (lambda: SumTree("4"), TypeError, "capacity must be an integer, got str"),
        (
            lambda: SumTree(4).update([0, 1], [1.0, -0.5]),
            ValueError,
            r"values must be finite, in \[0.0, inf\], got -0.5",
        ),
        (lambda: SumTree(4).update([0], [math.nan]), ValueError, "values must be finite.*got nan"),
        (lambda: SumTree(4).update([0], [math.inf]), ValueError, "values must be finite.*got inf"),
        (
            lambda: SumTree(4).update([0], np.array(["1.0"])),
            TypeError,
            "values must hold real numbers, got dtype <U3",
        ),
        (
            lambda: SumTree(4).update([0], [1 + 0j]),
            TypeError,
            "values must hold real numbers, got dtype complex128",
        ),
        (
            lambda: SumTree(4).update([0], np.array([1.0], dtype=object)),
            TypeError,
            "values must hold real numbers, got dtype object",
        ),
        (
            lambda: SumTree(4).update([0], [True]),
            TypeError,
            "values must hold real numbers, got dtype bool",
        ),
        (lambda: SumTree(4).update([4], [1.0]), ValueError, r"indices must be in \[0, 3\], got 4"),
        (
            lambda: SumTree(4).update([-1], [1.0]),
            ValueError,
            r"indices must be in \[0, 3\], got -1",
        ),
        (
            lambda: SumTree(4).update([0.0], [1.0]),
            TypeError,
            "indices must hold integers, got dtype float64",
        ),
        (
            lambda: SumTree(4).update([0, 1], [1.0]),
            ValueError,
            "mismatched lengths: indices=2, values=1",
        ),
        (
            lambda: SumTree(4).__setitem__(0, -1.0),
            ValueError,
            r"value must be in \[0, inf\), got -1.0",
        ),
        (
            lambda: SumTree(4).__setitem__(0, math.nan),
            ValueError,
            "value must be in .*got nan",
        ),
        (lambda: SumTree(4).__setitem__(0, "1"), TypeError, "value must be a real number"),
        (lambda: SumTree(4).__setitem__(0, 2j), TypeError, "value must be a real number"),
        (lambda: SumTree(4).__setitem__(9, 1.0), ValueError, r"index must be in \[0, 3\], got 9"),
        (lambda: SumTree(4).__setitem__(1.0, 1.0), TypeError, "index must be an integer"),
        (lambda: SumTree(4).__getitem__(4), ValueError, r"index must be in \[0, 3\], got 4"),
        (lambda: SumTree(4).__getitem__([0, 4]), ValueError, r"indices must be in \[0, 3\]"),
        (lambda: SumTree(4).find([0.0]), ValueError, "cannot find in a sum tree whose total is 0"),
        (lambda: SumTree(4).search_path(0.0), ValueError, "whose total is 0"),
    ],
)
def test_bad_input_is_rejected(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_rejected_update_changes_nothing():
    tree = SumTree(4)
    tree.update([0, 1, 2, 3], [1.0, 2.0, 3.0, 4.0])
    before = tree.nodes()
    for indices, values in [([0, 1], [5.0, -1.0]), ([0, 9], [5.0, 5.0]), ([0], ["5"])]:
        with pytest.raises((TypeError, ValueError), match=r"values|indices"):
            tree.update(indices, values)
        np.testing.assert_array_equal(tree.nodes(), before)


@pytest.mark.parametrize(
    ("prefix_sums", "error", "message"),
    [
        ([1.0, 3.5], ValueError, r"prefix_sums must be finite, in \[0.0, 3.0\], got 3.5"),
        ([-0.1], ValueError, r"prefix_sums must be finite, in \[0.0, 3.0\], got -0.1"),
        ([math.nan], ValueError, "prefix_sums must be finite.*got nan"),
        ([math.inf], ValueError, "prefix_sums must be finite.*got inf"),
        (3.5, ValueError, r"prefix_sums must be finite, in \[0.0, 3.0\], got 3.5"),
        (math.nan, ValueError, "prefix_sums must be finite, got nan"),
        (np.array(["1.0"]), TypeError, "prefix_sums must hold real numbers, got dtype <U3"),
        ("1.0", TypeError, "prefix_sums must be a real number, got str"),
        ([1 + 0j], TypeError, "prefix_sums must hold real numbers, got dtype complex128"),
        (1 + 0j, TypeError, "prefix_sums must be a real number, got complex"),
        (np.array([1.0], dtype=object), TypeError, "prefix_sums must hold real numbers"),
        ([True], TypeError, "prefix_sums must hold real numbers, got dtype bool"),
        (True, TypeError, "prefix_sums must be a real number, got bool"),
    ],
)
def test_find_rejects_bad_prefix_sums(prefix_sums, error, message):
    tree = SumTree(3)
    tree.update([0, 1, 2], [1.0, 1.0, 1.0])
    with pytest.raises(error, match=message):
        tree.find(prefix_sums)
    if np.ndim(prefix_sums) == 0:
        with pytest.raises(error, match="prefix_sums"):  # one value, same checks
            tree.search_path(prefix_sums)
