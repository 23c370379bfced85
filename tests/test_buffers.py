"""The uniform ReplayBuffer: ring-buffer properties against a list reference (hypothesis),
the exact use of the random stream, uniform sampling frequencies (chi-square with fixed
seeds), and its argument checks. The prioritized buffers are in test_prioritized.py."""

import copy
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from replay_lab.buffers import Batch, ReplayBuffer
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
    # ... and the test has power: one slot drawn 20% more often than the others fails it.
    assert chi_square_p(counts[:7], [1.2, 1, 1, 1, 1, 1, 1]) < ALPHA


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


@settings(max_examples=200, deadline=None)
@given(
    st.integers(1, 12),
    st.lists(
        st.one_of(
            st.tuples(
                st.just("add"),
                st.integers(0, 50),
                st.integers(0, 3),
                st.floats(-10, 10),
                st.booleans(),
            ),
            st.tuples(st.just("sample"), st.integers(1, 10)),
        ),
        max_size=60,
    ),
    st.integers(0, 2**32 - 1),
)
def test_random_operation_sequences_match_a_list_reference(capacity, ops, seed):
    buffer, kept, serial = ReplayBuffer(capacity, seed=seed), [], 0
    for op in ops:
        if op[0] == "add":
            _, s, a, r, terminated = op
            slot = buffer.add(s, a, r, s + 1, terminated)
            assert slot == serial % capacity
            kept = [*kept, (serial, s, a, r, s + 1, terminated)][-capacity:]
            serial += 1
        elif kept:
            batch = buffer.sample(op[1])
            stored = {t[0]: t for t in kept}
            for k in range(op[1]):
                t = stored[int(batch.ids[k])]  # every sampled id is a kept transition ...
                fields = (batch.states, batch.actions, batch.rewards, batch.next_states)
                assert tuple(f[k] for f in fields) == t[1:5]  # ... with its own fields
                assert batch.terminated[k] == t[5]
        assert len(buffer) == len(kept) and buffer.added == serial
        slots = buffer.slots_by_age()
        assert buffer.ids_at(slots).tolist() == [t[0] for t in kept]
        assert buffer.states[slots].tolist() == [t[1] for t in kept]
        assert buffer.actions[slots].tolist() == [t[2] for t in kept]
        assert buffer.rewards[slots].tolist() == [t[3] for t in kept]
        assert buffer.terminated[slots].tolist() == [t[5] for t in kept]
        assert sorted(slots.tolist()) == list(range(len(kept)))  # each occupied slot once


def test_ids_at_and_slots_by_age_by_hand():
    buffer = filled(ReplayBuffer(4), 6)  # slots hold serials [4, 5, 2, 3]
    assert buffer.ids_at([0, 1, 2, 3]).tolist() == [4, 5, 2, 3]
    assert buffer.ids_at(np.array([2, 2, 0])).tolist() == [2, 2, 4]
    assert buffer.slots_by_age().tolist() == [2, 3, 0, 1]
    assert filled(ReplayBuffer(4), 4).slots_by_age().tolist() == [0, 1, 2, 3]
    assert filled(ReplayBuffer(4), 2).slots_by_age().tolist() == [0, 1]
    assert ReplayBuffer(4).slots_by_age().tolist() == []


def test_add_returns_the_slot_and_stores_a_truncation_as_not_terminated():
    buffer = ReplayBuffer(3)
    assert [buffer.add(0, 0, 0.0, 1, False) for _ in range(5)] == [0, 1, 2, 0, 1]
    buffer = ReplayBuffer(3)
    buffer.add(0, 1, -1.0, 2, True)  # a terminal transition
    buffer.add(2, 0, 0.5, 3, False)  # a truncation: stored as not terminated
    buffer.add(np.int64(3), np.int64(1), np.float32(2.0), np.int64(0), np.bool_(True))
    assert buffer.terminated.tolist() == [True, False, True]
    assert buffer.rewards.tolist() == [-1.0, 0.5, 2.0]


@pytest.mark.parametrize(("flag", "stored"), [(1, True), (0, False), (1.0, True), (0.0, False)])
def test_add_accepts_terminated_as_0_1(flag, stored):
    buffer = ReplayBuffer(2)
    buffer.add(0, 0, 0.0, 1, flag)
    assert buffer.terminated[0] == stored and buffer.terminated.dtype == bool


def test_sample_draws_exactly_batch_size_uniforms_and_floors_them():
    buffer = filled(ReplayBuffer(10, seed=4), 7)
    for batch_size in (1, 3, 64):
        twin = copy.deepcopy(buffer.rng)
        u = twin.random(batch_size)
        batch = buffer.sample(batch_size, beta=0.7)
        np.testing.assert_array_equal(batch.indices, np.floor(u * 7).astype(int))
        assert buffer.rng.bit_generator.state == twin.bit_generator.state
    filled(buffer, 10, start=7)  # now full, wrapped
    twin = copy.deepcopy(buffer.rng)
    u = twin.random(20)
    np.testing.assert_array_equal(buffer.sample(20).indices, np.floor(u * 10).astype(int))
    assert buffer.rng.bit_generator.state == twin.bit_generator.state


