"""What every self-check returns, and the loop that compares a student's function with a
reference on many cases."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = ["Verdict", "check_value", "run_cases", "short"]


class Verdict:
    """The outcome of a self-check: ``status`` is "correct", "not done yet" or "not right
    yet"; shown in a notebook as its message, true only when correct."""

    def __init__(self, status: str, message: str):
        self.status, self.message = status, message

    def __bool__(self) -> bool:
        return self.status == "correct"

    def __repr__(self) -> str:
        return f"{self.status}: {self.message}"


def run_cases(
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
            shown = ", ".join(short(x) for x in case)
            message = f"{name}({shown}) returned {short(answer)}, expected {short(want)}."
            return Verdict("not right yet", message)
    return Verdict("correct", f"{name} agrees with the reference on {len(cases)} random cases.")


def short(value) -> str:
    if isinstance(value, np.ndarray):
        return np.array2string(value, precision=4, threshold=8)
    if isinstance(value, float):
        return f"{value:.6g}"
    return repr(value)


def check_value(name: str, answer: float | None, expected: float, tol: float = 1e-6) -> Verdict:
    """Check a number worked out by hand (``answer`` None means not done yet)."""
    if answer is None:
        return Verdict("not done yet", f"fill in {name}.")
    if abs(answer - expected) <= tol:
        return Verdict("correct", f"{name} = {expected:.6g}.")
    return Verdict("not right yet", f"{name} = {answer:.6g}? Check each term of the formula.")
