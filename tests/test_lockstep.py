"""The lockstep engine: engine seed k is ``train(seed=k)`` number for number, and the
model it steps is the environment."""

import warnings

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.envs.toy_text.utils import categorical_sample

from replay_lab.agents import run_seeds, stack_runs, train
from replay_lab.envs import (
    BlindCliffwalk,
    ModelEnv,
    TruncationAsTermination,
    stay_or_leave,
    value_iteration,
)
from replay_lab.lockstep import BlockStreams, LockstepModel, exact_for, train_lockstep
from replay_lab.schedules import LinearSchedule
from tests.stats import ALPHA, chi2_sf

SEEDS = [0, 3, 7]
FIELDS = ("q", "returns", "lengths", "updates", "q_errors", "replay_ages", "greedy_values")


def small_model_env(time_limit=12):
    """Three states, two actions, stochastic outcomes with uneven probabilities, rewards
    of both signs, a terminal state, a start distribution over two states."""
    P = {
        0: {0: [(0.5, 0, -1.0, False), (0.3, 1, 0.0, False), (0.2, 2, 1.0, True)],
            1: [(0.9, 1, 0.5, False), (0.1, 0, 0.0, False)]},
        1: {0: [(0.25, 0, 0.0, False), (0.75, 2, 2.0, True)],
            1: [(1.0, 1, -0.5, False)]},
        2: {0: [(1.0, 2, 0.0, True)], 1: [(1.0, 2, 0.0, True)]},
    }  # fmt: skip
    return gym.wrappers.TimeLimit(ModelEnv(P, [0.6, 0.4, 0.0]), time_limit)


def readable(env, seeds, **options):
    """What run_seeds returned before the engine: train per seed, stacked."""
    return stack_runs([train(env, seed=seed, **options) for seed in seeds])


def assert_same(expected, got):
    for name in FIELDS:
        a, b = getattr(expected, name), getattr(got, name)
        assert (a is None) == (b is None), name
        if a is not None:
            np.testing.assert_array_equal(a, b, err_msg=name)
    assert expected.settings == got.settings


def test_block_draws_are_the_numbers_of_repeated_calls():
    one_by_one = np.random.default_rng(5)
    expected = np.concatenate([one_by_one.random(n) for n in (2, 3, 1, 7, 2)])
    streams = BlockStreams([np.random.default_rng(4), np.random.default_rng(5)], block=4)
    got = np.concatenate([streams.draw(np.array([1]), n)[0] for n in (2, 3, 1, 7 - 4, 4, 2)])
    np.testing.assert_array_equal(got, expected)
    # a seed drawn alongside another keeps its own sequence
    streams = BlockStreams([np.random.default_rng(4), np.random.default_rng(5)], block=8)
    both = streams.draw(np.array([0, 1]), 3)
    np.testing.assert_array_equal(both[1], np.random.default_rng(5).random(3))
    np.testing.assert_array_equal(both[0], np.random.default_rng(4).random(3))


FROZEN = dict(alpha=0.5, gamma=0.99)
CLIFF = dict(alpha=0.5, gamma=1.0, max_steps=500)


