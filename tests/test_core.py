"""replay_lab.core against hand-worked numbers, a slow reference loop, exact probabilities
and the exact use of the random stream."""

import copy
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


def reference_epsilon_greedy(row, epsilon, explore, pick, ties):
    """The action epsilon_greedy must return for the two uniforms (explore, pick)."""
    if explore < epsilon:
        candidates = list(range(len(row)))
    elif ties == "random":
        candidates = [i for i, v in enumerate(row) if v == max(row)]
    else:
        candidates = [next(i for i, v in enumerate(row) if v == max(row))]
    return candidates[math.floor(pick * len(candidates))]


# --- td_error ---------------------------------------------------------------------------


def test_td_error_by_hand():
    # delta = 1 + 0.5 * max(2, 5) - q[0, 1] = 1 + 2.5 - 1
    assert td_error(Q, 0, 1, 1.0, 1, False, 0.5) == 2.5
    # terminated: no future, delta = r - q[0, 1]
    assert td_error(Q, 0, 1, 1.0, 1, True, 0.5) == 0.0
    # negative values: max over s'=2 is -1
    assert td_error(Q, 1, 0, 0.0, 2, False, 0.9) == pytest.approx(-0.9 - 2.0)
    # gamma = 0: the target is the reward alone
    assert td_error(Q, 2, 1, 4.0, 1, False, 0.0) == 4.0 + 3.0


def test_td_error_returns_a_float_for_scalars_and_an_array_for_batches():
    assert type(td_error(Q, 0, 1, 1.0, 1, False, 0.5)) is float
    assert td_error(Q, [0], [1], [1.0], [1], [False], 0.5).shape == (1,)


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
    # the same in one batch: [terminal, truncated]
    np.testing.assert_array_equal(
        td_error(q, [0, 0], [0, 0], [1.0, 1.0], [1, 1], [True, False], 0.9), [1.0, 10.0]
    )


@pytest.mark.parametrize(
    "flags",
    [
        np.array([1.0, 0.0, 1.0]),
        np.array([1.0, 0.0, 1.0], dtype=np.float32),
        np.array([1, 0, 1]),
        np.array([1, 0, 1], dtype=np.uint8),
        [1.0, 0.0, 1.0],
        [1, 0, 1],
    ],
)
def test_terminated_as_0_1_of_any_real_dtype_equals_bools(flags):
    args = (Q, [0, 1, 2], [1, 0, 1], [1.0, -2.0, 0.5], [1, 2, 0], flags, 0.9)
    expected = td_error(*args[:5], [True, False, True], 0.9)
    np.testing.assert_array_equal(td_error(*args), expected)
    q1, q2 = Q.copy(), Q.copy()
    d1 = q_update(q1, *args[1:5], [True, False, True], 0.5, 0.9)
    d2 = q_update(q2, *args[1:5], flags, 0.5, 0.9)
    np.testing.assert_array_equal(d1, d2)
    np.testing.assert_array_equal(q1, q2)


@pytest.mark.parametrize("flag", [1.0, 0.0, 1, 0, np.float64(1.0), np.float32(0.0), np.int8(1)])
def test_scalar_terminated_0_1_equals_bool(flag):
    assert td_error(Q, 0, 1, 1.0, 1, flag, 0.5) == td_error(Q, 0, 1, 1.0, 1, bool(flag), 0.5)


@pytest.mark.parametrize("flag", [0.5, 2, -1, 1.0000001, np.float64(0.5), math.nan])
@pytest.mark.parametrize("as_array", [False, True])
def test_terminated_other_numbers_are_rejected_as_scalar_and_array(flag, as_array):
    value = np.array([flag]) if as_array else flag
    with pytest.raises(ValueError, match="terminated must hold bools or 0/1"):
        td_error(Q, 0, 1, 1.0, 1, value, 0.5)
    q = Q.copy()
    with pytest.raises(ValueError, match="terminated must hold bools or 0/1"):
        q_update(q, 0, 1, 1.0, 1, value, 0.5, 0.5)
    np.testing.assert_array_equal(q, Q)


