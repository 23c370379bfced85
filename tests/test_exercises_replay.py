"""Notebook 02's self-checks: each typical wrong ring buffer and replay loop is rejected,
with the failing case named, the worked answers are accepted, and the stubs are not done."""

import numpy as np
import pytest

import replay_lab as rl
from replay_lab.exercises import LOOP_SETTINGS, check_replay_loop, check_ring_buffer
from replay_lab.exercises.replay import (
    chain_world,
    chi_square_p,
    loop_streams,
    reference_replay_loop,
)

# --- ring buffers: the worked answer and typical wrong ones ----------------------------


class RingBuffer:
    """The worked answer of the notebook's exercise."""

    def __init__(self, capacity, rng):
        self.capacity, self.rng = capacity, rng
        self.states = np.zeros(capacity, dtype=int)
        self.actions = np.zeros(capacity, dtype=int)
        self.rewards = np.zeros(capacity)
        self.next_states = np.zeros(capacity, dtype=int)
        self.terminated = np.zeros(capacity, dtype=bool)
        self.added = 0

    def __len__(self):
        return min(self.added, self.capacity)

    def add(self, s, a, r, s_next, terminated):
        slot = self.added % self.capacity
        self.states[slot], self.actions[slot], self.rewards[slot] = s, a, r
        self.next_states[slot], self.terminated[slot] = s_next, terminated
        self.added += 1

    def sample(self, batch_size):
        return self.rng.integers(len(self), size=batch_size)


class Stub(RingBuffer):
    def add(self, s, a, r, s_next, terminated):
        raise NotImplementedError


class OffByOneOverwrite(RingBuffer):
    def add(self, s, a, r, s_next, terminated):  # when full, overwrites the second oldest
        full = self.added >= self.capacity
        slot = (self.added + full) % self.capacity
        self.states[slot], self.actions[slot], self.rewards[slot] = s, a, r
        self.next_states[slot], self.terminated[slot] = s_next, terminated
        self.added += 1


class NoWrapAround(RingBuffer):
    def add(self, s, a, r, s_next, terminated):  # keeps writing into the last slot
        slot = min(self.added, self.capacity - 1)
        self.states[slot], self.actions[slot], self.rewards[slot] = s, a, r
        self.next_states[slot], self.terminated[slot] = s_next, terminated
        self.added += 1


class SizeGrowsPastCapacity(RingBuffer):  # the seed document's counter
    def __len__(self):
        return self.added


class OnlyStates(RingBuffer):
    def add(self, s, a, r, s_next, terminated):
        self.states[self.added % self.capacity] = s
        self.added += 1


class NewestNeverSampled(RingBuffer):
    def sample(self, batch_size):  # one too few: the last slot is never drawn
        return self.rng.integers(max(len(self) - 1, 1), size=batch_size)


class NewestNeverSampledAfterWrap(RingBuffer):
    def sample(self, batch_size):  # skips the slot written last, wherever it is
        newest = (self.added - 1) % self.capacity
        slots = self.rng.integers(len(self) - 1, size=batch_size)
        return slots + (slots >= newest)


class RoundedIndex(RingBuffer):
    def sample(self, batch_size):  # rounding: the first and last slots come up half as often
        return np.round(self.rng.random(batch_size) * (len(self) - 1)).astype(int)


class EmptySlots(RingBuffer):
    def sample(self, batch_size):  # draws from every slot, filled or not
        return self.rng.integers(self.capacity, size=batch_size)


class ReturnsTransitions(RingBuffer):
    def sample(self, batch_size):
        return self.states[self.rng.integers(len(self), size=batch_size)].astype(float)


@pytest.mark.parametrize(
    ("wrong", "words"),
    [
        (OffByOneOverwrite, "over the oldest"),
        (NoWrapAround, "over the oldest"),
        (SizeGrowsPastCapacity, "len(buffer)"),
        (OnlyStates, "actions"),
        (NewestNeverSampled, "never drawn"),
        (NewestNeverSampledAfterWrap, "never drawn"),
        (RoundedIndex, "chi-square"),
        (EmptySlots, "holds no transition"),
        (ReturnsTransitions, "slot numbers"),
    ],
)
def test_ring_buffer_check_rejects_typical_mistakes(wrong, words):
    verdict = check_ring_buffer(wrong)
    assert verdict.status == "not right yet" and not verdict
    assert words in verdict.message, verdict.message


def test_ring_buffer_check_accepts_the_answer_and_knows_a_stub():
    assert check_ring_buffer(RingBuffer).status == "correct"
    assert check_ring_buffer(Stub).status == "not done yet"


def test_ring_buffer_check_is_fair_and_has_power():
    # A right answer fails the chi-square tests (p < 0.001) rarely, whatever the seed;
    # rounding, a bias of 1/8 against 1/5 on two slots, is caught at every seed.
    seeds = range(40)
    assert sum(not check_ring_buffer(RingBuffer, seed) for seed in seeds) <= 1
    assert not any(check_ring_buffer(RoundedIndex, seed) for seed in seeds)


