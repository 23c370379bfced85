"""Argument checks for the public edge of every module.

Each check raises a ValueError or TypeError that names the argument and the allowed range,
so a bad input never becomes a silent wrong answer: no string or complex value taken as a
number, no bool taken as a probability, no NaN let through. The algorithms themselves are
written without checks; each public function checks its arguments once, first.
"""

from __future__ import annotations

import math
import operator

import numpy as np

# Concrete types, not numbers.Real: isinstance against an ABC costs several times more,
# and some of these checks run on every environment step.
_REAL_TYPES = (int, float, np.integer, np.floating)


def _interval(low: float, high: float, low_open: bool, high_open: bool) -> str:
    return f"{'(' if low_open else '['}{low}, {high}{')' if high_open else ']'}"


def check_real(name: str, value: float) -> float:
    """Return ``value`` as a float if it is a finite real number (not a bool), else raise."""
    if type(value) is bool or not isinstance(value, _REAL_TYPES):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__} {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    return value


def check_in_range(
    name: str,
    value: float,
    low: float,
    high: float,
    *,
    low_open: bool = False,
    high_open: bool = False,
) -> float:
    """Return ``value`` as a float if it lies in the interval, else raise."""
    if type(value) is bool or not isinstance(value, _REAL_TYPES):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__} {value!r}")
    value = float(value)
    too_low = value <= low if low_open else value < low
    too_high = value >= high if high_open else value > high
    if math.isnan(value) or too_low or too_high:
        raise ValueError(
            f"{name} must be in {_interval(low, high, low_open, high_open)}, got {value}"
        )
    return value


def check_int(name: str, value: int) -> int:
    """Return ``value`` as an int if it is an integer (Python or numpy), else raise TypeError."""
    if type(value) is bool or isinstance(value, np.bool_):
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


def check_flag(name: str, value: object) -> bool:
    """Return ``value`` as a bool if it is a bool or a real 0/1, else raise."""
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if not isinstance(value, _REAL_TYPES):
        raise TypeError(f"{name} must hold bools or 0/1, got {type(value).__name__} {value!r}")
    if value not in (0, 1):
        raise ValueError(f"{name} must hold bools or 0/1, got {value!r}")
    return bool(value)


def check_seed(name: str, seed: object) -> object:
    """Accept what numpy accepts as a seed (None, an int >= 0, a SeedSequence or a
    Generator); raise a TypeError or ValueError naming the argument otherwise."""
    if seed is None or isinstance(seed, np.random.SeedSequence | np.random.Generator):
        return seed
    seed = check_int(name, seed)
    if seed < 0:
        raise ValueError(f"{name} must be >= 0, got {seed}")
    return seed


def as_index_array(name: str, values: object, size: int) -> np.ndarray:
    """Return ``values`` as a 1-D int64 array whose entries lie in [0, size), else raise."""
    array = np.asarray(values)
    if array.dtype.kind not in "iu" and not (array.dtype.kind == "f" and array.size == 0):
        raise TypeError(f"{name} must hold integers, got dtype {array.dtype}")
    array = array.reshape(-1).astype(np.int64, copy=False)
    if len(array) and (array.min() < 0 or array.max() >= size):
        bad = array[(array < 0) | (array >= size)][0]
        raise ValueError(f"{name} must be in [0, {size - 1}], got {bad}")
    return array


def as_real_array(
    name: str, values: object, low: float = -math.inf, high: float = math.inf
) -> np.ndarray:
    """Return ``values`` as a 1-D float64 array of finite numbers in [low, high], else raise.

    Only integer and float dtypes count as numbers: strings (even "2.5"), complex values,
    bools and Python objects are rejected, not converted.
    """
    array = np.asarray(values)
    if array.dtype.kind not in "iuf":
        raise TypeError(f"{name} must hold real numbers, got dtype {array.dtype}")
    array = array.reshape(-1).astype(np.float64, copy=False)
    if not len(array) or (array.min() >= low and array.max() <= high and array.max() < math.inf):
        return array  # (a NaN fails every comparison)
    bad = ~np.isfinite(array) | (array < low) | (array > high)
    if bad.any():
        where = "finite" if math.isinf(low) and math.isinf(high) else f"finite, in [{low}, {high}]"
        raise ValueError(f"{name} must be {where}, got {array[bad][0]}")
    return array


def as_flag_array(name: str, values: object) -> np.ndarray:
    """Return ``values`` as a 1-D bool array: bools, or 0/1 of any integer or float dtype
    (how many libraries store "done"); anything else is rejected."""
    array = np.asarray(values).reshape(-1)
    if array.dtype.kind == "b":
        return array
    if array.dtype.kind not in "iuf":
        raise TypeError(f"{name} must hold bools or 0/1, got dtype {array.dtype}")
    if not ((array == 0) | (array == 1)).all():
        raise ValueError(f"{name} must hold bools or 0/1, got {array[:5]!r}")
    return array.astype(bool)


def check_same_length(**arrays: np.ndarray) -> int:
    """Return the common length of the arrays, else raise ValueError naming them all."""
    lengths = {name: len(array) for name, array in arrays.items()}
    if len(set(lengths.values())) > 1:
        listed = ", ".join(f"{name}={n}" for name, n in lengths.items())
        raise ValueError(f"mismatched lengths: {listed}")
    return next(iter(lengths.values()))


def check_table(q: object) -> np.ndarray:
    """Return ``q`` if it is a 2-D float numpy array (a Q-table), else raise TypeError."""
    if not isinstance(q, np.ndarray) or q.ndim != 2 or q.dtype.kind != "f":
        raise TypeError("q must be a 2-D float numpy array of shape (n_states, n_actions)")
    return q


def check_learning_starts(learning_starts, batch_size: int, capacity: int, steps) -> int:
    """Return ``learning_starts`` (default ``batch_size``) if replay can ever start: at most
    the capacity and the step budget, else raise naming the bound."""
    named = "learning_starts" if learning_starts is not None else "learning_starts (= batch_size)"
    learning_starts = check_positive_int(
        "learning_starts", batch_size if learning_starts is None else learning_starts
    )
    if learning_starts > capacity:
        raise ValueError(
            f"{named} = {learning_starts} must be <= capacity = {capacity}: the buffer never "
            "holds more, so nothing would be learned"
        )
    if steps is not None and learning_starts > steps:
        raise ValueError(
            f"{named} = {learning_starts} must be <= steps = {steps}: the budget ends before "
            "learning would start"
        )
    return learning_starts


def check_algorithm(algorithm: object, replay: object) -> str:
    """Return ``algorithm`` if it is "q_learning" or "sarsa" (SARSA learns online only, so
    not with ``replay``), else raise ValueError."""
    if algorithm not in ("q_learning", "sarsa"):
        raise ValueError(f"algorithm must be 'q_learning' or 'sarsa', got {algorithm!r}")
    if algorithm == "sarsa" and replay is not None:
        raise ValueError(
            f"algorithm='sarsa' learns online only (replay=None), got replay={replay!r}: a "
            "replayed transition's next action was chosen by an older policy"
        )
    return algorithm