@pytest.mark.parametrize(
    "flag",
    ["1", np.array(["1"]), np.array([1 + 0j]), 1 + 0j, np.array([True], dtype=object)],
    ids=["str", "str-array", "complex-array", "complex", "object-array"],
)
def test_terminated_of_a_non_numeric_type_is_rejected(flag):
    with pytest.raises((TypeError, ValueError), match="terminated"):
        td_error(Q, 0, 1, 1.0, 1, flag, 0.5)


@pytest.mark.parametrize(
    "flag",
    ["1", np.array(["1"]), np.array([1 + 0j]), np.array([True], dtype=object)],
    ids=["str", "str-array", "complex-array", "object-array"],
)
def test_terminated_of_a_non_numeric_type_is_a_type_error_as_for_every_argument(flag):
    # r, weights, s, ... of a string/complex/object dtype raise TypeError, and so does
    # ReplayBuffer.add(..., terminated="1"); terminated in core should agree.
    with pytest.raises(TypeError, match="terminated"):
        td_error(Q, 0, 1, 1.0, 1, flag, 0.5)


def test_empty_batch_returns_empty_and_changes_nothing():
    q = Q.copy()
    empty = np.array([], dtype=np.int64)
    deltas = q_update(q, empty, empty, np.array([]), empty, np.array([], dtype=bool), 0.5, 0.9)
    assert isinstance(deltas, np.ndarray) and deltas.shape == (0,)
    np.testing.assert_array_equal(q, Q)
    assert q_update(q, [], [], [], [], [], 0.5, 0.9, weights=[]).shape == (0,)
    assert q_update(q, [], [], [], [], [], 0.5, 0.9, weights=0.5).shape == (0,)
    assert td_error(q, [], [], [], [], [], 0.9).shape == (0,)
    np.testing.assert_array_equal(q, Q)


# --- q_update ---------------------------------------------------------------------------


def test_q_update_by_hand():
    q = Q.copy()
    delta = q_update(q, 0, 1, 1.0, 1, False, alpha=0.5, gamma=0.5)
    assert delta == 2.5
    assert q[0, 1] == 1.0 + 0.5 * 2.5
    q[0, 1] = 1.0
    np.testing.assert_array_equal(q, Q)  # nothing else changed


def test_q_update_terminal_by_hand():
    q = Q.copy()
    assert q_update(q, 1, 1, -1.0, 2, True, alpha=0.25, gamma=0.9) == -1.0 - 5.0
    assert q[1, 1] == 5.0 + 0.25 * -6.0


def test_q_update_weight_scales_the_step():
    q = Q.copy()
    q_update(q, 0, 1, 1.0, 1, False, alpha=0.5, gamma=0.5, weights=0.2)
    assert q[0, 1] == pytest.approx(1.0 + 0.5 * 0.2 * 2.5)
    q = Q.copy()
    q_update(q, 0, 1, 1.0, 1, False, alpha=0.5, gamma=0.5, weights=0.0)
    np.testing.assert_array_equal(q, Q)  # a zero weight is no step


def test_q_update_one_weight_applies_to_the_whole_batch():
    args = ([0, 0, 1], [1, 1, 0], [1.0, 2.0, 0.0], [1, 2, 0], [False, False, True], 0.5, 0.9)
    q1, q2 = Q.copy(), Q.copy()
    d1 = q_update(q1, *args, weights=0.3)
    d2 = q_update(q2, *args, weights=[0.3, 0.3, 0.3])
    np.testing.assert_array_equal(d1, d2)
    np.testing.assert_array_equal(q1, q2)


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


