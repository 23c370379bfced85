"""replay_lab: tabular Q-learning with uniform and prioritized experience replay.

The pieces, one module per idea:

- :mod:`replay_lab.core`: the TD error, the Q-learning update, epsilon-greedy
- :mod:`replay_lab.sumtree`: the sum tree behind prioritized sampling
- :mod:`replay_lab.buffers`: uniform and prioritized replay buffers
- :mod:`replay_lab.envs`: ground truth (value iteration, exact policy values, Q-error)
- :mod:`replay_lab.schedules`: hyperparameters that change over training
- :mod:`replay_lab.agents`: training loops over one or many seeds
- :mod:`replay_lab.plotting`, :mod:`replay_lab.widgets`, :mod:`replay_lab.exercises`:
  what the notebooks draw, the slider panels, the self-checks
"""

from replay_lab import _pyodide  # noqa: F401  (first: in the browser, before gymnasium loads)
from replay_lab.agents import (
    TrainResult,
    evaluate_greedy,
    run_seeds,
    steps_to_first_reward,
    sweep,
    train,
)
from replay_lab.buffers import Batch, PrioritizedReplayBuffer, ReplayBuffer
from replay_lab.core import epsilon_greedy, greedy_policy, q_update, td_error
from replay_lab.envs import (
    policy_evaluation,
    q_error,
    reachable_states,
    start_value,
    tabular_model,
    value_iteration,
)
from replay_lab.schedules import LinearSchedule
from replay_lab.sumtree import SumTree

__all__ = [
    "Batch",
    "LinearSchedule",
    "PrioritizedReplayBuffer",
    "ReplayBuffer",
    "SumTree",
    "TrainResult",
    "epsilon_greedy",
    "evaluate_greedy",
    "greedy_policy",
    "policy_evaluation",
    "q_error",
    "q_update",
    "reachable_states",
    "run_seeds",
    "start_value",
    "steps_to_first_reward",
    "sweep",
    "tabular_model",
    "td_error",
    "train",
    "value_iteration",
]