@pytest.mark.parametrize(
    "env, options",
    [
        ("FrozenLake-v1", dict(FROZEN, episodes=150)),
        ("FrozenLake-v1", dict(FROZEN, steps=1500, ties="first", epsilon=0.3)),
        ("FrozenLake-v1", dict(FROZEN, steps=1200, replay="uniform", batch_size=8,
                               record_replays=True, capacity=300)),
        ("FrozenLake-v1", dict(FROZEN, episodes=40, steps=2000, replay="uniform",
                               batch_size=4, updates_per_step=3, learning_starts=50,
                               epsilon=LinearSchedule(1.0, 0.05, 800),
                               beta=LinearSchedule(0.4, 1.0, 800), track_greedy_value=True)),
        ("CliffWalking-v1", dict(CLIFF, steps=2000)),
        ("CliffWalking-v1", dict(CLIFF, steps=1500, replay="uniform", combined=True,
                                 batch_size=4, capacity=100, q_init=-1.0)),
        # proportional: capacity 1000 searches level 8 of a 10-level tree, then walks;
        # 100 has no walk below the search
        ("FrozenLake-v1", dict(FROZEN, steps=1500, replay="proportional", batch_size=8,
                               capacity=1000, beta=LinearSchedule(0.4, 1.0, 1500))),
        # 5000: a 13-level tree, 5 levels of paths below level 8, filled to 1000 of 5000 slots
        ("FrozenLake-v1", dict(FROZEN, steps=1000, replay="proportional", batch_size=8,
                               capacity=5000, updates_per_step=2)),
        ("CliffWalking-v1", dict(CLIFF, steps=1200, replay="proportional", batch_size=16,
                                 capacity=100, priority_exponent=1.0, record_replays=True)),
        # a batch of 300 from 400 slots: many slots repeated, positions past 255
        ("FrozenLake-v1", dict(FROZEN, steps=700, replay="proportional", batch_size=300,
                               capacity=400)),
        ("FrozenLake-v1", dict(FROZEN, steps=1000, replay="rank", batch_size=8, capacity=400)),
        ("CliffWalking-v1", dict(CLIFF, steps=800, replay="rank", batch_size=4,
                                 capacity=100, priority_exponent=float("inf"))),
        ("small", dict(gamma=0.9, alpha=0.3, episodes=60)),
        ("small", dict(gamma=0.9, alpha=0.3, steps=500, max_steps=5, replay="uniform",
                       batch_size=3, capacity=20, record_replays=True)),
    ],
)  # fmt: skip
def test_engine_seed_k_is_train_with_seed_k(env, options):
    if env == "small":
        env = small_model_env()
    else:
        options["q_star"] = value_iteration(gym.make(env), options["gamma"])
    assert_same(readable(env, SEEDS, **options), train_lockstep(env, SEEDS, **options))


def test_one_row_is_one_train_run_even_with_other_seeds_beside_it():
    options = dict(FROZEN, steps=800, replay="uniform", batch_size=4)
    alone = train("FrozenLake-v1", seed=11, **options)
    many = train_lockstep("FrozenLake-v1", [2, 11, 40], **options)
    np.testing.assert_array_equal(many.q[1], alone.q)
    np.testing.assert_array_equal(many.returns[1, : len(alone.returns)], alone.returns)


def test_blind_cliffwalk_draws_nothing_and_still_matches():
    env = BlindCliffwalk(6, seed=1)
    options = dict(episodes=80, alpha=0.5, gamma=0.9, epsilon=0.5)
    assert_same(readable(env, SEEDS, **options), train_lockstep(env, SEEDS, **options))


def test_exact_for_names_the_envs_that_draw_like_toy_text():
    assert exact_for("FrozenLake-v1") and exact_for("CliffWalking-v1") and exact_for("Taxi-v4")
    assert exact_for(small_model_env()) and exact_for(BlindCliffwalk(3))
    assert not exact_for(gym.make("Taxi-v4", fickle_passenger=True))
    assert not exact_for(gym.wrappers.TransformReward(gym.make("FrozenLake-v1"), lambda r: 2 * r))


@pytest.mark.parametrize(
    "options",
    [
        dict(steps=400),
        dict(steps=400, replay="uniform", batch_size=3, capacity=50, record_replays=True),
        dict(steps=400, replay="proportional", batch_size=3, capacity=50),
        dict(steps=400, algorithm="sarsa"),
        dict(steps=400, max_steps=4),  # train's own cut comes first: it bootstraps
    ],
)
def test_a_cut_reported_as_an_end_is_trained_as_train_trains_it(options):
    inner = TruncationAsTermination(small_model_env(time_limit=6))
    outer = gym.wrappers.TimeLimit(TruncationAsTermination(small_model_env(12)), 9)
    for env in (inner, outer, TruncationAsTermination(stay_or_leave(5))):
        assert_same(
            readable(env, SEEDS, gamma=0.9, alpha=0.3, **options),
            train_lockstep(env, SEEDS, gamma=0.9, alpha=0.3, **options),
        )


