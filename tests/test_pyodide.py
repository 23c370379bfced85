"""The browser route (JupyterLite, Pyodide): the `_multiprocessing` stub and the notebooks'
setup cell, run here under a faked ``sys.platform == "emscripten"``."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from IPython.core.inputtransformer2 import TransformerManager

from replay_lab import _pyodide

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")) + sorted(
    (ROOT / "notebooks" / "solutions").glob("*.ipynb")
)

# Pyodide's Python has no _multiprocessing: None in sys.modules makes its import fail here too.
IN_A_FAKE_BROWSER = """
import sys
sys.modules["_multiprocessing"] = None
sys.platform = "emscripten"
import replay_lab
import gymnasium as gym
sys.platform = "linux"
print(type(sys.modules["_multiprocessing"]).__name__, sys.modules["_multiprocessing"].__doc__)
print(replay_lab.value_iteration(gym.make("CliffWalking-v1"), 1.0).shape)
import multiprocessing
multiprocessing.Lock()
"""


def run(code: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT
    )


def test_without_the_stub_gymnasium_cannot_be_imported_in_the_browser():
    result = run('import sys\nsys.modules["_multiprocessing"] = None\nimport gymnasium')
    assert result.returncode != 0
    assert "sem_open" in result.stderr or "_multiprocessing" in result.stderr


def test_under_pyodide_importing_replay_lab_stubs_multiprocessing_first():
    result = run(IN_A_FAKE_BROWSER)
    lines = result.stdout.splitlines()
    assert lines[0].startswith("module replay_lab's stand-in"), result.stderr
    assert lines[1] == "(48, 4)"
    # Using a process primitive fails loudly, with the reason.
    assert "OSError: multiprocessing is not available in the browser" in result.stderr


def test_elsewhere_the_stub_does_nothing(monkeypatch):
    import _multiprocessing

    assert _pyodide.install("linux") is False
    # Under emscripten with the real module importable, nothing is replaced either.
    assert _pyodide.install("emscripten") is False
    assert sys.modules["_multiprocessing"] is _multiprocessing


def setup_cell(path: Path) -> str:
    return "".join(json.loads(path.read_text())["cells"][1]["source"])


def test_every_notebook_has_the_same_setup_cell():
    cells = {setup_cell(path) for path in NOTEBOOKS}
    assert len(cells) == 1, "the setup cells differ"
    assert len(NOTEBOOKS) >= 6


class FakeShell:
    """What the setup cell's `%pip` lines call: get_ipython().run_line_magic."""

    def __init__(self):
        self.magics = []

    def run_line_magic(self, name, line, _stack_depth=1):
        self.magics.append((name, line))


@pytest.mark.parametrize(
    ("platform", "modules", "expected"),
    [
        ("linux", {}, []),
        ("emscripten", {}, [("pip", "install replay_lab ipywidgets")]),
        ("linux", {"google.colab": object()}, [("pip", "install --quiet git+")]),
    ],
    ids=["local", "jupyterlite", "colab"],
)
def test_setup_cell_installs_only_where_it_must(monkeypatch, platform, modules, expected):
    code = TransformerManager().transform_cell(setup_cell(NOTEBOOKS[0]))
    shell = FakeShell()
    monkeypatch.setattr(sys, "platform", platform)
    for name, module in modules.items():
        monkeypatch.setitem(sys.modules, name, module)
    monkeypatch.delitem(sys.modules, "replay_lab", raising=False)
    namespace = {"get_ipython": lambda: shell}
    exec(compile(code, "setup cell", "exec"), namespace)
    assert len(shell.magics) == len(expected), shell.magics
    for (name, line), (want_name, want_start) in zip(shell.magics, expected, strict=True):
        assert name == want_name and line.startswith(want_start), (name, line)
    # In the browser the cell imports replay_lab itself, so the stub is in place before the
    # next cell imports gymnasium.
    assert ("replay_lab" in namespace) == (platform == "emscripten")