def test_q_update_batch_differs_from_td_error_of_the_unchanged_table():
    # Applied in order, the second delta sees the first update: not td_error's value.
    q = np.zeros((1, 1))
    deltas = q_update(q, [0, 0], [0, 0], [1.0, 1.0], [0, 0], [True, True], 1.0, 0.9)
    np.testing.assert_array_equal(deltas, [1.0, 0.0])
    np.testing.assert_array_equal(
        td_error(np.zeros((1, 1)), [0, 0], [0, 0], [1.0, 1.0], [0, 0], [True, True], 0.9),
        [1.0, 1.0],
    )


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


@settings(max_examples=200, deadline=None)
@given(
    transitions,
    st.floats(0.01, 1),
    st.floats(0, 1),
    st.integers(0, 2**32 - 1),
    st.sampled_from([bool, float, np.int64]),
)
def test_q_update_batch_equals_plain_loop(batch, alpha, gamma, seed, flag_dtype):
    # Only 4 states and 3 actions, so batches repeat pairs and chain s' into s constantly.
    s, a, r, s_next, terminated, weights = (np.array(x) for x in batch)
    q = np.random.default_rng(seed).normal(size=(4, 3))
    expected_q, expected_deltas = reference_q_update(
        q, s, a, r, s_next, terminated, alpha, gamma, weights
    )
    flags = terminated.astype(flag_dtype)  # bools, or 0.0/1.0, or 0/1
    deltas = q_update(q, s, a, r, s_next, flags, alpha, gamma, weights=weights)
    np.testing.assert_allclose(deltas, expected_deltas, rtol=0, atol=1e-12)
    np.testing.assert_allclose(q, expected_q, rtol=0, atol=1e-12)


def test_q_update_batch_of_one_equals_scalar_update():
    q1, q2 = Q.copy(), Q.copy()
    d1 = q_update(q1, 2, 0, -1.5, 1, False, 0.3, 0.7)
    d2 = q_update(q2, [2], [0], [-1.5], [1], [False], 0.3, 0.7)
    assert type(d1) is float and d2.shape == (1,)
    assert d1 == d2[0]
    np.testing.assert_array_equal(q1, q2)


def test_q_update_accepts_numpy_scalars_from_gymnasium():
    q = Q.copy()
    q_update(q, np.int64(0), np.int64(1), np.float64(1.0), np.int64(1), np.bool_(False), 0.5, 0.5)
    assert q[0, 1] == 2.25


# --- epsilon_greedy and greedy_policy ----------------------------------------------------


@pytest.mark.parametrize(
    ("row", "epsilon", "ties"),
    [
        ([3.0, 1.0, 3.0, 3.0], 0.0, "random"),
        ([3.0, 1.0, 3.0, 3.0], 0.0, "first"),
        ([0.0, 2.0, 1.0], 0.5, "random"),
        ([0.0, 0.0, 0.0], 1.0, "first"),
        ([5.0], 0.3, "random"),
    ],
)
def test_epsilon_greedy_draws_exactly_two_uniforms_and_uses_them_as_documented(row, epsilon, ties):
    q = np.array([row])
    rng = np.random.default_rng(21)
    for _ in range(300):
        twin = copy.deepcopy(rng)
        explore, pick = twin.random(2)
        action = epsilon_greedy(q, 0, epsilon, rng, ties=ties)
        assert rng.bit_generator.state == twin.bit_generator.state
        assert action == reference_epsilon_greedy(row, epsilon, explore, pick, ties)


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
    # ... and the test has power: ties="first" (always action 0) fails it.
    rng = np.random.default_rng(2)
    first = np.bincount(
        [epsilon_greedy(q, 0, 0.0, rng, ties="first") for _ in range(6000)], minlength=4
    )
    assert first.tolist() == [6000, 0, 0, 0]
    with np.errstate(divide="ignore"):
        assert chi_square_p(first, [1 / 3, 0, 1 / 3, 1 / 3]) < ALPHA
    # ... and a mild bias, half the draws to the first greedy action, fails it too.
    biased = np.array([3000, 0, 1500, 1500])
    assert chi_square_p(biased, [1 / 3, 0, 1 / 3, 1 / 3]) < ALPHA


