"""Write demo/dashboard.ipynb, the projector dashboard that `make demo` serves with Voilà.

    python demo/make_dashboard.py

One heading and one slider panel per lesson that has one, in lesson order, with a line on
what to show the class. The panels are found in the lessons themselves: every code cell
that calls ``widgets.<name>_panel()``. The dashboard calls nothing but those zero-argument
panel functions of :mod:`replay_lab.widgets`. tests/test_demo.py checks the committed
dashboard is what this script writes, so a panel added to a lesson shows up here after
re-running it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
DASHBOARD = ROOT / "demo" / "dashboard.ipynb"
PANEL_CALL = re.compile(r"^widgets\.(\w+_panel)\(\)\s*$", re.MULTILINE)

# What to show with each panel, one or two sentences for the teacher at the projector.
# A panel not listed here gets the first line of its docstring.
WHAT_TO_SHOW = {
    "online_panel": (
        "Set epsilon to 0: the agent still reaches the goal (a table of zeros is optimistic) "
        "and its returns reach -13, but the error of Q stays high. Then try a tiny alpha."
    ),
    "replay_panel": (
        "Online against replay on the same number of environment steps. Raise the batch "
        "size and the replay ratio; then set the capacity to 50: a short memory still beats "
        "online learning, by less than the default 1000 slots do (the faint curve)."
    ),
    "prioritized_panel": (
        "omega = 0 samples every transition alike: the two curves agree up to noise. Then "
        "set omega = 1 and compare; beta sets how much of the sampling bias is corrected."
    ),
    "blind_cliffwalk_panel": (
        "Step n up from 2 to 8: uniform replay's updates double with every state, the "
        "oracle's barely grow. Then switch the order: greedy, proportional and rank-based "
        "sit in between."
    ),
    "function_approx_panel": (
        "Left: online updates in a row push the same weights, replayed ones hardly ever. Set "
        "the capacity to 10: replay is correlated again. Then coarsen the tiles (right)."
    ),
}


def lesson_panels() -> list[tuple[str, str]]:
    """(lesson title, panel function name) for each panel call in the lessons, in order."""
    panels = []
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        cells = json.loads(path.read_text())["cells"]
        title = "".join(cells[0]["source"]).splitlines()[0].lstrip("# ").strip()
        for cell in cells:
            if cell["cell_type"] == "code":
                for name in PANEL_CALL.findall("".join(cell["source"])):
                    panels.append((title, name))
    return panels


def what_to_show(name: str) -> str:
    if name in WHAT_TO_SHOW:
        return WHAT_TO_SHOW[name]
    from replay_lab import widgets

    return (getattr(widgets, name).__doc__ or "").strip().splitlines()[0]


def dashboard() -> nbformat.NotebookNode:
    new_markdown, new_code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
    cells = [
        new_markdown(
            "# replay_lab: the slider panels\n\n"
            "Move a slider and release it: the experiment re-runs and its figure redraws, "
            "with the previous setting's curves kept, faint and dashed, to compare (each "
            "legend says how many seeds a curve has and what its band is). "
            "Each panel comes from the lesson named in its heading."
        ),
        new_code("%matplotlib inline\nfrom replay_lab import widgets"),
    ]
    for title, name in lesson_panels():
        cells.append(new_markdown(f"## {title}\n\n{what_to_show(name)}"))
        cells.append(new_code(f"widgets.{name}()"))
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    for index, cell in enumerate(notebook.cells):
        cell["id"] = f"cell-{index}"  # stable ids, so the file only changes with its content
    return notebook


def text() -> str:
    return nbformat.writes(dashboard()) + "\n"


def main() -> None:
    DASHBOARD.write_text(text())
    print(f"wrote {DASHBOARD.relative_to(ROOT)}: {len(lesson_panels())} panels")


if __name__ == "__main__":
    main()