def test_the_model_reads_which_cut_is_reported_as_an_end():
    # an inner limit of 6 reported as an end; an outer one of 9 that only cuts
    inner = LockstepModel(TruncationAsTermination(small_model_env(time_limit=6)))
    assert (inner.time_limit, inner.end_limit) == (6, 6)
    outer = gym.wrappers.TimeLimit(TruncationAsTermination(small_model_env(12)), 9)
    assert (LockstepModel(outer).time_limit, LockstepModel(outer).end_limit) == (9, 12)
    assert LockstepModel(small_model_env()).end_limit is None


def test_a_cut_reported_as_an_end_does_not_bootstrap():
    # stay-or-leave, staying only (epsilon 0, Q(stay) > Q(leave) = 0): each cut after
    # 5 stays ends the target there, so Q(stay) learns the 5-step return, not 1 / (1 - gamma)
    options = dict(steps=5000, alpha=0.5, gamma=0.9, epsilon=0.0, q_init=np.array([[1.0, 0.0]]))
    right = train_lockstep(stay_or_leave(5), [0], **options).q[0, 0, 0]
    wrong = train_lockstep(TruncationAsTermination(stay_or_leave(5)), [0], **options).q[0, 0, 0]
    assert right == pytest.approx(10.0, abs=1e-6)  # 1 / (1 - 0.9)
    # the values of the five positions in an episode settle at a fixed point: the first
    # step's target is 1 + 0.9 Q(stay) until the fifth's, 1; the fixed point lies between
    assert 1.0 < wrong < 1 + 0.9 + 0.81 + 0.729 + 0.6561


def test_the_model_reads_the_time_limit_and_the_outcomes():
    model = LockstepModel(gym.make("FrozenLake-v1"))
    assert model.time_limit == 100
    assert LockstepModel(gym.make("CliffWalking-v1")).time_limit is None
    assert LockstepModel(small_model_env(7)).time_limit == 7
    # at and around every running sum, the outcome gymnasium's categorical_sample draws
    P = model.tabular
    for state, action in [(0, 0), (6, 2), (14, 1)]:
        probabilities = [o[0] for o in gym.make("FrozenLake-v1").unwrapped.P[state][action]]
        edges = np.cumsum(probabilities)
        u = np.concatenate([edges, np.nextafter(edges, 0), np.nextafter(edges, 2), [0.0]])
        u = u[u < 1]
        expected = [categorical_sample(probabilities, Fixed(x)) for x in u]
        n = len(u)
        outcome = model.step(np.full(n, state), np.full(n, action), u)
        pair = state * P.n_actions + action
        np.testing.assert_array_equal(outcome - model.first[pair], expected)


class Fixed:
    """A stand-in for a Generator whose random() returns a given number."""

    def __init__(self, u):
        self.u = u

    def random(self):
        return self.u


@pytest.mark.parametrize(
    "options, match",
    [
        (dict(), "budget"),
        (dict(steps=10, alpha=0), "alpha"),
        (dict(steps=10, epsilon=2), "epsilon"),
        (dict(steps=10, ties="last"), "ties"),
        (dict(steps=10, replay="greedy"), "replay"),
        (dict(steps=10, combined=True), "combined"),
        (dict(steps=10, replay="uniform", learning_starts=20), "learning_starts"),
        (dict(steps=10, replay="uniform", batch_size=0), "batch_size"),
        (
            dict(steps=100, replay="proportional", priority_exponent=float("inf")),
            "priority_exponent",
        ),
        (dict(steps=100, replay="proportional", priority_floor=0), "priority_floor"),
        (dict(steps=100, replay="rank", priority_exponent=-1), "priority_exponent"),
        (dict(steps=10, replay="proportional", combined=True), "combined"),
        (dict(steps=10, q_init=np.zeros(3)), "q_init"),
        (dict(steps=10, q_star=np.zeros((2, 2))), "q_star"),
        (dict(steps=10, seeds=[]), "seeds"),
        (dict(steps=10, seeds=[-1]), "seeds"),
        (dict(steps=10, seeds=0), "seeds"),
        (dict(steps=10, epsilon=lambda step: 1.5), "epsilon"),
    ],
)
def test_bad_input_is_named(options, match):
    seeds = options.pop("seeds", 2)
    with pytest.raises((ValueError, TypeError), match=match):
        train_lockstep("FrozenLake-v1", seeds, **options)


