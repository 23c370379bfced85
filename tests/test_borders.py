"""Module borders, checked on the source with ast: no module reads another's private names,
and plotting never reaches the training code.

Nothing is imported, so a module that is mid-change cannot keep the check from running,
and every offender is reported at once, as ``path:line: what``.
"""

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# A private module shared by the whole package (argument checks): importing from it is fine.
SHARED_PRIVATE = {"replay_lab._checks"}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in sorted((ROOT / "replay_lab").rglob("*.py"))}


def private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def absolute(node: ast.ImportFrom, module: str) -> str:
    """The module a ``from ... import`` reads from, with relative imports resolved."""
    if not node.level:
        return node.module or ""
    parts = module.split(".")
    if MODULES.get(module, ROOT).name != "__init__.py":
        parts = parts[:-1]  # a plain module: level 1 is the package it sits in
    base = parts[: len(parts) - node.level + 1]
    return ".".join([*base, node.module] if node.module else base)


def private_reads(module: str, source: str, where: str) -> list[str]:
    """``x._name`` with ``x`` other than self or cls, and private names imported from
    another module of the package."""
    offenders = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and private(node.attr):
            if not (isinstance(node.value, ast.Name) and node.value.id in {"self", "cls"}):
                offenders.append(f"{where}:{node.lineno}: reads {ast.unparse(node)}")
        elif isinstance(node, ast.ImportFrom):
            origin = absolute(node, module)
            if origin.split(".")[0] != "replay_lab" or origin == module:
                continue
            for alias in node.names:
                if private(alias.name) and f"{origin}.{alias.name}" not in SHARED_PRIVATE:
                    offenders.append(f"{where}:{node.lineno}: imports {alias.name} from {origin}")
    return offenders


def package_imports(module: str) -> set[str]:
    """The replay_lab modules whose code ``module`` runs by its own imports (the parent
    packages that Python initialises on the way are not counted)."""
    found = set()
    for node in ast.walk(ast.parse(MODULES[module].read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            origin = absolute(node, module)
            submodules = {f"{origin}.{alias.name}" for alias in node.names} & set(MODULES)
            # ``from package import submodule`` runs the submodule; any other name comes
            # from the package's own code.
            found |= submodules if len(submodules) == len(node.names) else {origin, *submodules}
    return (found & set(MODULES)) - {module}


def test_the_check_sees_the_whole_package():
    assert {"replay_lab", "replay_lab.agents", "replay_lab.plotting", "replay_lab.stats"} <= set(
        MODULES
    )


def test_the_check_flags_private_reads_and_nothing_else():
    source = (
        "from replay_lab.sumtree import _hidden, SumTree\n"
        "from replay_lab._checks import check_real\n"
        "from .core import _private, td_error\n"
        "def f(self, cls, tree, other):\n"
        "    return self._a, cls._b, tree._nodes, other.__class__, tree.nodes()\n"
    )
    found = [line.split(": ", 1)[1] for line in private_reads("replay_lab.x", source, "x.py")]
    assert found == [
        "imports _hidden from replay_lab.sumtree",
        "imports _private from replay_lab.core",
        "reads tree._nodes",
    ]


def test_no_module_reads_another_modules_private_names():
    offenders = [
        line
        for module, path in MODULES.items()
        for line in private_reads(module, path.read_text(), str(path.relative_to(ROOT)))
    ]
    assert not offenders, "private names read across modules:\n" + "\n".join(offenders)


def test_plotting_never_imports_the_training_code():
    plotting = {name for name in MODULES if name.startswith("replay_lab.plotting")}
    assert {"replay_lab.plotting", "replay_lab.plotting.curves"} <= plotting
    importer = dict.fromkeys(plotting)  # who first imported each module reached
    frontier = sorted(plotting)
    while frontier:  # everything plotting imports, directly or through other modules
        module = frontier.pop()
        for imported in sorted(package_imports(module) - importer.keys()):
            importer[imported] = module
            frontier.append(imported)
    chain = ["replay_lab.agents"]
    while chain[-1] in importer and importer[chain[-1]] is not None:
        chain.append(importer[chain[-1]])
    assert "replay_lab.agents" not in importer, " <- imported by ".join(chain)


NUMPY_ONLY = ["core", "sumtree", "buffers", "prioritized", "schedules", "results"]


def test_the_readable_core_imports_with_numpy_alone():
    # Block every other third-party package the lab uses, then import the numpy-only modules.
    code = (
        "import sys\n"
        "for name in ('gymnasium', 'matplotlib', 'ipywidgets', 'IPython'):\n"
        "    sys.modules[name] = None\n"
        + "".join(f"import replay_lab.{name}\n" for name in NUMPY_ONLY)
        + "import replay_lab\n"
        "assert replay_lab.q_update is replay_lab.core.q_update\n"
        "try:\n"
        "    replay_lab.train\n"
        "except ImportError:\n"
        "    print('train needs gymnasium')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "train needs gymnasium"
