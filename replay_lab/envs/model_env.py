"""A gymnasium environment made from a tabular model: any ``P`` and start distribution."""

from __future__ import annotations

from typing import ClassVar

import gymnasium as gym
import numpy as np

from replay_lab._checks import check_index
from replay_lab.envs.ground_truth import tabular_model

__all__ = ["ModelEnv"]


class ModelEnv(gym.Env):
    """The environment whose dynamics are the model ``P`` and ``initial_state_distrib``.

    ## Description
    A small world given as a table instead of code, for tests and exercises: every state,
    action and outcome is written out in ``P``, gymnasium's toy-text layout. It draws its
    randomness exactly as gymnasium's toy-text environments (FrozenLake, CliffWalking,
    Taxi) do, so the lockstep engine (:mod:`replay_lab.lockstep`), which steps the model
    itself, reproduces a run on it number for number.

    ## Action Space
    `Discrete(n_actions)`, the actions of ``P[s]`` (the same for every state).

    ## Observation Space
    `Discrete(n_states)`, the states of ``P``.

    ## Starting State
    Drawn from ``initial_state_distrib`` with one ``np_random.random()``: the first state
    whose cumulative probability exceeds it (gymnasium's ``categorical_sample``).

    ## Reward
    The reward of the outcome drawn, as listed in ``P[s][a]``.

    ## Episode End
    The episode terminates when the outcome drawn says ``terminated``. There is no time
    limit of its own: wrap it in ``gymnasium.wrappers.TimeLimit`` or pass ``max_steps`` to
    ``train``.

    Each step draws one ``np_random.random()`` and takes the first outcome of ``P[s][a]``
    whose cumulative probability exceeds it (outcome 0 if round-off leaves none).

    ## Arguments
    P : mapping
        ``P[s][a] = [(probability, next_state, reward, terminated), ...]`` for every state
        and action.
    initial_state_distrib : array of shape (n_states,)
        The start distribution.
    """

    metadata: ClassVar[dict] = {"render_modes": []}

    def __init__(self, P, initial_state_distrib):
        self.P = P
        self.initial_state_distrib = np.asarray(initial_state_distrib, dtype=float)
        model = tabular_model(self)  # checks the model and the start distribution
        self.observation_space = gym.spaces.Discrete(model.n_states)
        self.action_space = gym.spaces.Discrete(model.n_actions)
        self.s: int | None = None

    def _categorical(self, probabilities) -> int:
        cumulative = np.cumsum(np.asarray(probabilities))
        return int(np.argmax(cumulative > self.np_random.random()))

    def reset(self, *, seed: int | None = None, options: dict | None = None) -> tuple[int, dict]:
        super().reset(seed=seed)
        self.s = self._categorical(self.initial_state_distrib)
        return self.s, {}

    def step(self, action: int) -> tuple[int, float, bool, bool, dict]:
        if self.s is None:
            raise RuntimeError("call reset() before step()")
        outcomes = self.P[self.s][check_index("action", action, self.action_space.n)]
        p, s_next, reward, terminated = outcomes[self._categorical([o[0] for o in outcomes])]
        self.s = int(s_next)
        return self.s, reward, bool(terminated), False, {"prob": p}
