"""ModelEnv: a gymnasium env made from a tabular model, drawing as toy-text envs do."""

import gymnasium as gym
import numpy as np
import pytest

from replay_lab.envs import ModelEnv


@pytest.mark.parametrize("name", ["FrozenLake-v1", "CliffWalking-v1", "Taxi-v4"])
def test_built_from_a_toy_text_model_it_is_that_env_draw_for_draw(name):
    real = gym.make(name).unwrapped
    copy = ModelEnv(real.P, real.initial_state_distrib)
    actions = np.random.default_rng(0).integers(real.action_space.n, size=3000)
    assert real.reset(seed=42)[0] == copy.reset(seed=42)[0]
    for a in actions.tolist():
        got, want = copy.step(a), real.step(a)
        assert got[:4] == want[:4]
        if want[2]:
            assert real.reset()[0] == copy.reset()[0]


def test_spaces_follow_the_model():
    env = ModelEnv({0: {0: [(1.0, 1, 0.0, False)]}, 1: {0: [(1.0, 1, 1.0, True)]}}, [1.0, 0.0])
    assert env.observation_space == gym.spaces.Discrete(2)
    assert env.action_space == gym.spaces.Discrete(1)
    assert env.reset(seed=0)[0] == 0
    assert env.step(0)[:3] == (1, 0.0, False)
    assert env.step(0)[:3] == (1, 1.0, True)


def test_bad_models_are_refused():
    with pytest.raises(ValueError, match="sum to 1"):
        ModelEnv({0: {0: [(0.5, 0, 0.0, False)]}}, [1.0])
    with pytest.raises(ValueError, match="initial_state_distrib"):
        ModelEnv({0: {0: [(1.0, 0, 0.0, False)]}}, [0.5])
    env = ModelEnv({0: {0: [(1.0, 0, 0.0, False)]}}, [1.0])
    with pytest.raises(RuntimeError, match="reset"):
        env.step(0)
