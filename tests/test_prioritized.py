"""Prioritized replay: the priority and weight formulas by hand, exact sampling
distributions of the proportional and rank-based buffers (chi-square with fixed seeds, each
with a power check), importance-sampling weights by hand, the bookkeeping of
update_priorities, and the pitfalls other implementations have had."""

import copy
import math
import warnings

import numpy as np
import pytest

from replay_lab.buffers import Batch, ReplayBuffer
from replay_lab.prioritized import (
    PrioritizedReplayBuffer,
    RankBasedReplayBuffer,
    importance_weights,
    priority,
    stratified_prefix_sums,
)
from tests.stats import ALPHA, chi_square_p


def filled(buffer, n, start=0):
    """Add n transitions whose state is their serial number (easy to recognise)."""
    for i in range(start, start + n):
        buffer.add(i, i % 4, float(i), i + 1, i % 5 == 0)
    return buffer


def all_slots(buffer):
    """A Batch of every stored slot, as sample() would return it (current ids)."""
    slots = np.arange(len(buffer))
    return buffer.batch(slots, np.ones(len(slots)))


def with_priorities(cls, td_errors, capacity=None, seed=0, **kwargs):
    buffer = filled(cls(capacity or len(td_errors), seed=seed, **kwargs), len(td_errors))
    buffer.update_priorities(all_slots(buffer), td_errors)
    return buffer