def test_an_env_without_a_model_is_refused():
    with pytest.raises(TypeError, match="env"):
        train_lockstep(gym.make("CartPole-v1"), 2, steps=10)


def test_run_seeds_uses_the_engine_where_it_is_exact_and_train_elsewhere(monkeypatch):
    options = dict(FROZEN, steps=300, replay="uniform", batch_size=4)
    assert_same(
        readable("FrozenLake-v1", SEEDS, **options), run_seeds("FrozenLake-v1", SEEDS, **options)
    )
    calls = []
    monkeypatch.setattr("replay_lab.agents.train_lockstep", lambda *a, **k: calls.append(a))
    run_seeds("FrozenLake-v1", SEEDS, **options)
    assert len(calls) == 1
    fickle = gym.make("Taxi-v4", fickle_passenger=True)
    result = run_seeds(fickle, [1, 2], steps=50)  # the readable loop, seed by seed
    assert not calls[1:] and result.q.shape == (2, 500, 6)


# The model is the env: statistics over draws that do not share random numbers.


def homogeneity_p(first: dict, second: dict) -> float:
    """p-value of the chi-square test that two samples of outcomes (counts by outcome)
    come from one distribution (a 2 x K contingency table)."""
    keys = sorted(first.keys() | second.keys())
    table = np.array([[first.get(k, 0) for k in keys], [second.get(k, 0) for k in keys]], float)
    if len(keys) == 1:
        return 1.0
    expected = table.sum(axis=1, keepdims=True) * table.sum(axis=0) / table.sum()
    assert expected.min() >= 5, "too few samples for the chi-square approximation"
    return chi2_sf(float(((table - expected) ** 2 / expected).sum()), len(keys) - 1)


def outcome_counts(env_id, repeats, rng, engine=True, distort=False):
    """Counts of (s, a, s', r, terminated) with every (s, a) tried ``repeats`` times,
    from the engine's model or from gymnasium's own step."""
    env = gym.make(env_id)
    base = env.unwrapped
    env.reset(seed=int(rng.integers(2**31)))
    n_states, n_actions = base.observation_space.n, base.action_space.n
    s = np.repeat(np.arange(n_states), n_actions * repeats)
    a = np.tile(np.repeat(np.arange(n_actions), repeats), n_states)
    if engine:
        model = LockstepModel(env)
        u = rng.random(len(s))
        outcome = model.step(s, a, u**2 if distort else u)
        fields = (s, a, model.next_state[outcome], model.reward[outcome], model.terminated[outcome])
        rows = zip(*(field.tolist() for field in fields), strict=True)
    else:
        rows = []
        for state, action in zip(s.tolist(), a.tolist(), strict=True):
            base.s = state
            s_next, r, terminated, _, _ = base.step(action)
            rows.append((state, action, s_next, float(r), bool(terminated)))
    counts = {}
    for row in rows:
        counts[row] = counts.get(row, 0) + 1
    return counts


class FixedDraw:
    """A stand-in for np_random whose random() returns the given number."""

    def __init__(self, u):
        self.u = u

    def random(self):
        return self.u


