"""Self-check for notebook 01's SARSA exercise: the student writes SARSA's update."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from replay_lab.exercises.verdict import Verdict, short
from replay_lab.sarsa import sarsa_update

__all__ = ["check_sarsa_update"]


def _cases(seed: int) -> list[tuple]:
    """(q, s, a, r, s_next, a_next, terminated, alpha, gamma), first the ones that tell
    the usual mistakes apart: a next action that is not the greedy one, a terminal
    transition whose next row is not zero, a step size below 1."""
    q = np.array([[0.0, 1.0], [2.0, 5.0], [-1.0, -3.0]])
    cases = [
        (q, 0, 1, 1.0, 1, 0, False, 0.5, 0.5),
        (q, 2, 0, -1.0, 1, 1, True, 0.5, 0.9),
        (q, 1, 1, 0.0, 1, 0, False, 0.1, 1.0),  # s' = s: the old Q(s', a') is the target's
    ]
    rng = np.random.default_rng(seed)
    for _ in range(100):
        q = rng.normal(size=(4, 3))
        cases.append(
            (q, int(rng.integers(4)), int(rng.integers(3)), float(rng.normal()),
             int(rng.integers(4)), int(rng.integers(3)), bool(rng.random() < 0.3),
             float(rng.uniform(0.05, 1)), float(rng.uniform(0.5, 1)))
        )  # fmt: skip
    return cases


def check_sarsa_update(student: Callable, seed: int = 0) -> Verdict:
    """Check ``student(q, s, a, r, s_next, a_next, terminated, alpha, gamma)``, which must
    update ``q[s, a]`` in place by SARSA's rule, against
    :func:`replay_lab.sarsa.sarsa_update`: the whole table after the update must agree."""
    cases = _cases(seed)
    name = getattr(student, "__name__", "your function")  # the function the student can fix
    for q, *transition in cases:
        got, want = q.copy(), q.copy()
        try:
            student(got, *transition)
        except NotImplementedError:
            return Verdict("not done yet", f"{name} still raises NotImplementedError.")
        sarsa_update(want, *transition)
        wrong = ~np.isclose(got, want, rtol=1e-9, atol=1e-9)
        if wrong.any():
            return Verdict("not right yet", _what_went_wrong(q, transition, got, want, wrong))
    return Verdict(
        "correct", f"{name} agrees with the library's sarsa_update on {len(cases)} transitions."
    )


def _what_went_wrong(q, transition, got, want, wrong) -> str:
    s, a, r, s_next, a_next, terminated, alpha, gamma = transition
    case = (
        f"for s={s}, a={a}, r={short(r)}, s'={s_next}, a'={a_next}, "
        f"{'terminated' if terminated else 'not terminated'}, alpha={short(alpha)}, "
        f"gamma={short(gamma)}, Q before = {np.round(q, 4).tolist()}: "
    )
    said = []
    if wrong[s, a]:
        said.append(
            f"Q(s, a) became {short(float(got[s, a]))}, expected {short(float(want[s, a]))}."
        )
    wrong[s, a] = False
    if wrong.any():
        i, j = (int(k) for k in np.argwhere(wrong)[0])
        said.append(f"Q({i}, {j}) changed too, expected only Q(s, a) to change.")
    return case + " ".join(said)