def sample_counts(buffer, draws, batch_size=50, **kwargs):
    counts = np.zeros(buffer.capacity, dtype=np.int64)
    for _ in range(draws // batch_size):
        counts += np.bincount(
            buffer.sample(batch_size, **kwargs).indices, minlength=buffer.capacity
        )
    return counts


def rank_distribution(n, exponent):
    """P(rank k) = k^-exponent / sum_{j=1..n} j^-exponent, k = 1..n, computed plainly."""
    mass = [k**-exponent for k in range(1, n + 1)]
    return np.array(mass) / math.fsum(mass)


class AlwaysNearOne:
    """A stand-in rng whose uniforms are all the largest double below 1: the rounding case
    where a stratified prefix sum lands exactly on the total."""

    def __init__(self, rng):
        self.rng = rng

    def random(self, size=None):
        return np.full(size, 1 - 2**-53) if size is not None else self.rng.random()


# --- the formulas ---------------------------------------------------------------------


def test_priority_by_hand():
    np.testing.assert_array_equal(priority(np.array([2.0, -0.5, 0.0]), 0.01), [2.01, 0.51, 0.01])


def test_importance_weights_by_hand():
    p = np.array([0.5, 0.25, 0.125, 0.125])
    n, beta = 8, 0.5
    w = (n * p) ** -beta
    np.testing.assert_allclose(importance_weights(p, beta), w / w.max(), rtol=1e-15)
    np.testing.assert_array_equal(importance_weights(p, 1.0), [0.25, 0.5, 1.0, 1.0])
    np.testing.assert_array_equal(importance_weights(p, 0.0), np.ones(4))


def test_importance_weights_do_not_overflow_for_tiny_probabilities():
    p = np.array([1e-300, 1e-200, 1.0])
    w = importance_weights(p, 1.0)
    assert np.isfinite(w).all() and w.max() == 1.0
    np.testing.assert_allclose(w, [1.0, 1e-100, 1e-300], rtol=1e-12)


def test_stratified_prefix_sums_by_hand_and_draws_exactly_batch_size():
    rng = np.random.default_rng(3)
    twin = copy.deepcopy(rng)
    u = twin.random(5)
    prefix = stratified_prefix_sums(10.0, 5, rng)
    np.testing.assert_allclose(prefix, (np.arange(5) + u) * 2.0, rtol=1e-15)
    assert rng.bit_generator.state == twin.bit_generator.state
    segment = np.floor(prefix / 2.0)
    np.testing.assert_array_equal(segment, np.arange(5))  # one number in each segment


def test_stratified_prefix_sums_never_exceed_the_total():
    prefix = stratified_prefix_sums(1.0, 3, AlwaysNearOne(np.random.default_rng(0)))
    assert prefix.max() <= 1.0


# --- PrioritizedReplayBuffer: priorities ---------------------------------------------------


def test_first_transition_gets_priority_one_and_new_ones_the_max_so_far():
    buffer = PrioritizedReplayBuffer(10, priority_exponent=0.5)
    filled(buffer, 2)
    np.testing.assert_array_equal(buffer.tree.values()[:2], [1.0, 1.0])
    buffer.update_priorities(all_slots(buffer), [-8.0, 0.5])  # signed: |-8| counts
    filled(buffer, 1, start=2)
    # max priority is p = 8 + floor, kept as p; the tree holds p ** exponent (applied once)
    assert buffer.max_priority == 8.0 + 1e-6
    assert buffer.tree[2] == pytest.approx((8.0 + 1e-6) ** 0.5, rel=1e-15)
    buffer.update_priorities(buffer.batch(np.array([0, 2]), np.ones(2)), [0.0, 0.0])
    filled(buffer, 1, start=3)  # the max so far stays 8 + floor
    assert buffer.tree[3] == pytest.approx((8.0 + 1e-6) ** 0.5, rel=1e-15)


def test_probabilities_are_p_to_the_exponent_normalised():
    td_errors = np.array([2.0, -0.5, 0.0, 4.0])
    buffer = with_priorities(
        PrioritizedReplayBuffer, td_errors, priority_exponent=0.7, priority_floor=0.01
    )
    p = (np.abs(td_errors) + 0.01) ** 0.7
    np.testing.assert_allclose(buffer.tree.values(), p, rtol=1e-15)
    np.testing.assert_allclose(buffer.probabilities(), p / p.sum(), rtol=1e-14)


def test_prioritized_sampling_frequencies_match_p():
    td_errors = np.array([3.0, 0.2, 1.0, 0.3, 0.6, 2.0, 0.05, 1.5])
    buffer = with_priorities(PrioritizedReplayBuffer, td_errors, priority_exponent=0.6, seed=5)
    counts = sample_counts(buffer, 40_000, batch_size=32)
    p = (np.abs(td_errors) + 1e-6) ** 0.6
    assert chi_square_p(counts, p / p.sum()) > ALPHA
    # The test has power: the same counts are far from uniform and from exponent 1 or 0.5.
    assert chi_square_p(counts, np.full(8, 1 / 8)) < 1e-12
    for wrong in (1.0, 0.5):
        pw = (np.abs(td_errors) + 1e-6) ** wrong
        assert chi_square_p(counts, pw / pw.sum()) < ALPHA


def test_the_newest_transition_is_sampled_as_often_as_its_priority_says():
    # The off-by-one some implementations have: the last added leaf left out of the total.
    buffer = filled(PrioritizedReplayBuffer(16, priority_exponent=0.6, seed=6), 23)  # wrapped
    buffer.update_priorities(all_slots(buffer), np.ones(16))
    newest = buffer.add(99, 0, 0.0, 0, False)
    counts = sample_counts(buffer, 32_000, batch_size=32)
    assert newest == 7 and counts[newest] > 0
    p = np.full(16, (1.0 + 1e-6) ** 0.6)
    assert chi_square_p(counts, p / p.sum()) > ALPHA


def test_never_filled_slots_are_never_sampled():
    buffer = filled(PrioritizedReplayBuffer(100, seed=7), 3)  # 97 empty slots, 28 padding leaves
    counts = sample_counts(buffer, 3000, batch_size=100)
    assert counts[3:].sum() == 0 and (counts[:3] > 0).all()
    assert buffer.probabilities().shape == (3,)


def test_exponent_zero_is_uniform_sampling():
    buffer = with_priorities(
        PrioritizedReplayBuffer, np.array([10.0, 0.0, 1.0, 5.0, 0.1]), priority_exponent=0.0, seed=8
    )
    np.testing.assert_array_equal(buffer.probabilities(), np.full(5, 0.2))
    counts = sample_counts(buffer, 10_000)
    assert chi_square_p(counts, np.full(5, 0.2)) > ALPHA
    np.testing.assert_array_equal(buffer.sample(20, beta=1.0).weights, np.ones(20))


def test_single_transition_buffer():
    buffer = filled(PrioritizedReplayBuffer(4, seed=0), 1)
    batch = buffer.sample(6, beta=1.0)
    assert batch.indices.tolist() == [0] * 6
    np.testing.assert_array_equal(batch.weights, np.ones(6))


def test_sample_draws_exactly_batch_size_uniforms_stratified():
    buffer = with_priorities(PrioritizedReplayBuffer, np.array([1.0, 3.0, 0.0, 2.0]), seed=9)
    twin = copy.deepcopy(buffer.rng)
    total = buffer.tree.total
    expected = buffer.tree.find(stratified_prefix_sums(total, 7, twin))
    np.testing.assert_array_equal(buffer.sample(7).indices, expected)
    assert buffer.rng.bit_generator.state == twin.bit_generator.state


def test_a_prefix_equal_to_the_total_gives_a_positive_leaf():
    buffer = filled(PrioritizedReplayBuffer(8, seed=0), 3)  # 5 empty slots after slot 2
    buffer.rng = AlwaysNearOne(buffer.rng)
    batch = buffer.sample(2, beta=1.0)  # prefix sums 1.5 and the total, 3.0
    assert batch.indices.tolist() == [1, 2]
    assert np.isfinite(batch.weights).all()


# --- importance-sampling weights ------------------------------------------------------------


@pytest.mark.parametrize("beta", [0.0, 0.4, 1.0])
def test_proportional_weights_equal_the_formula_by_hand(beta):
    td_errors = np.array([1.0, 3.0, 0.0, 0.5, 2.0])
    buffer = with_priorities(
        PrioritizedReplayBuffer, td_errors, priority_exponent=0.6, priority_floor=0.1, seed=9
    )
    batch = buffer.sample(12, beta=beta)
    p = (np.abs(td_errors) + 0.1) ** 0.6
    w = (5 * p[batch.indices] / p.sum()) ** -beta
    np.testing.assert_allclose(batch.weights, w / w.max(), rtol=1e-12)
    assert batch.weights.max() == 1.0
    if beta == 0.0:
        np.testing.assert_array_equal(batch.weights, np.ones(12))


def test_default_beta_is_used_when_none_is_passed():
    td_errors = np.array([1.0, 9.0, 0.5])
    buffer = with_priorities(PrioritizedReplayBuffer, td_errors, beta=0.3, seed=10)
    batch = buffer.sample(10)
    p = (np.abs(td_errors) + 1e-6) ** 0.6
    w = (3 * p[batch.indices] / p.sum()) ** -0.3
    np.testing.assert_allclose(batch.weights, w / w.max(), rtol=1e-12)


def test_weights_follow_current_priorities_not_a_stale_minimum():
    buffer = with_priorities(
        PrioritizedReplayBuffer, np.array([1.0, 1.0, 1.0, 0.01]), priority_exponent=1.0, seed=10
    )
    buffer.update_priorities(buffer.batch(np.array([3]), np.ones(1)), [1.0])  # all equal now
    np.testing.assert_allclose(buffer.sample(16, beta=1.0).weights, np.ones(16), rtol=1e-12)


def test_zero_td_error_gives_floor_priority_and_a_finite_weight():
    buffer = with_priorities(
        PrioritizedReplayBuffer,
        np.array([0.0, 0.0, 5.0]),
        priority_exponent=0.6,
        priority_floor=1e-3,
        seed=11,
    )
    assert buffer.tree[0] == pytest.approx(1e-3**0.6)
    counts = np.zeros(3, dtype=int)
    while counts[0] == 0:
        batch = buffer.sample(64, beta=1.0)
        assert np.isfinite(batch.weights).all() and (batch.weights > 0).all()
        counts += np.bincount(batch.indices, minlength=3)


def test_beta_passed_to_sample_overrides_the_default():
    buffer = with_priorities(
        PrioritizedReplayBuffer, np.array([1.0, 9.0]), priority_exponent=1.0, seed=12
    )
    buffer.beta = 0.0
    assert (buffer.sample(10).weights == 1.0).all()
    assert (buffer.sample(10, beta=1.0).weights < 1.0).any()


# --- update_priorities (both buffers) -----------------------------------------------------

BOTH = [PrioritizedReplayBuffer, RankBasedReplayBuffer]


def test_same_slot_twice_in_one_update_last_wins():
    buffer = with_priorities(PrioritizedReplayBuffer, np.ones(3), priority_exponent=1.0)
    buffer.update_priorities(buffer.batch(np.array([1, 2, 1]), np.ones(3)), [5.0, 2.0, -3.0])
    assert buffer.tree[1] == pytest.approx(3.0)
    assert buffer.max_priority == pytest.approx(5.0 + 1e-6)  # the max is still the max seen


def test_rank_based_same_slot_twice_last_wins():
    buffer = with_priorities(RankBasedReplayBuffer, np.array([4.0, 3.0, 2.0]), seed=1)
    buffer.update_priorities(buffer.batch(np.array([2, 2]), np.ones(2)), [9.0, 1.0])
    # slot 2 ends with |1| + floor: last place, not first
    expected = rank_distribution(3, 0.7)
    np.testing.assert_allclose(buffer.probabilities(), expected, rtol=1e-14)


@pytest.mark.parametrize("cls", BOTH)
def test_overwritten_slots_are_skipped_and_the_others_updated(cls):
    buffer = filled(cls(4, priority_exponent=1.0, seed=13), 4)
    batch = buffer.batch(np.array([0, 1, 2, 3]), np.ones(4))
    before = buffer.probabilities()
    filled(buffer, 2, start=4)  # slots 0 and 1 overwritten since the batch was drawn
    buffer.update_priorities(batch, [50.0, 50.0, 0.0, 3.0])
    # slots 0, 1 keep the new transitions' priority 1; slot 2 gets 0 + floor, slot 3 3 + floor
    assert buffer.max_priority == pytest.approx(3.0 + 1e-6)  # 50 was never applied
    if cls is PrioritizedReplayBuffer:
        np.testing.assert_allclose(buffer.tree.values(), [1.0, 1.0, 1e-6, 3.0 + 1e-6])
    else:
        assert buffer.probabilities()[3] == before.max()  # rank 1
        assert buffer.probabilities()[2] == before.min()  # rank 4
    # nothing overwritten: all applied
    buffer.update_priorities(buffer.batch(np.array([0, 1, 2, 3]), np.ones(4)), np.full(4, 7.0))
    assert buffer.max_priority == pytest.approx(7.0 + 1e-6)


@pytest.mark.parametrize("cls", BOTH)
def test_every_slot_overwritten_update_is_a_no_op(cls):
    buffer = filled(cls(4, priority_exponent=1.0, seed=13), 4)
    batch = buffer.sample(4)
    filled(buffer, 4, start=4)
    before = buffer.probabilities()
    buffer.update_priorities(batch, np.full(4, 50.0))
    np.testing.assert_array_equal(buffer.probabilities(), before)
    assert buffer.max_priority == 1.0


@pytest.mark.parametrize("cls", BOTH)
@pytest.mark.parametrize(
    ("make_args", "error", "message"),
    [
        (lambda b: (b.indices, np.ones(4)), TypeError, "batch must be a Batch from sample"),
        (lambda b: (tuple(b), np.ones(4)), TypeError, "batch must be a Batch from sample"),
        (lambda b: (b, np.ones(3)), ValueError, "mismatched lengths: batch=4, td_errors=3"),
        (lambda b: (b, np.ones(5)), ValueError, "mismatched lengths: batch=4, td_errors=5"),
        (lambda b: (b, [1.0, 2.0, math.nan, 0]), ValueError, "td_errors must be finite.*nan"),
        (lambda b: (b, [1.0, 2.0, math.inf, 0]), ValueError, "td_errors must be finite.*inf"),
        (lambda b: (b, np.ones(4) * 1j), TypeError, "td_errors must hold real numbers.*complex"),
        (lambda b: (b, np.array(["1"] * 4)), TypeError, "td_errors must hold real numbers"),
        (lambda b: (b, np.ones(4, dtype=object)), TypeError, "td_errors must hold real numbers"),
    ],
)
def test_update_priorities_rejects_bad_input_and_changes_nothing(cls, make_args, error, message):
    buffer = filled(cls(6, seed=15), 6)
    batch = buffer.sample(4)
    before = buffer.probabilities()
    with pytest.raises(error, match=message):
        buffer.update_priorities(*make_args(batch))
    np.testing.assert_array_equal(buffer.probabilities(), before)
    assert buffer.max_priority == 1.0


@pytest.mark.parametrize("cls", BOTH)
def test_a_batch_from_a_larger_buffer_is_rejected_naming_the_slots(cls):
    big = filled(ReplayBuffer(10, seed=0), 10)
    batch = Batch(*big.batch(np.array([1, 8]), np.ones(2)))
    buffer = filled(cls(3, seed=0), 3)
    with pytest.raises(ValueError, match="indices"):
        buffer.update_priorities(batch, np.ones(2))


# --- overflow and underflow ------------------------------------------------------------------


def test_a_priority_whose_power_overflows_raises():
    buffer = filled(PrioritizedReplayBuffer(4, priority_exponent=2.0, seed=0), 2)
    batch = buffer.sample(2)
    with pytest.raises(ValueError, match=r"priority_exponent 2\.0 overflows"):
        buffer.update_priorities(batch, [1e200, 1.0])


def test_a_rejected_overflowing_update_leaves_the_buffer_usable():
    # The rejected TD error must not become max_priority: else every later add() fails,
    # after storing its transition with no priority.
    buffer = filled(PrioritizedReplayBuffer(4, priority_exponent=2.0, seed=0), 2)
    before = buffer.tree.values()
    with pytest.raises(ValueError, match="overflows"):
        buffer.update_priorities(buffer.sample(2), [1e200, 1.0])
    assert buffer.max_priority == 1.0
    np.testing.assert_array_equal(buffer.tree.values(), before)
    buffer.add(9, 0, 0.0, 0, False)
    assert buffer.tree[2] == 1.0


def test_priorities_whose_sum_overflows_raise():
    # Each p ** exponent is finite, but their sum is not: the tree total becomes inf and
    # every probability 0. This must be rejected like a single overflowing priority.
    buffer = filled(PrioritizedReplayBuffer(4, priority_exponent=1.0, seed=0), 2)
    with pytest.raises(ValueError, match="overflow"):
        buffer.update_priorities(all_slots(buffer), [1.5e308, 1.5e308])


def test_a_new_transition_whose_priority_would_overflow_the_total_raises():
    # max_priority ** exponent is finite (checked when it was set), but the total with one
    # more copy of it is not: add() rejects it before storing anything, in the tree or the
    # ring (as update_priorities does, the test counts the total as it is before the add).
    buffer = filled(PrioritizedReplayBuffer(4, priority_exponent=1.0, seed=0), 1)
    buffer.update_priorities(all_slots(buffer), [1.5e308])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow warning on the way
        with pytest.raises(ValueError, match="overflows"):
            buffer.add(9, 0, 0.0, 0, False)
    assert buffer.tree.total == 1.5e308 + 1e-6
    assert len(buffer) == 1 and buffer.added == 1


def test_huge_td_errors_below_overflow_are_fine():
    buffer = filled(PrioritizedReplayBuffer(4, priority_exponent=2.0, seed=0), 2)
    buffer.update_priorities(all_slots(buffer), [1e150, 1.0])
    assert buffer.sample(4, beta=1.0).weights.max() == 1.0
    p = np.array([1e150 + 1e-6, 1.0 + 1e-6]) ** 2
    np.testing.assert_allclose(buffer.probabilities(), p / p.sum(), rtol=1e-12)


def test_rank_based_has_no_overflow_with_huge_td_errors():
    buffer = filled(RankBasedReplayBuffer(4, priority_exponent=2.0, seed=0), 2)
    buffer.update_priorities(all_slots(buffer), [1e300, 1.0])
    np.testing.assert_allclose(buffer.probabilities(), [0.8, 0.2])


@pytest.mark.parametrize(("floor", "exponent"), [(1e-300, 2.0), (1e-6, 60.0), (1e-6, math.inf)])
def test_a_floor_whose_power_underflows_is_rejected_at_construction(floor, exponent):
    with pytest.raises(
        ValueError, match=r"priority_floor \*\* priority_exponent underflows|must be finite"
    ):
        PrioritizedReplayBuffer(4, priority_exponent=exponent, priority_floor=floor)


def test_a_small_floor_whose_power_is_positive_is_accepted():
    buffer = PrioritizedReplayBuffer(4, priority_exponent=2.0, priority_floor=1e-150)
    filled(buffer, 2)
    buffer.update_priorities(all_slots(buffer), [0.0, 1.0])
    assert buffer.tree[0] > 0
    RankBasedReplayBuffer(4, priority_exponent=2.0, priority_floor=1e-300)  # no power taken


# --- constructor arguments -------------------------------------------------------------------


@pytest.mark.parametrize("cls", BOTH)
@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"capacity": 0}, ValueError, "capacity must be >= 1, got 0"),
        ({"capacity": 2.5}, TypeError, "capacity must be an integer, got float"),
        ({"priority_exponent": -0.1}, ValueError, r"priority_exponent must be in \[0, inf\]"),
        ({"priority_exponent": math.nan}, ValueError, r"priority_exponent must be in"),
        ({"priority_exponent": "1"}, TypeError, "priority_exponent must be a real number"),
        ({"priority_exponent": True}, TypeError, "priority_exponent must be a real number"),
        ({"beta": 1.5}, ValueError, r"beta must be in \[0, 1\], got 1.5"),
        ({"beta": -0.1}, ValueError, r"beta must be in \[0, 1\], got -0.1"),
        ({"beta": "0.4"}, TypeError, "beta must be a real number, got str"),
        ({"priority_floor": 0.0}, ValueError, r"priority_floor must be in \(0, inf\), got 0.0"),
        ({"priority_floor": -1e-6}, ValueError, r"priority_floor must be in \(0, inf\)"),
        ({"priority_floor": math.inf}, ValueError, r"priority_floor must be in \(0, inf\)"),
        ({"priority_floor": 1j}, TypeError, "priority_floor must be a real number"),
        ({"seed": "a"}, TypeError, "seed must be an integer, got str"),
        ({"seed": -1}, ValueError, "seed must be >= 0, got -1"),
        ({"alpha": 0.6}, TypeError, "unexpected keyword argument 'alpha'"),
        ({"eps": 1e-6}, TypeError, "unexpected keyword argument 'eps'"),
    ],
)
def test_constructor_rejects_bad_arguments(cls, kwargs, error, message):
    with pytest.raises(error, match=message):
        cls(**{"capacity": 8, **kwargs})


