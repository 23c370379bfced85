"""How fast are the replay buffers? Run: python benchmarks/bench_buffers.py

Measures microseconds per ``add``, ``sample(32)``, ``sample(256)`` and
``update_priorities(256)`` at capacities 1e4, 1e5 and 1e6, all in one run so the ratios
are comparable, for

- replay_lab's ReplayBuffer, PrioritizedReplayBuffer and RankBasedReplayBuffer (numpy only;
  the rank-based one up to capacity 1e5);
- a naive baseline written below: a Python list of tuples and a sum tree that loops over
  the items of a batch one by one;
- cpprb (a C++ replay buffer, ``pip install cpprb``), when it is installed.

Each buffer is full before sampling is timed, and every implementation gets the same
TD errors. Sampling is timed as training uses it: each sample is followed by an update of
the priorities it drew (timed on its own). Times are the best of three repeats.
"""

from __future__ import annotations

import argparse
import random
import time
import timeit

import numpy as np

from replay_lab.buffers import ReplayBuffer
from replay_lab.prioritized import PrioritizedReplayBuffer, RankBasedReplayBuffer

try:
    import cpprb
except ImportError:  # optional, benchmark only
    cpprb = None

ALPHA, BETA = 0.6, 0.4


class NaiveSumTree:
    """The textbook sum tree in plain Python, one item at a time."""

    def __init__(self, capacity: int):
        self.size = 1
        while self.size < capacity:
            self.size *= 2
        self.nodes = [0.0] * (2 * self.size)

    def set(self, index: int, value: float) -> None:
        node = index + self.size
        self.nodes[node] = value
        while node > 1:
            node //= 2
            self.nodes[node] = self.nodes[2 * node] + self.nodes[2 * node + 1]

    def find(self, u: float) -> int:
        node = 1
        while node < self.size:
            left = self.nodes[2 * node]
            if u < left:
                node = 2 * node
            else:
                u -= left
                node = 2 * node + 1
        return node - self.size


class NaiveBuffer:
    """A list of transition tuples; prioritized when ``prioritized`` is true."""

    def __init__(self, capacity: int, prioritized: bool, seed: int = 0):
        self.capacity, self.prioritized = capacity, prioritized
        self.data, self.next = [], 0
        self.tree = NaiveSumTree(capacity) if prioritized else None
        self.max_priority = 1.0
        self.random = random.Random(seed)

    def add(self, s, a, r, s_next, terminated) -> None:
        if len(self.data) < self.capacity:
            self.data.append((s, a, r, s_next, terminated))
        else:
            self.data[self.next] = (s, a, r, s_next, terminated)
        if self.prioritized:
            self.tree.set(self.next, self.max_priority**ALPHA)
        self.next = (self.next + 1) % self.capacity

    def sample(self, batch_size: int):
        """Indices, the batch as one array per field (what a learner needs, and what
        replay_lab returns), and importance-sampling weights."""
        n = len(self.data)
        if not self.prioritized:
            indices = [self.random.randrange(n) for _ in range(batch_size)]
            weights = [1.0] * batch_size
        else:
            total = self.tree.nodes[1]
            segment = total / batch_size
            indices = [
                self.tree.find((k + self.random.random()) * segment) for k in range(batch_size)
            ]
            weights = [(n * self.tree.nodes[i + self.tree.size] / total) ** -BETA for i in indices]
            largest = max(weights)
            weights = [w / largest for w in weights]
        fields = [np.array(column) for column in zip(*(self.data[i] for i in indices), strict=True)]
        return indices, fields, np.array(weights)

    def update_priorities(self, indices, td_errors) -> None:
        for i, delta in zip(indices, td_errors, strict=True):
            priority = abs(delta) + 1e-6
            self.max_priority = max(self.max_priority, priority)
            self.tree.set(i, priority**ALPHA)


