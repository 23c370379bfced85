"""The lockstep engine against one seed at a time. Run: python benchmarks/bench_lockstep.py

One run, side by side, on FrozenLake-v1 and CliffWalking-v1 (max_steps 500), capacity
10,000:

- online: time per seed-step of a plain-Python-lists loop, the readable ``train`` and the
  engine with 20 and 100 seeds, each against gymnasium's own ``env.step`` (random actions);
- uniform replay, batch 32: transition updates per second of the same four;
- the engine's proportional prioritized replay against its uniform replay (time ratio);
- the 16-seed, 2,000-step CliffWalking uniform batch-8 experiment of a slider panel, and
  lesson 03's proportional one with 16 seeds and with 1;
- the memory of 100 seeds x capacity 100,000 (uniform and proportional).

Times are medians of ``--repeat`` runs (the machine is shared: a median is the honest
middle, and each ratio compares numbers measured in the same run).
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
import tracemalloc

import gymnasium as gym
import numpy as np

from replay_lab import train
from replay_lab.envs import value_iteration
from replay_lab.lockstep import train_lockstep

ENVS = {"FrozenLake-v1": dict(gamma=0.99), "CliffWalking-v1": dict(gamma=1.0, max_steps=500)}
COMMON = dict(alpha=0.5, epsilon=0.1, capacity=10_000)


def median_seconds(function, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def env_step_seconds(env_id: str, steps: int, repeat: int) -> float:
    env = gym.make(env_id)
    env.reset(seed=0)
    actions = np.random.default_rng(0).integers(env.action_space.n, size=steps).tolist()

    def run():
        for a in actions:
            _, _, terminated, truncated, _ = env.step(a)
            if terminated or truncated:
                env.reset()

    return median_seconds(run, repeat) / steps


def plain_python(env_id: str, steps: int, batch_size: int | None, gamma: float, **options):
    """Q-learning with Python lists and the random module: no numpy, no checks. Returns
    the number of transition updates made."""
    env = gym.make(env_id)
    P, limit = (
        env.unwrapped.P,
        min(env.spec.max_episode_steps or 10**9, options.get("max_steps", 10**9)),
    )
    n_actions = env.action_space.n
    start = int(np.argmax(env.unwrapped.initial_state_distrib))  # one start state in both
    rng = random.Random(0)
    q = [[0.0] * n_actions for _ in range(env.observation_space.n)]
    memory, capacity, updates = [], COMMON["capacity"], 0
    alpha, epsilon = COMMON["alpha"], COMMON["epsilon"]

    def update(s, a, r, s_next, terminated):
        target = r + gamma * (1 - terminated) * max(q[s_next])
        q[s][a] += alpha * (target - q[s][a])

    s, length = start, 0
    for step in range(steps):
        row = q[s]
        if rng.random() < epsilon:
            a = rng.randrange(n_actions)
        else:
            best = max(row)
            a = rng.choice([i for i, v in enumerate(row) if v == best])
        u, total = rng.random(), 0.0
        for probability, s_next, r, terminated in P[s][a]:  # noqa: B007 (used after the loop)
            total += probability
            if u < total:
                break
        length += 1
        if batch_size is None:
            update(s, a, r, s_next, terminated)
            updates += 1
        else:
            if len(memory) < capacity:
                memory.append((s, a, r, s_next, terminated))
            else:
                memory[step % capacity] = (s, a, r, s_next, terminated)
            if len(memory) >= batch_size:
                for _ in range(batch_size):
                    update(*memory[int(rng.random() * len(memory))])
                updates += batch_size
        s = s_next
        if terminated or length == limit:
            s, length = start, 0
    return updates


def timed(label: str, run, seed_steps: int, updates: float, step_time: float, repeat: int):
    """Print and return the median seconds of ``run``, per seed-step and per update."""
    seconds = median_seconds(run, repeat)
    per = seconds / seed_steps
    print(
        f"  {label:36s} {per * 1e6:8.3f} µs per seed-step ({per / step_time:.3f}x env.step), "
        f"{updates / seconds / 1e6:6.2f} M updates/s"
    )
    return seconds


def bench_env(env_id: str, options: dict, repeat: int, steps: int, n: int) -> None:
    step_time = env_step_seconds(env_id, steps, repeat)
    print(f"\n{env_id}: gymnasium env.step {step_time * 1e6:.2f} µs")
    gamma = options["gamma"]
    extra = {k: v for k, v in options.items() if k != "gamma"}
    online = dict(COMMON, **options)
    uniform = dict(online, replay="uniform", batch_size=32)
    proportional = dict(uniform, replay="proportional")

    def plain(batch_size, budget):
        return plain_python(env_id, budget, batch_size, gamma, **extra)

    def engine(seeds, budget, settings):
        return train_lockstep(env_id, seeds, steps=budget, **settings)

    def run(label, function, seed_steps, updates):
        return timed(label, function, seed_steps, updates, step_time, repeat)

    run("plain Python lists, online", lambda: plain(None, steps), steps, steps)
    run("readable train, online", lambda: train(env_id, steps=steps, **online), steps, steps)
    for seeds in (20, 100):
        run(f"engine {seeds} seeds, online", lambda s=seeds: engine(s, steps, online),
            seeds * steps, seeds * steps)  # fmt: skip
    run("plain Python lists, uniform b32", lambda: plain(32, n), n, plain(32, n))
    updates = train(env_id, steps=n, **uniform).updates[-1]
    run("readable train, uniform b32", lambda: train(env_id, steps=n, **uniform), n, updates)
    for seeds in (20, 100):
        updates = np.nanmax(engine(seeds, n, uniform).updates, axis=1).sum()
        u = run(f"engine {seeds} seeds, uniform b32", lambda s=seeds: engine(s, n, uniform),
                seeds * n, updates)  # fmt: skip
        p = run(f"engine {seeds} seeds, proportional b32",
                lambda s=seeds: engine(s, n, proportional), seeds * n, updates)  # fmt: skip
        print(f"  prioritized / uniform time, {seeds} seeds: {p / u:.2f}")


def main(repeat: int, steps: int, replay_steps: int) -> None:
    for env_id, options in ENVS.items():
        bench_env(env_id, options, repeat, steps, replay_steps)
    q_star = value_iteration(gym.make("CliffWalking-v1"), 1.0)
    cliff = dict(steps=2000, alpha=0.5, gamma=1.0, epsilon=0.1, max_steps=500,
                 capacity=10_000, replay="uniform", batch_size=8, q_star=q_star)  # fmt: skip
    engine = median_seconds(lambda: train_lockstep("CliffWalking-v1", 16, **cliff), repeat)
    readable = median_seconds(
        lambda: [train("CliffWalking-v1", seed=k, **cliff) for k in range(16)], max(1, repeat // 2)
    )
    print(
        f"\n16-seed 2,000-step CliffWalking uniform batch 8: engine {engine:.3f} s, "
        f"readable train seed by seed {readable:.3f} s ({readable / engine:.1f}x)"
    )
    # lesson 03's panel: bound by the numpy calls per step, not by the seeds
    panel = dict(cliff, capacity=2000, replay="proportional", priority_exponent=0.6, beta=0.4)
    many = median_seconds(lambda: train_lockstep("CliffWalking-v1", 16, **panel), repeat)
    one = median_seconds(lambda: train_lockstep("CliffWalking-v1", 1, **panel), repeat)
    print(
        f"2,000-step CliffWalking proportional batch 8, capacity 2,000 (lesson 03's panel): "
        f"engine 16 seeds {many:.3f} s, 1 seed {one:.3f} s"
    )
    for replay in ("uniform", "proportional"):
        tracemalloc.start()
        train_lockstep("FrozenLake-v1", 100, steps=200, capacity=100_000, replay=replay)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        print(f"memory, 100 seeds x capacity 100,000, {replay}: peak {peak / 2**20:.0f} MiB")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--steps", type=int, default=20_000, help="online steps per seed")
    parser.add_argument("--replay-steps", type=int, default=2_000, help="replay steps per seed")
    arguments = parser.parse_args()
    main(arguments.repeat, arguments.steps, arguments.replay_steps)