def test_combined_sample_uses_the_same_draws_and_replaces_only_the_last():
    buffer = filled(ReplayBuffer(10, seed=5, combined=True), 13)  # newest in slot 2
    twin = copy.deepcopy(buffer.rng)
    u = twin.random(6)
    batch = buffer.sample(6)
    np.testing.assert_array_equal(batch.indices[:-1], np.floor(u[:-1] * 10).astype(int))
    assert batch.indices[-1] == 2
    assert buffer.rng.bit_generator.state == twin.bit_generator.state


def test_batch_is_a_named_tuple_with_the_documented_fields():
    assert Batch._fields == (
        "states",
        "actions",
        "rewards",
        "next_states",
        "terminated",
        "indices",
        "ids",
        "weights",
    )
    batch = filled(ReplayBuffer(4, seed=0), 4).batch(np.array([3, 1]), np.array([0.5, 1.0]))
    assert batch.states.tolist() == [3, 1] and batch.ids.tolist() == [3, 1]
    assert batch.weights.tolist() == [0.5, 1.0]


@pytest.mark.parametrize("beta", [None, 0.0, 0.4, 1.0])
def test_uniform_weights_are_one_whatever_beta(beta):
    buffer = filled(ReplayBuffer(10, seed=6), 25)
    batch = buffer.sample(32, beta=beta)
    np.testing.assert_array_equal(batch.weights, np.ones(32))


def test_update_priorities_checks_its_arguments_and_changes_nothing():
    buffer, twin = filled(ReplayBuffer(6, seed=7), 9), filled(ReplayBuffer(6, seed=7), 9)
    batch = buffer.sample(4)
    twin.sample(4)
    buffer.update_priorities(batch, np.array([5.0, -1.0, 0.0, 1e9]))
    assert buffer.rng.bit_generator.state == twin.rng.bit_generator.state
    for field in ("states", "actions", "rewards", "next_states", "terminated"):
        np.testing.assert_array_equal(getattr(buffer, field), getattr(twin, field))
    np.testing.assert_array_equal(buffer.sample(8).indices, twin.sample(8).indices)


@pytest.mark.parametrize(
    ("make_args", "error", "message"),
    [
        (lambda b: (b.indices, np.ones(4)), TypeError, "batch must be a Batch from sample"),
        (lambda b: (tuple(b), np.ones(4)), TypeError, "batch must be a Batch from sample"),
        (lambda b: (None, np.ones(4)), TypeError, "batch must be a Batch from sample"),
        (lambda b: (b, np.ones(3)), ValueError, "mismatched lengths: batch=4, td_errors=3"),
        (lambda b: (b, [1.0, 2.0, math.nan, 0]), ValueError, "td_errors must be finite.*nan"),
        (lambda b: (b, [1.0, 2.0, math.inf, 0]), ValueError, "td_errors must be finite.*inf"),
        (lambda b: (b, np.ones(4) * 1j), TypeError, "td_errors must hold real numbers.*complex"),
        (lambda b: (b, np.array(["1"] * 4)), TypeError, "td_errors must hold real numbers"),
        (lambda b: (b, np.ones(4, dtype=object)), TypeError, "td_errors must hold real numbers"),
        (lambda b: (b, [True] * 4), TypeError, "td_errors must hold real numbers.*bool"),
    ],
)
def test_update_priorities_rejects_bad_input(make_args, error, message):
    buffer = filled(ReplayBuffer(6, seed=8), 6)
    with pytest.raises(error, match=message):
        buffer.update_priorities(*make_args(buffer.sample(4)))


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: ReplayBuffer(0), ValueError, "capacity must be >= 1, got 0"),
        (lambda: ReplayBuffer(-3), ValueError, "capacity must be >= 1, got -3"),
        (lambda: ReplayBuffer(2.0), TypeError, "capacity must be an integer, got float"),
        (lambda: ReplayBuffer(True), TypeError, "capacity must be an integer, got bool"),
        (lambda: ReplayBuffer(4, seed="a"), TypeError, "seed must be an integer, got str"),
        (lambda: ReplayBuffer(4, seed=1.5), TypeError, "seed must be an integer, got float"),
        (lambda: ReplayBuffer(4, seed=True), TypeError, "seed must be an integer, got bool"),
        (lambda: ReplayBuffer(4, seed=-1), ValueError, "seed must be >= 0, got -1"),
        (lambda: ReplayBuffer(4, combined=1), TypeError, "combined must be a bool, got 1"),
        (lambda: ReplayBuffer(4, combined="no"), TypeError, "combined must be a bool"),
        (lambda: ReplayBuffer(10).sample(1), ValueError, "cannot sample from an empty buffer"),
        (
            lambda: filled(ReplayBuffer(10), 3).sample(0),
            ValueError,
            "batch_size must be >= 1, got 0",
        ),
        (
            lambda: filled(ReplayBuffer(10), 3).sample(2.0),
            TypeError,
            "batch_size must be an integer, got float",
        ),
        (
            lambda: filled(ReplayBuffer(10), 3).sample(2, beta=1.5),
            ValueError,
            r"beta must be in \[0, 1\], got 1.5",
        ),
        (
            lambda: filled(ReplayBuffer(10), 3).sample(2, beta="1"),
            TypeError,
            "beta must be a real number, got str",
        ),
        (
            lambda: filled(ReplayBuffer(10), 3).sample(2, beta=True),
            TypeError,
            "beta must be a real number, got bool",
        ),
        (
            lambda: ReplayBuffer(10).add(0, 0, math.nan, 1, False),
            ValueError,
            "r must be finite, got nan",
        ),
        (
            lambda: ReplayBuffer(10).add(0, 0, "1.0", 1, False),
            TypeError,
            "r must be a real number, got str",
        ),
        (
            lambda: ReplayBuffer(10).add(0, 0, 1 + 0j, 1, False),
            TypeError,
            "r must be a real number, got complex",
        ),
        (
            lambda: ReplayBuffer(10).add(0, 0, True, 1, False),
            TypeError,
            "r must be a real number, got bool",
        ),
        (
            lambda: ReplayBuffer(10).add(-1, 0, 0.0, 1, False),
            ValueError,
            "s must be in \\[0, 2\\*\\*63\\), got -1",
        ),
        (
            lambda: ReplayBuffer(10).add(0, 0, 0.0, -2, False),
            ValueError,
            "s_next must be in \\[0, 2\\*\\*63\\), got -2",
        ),
        (
            lambda: ReplayBuffer(10).add(0, 0.5, 0.0, 1, False),
            TypeError,
            "a must be an integer, got float",
        ),
        (
            lambda: ReplayBuffer(10).add("0", 0, 0.0, 1, False),
            TypeError,
            "s must be an integer, got str",
        ),
        (
            lambda: ReplayBuffer(10).add(0, 0, 0.0, 1, "yes"),
            TypeError,
            "terminated must hold bools or 0/1",
        ),
        (
            lambda: ReplayBuffer(10).add(0, 0, 0.0, 1, 0.5),
            ValueError,
            "terminated must hold bools or 0/1, got 0.5",
        ),
        (
            lambda: ReplayBuffer(10).add(0, 0, 0.0, 1, 2),
            ValueError,
            "terminated must hold bools or 0/1, got 2",
        ),
    ],
)
def test_replay_buffer_rejects_bad_input(call, error, message):
    with pytest.raises(error, match=message):
        call()


