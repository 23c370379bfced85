"""Every lesson in JupyterLab, and the `make demo` dashboard, in a real browser.

For each lesson (a temporary copy): clear the outputs, Run All, then no error output,
every figure of the committed outputs back in its cell, and each slider of the panel moved
with the keyboard redraws its figure, the median per panel within REDRAW_BOUND seconds. The
dashboard shows no code, shows every panel's figure, and redraws the same way. No request
leaves loopback (conftest.py aborts and records any). Timings are printed at the end of the run.
"""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path

import pytest
from conftest import ROOT, TIMINGS

LESSONS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
RUN_ALL_BOUND = 180.0  # seconds for one lesson's Run All (each runs in under 30 s in nbval)
# Seconds from a key press on a slider to its new figure (16 seeds trained again, the figure
# drawn): the median of each panel's redraws must be within REDRAW_BOUND, the README's claim
# for the 2-core machine shared with other work (REDRAW_CLAIM) with a margin for a slower CI
# machine; one redraw longer than REDRAW_TIMEOUT is taken for a hang.
REDRAW_CLAIM = 2.0
REDRAW_BOUND = 2 * REDRAW_CLAIM
REDRAW_TIMEOUT = 30.0
PANEL = ".widget-vbox:has(.widget-slider)"
FIGURE = "img.widget-image"  # a panel's figure: an ipywidgets Image, its src renewed per redraw


def expected_figures(path: Path) -> list[int]:
    """Images in the committed outputs of each non-empty code cell, in order."""
    cells = json.loads(path.read_text())["cells"]
    code = [c for c in cells if c["cell_type"] == "code" and "".join(c["source"]).strip()]
    return [sum("image/png" in o.get("data", {}) for o in c["outputs"]) for c in code]


def menu(page, top: str, item: str) -> None:
    page.locator(".lm-MenuBar-itemLabel", has_text=top).first.click()
    page.locator(".lm-Menu-itemLabel").get_by_text(item, exact=True).click()


def figure_source(panel) -> str | None:
    images = panel.locator(FIGURE)
    return images.first.get_attribute("src") if images.count() else None


# Resolves when the panel's figure has a src other than `before`: a MutationObserver in the
# page, so nothing polls while the kernel trains (polling the page every 20 ms from here,
# as this test first did, took CPU from the kernel on a 2-core machine and added up to
# 0.4 s to a redraw).
WATCH = """([panel, before, timeout]) => {
    const source = () => { const img = panel.querySelector('img.widget-image');
                           return img ? img.getAttribute('src') : null; };
    window.__newFigure = new Promise((resolve) => {
        const done = () => { const now = source();
                             if (now && now !== before) { observer.disconnect(); resolve(true); } };
        const observer = new MutationObserver(done);
        observer.observe(panel, {subtree: true, childList: true, attributes: true,
                                 attributeFilter: ['src']});
        setTimeout(() => { observer.disconnect(); resolve(false); }, timeout);
        done();
    });
}"""


def watch_for_new_figure(page, panel, before: str) -> None:
    """Start watching, in the page, for the panel's next figure (before the move)."""
    page.evaluate(WATCH, [panel.element_handle(), before, REDRAW_TIMEOUT * 1000])


def wait_for_new_figure(page, panel, before: str, where: str) -> None:
    if not page.evaluate("() => window.__newFigure"):
        pytest.fail(f"{where}: moved, no new figure in {REDRAW_TIMEOUT} s")
    assert figure_source(panel) != before


def move_sliders(page, panel, where: str) -> list[float]:
    """Press an arrow key on each slider of the panel, and pick the next option of each
    drop-down (as a keyboard user would); the seconds until its figure redraws."""
    latencies = []
    sliders = panel.locator(".widget-slider")
    choices = panel.locator(".widget-dropdown select")
    assert sliders.count() + choices.count() >= 2, f"{where}: a panel without two controls"
    for index in range(sliders.count()):
        slider = sliders.nth(index)
        handle = slider.locator(".noUi-handle").first
        readout = slider.locator(".widget-readout").first
        value, maximum = (
            handle.get_attribute("aria-valuenow"),
            handle.get_attribute("aria-valuemax"),
        )
        key = "ArrowLeft" if value == maximum else "ArrowRight"
        before, old_readout = figure_source(panel), readout.inner_text()
        assert before, f"{where}: no figure before moving slider {index}"
        handle.focus()
        watch_for_new_figure(page, panel, before)
        start = time.perf_counter()
        page.keyboard.press(key)
        wait_for_new_figure(page, panel, before, f"{where} slider {index}")
        latencies.append(time.perf_counter() - start)
        assert readout.inner_text() != old_readout, f"{where}: slider {index} did not move"
    for index in range(choices.count()):
        choice = choices.nth(index)
        selected = choice.evaluate("element => element.selectedIndex")
        following = (selected + 1) % choice.locator("option").count()
        before = figure_source(panel)
        assert before, f"{where}: no figure before choosing in drop-down {index}"
        watch_for_new_figure(page, panel, before)
        start = time.perf_counter()
        choice.select_option(index=following)
        wait_for_new_figure(page, panel, before, f"{where} drop-down {index}")
        latencies.append(time.perf_counter() - start)
        now = choice.evaluate("element => element.selectedIndex")
        assert now == following, f"{where}: drop-down {index} did not change"
    median = statistics.median(latencies)
    assert median <= REDRAW_BOUND, f"{where}: median redraw {median:.2f} s > {REDRAW_BOUND} s"
    return latencies


