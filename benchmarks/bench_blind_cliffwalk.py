"""The Blind Cliffwalk sweep, fast path against the readable experiment.

Run: python benchmarks/bench_blind_cliffwalk.py

1. the full sweep of the fast path (``run_fast``): n = 2 to ``--n-max`` (16), ``--seeds``
   (10) seeds, all five replay orders, with the seconds of each order;
   with ``--jobs J`` (J > 1), also the same sweep once more in J worker processes, its
   wall-clock seconds and the CPU seconds of the workers;
2. side by side on the same settings, the readable ``run`` and ``run_fast`` for n = 2 to
   ``--readable-n-max`` (12; the readable version needs about 40 minutes for n <= 16),
   per order, with the ratio, and a check that both give the same numbers.

Wall-clock and CPU seconds (``time.process_time``) are both printed: on a shared machine
the CPU time is the steadier of the two.

The machine is shared: each ratio compares two numbers measured one right after the
other, and the load average is printed beside them.
"""

from __future__ import annotations

import argparse
import os
import resource
import time

import numpy as np

from replay_lab.experiments import blind_cliffwalk as bc
from replay_lab.experiments.blind_cliffwalk_fast import run_fast


def seconds(function, *args) -> tuple[float, dict]:
    """Wall-clock seconds of one call (and its result); the CPU seconds go to CPU."""
    begin, cpu = time.perf_counter(), time.process_time()
    result = function(*args)
    CPU.append(time.process_time() - cpu)
    return time.perf_counter() - begin, result


CPU: list[float] = []


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n-max", type=int, default=16)
    parser.add_argument("--readable-n-max", type=int, default=12)
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--jobs", type=int, default=1)
    args = parser.parse_args()

    n_values = list(range(2, args.n_max + 1))
    print(f"fast path, n = 2..{args.n_max}, {args.seeds} seeds (load {os.getloadavg()[0]:.1f})")
    total = cpu = 0.0
    swept = {}
    for method in bc.METHODS:
        took, result = seconds(run_fast, n_values, [method], args.seeds)
        swept.update(result)
        total, cpu = total + took, cpu + CPU[-1]
        print(f"  {method:13} {took:7.1f} s   (CPU {CPU[-1]:6.1f} s)")
    print(f"  {'all five':13} {total:7.1f} s   (CPU {cpu:6.1f} s, load {os.getloadavg()[0]:.1f})")
    if args.jobs > 1:
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        took, result = seconds(run_fast, n_values, bc.METHODS, args.seeds, False, False, args.jobs)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        workers = after.ru_utime + after.ru_stime - children.ru_utime - children.ru_stime
        same = all(np.array_equal(swept[m], result[m], equal_nan=True) for m in bc.METHODS)
        label = f"--jobs {args.jobs}"
        print(
            f"  {label:13} {took:7.1f} s   (CPU of the workers {workers:6.1f} s, "
            f"load {os.getloadavg()[0]:.1f})   same numbers: {same}"
        )

    n_values = list(range(2, args.readable_n_max + 1))
    print(f"readable against fast, n = 2..{args.readable_n_max}, {args.seeds} seeds")
    slow_total = fast_total = 0.0
    for method in bc.METHODS:
        slow, expected = seconds(bc.run, n_values, [method], args.seeds)
        fast, got = seconds(run_fast, n_values, [method], args.seeds)
        same = np.array_equal(expected[method], got[method], equal_nan=True)
        slow_total, fast_total = slow_total + slow, fast_total + fast
        print(
            f"  {method:13} readable {slow:7.1f} s   fast {fast:6.2f} s   "
            f"{slow / fast:6.0f}x   same numbers: {same}   (load {os.getloadavg()[0]:.1f})"
        )
    print(
        f"  {'all five':13} readable {slow_total:7.1f} s   fast {fast_total:6.2f} s   "
        f"{slow_total / fast_total:6.0f}x"
    )


if __name__ == "__main__":
    main()
