"""The lottery: one choice, a sure reward or a ticket with a rare prize (a stochastic world).

The smallest world where prioritized replay's bias shows. The ticket's replayed transitions
have two outcomes, a rare prize and, mostly, nothing. Near the right value the prize's TD
error is large and the blanks' small, so prioritized sampling replays the prize far more
often than it happened, and without the importance-sampling correction Q of the ticket
settles above its true value. Every episode is one step, so the targets are the rewards
themselves: the error is the sampling's alone, not bootstrapping's.
"""

from __future__ import annotations

from replay_lab._checks import check_in_range, check_real
from replay_lab.envs.model_env import ModelEnv

__all__ = ["SURE", "TICKET", "make_lottery"]

SURE, TICKET = 0, 1  # the two actions


def make_lottery(sure: float = 1.0, prize: float = 8.0, chance: float = 0.1) -> ModelEnv:
    """A :class:`ModelEnv` with one state and two actions, each ending the episode:
    ``SURE`` pays ``sure``; ``TICKET`` pays ``prize`` with probability ``chance`` and 0
    otherwise. Q* is ``(sure, chance * prize)``; state 1 is the terminal state.
    """
    sure, prize = check_real("sure", sure), check_real("prize", prize)
    chance = check_in_range("chance", chance, 0, 1, low_open=True, high_open=True)
    end = [(1.0, 1, 0.0, True)]
    ticket = [(1 - chance, 1, 0.0, True), (chance, 1, prize, True)]
    P = {
        0: {SURE: [(1.0, 1, sure, True)], TICKET: ticket},
        1: {SURE: end, TICKET: end},  # terminal: never left, never learned
    }
    return ModelEnv(P, [1.0, 0.0])
