"""Environments and their ground truth.

``ground_truth`` computes Q* and exact policy values from a tabular model; each environment
of our own lives in a file of its own, like gymnasium's toy-text environments.
"""

from replay_lab.envs.blind_cliffwalk import BlindCliffwalk
from replay_lab.envs.ground_truth import (
    TabularModel,
    policy_evaluation,
    q_error,
    reachable_states,
    start_value,
    tabular_model,
    value_iteration,
)
from replay_lab.envs.lottery import make_lottery
from replay_lab.envs.model_env import ModelEnv

__all__ = [
    "BlindCliffwalk",
    "ModelEnv",
    "TabularModel",
    "make_lottery",
    "policy_evaluation",
    "q_error",
    "reachable_states",
    "start_value",
    "tabular_model",
    "value_iteration",
]