@pytest.mark.parametrize("cls", BOTH)
@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda b: b.sample(0), ValueError, "batch_size must be >= 1, got 0"),
        (lambda b: b.sample(2, beta=-0.5), ValueError, r"beta must be in \[0, 1\], got -0.5"),
        (lambda b: b.sample(2, beta="1"), TypeError, "beta must be a real number, got str"),
        (lambda b: b.add(0, 0, math.nan, 1, False), ValueError, "r must be finite"),
        (lambda b: b.add(0, 0, 0.0, 1, 0.5), ValueError, "terminated must hold bools or 0/1"),
    ],
)
def test_sample_and_add_reject_bad_input(cls, call, error, message):
    buffer = filled(cls(8, seed=0), 3)
    with pytest.raises(error, match=message):
        call(buffer)
    assert len(buffer) == 3
    with pytest.raises(ValueError, match="cannot sample from an empty buffer"):
        cls(8).sample(4)


def test_defaults():
    p = PrioritizedReplayBuffer(4)
    assert (p.priority_exponent, p.beta, p.priority_floor) == (0.6, 0.4, 1e-6)
    r = RankBasedReplayBuffer(4)
    assert (r.priority_exponent, r.beta, r.priority_floor) == (0.7, 0.5, 1e-6)


# --- RankBasedReplayBuffer ---------------------------------------------------------------------


