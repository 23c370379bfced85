"""How long a slider move takes in each panel, outside the browser.

Run: python benchmarks/bench_panels.py

For each panel of :mod:`replay_lab.widgets`, built as a notebook builds it: each control
is moved, one at a time, to settings not seen before (each move trains 16 seeds again and
draws the figure with the previous setting faint), then back to a setting seen before
(its runs are kept, so that move is drawing only). Printed per panel: the median seconds of
the new settings, split into training (the experiment's runs) and drawing (the figure and
its PNG), and the median of the moves back. The browser test (``make test-browser``)
measures the same moves from key press to new figure, with JupyterLab's messages on top.

Wall-clock and CPU seconds (``time.process_time``) are both printed: on a shared machine
the CPU time is the steadier of the two.
"""

from __future__ import annotations

import os
import statistics
import time

import matplotlib

matplotlib.use("Agg")

from replay_lab import widgets  # after choosing the backend

PANELS = {
    "01 online": widgets.online_panel,
    "02 replay": widgets.replay_panel,
    "03 prioritized": widgets.prioritized_panel,
    "04 Blind Cliffwalk": widgets.blind_cliffwalk_panel,
    "05 function approximation": widgets.function_approx_panel,
}
MOVES = 3  # new settings per control


def settings(control) -> list[tuple[str, object]]:
    """(attribute, value) pairs for every setting of a control other than its current one:
    indices of a drop-down or selection slider, values of a numeric slider."""
    if hasattr(control, "options"):
        return [("index", k) for k in range(len(control.options)) if k != control.index]
    count = round((control.max - control.min) / control.step) + 1
    values = [round(control.min + k * control.step, 10) for k in range(count)]
    return [("value", v) for v in values if abs(v - control.value) > 1e-9]


def timed_move(control, attribute: str, value) -> tuple[float, float]:
    begin, cpu = time.perf_counter(), time.process_time()
    setattr(control, attribute, value)
    return time.perf_counter() - begin, time.process_time() - cpu


def main() -> None:
    print(f"load average {os.getloadavg()[0]:.1f}")
    for name, build in PANELS.items():
        box = build()
        controls = box.children[0].children
        fresh, seen = [], []
        for control in controls:
            start = ("index", control.index) if hasattr(control, "options") else (
                "value", control.value)  # fmt: skip
            moves = settings(control)
            for attribute, value in moves[:: max(1, len(moves) // MOVES)][:MOVES]:
                fresh.append(timed_move(control, attribute, value))
            seen.append(timed_move(control, *start))  # its runs are kept: drawing only
        wall = statistics.median(t for t, _ in fresh)
        cpu = statistics.median(c for _, c in fresh)
        again = statistics.median(t for t, _ in seen)
        print(
            f"  {name:28s} new setting: median {wall:.2f} s (CPU {cpu:.2f} s) over "
            f"{len(fresh)} moves; a setting seen before: {again:.2f} s"
        )


if __name__ == "__main__":
    main()
