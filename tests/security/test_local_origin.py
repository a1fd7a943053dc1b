"""Local mode against a hostile page on another port of 127.0.0.1, in Chromium, and the one-time links.

Browsers send 127.0.0.1 cookies to every port and SameSite ignores ports, so a page served from
another local port is "same-site" with the workbench. These tests run the real ``reverie serve``
and a second small server on another port, and check with plain SQL that nothing was written.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from reverie.services.involvement import consultations
from reverie.services.study import studies
from tests.e2e.conftest import CHROMIUM, free_port, reverie_command
from tests.web.conftest import build_study

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing (apt-get install -y chromium)")


@dataclass
class Served:
    link: str  # the first line `reverie serve` printed
    base: str  # the workbench's own address, ending in "/"
    study: Path


@contextmanager
def serving(study: Path, *, browser: Path | None = None) -> Iterator[Served]:
    """The real ``reverie serve`` on a free port; with ``browser``, the program it opens the link with."""
    env, args = None, ["--no-browser"]
    if browser is not None:
        env, args = {**os.environ, "BROWSER": str(browser)}, []
    process = subprocess.Popen([*reverie_command(), "serve", str(study), "--port", str(free_port()), *args],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        link = process.stdout.readline().strip()
        assert link.startswith("http://127.0.0.1:"), (link, process.stderr.read() if process.poll() else "")
        yield Served(link, link.split("?")[0], study)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture(scope="module")
def study_template(tmp_path_factory) -> Path:
    """The small web study (P1 with a recording) plus a member reflection consultation for P1."""
    root = build_study(tmp_path_factory.mktemp("local") / "study", tmp_path_factory.mktemp("local-scratch"))
    study = studies.open_study(root)
    try:
        consultations.add_consultation(study, "member_reflection", participant="P1", held_on="2019-06-01")
    finally:
        study.close()
    return root


@pytest.fixture
def fresh_study(study_template: Path, tmp_path: Path):
    """A factory of fresh copies of the study (copying the folder copies the study)."""
    made = iter(range(100))
    return lambda: Path(shutil.copytree(study_template, tmp_path / f"study-{next(made)}"))


class Hostile(ThreadingHTTPServer):
    """Another server on another port of 127.0.0.1: serves one page and records every Cookie header it gets."""

    def __init__(self, page: str) -> None:
        self.page, self.cookies = page, []
        super().__init__(("127.0.0.1", 0), HostileHandler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/"


class HostileHandler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.server.cookies.append(self.headers.get("Cookie", ""))
        body = self.server.page.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@contextmanager
def hostile_server(page: str) -> Iterator[Hostile]:
    server = Hostile(page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def hostile_page(base: str) -> str:
    """Two auto-submitted forms and a credentialed fetch at the workbench; sets ``window.attempts`` as each lands."""
    return f"""<!doctype html><title>cat pictures</title>
<iframe name="one"></iframe><iframe name="two"></iframe>
<form id="group" target="one" method="post" action="{base}ppi-groups">
  <input name="label" value="HOSTILE-GROUP"><input name="composition" value="made by another page"></form>
<form id="withdraw" target="two" method="post" action="{base}consultations/1/responses">
  <input name="summary" value="The participant withdraws consent"><input name="types" value="other">
  <input name="target" value="whole_analysis"></form>
<script>
  window.attempts = 0;
  for (const frame of document.querySelectorAll("iframe")) frame.addEventListener("load", () => window.attempts++);
  document.getElementById("group").submit();
  document.getElementById("withdraw").submit();
  fetch("{base}ppi-groups", {{method: "POST", mode: "no-cors", credentials: "include",
    body: new URLSearchParams({{label: "HOSTILE-FETCH", composition: "x"}})}})
    .finally(() => window.attempts++);
</script>"""


def rows(study: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(study / "study.db") as db:
        return db.execute(sql).fetchall()


def signed_in_page(context, link: str):
    page = context.new_page()
    page.set_default_timeout(15_000)
    assert page.goto(link).status == 200
    return page


def add_group(page, base: str, label: str) -> None:
    """Add a PPI group through the workbench's own form, as a researcher would."""
    from playwright.sync_api import expect

    page.goto(base + "consultations")
    page.get_by_label("PPI group label, e.g. PPI-A").fill(label)
    page.get_by_role("button", name="Add the PPI group").click()
    expect(page.get_by_role("listitem").filter(has_text=label)).to_be_visible()


def test_a_page_on_another_port_cannot_write_and_never_receives_the_cookie(browser, fresh_study):
    study = fresh_study()
    with serving(study) as served:
        before = (rows(study, "SELECT count(*) FROM responses"), rows(study, "SELECT count(*) FROM audit_events"))
        context = browser.new_context()
        page = signed_in_page(context, served.link)
        with hostile_server(hostile_page(served.base)) as hostile:
            attack = context.new_page()
            attack.goto(hostile.url)
            attack.wait_for_function("window.attempts >= 3")
            received = list(hostile.cookies)
        assert rows(study, "SELECT label FROM ppi_groups WHERE label LIKE 'HOSTILE%'") == []
        assert (rows(study, "SELECT count(*) FROM responses"),
                rows(study, "SELECT count(*) FROM audit_events")) == before
        assert received and not any("reverie" in cookie for cookie in received), received

        # The same browser, on the workbench's own page, still writes: the refusals were not a lost session.
        add_group(page, served.base, "PPI-OWN")
        assert rows(study, "SELECT label FROM ppi_groups WHERE label = 'PPI-OWN'") == [("PPI-OWN",)]
        context.close()


