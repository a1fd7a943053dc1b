"""Issue 13, point 4 and the accounts part of point 10: roles do not leak, and account changes bite at once.

Against the real ``reverie server`` of the team suite (tests/team/conftest.py): every route of
the app, enumerated from the factory the server runs (so a route added later is covered, and a
route in no policy section fails), asked by every role; a transcriber sees transcripts and
recordings but none of the analysis, and cannot change a locked transcript; an auditor's reads
leave no file and no change in the audit trail; and a role changed or an account disabled from
the CLI, in another process, ends its sessions at their next request.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

import httpx
import pytest
from sqlalchemy import func, select

from reverie.services.analysis.coding import add_code, apply_code
from reverie.services.study.studies import open_study
from reverie.services.system import members as accounts
from reverie.services.system.config import load_settings
from reverie.services.transcripts.annotations import add_nonverbal
from reverie.services.transcripts.versions import version_info
from reverie.store.models import AuditEvent
from reverie.web.routes import ROUTERS
from reverie.web.team import auth, portal
from reverie.web.team.app import create_team_app
from reverie.web.team.policy import POLICY, section_of
from tests.team.conftest import PASSWORD, USERS, sign_in

ROLES = {role: username for username, (role, _, _) in USERS.items() if username != "locky"}
MOUNTS = {"/static": "app.js"}


@pytest.fixture(scope="module")
def marked(team):
    """P1's locked transcript carries a code and a non-verbal annotation on line 2."""
    study = open_study(team.root)
    try:
        add_code(study, "Unexpected kindness", kind="free")
        apply_code(study, "Unexpected kindness", "P1", lines=(2, 2))
        add_nonverbal(study, "P1", kind="laughter", description="laughs warmly", source="recording", lines=(2, 2))
    finally:
        study.close()


@pytest.fixture(scope="module")
def routes(team):
    """(section, method, path template) for every route the team app serves."""
    app = create_team_app(load_settings(team.config))
    app.state.study.close()
    sections = {route.endpoint: section_of(router)
                for router in (*ROUTERS, portal.router, auth.account) for route in router.routes}
    public = {route.endpoint for route in auth.router.routes}
    found = []
    try:
        from fastapi.routing import iter_route_contexts
        contexts = list(iter_route_contexts(app.routes))
    except ImportError:
        contexts = list(app.routes)
    for context in contexts:
        route = getattr(context, "original_route", context)
        if route.path in MOUNTS:
            found.append(("static", "GET", f"{route.path}/{MOUNTS[route.path]}"))
            continue
        if route.endpoint in public:
            continue
        assert route.endpoint in sections, f"{route.path} is in no router with a line in the team policy"
        found += [(sections[route.endpoint], method, getattr(context, "path", route.path))
                  for method in sorted(route.methods)]
    assert {section for section, _, _ in found} == set(POLICY)  # every section has a route to test
    return found


def fill(path: str, ids: dict) -> str:
    values = {"code": "P1", "round_no": "1", "handle": "E1", "consultation_id": str(ids["c_p1"]),
              "response_id": str(ids["response"]), "fmt": "html", "job_id": "1", "code_id": "1", "coding_id": "1",
              "theme_id": "1", "number": "1"}
    return re.sub(r"{(\w+)(:\w+)?}", lambda m: values[m[1]], path)


def study_files(root) -> dict[str, int]:
    return {str(path.relative_to(root)): path.stat().st_size for path in root.rglob("*") if path.is_file()}


def events(team, **where) -> list[AuditEvent]:
    study = open_study(team.root)
    try:
        with study.read() as s:
            query = select(AuditEvent).where(*(getattr(AuditEvent, k) == v for k, v in where.items()))
            return list(s.execute(query.order_by(AuditEvent.seq)).scalars())
    finally:
        study.close()


def last_seq(team) -> int:
    study = open_study(team.root)
    try:
        with study.read() as s:
            return s.execute(select(func.max(AuditEvent.seq))).scalar()
    finally:
        study.close()


@pytest.mark.parametrize("role", sorted(ROLES))
def test_every_route_answers_every_role_as_its_policy_line_says(team, clients, routes, role):
    """Refused: 403 for staff, 404 for reviewers (for them the page does not exist); allowed reads are served.

    Changes are sent only by roles the policy refuses, so this test changes nothing.
    """
    username = ROLES[role]
    client, reviewer = clients[username], role in ("participant_reviewer", "ppi_member")
    for section, method, path in routes:
        allowed = POLICY[section].allows(role, method)
        if method not in ("GET", "HEAD") and allowed:
            continue
        url = fill(path, team.ids)
        response = client.request(method, url, headers={"X-CSRF-Token": client.csrf},
                                  data={"csrf_token": client.csrf} if method == "POST" else None)
        if allowed:
            assert response.status_code < 400 or response.status_code in (404, 422), (role, method, url,
                                                                                      response.status_code)
        else:
            assert response.status_code == (404 if reviewer else 403), (role, method, url, response.status_code)
            assert "Reverie ·" not in response.text


