"""Every answer of both servers carries the security headers; recordings are never pages; redirects stay relative.

Against the real ``reverie serve`` (local mode) and the real ``reverie server`` (team mode, on
PostgreSQL), with httpx: pages, HTMX fragments, static files, recordings, refusals and errors.
"""

from __future__ import annotations

import re
import sqlite3

import httpx
import pytest

from tests.security.test_local_origin import fresh_study, serving, study_template  # noqa: F401 - fixtures
from tests.team.conftest import sign_in, team, team_schema  # noqa: F401 - fixtures

FORGED_HOST = "evil.example"


def assert_guarded(response: httpx.Response) -> None:
    headers = response.headers
    where = f"{response.request.method} {response.request.url} → {response.status_code}"
    policy = headers.get("content-security-policy", "")
    assert "script-src 'self'" in policy and "frame-ancestors 'self'" in policy, where
    assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0], where
    assert headers.get("x-frame-options") == "SAMEORIGIN", where
    assert headers.get("referrer-policy") == "no-referrer", where
    assert headers.get("x-content-type-options") == "nosniff", where


@pytest.fixture
def local(fresh_study):  # noqa: F811 - the fixture imported above
    """A signed-in client of a real local server, its base address, the study folder and its CSRF token."""
    study = fresh_study()
    with serving(study) as served, httpx.Client(follow_redirects=False) as client:
        assert client.get(served.link).status_code == 303
        page = client.get(served.base)
        client.csrf = re.search(r'<meta name="csrf-token" content="([^"]+)"', page.text)[1]
        yield client, served.base, study


def test_local_answers_of_every_kind_carry_the_headers(local):
    client, base, _ = local
    answers = [client.get(base), client.get(base + "consultations"),
               client.get(base + "interviews/P1/1/lines", params={"first": 1}, headers={"HX-Request": "true"}),
               client.get(base + "static/app.js"), client.get(base + "static/htmx-2.0.11.min.js"),
               client.get(base + "interviews/P1/1/audio"), client.get(base + "no-such-page"),
               client.post(base + "ppi-groups", data={"label": "x"}),  # refused: no CSRF token
               httpx.get(base), httpx.get(base.split("/s-")[0] + "/")]  # refused: no session; outside the prefix
    assert [a.status_code for a in answers] == [200, 200, 200, 200, 200, 200, 404, 403, 403, 404]
    for answer in answers:
        assert_guarded(answer)
    assert answers[5].headers["content-type"] == "audio/x-wav"


def test_a_recording_that_is_not_audio_is_never_served_as_a_page(local):
    client, base, study = local
    # A study made before recordings were checked may hold a web page named as one.
    with sqlite3.connect(study / "study.db") as db:
        db.execute("UPDATE recordings SET suffix = '.html'")
    answer = client.get(base + "interviews/P1/1/audio")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/octet-stream"
    assert_guarded(answer)


def test_local_redirects_are_relative_whatever_the_host_header(local):
    client, base, _ = local
    made = client.post(base + "ppi-groups", data={"label": "PPI-H", "csrf_token": client.csrf},
                       headers={"Host": FORGED_HOST})
    assert made.status_code == 303
    assert made.headers["location"].startswith("/s-") and FORGED_HOST not in made.headers["location"]
    htmx = client.post(base + "ppi-groups", data={"label": "PPI-I"},
                       headers={"Host": FORGED_HOST, "HX-Request": "true", "X-CSRF-Token": client.csrf})
    assert htmx.headers["hx-redirect"].startswith("/s-")
    bare = client.get(base.rstrip("/"), headers={"Host": FORGED_HOST})  # the prefix without its slash
    assert bare.status_code == 303 and bare.headers["location"] == "/" + base.split("/", 3)[3]
    trailing = client.get(base + "consultations/", headers={"Host": FORGED_HOST})
    assert FORGED_HOST not in trailing.headers.get("location", "")
    page = client.get(base + "consultations", headers={"Host": FORGED_HOST})
    assert FORGED_HOST not in page.text  # links in pages are paths, never built from the Host header
    for answer in (made, htmx, bare, trailing):
        assert_guarded(answer)


def test_team_answers_carry_the_headers_and_redirect_relatively(team):  # noqa: F811 - the fixture imported above
    lead = sign_in(team, "lead")
    try:
        answers = [lead.get("/"), lead.get("/consultations"),
                   lead.get("/interviews/P1/1/lines", params={"first": 1}, headers={"HX-Request": "true"}),
                   lead.get("/static/app.js"), lead.get("/no-such-page"),
                   lead.post("/ppi-groups", data={"label": "x"}),  # refused: no CSRF token
                   httpx.get(team.url + "/login"), httpx.get(team.url + "/", follow_redirects=False)]
        assert [a.status_code for a in answers] == [200, 200, 200, 200, 404, 403, 200, 303]
        for answer in answers:
            assert_guarded(answer)
        made = lead.post("/ppi-groups", data={"label": "PPI-HOST", "csrf_token": lead.csrf},
                         headers={"Host": FORGED_HOST})
        assert made.status_code == 303 and made.headers["location"] == "/consultations"
        assert FORGED_HOST not in lead.get("/consultations", headers={"Host": FORGED_HOST}).text
        foreign = lead.post("/ppi-groups", data={"label": "PPI-SITE", "csrf_token": lead.csrf},
                            headers={"Sec-Fetch-Site": "same-site"})
        assert foreign.status_code == 403
    finally:
        lead.close()