def test_a_change_needs_the_csrf_token_and_the_workbench_origin(fresh_study):
    study = fresh_study()
    with serving(study) as served, httpx.Client(follow_redirects=False) as client:
        assert client.get(served.link).status_code == 303
        page = client.get(served.base + "consultations")
        token = re.search(r'<meta name="csrf-token" content="([^"]+)"', page.text)[1]
        url, form = served.base + "ppi-groups", {"label": "PPI-X", "composition": "carers"}
        other_port = f"http://127.0.0.1:{free_port()}"
        refused = [client.post(url, data=form),
                   client.post(url, data={**form, "csrf_token": "guess"}),
                   client.post(url, data=form, headers={"X-CSRF-Token": token, "Origin": other_port}),
                   client.post(url, data=form, headers={"X-CSRF-Token": token, "Sec-Fetch-Site": "same-site"})]
        assert [r.status_code for r in refused] == [403] * 4, [r.text for r in refused]
        assert rows(study, "SELECT count(*) FROM ppi_groups WHERE label = 'PPI-X'") == [(0,)]
        assert client.post(url, data={**form, "csrf_token": token}).status_code == 303
        assert client.post(url, data={**form, "label": "PPI-Y"}, headers={"X-CSRF-Token": token}).status_code == 303
        assert rows(study, "SELECT label FROM ppi_groups WHERE label IN ('PPI-X', 'PPI-Y') ORDER BY label") == [
            ("PPI-X",), ("PPI-Y",)]
        # A plain form's token is read from its body, in memory: never past 10 MB, even where uploads may be
        # larger (the upload page sends the token in the header).
        large = client.post(served.base + "import/recording", data={"interview": "P1/1", "csrf_token": token},
                            files={"recording": ("big.wav", b"\0" * 11_000_000, "audio/wav")})
        assert large.status_code == 403 and "X-CSRF-Token header" in large.text


def test_a_one_time_link_opens_the_workbench_once_and_only_under_its_prefix(fresh_study):
    with serving(fresh_study()) as served:
        origin = served.base.split("/s-")[0]
        with httpx.Client(follow_redirects=False) as first, httpx.Client(follow_redirects=False) as second:
            opened = first.get(served.link)
            assert opened.status_code == 303 and opened.headers["location"].startswith("/s-")
            cookie = opened.headers["set-cookie"]
            assert f"Path={opened.headers['location']}" in cookie and "HttpOnly" in cookie
            assert first.get(served.base).status_code == 200
            assert second.get(served.link).status_code == 403  # the code died on first use
            assert second.get(served.base).status_code == 403
            assert first.get(origin + "/").status_code == 404  # nothing lives outside the prefix


def test_the_browser_command_line_holds_nothing_that_opens_the_study(fresh_study, tmp_path):
    argv_file = tmp_path / "argv.txt"
    fake_browser = tmp_path / "browser"
    fake_browser.write_text(f"#!/bin/sh\nprintf '%s\\n' \"$@\" > {argv_file}\n", encoding="utf-8")
    fake_browser.chmod(0o755)
    with serving(fresh_study(), browser=fake_browser), httpx.Client(follow_redirects=False) as client:
        for _ in range(600):  # the server opens the browser as it starts
            if argv_file.exists() and argv_file.read_text():
                break
            threading.Event().wait(0.05)
        command_line = argv_file.read_text()
        [link] = re.findall(r"http://127\.0\.0\.1:\S+", command_line)
        opened = client.get(link)
        assert opened.status_code == 303
        session = re.search(r"=([^;]+);", opened.headers["set-cookie"])[1]
        assert session not in command_line
        ps = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True, check=True).stdout
        assert session not in ps
        with httpx.Client(follow_redirects=False) as someone_else:
            assert someone_else.get(link).status_code == 403  # what `ps` showed is spent


def test_two_studies_in_one_browser_stay_signed_in(browser, fresh_study):
    first, second = fresh_study(), fresh_study()
    with serving(first) as one, serving(second) as two:
        context = browser.new_context()
        page = signed_in_page(context, one.link)
        assert page.goto(two.link).status == 200
        for served, label in ((one, "PPI-ONE"), (two, "PPI-TWO")):
            assert page.goto(served.base).status == 200
            add_group(page, served.base, label)
        assert rows(first, "SELECT label FROM ppi_groups WHERE label LIKE 'PPI-%'") == [("PPI-ONE",)]
        assert rows(second, "SELECT label FROM ppi_groups WHERE label LIKE 'PPI-%'") == [("PPI-TWO",)]
        context.close()
