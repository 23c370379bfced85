r"""Ground truth for tabular environments: value iteration, exact policy evaluation, Q-error.

Gymnasium's toy-text environments (``FrozenLake-v1``, ``CliffWalking-v1``, ``Taxi-v4``) and
our :class:`~replay_lab.envs.BlindCliffwalk` publish their dynamics as
``env.unwrapped.P[s][a] = [(probability, next_state, reward, terminated), ...]`` and their
start distribution as ``env.unwrapped.initial_state_distrib``. From that model we compute
the optimal action values

.. math::

    Q^*(s, a) = \sum_{s'} p(s' \mid s, a) \left[ r + \gamma\, (1 - \text{terminated})
                \max_{a'} Q^*(s', a') \right]

which every learning curve in the lab is measured against.

Facts about the gymnasium versions we target (1.x): FrozenLake-v1 has a 100-step time limit
and actions 0 left, 1 down, 2 right, 3 up; CliffWalking-v1 has *no* time limit, actions
0 up, 1 right, 2 down, 3 left, and stepping into the cliff costs -100 and puts the agent back
at the start without ending the episode; Taxi-v4 replaces Taxi-v3.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from replay_lab._checks import check_in_range, check_positive_int

__all__ = [
    "TabularModel",
    "policy_evaluation",
    "q_error",
    "reachable_states",
    "start_value",
    "tabular_model",
    "value_iteration",
]


@dataclass(frozen=True)
class TabularModel:
    """An environment's dynamics as flat arrays, one entry per possible outcome.

    Outcome ``k`` of taking action ``a`` in state ``s`` has ``pair[k] = s * n_actions + a``
    and happens with probability ``probability[k]``, leading to ``next_state[k]`` with
    ``reward[k]``; ``terminated[k]`` says whether the episode ends there.
    """

    n_states: int
    n_actions: int
    pair: np.ndarray
    probability: np.ndarray
    next_state: np.ndarray
    reward: np.ndarray
    terminated: np.ndarray
    initial: np.ndarray | None  # the start distribution (None for a bare P)

    def expected_reward(self) -> np.ndarray:
        """Return r(s, a), the expected immediate reward, shape (n_states, n_actions)."""
        flat = np.bincount(
            self.pair, self.probability * self.reward, minlength=self.n_states * self.n_actions
        )
        return flat.reshape(self.n_states, self.n_actions)

    def backup(self, values: np.ndarray, gamma: float) -> np.ndarray:
        r"""Return :math:`r(s,a) + \gamma \sum_{s'} p(s' \mid s,a)(1-\text{term}) V(s')`."""
        going_on = np.where(self.terminated, 0.0, self.probability * values[self.next_state])
        future = np.bincount(self.pair, going_on, minlength=self.n_states * self.n_actions)
        return self.expected_reward() + gamma * future.reshape(self.n_states, self.n_actions)


def tabular_model(env) -> TabularModel:
    """Read the model of a tabular environment: an env with ``unwrapped.P`` (gymnasium's
    toy-text layout), or the raw mapping ``P[s][a] = [(probability, next_state, reward,
    terminated), ...]`` itself.

    A :class:`TabularModel` passes through unchanged, so every function here accepts any of
    the three. A malformed model (missing states or actions, probabilities that are not a
    distribution, next states out of range, rewards that are not finite) is rejected.
    """
    if isinstance(env, TabularModel):
        return env
    if isinstance(env, Mapping):
        P, initial = env, None
    else:
        base = getattr(env, "unwrapped", env)
        if not hasattr(base, "P"):
            raise TypeError(
                f"env must publish its dynamics as env.unwrapped.P (or be that mapping), "
                f"got {type(env).__name__}"
            )
        P, initial = base.P, getattr(base, "initial_state_distrib", None)
    n_states, n_actions = _checked_shape(P)
    outcomes = [
        (s * n_actions + a, p, s_next, r, done)
        for s in range(n_states)
        for a in range(n_actions)
        for p, s_next, r, done in P[s][a]
    ]
    pair, probability, next_state, reward, terminated = (
        np.array(c) for c in zip(*outcomes, strict=True)
    )
    model = TabularModel(
        n_states,
        n_actions,
        pair.astype(np.int64),
        probability.astype(np.float64),
        next_state.astype(np.int64),
        reward.astype(np.float64),
        terminated.astype(bool),
        None if initial is None else np.asarray(initial, dtype=np.float64),
    )
    _check_model(model)
    return model


def _checked_shape(P) -> tuple[int, int]:
    if not isinstance(P, Mapping | Sequence) or len(P) == 0:
        raise TypeError("P must map every state 0..n-1 to its actions")
    n_states = len(P)
    if set(range(n_states)) != set(P.keys() if isinstance(P, Mapping) else range(n_states)):
        raise ValueError(f"P must have the states 0..{n_states - 1}, got {sorted(P)[:5]}...")
    n_actions = len(P[0])
    for s in range(n_states):
        actions = P[s].keys() if isinstance(P[s], Mapping) else range(len(P[s]))
        if set(actions) != set(range(n_actions)):
            raise ValueError(
                f"P[{s}] must have the actions 0..{n_actions - 1} (as P[0] has), got "
                f"{sorted(actions)}"
            )
        for a in range(n_actions):
            if not P[s][a] or any(len(outcome) != 4 for outcome in P[s][a]):
                raise ValueError(
                    f"P[{s}][{a}] must be a non-empty list of (probability, next_state, "
                    "reward, terminated)"
                )
    return n_states, n_actions


def _check_model(model: TabularModel) -> None:
    if (model.probability < 0).any() or (model.probability > 1).any():
        raise ValueError("P's probabilities must be in [0, 1]")
    totals = np.bincount(model.pair, model.probability, minlength=model.n_states * model.n_actions)
    wrong = np.flatnonzero(np.abs(totals - 1) > 1e-9)
    if len(wrong):
        s, a = divmod(int(wrong[0]), model.n_actions)
        raise ValueError(f"P[{s}][{a}]'s probabilities must sum to 1, got {totals[wrong[0]]}")
    if model.next_state.min() < 0 or model.next_state.max() >= model.n_states:
        raise ValueError(f"P's next states must be in [0, {model.n_states - 1}]")
    if not np.isfinite(model.reward).all():
        raise ValueError("P's rewards must be finite")
    if model.initial is not None and (
        model.initial.shape != (model.n_states,) or abs(model.initial.sum() - 1) > 1e-9
    ):
        raise ValueError("initial_state_distrib must be a distribution over the states")


def value_iteration(
    env, gamma: float, tol: float = 1e-10, max_iterations: int = 1_000_000
) -> np.ndarray:
    """Compute Q* by repeated Bellman optimality backups.

    Parameters
    ----------
    env : gymnasium Env with ``unwrapped.P``, or a TabularModel
    gamma : float in [0, 1]
        Discount factor. With gamma = 1 the backups converge when every policy that matters
        ends the episode (true for FrozenLake, CliffWalking and Taxi).
    tol : float
        Stop when no entry of Q changes by more than ``tol`` in one sweep.
    max_iterations : int
        Raise RuntimeError if not converged by then.

    Returns
    -------
    ndarray of shape (n_states, n_actions)
        Q*. Rows of states where the agent never acts (terminal states) hold whatever
        the model says; :func:`q_error` leaves them out.
    """
    gamma = check_in_range("gamma", gamma, 0, 1)
    check_in_range("tol", tol, 0, np.inf, low_open=True)
    model = tabular_model(env)
    q = np.zeros((model.n_states, model.n_actions))
    for _ in range(check_positive_int("max_iterations", max_iterations)):
        q_next = model.backup(q.max(axis=1), gamma)
        if np.max(np.abs(q_next - q)) <= tol:
            return q_next
        q = q_next
    raise RuntimeError(f"value iteration did not converge in {max_iterations} sweeps")


def policy_evaluation(env, policy: np.ndarray, gamma: float) -> np.ndarray:
    r"""Return the exact state values of a deterministic policy, shape (n_states,).

    Solves :math:`V = r_\pi + \gamma P_\pi V` as a linear system: no sampling noise, no
    step cap needed. ``gamma`` must be below 1 so the system has a unique solution even
    for a policy that never ends the episode.
    """
    gamma = check_in_range("gamma", gamma, 0, 1, high_open=True)
    model = tabular_model(env)
    policy = _checked_policy(model, policy)
    state = model.pair // model.n_actions
    chosen = policy[state] == model.pair % model.n_actions
    going_on = chosen & ~model.terminated
    transition = np.zeros((model.n_states, model.n_states))
    np.add.at(
        transition, (state[going_on], model.next_state[going_on]), model.probability[going_on]
    )
    reward = model.expected_reward()[np.arange(model.n_states), policy]
    return np.linalg.solve(np.eye(model.n_states) - gamma * transition, reward)


def success_probability(env, policy: np.ndarray, horizon: int | None = None) -> np.ndarray:
    r"""Return, for every state, the exact probability that ``policy`` reaches a goal:
    an outcome that terminates the episode with a positive reward (FrozenLake's goal).

    With ``horizon`` (e.g. FrozenLake's time limit of 100 steps) the goal must be reached
    within that many steps: :math:`p_0 = 0` and, step by step,
    :math:`p_k(s) = \sum_{s'} p(s' \mid s, \pi(s)) \,[\text{goal} + (1 - \text{term})\,
    p_{k-1}(s')]`. Without it the episode never times out, and :math:`p` solves the
    absorbing-chain system :math:`p = b + P_\pi p` (``b``: the probability of stepping into
    the goal), on the states from which the goal can be reached at all (0 elsewhere).
    """
    model = tabular_model(env)
    policy = _checked_policy(model, policy)
    state = model.pair // model.n_actions
    chosen = (policy[state] == model.pair % model.n_actions) & (model.probability > 0)
    goal = chosen & model.terminated & (model.reward > 0)
    going_on = chosen & ~model.terminated
    into_goal = np.bincount(state[goal], model.probability[goal], minlength=model.n_states)
    transition = np.zeros((model.n_states, model.n_states))
    np.add.at(
        transition, (state[going_on], model.next_state[going_on]), model.probability[going_on]
    )
    if horizon is not None:
        p = np.zeros(model.n_states)
        for _ in range(check_positive_int("horizon", horizon)):
            p = into_goal + transition @ p
        return p
    # The states that can reach the goal: grown backwards from the ones that step into it.
    hopeful = into_goal > 0
    while True:
        grown = hopeful | (transition[:, hopeful].sum(axis=1) > 0)
        if (grown == hopeful).all():
            break
        hopeful = grown
    p = np.zeros(model.n_states)
    inner = transition[np.ix_(hopeful, hopeful)]
    p[hopeful] = np.linalg.solve(np.eye(hopeful.sum()) - inner, into_goal[hopeful])
    return p


def greedy_path(env, q: np.ndarray, max_steps: int = 100) -> list[int]:
    """Return the states the greedy policy of ``q`` visits from the start of a
    deterministic world (CliffWalking), start and last state included: until the episode
    terminates, or ``max_steps`` steps (a greedy policy can walk in circles)."""
    model = tabular_model(env)
    policy = np.argmax(np.asarray(q), axis=1)  # ties to the lowest action, as greedy_policy
    starts = np.flatnonzero(_initial(model) > 0)
    if len(starts) != 1 or np.bincount(model.pair).max() != 1:
        raise ValueError("greedy_path needs a deterministic world with one start state")
    outcome = np.empty(model.n_states * model.n_actions, dtype=np.int64)
    outcome[model.pair] = np.arange(len(model.pair))  # the one outcome of each pair
    path = [int(starts[0])]
    for _ in range(check_positive_int("max_steps", max_steps)):
        k = outcome[path[-1] * model.n_actions + policy[path[-1]]]
        path.append(int(model.next_state[k]))
        if model.terminated[k]:
            break
    return path


def start_value(env, values: np.ndarray) -> float:
    """Return the expected value of the start state, ``sum_s initial(s) * values[s]``."""
    return float(_initial(tabular_model(env)) @ np.asarray(values))


def _checked_policy(model: TabularModel, policy) -> np.ndarray:
    """``policy`` as an array of one integer action per state, or a ValueError."""
    policy = np.asarray(policy)
    if policy.shape != (model.n_states,) or policy.dtype.kind not in "iu":
        raise ValueError(f"policy must be {model.n_states} integer actions, got {policy.shape}")
    if policy.min() < 0 or policy.max() >= model.n_actions:
        raise ValueError(f"policy actions must be in [0, {model.n_actions - 1}]")
    return policy


def _initial(model: TabularModel) -> np.ndarray:
    if model.initial is None:
        raise ValueError("this needs the start distribution: pass the env, not its bare P")
    return model.initial


def reachable_states(env) -> np.ndarray:
    """Return a boolean mask of the states in which the agent can ever have to act.

    These are the states reachable from the start distribution by some sequence of
    actions *without the episode ending*. Terminal states (holes, the goal) and states the
    dynamics never lead to (CliffWalking's cliff cells) are excluded: Q-learning never
    updates their rows, so they would only add a constant to the error.
    """
    model = tabular_model(env)
    source = model.pair // model.n_actions
    edge = (model.probability > 0) & ~model.terminated
    source, target = source[edge], model.next_state[edge]
    reached = _initial(model) > 0
    while True:
        grown = reached.copy()
        grown[target[reached[source]]] = True
        if (grown == reached).all():
            return reached
        reached = grown


def q_error(q: np.ndarray, q_star: np.ndarray, states: np.ndarray | None = None) -> float:
    r"""Root-mean-square error of a Q-table against Q*, over all actions of ``states``.

    .. math::

        \text{error} = \sqrt{\frac{1}{|S'|\,|A|} \sum_{s \in S'} \sum_a (Q(s,a) - Q^*(s,a))^2}

    Parameters
    ----------
    q, q_star : ndarray of shape (n_states, n_actions)
    states : boolean mask of shape (n_states,), optional
        The states S' to compare, usually :func:`reachable_states` (what the agent can
        learn about). Default: all states.
    """
    q, q_star = np.asarray(q), np.asarray(q_star)
    if q.shape != q_star.shape or q.ndim != 2:
        raise ValueError(f"q and q_star must have one 2-D shape, got {q.shape} and {q_star.shape}")
    if states is not None:
        states = np.asarray(states)
        if states.shape != (q.shape[0],) or states.dtype != bool or not states.any():
            raise ValueError(f"states must be a non-empty boolean mask of shape ({q.shape[0]},)")
        q, q_star = q[states], q_star[states]
    error = float(np.sqrt(np.mean((q - q_star) ** 2)))
    if not np.isfinite(error):
        raise ValueError("q and q_star must be finite where they are compared")
    return error