@pytest.mark.parametrize(
    "seed",
    [0, 2**40, np.int64(3), np.random.SeedSequence(5), np.random.default_rng(6)],
    ids=["int", "big-int", "np-int", "SeedSequence", "Generator"],
)
def test_every_seed_numpy_accepts_is_accepted(seed):
    buffer = filled(ReplayBuffer(4, seed=seed), 4)
    assert buffer.sample(3).indices.shape == (3,)


def test_same_seed_same_batches_for_every_seed_type():
    for make in (lambda: 9, lambda: np.random.SeedSequence(9)):
        a, b = filled(ReplayBuffer(10, seed=make()), 10), filled(ReplayBuffer(10, seed=make()), 10)
        assert all((a.sample(5).indices == b.sample(5).indices).all() for _ in range(20))


def test_rejected_transition_leaves_the_buffer_untouched():
    buffer = filled(ReplayBuffer(3), 5)  # full: the next add would overwrite slot 2
    before = [
        getattr(buffer, f).copy()
        for f in ("states", "actions", "rewards", "next_states", "terminated")
    ]
    with pytest.raises(ValueError, match="r must be finite"):
        buffer.add(7, 1, math.inf, 8, False)
    with pytest.raises(ValueError, match="terminated must hold bools or 0/1"):
        buffer.add(7, 1, 0.0, 8, 0.5)
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


@pytest.mark.parametrize("bad", [("s", 2**70), ("a", 2**70), ("s_next", 2**70)])
def test_an_integer_too_large_to_store_is_rejected_and_leaves_the_buffer_untouched(bad):
    # Storage is int64: a larger integer cannot be stored. It must be rejected with an error
    # naming the argument, before anything is written (the buffer is full, so the slot
    # written next holds the oldest transition).
    buffer = filled(ReplayBuffer(3), 5)
    before = [getattr(buffer, f).copy() for f in ("states", "actions", "next_states")]
    args = {"s": 7, "a": 1, "r": 0.0, "s_next": 8, "terminated": False, **dict([bad])}
    with pytest.raises((ValueError, OverflowError), match=bad[0]):
        buffer.add(**args)
    after = [getattr(buffer, f) for f in ("states", "actions", "next_states")]
    assert all(np.array_equal(b, a) for b, a in zip(before, after, strict=True))
    assert buffer.added == 5
