"""The Blind Cliffwalk: the environment by hand, the replay memory by enumeration, the
learner against the library's update, and the ordering of the replay methods."""

import itertools
from collections import Counter

import numpy as np
import pytest

from replay_lab.agents import learn_from_batch
from replay_lab.buffers import ReplayBuffer
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


def library_update(q, memory, j, n, fields=None):
    """Transition j of the memory (or the given fields) applied with replay_lab.core.q_update,
    as in the paper."""
    if fields is None:
        fields = [field[j] for field in (memory.states, memory.actions, memory.rewards,
                                          memory.next_states, memory.terminated)]  # fmt: skip
    return q_update(q, *fields, alpha=0.25, gamma=1 - 1 / n)


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


def start(n, seed=0):
    env = BlindCliffwalk(n, seed=seed)
    q_star = value_iteration(env, 1 - 1 / n, tol=1e-14)
    q = np.random.default_rng(seed).normal(0, 0.1, size=(n, 2))
    return bc.replay_memory(env), q, q_star


def test_the_error_tracker_follows_q_update_update_by_update():
    n = 5
    memory, q, q_star = start(n)
    buffer = bc.make_order("uniform", memory, q, q_star, 1 - 1 / n, seed=1)
    tracker = bc.ErrorTracker(q, q_star)
    for _ in range(20):
        before = q.copy()
        batch, td_errors = learn_from_batch(q, buffer, 50, 0.25, 1 - 1 / n)
        # the slow way: apply the batch one transition at a time, error after each
        slow, errors = before.copy(), []
        for j in range(50):
            library_update(slow, memory, None, n, fields=[f[j] for f in batch[:5]])
            errors.append(((slow - q_star) ** 2).sum())
        np.testing.assert_allclose(q, slow, rtol=0, atol=1e-15)
        # a threshold crossed inside the batch, well between two errors (round-off apart)
        distinct = np.unique(np.round(errors, 9))
        middle = len(distinct) // 2
        tracker.limit = float(distinct[middle - 1 : middle + 1].mean())
        crossing = tracker.first_learned(batch, td_errors)
        below = [k + 1 for k, error in enumerate(errors) if error < tracker.limit]
        assert crossing == (below[0] if below else None)
        if crossing is None:
            assert tracker.error == pytest.approx(errors[-1], abs=1e-12)
        else:  # the tracker stopped at the crossing: catch it up for the next batch
            tracker = bc.ErrorTracker(q, q_star)


def test_the_oracle_replays_the_update_that_lowers_the_error_most():
    n = 4
    memory, q, q_star = start(n, seed=2)
    buffer = bc.make_order("oracle", memory, q, q_star, 1 - 1 / n, seed=0)
    for _ in range(5):
        errors = []
        for j in range(len(memory.copies)):  # try every transition on a copy of the table
            trial = q.copy()
            library_update(trial, memory, j, n)
            errors.append(((trial - q_star) ** 2).sum())
        before = q.copy()
        learn_from_batch(q, buffer, 1, bc.STEP_SIZE, 1 - 1 / n)
        assert ((q - q_star) ** 2).sum() == pytest.approx(min(errors), abs=1e-15)
        assert not np.array_equal(before, q)


@pytest.mark.parametrize("method", bc.METHODS)
def test_every_order_is_a_buffer_holding_the_whole_memory(method):
    n = 6
    memory, q, q_star = start(n)
    buffer = bc.make_order(method, memory, q, q_star, 1 - 1 / n, seed=0)
    assert isinstance(buffer, ReplayBuffer)
    assert len(buffer) == (memory.size if method != "oracle" else len(memory.copies))
    stored = Counter(zip(buffer.states.tolist(), buffer.actions.tolist(), strict=True))
    expected = memory.copies if method != "oracle" else np.ones(len(memory.copies), int)
    assert stored == Counter(
        dict(
            zip(
                zip(memory.states.tolist(), memory.actions.tolist(), strict=True),
                expected.tolist(),
                strict=True,
            )
        )
    )


def test_greedy_replays_the_largest_priority_and_ties_at_random():
    n = 3
    memory, q, q_star = start(n)
    firsts = Counter()
    for seed in range(600):  # every copy starts at priority 1: the first pick is a tie
        buffer = bc.make_order("greedy", memory, q.copy(), q_star, 1 - 1 / n, seed=seed)
        firsts[int(buffer.sample(1).indices[0])] += 1
    counts = np.array([firsts[slot] for slot in range(memory.size)])
    assert chi_square_p(counts, np.full(memory.size, 1 / memory.size)) > ALPHA
    buffer = bc.make_order("greedy", memory, q.copy(), q_star, 1 - 1 / n, seed=0)
    batch = buffer.sample(1)
    buffer.update_priorities(batch, np.array([5.0]))  # now the one largest priority
    assert buffer.sample(1).indices.tolist() == batch.indices.tolist()


# The medians of the Blind Cliffwalk table in README, computed (10 seeds) by the earlier
# implementation, which had a learner and samplers of its own: the shared buffers, loop and
# q_update must give the same numbers within seed noise.
EARLIER = {
    4: {"uniform": 398, "greedy": 108, "proportional": 146, "rank": 178, "oracle": 97},
    8: {"uniform": 7_096, "greedy": 746, "proportional": 1_057, "rank": 1_368, "oracle": 323},
    12: {"uniform": 114_980, "greedy": 8_666, "proportional": 9_834, "rank": 14_220, "oracle": 669},
}


@pytest.mark.slow
@pytest.mark.parametrize("n", sorted(EARLIER))
def test_the_table_keeps_its_numbers_within_seed_noise(n):
    results = bc.run([n], seeds=10)
    for method, earlier in EARLIER[n].items():
        median = np.median(results[method][0])
        # seeds spread these counts by about +-30% (n = 4) down to +-10% (n = 12)
        assert abs(median / earlier - 1) < 0.2, (method, median, earlier)


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


def test_command_line_jobs_give_the_same_table(capsys):
    arguments = ["--n-min", "2", "--n-max", "5", "--seeds", "2", "--methods", "rank", "uniform"]
    one = bc.main(arguments)
    first = capsys.readouterr().out
    two = bc.main([*arguments, "--jobs", "2"])
    second = capsys.readouterr().out
    for method in one:
        np.testing.assert_array_equal(one[method], two[method])
    assert first.splitlines()[1:] == second.splitlines()[1:]  # the first line gives the time
