"""The two-command setup: dependency lists agree, README shows the commands, `make lab`
serves the notebooks."""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def requirement_names(lines):
    names = {}
    for line in lines:
        line = line.split("#")[0].strip().lstrip("- ").strip()
        match = re.fullmatch(r"([A-Za-z0-9_.\-]+)\s*([<>=!~].*)?", line)
        if match:
            names[match[1].lower()] = (match[2] or "").replace(" ", "")
    return names


def test_requirements_and_environment_yml_agree():
    pip = requirement_names((ROOT / "requirements.txt").read_text().splitlines())
    yml = (ROOT / "environment.yml").read_text()
    dependencies = yml.split("dependencies:")[1].split("- pip:")[0].splitlines()
    conda = requirement_names(dependencies)
    conda.pop("python"), conda.pop("pip")
    assert pip == conda
    expected = {
        "numpy",
        "matplotlib",
        "gymnasium",
        "jupyterlab",
        "ipywidgets",
        "nbval",
        "pytest",
        "hypothesis",
        "ruff",
    }
    assert set(pip) == expected


def test_readme_shows_the_commands_first():
    readme = (ROOT / "README.md").read_text()
    first_block = readme.split("```")[1]
    assert "make lab" in first_block and "make test" in first_block
    assert "conda env create -f environment.yml" in readme
    assert "pip install -r requirements.txt" in readme
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in ci


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.slow
def test_make_lab_serves_the_notebooks(tmp_path):
    port = free_port()
    args = f"--no-browser --port={port} --ServerApp.ip=127.0.0.1 --IdentityProvider.token=token"
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp_path), "JUPYTER_CONFIG_DIR": str(tmp_path)}
    # VENV points make at the environment running this test, so no second venv is built.
    command = ["make", "--no-print-directory", "lab", f"VENV={sys.prefix}", f"JUPYTER_ARGS={args}"]
    log = tmp_path / "lab.log"
    with log.open("w") as output:
        server = subprocess.Popen(
            command, cwd=ROOT, env=env, start_new_session=True, stdout=output, stderr=output
        )
    try:
        status = fetch_json(f"http://127.0.0.1:{port}/api/status?token=token", server, log)
        assert "started" in status
        contents = fetch_json(f"http://127.0.0.1:{port}/api/contents?token=token", server, log)
        served = {item["name"] for item in contents["content"]}
        on_disk = {p.name for p in (ROOT / "notebooks").iterdir() if not p.name.startswith(".")}
        assert served == on_disk
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)


def fetch_json(url: str, server: subprocess.Popen, log: Path, timeout: float = 90.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return json.load(response)
        except OSError:
            if server.poll() is not None:
                pytest.fail(f"make lab exited with {server.returncode}:\n{log.read_text()}")
            if time.monotonic() > deadline:
                pytest.fail(f"no answer from {url} within {timeout} s")
            time.sleep(0.5)