def test_ties_first_always_takes_lowest_action():
    rng = np.random.default_rng(0)
    zeros = np.zeros((1, 4))
    assert {epsilon_greedy(zeros, 0, 0.0, rng, ties="first") for _ in range(100)} == {0}
    q = np.array([[1.0, 4.0, 2.0, 4.0]])
    assert {epsilon_greedy(q, 0, 0.0, rng, ties="first") for _ in range(100)} == {1}


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
    # ... and so does exploring with a slightly wrong probability (0.35 instead of 0.3).
    wrong = np.full(n, 0.35 / n)
    wrong[2] += 0.65
    assert chi_square_p(counts, wrong) < ALPHA


def test_explore_frequency_with_ties_is_exact():
    # eps = 0.6 over 3 actions, 2 of them tied greedy: P = 0.2 + 0.4/2 for each greedy
    # action... precisely: explore 0.6 spread over 3 (0.2 each), exploit 0.4 over 2.
    q = np.array([[1.0, 0.0, 1.0]])
    rng = np.random.default_rng(8)
    counts = np.bincount([epsilon_greedy(q, 0, 0.6, rng) for _ in range(15_000)], minlength=3)
    assert chi_square_p(counts, [0.4, 0.2, 0.4]) > ALPHA
    assert chi_square_p(counts, [0.45, 0.1, 0.45]) < ALPHA  # eps = 0.3 would look like this


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
    with pytest.raises(TypeError, match="q must be a 2-D float numpy array"):
        greedy_policy([[0.0, 1.0]])


# --- bad input gets a clear error ---------------------------------------------------------

GOOD = dict(q=Q, s=0, a=1, r=1.0, s_next=1, terminated=False, alpha=0.5, gamma=0.9)


@pytest.mark.parametrize(
    ("change", "error", "message"),
    [
        ({"alpha": 0.0}, ValueError, r"alpha must be in \(0, 1\], got 0.0"),
        ({"alpha": 1.5}, ValueError, r"alpha must be in \(0, 1\], got 1.5"),
        ({"alpha": math.nan}, ValueError, r"alpha must be in \(0, 1\], got nan"),
        ({"alpha": "0.1"}, TypeError, r"alpha must be a real number, got str"),
        ({"alpha": True}, TypeError, r"alpha must be a real number, got bool"),
        ({"gamma": -0.1}, ValueError, r"gamma must be in \[0, 1\], got -0.1"),
        ({"gamma": 1.01}, ValueError, r"gamma must be in \[0, 1\], got 1.01"),
        ({"gamma": 1 + 0j}, TypeError, r"gamma must be a real number, got complex"),
        ({"s": 3}, ValueError, r"s must be in \[0, 2\], got 3"),
        ({"s": -1}, ValueError, r"s must be in \[0, 2\], got -1"),
        ({"s": 1.0}, TypeError, r"s must be an integer, got float"),
        ({"s": True}, TypeError, r"s must be an integer, got bool"),
        ({"a": 2}, ValueError, r"a must be in \[0, 1\], got 2"),
        ({"s_next": 5}, ValueError, r"s_next must be in \[0, 2\], got 5"),
        ({"s_next": "1"}, TypeError, r"s_next must be an integer"),
        ({"r": math.nan}, ValueError, r"r must be finite, got nan"),
        ({"r": math.inf}, ValueError, r"r must be finite, got inf"),
        ({"r": "2.5"}, TypeError, r"r must be a real number, got str"),
        ({"r": 2.5 + 0j}, TypeError, r"r must be a real number, got complex"),
        ({"r": True}, TypeError, r"r must be a real number, got bool"),
        ({"terminated": 2}, ValueError, r"terminated must hold bools or 0/1"),
        ({"weights": -0.5}, ValueError, r"weights must be in \[0, inf\], got -0.5"),
        ({"weights": 1j}, TypeError, r"weights must be a real number, got complex"),
        ({"weights": "1"}, TypeError, r"weights must be a real number, got str"),
        ({"q": np.zeros(3)}, TypeError, r"q must be a 2-D float numpy array"),
        ({"q": np.zeros((3, 2), dtype=int)}, TypeError, r"q must be a 2-D float numpy array"),
        ({"q": [[0.0, 1.0]]}, TypeError, r"q must be a 2-D float numpy array"),
    ],
)
def test_q_update_rejects_bad_scalar_input(change, error, message):
    args = {**GOOD, "q": GOOD["q"].copy(), **change}
    with pytest.raises(error, match=message):
        q_update(**args)
    if "q" not in change:
        np.testing.assert_array_equal(args["q"], Q)  # a rejected update changes nothing