def test_rank_probabilities_by_slot_by_hand():
    # priorities |delta| + floor: slot 2 largest (rank 1), then 0, 3, 1
    buffer = with_priorities(
        RankBasedReplayBuffer, np.array([2.0, 0.1, -5.0, 1.0]), priority_exponent=1.0
    )
    h = 1 + 1 / 2 + 1 / 3 + 1 / 4
    expected = np.array([1 / 2, 1 / 4, 1, 1 / 3]) / h
    np.testing.assert_allclose(buffer.probabilities(), expected, rtol=1e-14)


def test_rank_probabilities_depend_on_the_order_only():
    a = with_priorities(RankBasedReplayBuffer, np.array([2.0, 0.1, 5.0, 1.0]))
    b = with_priorities(RankBasedReplayBuffer, np.array([20.0, 0.2, 1e6, 3.0]))
    np.testing.assert_array_equal(a.probabilities(), b.probabilities())


def test_rank_sampling_right_after_adding_follows_the_rank_distribution():
    # All new transitions share the max priority, in a random order: the sampled ranks must
    # follow rank^-w / sum k^-w whatever that order is.
    n, exponent = 10, 0.7
    buffer = filled(RankBasedReplayBuffer(n, priority_exponent=exponent, seed=16), n)
    expected = rank_distribution(n, exponent)
    p = buffer.probabilities()
    np.testing.assert_allclose(np.sort(p)[::-1], expected, rtol=1e-13)  # a permutation
    rank_of_slot = np.argsort(np.argsort(-p))  # 0 = rank 1
    counts = sample_counts(buffer, 20_000)
    rank_counts = np.bincount(rank_of_slot, weights=counts, minlength=n)
    assert chi_square_p(rank_counts, expected) > ALPHA
    # power: the wrong exponent, or uniform, is rejected
    assert chi_square_p(rank_counts, rank_distribution(n, 1.0)) < ALPHA
    assert chi_square_p(rank_counts, rank_distribution(n, 0.5)) < ALPHA
    assert chi_square_p(rank_counts, np.full(n, 1 / n)) < ALPHA


