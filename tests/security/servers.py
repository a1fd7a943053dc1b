"""A real ``reverie serve`` to attack, on a small SQLite study (the team server is tests/team's).

Test modules take the fixtures from here. The local server is the real CLI command in a
subprocess; a client opens the URL it prints the way a browser does (following redirects, keeping
cookies) and learns the workbench's base address and CSRF token from the page, so these tests
attack what a user runs.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from tests.team.conftest import free_port
from tests.web.conftest import build_study


@dataclass
class Workbench:
    """A running ``reverie serve``: its process, study folder, base address and a signed-in client."""

    process: subprocess.Popen
    root: Path
    base: str
    client: httpx.Client

    def url(self, path: str) -> str:
        return self.base + path.lstrip("/")


def open_workbench(printed: str) -> tuple[httpx.Client, str]:
    """Open the printed URL as a browser would; returns the client and the workbench's base address."""
    client = httpx.Client(follow_redirects=True, timeout=60)
    page = client.get(printed)
    assert page.status_code == 200, (page.status_code, page.text[:300])
    landed = urlsplit(str(page.url))
    base = f"{landed.scheme}://{landed.netloc}{landed.path[:landed.path.rindex('/') + 1]}"
    token = re.search(r'<meta name="(?:csrf-token|reverie-csrf)" content="([^"]+)"', page.text)
    if token:
        client.headers["X-CSRF-Token"] = token[1]
    client.headers["Origin"] = f"{landed.scheme}://{landed.netloc}"
    return client, base


def start_workbench(root: Path, *extra: str) -> Workbench:
    """``reverie serve`` on ``root`` in a subprocess, opened by a client; stop it with :func:`stop`."""
    process = subprocess.Popen([sys.executable, "-m", "reverie.cli", "serve", str(root), "--port", str(free_port()),
                                "--no-browser", *extra], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    printed = process.stdout.readline().strip()
    if not printed.startswith("http://127.0.0.1:"):
        process.kill()
        raise AssertionError(f"serve printed {printed!r}; stderr: {process.stderr.read()}")
    client, base = open_workbench(printed)
    return Workbench(process, root, base, client)


def stop(workbench: Workbench) -> None:
    workbench.client.close()
    workbench.process.terminate()
    try:
        workbench.process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        workbench.process.kill()


@pytest.fixture(scope="session")
def local_study(tmp_path_factory) -> Path:
    """A small SQLite study (tests/web's: P1 locked with a recording, P2 a draft, P3 planned)."""
    return build_study(tmp_path_factory.mktemp("security") / "study", tmp_path_factory.mktemp("security-scratch"))


@pytest.fixture
def workbench(local_study: Path, tmp_path: Path):
    """``reverie serve`` on a fresh copy of the study, stopped after the test."""
    running = start_workbench(Path(shutil.copytree(local_study, tmp_path / "study")))
    yield running
    stop(running)
