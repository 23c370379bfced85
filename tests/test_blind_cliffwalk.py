"""The Blind Cliffwalk: the environment by hand, the replay memory by enumeration, the
learner against the library's update, and the ordering of the replay methods."""

import itertools
from collections import Counter

import numpy as np
import pytest

from replay_lab.core import q_update
from replay_lab.envs import BlindCliffwalk, value_iteration
from replay_lab.experiments import blind_cliffwalk as bc
from tests.stats import ALPHA, chi_square_p


def run_episode(env, actions):
    """The transitions of one episode that takes ``actions`` until it ends."""
    s, _ = env.reset()
    transitions = []
    for a in actions:
        s_next, r, terminated, truncated, _ = env.step(a)
        transitions.append((s, a, r, s_next, terminated))
        assert not truncated
        if terminated:
            break
        s = s_next
    return transitions


def library_update(q, memory, j, n):
    """Transition j of the memory applied with replay_lab.core.q_update, as in the paper."""
    fields = (memory.states, memory.actions, memory.rewards, memory.next_states, memory.terminated)
    return q_update(q, *(field[j] for field in fields), alpha=0.25, gamma=1 - 1 / n)


def test_dynamics_by_hand():
    env = BlindCliffwalk(3, seed=0)
    right = env.right_actions.tolist()
    wrong = [1 - a for a in right]
    # all right: 0 -> 1 -> 2 -> end, reward only on the last step
    assert run_episode(env, right) == [
        (0, right[0], 0.0, 1, False),
        (1, right[1], 0.0, 2, False),
        (2, right[2], 1.0, 2, True),
    ]
    # wrong in state 1: the episode ends there with reward 0
    assert run_episode(env, [right[0], wrong[1], right[2]]) == [
        (0, right[0], 0.0, 1, False),
        (1, wrong[1], 0.0, 1, True),
    ]
    assert env.reset() == (0, {})


def test_step_after_the_end_is_an_error():
    env = BlindCliffwalk(2, seed=1)
    env.reset()
    env.step(1 - int(env.right_actions[0]))
    with pytest.raises(RuntimeError, match="call reset"):
        env.step(0)
    with pytest.raises(ValueError, match=r"action must be in \[0, 1\], got 2"):
        env.reset() and env.step(2)
    with pytest.raises(ValueError, match="n_states must be >= 1, got 0"):
        BlindCliffwalk(0)


def test_right_actions_are_seeded_and_not_all_the_same():
    assert (
        BlindCliffwalk(20, seed=3).right_actions.tolist()
        == BlindCliffwalk(20, seed=3).right_actions.tolist()
    )
    assert len(set(BlindCliffwalk(20, seed=3).right_actions.tolist())) == 2


@pytest.mark.parametrize("n", [1, 2, 5, 9])
def test_q_star_is_gamma_to_the_steps_left(n):
    env = BlindCliffwalk(n, seed=n)
    gamma = 1 - 1 / n
    q_star = value_iteration(env, gamma)
    states = np.arange(n)
    np.testing.assert_allclose(
        q_star[states, env.right_actions], gamma ** (n - 1 - states), rtol=1e-12
    )
    np.testing.assert_array_equal(q_star[states, 1 - env.right_actions], np.zeros(n))


@pytest.mark.parametrize("n", [1, 2, 3, 4, 6])
def test_memory_equals_all_action_sequences_run_until_the_end(n):
    env = BlindCliffwalk(n, seed=7)
    enumerated = Counter(
        t for actions in itertools.product((0, 1), repeat=n) for t in run_episode(env, actions)
    )
    memory = bc.replay_memory(env)
    built = Counter()
    for s, a, r, s_next, done, copies in zip(
        memory.states,
        memory.actions,
        memory.rewards,
        memory.next_states,
        memory.terminated,
        memory.copies,
        strict=True,
    ):
        built[(int(s), int(a), float(r), int(s_next), bool(done))] += int(copies)
    assert built == enumerated
    assert memory.size == 2 ** (n + 1) - 2
    assert (
        sum(c for (_, _, r, _, _), c in enumerated.items() if r > 0) == 1
    )  # one rewarded transition


