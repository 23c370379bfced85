"""replay_lab.core against hand-worked numbers, a slow reference loop, and exact
probabilities."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from replay_lab.core import epsilon_greedy, greedy_policy, q_update, td_error
from tests.stats import ALPHA, chi_square_p

# A 3-state, 2-action table used for the hand-worked examples.
Q = np.array([[0.0, 1.0], [2.0, 5.0], [-1.0, -3.0]])


def reference_q_update(q, s, a, r, s_next, terminated, alpha, gamma, weights):
    """The Q-learning rule applied one transition at a time, written out plainly."""
    q = q.copy()
    deltas = []
    for i in range(len(s)):
        future = 0.0 if terminated[i] else gamma * max(q[s_next[i]])
        delta = r[i] + future - q[s[i], a[i]]
        q[s[i], a[i]] = q[s[i], a[i]] + alpha * weights[i] * delta
        deltas.append(delta)
    return q, np.array(deltas)


# --- td_error ---------------------------------------------------------------------------


def test_td_error_by_hand():
    # delta = 1 + 0.5 * max(2, 5) - q[0, 1] = 1 + 2.5 - 1
    assert td_error(Q, 0, 1, 1.0, 1, False, 0.5) == 2.5
    # terminated: no future, delta = r - q[0, 1]
    assert td_error(Q, 0, 1, 1.0, 1, True, 0.5) == 0.0
    # negative values: max over s'=2 is -1
    assert td_error(Q, 1, 0, 0.0, 2, False, 0.9) == pytest.approx(-0.9 - 2.0)


def test_td_error_batch_by_hand_and_q_untouched():
    q = Q.copy()
    deltas = td_error(
        q, [0, 0, 1], [1, 1, 0], [1.0, 1.0, 0.0], [1, 1, 2], [False, True, False], 0.5
    )
    np.testing.assert_allclose(deltas, [2.5, 0.0, -2.5])
    np.testing.assert_array_equal(q, Q)


def test_td_error_batch_matches_scalar_calls():
    rng = np.random.default_rng(1)
    q = rng.normal(size=(7, 3))
    s, a, s_next = rng.integers(7, size=50), rng.integers(3, size=50), rng.integers(7, size=50)
    r, terminated = rng.normal(size=50), rng.random(50) < 0.3
    batch = td_error(q, s, a, r, s_next, terminated, 0.8)
    one_by_one = [td_error(q, *t, 0.8) for t in zip(s, a, r, s_next, terminated, strict=True)]
    np.testing.assert_array_equal(batch, one_by_one)


def test_terminated_does_not_bootstrap_but_truncated_does():
    # A truncated transition is passed with terminated=False: its target keeps gamma*max Q(s').
    q = np.array([[0.0, 0.0], [10.0, 4.0]])
    assert td_error(q, 0, 0, 1.0, 1, True, 0.9) == 1.0
    assert td_error(q, 0, 0, 1.0, 1, False, 0.9) == 1.0 + 9.0


# --- q_update ---------------------------------------------------------------------------


def test_q_update_by_hand():
    q = Q.copy()
    delta = q_update(q, 0, 1, 1.0, 1, False, alpha=0.5, gamma=0.5)
    assert delta == 2.5
    assert q[0, 1] == 1.0 + 0.5 * 2.5
    q[0, 1] = 1.0
    np.testing.assert_array_equal(q, Q)  # nothing else changed


def test_q_update_weight_scales_the_step():
    q = Q.copy()
    q_update(q, 0, 1, 1.0, 1, False, alpha=0.5, gamma=0.5, weights=0.2)
    assert q[0, 1] == pytest.approx(1.0 + 0.5 * 0.2 * 2.5)


def test_q_update_batch_applies_transitions_in_order():
    # The same pair twice, then a transition whose s' is the state just updated.
    q = np.zeros((2, 2))
    deltas = q_update(
        q, [0, 0, 1], [0, 0, 1], [1.0, 1.0, 0.0], [0, 0, 0], [True, True, False], 0.5, 1.0
    )
    # 1st: delta = 1 - 0 -> q[0,0] = 0.5; 2nd: delta = 1 - 0.5 -> q[0,0] = 0.75;
    # 3rd: delta = 0 + max(q[0]) - q[1,1] = 0.75 -> q[1,1] = 0.375
    np.testing.assert_allclose(deltas, [1.0, 0.5, 0.75])
    np.testing.assert_allclose(q, [[0.75, 0.0], [0.0, 0.375]])


transitions = st.integers(1, 40).flatmap(
    lambda n: st.tuples(
        st.lists(st.integers(0, 3), min_size=n, max_size=n),
        st.lists(st.integers(0, 2), min_size=n, max_size=n),
        st.lists(st.floats(-5, 5), min_size=n, max_size=n),
        st.lists(st.integers(0, 3), min_size=n, max_size=n),
        st.lists(st.booleans(), min_size=n, max_size=n),
        st.lists(st.floats(0, 1), min_size=n, max_size=n),
    )
)


@settings(max_examples=300, deadline=None)
@given(transitions, st.floats(0.01, 1), st.floats(0, 1), st.integers(0, 2**32 - 1))
def test_q_update_batch_equals_plain_loop(batch, alpha, gamma, seed):
    # Only 4 states and 3 actions, so batches repeat pairs and chain s' into s constantly.
    s, a, r, s_next, terminated, weights = (np.array(x) for x in batch)
    q = np.random.default_rng(seed).normal(size=(4, 3))
    expected_q, expected_deltas = reference_q_update(
        q, s, a, r, s_next, terminated, alpha, gamma, weights
    )
    deltas = q_update(q, s, a, r, s_next, terminated, alpha, gamma, weights=weights)
    np.testing.assert_allclose(deltas, expected_deltas, rtol=0, atol=1e-12)
    np.testing.assert_allclose(q, expected_q, rtol=0, atol=1e-12)


def test_q_update_batch_of_one_equals_scalar_update():
    q1, q2 = Q.copy(), Q.copy()
    d1 = q_update(q1, 2, 0, -1.5, 1, False, 0.3, 0.7)
    d2 = q_update(q2, [2], [0], [-1.5], [1], [False], 0.3, 0.7)
    assert d2.shape == (1,)
    assert d1 == d2[0]
    np.testing.assert_array_equal(q1, q2)


def test_q_update_accepts_numpy_scalars_from_gymnasium():
    q = Q.copy()
    q_update(q, np.int64(0), np.int64(1), np.float64(1.0), np.int64(1), np.bool_(False), 0.5, 0.5)
    assert q[0, 1] == 2.25


# --- epsilon_greedy and greedy_policy ----------------------------------------------------


def test_epsilon_zero_is_greedy():
    rng = np.random.default_rng(0)
    assert {epsilon_greedy(Q, 1, 0.0, rng) for _ in range(200)} == {1}
    assert {epsilon_greedy(Q, 2, 0.0, rng) for _ in range(200)} == {0}


def test_greedy_ties_are_broken_uniformly():
    q = np.array([[3.0, 1.0, 3.0, 3.0]])
    rng = np.random.default_rng(2)
    counts = np.bincount([epsilon_greedy(q, 0, 0.0, rng) for _ in range(6000)], minlength=4)
    assert counts[1] == 0
    assert chi_square_p(counts, [1 / 3, 0, 1 / 3, 1 / 3]) > ALPHA


def test_ties_first_always_takes_lowest_action():
    rng = np.random.default_rng(0)
    zeros = np.zeros((1, 4))
    assert {epsilon_greedy(zeros, 0, 0.0, rng, ties="first") for _ in range(100)} == {0}


def test_epsilon_greedy_distribution_is_exact():
    # P(greedy) = 1 - eps + eps/n, P(each other) = eps/n
    eps, n = 0.3, 4
    q = np.array([[0.0, 0.0, 7.0, 0.0]])
    rng = np.random.default_rng(3)
    counts = np.bincount([epsilon_greedy(q, 0, eps, rng) for _ in range(20_000)], minlength=n)
    probabilities = np.full(n, eps / n)
    probabilities[2] += 1 - eps
    assert chi_square_p(counts, probabilities) > ALPHA
    # ... and the test has power: ignoring the exploration share of the greedy action fails.
    wrong = np.array([0.1, 0.1, 0.7, 0.1])
    assert chi_square_p(counts, wrong) < ALPHA


def test_epsilon_greedy_is_reproducible():
    runs = []
    for _ in range(2):
        rng = np.random.default_rng(11)
        runs.append([epsilon_greedy(np.zeros((1, 5)), 0, 0.5, rng) for _ in range(100)])
    assert runs[0] == runs[1]
    assert len(set(runs[0])) == 5


def test_greedy_policy():
    np.testing.assert_array_equal(greedy_policy(Q), [1, 1, 0])
    np.testing.assert_array_equal(greedy_policy(np.zeros((2, 3))), [0, 0])


# --- bad input gets a clear error ---------------------------------------------------------

GOOD = dict(q=Q, s=0, a=1, r=1.0, s_next=1, terminated=False, alpha=0.5, gamma=0.9)


@pytest.mark.parametrize(
    ("change", "error", "message"),
    [
        ({"alpha": 0.0}, ValueError, r"alpha must be in \(0, 1\], got 0.0"),
        ({"alpha": 1.5}, ValueError, r"alpha must be in \(0, 1\], got 1.5"),
        ({"alpha": math.nan}, ValueError, r"alpha must be in \(0, 1\], got nan"),
        ({"alpha": "0.1"}, TypeError, r"alpha must be a real number, got str"),
        ({"gamma": -0.1}, ValueError, r"gamma must be in \[0, 1\], got -0.1"),
        ({"gamma": 1.01}, ValueError, r"gamma must be in \[0, 1\], got 1.01"),
        ({"s": 3}, ValueError, r"s must be in \[0, 2\], got 3"),
        ({"s": -1}, ValueError, r"s must be in \[0, 2\], got -1"),
        ({"s": 1.0}, TypeError, r"s must hold integers, got dtype float64"),
        ({"a": 2}, ValueError, r"a must be in \[0, 1\], got 2"),
        ({"s_next": 5}, ValueError, r"s_next must be in \[0, 2\], got 5"),
        ({"r": math.nan}, ValueError, r"r must be a finite number, got nan"),
        ({"r": math.inf}, ValueError, r"r must be a finite number, got inf"),
        ({"terminated": 2}, ValueError, r"terminated must be a bool"),
        ({"q": np.zeros(3)}, TypeError, r"q must be a 2-D float numpy array"),
        ({"q": np.zeros((3, 2), dtype=int)}, TypeError, r"q must be a 2-D float numpy array"),
    ],
)
def test_q_update_rejects_bad_scalar_input(change, error, message):
    with pytest.raises(error, match=message):
        q_update(**{**GOOD, **change})


@pytest.mark.parametrize(
    ("change", "error", "message"),
    [
        ({"s": [0, 3]}, ValueError, r"s must be in \[0, 2\], got 3"),
        ({"s": [0.0, 1.0]}, TypeError, r"s must hold integers, got dtype float64"),
        ({"a": [0, -1]}, ValueError, r"a must be in \[0, 1\], got -1"),
        ({"s_next": [0, 9]}, ValueError, r"s_next must be in \[0, 2\], got 9"),
        ({"r": [1.0, math.nan]}, ValueError, r"r must be finite, got nan"),
        ({"r": [math.inf, 1.0]}, ValueError, r"r must be finite, got inf"),
        ({"r": [1.0, 2.0, 3.0]}, ValueError, r"mismatched lengths: s=2, a=2, r=3"),
        ({"terminated": [True]}, ValueError, r"mismatched lengths: .*terminated=1"),
        ({"terminated": [0, 2]}, ValueError, r"terminated must hold bools"),
        ({"weights": [1.0, -0.5]}, ValueError, r"weights must be >= 0, got -0.5"),
        ({"weights": [1.0, math.nan]}, ValueError, r"weights must be finite, got nan"),
        ({"weights": [1.0]}, ValueError, r"mismatched lengths: .*weights=1"),
    ],
)
def test_q_update_rejects_bad_batch_input(change, error, message):
    args = dict(
        q=Q.copy(),
        s=[0, 1],
        a=[1, 0],
        r=[1.0, 0.0],
        s_next=[1, 2],
        terminated=[False, True],
        alpha=0.5,
        gamma=0.9,
    )
    before = args["q"].copy()
    with pytest.raises(error, match=message):
        q_update(**{**args, **change})
    np.testing.assert_array_equal(args["q"], before)  # a rejected batch changes nothing


def test_td_error_rejects_bad_input():
    with pytest.raises(ValueError, match=r"gamma must be in \[0, 1\], got 2.0"):
        td_error(Q, 0, 0, 0.0, 0, False, 2.0)
    with pytest.raises(ValueError, match=r"s must be in \[0, 2\], got 7"):
        td_error(Q, [0, 7], [0, 0], [0.0, 0.0], [0, 0], [False, False], 0.5)
    with pytest.raises(ValueError, match="mismatched lengths"):
        td_error(Q, [0, 1], [0], [0.0, 0.0], [0, 0], [False, False], 0.5)


def test_epsilon_greedy_rejects_bad_input():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match=r"epsilon must be in \[0, 1\], got 1.5"):
        epsilon_greedy(Q, 0, 1.5, rng)
    with pytest.raises(ValueError, match=r"epsilon must be in \[0, 1\], got -0.1"):
        epsilon_greedy(Q, 0, -0.1, rng)
    with pytest.raises(ValueError, match=r"s must be in \[0, 2\], got 3"):
        epsilon_greedy(Q, 3, 0.1, rng)
    with pytest.raises(ValueError, match="ties must be 'random' or 'first'"):
        epsilon_greedy(Q, 0, 0.1, rng, ties="last")
