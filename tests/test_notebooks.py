"""The notebooks as products: structure, committed outputs, and time to run.

nbval (in `make test`) re-runs every notebook and compares the cells marked
NBVAL_CHECK_OUTPUT; these tests check what nbval does not: the shared header and setup,
outputs that come from one fresh top-to-bottom run, and the time budget.
"""

import importlib.util
import json
import re
import time
import tomllib
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location(
    "make_thumbnails", ROOT / "docs" / "make_thumbnails.py"
)
make_thumbnails = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_thumbnails)
LESSONS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
SOLUTIONS = sorted((ROOT / "notebooks" / "solutions").glob("*.ipynb"))
REPOSITORY = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["urls"]["Repository"]


def cells(path: Path) -> list[dict]:
    return json.loads(path.read_text())["cells"]


def source(cell: dict) -> str:
    return "".join(cell["source"])


def test_the_lessons_are_numbered_in_order():
    assert [p.name[:2] for p in LESSONS] == [f"{i:02d}" for i in range(1, len(LESSONS) + 1)]
    assert len(LESSONS) >= 3


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_lesson_has_the_common_header_setup_and_exercises(path):
    notebook = cells(path)
    title = source(notebook[0])
    assert title.startswith(f"# {path.name[:2]} · ")
    github = REPOSITORY.removeprefix("https://github.com/")
    assert f"colab.research.google.com/github/{github}/blob/main/notebooks/{path.name}" in title
    assert "**What you will learn**" in title
    assert '"google.colab" in sys.modules' in source(notebook[1])
    text = "\n".join(source(c) for c in notebook)
    assert "## Summary" in text and "Your turn" in text
    solution = ROOT / "notebooks" / "solutions" / path.name.replace(".ipynb", "_solutions.ipynb")
    assert solution.exists(), f"{path.name} has exercises but no worked solutions"
    assert f"solutions/{solution.name}" in text


@pytest.mark.parametrize("path", LESSONS + SOLUTIONS, ids=lambda p: p.name)
def test_outputs_come_from_one_fresh_run(path):
    code = [c for c in cells(path) if c["cell_type"] == "code" and source(c).strip()]
    assert [c["execution_count"] for c in code] == list(range(1, len(code) + 1))
    outputs = [o for c in code for o in c["outputs"]]
    assert not [o for o in outputs if o["output_type"] == "error"]
    assert any("NBVAL_CHECK_OUTPUT" in source(c) for c in code), "nothing for nbval to compare"
    checked = [c for c in code if "NBVAL_CHECK_OUTPUT" in source(c)]
    assert all(c["outputs"] for c in checked)
    # Checked outputs must not hold what changes from run to run.
    for cell in checked:
        text = json.dumps(cell["outputs"])
        assert not re.search(r"0x[0-9a-f]{6,}", text), "an object address in a checked cell"


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_figures_are_stored_as_images(path):
    # With MPLBACKEND=Agg in the environment figures silently vanish from the outputs.
    images = [
        o
        for c in cells(path)
        if c["cell_type"] == "code"
        for o in c["outputs"]
        if "image/png" in o.get("data", {})
    ]
    assert len(images) >= 2


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_readme_thumbnail_is_the_notebooks_own_figure(path):
    thumbnail = ROOT / "docs" / path.with_suffix(".png").name
    assert thumbnail.read_bytes() == make_thumbnails.thumbnail(path), "run make notebooks"
    assert f"docs/{thumbnail.name}" in (ROOT / "README.md").read_text()


@pytest.mark.slow
@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_lesson_runs_top_to_bottom_in_under_30_seconds(path, tmp_path):
    """The classroom budget (each lesson well under 20 s alone on the 2-core machine; the
    bound leaves room for a shared CI runner)."""
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=120,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    start = time.perf_counter()
    client.execute()
    elapsed = time.perf_counter() - start
    print(f"{path.name}: {elapsed:.1f} s")
    assert elapsed < 30, f"{path.name} took {elapsed:.1f} s"
