"""Self-checks for the notebooks' "Your turn" exercises, and a way to show library source.

Each ``check_*`` function runs a student's function (or object) on many random cases and
compares it with an independent computation. It returns a :class:`Verdict`, which a notebook
shows as one line: not done yet (the stub still raises ``NotImplementedError``), correct, or
the first case where it went wrong. A verdict is true only when the answer is correct.

One module per topic: :mod:`~replay_lab.exercises.verdict` (the verdict and the case loop),
:mod:`~replay_lab.exercises.formulas` (one formula into code),
:mod:`~replay_lab.exercises.replay` (notebook 02: a ring buffer and the replay loop),
:mod:`~replay_lab.exercises.lifetime` (notebook 02: how often a transition is replayed),
:mod:`~replay_lab.exercises.prioritized` (notebook 03: the sum tree and proportional sampling),
:mod:`~replay_lab.exercises.ranks` (notebook 04: rank-based sampling probabilities),
:mod:`~replay_lab.exercises.sarsa` (notebook 01: SARSA's update),
:mod:`~replay_lab.exercises.approx` (notebook 05: the semi-gradient update).
"""

from __future__ import annotations

import inspect

from IPython.display import Code, display

from replay_lab.exercises.approx import check_linear_q_update
from replay_lab.exercises.formulas import (
    HAND_UPDATE,
    check_copies,
    check_hand_update,
    check_td_error,
)
from replay_lab.exercises.lifetime import check_replays_per_transition
from replay_lab.exercises.prioritized import (
    SumTreeExercise,
    check_probabilities,
    check_sampling,
    check_sum_tree,
)
from replay_lab.exercises.ranks import check_rank_probabilities
from replay_lab.exercises.replay import LOOP_SETTINGS, check_replay_loop, check_ring_buffer
from replay_lab.exercises.sarsa import check_sarsa_update
from replay_lab.exercises.verdict import Verdict, check_value

__all__ = [
    "HAND_UPDATE",
    "LOOP_SETTINGS",
    "SumTreeExercise",
    "Verdict",
    "check_copies",
    "check_hand_update",
    "check_linear_q_update",
    "check_probabilities",
    "check_rank_probabilities",
    "check_replay_loop",
    "check_replays_per_transition",
    "check_ring_buffer",
    "check_sampling",
    "check_sarsa_update",
    "check_sum_tree",
    "check_td_error",
    "check_value",
    "show_source",
]


def show_source(obj) -> None:
    """Display the source code of a replay_lab function or class, highlighted.

    The notebooks show the library's own code rather than a copy that could drift.
    """
    display(Code(inspect.getsource(obj), language="python"))