def test_ties_of_new_transitions_are_in_a_uniformly_random_order():
    # Over many buffers, each slot is equally likely to be the top-ranked one.
    top = [
        int(np.argmax(filled(RankBasedReplayBuffer(4, seed=seed), 4).probabilities()))
        for seed in range(2000)
    ]
    counts = np.bincount(top, minlength=4)
    assert chi_square_p(counts, np.full(4, 0.25)) > ALPHA
    assert chi_square_p(counts, [0.3, 0.25, 0.25, 0.2]) < ALPHA  # power


def test_rank_sampling_follows_the_ranks_after_updates_change_the_order():
    n, exponent = 8, 0.7
    buffer = filled(RankBasedReplayBuffer(n, priority_exponent=exponent, seed=17), n)
    expected = rank_distribution(n, exponent)
    orders = []
    for td_errors in (
        np.array([0.5, 3.0, 1.0, 7.0, 0.1, 2.0, 4.0, 0.05]),
        np.array([9.0, -0.2, 5.0, 0.3, 6.0, 0.05, -1.0, 2.0]),  # a different order
    ):
        buffer.update_priorities(all_slots(buffer), td_errors)
        # the slot of rank k is the k-th largest |delta|, computed here independently
        rank_of_slot = np.empty(n, dtype=int)
        rank_of_slot[np.argsort(-np.abs(td_errors), kind="stable")] = np.arange(n)
        np.testing.assert_allclose(buffer.probabilities(), expected[rank_of_slot], rtol=1e-13)
        counts = sample_counts(buffer, 16_000, batch_size=40)
        assert chi_square_p(counts, expected[rank_of_slot]) > ALPHA
        # power: the wrong exponent, or proportional sampling, fail
        assert chi_square_p(counts, rank_distribution(n, 1.0)[rank_of_slot]) < ALPHA
        p = np.abs(td_errors) + 1e-6
        assert chi_square_p(counts, p**exponent / (p**exponent).sum()) < ALPHA
        orders.append(rank_of_slot)
    # ... and so does the stale order: the ranks really were brought up to date
    assert chi_square_p(counts, expected[orders[0]]) < ALPHA


