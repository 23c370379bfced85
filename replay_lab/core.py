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

Each public function checks its arguments once, in its first lines, and then computes the
formula as written above.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

from replay_lab._checks import (
    as_flag_array,
    as_index_array,
    as_real_array,
    check_flag,
    check_in_range,
    check_index,
    check_real,
    check_same_length,
    check_table,
)

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
        terminated (no bootstrapping; a bool, or 0/1). Pass ``terminated=False`` for a
        time-limit truncation.
    gamma : float in [0, 1]
        Discount factor.

    Returns
    -------
    float or ndarray
        :math:`\delta = r + \gamma (1 - \text{terminated}) \max_{a'} Q(s', a') - Q(s, a)`,
        a float for scalar input, else one value per transition.
    """
    s, a, r, s_next, terminated, _, one = _checked(q, s, a, r, s_next, terminated)
    gamma = check_in_range("gamma", gamma, 0, 1)
    target = r + gamma * (1 - terminated) * q[s_next].max(axis=1)
    delta = target - q[s, a]
    return float(delta[0]) if one else delta


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
    r"""Apply the Q-learning update in place, one transition after the other, and return
    the TD errors.

    For each transition, in order, :math:`Q(s, a) \leftarrow Q(s, a) + \alpha\, w\, \delta`
    with :math:`\delta` as in :func:`td_error`, computed from the table *as the earlier
    transitions of the batch left it*. So a batch means exactly "apply the transitions one
    at a time", which is what Q-learning and the prioritized-replay paper do.

    Parameters
    ----------
    q : ndarray of shape (n_states, n_actions), float
        The Q-table, updated in place.
    s, a, r, s_next, terminated : scalars, or 1-D arrays of one common length
        The transitions (see :func:`td_error`). An empty batch changes nothing.
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
    s, a, r, s_next, terminated, w, one = _checked(q, s, a, r, s_next, terminated, weights)
    s, a, r, s_next, terminated, w = (x.tolist() for x in (s, a, r, s_next, terminated, w))
    alpha = check_in_range("alpha", alpha, 0, 1, low_open=True)
    gamma = check_in_range("gamma", gamma, 0, 1)
    delta = [0.0] * len(s)
    for i in range(len(s)):
        target = r[i] + gamma * (1 - terminated[i]) * max(q[s_next[i]])
        delta[i] = target - q[s[i], a[i]]
        q[s[i], a[i]] += alpha * w[i] * delta[i]
    return float(delta[0]) if one else np.array(delta)


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
        The source of randomness. Every call draws exactly two uniforms (one to decide
        whether to explore, one to pick among the candidate actions), whatever happens,
        so two runs that make the same choices stay in step.
    ties : {"random", "first"}
        How to choose among actions with equal greatest value. "random" picks one
        uniformly. "first" takes the lowest index, like ``np.argmax``: with a table of
        zeros it always picks action 0, which can stall learning for a long time.

    Returns
    -------
    int
        The action.
    """
    row = _checked_row(q, s, epsilon, rng, ties)
    explore, pick = rng.random(2)
    if explore < epsilon:
        candidates = range(len(row))  # any action
    elif ties == "random":
        candidates = [action for action, value in enumerate(row) if value == max(row)]
    else:
        candidates = [row.index(max(row))]  # the first greedy action
    return candidates[int(pick * len(candidates))]


def greedy_policy(q: np.ndarray) -> np.ndarray:
    """Return the greedy action of every state, shape (n_states,).

    Ties go to the lowest action, as with ``np.argmax``; this is for reading a policy off
    a table (e.g. Q* from value iteration), while acting uses :func:`epsilon_greedy`.
    """
    check_table(q)
    return np.argmax(q, axis=1)


# The public edge: every argument checked once, before the formulas above.


def _checked(q, s, a, r, s_next, terminated, weights=None):
    """The transitions as 1-D arrays of one length, and whether a single transition was
    given as scalars."""
    check_table(q)
    n_states, n_actions = q.shape
    if all(np.isscalar(x) for x in (s, a, r, s_next, terminated)):  # one transition:
        # checked as Python numbers, cheaper than as arrays
        one = (
            check_index("s", s, n_states),
            check_index("a", a, n_actions),
            check_real("r", r),
            check_index("s_next", s_next, n_states),
            float(check_flag("terminated", terminated)),
            1.0 if weights is None else check_in_range("weights", weights, 0, math.inf),
        )
        _check_finite_rows(q, [one[0], one[3]])
        return (*(np.array([x]) for x in one), True)
    s = as_index_array("s", s, n_states)
    a = as_index_array("a", a, n_actions)
    s_next = as_index_array("s_next", s_next, n_states)
    r = as_real_array("r", r)
    terminated = as_flag_array("terminated", terminated).astype(float)
    w = np.ones(len(s)) if weights is None else as_real_array("weights", weights, low=0.0)
    if w.shape == (1,) and len(s) != 1:
        w = np.repeat(w, len(s))  # one weight for the whole batch
    check_same_length(s=s, a=a, r=r, s_next=s_next, terminated=terminated, weights=w)
    _check_finite_rows(q, np.concatenate([s, s_next]))
    return s, a, r, s_next, terminated, w, False


def _check_finite_rows(q, rows) -> None:
    """The rows an update reads must be finite: a NaN would spread through the table."""
    if not np.isfinite(q[rows]).all():
        bad = next(row for row in np.atleast_1d(rows) if not np.isfinite(q[row]).all())
        raise ValueError(f"q[{bad}] must be finite, got {q[bad]}")


def _checked_row(q, s, epsilon, rng, ties) -> list[float]:
    check_table(q)
    s = check_index("s", s, q.shape[0])
    check_in_range("epsilon", epsilon, 0, 1)
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
    if ties not in ("random", "first"):
        raise ValueError(f"ties must be 'random' or 'first', got {ties!r}")
    row = q[s].tolist()
    if not all(map(math.isfinite, row)):
        raise ValueError(f"q[{s}] must be finite to choose an action, got {row}")
    return row
