"""How fast is the learner? Run: python benchmarks/bench_core.py

Reports
- environment steps per second of online Q-learning (replay_lab.train) on FrozenLake-v1
  and CliffWalking-v1, next to the bare env.step rate with random actions;
- microseconds per q_update call for batches of 1, 32 and 256 transitions;
- the check that matters: updating one transition costs less than gymnasium's own env.step.

Times are the best of several repeats (the least disturbed by the rest of the machine).
"""

from __future__ import annotations

import argparse
import timeit

import gymnasium as gym
import numpy as np

from replay_lab import q_update, train


def best_time(function, number: int, repeat: int = 5) -> float:
    """Seconds per call: the best of ``repeat`` runs of ``number`` calls."""
    return min(timeit.repeat(function, number=number, repeat=repeat)) / number


def env_step_seconds(env_id: str, steps: int = 50_000) -> float:
    env = gym.make(env_id)
    env.reset(seed=0)
    actions = np.random.default_rng(0).integers(env.action_space.n, size=steps).tolist()

    def run():
        for a in actions:
            _, _, terminated, truncated, _ = env.step(a)
            if terminated or truncated:
                env.reset()

    return best_time(run, number=1, repeat=3) / steps


def train_steps_per_second(env_id: str, episodes: int, **kwargs) -> float:
    steps = train(env_id, episodes=episodes, seed=0, **kwargs).steps[-1]
    seconds = best_time(lambda: train(env_id, episodes=episodes, seed=0, **kwargs), 1, 3)
    return steps / seconds


def q_update_seconds(batch_size: int, n_states: int = 48, n_actions: int = 4) -> float:
    rng = np.random.default_rng(0)
    q = rng.normal(size=(n_states, n_actions))
    s, s_next = rng.integers(n_states, size=(2, batch_size))
    a = rng.integers(n_actions, size=batch_size)
    r, terminated = rng.normal(size=batch_size), rng.random(batch_size) < 0.05
    if batch_size == 1:  # the online learner's call: plain scalars, as gymnasium returns them
        args = (int(s[0]), int(a[0]), float(r[0]), int(s_next[0]), bool(terminated[0]))
    else:
        args = (s, a, r, s_next, terminated)
    return best_time(lambda: q_update(q, *args, 0.1, 0.99), number=max(200, 20_000 // batch_size))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller runs (for a smoke test)")
    quick = parser.parse_args().quick
    us = 1e6

    print("environment steps per second")
    print(f"{'':28}{'env.step only':>15}{'online Q-learning':>19}")
    runs = {
        "FrozenLake-v1": dict(episodes=300 if quick else 3000),
        "CliffWalking-v1": dict(
            episodes=50 if quick else 500, alpha=0.5, gamma=1.0, max_steps=1000
        ),
    }
    step_cost = {}
    for env_id, kwargs in runs.items():
        step_cost[env_id] = env_step_seconds(env_id, 5_000 if quick else 50_000)
        rate = train_steps_per_second(env_id, **kwargs)
        print(f"{env_id:28}{1 / step_cost[env_id]:>15,.0f}{rate:>19,.0f}")

    print("\nq_update, microseconds per call (48 states x 4 actions)")
    print(f"{'batch size':>10}{'per call':>12}{'per transition':>16}")
    per_call = {b: q_update_seconds(b) for b in (1, 32, 256)}
    for b, seconds in per_call.items():
        print(f"{b:>10}{seconds * us:>12.2f}{seconds * us / b:>16.2f}")

    cheapest_step = min(step_cost.values())
    verdict = "yes" if per_call[1] < cheapest_step else "NO"
    print(
        f"\none-transition update {per_call[1] * us:.2f} us < cheapest env.step "
        f"{cheapest_step * us:.2f} us: {verdict}"
    )


if __name__ == "__main__":
    main()