def test_a_transcriber_reads_transcripts_but_none_of_the_analysis(team, clients, marked):
    tess, ana = clients["tess"], clients["ana"]
    lines = "/interviews/P1/1/lines?first=1"
    assert "code-tag" in ana.get(lines).text and "note-mark" in ana.get(lines).text
    window = tess.get(lines)
    assert window.status_code == 200 and "milk at home" in window.text
    assert "code-tag" not in window.text and "note-mark" not in window.text
    assert "Unexpected kindness" not in window.text and "laughter" not in window.text
    page = tess.get("/interviews/P1/1/transcript")
    assert page.status_code == 200 and 'id="reader"' in page.text
    assert "Unexpected kindness" not in page.text and "selection-menu" not in page.text
    assert "Unexpected kindness" in ana.get("/interviews/P1/1/transcript").text
    by_code = tess.get("/search", params={"q": "milk", "code": "Unexpected kindness"})
    assert by_code.status_code == 403 and "Unexpected kindness" not in by_code.text
    plain = tess.get("/search", params={"q": "milk"})
    assert plain.status_code == 200 and "milk" in plain.text and 'name="code"' not in plain.text
    for url in ("/codebook", "/extracts", "/extracts/E1", "/interviews/P1/1/affect", "/log"):
        assert tess.get(url).status_code in (403, 404), url


def test_a_transcriber_cannot_change_a_locked_transcript(team, clients):
    tess = clients["tess"]
    study = open_study(team.root)
    try:
        before = version_info(study, "P1", 1)
    finally:
        study.close()
    assert before.status == "locked"
    rewrite = tess.post("/interviews/P1/1/correct", headers={"X-CSRF-Token": tess.csrf},
                        data={"version": str(before.number), "speaker": ["I", "P1"],
                              "text": ["Rewritten.", "Nothing the analysts quoted is left."], "why": "tidy"})
    assert rewrite.status_code == 403, rewrite.status_code
    relabel = tess.post("/interviews/P1/1/status", headers={"X-CSRF-Token": tess.csrf},
                        data={"status": "verified"})
    assert relabel.status_code == 403
    study = open_study(team.root)
    try:
        after = version_info(study, "P1", 1)
    finally:
        study.close()
    assert (after.number, after.status) == (before.number, "locked")
    assert not events(team, actor="tess", action="transcript.correct")


def test_an_auditors_reads_write_nothing(team, clients, routes):
    audrey = clients["audrey"]
    files, seq = study_files(team.root), last_seq(team)
    for fmt in ("html", "docx"):
        packet = audrey.get(f"/consultations/{team.ids['c_p1']}/packet.{fmt}")
        assert packet.status_code == 200 and packet.content, fmt
        assert "attachment" in packet.headers["content-disposition"]
    for section, method, path in routes:
        if method == "GET" and POLICY[section].allows("auditor", "GET") and section != "static":
            assert audrey.get(fill(path, team.ids)).status_code < 500, path
    assert study_files(team.root) == files
    study = open_study(team.root)
    try:
        with study.read() as s:
            since = s.execute(select(AuditEvent.actor, AuditEvent.action).where(AuditEvent.seq > seq)).all()
    finally:
        study.close()
    assert {action for actor, action in since if actor == "audrey"} == {"read"}


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "reverie.cli", *args], capture_output=True, text=True,
                          env={**os.environ, "REVERIE_PASSWORD": PASSWORD})


def test_a_role_changed_or_an_account_disabled_from_the_cli_ends_its_sessions_at_once(team):
    study = open_study(team.root)
    try:
        accounts.add_user(study, "mover", PASSWORD, role="lead")
        accounts.add_user(study, "goner", PASSWORD, role="analyst")
    finally:
        study.close()
    mover, goner = sign_in(team, "mover"), sign_in(team, "goner")
    assert mover.get("/log").status_code == 200 and goner.get("/extracts").status_code == 200

    changed = cli("users", "role", str(team.root), "--username", "mover", "--role", "transcriber")
    assert changed.returncode == 0 and "mover is now transcriber" in changed.stdout, changed.stderr
    answer = mover.post("/ppi-groups", headers={"X-CSRF-Token": mover.csrf}, data={"label": "PPI-X"})
    assert answer.status_code == 401  # the lead's session did not survive the demotion
    assert mover.get("/log").status_code == 303
    again = sign_in(team, "mover")
    assert again.get("/log").status_code == 403 and again.get("/interviews/P1/1/transcript").status_code == 200

    assert cli("users", "disable", str(team.root), "--username", "goner").returncode == 0
    assert goner.get("/extracts").status_code == 303
    with httpx.Client(base_url=team.url, follow_redirects=False) as client:
        from tests.team.conftest import login_form_token

        refused = client.post("/login", data={"username": "goner", "password": PASSWORD,
                                              "csrf_token": login_form_token(client)})
        assert refused.status_code == 401
    enabled = cli("users", "enable", str(team.root), "--username", "goner")
    assert enabled.returncode == 0 and "enabled goner" in enabled.stdout
    assert sign_in(team, "goner").get("/extracts").status_code == 200

    bad = cli("users", "role", str(team.root), "--username", "goner", "--role", "participant_reviewer")
    assert bad.returncode == 1 and "needs --participant" in bad.stderr + bad.stdout
    assert [e.actor for e in events(team, action="user.role", target="user:mover")] != []
    for client in (mover, goner, again):
        client.close()
