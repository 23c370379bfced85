"""MountainCar-v0's dynamics as array code, for many cars at once (the lockstep engine).

The same arithmetic as gymnasium's ``MountainCarEnv.step``, in the same order, so that the
engine's cars move exactly like gymnasium's (tests/test_approx_mountain_car.py checks it
step by step). The agent sees the state rounded to float32, as gymnasium returns it, while
the dynamics run on the float64 state.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["HIGH", "LOW", "REWARD", "TIME_LIMIT", "reset", "step"]

FORCE, GRAVITY, MAX_SPEED = 0.001, 0.0025, 0.07
MIN_POSITION, MAX_POSITION, GOAL_POSITION = -1.2, 0.6, 0.5
LOW = np.array([MIN_POSITION, -MAX_SPEED])  # the box of (position, velocity)
HIGH = np.array([MAX_POSITION, MAX_SPEED])
REWARD = -1.0  # every step, until the goal
TIME_LIMIT = 200  # gym.make("MountainCar-v0") truncates episodes after 200 steps


def reset(rng: np.random.Generator) -> np.ndarray:
    """A start state (position uniform in [-0.6, -0.4], velocity 0), drawn as gymnasium's
    ``reset`` draws it from the environment's generator."""
    return np.array([rng.uniform(low=-0.6, high=-0.4), 0])


def step(states: np.ndarray, actions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Move cars with float64 ``states`` of shape (n, 2) by ``actions`` (0 push left,
    1 none, 2 push right); return the new states and whether each reached the goal."""
    position, velocity = states[:, 0], states[:, 1]
    # math.cos, as gymnasium: numpy's vectorised cos may differ in the last bit.
    slope = np.array([math.cos(3 * p) for p in position.tolist()])
    velocity = velocity + ((actions - 1) * FORCE + slope * (-GRAVITY))
    # np.clip's numbers, by two ufunc calls that cost a third of its dispatch
    velocity = np.minimum(np.maximum(velocity, -MAX_SPEED), MAX_SPEED)
    position = np.minimum(np.maximum(position + velocity, MIN_POSITION), MAX_POSITION)
    velocity = np.where((position == MIN_POSITION) & (velocity < 0), 0.0, velocity)
    terminated = (position >= GOAL_POSITION) & (velocity >= 0)
    moved = np.empty_like(states)
    moved[:, 0], moved[:, 1] = position, velocity
    return moved, terminated