def test_rank_of_a_partly_updated_batch_and_new_transitions():
    # Ranks stay exact when only some slots are updated and when new ones arrive.
    buffer = with_priorities(RankBasedReplayBuffer, np.array([1.0, 2.0, 3.0, 4.0]), capacity=6)
    buffer.update_priorities(buffer.batch(np.array([0]), np.ones(1)), [2.5])
    # priorities now 2.5, 2, 3, 4 (+floor): ranks 3, 4, 2, 1
    expected = rank_distribution(4, 0.7)
    np.testing.assert_allclose(buffer.probabilities(), expected[[2, 3, 1, 0]], rtol=1e-13)
    buffer.add(9, 0, 0.0, 0, False)  # gets the max priority 4 + floor: ties with slot 3
    p = buffer.probabilities()
    expected = rank_distribution(5, 0.7)
    np.testing.assert_allclose(np.sort(p[[3, 4]])[::-1], expected[:2], rtol=1e-13)
    np.testing.assert_allclose(p[[2, 0, 1]], expected[2:], rtol=1e-13)


@pytest.mark.parametrize("beta", [0.0, 0.5, 1.0])
def test_rank_weights_equal_the_formula_by_hand(beta):
    td_errors = np.array([2.0, 0.1, -5.0, 1.0, 0.3])
    buffer = with_priorities(
        RankBasedReplayBuffer, td_errors, priority_exponent=0.7, beta=0.9, seed=18
    )
    rank = np.empty(5, dtype=int)
    rank[np.argsort(-np.abs(td_errors))] = np.arange(1, 6)
    batch = buffer.sample(15, beta=beta)
    p = rank[batch.indices] ** -0.7 / sum(k**-0.7 for k in range(1, 6))
    w = (5 * p) ** -beta
    np.testing.assert_allclose(batch.weights, w / w.max(), rtol=1e-12)
    assert batch.weights.max() == 1.0


