r"""SARSA, Q-learning's on-policy twin: its update and its training loop.

Q-learning's target takes the best next action, :math:`\max_{a'} Q(s', a')`, whatever the
agent will really do. SARSA first chooses the next action :math:`a'` (epsilon-greedy, as
it will act) and takes that one:

.. math::

    Q(s, a) \leftarrow Q(s, a) + \alpha \left[ r + \gamma \, (1 - \text{terminated}) \,
    Q(s', a') - Q(s, a) \right].

So SARSA learns the value of the policy it follows, exploration included (Sutton & Barto,
section 6.4). Its name is the transition it learns from: :math:`(s, a, r, s', a')`. As in
Q-learning a terminated transition does not bootstrap and a truncated one does. SARSA
learns online only: a replayed transition's :math:`a'` was chosen by an older policy.
"""

from __future__ import annotations

import gymnasium as gym
import numpy as np

from replay_lab._checks import check_flag, check_in_range, check_index, check_real, check_table
from replay_lab.core import epsilon_greedy
from replay_lab.recorder import Recorder
from replay_lab.schedules import Schedule

__all__ = ["sarsa", "sarsa_update"]


def sarsa_update(
    q: np.ndarray,
    s: int,
    a: int,
    r: float,
    s_next: int,
    a_next: int,
    terminated: bool,
    alpha: float,
    gamma: float,
) -> float:
    """Apply SARSA's update to ``q[s, a]`` in place and return the TD error.

    ``a_next`` is the action the agent will take in ``s_next``; with ``terminated`` (the
    episode really ended) the target is just ``r``. Pass ``terminated=False`` for a
    time-limit truncation: ``s_next`` still has a future.
    """
    check_table(q)
    n_states, n_actions = q.shape
    s, s_next = check_index("s", s, n_states), check_index("s_next", s_next, n_states)
    a, a_next = check_index("a", a, n_actions), check_index("a_next", a_next, n_actions)
    r, terminated = check_real("r", r), check_flag("terminated", terminated)
    alpha = check_in_range("alpha", alpha, 0, 1, low_open=True)
    gamma = check_in_range("gamma", gamma, 0, 1)

    target = r + gamma * (1 - terminated) * q[s_next, a_next]
    delta = target - q[s, a]
    q[s, a] += alpha * delta
    return float(delta)


def sarsa(
    env: gym.Env,
    q: np.ndarray,
    rng: np.random.Generator,
    recorder: Recorder,
    *,
    alpha: float,
    gamma: float,
    epsilon: Schedule,
    ties: str = "random",
    max_steps: int | None = None,
    env_seed: int | None = None,
) -> None:
    """Tabular SARSA with epsilon-greedy exploration; ``q`` is updated in place.

    The loop of :func:`~replay_lab.agents.q_learning`, online, with one change: the next
    action is chosen *before* the update, and the update uses it.
    """
    step = 0  # environment steps so far: what the schedule is called with
    while not recorder.finished:
        s, _ = env.reset(seed=env_seed)
        env_seed = None  # seed the first episode only; the env's own stream goes on
        a = epsilon_greedy(q, s, epsilon(step), rng, ties)
        done = False
        while not done:
            s_next, r, terminated, truncated, _ = env.step(a)
            recorder.stepped(r)
            # A time limit (the env's own, max_steps, or the step budget) only truncates:
            # s_next still has a future, so it is not stored as terminal.
            truncated = truncated or recorder.episode_length == max_steps or recorder.out_of_steps
            # Chosen even at the end of an episode: a truncated target needs it, and a
            # terminated one multiplies it by 0.
            a_next = epsilon_greedy(q, s_next, epsilon(step + 1), rng, ties)
            sarsa_update(q, s, a, r, s_next, a_next, terminated, alpha, gamma)
            recorder.updated(1)
            s, a, step = s_next, a_next, step + 1
            done = terminated or truncated
        recorder.episode_ended(q)
