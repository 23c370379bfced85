"""A time limit done wrong: the world that shows it, and the mistake as a wrapper.

Gymnasium's ``step`` says ``terminated`` (the episode really ended: no future) apart from
``truncated`` (cut by a time limit: the state still has a future). Code written for the
old gym API, which had one ``done`` flag, stores every cut as an end. The wrapper here
makes exactly that mistake, so the two can be trained side by side on the same world.
"""

from __future__ import annotations

import gymnasium as gym

from replay_lab._checks import check_positive_int, check_real
from replay_lab.envs.model_env import ModelEnv

__all__ = ["TruncationAsTermination", "stay_or_leave"]

STAY, LEAVE = 0, 1


class TruncationAsTermination(gym.Wrapper):
    """The mistake: every truncation is reported as a termination too, so a learner drops
    the future at each time-out."""

    def step(self, action):
        s_next, r, terminated, truncated, info = self.env.step(action)
        return s_next, r, terminated or truncated, truncated, info


def stay_or_leave(time_limit: int = 10, leave_reward: float = 6.0) -> gym.Env:
    """One state, two actions: *stay* earns 1 and goes on for ever; *leave* earns
    ``leave_reward`` and ends the episode. Episodes are cut after ``time_limit`` steps.

    With discount gamma, staying for ever is worth 1 / (1 - gamma) (10 for gamma = 0.9),
    so Q*(stay) = 1 / (1 - gamma) and Q*(leave) = ``leave_reward``: the time limit is the
    experimenter's, not the world's, and changes neither.
    """
    time_limit = check_positive_int("time_limit", time_limit)
    leave_reward = check_real("leave_reward", leave_reward)
    P = {0: {STAY: [(1.0, 0, 1.0, False)], LEAVE: [(1.0, 0, leave_reward, True)]}}
    return gym.wrappers.TimeLimit(ModelEnv(P, [1.0]), time_limit)
