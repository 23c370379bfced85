"""The bookkeeping of a training run, kept beside the loop rather than woven into it.

A :class:`Recorder` holds the budget (episodes, steps) and records what the notebooks
plot: per episode the return, the length, the number of updates so far, the error of Q
against Q*, the exact value of the greedy policy; and, when asked, the age of every
replayed transition.
"""

from __future__ import annotations

import numpy as np

from replay_lab.buffers import Batch, ReplayBuffer
from replay_lab.core import greedy_policy
from replay_lab.envs import policy_evaluation, q_error, reachable_states, start_value, tabular_model
from replay_lab.results import TrainResult

__all__ = ["Recorder"]


class Recorder:
    """Budgets and metrics of one run.

    Parameters
    ----------
    env : the environment (its model is read only for ``q_star`` and ``greedy_gamma``)
    episodes, steps : the budget (None: no limit of that kind)
    q_star : Q*, to record the RMS error of Q over the reachable states after each episode
    buffer : the replay buffer, to record the age of every replayed transition
    greedy_gamma : a discount below 1, to record the exact start value of the greedy policy
    """

    def __init__(
        self,
        env,
        episodes: int | None,
        steps: int | None,
        q_star: np.ndarray | None = None,
        buffer: ReplayBuffer | None = None,
        greedy_gamma: float | None = None,
    ):
        self.episode_budget, self.step_budget = episodes, steps
        self.q_star, self.buffer, self.greedy_gamma = q_star, buffer, greedy_gamma
        n_states, n_actions = int(env.observation_space.n), int(env.action_space.n)
        if q_star is not None:
            if np.shape(q_star) != (n_states, n_actions):
                raise ValueError(
                    f"q_star must have shape {(n_states, n_actions)}, got {np.shape(q_star)}"
                )
            self.states = reachable_states(env)
        if greedy_gamma is not None:
            if not greedy_gamma < 1:
                raise ValueError(f"gamma must be < 1 for exact greedy values, got {greedy_gamma}")
            self.model = tabular_model(env)
        self.steps = self.updates = 0
        self.episode_return = 0.0
        self.episode_start = 0
        self.per_episode = {name: [] for name in ("returns", "lengths", "updates", "q_errors")}
        self.greedy_values: list[float] = []
        self.ages = np.zeros(buffer.capacity if buffer is not None else 0, dtype=np.int64)

    @property
    def finished(self) -> bool:
        """Whether the budget is spent."""
        return len(self.per_episode["returns"]) == self.episode_budget or self.out_of_steps

    @property
    def out_of_steps(self) -> bool:
        """Whether the step budget is spent."""
        return self.steps == self.step_budget

    @property
    def episode_length(self) -> int:
        """Steps of the episode under way."""
        return self.steps - self.episode_start

    def stepped(self, reward: float) -> None:
        self.steps += 1
        self.episode_return += reward

    def updated(self, n: int) -> None:
        self.updates += n

    def replayed(self, batch: Batch) -> None:
        self.updates += len(batch.states)
        if self.buffer is not None:  # age 0 = the newest transition in the buffer
            np.add.at(self.ages, self.buffer.added - 1 - batch.ids, 1)

    def episode_ended(self, q: np.ndarray) -> None:
        record = self.per_episode
        record["returns"].append(self.episode_return)
        record["lengths"].append(self.episode_length)
        record["updates"].append(self.updates)
        record["q_errors"].append(
            np.nan if self.q_star is None else q_error(q, self.q_star, self.states)
        )
        if self.greedy_gamma is not None:
            values = policy_evaluation(self.model, greedy_policy(q), self.greedy_gamma)
            self.greedy_values.append(start_value(self.model, values))
        self.episode_return, self.episode_start = 0.0, self.steps

    def result(self, q: np.ndarray, settings: dict) -> TrainResult:
        """What was recorded, as a :class:`~replay_lab.results.TrainResult`."""
        return TrainResult(
            returns=np.array(self.per_episode["returns"], dtype=float),
            lengths=np.array(self.per_episode["lengths"], dtype=np.int64),
            updates=np.array(self.per_episode["updates"], dtype=np.int64),
            q_errors=np.array(self.per_episode["q_errors"], dtype=float),
            q=q,
            settings=settings,
            replay_ages=self.ages if self.buffer is not None else None,
            greedy_values=np.array(self.greedy_values) if self.greedy_gamma is not None else None,
        )
