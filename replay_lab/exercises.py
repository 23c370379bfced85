"""Self-checks for the notebooks' "Your turn" exercises, and a way to show library source.

Each ``check_*`` function runs a student's function on many random cases and compares it
with an independent computation. It returns a :class:`Verdict`, which a notebook shows as
one line: not done yet (the stub still raises ``NotImplementedError``), correct, or the
first case where it went wrong. A verdict is true only when the answer is correct.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable

import numpy as np
from IPython.display import Code, display

from replay_lab.core import q_update, td_error
from replay_lab.envs import BlindCliffwalk
from replay_lab.experiments.blind_cliffwalk import replay_memory

__all__ = [
    "check_copies",
    "check_hand_update",
    "check_is_weights",
    "check_priorities",
    "check_ring_slot",
    "check_td_error",
    "check_value",
    "show_source",
]


class Verdict:
    """The outcome of a self-check: ``status`` is "correct", "not done yet" or "not right
    yet"; shown in a notebook as its message, true only when correct."""

    def __init__(self, status: str, message: str):
        self.status, self.message = status, message

    def __bool__(self) -> bool:
        return self.status == "correct"

    def __repr__(self) -> str:
        return f"{self.status}: {self.message}"


def show_source(obj) -> None:
    """Display the source code of a replay_lab function or class, highlighted.

    The notebooks show the library's own code rather than a copy that could drift.
    """
    display(Code(inspect.getsource(obj), language="python"))


def _run_cases(
    name: str, student: Callable, cases, expected: Callable, tol: float = 1e-9
) -> Verdict:
    """Compare ``student(*case)`` with ``expected(*case)`` on every case."""
    for case in cases:
        try:
            answer = student(*case)
        except NotImplementedError:
            return Verdict("not done yet", f"{name} still raises NotImplementedError.")
        want = expected(*case)
        if (
            answer is None
            or np.shape(answer) != np.shape(want)
            or not np.allclose(np.asarray(answer, dtype=float), want, atol=tol, rtol=tol)
        ):
            shown = ", ".join(_short(x) for x in case)
            message = f"{name}({shown}) returned {_short(answer)}, expected {_short(want)}."
            return Verdict("not right yet", message)
    return Verdict("correct", f"{name} agrees with the reference on {len(cases)} random cases.")


def _short(value) -> str:
    if isinstance(value, np.ndarray):
        return np.array2string(value, precision=4, threshold=8)
    if isinstance(value, float):
        return f"{value:.6g}"
    return repr(value)


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
    return _run_cases("td_error", student, cases, td_error)


def check_ring_slot(student: Callable) -> Verdict:
    """Check ``student(added, capacity) -> slot``: where the transition number ``added``
    (counting from 0) is written in a ring buffer of ``capacity`` slots."""
    cases = [(added, capacity) for capacity in (1, 3, 5, 8) for added in range(3 * capacity + 2)]
    return _run_cases("ring_slot", student, cases, lambda added, capacity: added % capacity)


def check_copies(student: Callable) -> Verdict:
    """Check ``student(k, n) -> copies``: how often the Blind Cliffwalk memory of ``n``
    states stores each transition of state ``k``, counted from the memory itself."""
    cases = [(k, n) for n in range(1, 12) for k in range(n)]
    counted = {n: replay_memory(BlindCliffwalk(n, seed=0)).copies for n in range(1, 12)}
    return _run_cases("copies", student, cases, lambda k, n: counted[n][2 * k])


def check_priorities(student: Callable, seed: int = 0) -> Verdict:
    r"""Check ``student(td_errors, alpha, eps) -> probabilities``:
    :math:`P(i) = (|\delta_i| + \epsilon)^\alpha / \sum_k (|\delta_k| + \epsilon)^\alpha`."""
    rng = np.random.default_rng(seed)
    cases = [
        (rng.normal(size=int(rng.integers(1, 12))) * 3, float(rng.uniform(0, 1)), 1e-3)
        for _ in range(100)
    ]

    def reference(td_errors, alpha, eps):
        p = (np.abs(td_errors) + eps) ** alpha
        return p / p.sum()

    return _run_cases("priorities", student, cases, reference)


def check_is_weights(student: Callable, seed: int = 0) -> Verdict:
    r"""Check ``student(probabilities, n, beta) -> weights`` for a sampled batch:
    :math:`w_i = (N P(i))^{-\beta}`, divided by the largest weight of the batch."""
    rng = np.random.default_rng(seed)
    cases = []
    for _ in range(100):
        n = int(rng.integers(2, 50))
        p = rng.random(n) + 0.01
        p /= p.sum()
        cases.append((p[rng.integers(n, size=8)], n, float(rng.uniform(0, 1))))

    def reference(probabilities, n, beta):
        w = (n * probabilities) ** -beta
        return w / w.max()

    return _run_cases("is_weights", student, cases, reference)


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


def check_value(name: str, answer: float | None, expected: float, tol: float = 1e-6) -> Verdict:
    """Check a number worked out by hand (``answer`` None means not done yet)."""
    if answer is None:
        return Verdict("not done yet", f"fill in {name}.")
    if abs(answer - expected) <= tol:
        return Verdict("correct", f"{name} = {expected:.6g}.")
    return Verdict("not right yet", f"{name} = {answer:.6g}? Check each term of the formula.")
