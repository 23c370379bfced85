"""Self-check for lesson 05: the semi-gradient Q-learning update of a linear $\\hat q$."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from replay_lab.approx.linear import semi_gradient_update
from replay_lab.exercises.verdict import Verdict

__all__ = ["check_linear_q_update"]

N_ACTIONS, N_FEATURES, N_TILINGS = 3, 40, 4


def _cases(seed: int):
    """(what the case is, its arguments) in the order a student's mistakes show up."""
    rng = np.random.default_rng(seed)

    def case(terminated: bool, target_differs: bool, overlap: bool):
        weights = rng.normal(size=(N_ACTIONS, N_FEATURES))
        target = weights + rng.normal(size=weights.shape) if target_differs else weights.copy()
        tiles = rng.choice(N_FEATURES, N_TILINGS, replace=False)
        next_tiles = tiles.copy() if overlap else rng.choice(N_FEATURES, N_TILINGS, replace=False)
        if overlap:
            next_tiles[: N_TILINGS // 2] = rng.choice(N_FEATURES, N_TILINGS // 2)
        action, reward = int(rng.integers(N_ACTIONS)), float(rng.normal())
        alpha, gamma = float(rng.uniform(0.1, 1)), float(rng.uniform(0.5, 1))
        return (weights, tiles, action, reward, next_tiles, terminated, alpha, gamma, target)

    groups = [
        ("a transition that is not terminal, with w_target equal to w", False, False, False),
        ("a terminated transition (its target must not bootstrap)", True, False, False),
        ("w_target different from w (the target must use w_target)", False, True, False),
        ("a next state that shares tiles with the state", False, False, True),
    ]
    for words, terminated, target_differs, overlap in groups:
        for _ in range(25):
            yield words, case(terminated, target_differs, overlap)


def check_linear_q_update(student: Callable, seed: int = 0) -> Verdict:
    """Check ``student(w, tiles, action, reward, next_tiles, terminated, alpha, gamma,
    w_target) -> delta``, which must update ``w`` in place by the semi-gradient rule for
    one transition (alpha divided by the number of tilings) and return the TD error."""
    for words, (w, tiles, action, reward, next_tiles, terminated, alpha, gamma, target) in _cases(
        seed
    ):
        mine, theirs = w.copy(), w.copy()
        want = semi_gradient_update(
            mine, tiles[None], [action], [reward], next_tiles[None], [terminated], alpha, gamma,
            target.copy(),
        )[0]  # fmt: skip
        try:
            got = student(theirs, tiles.copy(), action, reward, next_tiles.copy(), terminated,
                          alpha, gamma, target.copy())  # fmt: skip
        except NotImplementedError:
            return Verdict("not done yet", "linear_q_update still raises NotImplementedError.")
        if got is None or not np.isclose(float(np.asarray(got).reshape(-1)[0]), want):
            return Verdict(
                "not right yet",
                f"on {words}, linear_q_update returned delta = {got}, expected {want:.6g}.",
            )
        if not np.allclose(theirs, mine):
            a, f = np.unravel_index(np.abs(theirs - mine).argmax(), mine.shape)
            if f in next_tiles and f not in tiles:
                hint = (" The target is treated as a constant (semi-gradient): the weights of"
                        " the next state's tiles must not move.")  # fmt: skip
            elif f not in tiles or a != action:
                hint = " Only the weights of the action taken, at the state's tiles, change."
            else:
                hint = " Each active weight moves by alpha / n_tilings * delta."
            return Verdict(
                "not right yet",
                f"on {words}, the TD error is right but w is not: weight w[{a}, {f}] became "
                f"{theirs[a, f]:.6g}, expected {mine[a, f]:.6g}.{hint}",
            )
    return Verdict("correct", "linear_q_update agrees with the semi-gradient rule on 100 cases.")