def test_rank_sample_draws_exactly_batch_size_uniforms():
    buffer = with_priorities(RankBasedReplayBuffer, np.array([1.0, 3.0, 0.0, 2.0]), seed=19)
    twin = copy.deepcopy(buffer.rng)
    mass = np.cumsum(np.arange(1.0, 5.0) ** -0.7)
    ranks = np.searchsorted(mass, stratified_prefix_sums(mass[-1], 6, twin), side="right")
    slot_of_rank = np.array([1, 3, 0, 2])
    np.testing.assert_array_equal(buffer.sample(6).indices, slot_of_rank[ranks])
    assert buffer.rng.bit_generator.state == twin.bit_generator.state


def test_rank_exponent_zero_is_uniform():
    buffer = with_priorities(
        RankBasedReplayBuffer, np.array([10.0, 0.0, 1.0, 5.0]), priority_exponent=0.0, seed=20
    )
    np.testing.assert_array_equal(buffer.probabilities(), np.full(4, 0.25))
    counts = sample_counts(buffer, 8000)
    assert chi_square_p(counts, np.full(4, 0.25)) > ALPHA
    np.testing.assert_array_equal(buffer.sample(9, beta=1.0).weights, np.ones(9))


def test_rank_based_after_wraparound():
    buffer = filled(RankBasedReplayBuffer(5, seed=21), 12)  # wrapped
    buffer.update_priorities(all_slots(buffer), np.array([5.0, 4.0, 3.0, 2.0, 1.0]))
    newest = buffer.add(99, 0, 0.0, 0, False)  # max priority 5 + floor: ties with slot 0
    assert newest == 2
    p = buffer.probabilities()
    expected = rank_distribution(5, 0.7)
    np.testing.assert_allclose(np.sort(p[[0, 2]])[::-1], expected[:2], rtol=1e-13)
    np.testing.assert_allclose(p[[1, 3, 4]], expected[2:], rtol=1e-13)


