"""Self-checks for the notebooks' "Your turn" exercises, and a way to show library source.

Each ``check_*`` function runs a student's function (or object) on many random cases and
compares it with an independent computation. It returns a :class:`Verdict`, which a notebook
shows as one line: not done yet (the stub still raises ``NotImplementedError``), correct, or
the first case where it went wrong. A verdict is true only when the answer is correct.

One module per topic: :mod:`~replay_lab.exercises.verdict` (the verdict and the case loop),
:mod:`~replay_lab.exercises.formulas` (one formula into code),
:mod:`~replay_lab.exercises.approx` (lesson 05: the semi-gradient update).
"""

from __future__ import annotations

import inspect

from IPython.display import Code, display

from replay_lab.exercises.approx import check_linear_q_update
from replay_lab.exercises.formulas import (
    HAND_UPDATE,
    check_copies,
    check_hand_update,
    check_is_weights,
    check_priorities,
    check_ring_slot,
    check_td_error,
)
from replay_lab.exercises.verdict import Verdict, check_value

__all__ = [
    "HAND_UPDATE",
    "Verdict",
    "check_copies",
    "check_hand_update",
    "check_is_weights",
    "check_linear_q_update",
    "check_priorities",
    "check_ring_slot",
    "check_td_error",
    "check_value",
    "show_source",
]


def show_source(obj) -> None:
    """Display the source code of a replay_lab function or class, highlighted.

    The notebooks show the library's own code rather than a copy that could drift.
    """
    display(Code(inspect.getsource(obj), language="python"))
