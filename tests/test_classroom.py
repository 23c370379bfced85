"""The classroom routes: the projector dashboard, the minimum versions, offline headers,
the CI workflow a teacher can fork, and the README that describes them."""

import importlib.util
import json
import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location(
    "make_dashboard", ROOT / "demo" / "make_dashboard.py"
)
make_dashboard = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_dashboard)
NOTEBOOKS = sorted((ROOT / "notebooks").rglob("*.ipynb"))


def test_the_committed_dashboard_is_the_generated_one():
    committed = (ROOT / "demo" / "dashboard.ipynb").read_text()
    assert committed == make_dashboard.text(), "run: python demo/make_dashboard.py"


def test_the_dashboard_has_one_panel_per_lesson_panel_and_calls_nothing_else():
    cells = json.loads((ROOT / "demo" / "dashboard.ipynb").read_text())["cells"]
    code = ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
    assert code[0] == "%matplotlib inline\nfrom replay_lab import widgets"
    calls = [re.fullmatch(r"widgets\.(\w+_panel)\(\)", c) for c in code[1:]]
    assert all(calls), code
    names = [m[1] for m in calls]
    assert names == [name for _, name in make_dashboard.lesson_panels()]
    assert {"online_panel", "replay_panel", "prioritized_panel"} <= set(names)
    headings = ["".join(c["source"]) for c in cells if c["cell_type"] == "markdown"][1:]
    assert [h.splitlines()[0] for h in headings] == [
        f"## {title}" for title, _ in make_dashboard.lesson_panels()
    ]
    assert all(len(h.splitlines()[-1]) > 40 for h in headings), "say what to show"


def lower_bounds(lines) -> dict[str, Version]:
    bounds = {}
    for line in lines:
        line = line.split("#")[0].strip().lstrip("- ").strip()
        if re.match(r"^[A-Za-z]", line):
            requirement = Requirement(line)
            for spec in requirement.specifier:
                if spec.operator == ">=":
                    bounds[requirement.name.lower()] = Version(spec.version)
    return bounds


def test_the_lower_bounds_are_the_tested_minimum_versions():
    pins = {}
    for line in (ROOT / "requirements-min.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            name, version = line.split("==")
            pins[name.lower()] = Version(version)
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    runtime = lower_bounds(pyproject["project"]["dependencies"])
    assert set(pins) == set(runtime), "pin every runtime dependency in requirements-min.txt"
    pip = lower_bounds((ROOT / "requirements.txt").read_text().splitlines())
    yml = (ROOT / "environment.yml").read_text().split("dependencies:")[1].split("- pip:")[0]
    conda = lower_bounds(yml.splitlines())
    for name, version in pins.items():
        assert runtime[name] == pip[name] == conda[name] == version, name


def test_notebooks_load_nothing_from_other_hosts():
    # A remote image in a header is a request on every open; the browser test aborts them.
    for path in NOTEBOOKS:
        for cell in json.loads(path.read_text())["cells"]:
            if cell["cell_type"] == "markdown":
                text = "".join(cell["source"])
                assert not re.search(r"!\[[^\]]*\]\(https?://", text), path.name
                assert not re.search(r"<img[^>]+src=.https?://", text), path.name


def test_ci_workflow_runs_what_a_clean_clone_runs():
    workflow = (ROOT / ".github" / "workflows" / "ci.yml").read_text()
    assert "bash .ci/run" in workflow
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in ci and "make test-browser" in ci
    assert ci.index("make test\n") < ci.index("make test-browser")
    repository = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["urls"][
        "Repository"
    ]
    readme = (ROOT / "README.md").read_text()
    assert f"{repository}/actions/workflows/ci.yml/badge.svg" in readme


def test_readme_describes_the_classroom_routes():
    readme = (ROOT / "README.md").read_text()
    assert "## Teaching with replay_lab" in readme
    for command in ("make demo", "make test-browser", "make site", "make test-min"):
        assert f"| `{command}` |" in readme, command
