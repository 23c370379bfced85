"""The Blind Cliffwalk of Schaul et al., "Prioritized Experience Replay" (ICLR 2016)."""

from __future__ import annotations

from typing import ClassVar

import gymnasium as gym
import numpy as np

from replay_lab._checks import check_index, check_positive_int

__all__ = ["BlindCliffwalk"]


class BlindCliffwalk(gym.Env):
    """A chain of ``n_states`` states where one wrong step ends the episode.

    ## Description
    The example the prioritized-replay paper uses to show that the *order* of replayed
    transitions matters (Schaul et al. 2016, Section 3.1 and Appendix B.1, arXiv:1511.05952).
    The agent walks along a chain of states. In each state one of the two actions is "right"
    and moves it one state along; the other is "wrong" and ends the episode, like walking off
    a cliff. Only the right action in the last state is rewarded. An agent acting at random
    reaches the reward once in ``2**n_states`` episodes: the rewarding transition is rare.

    "Blind" means nothing in the observation tells which action is right: the right action
    of each state is drawn at random (seeded), so no rule like "always action 0" exists.
    The paper does not say how it chose the right actions; for tabular learning the choice
    makes no difference, as each state's two actions are learned independently.

    ## Action Space
    `Discrete(2)`: the two actions; ``right_actions[s]`` is the right one in state ``s``.

    ## Observation Space
    `Discrete(n_states)`: the index of the current state, 0 to ``n_states - 1``.

    ## Starting State
    Every episode starts in state 0.

    ## Reward
    1 for the right action in the last state, ``n_states - 1``; 0 for every other step.

    ## Episode End
    The episode terminates when the agent takes the wrong action (reward 0) or the right
    action in the last state (reward 1). There is no time limit: an episode lasts at most
    ``n_states`` steps.

    The dynamics are published as ``P[s][a] = [(probability, next_state, reward,
    terminated)]`` like gymnasium's toy-text environments, so
    :func:`~replay_lab.envs.value_iteration` gives the exact Q*. A terminating transition
    names its own state as next state; nothing bootstraps from it.

    ## Arguments
    n_states : int
        The length of the chain, at least 1.
    seed : int, optional
        Seeds the choice of the right actions (and nothing else: the dynamics are
        deterministic).

    ## References
    T. Schaul, J. Quan, I. Antonoglou and D. Silver, "Prioritized Experience Replay",
    ICLR 2016, https://arxiv.org/abs/1511.05952.
    """

    metadata: ClassVar[dict] = {"render_modes": []}

    def __init__(self, n_states: int, seed: int | None = None):
        self.n_states = check_positive_int("n_states", n_states)
        self.right_actions = np.random.default_rng(seed).integers(2, size=self.n_states)
        self.observation_space = gym.spaces.Discrete(self.n_states)
        self.action_space = gym.spaces.Discrete(2)
        self.initial_state_distrib = np.zeros(self.n_states)
        self.initial_state_distrib[0] = 1.0
        self.P = {s: {a: [self._outcome(s, a)] for a in (0, 1)} for s in range(self.n_states)}
        self._state: int | None = None

    def _outcome(self, s: int, a: int) -> tuple[float, int, float, bool]:
        if a != self.right_actions[s]:
            return (1.0, s, 0.0, True)  # walked off the cliff
        if s == self.n_states - 1:
            return (1.0, s, 1.0, True)  # the goal
        return (1.0, s + 1, 0.0, False)

    def reset(self, *, seed: int | None = None, options: dict | None = None) -> tuple[int, dict]:
        super().reset(seed=seed)
        self._state = 0
        return 0, {}

    def step(self, action: int) -> tuple[int, float, bool, bool, dict]:
        if self._state is None:
            raise RuntimeError("call reset() before step(), and again after the episode ends")
        action = check_index("action", action, 2)
        _, next_state, reward, terminated = self._outcome(self._state, action)
        self._state = None if terminated else next_state
        return next_state, reward, terminated, False, {}
