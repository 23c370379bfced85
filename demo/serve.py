"""Serve the slider dashboard with Voilà, offline: `make demo` runs this.

    python demo/serve.py [VOILA ARGUMENTS...]

Builds replay_lab's Voilà template into build/voila/ (demo/template/ plus Font Awesome's CSS
and web fonts, copied from the fontawesome-free package: the stock "lab" template links them
from a CDN), then runs Voilà on demo/dashboard.ipynb on 127.0.0.1. Code cells are hidden
(Voilà's default). Every open tab holds a kernel of about 100 MiB; kernels left idle for
CULL_IDLE_SECONDS are shut down. Arguments after the script's name go to Voilà and win over
these defaults, e.g. `--port=9000`, `--no-browser`, or `--Voila.ip=0.0.0.0` to let other
machines in the room connect.
"""

from __future__ import annotations

import importlib.metadata
import os
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DASHBOARD = ROOT / "demo" / "dashboard.ipynb"
JUPYTER_DATA = ROOT / "build" / "voila"  # put on JUPYTER_PATH, where Voilà looks for templates
TEMPLATE_NAME = "replay_lab"
CULL_IDLE_SECONDS = 600
CULL_INTERVAL_SECONDS = 60


def fontawesome_dir() -> Path:
    """Font Awesome's folder (css/, webfonts/) inside the installed fontawesome-free package."""
    dist = importlib.metadata.distribution("fontawesome-free")
    path = Path(dist.locate_file("fontawesome-free/static/fontawesome_free"))
    if not (path / "css" / "all.min.css").exists():
        raise SystemExit(f"error: Font Awesome's CSS not found under {path}")
    return path


def build_template() -> Path:
    """build/voila/voila/templates/replay_lab: our template with Font Awesome in static/."""
    target = JUPYTER_DATA / "voila" / "templates" / TEMPLATE_NAME
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(ROOT / "demo" / "template", target)
    source = fontawesome_dir()
    for folder in ("css", "webfonts"):
        shutil.copytree(source / folder, target / "static" / "fontawesome" / folder)
    shutil.copy(source / "LICENSE.txt", target / "static" / "fontawesome" / "LICENSE.txt")
    return target


def voila_command(extra: list[str]) -> list[str]:
    """Voilà's command line: our defaults, less those that ``extra`` sets, then ``extra``."""
    defaults = {
        "--template": TEMPLATE_NAME,
        "--theme": "light",
        "--Voila.ip": "127.0.0.1",
        "--port": "8866",
        "--MappingKernelManager.cull_idle_timeout": str(CULL_IDLE_SECONDS),
        "--MappingKernelManager.cull_interval": str(CULL_INTERVAL_SECONDS),
    }
    aliases = {"--Voila.port": "--port", "--Voila.template": "--template", "--ip": "--Voila.ip"}
    given = {aliases.get(a.split("=")[0], a.split("=")[0]) for a in extra}
    options = [f"{key}={value}" for key, value in defaults.items() if key not in given]
    voila = Path(sys.executable).with_name("voila")
    return [str(voila), str(DASHBOARD), *options, *extra]


def main(argv: list[str]) -> None:
    build_template()
    paths = [str(JUPYTER_DATA), *filter(None, os.environ.get("JUPYTER_PATH", "").split(os.pathsep))]
    os.environ["JUPYTER_PATH"] = os.pathsep.join(paths)
    command = voila_command(argv)
    print(" ".join(command), flush=True)
    os.execv(command[0], command)


if __name__ == "__main__":
    main(sys.argv[1:])
