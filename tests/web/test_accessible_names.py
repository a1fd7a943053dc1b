"""Every control on every page of the demo study has an accessible name, as a screen reader needs.

A control is named by a ``<label for>``, a wrapping ``<label>``, ``aria-label``, ``aria-labelledby``
or, for a button or link, its own text. Hidden inputs and the CSRF field need none. Every page
the workbench serves by GET is rendered from the demo study (path ids filled from it) and
scanned, and so is every fragment (an edit form fetched into a page); downloads are skipped.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from starlette.routing import Route

from reverie.services.demo import build_demo
from reverie.web.app import create_app
from reverie.web.routes import ROUTERS
from reverie.web.security import LocalAccess
from tests.web.conftest import PREFIX

IDS = {"code": "P1", "round_no": "1", "handle": "E1", "code_id": "1", "coding_id": "1", "consultation_id": "1",
       "response_id": "1", "job_id": "1", "fmt": "html", "version": "1", "theme_id": "1", "number": "1",
       "entry_id": "1", "group": "PPI-A", "memo_id": "1"}
CONTROLS = {"input", "select", "textarea", "button"}


class Controls(HTMLParser):
    """The page's controls, its labels' targets and the texts inside buttons and labels."""

    def __init__(self) -> None:
        super().__init__()
        self.controls: list[dict] = []
        self.labelled: set[str] = set()
        self.open: list[dict] = []  # labels and buttons being read, innermost last

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "label":
            if attrs.get("for"):
                self.labelled.add(attrs["for"])
            self.open.append({"tag": "label", "text": "", "inside": []})
        elif tag in CONTROLS:
            control = {"tag": tag, "attrs": attrs, "text": "", "in_label": any(o["tag"] == "label" for o in self.open)}
            self.controls.append(control)
            if tag in ("button", "textarea", "select"):
                self.open.append({"tag": tag, "text": "", "control": control})

    def handle_endtag(self, tag):
        for index in range(len(self.open) - 1, -1, -1):
            if self.open[index]["tag"] == tag:
                closed = self.open.pop(index)
                if "control" in closed:
                    closed["control"]["text"] = closed["text"]
                break

    def handle_data(self, data):
        for item in self.open:
            item["text"] += data


def unnamed(html: str) -> list[str]:
    parser = Controls()
    parser.feed(html)
    missing = []
    for control in parser.controls:
        attrs = control["attrs"]
        if control["tag"] == "input" and attrs.get("type") in ("hidden",):
            continue
        named = (attrs.get("aria-label") or attrs.get("aria-labelledby") or control["in_label"]
                 or (attrs.get("id") and attrs["id"] in parser.labelled) or attrs.get("title")
                 or (control["tag"] == "button" and control["text"].strip())
                 or (control["tag"] == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value")))
        if not named:
            missing.append(f"<{control['tag']} {' '.join(f'{k}={v!r}' for k, v in attrs.items())}>")
    return missing


@pytest.fixture(scope="module")
def demo_client(tmp_path_factory):
    root = Path(tmp_path_factory.mktemp("demo")) / "demo"
    build_demo(root).close()
    app = create_app(root, LocalAccess(PREFIX))
    with TestClient(app, base_url=f"http://testserver{PREFIX}/") as client:
        client.get(f"/?once={app.state.access.issue_code()}")
        yield client


def page_paths() -> list[str]:
    paths = []
    for route in (route for router in ROUTERS for route in router.routes):
        if not isinstance(route, Route) or "GET" not in (route.methods or ()) or route.path.startswith("/static"):
            continue
        names = re.findall(r"{(\w+)(?::\w+)?}", route.path)
        if any(name not in IDS for name in names):
            continue
        paths.append(re.sub(r"{(\w+)(?::\w+)?}", lambda m: IDS[m[1]], route.path))
    return paths


def test_every_control_on_every_page_has_a_name(demo_client):
    checked, problems = 0, {}
    for path in page_paths():
        answer = demo_client.get(path.lstrip("/"))
        if answer.status_code != 200 or "text/html" not in answer.headers.get("content-type", ""):
            continue  # a download, or a page that needs other ids or a query
        checked += 1
        missing = unnamed(answer.text)
        if missing:
            problems[path] = missing
    assert checked >= 25, f"only {checked} pages rendered; the ids in IDS no longer fit the demo"
    assert not problems, "controls without an accessible name:\n" + "\n".join(
        f"{path}: {', '.join(found[:5])}" for path, found in problems.items())


class FieldValues(HTMLParser):
    """What the page puts into its form fields: input values and textarea contents."""

    def __init__(self) -> None:
        super().__init__()
        self.values: list[tuple[str, str]] = []
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input" and attrs.get("type") not in ("hidden", "checkbox", "radio") and attrs.get("value"):
            self.values.append((attrs.get("name") or "", attrs["value"]))
        elif tag == "textarea":
            self._textarea = attrs.get("name") or ""
            self.values.append((self._textarea, ""))

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea is not None:
            name, text = self.values[-1]
            self.values[-1] = (name, text + data)


JSON_LIKE = re.compile(r'^\s*(\{\s*"|\[\s*[\{\["\d])')


def test_no_page_puts_json_into_a_form_field(demo_client):
    """A researcher types words, never JSON: every field of every page of the demo holds plain text."""
    found = {}
    for path in page_paths():
        answer = demo_client.get(path.lstrip("/"))
        if answer.status_code != 200 or "text/html" not in answer.headers.get("content-type", ""):
            continue
        parser = FieldValues()
        parser.feed(answer.text)
        json_fields = [f"{name}={value[:60]!r}" for name, value in parser.values if JSON_LIKE.match(value)]
        if json_fields:
            found[path] = json_fields
    assert not found, "JSON in form fields:\n" + "\n".join(f"{p}: {', '.join(v)}" for p, v in found.items())
