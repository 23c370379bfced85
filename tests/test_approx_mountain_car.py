"""The engine's MountainCar against gymnasium's, step by step and bit for bit."""

import gymnasium as gym
import numpy as np

from replay_lab.approx import mountain_car


def test_same_states_as_gymnasium_including_the_wall_and_the_goal():
    env = gym.make("MountainCar-v0").unwrapped
    rng = np.random.default_rng(0)
    starts = [(-0.5, 0.0), (-1.19, -0.05), (0.45, 0.06)]  # middle, at the wall, at the goal
    ends = set()
    for position, velocity in starts:
        env.reset(seed=0)
        env.state = np.array([position, velocity])
        state = np.array([[position, velocity]])
        for action in rng.integers(3, size=300):
            _, _, terminated, _, _ = env.step(int(action))
            state, done = mountain_car.step(state, np.array([action]))
            assert np.array_equal(np.array(env.state, dtype=float), state[0])
            assert done[0] == terminated
            if state[0, 0] == mountain_car.MIN_POSITION:
                ends.add("wall")
            if terminated:
                ends.add("goal")
                break
    assert ends == {"wall", "goal"}


def test_reset_draws_like_gymnasium():
    env = gym.make("MountainCar-v0")
    first, _ = env.reset(seed=7)
    second, _ = env.reset()
    rng = np.random.default_rng(7)
    assert np.array_equal(mountain_car.reset(rng).astype(np.float32), first)
    assert np.array_equal(mountain_car.reset(rng).astype(np.float32), second)