def test_chi_square_p_matches_the_closed_form_and_the_table():
    # 4 degrees of freedom: P(X > 9.488) = 0.05, P(X > 18.467) = 0.001 (standard table).
    assert chi_square_p(np.array([0, 0, 0, 0, 0]), 0.0 + 1) == pytest.approx(
        np.exp(-2.5) * (1 + 2.5)
    )
    for x, p in ((9.488, 0.05), (18.467, 0.001)):
        counts = np.array([100 + np.sqrt(100 * x), 100, 100, 100, 100])
        assert chi_square_p(counts, 100.0) == pytest.approx(p, rel=1e-3)
    with pytest.raises(ValueError, match="odd number"):
        chi_square_p(np.ones(4), 1.0)


# --- replay loops: the worked answer and typical wrong ones -----------------------------


def replay_one_batch(q, buffer, batch_size, alpha, gamma):
    b = buffer.sample(batch_size)
    rl.q_update(q, b.states, b.actions, b.rewards, b.next_states, b.terminated, alpha, gamma)


def replay_loop(env, q, buffer, rng, *, steps, alpha, gamma, epsilon, batch_size):
    """The worked answer of the notebook's exercise."""
    s, _ = env.reset()
    for _ in range(steps):
        a = rl.epsilon_greedy(q, s, epsilon, rng)
        s_next, r, terminated, truncated, _ = env.step(a)
        buffer.add(s, a, r, s_next, terminated)
        if len(buffer) >= batch_size:
            replay_one_batch(q, buffer, batch_size, alpha, gamma)
        s = s_next
        if terminated or truncated:
            s, _ = env.reset()


def loop_stub(env, q, buffer, rng, **settings):
    raise NotImplementedError


def alpha_twice(env, q, buffer, rng, *, alpha, **settings):
    replay_loop(env, q, buffer, rng, alpha=alpha * alpha, **settings)


def truncation_as_terminal(env, q, buffer, rng, *, steps, alpha, gamma, epsilon, batch_size):
    s, _ = env.reset()
    for _ in range(steps):
        a = rl.epsilon_greedy(q, s, epsilon, rng)
        s_next, r, terminated, truncated, _ = env.step(a)
        done = terminated or truncated
        buffer.add(s, a, r, s_next, done)
        if len(buffer) >= batch_size:
            replay_one_batch(q, buffer, batch_size, alpha, gamma)
        s = s_next
        if done:
            s, _ = env.reset()


def no_reset_on_truncation(env, q, buffer, rng, *, steps, alpha, gamma, epsilon, batch_size):
    s, _ = env.reset()
    for _ in range(steps):
        a = rl.epsilon_greedy(q, s, epsilon, rng)
        s_next, r, terminated, _, _ = env.step(a)  # truncated is ignored
        buffer.add(s, a, r, s_next, terminated)
        if len(buffer) >= batch_size:
            replay_one_batch(q, buffer, batch_size, alpha, gamma)
        s = s_next
        if terminated:
            s, _ = env.reset()


def learns_online_too(env, q, buffer, rng, *, steps, alpha, gamma, epsilon, batch_size):
    # Learns from each new transition at once and then again from the replayed batch.
    s, _ = env.reset()
    for _ in range(steps):
        a = rl.epsilon_greedy(q, s, epsilon, rng)
        s_next, r, terminated, truncated, _ = env.step(a)
        buffer.add(s, a, r, s_next, terminated)
        rl.q_update(q, s, a, r, s_next, terminated, alpha, gamma)
        if len(buffer) >= batch_size:
            replay_one_batch(q, buffer, batch_size, alpha, gamma)
        s = s_next
        if terminated or truncated:
            s, _ = env.reset()


def stores_only_after_learning_starts(env, q, buffer, rng, *, steps, **settings):
    replay_loop(env, q, buffer, rng, steps=steps - 1, **settings)


@pytest.mark.parametrize(
    ("wrong", "words"),
    [
        (alpha_twice, "check the update"),
        (learns_online_too, "check the update"),
        (truncation_as_terminal, "truncated) and the transition was stored with terminated=True"),
        (no_reset_on_truncation, "truncated by the time limit at step"),
        (stores_only_after_learning_starts, "transitions were stored"),
    ],
)
def test_replay_loop_check_rejects_typical_mistakes(wrong, words):
    verdict = check_replay_loop(wrong)
    assert verdict.status == "not right yet" and not verdict
    assert words in verdict.message, verdict.message


def test_replay_loop_check_accepts_the_answer_and_knows_a_stub():
    assert check_replay_loop(replay_loop).status == "correct"
    assert check_replay_loop(loop_stub).status == "not done yet"


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_reference_loop_is_replay_lab_train(seed):
    env, q = chain_world(), np.zeros((5, 2))
    rng, buffer = loop_streams(env, q, seed)
    truncations = reference_replay_loop(env, q, buffer, rng, **LOOP_SETTINGS)
    settings = {k: v for k, v in LOOP_SETTINGS.items() if k != "batch_size"}
    library = rl.train(
        chain_world(),
        **settings,
        seed=seed,
        replay="uniform",
        capacity=LOOP_SETTINGS["steps"],
        batch_size=LOOP_SETTINGS["batch_size"],
        learning_starts=LOOP_SETTINGS["batch_size"],
    )
    np.testing.assert_array_equal(q, library.q)
    # The check world has both endings, so both mistakes about them can show.
    assert truncations.sum() >= 5 and buffer.terminated.sum() >= 5
