"""The lesson-05 engine computes exactly what the readable loop computes, seed by seed."""

import numpy as np
import pytest

from replay_lab.approx.lockstep import train_lockstep
from replay_lab.approx.train import linear_q_learning, stack_results


@pytest.mark.parametrize(
    "settings",
    [
        dict(),
        dict(replay=True, capacity=300, batch_size=8),
        dict(replay=True, batch_size=4, target_period=50, epsilon=0.1, alpha=0.7, gamma=0.99),
    ],
    ids=["online", "replay", "replay+target"],
)
def test_engine_seed_k_is_the_readable_loop_with_seed_k(settings):
    seeds = [0, 5]
    readable = stack_results(
        [linear_q_learning(1200, seed=s, record_steps=True, **settings) for s in seeds]
    )
    engine = train_lockstep(seeds, 1200, record_steps=True, **settings)
    for name in ["returns", "lengths", "max_abs_q", "weights", "visited_states", "visited_actions"]:
        assert np.array_equal(getattr(readable, name), getattr(engine, name), equal_nan=True), name
    assert len(readable.returns[0]) >= 5


def test_engine_checks_its_arguments_like_the_loop():
    with pytest.raises(ValueError, match="batch_size = 8 must be <= capacity = 4"):
        train_lockstep(2, 10, replay=True, capacity=4, batch_size=8)
