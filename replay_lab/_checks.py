"""Argument checks shared by the modules: each raises a ValueError or TypeError that names
the argument and the allowed range, so a bad input never becomes a silent wrong answer."""

from __future__ import annotations

import math
import operator

import numpy as np

# Concrete types, not numbers.Real: isinstance against an ABC costs several times more,
# and these checks run on every environment step.
_REAL_TYPES = (int, float, np.integer, np.floating)


def check_in_range(
    name: str,
    value: float,
    low: float,
    high: float,
    *,
    low_open: bool = False,
    high_open: bool = False,
) -> float:
    """Return ``value`` as a float if it lies in the interval, else raise ValueError."""
    if type(value) is bool or not isinstance(value, _REAL_TYPES):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    value = float(value)
    too_low = value <= low if low_open else value < low
    too_high = value >= high if high_open else value > high
    if math.isnan(value) or too_low or too_high:
        interval = f"{'(' if low_open else '['}{low}, {high}{')' if high_open else ']'}"
        raise ValueError(f"{name} must be in {interval}, got {value}")
    return value


def check_int(name: str, value: int) -> int:
    """Return ``value`` as an int if it is an integer (Python or numpy), else raise TypeError."""
    if type(value) is bool:
        raise TypeError(f"{name} must be an integer, got bool")
    try:
        return operator.index(value)
    except TypeError:
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}") from None


def check_positive_int(name: str, value: int) -> int:
    """Return ``value`` if it is an integer >= 1, else raise."""
    value = check_int(name, value)
    if value < 1:
        raise ValueError(f"{name} must be >= 1, got {value}")
    return value


def check_index(name: str, value: int, size: int) -> int:
    """Return ``value`` as an int if it is an integer in [0, size), else raise."""
    value = check_int(name, value)
    if not 0 <= value < size:
        raise ValueError(f"{name} must be in [0, {size - 1}], got {value}")
    return value


def as_index_array(name: str, values: object, size: int) -> np.ndarray:
    """Return ``values`` as a 1-D int64 array whose entries lie in [0, size), else raise."""
    array = np.asarray(values)
    if array.dtype.kind not in "iu":
        raise TypeError(f"{name} must hold integers, got dtype {array.dtype}")
    array = array.reshape(-1).astype(np.int64, copy=False)
    if len(array) and (array.min() < 0 or array.max() >= size):
        bad = array[(array < 0) | (array >= size)][0]
        raise ValueError(f"{name} must be in [0, {size - 1}], got {bad}")
    return array


def as_finite_array(name: str, values: object) -> np.ndarray:
    """Return ``values`` as a 1-D float64 array of finite numbers, else raise."""
    array = np.asarray(values, dtype=np.float64).reshape(-1)
    if not np.isfinite(array).all():
        raise ValueError(f"{name} must be finite, got {array[~np.isfinite(array)][0]}")
    return array


def check_same_length(**arrays: np.ndarray) -> int:
    """Return the common length of the arrays, else raise ValueError naming them all."""
    lengths = {name: len(array) for name, array in arrays.items()}
    if len(set(lengths.values())) > 1:
        listed = ", ".join(f"{name}={n}" for name, n in lengths.items())
        raise ValueError(f"mismatched lengths: {listed}")
    return next(iter(lengths.values()))
