"""Environments and their ground truth.

``ground_truth`` computes Q* and exact policy values from a tabular model; each environment
of our own lives in a file of its own, like gymnasium's toy-text environments.
"""

from replay_lab.envs.blind_cliffwalk import BlindCliffwalk
from replay_lab.envs.ground_truth import (
    TabularModel,
    greedy_path,
    policy_evaluation,
    q_error,
    reachable_states,
    start_value,
    success_probability,
    tabular_model,
    value_iteration,
)
from replay_lab.envs.lottery import make_lottery
from replay_lab.envs.model_env import ModelEnv
from replay_lab.envs.time_limit import TruncationAsTermination, stay_or_leave

__all__ = [
    "BlindCliffwalk",
    "ModelEnv",
    "TabularModel",
    "TruncationAsTermination",
    "greedy_path",
    "make_lottery",
    "policy_evaluation",
    "q_error",
    "reachable_states",
    "start_value",
    "stay_or_leave",
    "success_probability",
    "tabular_model",
    "value_iteration",
]
