"""Self-checks for notebook 02's exercises: a ring buffer, and the loop that learns with it.

:func:`check_ring_buffer` runs the student's buffer class side by side with
:class:`replay_lab.ReplayBuffer` on the same add sequences (contents, size and slot order
after every add), then tests its sampling for uniformity with a chi-square test of fixed
seed, the newest transition included.

:func:`check_replay_loop` runs the student's loop on a small world with a time limit (a
:class:`~replay_lab.envs.ModelEnv` chain) and replays, step by step, what a reference loop
stores and learns from the same random streams; the reference is :func:`replay_lab.train`
exactly (tests/test_exercises_replay.py shows it). The first step where they part is named.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import gymnasium as gym
import numpy as np
from gymnasium.utils import seeding

from replay_lab.buffers import ReplayBuffer
from replay_lab.core import epsilon_greedy, q_update
from replay_lab.envs import ModelEnv
from replay_lab.exercises.verdict import Verdict

__all__ = [
    "LOOP_SETTINGS",
    "chain_world",
    "check_replay_loop",
    "check_ring_buffer",
    "reference_replay_loop",
]

FIELDS = ("states", "actions", "rewards", "next_states", "terminated")


def _failed(student_name: str, error: Exception) -> Verdict:
    if isinstance(error, NotImplementedError):
        return Verdict("not done yet", f"{student_name} still raises NotImplementedError.")
    return Verdict("not right yet", f"{student_name} raised {type(error).__name__}: {error}")


# --- Exercise: the ring buffer ---------------------------------------------------------


def check_ring_buffer(student_class: type, seed: int = 0) -> Verdict:
    """Check a ring buffer class ``student_class(capacity, rng)`` with ``len(buffer)``,
    ``add(s, a, r, s_next, terminated)``, the arrays ``states``, ``actions``, ``rewards``,
    ``next_states``, ``terminated`` (one slot each), and ``sample(batch_size)`` returning
    the slot numbers of a uniform batch drawn with replacement."""
    try:
        verdict = _check_contents(student_class, seed)
        if verdict is None:
            verdict = _check_sampling(student_class, seed)
    except Exception as error:  # any exception of the student's code is a verdict
        return _failed("RingBuffer", error)
    if verdict is not None:
        return verdict
    return Verdict(
        "correct",
        "RingBuffer stores, overwrites and samples like replay_lab.ReplayBuffer "
        "(capacities 1, 3, 5, 8; chi-square test of 4,000 draws, twice).",
    )


def _check_contents(student_class: type, seed: int) -> Verdict | None:
    rng = np.random.default_rng(seed)
    for capacity in (1, 3, 5, 8):
        mine, reference = (
            student_class(capacity, np.random.default_rng(seed)),
            ReplayBuffer(capacity),
        )
        for t in range(3 * capacity + 2):
            # Transition t has state t, so the slots show which transitions they hold.
            transition = (
                t,
                int(rng.integers(4)),
                float(rng.normal()),
                int(rng.integers(50)),
                bool(rng.random() < 0.3),
            )
            mine.add(*transition)
            reference.add(*transition)
            where = f"capacity {capacity}, after adding transitions 0 to {t}"
            if len(mine) != len(reference):
                return Verdict(
                    "not right yet",
                    f"{where}: len(buffer) is {len(mine)}, but the buffer holds {len(reference)} "
                    "(never more than its capacity).",
                )
            for field in FIELDS:
                got = np.asarray(getattr(mine, field))[:capacity].tolist()
                want = getattr(reference, field).tolist()
                if not np.allclose(got, want):
                    states = np.asarray(mine.states)[:capacity].tolist()
                    shown = "" if field == "states" else f", {field} {_short(got)}"
                    wanted = "" if field == "states" else f", {field} {_short(want)}"
                    return Verdict(
                        "not right yet",
                        f"{where} (transition t has state t): the slots hold states {states}"
                        f"{shown}; a ring buffer holds states {reference.states.tolist()}"
                        f"{wanted} (each new transition goes into the next slot; when full, "
                        "over the oldest).",
                    )
    return None


def _short(values: list) -> str:
    return str([round(v, 3) if isinstance(v, float) else v for v in values])


def _check_sampling(student_class: type, seed: int) -> Verdict | None:
    # Two buffers of 5 transitions: one not full yet, one that has wrapped round
    # (its newest transition is in slot 1). 400 batches of 10 = 4,000 draws each.
    for capacity, added in ((8, 5), (5, 12)):
        buffer = student_class(capacity, np.random.default_rng(seed))
        for t in range(added):
            buffer.add(t, 0, 0.0, t + 1, False)
        stored, newest = min(added, capacity), (added - 1) % capacity
        draws = []
        for _ in range(400):
            slots = np.asarray(buffer.sample(10))
            if slots.shape != (10,) or slots.dtype.kind not in "iu":
                return Verdict(
                    "not right yet",
                    f"sample(10) returned {_short(np.ravel(slots).tolist())}: it should "
                    "return 10 slot numbers (integers), one per transition of the batch.",
                )
            draws.append(slots)
        draws = np.concatenate(draws)
        where = f"capacity {capacity} after {added} adds ({stored} stored, newest in slot {newest})"
        outside = draws[(draws < 0) | (draws >= stored)]
        if len(outside):
            return Verdict(
                "not right yet",
                f"{where}: sample drew slot {outside[0]}, which holds no transition "
                f"(only slots 0 to {stored - 1} are filled).",
            )
        counts = np.bincount(draws, minlength=stored)
        if counts[newest] == 0:
            return Verdict(
                "not right yet",
                f"{where}: in {len(draws):,} draws slot {newest}, the newest transition, "
                "was never drawn.",
            )
        p = chi_square_p(counts, len(draws) / stored)
        if p < 1e-3:
            worst = int(np.argmax(np.abs(counts - len(draws) / stored)))
            return Verdict(
                "not right yet",
                f"{where}: in {len(draws):,} draws the slots came up {counts.tolist()} times; "
                f"uniform sampling gives each about {len(draws) // stored} (slot {worst} is "
                f"furthest off; chi-square test p = {p:.1g}).",
            )
    return None


def chi_square_p(counts: np.ndarray, expected: float) -> float:
    """The p-value of Pearson's chi-square test of ``counts`` against the same
    ``expected`` count in every cell, for an odd number of cells (an even number of
    degrees of freedom k, where the survival function is a finite sum:
    :math:`e^{-x/2} \\sum_{i < k/2} (x/2)^i / i!`)."""
    dof = len(counts) - 1
    if dof % 2:
        raise ValueError(f"counts must have an odd number of cells, got {len(counts)}")
    half = float(np.sum((counts - expected) ** 2) / expected) / 2
    return math.exp(-half) * sum(half**i / math.factorial(i) for i in range(dof // 2))


# --- Exercise: the replay loop -----------------------------------------------------------

# What the loop check runs with (the notebook states them).
LOOP_SETTINGS = dict(steps=300, alpha=0.5, gamma=0.9, epsilon=0.3, batch_size=4)


def chain_world(time_limit: int = 6) -> gym.Env:
    """A corridor of 5 states: start in 0, "right" moves on with probability 0.8 (else
    back), "left" moves back; reaching state 4 terminates with reward 1. A time limit of
    ``time_limit`` steps truncates the episodes that take longer."""
    n = 5
    P = {}
    for s in range(n):
        back, on = max(s - 1, 0), min(s + 1, n - 1)
        if s == n - 1:  # the goal: never acted in
            P[s] = {a: [(1.0, s, 0.0, True)] for a in range(2)}
            continue
        P[s] = {
            0: [(0.8, back, 0.0, False), (0.2, on, float(on == n - 1), on == n - 1)],
            1: [(0.8, on, float(on == n - 1), on == n - 1), (0.2, back, 0.0, False)],
        }
    start = np.eye(n)[0]
    return gym.wrappers.TimeLimit(ModelEnv(P, start), max_episode_steps=time_limit)


def reference_replay_loop(
    env: gym.Env,
    q: np.ndarray,
    buffer: ReplayBuffer,
    rng: np.random.Generator,
    *,
    steps: int,
    alpha: float,
    gamma: float,
    epsilon: float,
    batch_size: int,
) -> np.ndarray:
    """The loop the exercise asks for; returns the flags ``truncated`` of every step (the
    check uses them to explain a difference)."""
    truncations = np.zeros(steps, dtype=bool)
    s, _ = env.reset()
    for step in range(steps):
        a = epsilon_greedy(q, s, epsilon, rng)
        s_next, r, terminated, truncated, _ = env.step(a)
        buffer.add(s, a, r, s_next, terminated)  # a truncation still bootstraps
        if len(buffer) >= batch_size:
            batch = buffer.sample(batch_size)
            q_update(
                q,
                batch.states,
                batch.actions,
                batch.rewards,
                batch.next_states,
                batch.terminated,
                alpha,
                gamma,
            )
        truncations[step] = truncated and not terminated
        s = s_next
        if terminated or truncated:
            s, _ = env.reset()
    return truncations


class _WatchedBuffer(ReplayBuffer):
    """A ReplayBuffer that keeps a copy of Q at every add: how Q stood before each step."""

    def __init__(self, capacity: int, seed, q: np.ndarray):
        super().__init__(capacity, seed=seed)
        self.q, self.q_before = q, []

    def add(self, s: int, a: int, r: float, s_next: int, terminated: bool) -> int:
        self.q_before.append(self.q.copy())
        return super().add(s, a, r, s_next, terminated)


def loop_streams(env: gym.Env, q: np.ndarray, seed: int):
    """The env, policy Generator and buffer of one check run, seeded as
    :func:`replay_lab.train` seeds them (its first reset reseeds the env the same way)."""
    policy_stream, env_stream, buffer_stream = np.random.SeedSequence(seed).spawn(3)
    env.unwrapped.np_random = seeding.np_random(int(env_stream.generate_state(1)[0]))[0]
    buffer = _WatchedBuffer(LOOP_SETTINGS["steps"], buffer_stream, q)
    return np.random.default_rng(policy_stream), buffer


def check_replay_loop(student: Callable, seeds: tuple[int, ...] = (0, 1, 2)) -> Verdict:
    """Check ``student(env, q, buffer, rng, *, steps, alpha, gamma, epsilon, batch_size)``:
    reset, then ``steps`` environment steps, each choosing with
    ``replay_lab.epsilon_greedy(q, s, epsilon, rng)``, storing the transition (``terminated``
    only: a truncation bootstraps), and, once the buffer holds ``batch_size`` transitions,
    learning from one ``buffer.sample(batch_size)`` with ``replay_lab.q_update``; reset
    after ``terminated`` or ``truncated``. Compared, step by step, with the reference."""
    for seed in seeds:
        env, q = chain_world(), np.zeros((5, 2))
        rng, buffer = loop_streams(env, q, seed)
        try:
            student(env, q, buffer, rng, **LOOP_SETTINGS)
        except Exception as error:
            return _failed("replay_loop", error)
        ref_env, ref_q = chain_world(), np.zeros((5, 2))
        ref_rng, ref_buffer = loop_streams(ref_env, ref_q, seed)
        truncations = reference_replay_loop(ref_env, ref_q, ref_buffer, ref_rng, **LOOP_SETTINGS)
        verdict = _first_difference(buffer, ref_buffer, truncations, q, ref_q, seed)
        if verdict is not None:
            return verdict
    return Verdict(
        "correct",
        f"replay_loop stores and learns exactly as the reference on {len(seeds)} seeds "
        f"({LOOP_SETTINGS['steps']} steps each, with terminations and time-limit truncations).",
    )


def _first_difference(buffer, ref, truncations, q, ref_q, seed) -> Verdict | None:
    steps = LOOP_SETTINGS["steps"]
    where = f"seed {seed}"
    if buffer.added != steps:
        return Verdict(
            "not right yet",
            f"{where}: {buffer.added} transitions were stored in {steps} steps; "
            "store every transition, one per environment step.",
        )
    for t in range(steps):
        if not np.allclose(buffer.q_before[t], ref.q_before[t]):
            return Verdict(
                "not right yet",
                f"{where}: the first {t} transitions stored are right, but Q before step {t} "
                "differs from the reference's; check the update (one batch per step, once the "
                "buffer holds batch_size transitions; alpha applied once, by q_update).",
            )
        mine = tuple(getattr(buffer, f)[t].item() for f in FIELDS)
        want = tuple(getattr(ref, f)[t].item() for f in FIELDS)
        if mine == want:
            continue
        if truncations[t] and mine[:4] == want[:4]:
            return Verdict(
                "not right yet",
                f"{where}, step {t}: the time limit cut the episode (truncated) and the "
                "transition was stored with terminated=True; a truncation is not an end of "
                "the task, so store terminated=False and let its target bootstrap.",
            )
        ended = np.flatnonzero(truncations[:t] | ref.terminated[:t])
        if len(ended) and ended[-1] == t - 1:
            how = "truncated by the time limit" if truncations[t - 1] else "terminated"
            return Verdict(
                "not right yet",
                f"{where}, step {t}: the episode was {how} at step {t - 1}, so the env "
                f"must be reset before step {t}; from there the stored transitions differ "
                f"(stored {mine}, the reference {want}). Reset after terminated or truncated.",
            )
        return Verdict(
            "not right yet",
            f"{where}, step {t}: stored (s, a, r, s_next, terminated) = {mine}, the reference "
            f"stores {want}; choose with rl.epsilon_greedy(q, s, epsilon, rng) once per step "
            "and store the transition as env.step returned it.",
        )
    if not np.allclose(q, ref_q):
        return Verdict(
            "not right yet",
            f"{where}: every transition is stored right, but the final Q differs from the "
            "reference's; check the update of the last step.",
        )
    return None
