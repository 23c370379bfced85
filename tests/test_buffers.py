"""Replay buffers: ring-buffer properties, exact sampling distributions (chi-square with
fixed seeds), importance-sampling weights by hand, and the pitfalls other prioritized
replay implementations have had."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from replay_lab.buffers import PrioritizedReplayBuffer, ReplayBuffer
from tests.stats import ALPHA, chi_square_p


def filled(buffer, n, start=0):
    """Add n transitions whose state is their serial number (easy to recognise)."""
    for i in range(start, start + n):
        buffer.add(i, i % 4, float(i), i + 1, i % 5 == 0)
    return buffer


def sample_counts(buffer, draws, batch_size=50, **kwargs):
    counts = np.zeros(buffer.capacity, dtype=np.int64)
    for _ in range(draws // batch_size):
        counts += np.bincount(
            buffer.sample(batch_size, **kwargs).indices, minlength=buffer.capacity
        )
    return counts


def with_priorities(td_errors, alpha=0.6, capacity=None, eps=1e-6, seed=0):
    buffer = filled(
        PrioritizedReplayBuffer(capacity or len(td_errors), alpha=alpha, eps=eps, seed=seed),
        len(td_errors),
    )
    buffer.update_priorities(np.arange(len(td_errors)), td_errors)
    return buffer


# --- ReplayBuffer -------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 20), st.integers(0, 100))
def test_ring_buffer_keeps_exactly_the_last_capacity_transitions_in_order(capacity, n):
    buffer = filled(ReplayBuffer(capacity), n)
    kept = list(range(max(0, n - capacity), n))
    assert len(buffer) == len(kept)
    slots = buffer.slots_by_age()
    assert buffer.states[slots].tolist() == kept
    assert buffer.ids_at(slots).tolist() == kept
    assert buffer.rewards[slots].tolist() == [float(i) for i in kept]
    assert buffer.next_states[slots].tolist() == [i + 1 for i in kept]
    assert buffer.terminated[slots].tolist() == [i % 5 == 0 for i in kept]


def test_batch_fields_are_the_stored_transitions():
    buffer = filled(ReplayBuffer(8, seed=1), 12)
    batch = buffer.sample(64)
    for field in ("states", "actions", "rewards", "next_states", "terminated"):
        np.testing.assert_array_equal(getattr(batch, field), getattr(buffer, field)[batch.indices])
    np.testing.assert_array_equal(batch.ids, batch.states)  # state i was added as serial i
    np.testing.assert_array_equal(batch.weights, np.ones(64))
    assert set(batch.states.tolist()) <= set(range(4, 12))  # 0..3 were overwritten


def test_uniform_sampling_is_uniform_over_stored_and_never_touches_empty_slots():
    buffer = filled(ReplayBuffer(20, seed=2), 7)
    counts = sample_counts(buffer, 14_000)
    assert counts[7:].sum() == 0
    assert chi_square_p(counts[:7], np.full(7, 1 / 7)) > ALPHA


def test_uniform_sampling_after_wraparound_includes_the_newest():
    buffer = filled(ReplayBuffer(10, seed=3), 25)  # newest is slot 4
    counts = sample_counts(buffer, 20_000)
    assert chi_square_p(counts, np.full(10, 0.1)) > ALPHA


def test_single_transition_and_batches_larger_than_the_buffer():
    buffer = filled(ReplayBuffer(5, seed=0), 1)
    batch = buffer.sample(8)  # with replacement: allowed
    assert batch.indices.tolist() == [0] * 8


def test_same_seed_same_batches():
    a, b = filled(ReplayBuffer(10, seed=9), 10), filled(ReplayBuffer(10, seed=9), 10)
    assert all((a.sample(5).indices == b.sample(5).indices).all() for _ in range(20))


def test_clear_forgets_everything():
    buffer = filled(ReplayBuffer(4), 6)
    buffer.clear()
    assert len(buffer) == 0 and buffer.added == 0
    with pytest.raises(ValueError, match="cannot sample from an empty buffer"):
        buffer.sample(1)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: ReplayBuffer(0), ValueError, "capacity must be >= 1, got 0"),
        (lambda: ReplayBuffer(-3), ValueError, "capacity must be >= 1, got -3"),
        (lambda: ReplayBuffer(10).sample(1), ValueError, "cannot sample from an empty buffer"),
        (
            lambda: filled(ReplayBuffer(10), 3).sample(0),
            ValueError,
            "batch_size must be >= 1, got 0",
        ),
        (
            lambda: ReplayBuffer(10).add(0, 0, math.nan, 1, False),
            ValueError,
            "r must be a finite number, got nan",
        ),
        (
            lambda: ReplayBuffer(10).add(-1, 0, 0.0, 1, False),
            ValueError,
            r"s must be in \[0, 2\*\*31\), got -1",
        ),
        (
            lambda: ReplayBuffer(10).add(0, 0.5, 0.0, 1, False),
            TypeError,
            "a must be an integer, got float",
        ),
        (
            lambda: ReplayBuffer(10).add(0, 0, 0.0, 1, "yes"),
            ValueError,
            "terminated must be a bool",
        ),
    ],
)
def test_replay_buffer_rejects_bad_input(call, error, message):
    with pytest.raises(error, match=message):
        call()


# --- PrioritizedReplayBuffer: priorities ---------------------------------------------------


def test_first_transition_gets_priority_one_and_new_ones_the_max_so_far():
    buffer = PrioritizedReplayBuffer(10, alpha=0.5)
    filled(buffer, 2)
    np.testing.assert_array_equal(buffer.tree.values()[:2], [1.0, 1.0])
    buffer.update_priorities([0, 1], [-8.0, 0.5])  # signed: |-8| counts
    filled(buffer, 1, start=2)
    # max priority is p = 8 + eps; the tree holds p ** alpha, alpha applied once
    assert buffer.tree[2] == pytest.approx((8.0 + 1e-6) ** 0.5, rel=1e-15)
    buffer.update_priorities([0, 2], [0.0, 0.0])  # max so far stays 8 + eps
    filled(buffer, 1, start=3)
    assert buffer.tree[3] == pytest.approx((8.0 + 1e-6) ** 0.5, rel=1e-15)


def test_probabilities_are_p_to_the_alpha_normalised():
    td_errors = np.array([2.0, -0.5, 0.0, 4.0])
    buffer = with_priorities(td_errors, alpha=0.7, eps=0.01)
    p = (np.abs(td_errors) + 0.01) ** 0.7
    np.testing.assert_allclose(buffer.probabilities(), p / p.sum(), rtol=1e-14)


def test_prioritized_sampling_frequencies_match_p():
    td_errors = np.array([3.0, 0.2, 1.0, 0.3, 0.6, 2.0, 0.05, 1.5])
    buffer = with_priorities(td_errors, alpha=0.6, seed=5)
    counts = sample_counts(buffer, 40_000, batch_size=32)
    assert chi_square_p(counts, buffer.probabilities()) > ALPHA
    # The test has power: the same counts are far from uniform and from alpha = 1.
    assert chi_square_p(counts, np.full(8, 1 / 8)) < 1e-12
    p1 = np.abs(td_errors) + 1e-6
    assert chi_square_p(counts, p1 / p1.sum()) < 1e-12


def test_the_newest_transition_is_sampled_as_often_as_its_priority_says():
    # The off-by-one some implementations have: the last added leaf left out of the total.
    buffer = filled(PrioritizedReplayBuffer(16, alpha=0.6, seed=6), 23)  # wrapped: newest in slot 6
    buffer.update_priorities(np.arange(16), np.ones(16))
    newest = buffer.add(99, 0, 0.0, 0, False)
    counts = sample_counts(buffer, 32_000, batch_size=32)
    assert newest == 7 and counts[newest] > 0
    assert chi_square_p(counts, buffer.probabilities()) > ALPHA


def test_never_filled_slots_are_never_sampled():
    buffer = filled(PrioritizedReplayBuffer(100, seed=7), 3)  # 97 empty slots, 125 padding leaves
    counts = sample_counts(buffer, 3000, batch_size=100)
    assert counts[3:].sum() == 0 and (counts[:3] > 0).all()


def test_alpha_zero_is_uniform_sampling():
    buffer = with_priorities(np.array([10.0, 0.0, 1.0, 5.0, 0.1]), alpha=0.0, seed=8)
    np.testing.assert_array_equal(buffer.probabilities(), np.full(5, 0.2))
    counts = sample_counts(buffer, 10_000)
    assert chi_square_p(counts, np.full(5, 0.2)) > ALPHA
    np.testing.assert_array_equal(buffer.sample(20, beta=1.0).weights, np.ones(20))


def test_single_transition_buffer():
    buffer = filled(PrioritizedReplayBuffer(4, seed=0), 1)
    batch = buffer.sample(6, beta=1.0)
    assert batch.indices.tolist() == [0] * 6
    np.testing.assert_array_equal(batch.weights, np.ones(6))


# --- importance-sampling weights ------------------------------------------------------------


@pytest.mark.parametrize("beta", [0.0, 0.4, 1.0])
def test_weights_equal_the_formula_by_hand(beta):
    td_errors = np.array([1.0, 3.0, 0.0, 0.5, 2.0])
    buffer = with_priorities(td_errors, alpha=0.6, eps=0.1, seed=9)
    batch = buffer.sample(12, beta=beta)
    p = (np.abs(td_errors) + 0.1) ** 0.6
    w = (5 * p[batch.indices] / p.sum()) ** -beta
    np.testing.assert_allclose(batch.weights, w / w.max(), rtol=1e-12)
    assert batch.weights.max() == 1.0
    if beta == 0.0:
        np.testing.assert_array_equal(batch.weights, np.ones(12))


def test_weights_follow_current_priorities_not_a_stale_minimum():
    buffer = with_priorities(np.array([1.0, 1.0, 1.0, 0.01]), alpha=1.0, eps=1e-6, seed=10)
    buffer.update_priorities([3], [1.0])  # the smallest priority is gone: all equal now
    np.testing.assert_allclose(buffer.sample(16, beta=1.0).weights, np.ones(16), rtol=1e-12)


def test_zero_td_error_gives_eps_priority_and_a_finite_weight():
    buffer = with_priorities(np.array([0.0, 0.0, 5.0]), alpha=0.6, eps=1e-3, seed=11)
    assert buffer.tree[0] == pytest.approx(1e-3**0.6)
    counts = np.zeros(3, dtype=int)
    while counts[0] == 0:
        batch = buffer.sample(64, beta=1.0)
        assert np.isfinite(batch.weights).all() and (batch.weights > 0).all()
        counts += np.bincount(batch.indices, minlength=3)


def test_beta_passed_to_sample_overrides_the_default():
    buffer = with_priorities(np.array([1.0, 9.0]), alpha=1.0, seed=12)
    buffer.beta = 0.0
    assert (buffer.sample(10).weights == 1.0).all()
    assert (buffer.sample(10, beta=1.0).weights < 1.0).any()


# --- update_priorities --------------------------------------------------------------------


def test_same_index_twice_in_one_update_last_wins():
    buffer = with_priorities(np.ones(3), alpha=1.0, eps=0.0 + 1e-9)
    buffer.update_priorities([1, 2, 1], [5.0, 2.0, -3.0])
    assert buffer.tree[1] == pytest.approx(3.0)


def test_overwritten_slot_update_is_skipped_when_ids_are_given():
    buffer = filled(PrioritizedReplayBuffer(4, alpha=1.0, seed=13), 4)
    batch = buffer.sample(4)
    filled(buffer, 4, start=4)  # every slot overwritten since the batch was drawn
    buffer.update_priorities(batch.indices, np.full(4, 50.0), ids=batch.ids)
    np.testing.assert_array_equal(buffer.tree.values(), np.ones(4))
    buffer.update_priorities(batch.indices, np.full(4, 50.0))  # without ids: applied
    assert buffer.tree[int(batch.indices[0])] == pytest.approx(50.0)


def test_clear_resets_priorities():
    buffer = with_priorities(np.array([7.0, 1.0]))
    buffer.clear()
    filled(buffer, 1)
    assert buffer.tree.total == 1.0 and buffer.max_priority == 1.0


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: PrioritizedReplayBuffer(0), ValueError, "capacity must be >= 1, got 0"),
        (
            lambda: PrioritizedReplayBuffer(8, alpha=-0.1),
            ValueError,
            r"alpha must be in \[0, inf\), got -0.1",
        ),
        (
            lambda: PrioritizedReplayBuffer(8, beta=1.5),
            ValueError,
            r"beta must be in \[0, 1\], got 1.5",
        ),
        (
            lambda: PrioritizedReplayBuffer(8, eps=0.0),
            ValueError,
            r"eps must be in \(0, inf\), got 0.0",
        ),
        (
            lambda: PrioritizedReplayBuffer(8).sample(4),
            ValueError,
            "cannot sample from an empty buffer",
        ),
        (
            lambda: with_priorities(np.ones(3)).sample(0),
            ValueError,
            "batch_size must be >= 1, got 0",
        ),
        (
            lambda: with_priorities(np.ones(3)).sample(2, beta=-0.5),
            ValueError,
            r"beta must be in \[0, 1\], got -0.5",
        ),
        (
            lambda: with_priorities(np.ones(3)).update_priorities([0, 1], [1.0, math.nan]),
            ValueError,
            "td_errors must be finite, got nan",
        ),
        (
            lambda: with_priorities(np.ones(3)).update_priorities([0], [math.inf]),
            ValueError,
            "td_errors must be finite, got inf",
        ),
        (
            lambda: with_priorities(np.ones(3), capacity=10).update_priorities([3], [1.0]),
            ValueError,
            r"indices must be in \[0, 2\], got 3",
        ),
        (
            lambda: with_priorities(np.ones(3)).update_priorities([0, 1], [1.0]),
            ValueError,
            "mismatched lengths: indices=2, td_errors=1",
        ),
    ],
)
def test_prioritized_buffer_rejects_bad_input(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_rejected_transition_leaves_the_buffer_untouched():
    buffer = filled(ReplayBuffer(3), 5)  # full: the next add would overwrite slot 2
    before = [
        getattr(buffer, f).copy()
        for f in ("states", "actions", "rewards", "next_states", "terminated")
    ]
    with pytest.raises(ValueError, match="r must be a finite number"):
        buffer.add(7, 1, math.inf, 8, False)
    after = [
        getattr(buffer, f) for f in ("states", "actions", "rewards", "next_states", "terminated")
    ]
    assert all(np.array_equal(b, a) for b, a in zip(before, after, strict=True))
    assert buffer.added == 5


def test_combined_replay_always_includes_the_newest_transition():
    buffer = filled(ReplayBuffer(10, seed=14, combined=True), 23)  # newest in slot 2
    counts = np.zeros(10, dtype=int)
    for _ in range(2000):
        batch = buffer.sample(8)
        assert batch.indices[-1] == 2 and batch.ids[-1] == 22
        counts += np.bincount(batch.indices[:-1], minlength=10)
    assert chi_square_p(counts, np.full(10, 0.1)) > ALPHA  # the rest stays uniform
    assert filled(ReplayBuffer(4, combined=True), 3).sample(1).indices.tolist() == [2]
