"""replay_lab: tabular Q-learning with uniform and prioritized experience replay.

The pieces, one module per idea:

- :mod:`replay_lab.core`: the TD error, the Q-learning update, epsilon-greedy
- :mod:`replay_lab.sumtree`: the sum tree behind proportional prioritized sampling
- :mod:`replay_lab.buffers`: the replay buffer interface and uniform replay
- :mod:`replay_lab.prioritized`: proportional and rank-based prioritized replay
- :mod:`replay_lab.envs`: ground truth (value iteration, exact policy values, Q-error)
- :mod:`replay_lab.schedules`: hyperparameters that change over training
- :mod:`replay_lab.agents`: the training loop, over one or many seeds
- :mod:`replay_lab.replay_order`: one stored dataset replayed in different orders
- :mod:`replay_lab.sarsa`: SARSA, Q-learning's on-policy twin
- :mod:`replay_lab.recorder`, :mod:`replay_lab.results`: what a run records and returns
- :mod:`replay_lab.stats`: the mean over seeds and its 95% confidence band
- :mod:`replay_lab.approx`: function approximation (lesson 05): tile coding, linear
  semi-gradient Q-learning on MountainCar, its lockstep engine and measurements
- :mod:`replay_lab.plotting` (a package, one module per kind of figure),
  :mod:`replay_lab.widgets`, :mod:`replay_lab.exercises`: what the notebooks draw, the
  slider panels, the self-checks

The numpy-only pieces (core, sumtree, buffers, prioritized, schedules, results) are
imported at once; the rest (which needs gymnasium, matplotlib or ipywidgets) on first use,
so ``import replay_lab.core`` works where only numpy is installed.
"""

import importlib

from replay_lab import _pyodide  # noqa: F401  (first: in the browser, before gymnasium loads)
from replay_lab.buffers import Batch, ReplayBuffer
from replay_lab.core import epsilon_greedy, greedy_policy, q_update, td_error
from replay_lab.prioritized import (
    PrioritizedReplayBuffer,
    RankBasedReplayBuffer,
    importance_weights,
    priority,
)
from replay_lab.results import TrainResult
from replay_lab.schedules import LinearSchedule
from replay_lab.sumtree import SumTree

# Loaded on first use: name -> the module that defines it.
_LAZY = {
    **dict.fromkeys(
        [
            "BUFFERS",
            "evaluate_greedy",
            "learn_from_batch",
            "make_buffer",
            "q_learning",
            "run_seeds",
            "steps_to_first_reward",
            "sweep",
            "train",
        ],
        "replay_lab.agents",
    ),
    **dict.fromkeys(
        [
            "greedy_path",
            "policy_evaluation",
            "q_error",
            "reachable_states",
            "start_value",
            "success_probability",
            "tabular_model",
            "value_iteration",
        ],
        "replay_lab.envs",
    ),
    "Recorder": "replay_lab.recorder",
    "sarsa_update": "replay_lab.sarsa",
}
_SUBMODULES = {
    "agents",
    "approx",
    "envs",
    "exercises",
    "experiments",
    "plotting",
    "recorder",
    "replay_order",
    "sarsa",
    "stats",
    "widgets",
}


def __getattr__(name: str):
    if name in _SUBMODULES:
        return importlib.import_module(f"replay_lab.{name}")
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'replay_lab' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY, *_SUBMODULES])


__all__ = [
    "BUFFERS",
    "Batch",
    "LinearSchedule",
    "PrioritizedReplayBuffer",
    "RankBasedReplayBuffer",
    "Recorder",
    "ReplayBuffer",
    "SumTree",
    "TrainResult",
    "epsilon_greedy",
    "evaluate_greedy",
    "greedy_path",
    "greedy_policy",
    "importance_weights",
    "learn_from_batch",
    "make_buffer",
    "policy_evaluation",
    "priority",
    "q_error",
    "q_learning",
    "q_update",
    "reachable_states",
    "run_seeds",
    "sarsa_update",
    "start_value",
    "steps_to_first_reward",
    "success_probability",
    "sweep",
    "tabular_model",
    "td_error",
    "train",
    "value_iteration",
]