def test_learner_updates_like_q_update_and_tracks_the_error_exactly():
    n = 5
    env = BlindCliffwalk(n, seed=0)
    memory = bc.replay_memory(env)
    q0 = np.random.default_rng(0).normal(0, 0.1, size=(n, 2))
    q_star = value_iteration(env, 1 - 1 / n)
    learner = bc._Learner(n, memory, q0, q_star)
    q = q0.copy()
    for j in np.random.default_rng(1).integers(len(memory.copies), size=500):
        delta = learner.update(int(j))
        expected = library_update(q, memory, j, n)
        assert delta == pytest.approx(expected, abs=1e-15)
    np.testing.assert_allclose(learner.q, q, atol=1e-15)
    assert learner.error == pytest.approx(((q - q_star) ** 2).sum(), abs=1e-12)


def test_oracle_takes_the_update_that_lowers_the_error_most():
    n = 4
    env = BlindCliffwalk(n, seed=2)
    memory = bc.replay_memory(env)
    q_star = value_iteration(env, 1 - 1 / n)
    learner = bc._Learner(n, memory, np.random.default_rng(3).normal(0, 0.1, size=(n, 2)), q_star)
    for _ in range(5):
        errors = []
        for j in range(len(memory.copies)):  # try every transition on a copy of the table
            trial = np.array(learner.q)
            library_update(trial, memory, j, n)
            errors.append(((trial - q_star) ** 2).sum())
        before = np.array(learner.q)
        bc._oracle(learner, memory, np.random.default_rng(0), max_updates=1)
        after = ((np.array(learner.q) - q_star) ** 2).sum()
        assert after == pytest.approx(min(errors), abs=1e-15)
        assert not np.array_equal(before, np.array(learner.q))


def test_rank_order_draws_rank_r_with_probability_proportional_to_r_to_the_minus_alpha():
    copies = np.array([3, 2, 1])
    order = bc._RankOrder(copies, np.random.default_rng(4))
    priorities, fresh_left = {}, copies.sum()
    while fresh_left:  # replay every copy at least once, each gets a distinct priority
        j, p = order.draw()
        if p == 1.0:  # a copy never replayed before
            fresh_left -= 1
            p = 0.9 - 0.1 * fresh_left
            priorities.setdefault(j, []).append(p)
        order.put(j, p)
    ranked = sorted(((p, j) for j, ps in priorities.items() for p in ps), reverse=True)
    weights = np.arange(1, 7, dtype=float) ** -bc.PRIORITY_ALPHA
    expected = np.zeros(3)
    for (_, j), w in zip(ranked, weights, strict=True):
        expected[j] += w / weights.sum()
    counts = np.zeros(3)
    for _ in range(20_000):
        j, p = order.draw()
        counts[j] += 1
        order.put(j, p)
    assert chi_square_p(counts, expected) > ALPHA


def test_updates_are_reproducible_and_the_same_start_for_every_method():
    assert bc.updates_to_learn(5, "uniform", seed=3) == bc.updates_to_learn(5, "uniform", seed=3)
    assert bc.updates_to_learn(5, "proportional", seed=3) == bc.updates_to_learn(
        5, "proportional", seed=3
    )
    with pytest.raises(ValueError, match="method must be one of"):
        bc.updates_to_learn(5, "random", seed=0)
    assert np.isnan(bc.updates_to_learn(8, "uniform", seed=0, max_updates=10))


def test_uniform_needs_more_updates_than_greedy_td_and_the_gap_widens():
    n_values = [6, 8, 10]
    results = bc.run(n_values, methods=["uniform", "greedy", "oracle"], seeds=5)
    uniform, greedy, oracle = (
        np.median(results[m], axis=1) for m in ("uniform", "greedy", "oracle")
    )
    assert (uniform > greedy).all() and (greedy > oracle).all()
    ratio = uniform / greedy
    assert ratio[0] < ratio[1] < ratio[2]


def test_command_line_prints_the_table(capsys):
    results = bc.main(
        ["--n-min", "2", "--n-max", "4", "--seeds", "2", "--methods", "uniform", "oracle"]
    )
    out = capsys.readouterr().out
    assert "uniform" in out and "oracle" in out and results["uniform"].shape == (3, 2)
    assert out.splitlines()[-1].split()[:2] == ["4", "30"]  # n = 4 holds 2**5 - 2 transitions
