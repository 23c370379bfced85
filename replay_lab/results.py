"""What a training run produced: :class:`TrainResult`, one run or a stack of runs.

Kept apart from the training loops so that plotting can take results without importing
the code that makes them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["TrainResult"]


@dataclass(frozen=True)
class TrainResult:
    """What one training run (or a stack of runs) produced.

    For one run every array has one entry per episode; :func:`~replay_lab.agents.run_seeds`
    stacks runs along a new first axis, one row per seed (padded with NaN where a seed
    finished fewer episodes).

    Attributes
    ----------
    returns : undiscounted return of each training episode
    lengths : environment steps of each episode
    updates : total number of transition updates (one Q-learning rule application each)
        made by the end of each episode
    q_errors : RMS error of Q against Q* after each episode (NaN when no Q* was given)
    q : the final Q-table(s)
    settings : the arguments of the run
    replay_ages : with ``record_replays=True``, how many replayed transitions had each
        age (0 = the newest transition in the buffer, capacity - 1 = the oldest)
    greedy_values : with ``track_greedy_value=True``, the exact value at the start state
        of the greedy policy of Q after each episode
    """

    returns: np.ndarray
    lengths: np.ndarray
    updates: np.ndarray
    q_errors: np.ndarray
    q: np.ndarray
    settings: dict = field(repr=False)
    replay_ages: np.ndarray | None = None
    greedy_values: np.ndarray | None = None

    @property
    def steps(self) -> np.ndarray:
        """Total environment steps made by the end of each episode."""
        return np.cumsum(self.lengths, axis=-1)

    def final(self, name: str = "q_errors") -> np.ndarray:
        """The last recorded value of a per-episode array, per seed (skipping NaN padding)."""
        values = np.atleast_2d(getattr(self, name))
        last = np.isfinite(values).cumsum(axis=1).argmax(axis=1)
        return values[np.arange(len(values)), last]
