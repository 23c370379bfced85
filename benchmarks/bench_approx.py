"""Lesson 05's lockstep engine against the readable loop. Run: python benchmarks/bench_approx.py

One run, side by side, on MountainCar with tile coding (8 tilings of 8 x 8, and the
lesson's coarse 4 tilings of 4 x 4): the readable ``linear_q_learning`` seed by seed against
``replay_lab.approx.lockstep.train_lockstep`` with all seeds at once, online and with replay
(batch 16 at alpha 1/16, and batch 1), in microseconds per seed-step.

Times are medians of ``--repeat`` runs (the machine is shared: a median is the honest
middle, and each ratio compares numbers measured in the same run).
"""

from __future__ import annotations

import argparse

from bench_lockstep import median_seconds  # this folder: run as a script, like the others

from replay_lab.approx.lockstep import train_lockstep
from replay_lab.approx.train import linear_q_learning, mountain_car_coder

CASES = {
    "online, alpha 1": dict(alpha=1.0),
    "replay, batch 16": dict(alpha=1 / 16, replay=True, batch_size=16),
    "replay, batch 1": dict(alpha=1.0, replay=True, batch_size=1),
}


def main(repeat: int, steps: int, seeds: int) -> None:
    print(f"{seeds} seeds x {steps} steps, medians of {repeat}; µs per seed-step")
    print(f"  {'coder, case':34s} {'readable':>9s} {'engine':>9s} {'ratio':>6s}")
    for coder_name, coder in (("8 x 8 x 8", None), ("coarse 4 x 4 x 4", mountain_car_coder(4, 4))):
        for label, options in CASES.items():
            settings = dict(options, coder=coder)

            def readable(settings=settings):
                for k in range(seeds):
                    linear_q_learning(steps, seed=k, **settings)

            def engine(settings=settings):
                train_lockstep(seeds, steps, **settings)

            slow = median_seconds(readable, max(1, repeat // 2)) / (seeds * steps)
            fast = median_seconds(engine, repeat) / (seeds * steps)
            print(
                f"  {coder_name + ', ' + label:34s} {slow * 1e6:9.1f} {fast * 1e6:9.1f} "
                f"{slow / fast:5.1f}x"
            )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--steps", type=int, default=4000, help="steps per seed")
    parser.add_argument("--seeds", type=int, default=10)
    arguments = parser.parse_args()
    main(arguments.repeat, arguments.steps, arguments.seeds)