def wait_until(page, condition, seconds: float, what: str) -> None:
    deadline = time.perf_counter() + seconds
    while not condition():
        if time.perf_counter() > deadline:
            pytest.fail(f"no {what} after {seconds} s")
        page.wait_for_timeout(100)


def error_outputs(page) -> list[str]:
    errors = page.locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')
    return [errors.nth(i).inner_text()[:500] for i in range(errors.count())]


def report_latencies(name: str, latencies: list[float]) -> str:
    return (
        f"{name}: {len(latencies)} redraws, median {statistics.median(latencies):.2f} s,"
        f" max {max(latencies):.2f} s"
    )


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_lesson_runs_all_in_jupyterlab_and_its_sliders_redraw(page, lab, path):
    # ?reset: a fresh workspace, so only this notebook is open and current.
    page.goto(f"{lab['base']}/lab/tree/{path.name}?reset&token={lab['token']}")
    notebook = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook")
    expected = expected_figures(path)
    code_cells = notebook.locator(".jp-CodeCell")
    status_bar = page.locator(".jp-StatusBar-Widget")
    wait_until(
        page,
        lambda: (
            code_cells.count() >= len(expected)
            and "| Idle" in " ".join(status_bar.all_inner_texts())
        ),
        60,
        f"{path.name}: the notebook and an idle kernel",
    )
    menu(page, "Edit", "Clear Outputs of All Cells")
    assert notebook.locator(".jp-OutputArea-output img").count() == 0, "outputs not cleared"
    start = time.perf_counter()
    menu(page, "Run", "Run All Cells")
    prompts = notebook.locator(".jp-CodeCell .jp-InputArea-prompt")
    deadline = start + RUN_ALL_BOUND
    while True:
        texts = prompts.all_inner_texts()
        done = [t for t in texts if t.strip().startswith("[") and t.strip()[1:-2].isdigit()]
        idle = "| Idle" in " ".join(status_bar.all_inner_texts())
        if len(done) >= len(expected) and idle:
            break
        if time.perf_counter() > deadline:
            pytest.fail(f"Run All unfinished after {RUN_ALL_BOUND} s: {len(done)} cells ran")
        page.wait_for_timeout(100)
    elapsed = time.perf_counter() - start

    assert error_outputs(page) == [], "error output"
    cells = [
        code_cells.nth(i)
        for i in range(code_cells.count())
        if code_cells.nth(i).locator(".jp-InputArea-editor").inner_text().strip()
    ]
    for index, (cell, count) in enumerate(zip(cells, expected, strict=True)):
        shown = cell.locator(".jp-OutputArea-output img").count()
        assert shown >= count, f"code cell {index}: {shown} figures, {count} committed"
    assert page.errors == [], "JavaScript errors"

    panels = notebook.locator(PANEL)
    latencies = []
    for index in range(panels.count()):
        panel = panels.nth(index)
        panel.locator(FIGURE).first.wait_for(timeout=30_000)
        latencies += move_sliders(page, panel, f"{path.name} panel {index}")
    line = f"{path.name}: Run All {elapsed:.1f} s, {sum(expected)} figures"
    if latencies:
        line += "; " + report_latencies("panel", latencies)
    TIMINGS.append(line)
    assert error_outputs(page) == [], "error output after moving the sliders"


def test_demo_dashboard_shows_every_panel_and_no_code(page, demo):
    dashboard = json.loads((ROOT / "demo" / "dashboard.ipynb").read_text())
    panel_calls = [
        c
        for c in dashboard["cells"]
        if c["cell_type"] == "code" and "_panel()" in "".join(c["source"])
    ]
    start = time.perf_counter()
    page.goto(demo["base"] + "/", timeout=120_000)
    panels = page.locator(PANEL)
    deadline = start + 120
    while panels.count() < len(panel_calls) or any(
        figure_source(panels.nth(i)) is None for i in range(panels.count())
    ):
        if time.perf_counter() > deadline:
            pytest.fail(f"{panels.count()} of {len(panel_calls)} panels after 120 s")
        page.wait_for_timeout(50)
    ready = time.perf_counter() - start
    assert panels.count() == len(panel_calls)
    assert page.locator(".jp-InputArea-editor, .jp-InputArea pre, .CodeMirror").count() == 0
    assert page.locator(".jp-CodeCell .jp-InputArea:visible").count() == 0, "code is visible"
    assert "widgets." not in page.locator("body").inner_text()
    assert error_outputs(page) == [], "error output"
    headings = page.locator("h2").all_inner_texts()
    assert len(headings) == len(panel_calls)
    latencies = []
    for index in range(panels.count()):
        latencies += move_sliders(page, panels.nth(index), f"dashboard panel {index}")
    TIMINGS.append(
        f"dashboard: page ready (every panel's figure) {ready:.1f} s; "
        + report_latencies("dashboard", latencies)
    )
    assert page.errors == [], "JavaScript errors"