@pytest.mark.parametrize("probabilities", [[0.1] * 10, [0.5, 0.3, 0.2], [1 / 3] * 3, [1.0]])
def test_an_outcome_is_the_one_gymnasiums_categorical_sample_draws(probabilities):
    """Also where the running sums stop just short of 1 (ten times 0.1): a u above the last
    sum draws outcome 0, as np.argmax of all-False does in gymnasium."""
    n = len(probabilities)
    P = {0: {0: [(p, k % 2, float(k), False) for k, p in enumerate(probabilities)]}}
    P[1] = {0: [(1.0, 1, 0.0, True)]}
    model = LockstepModel(ModelEnv(P, [1.0, 0.0]))
    assert model.complete == (np.cumsum(probabilities)[-1] >= 1.0)
    edges = np.cumsum(probabilities)
    u = np.concatenate([edges[edges < 1], np.nextafter(edges[edges < 1], 0)])
    u = np.concatenate([u, [0.0, np.nextafter(1.0, 0), 0.5]])
    outcomes = model.step(np.zeros(len(u), dtype=np.int64), np.zeros(len(u), dtype=np.int64), u)
    expected = [categorical_sample(probabilities, FixedDraw(x)) for x in u]
    np.testing.assert_array_equal(outcomes, expected)  # outcome k of pair (0, 0) is index k
    assert n == 1 or not model.deterministic


@pytest.mark.parametrize(
    "env_id, repeats",
    [("FrozenLake-v1", 150), ("FrozenLake8x8-v1", 60), ("CliffWalking-v1", 5), ("Taxi-v4", 5),
     ("CliffWalkingSlippery-v1", 60)],
)  # fmt: skip
def test_the_models_outcomes_are_the_envs(env_id, repeats):
    rng = np.random.default_rng(2024)
    engine = outcome_counts(env_id, repeats, rng)
    real = outcome_counts(env_id, repeats, rng, engine=False)
    assert homogeneity_p(engine, real) > ALPHA
    if env_id.startswith("FrozenLake"):  # the same test sees a skewed draw
        assert homogeneity_p(outcome_counts(env_id, repeats, rng, distort=True), real) < ALPHA


def test_the_models_start_states_are_the_envs():
    rng = np.random.default_rng(7)
    env = gym.make("Taxi-v4")
    model = LockstepModel(env)
    drawn = model.reset(rng.random(20_000))
    env.reset(seed=3)
    real = [env.reset()[0] for _ in range(20_000)]
    count = lambda states: dict(zip(*np.unique(states, return_counts=True), strict=True))  # noqa: E731
    assert homogeneity_p(count(drawn), count(real)) > ALPHA
    assert homogeneity_p(count(model.reset(rng.random(20_000) ** 1.2)), count(real)) < ALPHA


def test_truncation_comes_at_the_time_limit_step_and_bootstraps():
    env = gym.make("CliffWalking-v1", max_episode_steps=25)
    assert LockstepModel(env).time_limit == 25
    options = dict(alpha=0.5, gamma=0.9, steps=600, epsilon=0.5)
    result = train_lockstep(env, SEEDS, **options)
    assert np.nanmax(result.lengths) == 25 and (result.lengths == 25).sum() > 10
    assert_same(readable(env, SEEDS, **options), result)


def rank_sum_z(x, y) -> float:
    """Mann-Whitney U as a normal z-score (no ties expected among Q-errors)."""
    ranks = np.argsort(np.argsort(np.concatenate([x, y]))) + 1.0
    n, m = len(x), len(y)
    u = ranks[:n].sum() - n * (n + 1) / 2
    return (u - n * m / 2) / np.sqrt(n * m * (n + m + 1) / 12)


def test_final_q_errors_from_the_engine_and_from_train_on_gymnasium_agree():
    # Different seeds on each side, so this compares distributions, not copies.
    env = "CliffWalking-v1"  # dense rewards: every seed's Q-error moves
    options = dict(alpha=0.5, gamma=1.0, max_steps=500, steps=1000)
    options["q_star"] = value_iteration(gym.make(env), 1.0)
    engine = train_lockstep(env, range(30), **options).final()
    reference = readable(env, range(100, 130), **options).final()
    z_critical = 3.29  # two-sided, level ALPHA = 1e-3
    assert abs(rank_sum_z(engine, reference)) < z_critical
    # power: the same test sees a smaller step size
    slower = train_lockstep(env, range(30), **{**options, "alpha": 0.1}).final()
    assert abs(rank_sum_z(slower, reference)) > z_critical


