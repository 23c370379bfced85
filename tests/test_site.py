"""The browser site (`make site`, which `make test` runs first): a static JupyterLite build
holding every notebook, replay_lab as a wheel that declares its dependencies, and the
pinned Pyodide."""

import json
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / "build" / "site"
NOTEBOOKS = sorted((ROOT / "notebooks").rglob("*.ipynb"))
# Pyodide's versions of the packages that replay_lab needs and Pyodide builds itself; the
# oldest versions replay_lab supports (requirements-min.txt) must be these.
PYODIDE = "0.27.7"
PYODIDE_BUILDS = {"numpy": "2.0.2", "matplotlib": "3.8.4"}


@pytest.fixture(scope="module")
def site() -> Path:
    if not (SITE / "index.html").exists():
        pytest.fail(f"no site in {SITE}: run make site")
    return SITE


def test_the_site_holds_every_notebook_unchanged(site):
    assert len(NOTEBOOKS) >= 8
    for notebook in NOTEBOOKS:
        copy = site / "files" / notebook.relative_to(ROOT / "notebooks")
        assert copy.exists(), f"{notebook.name} is not in the site"
        assert json.loads(copy.read_text()) == json.loads(notebook.read_text())


def wheel(site: Path) -> Path:
    index = json.loads((site / "pypi" / "all.json").read_text())
    releases = index["replay-lab"]["releases"]
    (files,) = releases.values()
    (entry,) = files
    path = site / "pypi" / entry["filename"]
    assert path.exists()
    return path


def test_the_site_ships_replay_lab_as_a_wheel_declaring_its_dependencies(site):
    with zipfile.ZipFile(wheel(site)) as archive:
        names = archive.namelist()
        (metadata,) = [n for n in names if n.endswith(".dist-info/METADATA")]
        requires = [
            line.split(":", 1)[1].strip()
            for line in archive.read(metadata).decode().splitlines()
            if line.startswith("Requires-Dist:")
        ]
    assert "replay_lab/_pyodide.py" in names
    assert "replay_lab/experiments/blind_cliffwalk.py" in names
    declared = {r.split(">")[0].split("=")[0].strip() for r in requires}
    assert {"numpy", "matplotlib", "gymnasium", "ipywidgets"} <= declared


def config(site: Path) -> dict:
    return json.loads((site / "jupyter-lite.json").read_text())["jupyter-config-data"]


def test_the_site_runs_the_pinned_pyodide(site):
    settings = config(site)["litePluginSettings"]["@jupyterlite/pyodide-kernel-extension:kernel"]
    assert f"/v{PYODIDE}/full/pyodide.js" in settings["pyodideUrl"]
    minimum = dict(
        line.split("==")
        for line in (ROOT / "requirements-min.txt").read_text().splitlines()
        if "==" in line and not line.startswith("#")
    )
    for name, version in PYODIDE_BUILDS.items():
        assert minimum[name] == version, f"test-min must test {name} {version}, Pyodide's"


def test_the_site_has_the_kernel_and_widgets_but_not_voilas_preview(site):
    extensions = {e["name"] for e in config(site)["federated_extensions"]}
    assert {"@jupyterlite/pyodide-kernel-extension", "@jupyter-widgets/jupyterlab-manager"} <= (
        extensions
    )
    # The Voila preview button needs a server: installed for make demo, disabled here.
    assert "@voila-dashboards/jupyterlab-preview" in config(site)["disabledExtensions"]