def fill(kind: str, capacity: int, rng: np.random.Generator):
    """A full buffer of the given kind (setup, not timed)."""
    states = rng.integers(500, size=capacity)
    priorities = (rng.random(capacity) + 0.01) ** ALPHA
    if kind.startswith("replay_lab"):
        buffer = {
            "replay_lab uniform": lambda: ReplayBuffer(capacity, seed=0),
            "replay_lab prioritized": lambda: PrioritizedReplayBuffer(
                capacity, ALPHA, BETA, seed=0
            ),
            "replay_lab rank": lambda: RankBasedReplayBuffer(capacity, ALPHA, BETA, seed=0),
        }[kind]()
        zeros = np.zeros(capacity, dtype=np.int64)
        buffer.extend(states, zeros, zeros.astype(float), states, zeros.astype(bool))
        if kind != "replay_lab uniform":
            everything = buffer.batch(np.arange(capacity), np.ones(capacity))
            buffer.update_priorities(everything, priorities ** (1 / ALPHA))
        return buffer
    if kind.startswith("naive"):
        buffer = NaiveBuffer(capacity, prioritized=kind.endswith("prioritized"))
        buffer.data = [(int(s), 0, 0.0, int(s), False) for s in states]
        if buffer.prioritized:
            nodes, size = buffer.tree.nodes, buffer.tree.size
            nodes[size : size + capacity] = priorities.tolist()
            for node in range(size - 1, 0, -1):
                nodes[node] = nodes[2 * node] + nodes[2 * node + 1]
        return buffer
    fields = {
        "obs": {"dtype": np.int64},
        "act": {"dtype": np.int64},
        "rew": {},
        "next_obs": {"dtype": np.int64},
        "done": {},
    }
    if kind.endswith("prioritized"):
        buffer = cpprb.PrioritizedReplayBuffer(capacity, fields, alpha=ALPHA)
    else:
        buffer = cpprb.ReplayBuffer(capacity, fields)
    buffer.add(
        obs=states,
        act=np.zeros(capacity, np.int64),
        rew=np.zeros(capacity),
        next_obs=states,
        done=np.zeros(capacity),
    )
    if kind.endswith("prioritized"):
        buffer.update_priorities(np.arange(capacity), priorities ** (1 / ALPHA))
    return buffer


def adapter(kind: str, buffer):
    """Uniform calls on any of the buffers: add(), sample(batch_size) -> indices,
    update(indices, td_errors)."""
    if kind.startswith("cpprb"):
        prioritized = kind.endswith("prioritized")

        def add():
            buffer.add(obs=3, act=1, rew=0.5, next_obs=4, done=0.0)

        def sample(batch_size):
            batch = (
                buffer.sample(batch_size, beta=BETA) if prioritized else buffer.sample(batch_size)
            )
            return batch["indexes"] if prioritized else None

        def update(indices, td_errors):
            buffer.update_priorities(indices, np.abs(td_errors) + 1e-6)  # cpprb takes priorities

    elif kind.startswith("naive"):

        def add():
            buffer.add(3, 1, 0.5, 4, False)

        def sample(batch_size):
            return buffer.sample(batch_size)[0]

        def update(indices, td_errors):
            buffer.update_priorities(indices, td_errors.tolist())

    else:
        prioritized = kind.endswith("prioritized")

        def add():
            buffer.add(3, 1, 0.5, 4, False)

        def sample(batch_size):
            return buffer.sample(batch_size, BETA)

        def update(batch, td_errors):
            buffer.update_priorities(batch, td_errors)

    return add, sample, update


