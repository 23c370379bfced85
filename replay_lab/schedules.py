"""Schedules: a hyperparameter that changes over training, as a function of the step.

Anything that takes a schedule also takes a plain number (a constant). A schedule is any
callable ``f(step) -> float``; :class:`LinearSchedule` covers the usual cases: epsilon
decaying from 1 to 0.05, or the prioritized-replay exponent beta annealed from 0.4 to 1.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from replay_lab._checks import check_in_range, check_positive_int, check_real

__all__ = ["LinearSchedule", "Schedule", "as_schedule"]

Schedule = Callable[[int], float]


@dataclass(frozen=True)
class LinearSchedule:
    """Go linearly from ``start`` to ``end`` over ``steps`` steps, then stay at ``end``.

    ``value(t) = start + (end - start) * min(t / steps, 1)``
    """

    start: float
    end: float
    steps: int

    def __post_init__(self) -> None:
        check_real("start", self.start)
        check_real("end", self.end)
        check_positive_int("steps", self.steps)

    def __call__(self, step: int) -> float:
        return self.start + (self.end - self.start) * min(step / self.steps, 1.0)


def as_schedule(
    value: float | Schedule, name: str = "value", low: float = 0.0, high: float = 1.0
) -> Schedule:
    """Return ``value`` unchanged if it is callable, else a constant schedule of it, after
    checking that the number ``name`` lies in [low, high] (a schedule's values are
    checked where they are used)."""
    if callable(value):
        return value
    constant = check_in_range(name, value, low, high)
    return lambda step: constant
