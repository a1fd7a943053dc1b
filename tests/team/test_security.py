"""Sign-in, sessions, CSRF, rate limiting, Argon2 hashes and read auditing, over HTTP against the real server."""

from __future__ import annotations

import httpx
from argon2 import PasswordHasher
from sqlalchemy import select

from reverie.services.study.studies import open_study, verify_audit
from reverie.services.system import members as accounts
from reverie.store.models import AuditEvent, User
from tests.team.conftest import PASSWORD, USERS, login_form_token, sign_in


def test_session_cookie_is_httponly_and_strict_and_changes_each_login(team):
    with httpx.Client(base_url=team.url, follow_redirects=False) as client:
        token = login_form_token(client)
        first = client.post("/login", data={"username": "ana", "password": PASSWORD, "csrf_token": token})
        cookie = first.headers["set-cookie"]
        assert "reverie_session=" in cookie and "HttpOnly" in cookie and "samesite=strict" in cookie.lower()
        assert first.headers["location"] == "/"
        held = client.cookies["reverie_session"]
        token = login_form_token(client)
        client.post("/login", data={"username": "ana", "password": PASSWORD, "csrf_token": token})
        assert client.cookies["reverie_session"] != held


def test_a_change_without_the_csrf_token_is_refused(team, clients):
    lead = clients["lead"]
    form = {"label": "PPI-CSRF", "composition": "x"}
    assert lead.post("/ppi-groups", data=form).status_code == 403
    assert lead.post("/ppi-groups", data={**form, "csrf_token": "not-the-token"}).status_code == 403
    assert lead.post("/ppi-groups", data=form, headers={"X-CSRF-Token": clients["ana"].csrf}).status_code == 403
    # The same change with the session's own token, as a form field and as a header, goes through.
    assert lead.post("/ppi-groups", data={**form, "csrf_token": lead.csrf}).status_code == 303
    assert lead.post("/ppi-groups", data={**form, "label": "PPI-CSRF2"},
                     headers={"X-CSRF-Token": lead.csrf}).status_code == 303
    # Login itself is guarded by its double-submit token.
    with httpx.Client(base_url=team.url, follow_redirects=False) as client:
        response = client.post("/login", data={"username": "lead", "password": PASSWORD})
        assert response.status_code == 403 and "reverie_session" not in client.cookies


def test_staff_pages_carry_the_token_for_the_workbench_script(clients):
    page = clients["lead"].get("/")
    assert f'<meta name="csrf-token" content="{clients["lead"].csrf}">' in page.text
    assert clients["lead"].get("/static/team.js").status_code == 200


def test_five_failures_lock_the_username_from_that_address(team):
    with httpx.Client(base_url=team.url, follow_redirects=False) as client:
        for _ in range(5):
            token = login_form_token(client)
            wrong = client.post("/login",
                                data={"username": "locky", "password": "wrong password!!", "csrf_token": token})
            assert wrong.status_code == 401
        token = login_form_token(client)
        locked = client.post("/login", data={"username": "locky", "password": PASSWORD, "csrf_token": token})
        assert locked.status_code == 429 and "try again in 15 minutes" in locked.text
    sign_in(team, "ana").close()  # other accounts from the same address are unaffected
    study = open_study(team.root)
    try:
        with study.read() as s:
            failed = s.execute(select(AuditEvent).where(AuditEvent.action == "login.failed",
                                                        AuditEvent.target == "user:locky")).scalars().all()
            assert len(failed) == 6 and {e.actor for e in failed} == {"anonymous"}
    finally:
        study.close()


def test_passwords_are_stored_as_argon2id_hashes(team):
    study = open_study(team.root)
    try:
        with study.read() as s:
            hashes = dict(s.execute(select(User.username, User.password_hash)).all())
    finally:
        study.close()
    assert set(USERS) <= set(hashes)
    for username, digest in hashes.items():
        assert digest.startswith("$argon2id$") and PASSWORD not in digest, username
    assert PasswordHasher().verify(hashes["lead"], PASSWORD)  # the stored hash is of that password
    assert len(set(hashes.values())) == len(hashes)  # salted: equal passwords, different hashes


def test_reads_are_audited_by_user_and_the_chain_verifies(team, clients):
    assert clients["ana"].get("/extracts?status=candidate").status_code == 200
    assert clients["rev-p1"].get("/review").status_code == 200
    study = open_study(team.root)
    try:
        with study.read() as s:
            events = s.execute(select(AuditEvent).where(AuditEvent.action.in_(("read", "refused")))).scalars().all()
        assert any(e.actor == "ana" and e.target == "/extracts" and "candidate" in e.payload for e in events)
        assert any(e.actor == "rev-p1" and e.target == "/review" for e in events)
        assert not any(e.target.startswith("/static") for e in events)
        check = verify_audit(study)
        assert check.ok, check.reason
    finally:
        study.close()


def test_a_disabled_account_is_signed_out_at_its_next_request(team):
    study = open_study(team.root)
    try:
        accounts.add_user(study, "leaver", PASSWORD, role="analyst")
        client = sign_in(team, "leaver")
        assert client.get("/extracts").status_code == 200
        accounts.disable_user(study, "leaver", why="left the team")
    finally:
        study.close()
    response = client.get("/extracts")
    assert response.status_code == 303 and response.headers["location"] == "/login"
    client.close()


def test_signing_out_needs_the_token_and_ends_the_session(team):
    client = sign_in(team, "audrey")
    assert client.post("/logout").status_code == 403
    response = client.post("/logout", data={"csrf_token": client.csrf})
    assert response.status_code == 303 and response.headers["location"] == "/login"
    assert client.get("/").status_code == 303
    client.close()