BATCH = dict(
    s=[0, 1],
    a=[1, 0],
    r=[1.0, 0.0],
    s_next=[1, 2],
    terminated=[False, True],
    alpha=0.5,
    gamma=0.9,
)


@pytest.mark.parametrize(
    ("change", "error", "message"),
    [
        ({"s": [0, 3]}, ValueError, r"s must be in \[0, 2\], got 3"),
        ({"s": [0.0, 1.0]}, TypeError, r"s must hold integers, got dtype float64"),
        ({"a": [0, -1]}, ValueError, r"a must be in \[0, 1\], got -1"),
        ({"s_next": [0, 9]}, ValueError, r"s_next must be in \[0, 2\], got 9"),
        ({"r": [1.0, math.nan]}, ValueError, r"r must be finite, got nan"),
        ({"r": [math.inf, 1.0]}, ValueError, r"r must be finite, got inf"),
        ({"r": np.array(["2.5", "1"])}, TypeError, r"r must hold real numbers, got dtype <U3"),
        ({"r": np.array([1 + 0j, 2])}, TypeError, r"r must hold real numbers, got dtype complex"),
        ({"r": np.array([1.0, 2.0], dtype=object)}, TypeError, r"r must hold real numbers.*obj"),
        ({"r": [True, False]}, TypeError, r"r must hold real numbers, got dtype bool"),
        ({"r": [1.0, 2.0, 3.0]}, ValueError, r"mismatched lengths: s=2, a=2, r=3"),
        ({"r": 1.0}, ValueError, r"mismatched lengths: s=2, a=2, r=1"),
        ({"terminated": [True]}, ValueError, r"mismatched lengths: .*terminated=1"),
        ({"terminated": [0, 2]}, ValueError, r"terminated must hold bools"),
        ({"terminated": [0.0, 0.5]}, ValueError, r"terminated must hold bools"),
        ({"weights": [1.0, -0.5]}, ValueError, r"weights must be finite, in \[0.0, inf\]"),
        ({"weights": [1.0, math.nan]}, ValueError, r"weights must be finite, .*got nan"),
        ({"weights": [1.0, 1.0, 1.0]}, ValueError, r"mismatched lengths: .*weights=3"),
        ({"weights": np.array([1j, 1])}, TypeError, r"weights must hold real numbers.*complex"),
        ({"weights": np.array(["1", "1"])}, TypeError, r"weights must hold real numbers"),
        ({"weights": np.array([1, 1], dtype=object)}, TypeError, r"weights must hold real"),
    ],
)
def test_q_update_rejects_bad_batch_input(change, error, message):
    q = Q.copy()
    with pytest.raises(error, match=message):
        q_update(q, **{**BATCH, **change})
    np.testing.assert_array_equal(q, Q)  # a rejected batch changes nothing
    if "weights" not in change:  # td_error checks the transitions the same way
        args = {**BATCH, **change}
        del args["alpha"]
        with pytest.raises(error, match=message):
            td_error(Q, **args)


