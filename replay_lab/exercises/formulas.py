"""Self-checks for the exercises that turn one formula into code (notebooks 01 and 04)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from replay_lab.core import q_update, td_error
from replay_lab.envs import BlindCliffwalk
from replay_lab.exercises.verdict import Verdict, check_value, run_cases
from replay_lab.experiments.blind_cliffwalk import replay_memory

__all__ = [
    "HAND_UPDATE",
    "check_copies",
    "check_hand_update",
    "check_td_error",
]


def check_td_error(student: Callable, seed: int = 0) -> Verdict:
    """Check ``student(q, s, a, r, s_next, terminated, gamma) -> float`` (one transition)
    against :func:`replay_lab.core.td_error`, terminal transitions included."""
    rng = np.random.default_rng(seed)
    cases = []
    for _ in range(200):
        q = rng.normal(size=(5, 3))
        cases.append(
            (
                q,
                int(rng.integers(5)),
                int(rng.integers(3)),
                float(rng.normal()),
                int(rng.integers(5)),
                bool(rng.random() < 0.3),
                float(rng.uniform(0.5, 1)),
            )
        )
    # Messages name the student's own function, the one they can go and fix.
    return run_cases(getattr(student, "__name__", "your function"), student, cases, td_error)


def check_copies(student: Callable) -> Verdict:
    """Check ``student(k, n) -> copies``: how often the Blind Cliffwalk memory of ``n``
    states stores each transition of state ``k``, counted from the memory itself."""
    cases = [(k, n) for n in range(1, 12) for k in range(n)]
    counted = {n: replay_memory(BlindCliffwalk(n, seed=0)).copies for n in range(1, 12)}
    return run_cases("copies", student, cases, lambda k, n: counted[n][2 * k])


# The transition worked by hand in notebook 01's exercise (the notebook states it in words).
HAND_UPDATE = dict(
    q=((0.0, 1.0), (2.0, 5.0), (-1.0, -3.0)),
    s=1,
    a=0,
    r=-1.0,
    s_next=2,
    terminated=False,
    alpha=0.5,
    gamma=0.9,
)


def check_hand_update(answer: float | None) -> Verdict:
    """Check the value of Q(1, 0) after the update of :data:`HAND_UPDATE`, worked by hand."""
    case = dict(HAND_UPDATE)
    q = np.array(case.pop("q"))
    q_update(q, **case)
    return check_value("Q(1, 0) after the update", answer, float(q[1, 0]), tol=1e-9)