def measure(kind: str, buffer, td_errors: list[np.ndarray], calls: int) -> dict[str, float]:
    """Microseconds per call, best of three repeats.

    Sampling is timed as the training loop uses it: each sample is followed by an update
    of the priorities of the very transitions it drew, and the update is timed alone.
    """
    add, sample, update = adapter(kind, buffer)
    prioritized = kind.endswith(("prioritized", "rank"))
    row = {"add": min(timeit.repeat(add, number=20 * calls, repeat=3)) / (20 * calls) * 1e6}
    for batch_size in (32, 256):
        best_sample = best_update = float("inf")
        for _ in range(3):
            sampling = updating = 0.0
            for call in range(calls):
                start = time.perf_counter()
                indices = sample(batch_size)
                middle = time.perf_counter()
                if prioritized:
                    update(indices, td_errors[call % len(td_errors)][:batch_size])
                sampling += middle - start
                updating += time.perf_counter() - middle
            best_sample, best_update = min(best_sample, sampling), min(best_update, updating)
        row[f"sample({batch_size})"] = best_sample / calls * 1e6
        if prioritized and batch_size == 256:
            row["update_priorities(256)"] = best_update / calls * 1e6
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--capacities", type=float, nargs="+", default=[1e4, 1e5, 1e6])
    parser.add_argument("--calls", type=int, default=300, help="calls per timing repeat")
    args = parser.parse_args()
    kinds = ["replay_lab uniform", "replay_lab prioritized", "replay_lab rank"]
    kinds += ["naive uniform", "naive prioritized"]
    if cpprb is not None:
        kinds += ["cpprb uniform", "cpprb prioritized"]
    else:
        print("(cpprb is not installed: pip install cpprb to compare against it)\n")
    columns = ["add", "sample(32)", "sample(256)", "update_priorities(256)"]
    results = {}
    for capacity in (int(c) for c in args.capacities):
        rng = np.random.default_rng(0)
        td_errors = [rng.normal(size=256) for _ in range(64)]
        print(f"capacity {capacity:,}: microseconds per call")
        print(f"{'':24}" + "".join(f"{c:>24}" for c in columns))
        for kind in kinds:
            if kind == "replay_lab rank" and capacity > 100_000:
                continue  # filling a ranking of a million takes long; 1e5 is the lab's largest
            row = measure(kind, fill(kind, capacity, rng), td_errors, args.calls)
            results[capacity, kind] = row
            print(
                f"{kind:24}"
                + "".join(f"{row[c]:>24.1f}" if c in row else f"{'':>24}" for c in columns)
            )
        print()
    report_targets(results, int(max(args.capacities)), cpprb is not None)


def report_targets(results, capacity: int, have_cpprb: bool) -> None:
    ours_u, ours_p = (
        results[capacity, "replay_lab uniform"],
        results[capacity, "replay_lab prioritized"],
    )
    naive_u, naive_p = results[capacity, "naive uniform"], results[capacity, "naive prioritized"]
    checks = [
        ("uniform add < 2 us", ours_u["add"], 2.0),
        ("prioritized add < 5 us", ours_p["add"], 5.0),
        (
            "prioritized sample(256) >= 10x faster than naive",
            10 * ours_p["sample(256)"],
            naive_p["sample(256)"],
        ),
        (
            "uniform sample(256) >= 10x faster than naive",
            10 * ours_u["sample(256)"],
            naive_u["sample(256)"],
        ),
        (
            "update_priorities(256) >= 10x faster than naive",
            10 * ours_p["update_priorities(256)"],
            naive_p["update_priorities(256)"],
        ),
    ]
    if have_cpprb:
        cpp = results[capacity, "cpprb prioritized"]
        checks += [
            (
                "prioritized sample(256) <= 0.5x cpprb",
                ours_p["sample(256)"],
                0.5 * cpp["sample(256)"],
            ),
            (
                "update_priorities(256) <= 1.5x cpprb",
                ours_p["update_priorities(256)"],
                1.5 * cpp["update_priorities(256)"],
            ),
        ]
        ratios = ", ".join(
            f"{op} {ours_p[op] / cpp[op]:.2f}x"
            for op in ("sample(256)", "update_priorities(256)", "add")
        )
        print(f"ratios to cpprb at capacity {capacity:,}: {ratios}")
    print(f"targets at capacity {capacity:,}:")
    for name, value, bound in checks:
        print(f"  {'met ' if value <= bound else 'MISSED'}  {name}")


if __name__ == "__main__":
    main()
