"""Fixtures of the real-browser test (`make test-browser`): Debian's Chromium driven by
Playwright, every request to a host other than loopback aborted and recorded, servers on
loopback ports, screenshots of failures in browser_tests/screenshots/."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
LOOPBACK = {"127.0.0.1", "localhost", "[::1]", "::1"}
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMINGS: list[str] = []  # printed at the end of the run


def pytest_addoption(parser):
    parser.addoption("--chromium", default="/usr/bin/chromium", help="Chromium to drive")


def pytest_terminal_summary(terminalreporter):
    if TIMINGS:
        terminalreporter.section("browser timings")
        for line in TIMINGS:
            terminalreporter.write_line(line)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    page = item.funcargs.get("page") if hasattr(item, "funcargs") else None
    if report.when == "call" and report.failed and page is not None and not page.is_closed():
        SCREENSHOTS.mkdir(exist_ok=True)
        path = SCREENSHOTS / f"{item.name.replace('/', '_')}.png"
        try:
            page.screenshot(path=path, full_page=True)
            report.sections.append(("screenshot", str(path)))
        except Exception as error:  # a screenshot must not hide the failure itself
            report.sections.append(("screenshot", f"failed: {error}"))
    return report


class Foreign:
    """Requests to other hosts: aborted by the route, recorded here, failed after each test."""

    def __init__(self):
        self.urls: list[str] = []

    def route(self, route):
        host = urllib.parse.urlsplit(route.request.url).hostname or ""
        if route.request.url.startswith(("data:", "blob:")) or host in LOOPBACK:
            route.continue_()
        else:
            self.urls.append(route.request.url)
            route.abort()


@pytest.fixture(scope="session")
def foreign():
    return Foreign()


@pytest.fixture(scope="session")
def context(request, tmp_path_factory, foreign):
    from playwright.sync_api import sync_playwright

    chromium = request.config.getoption("--chromium")
    if not os.access(chromium, os.X_OK):
        pytest.fail(f"no Chromium at {chromium}: make test-browser installs Debian's chromium")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),
            executable_path=chromium,
            headless=True,
            args=CHROMIUM_FLAGS,
            viewport={"width": 1400, "height": 1000},
        )
        context.route("**/*", foreign.route)
        yield context
        context.close()


@pytest.fixture
def page(context, foreign):
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.errors = errors
    before = len(foreign.urls)
    yield page
    page.close()
    assert foreign.urls[before:] == [], "requests to hosts other than loopback"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, server: subprocess.Popen, log: Path, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=60):
                return
        except OSError:
            if server.poll() is not None:
                pytest.fail(f"server exited with {server.returncode}:\n{log.read_text()}")
            if time.monotonic() > deadline:
                pytest.fail(f"no answer from {url} within {timeout} s:\n{log.read_text()}")
            time.sleep(0.5)


def start(command: list[str], cwd: Path, env: dict, log: Path) -> subprocess.Popen:
    with log.open("w") as output:
        return subprocess.Popen(
            command, cwd=cwd, env=env, start_new_session=True, stdout=output, stderr=output
        )


def stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)


# JupyterLab settings of the test's own settings folder: every cell in the page (no
# windowing, so all can be counted), no news or update checks.
LAB_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
}


@pytest.fixture(scope="session")
def lab(tmp_path_factory):
    """JupyterLab on a loopback port with a token, serving a temporary copy of notebooks/."""
    home = tmp_path_factory.mktemp("lab")
    shutil.copytree(ROOT / "notebooks", home / "notebooks")
    for name, settings in LAB_SETTINGS.items():
        path = home / "settings" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(settings))
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(home / "config"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "JUPYTERLAB_SETTINGS_DIR": str(home / "settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"),
    }
    port, token = free_port(), "browser-test-token"
    command = [
        str(Path(sys.executable).with_name("jupyter")),
        "lab",
        "--no-browser",
        f"--port={port}",
        "--ServerApp.ip=127.0.0.1",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={home / 'notebooks'}",
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        *(["--allow-root"] if os.getuid() == 0 else []),
    ]
    log = home / "lab.log"
    server = start(command, home, env, log)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{base}/api/status?token={token}", server, log)
        yield {"base": base, "token": token, "root": home / "notebooks"}
    finally:
        stop(server)


@pytest.fixture(scope="session")
def demo(tmp_path_factory):
    """`make demo` on a loopback port, in this environment."""
    home = tmp_path_factory.mktemp("demo")
    port = free_port()
    command = [
        "make",
        "--no-print-directory",
        "demo",
        f"VENV={sys.prefix}",
        f"DEMO_ARGS=--no-browser --port={port}",
    ]
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(home), "JUPYTER_CONFIG_DIR": str(home)}
    log = home / "demo.log"
    server = start(command, ROOT, env, log)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{base}/voila/static/fontawesome/css/all.min.css", server, log)
        yield {"base": base, "log": log}
    finally:
        stop(server)
