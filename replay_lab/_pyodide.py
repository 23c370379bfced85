"""What replay_lab needs to import in the browser (JupyterLite, Pyodide).

Pyodide's Python has no ``_multiprocessing`` (a browser tab cannot start processes), and
gymnasium imports ``multiprocessing.synchronize`` at import time, for its vector
environments, which imports ``SemLock`` and ``sem_unlink`` from it. replay_lab never starts a
process, so under Pyodide (``sys.platform == "emscripten"``) a stub module stands in: the
imports succeed, and anything that would really start a process or take a lock between
processes raises an ``OSError`` that says why. Everywhere else this module does nothing.
The workaround is the one discussed in pyodide/pyodide#1603.

``replay_lab/__init__.py`` imports this module first, so ``import replay_lab`` installs the
stub before gymnasium is imported; the notebooks' setup cell imports replay_lab in the
browser before anything else.
"""

from __future__ import annotations

import importlib.util
import sys
import types

__all__ = ["install"]

_MESSAGE = (
    "multiprocessing is not available in the browser (Pyodide has no processes); "
    "replay_lab only stubs it so that gymnasium can be imported"
)


def _unavailable(*args, **kwargs):
    raise OSError(_MESSAGE)


class _SemLock:
    """Stand-in for ``_multiprocessing.SemLock``: importable, not usable."""

    SEM_VALUE_MAX = 2**31 - 1

    def __init__(self, *args, **kwargs):
        _unavailable()

    @classmethod
    def _rebuild(cls, *args):
        _unavailable()


def _missing() -> bool:
    """True when ``import _multiprocessing`` would fail."""
    if "_multiprocessing" in sys.modules:
        return sys.modules["_multiprocessing"] is None
    return importlib.util.find_spec("_multiprocessing") is None


def install(platform: str | None = None) -> bool:
    """Put the stub in ``sys.modules`` under Pyodide when the real module is missing.

    ``platform`` defaults to ``sys.platform``. Returns True when the stub was installed.

    >>> install("linux")
    False
    """
    if (platform or sys.platform) != "emscripten" or not _missing():
        return False
    stub = types.ModuleType("_multiprocessing", "replay_lab's stand-in: " + _MESSAGE)
    stub.SemLock = _SemLock
    stub.sem_unlink = _unavailable
    stub.flags = {}
    sys.modules["_multiprocessing"] = stub
    return True


install()