@pytest.mark.parametrize("capacity", [300, 5000])
def test_the_engines_search_is_the_sum_trees_even_at_the_very_end(capacity, monkeypatch):
    """The engine's search (running sums of level 8 up to the newest slot only, a walk
    below that checks for empty subtrees only when it ended in one) finds what
    ``SumTree.find`` finds, for prefix sums at the edges: 0, the running sums
    themselves, the last float below the total. The walk is made again, checked, in
    some of these cases: the check is needed, and tested."""
    from replay_lab.lockstep import _ProportionalBuffers
    from replay_lab.sumtree import SumTree

    walks = []
    original = _ProportionalBuffers._walk

    def counted(self, *args, checked):
        walks.append(checked)
        return original(self, *args, checked=checked)

    monkeypatch.setattr(_ProportionalBuffers, "_walk", counted)
    rng = np.random.default_rng(5)
    n = 4
    model = LockstepModel(gym.make("FrozenLake-v1"))
    for size in [1, 2, 7, 64, 65, capacity // 3, capacity - 1, capacity]:
        buffers = _ProportionalBuffers(
            [np.random.default_rng(k) for k in range(n)], capacity, size, 1, model, 0.99,
            priority_exponent=0.6, priority_floor=1e-3,
        )  # fmt: skip
        seeds = np.arange(n)
        for _ in range(size):
            buffers.add(seeds, rng.integers(model.reward.size, size=n))
        slots = np.tile(np.arange(size), (n, 1))
        buffers.feedback(seeds, slots, rng.exponential(size=(size, n)) ** 3)
        buffers._settle()
        trees = []
        for k in range(n):
            tree = SumTree(capacity)
            leaves = buffers.tree[k, buffers.first_leaf : buffers.first_leaf + capacity]
            tree.update(np.arange(capacity), leaves)
            assert tree.total == buffers.total[k]
            trees.append(tree)
        for _ in range(40):
            u = np.empty((n, 6))
            for k, tree in enumerate(trees):
                # the running sums can pass the total (a pairwise sum); the engine's prefix
                # sums stay below it
                running = np.minimum(np.cumsum(tree.values()[:size]), np.nextafter(tree.total, 0))
                u[k] = [
                    0.0,
                    np.nextafter(tree.total, 0),
                    tree.total * rng.random(),
                    rng.choice(running),
                    np.nextafter(rng.choice(running), 0),
                    running[-1],
                ]
            tree_flat = buffers.tree.reshape(-1)
            base = (seeds * buffers.width)[:, None]
            found = buffers._find(seeds, tree_flat, base, u)
            for k, tree in enumerate(trees):
                np.testing.assert_array_equal(found[k], tree.find(u[k]), err_msg=f"{size}")
            buffers.feedback(seeds, slots, rng.exponential(size=(size, n)) ** 3)
            buffers._settle()
            for k, tree in enumerate(trees):
                values = buffers.tree[k, buffers.first_leaf : buffers.first_leaf + capacity]
                tree.update(np.arange(capacity), values)
    assert True in walks and False in walks, "the checked walk was never needed"


@pytest.mark.parametrize("reward", [1e200, 1e154])  # p ** 2 overflows; their sum does
def test_priorities_that_overflow_raise_in_the_engine_as_in_train(reward):
    P = {0: {0: [(1.0, 0, reward, False)]}}
    env = gym.wrappers.TimeLimit(ModelEnv(P, [1.0]), 50)
    options = dict(steps=20, alpha=1.0, gamma=0.0, epsilon=0.0, replay="proportional",
                   batch_size=2, priority_exponent=2.0)  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no RuntimeWarning on the way
        with pytest.raises(ValueError, match=r"priority_exponent 2\.0 overflows"):
            train_lockstep(env, SEEDS, **options)
        with pytest.raises(ValueError, match=r"priority_exponent 2\.0 overflows"):
            train(env, seed=0, **options)
    # below the overflow, both run the same
    P[0][0] = [(1.0, 0, 1e100, False)]
    assert_same(readable(env, SEEDS, **options), train_lockstep(env, SEEDS, **options))
