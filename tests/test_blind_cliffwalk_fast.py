"""The fast path of the Blind Cliffwalk computes exactly what the readable experiment
computes: the same number of updates, seed by seed, for every replay order."""

import numpy as np
import pytest

from replay_lab.experiments import blind_cliffwalk as bc
from replay_lab.experiments import blind_cliffwalk_fast as fast


@pytest.mark.parametrize("method", bc.METHODS)
@pytest.mark.parametrize("n", [1, 2, 4, 7, 10])
def test_the_same_updates_as_the_readable_experiment(n, method):
    for seed in range(3):
        assert fast.updates_to_learn_fast(n, method, seed) == bc.updates_to_learn(
            n, method, seed
        ), (n, method, seed)


@pytest.mark.parametrize("method", bc.METHODS)
def test_the_same_updates_from_a_memory_of_distinct_transitions(method):
    for n, seed in [(3, 0), (8, 1), (12, 2)]:
        assert fast.updates_to_learn_fast(n, method, seed, distinct=True) == bc.updates_to_learn(
            n, method, seed, distinct=True
        )


@pytest.mark.parametrize("method", ["uniform", "greedy", "rank"])
def test_the_same_updates_at_a_larger_n(method):
    assert fast.updates_to_learn_fast(12, method, 4) == bc.updates_to_learn(12, method, 4)


@pytest.mark.parametrize("method", bc.METHODS)
def test_blocks_of_draws_do_not_change_the_result(method, monkeypatch):
    expected = bc.updates_to_learn(6, method, 5)
    monkeypatch.setattr(fast, "UNIFORM_MAX_DRAWS", 7)  # many blocks, crossings inside them
    monkeypatch.setattr(fast, "PRIORITIZED_MAX_DRAWS", 3)
    assert fast.updates_to_learn_fast(6, method, 5) == expected


@pytest.mark.parametrize("method", bc.METHODS)
def test_the_cap_is_the_same(method):
    needed = bc.updates_to_learn(5, method, 1)
    assert fast.updates_to_learn_fast(5, method, 1, max_updates=int(needed)) == needed
    assert np.isnan(fast.updates_to_learn_fast(5, method, 1, max_updates=int(needed) - 1))
    assert np.isnan(bc.updates_to_learn(5, method, 1, max_updates=int(needed) - 1))


def test_run_fast_equals_run_and_checks_its_arguments():
    n_values = [2, 5]
    slow, quick = bc.run(n_values, seeds=3), fast.run_fast(n_values, seeds=3)
    assert slow.keys() == quick.keys()
    for method in slow:
        np.testing.assert_array_equal(slow[method], quick[method])
    with pytest.raises(ValueError, match="method must be one of"):
        fast.updates_to_learn_fast(5, "random", 0)
    with pytest.raises(ValueError, match="seeds must be >= 1"):
        fast.run_fast([3], seeds=0)


@pytest.mark.parametrize("distinct", [False, True])
def test_jobs_give_the_same_results_as_one_job(distinct):
    n_values = [2, 5, 9]
    one = fast.run_fast(n_values, seeds=3, distinct=distinct)
    two = fast.run_fast(n_values, seeds=3, distinct=distinct, jobs=2)
    assert one.keys() == two.keys()
    for method in one:
        np.testing.assert_array_equal(one[method], two[method])
    with pytest.raises(ValueError, match="jobs must be >= 1"):
        fast.run_fast([3], jobs=0)
    with pytest.raises(ValueError, match="method must be one of"):
        fast.run_fast([3], ["random"], jobs=2)


@pytest.mark.parametrize(
    "min_run, sorted_at_a_time",
    [(1, 1), (1, 4096), (10**9, 2), (64, 7)],  # runs of any length, none, and in between
)
def test_greedy_runs_of_fresh_keys_and_partial_sorts_do_not_change_the_result(
    min_run, sorted_at_a_time, monkeypatch
):
    monkeypatch.setattr(fast, "GREEDY_MIN_RUN", min_run)
    monkeypatch.setattr(fast, "GREEDY_SORTED", sorted_at_a_time)
    for n, seed, distinct in [(2, 0, False), (5, 1, False), (9, 2, False), (8, 3, True)]:
        assert fast.updates_to_learn_fast(
            n, "greedy", seed, distinct=distinct
        ) == bc.updates_to_learn(n, "greedy", seed, distinct=distinct), (n, seed, distinct)