# --- greedy prioritization (rank-based, exponent inf) ---------------------------------------


def test_greedy_always_returns_the_largest_priority_with_weight_one():
    buffer = with_priorities(
        RankBasedReplayBuffer, np.array([1.0, 4.0, 2.0, 3.0]), priority_exponent=math.inf
    )
    np.testing.assert_array_equal(buffer.probabilities(), [0.0, 1.0, 0.0, 0.0])
    for _ in range(50):
        batch = buffer.sample(8, beta=1.0)
        assert batch.indices.tolist() == [1] * 8
        np.testing.assert_array_equal(batch.weights, np.ones(8))
    buffer.update_priorities(buffer.batch(np.array([1]), np.ones(1)), [0.0])  # now slot 3
    assert set(buffer.sample(30).indices.tolist()) == {3}


def test_greedy_ties_are_spread_uniformly():
    # Slots 0, 2, 3 tie for the largest priority; over fresh tie-breaks (re-setting the
    # same priorities) the one replayed is uniform among them.
    buffer = filled(RankBasedReplayBuffer(4, priority_exponent=math.inf, seed=22), 4)
    td_errors = np.array([2.0, 1.0, 2.0, 2.0])
    counts = np.zeros(4, dtype=int)
    for _ in range(3000):
        buffer.update_priorities(all_slots(buffer), td_errors)
        counts += np.bincount(buffer.sample(1).indices, minlength=4)
    assert counts[1] == 0
    assert chi_square_p(counts, [1 / 3, 0, 1 / 3, 1 / 3]) > ALPHA
    assert chi_square_p(counts, [0.4, 0, 0.3, 0.3]) < ALPHA  # power


def test_greedy_never_returns_a_lower_rank_when_the_prefix_rounds_to_the_total():
    # stratified_prefix_sums may return the total itself (it clips to it); with exponent
    # inf every rank below 1 has probability 0, so it must still give the top transition
    # (and a finite weight), not the last-ranked one with weight nan.
    buffer = with_priorities(
        RankBasedReplayBuffer, np.array([1.0, 4.0, 2.0, 3.0]), priority_exponent=math.inf
    )
    buffer.rng = AlwaysNearOne(buffer.rng)
    with np.errstate(invalid="ignore"):
        batch = buffer.sample(2, beta=1.0)
    assert batch.indices.tolist() == [1, 1]
    np.testing.assert_array_equal(batch.weights, [1.0, 1.0])


@pytest.mark.parametrize(
    ("probabilities", "beta", "error"),
    [([], 0.5, ValueError), ([0.5, 0.0], 0.5, ValueError), ([0.5, 1.5], 0.5, ValueError),
     (["0.5"], 0.5, TypeError), ([0.5], -0.1, ValueError), ([0.5], 1.5, ValueError)],
)  # fmt: skip
def test_importance_weights_names_bad_input(probabilities, beta, error):
    with pytest.raises(error, match=r"probabilities|beta"):
        importance_weights(np.array(probabilities), beta)
