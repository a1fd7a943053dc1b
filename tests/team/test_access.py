"""Every route of the team server, asked by nobody, by every role, and with foreign ids.

The routes are enumerated from the app ``create_team_app`` builds (the same factory the server
process runs), so a route added later is checked too; its expected answer comes from the policy
section of the router that holds it, and a route in no known router fails the test.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from reverie.services.study.studies import open_study
from reverie.services.system.config import load_settings
from reverie.store.models import AuditEvent
from reverie.web.routes import ROUTERS
from reverie.web.team import auth, portal
from reverie.web.team.app import create_team_app
from reverie.web.team.policy import POLICY, section_of
from tests.team.conftest import USERS

REFUSED_ANONYMOUS = {303, 401}
MOUNTS = {"/static": "app.js", "/team-static": "team.js"}


def _routes(app):
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:
        return list(app.routes)
    return list(iter_route_contexts(app.routes))


@pytest.fixture(scope="module")
def routes(team):
    """(section, method, path template) for every route of the team app."""
    app = create_team_app(load_settings(team.config))
    app.state.study.close()
    sections = {route.endpoint: section_of(router) for router in (*ROUTERS, portal.router, auth.account)
                for route in router.routes}
    found = []
    for context in _routes(app):
        route = getattr(context, "original_route", context)
        if route.path in MOUNTS:
            found.append(("static", "GET", f"{route.path}/{MOUNTS[route.path]}"))
            continue
        endpoint = getattr(route, "endpoint", None)
        if endpoint in {r.endpoint for r in auth.router.routes}:
            found += [("account", m, route.path) for m in route.methods]
            continue
        assert endpoint in sections, f"{route.path} is in no router the team policy covers"
        found += [(sections[endpoint], m, context.path if hasattr(context, "path") else route.path)
                  for m in sorted(route.methods)]
    assert ("review", "POST", "/review/{consultation_id}/responses") in found
    assert ("consultations", "GET", "/consultations/{consultation_id}") in found
    return found


def fill(path: str, ids: dict, *, foreign: bool = False) -> str:
    """A concrete URL: real ids of the served study, or (``foreign``) ids of the other study and unknown ones."""
    real = {"code": "P1", "round_no": "1", "handle": "E1", "consultation_id": str(ids["c_p1"]),
            "response_id": str(ids["response"]), "fmt": "html", "job_id": "1", "code_id": "1", "coding_id": "1",
            "theme_id": "1", "number": "1"}
    other = {**real, "code": "P9", "handle": "E99", "consultation_id": str(ids["c_foreign"]),
             "response_id": "99999", "job_id": "99999", "code_id": "99999", "coding_id": "99999",
             "theme_id": "99999", "number": "99999"}
    values = other if foreign else real
    return re.sub(r"{(\w+)(:\w+)?}", lambda m: values[m[1]], path)


def reads(team, actor: str, action: str) -> list[str]:
    study = open_study(team.root)
    try:
        with study.read() as s:
            return list(s.execute(select(AuditEvent.target).where(AuditEvent.actor == actor,
                                                                  AuditEvent.action == action)).scalars())
    finally:
        study.close()


def test_every_route_refuses_a_request_without_a_session(team, routes):
    import httpx

    with httpx.Client(base_url=team.url, follow_redirects=False) as anonymous:
        anonymous.cookies.set("reverie_session", "forged-session-id")
        for section, method, path in routes:
            if section == "account" and path == "/login":
                continue
            for url in {fill(path, team.ids), fill(path, team.ids, foreign=True)}:
                response = anonymous.request(method, url, data={"csrf_token": "guess"} if method == "POST" else None)
                assert response.status_code in REFUSED_ANONYMOUS, (method, url, response.status_code)
                if response.status_code == 303:
                    assert response.headers["location"] == "/login"


@pytest.mark.parametrize("username", sorted(set(USERS) - {"locky"}))
def test_every_route_answers_each_role_as_the_policy_says(team, routes, clients, username):
    """Refused roles get 403 (staff) or 404 (reviewers, for whom the page does not exist); allowed reads are served.

    Changes are sent only by roles the policy refuses, so this test writes nothing.
    """
    role = USERS[username][0]
    client = clients[username]
    reviewer = role in ("participant_reviewer", "ppi_member")
    for section, method, path in routes:
        if section == "account":
            continue
        allowed = POLICY[section].allows(role, method)
        if method not in ("GET", "HEAD") and allowed:
            continue
        for url in {fill(path, team.ids), fill(path, team.ids, foreign=True)}:
            response = client.request(method, url, headers={"X-CSRF-Token": client.csrf},
                                      data={"csrf_token": client.csrf} if method == "POST" else None)
            if not allowed:
                assert response.status_code == (404 if reviewer else 403), (username, method, url, response.status_code)
                assert "Reverie ·" not in response.text  # no workbench page, not even its header
            else:
                assert response.status_code not in (401, 403) and response.status_code < 500, \
                    (username, method, url, response.status_code)
    if role == "auditor":
        assert "/extracts" in reads(team, username, "read") and "/" in reads(team, username, "read")


def test_foreign_and_unknown_ids_are_not_found_for_staff(team, clients):
    lead = clients["lead"]
    assert lead.get(f"/consultations/{team.ids['c_p1']}").status_code == 200
    for url in (f"/consultations/{team.ids['c_foreign']}", "/consultations/99999", "/extracts/E99",
                f"/consultations/{team.ids['c_foreign']}/packet.html"):
        assert lead.get(url).status_code == 404, url
    response = lead.post(f"/consultations/{team.ids['c_foreign']}/responses", headers={"X-CSRF-Token": lead.csrf},
                         data={"summary": "cross-study", "types": "affirm", "target": "whole_analysis"})
    assert response.status_code == 404


def test_a_member_of_another_study_cannot_sign_in(team):
    import httpx

    from tests.team.conftest import PASSWORD, login_form_token

    with httpx.Client(base_url=team.url, follow_redirects=False) as client:
        token = login_form_token(client)
        response = client.post("/login", data={"username": "other-lead", "password": PASSWORD, "csrf_token": token})
        assert response.status_code == 401 and "Wrong username or password" in response.text
        assert "reverie_session" not in response.headers.get("set-cookie", "")


def test_some_policy_lines_spelled_out(team, clients):
    assert clients["tess"].get("/log").status_code == 403                 # the reflexive log is not a transcriber's
    assert clients["tess"].get("/interviews/P1/1/transcript").status_code == 200
    assert clients["audrey"].post("/report", headers={"X-CSRF-Token": clients["audrey"].csrf}).status_code == 403
    assert clients["rev-p1"].get("/").status_code == 404
    assert clients["rev-p1"].get("/static/app.js").status_code == 404
    assert clients["lead"].get("/static/app.js").status_code == 200
