r"""Tabular Q-learning: the TD error, the update rule and epsilon-greedy action choice.

A Q-table ``q`` is a float array of shape ``(n_states, n_actions)``; ``q[s, a]`` estimates
the discounted return of taking action ``a`` in state ``s`` and acting greedily afterwards.

One transition :math:`(s, a, r, s', \text{terminated})` gives the TD error

.. math::

    \delta = r + \gamma \, (1 - \text{terminated}) \, \max_{a'} Q(s', a') - Q(s, a)

and Q-learning moves :math:`Q(s, a)` a step :math:`\alpha\,\delta` towards its target.

*Terminated* means the episode really ended (a hole, the goal): there is no future, so the
target is just ``r``. An episode cut short by a time limit is *truncated*, not terminated:
its ``s'`` still has a future, so callers pass ``terminated=False`` and the target
bootstraps from :math:`\max_{a'} Q(s', a')`.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

from replay_lab._checks import (
    as_finite_array,
    as_index_array,
    check_in_range,
    check_index,
    check_same_length,
)

# A single transition takes a path of plain Python numbers: the online learner calls it
# on every environment step, where numpy's per-call overhead would dominate.
_SCALARS = (int, np.integer)

__all__ = ["epsilon_greedy", "greedy_policy", "q_update", "td_error"]


def td_error(
    q: np.ndarray,
    s: ArrayLike,
    a: ArrayLike,
    r: ArrayLike,
    s_next: ArrayLike,
    terminated: ArrayLike,
    gamma: float,
) -> float | np.ndarray:
    r"""Return the TD error of one transition or of a batch; ``q`` is not modified.

    Parameters
    ----------
    q : ndarray of shape (n_states, n_actions)
        The Q-table.
    s, a, r, s_next, terminated : scalars, or 1-D arrays of one common length
        The transitions: state, action, reward, next state, and whether the episode
        terminated (no bootstrapping). Pass ``terminated=False`` for a time-limit truncation.
    gamma : float in [0, 1]
        Discount factor.

    Returns
    -------
    float or ndarray
        :math:`\delta = r + \gamma (1 - \text{terminated}) \max_{a'} Q(s', a') - Q(s, a)`,
        a float for scalar input, else one value per transition.
    """
    gamma = check_in_range("gamma", gamma, 0, 1)
    _check_table(q)
    if isinstance(s, _SCALARS):
        return _one_td_error(q, *_one_transition(q, s, a, r, s_next, terminated), gamma)
    s, a, r, s_next, terminated, _ = _batch(q, s, a, r, s_next, terminated)
    future = np.where(terminated, 0.0, q[s_next].max(axis=1))
    return r + gamma * future - q[s, a]


def q_update(
    q: np.ndarray,
    s: ArrayLike,
    a: ArrayLike,
    r: ArrayLike,
    s_next: ArrayLike,
    terminated: ArrayLike,
    alpha: float,
    gamma: float,
    weights: ArrayLike | None = None,
) -> float | np.ndarray:
    r"""Apply the Q-learning update in place and return the TD errors.

    For each transition, in order, :math:`Q(s, a) \leftarrow Q(s, a) + \alpha\, w\, \delta`
    with :math:`\delta` as in :func:`td_error`, computed from the table *as the earlier
    transitions of the batch left it*. So a batch means exactly "apply the transitions one
    at a time", which is what Q-learning and the prioritized-replay paper do: a batch that
    repeats a pair (s, a), or in which one transition's s' is another's s, gives the same
    table as a plain loop.

    Parameters
    ----------
    q : ndarray of shape (n_states, n_actions), float
        The Q-table, updated in place.
    s, a, r, s_next, terminated : scalars, or 1-D arrays of one common length
        The transitions (see :func:`td_error`).
    alpha : float in (0, 1]
        Step size.
    gamma : float in [0, 1]
        Discount factor.
    weights : float or 1-D array, optional
        Non-negative per-transition factors on the step, e.g. importance-sampling weights
        of prioritized replay. Default 1.

    Returns
    -------
    float or ndarray
        The TD error of each transition at the moment it was applied.
    """
    alpha = check_in_range("alpha", alpha, 0, 1, low_open=True)
    gamma = check_in_range("gamma", gamma, 0, 1)
    _check_table(q)
    if isinstance(s, _SCALARS):
        s, a, r, s_next, terminated = _one_transition(q, s, a, r, s_next, terminated)
        delta = _one_td_error(q, s, a, r, s_next, terminated, gamma)
        weight = 1.0 if weights is None else _one_weight(weights)
        q[s, a] += alpha * weight * delta
        return delta
    s, a, r, s_next, terminated, weights = _batch(q, s, a, r, s_next, terminated, weights)
    # The loop runs on Python floats of the rows the batch touches: for rows of a few
    # actions that is several times faster than indexing numpy scalars one by one.
    rows = np.unique(np.concatenate([s, s_next]))
    table = dict(zip(rows.tolist(), q[rows].tolist(), strict=True))
    deltas = []
    for si, ai, ri, sn, done, wi in zip(
        s.tolist(),
        a.tolist(),
        r.tolist(),
        s_next.tolist(),
        terminated.tolist(),
        weights.tolist(),
        strict=True,
    ):
        target = ri if done else ri + gamma * max(table[sn])
        row = table[si]
        delta = target - row[ai]
        row[ai] += alpha * wi * delta
        deltas.append(delta)
    q[rows] = [table[row] for row in rows.tolist()]
    return np.array(deltas)


def epsilon_greedy(
    q: np.ndarray, s: int, epsilon: float, rng: np.random.Generator, ties: str = "random"
) -> int:
    """Choose an action in state ``s``: uniformly at random with probability ``epsilon``,
    else a greedy one.

    Parameters
    ----------
    q : ndarray of shape (n_states, n_actions)
    s : int
        The current state.
    epsilon : float in [0, 1]
        Exploration probability.
    rng : numpy.random.Generator
        The source of randomness (one uniform draw per call, one more to explore or to
        break a tie).
    ties : {"random", "first"}
        How to choose among actions with equal greatest value. "random" picks one
        uniformly. "first" takes the lowest index, like ``np.argmax``: with a table of
        zeros it always picks action 0, which can stall learning for a long time.

    Returns
    -------
    int
        The action.
    """
    epsilon = check_in_range("epsilon", epsilon, 0, 1)
    _check_table(q)
    s = check_index("s", s, q.shape[0])
    if ties not in ("random", "first"):
        raise ValueError(f"ties must be 'random' or 'first', got {ties!r}")
    if rng.random() < epsilon:
        return int(rng.integers(q.shape[1]))
    row = q[s].tolist()
    best = max(row)
    if ties == "first":
        return row.index(best)
    tied = [action for action, value in enumerate(row) if value == best]
    return tied[0] if len(tied) == 1 else tied[int(rng.integers(len(tied)))]


def greedy_policy(q: np.ndarray) -> np.ndarray:
    """Return the greedy action of every state, shape (n_states,).

    Ties go to the lowest action, as with ``np.argmax``; this is for reading a policy off
    a table (e.g. Q* from value iteration), while acting uses :func:`epsilon_greedy`.
    """
    _check_table(q)
    return np.argmax(q, axis=1)


def _check_table(q: np.ndarray) -> None:
    if not isinstance(q, np.ndarray) or q.ndim != 2 or q.dtype.kind != "f":
        raise TypeError("q must be a 2-D float numpy array of shape (n_states, n_actions)")


def _one_td_error(q, s, a, r, s_next, terminated, gamma) -> float:
    target = r if terminated else r + gamma * max(q[s_next].tolist())
    return target - float(q[s, a])


def _one_transition(q, s, a, r, s_next, terminated):
    n_states, n_actions = q.shape
    s = check_index("s", s, n_states)
    a = check_index("a", a, n_actions)
    s_next = check_index("s_next", s_next, n_states)
    if not isinstance(r, (int, float, np.number)) or not math.isfinite(r):
        raise ValueError(f"r must be a finite number, got {r!r}")
    if terminated not in (0, 1):
        raise ValueError(f"terminated must be a bool (or 0/1), got {terminated!r}")
    return s, a, float(r), s_next, bool(terminated)


def _one_weight(weight) -> float:
    if not isinstance(weight, (int, float, np.number)):
        raise ValueError("weights must be a number when the transition is a single one")
    weight = float(weight)
    if not (math.isfinite(weight) and weight >= 0):
        raise ValueError(f"weights must be finite and >= 0, got {weight}")
    return weight


def _batch(q, s, a, r, s_next, terminated, weights=None):
    n_states, n_actions = q.shape
    s = as_index_array("s", s, n_states)
    a = as_index_array("a", a, n_actions)
    s_next = as_index_array("s_next", s_next, n_states)
    r = as_finite_array("r", r)
    terminated = np.asarray(terminated).reshape(-1)
    if terminated.dtype.kind != "b":
        if terminated.dtype.kind not in "iu" or not np.isin(terminated, (0, 1)).all():
            raise ValueError("terminated must hold bools (or 0/1)")
        terminated = terminated.astype(bool)
    if weights is None:
        weights = np.ones(len(s))
    else:
        weights = as_finite_array("weights", weights)
        if (weights < 0).any():
            raise ValueError(f"weights must be >= 0, got {weights.min()}")
    check_same_length(s=s, a=a, r=r, s_next=s_next, terminated=terminated, weights=weights)
    return s, a, r, s_next, terminated, weights