def test_td_error_rejects_bad_input():
    with pytest.raises(ValueError, match=r"gamma must be in \[0, 1\], got 2.0"):
        td_error(Q, 0, 0, 0.0, 0, False, 2.0)
    with pytest.raises(TypeError, match=r"gamma must be a real number, got str"):
        td_error(Q, 0, 0, 0.0, 0, False, "0.9")
    with pytest.raises(ValueError, match=r"s must be in \[0, 2\], got 7"):
        td_error(Q, [0, 7], [0, 0], [0.0, 0.0], [0, 0], [False, False], 0.5)
    with pytest.raises(ValueError, match="mismatched lengths"):
        td_error(Q, [0, 1], [0], [0.0, 0.0], [0, 0], [False, False], 0.5)
    with pytest.raises(TypeError, match=r"r must hold real numbers"):
        td_error(Q, [0], [0], np.array(["2.5"]), [0], [False], 0.5)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"epsilon": 1.5}, ValueError, r"epsilon must be in \[0, 1\], got 1.5"),
        ({"epsilon": -0.1}, ValueError, r"epsilon must be in \[0, 1\], got -0.1"),
        ({"epsilon": math.nan}, ValueError, r"epsilon must be in \[0, 1\], got nan"),
        ({"epsilon": "0.1"}, TypeError, r"epsilon must be a real number, got str"),
        ({"epsilon": True}, TypeError, r"epsilon must be a real number, got bool"),
        ({"epsilon": np.True_}, TypeError, r"epsilon must be a real number, got bool"),
        ({"s": 3}, ValueError, r"s must be in \[0, 2\], got 3"),
        ({"s": 1.0}, TypeError, r"s must be an integer, got float"),
        ({"ties": "last"}, ValueError, "ties must be 'random' or 'first'"),
        ({"rng": None}, TypeError, "rng must be a numpy.random.Generator, got NoneType"),
        ({"rng": 0}, TypeError, "rng must be a numpy.random.Generator, got int"),
        (
            {"rng": np.random.RandomState(0)},
            TypeError,
            "rng must be a numpy.random.Generator, got RandomState",
        ),
        ({"q": np.zeros((3, 2), dtype=int)}, TypeError, "q must be a 2-D float numpy array"),
    ],
)
def test_epsilon_greedy_rejects_bad_input(kwargs, error, message):
    args = {"q": Q, "s": 0, "epsilon": 0.1, "rng": np.random.default_rng(0), **kwargs}
    with pytest.raises(error, match=message):
        epsilon_greedy(**args)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_epsilon_greedy_rejects_a_non_finite_row_and_draws_nothing(bad):
    q = Q.copy()
    q[1, 0] = bad
    rng = np.random.default_rng(5)
    before = copy.deepcopy(rng.bit_generator.state)
    with pytest.raises(ValueError, match=r"q\[1\] must be finite"):
        epsilon_greedy(q, 1, 0.1, rng)
    with pytest.raises(ValueError, match=r"q\[1\] must be finite"):
        epsilon_greedy(q, 1, 1.0, rng)  # even when it would explore
    assert rng.bit_generator.state == before
    assert epsilon_greedy(q, 0, 0.0, rng) == 1  # other rows are still usable


@pytest.mark.parametrize("where", ["s", "s_next"])
@pytest.mark.parametrize("as_batch", [False, True])
def test_a_nan_in_the_rows_an_update_reads_is_named_and_nothing_changes(where, as_batch):
    q = np.zeros((3, 2))
    q[1 if where == "s" else 2, 0] = math.nan
    before = q.copy()
    args = (1, 0, 1.0, 2, False) if not as_batch else ([0, 1], [0, 0], [1.0, 1.0], [2, 2], [0, 0])
    with pytest.raises(ValueError, match=r"q\[(1|2)\] must be finite"):
        q_update(q, *args, 0.5, 0.9)
    with pytest.raises(ValueError, match=r"q\[(1|2)\] must be finite"):
        td_error(q, *args, 0.9)
    np.testing.assert_array_equal(q, before)
