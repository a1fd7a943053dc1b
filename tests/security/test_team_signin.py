"""Issue 13, point 3 and the password part of point 10: team sign-in cannot be raced, spoofed or
turned against the real user, every failure is audited, and a changed password ends sessions.

Each test attacks a real ``reverie server`` subprocess over HTTP. The study and its accounts are
the team suite's (tests/team/conftest.py); the servers here are this module's own, so their
sign-in budgets start untouched: one that trusts no proxy, and one that trusts 127.0.0.1 as its
reverse proxy (then ``X-Forwarded-For`` names the client, which is how one machine can play
several addresses).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import httpx
import pytest
from sqlalchemy import select

from reverie.services.study.studies import open_study
from reverie.services.system import members as accounts
from reverie.store.models import AuditEvent
from tests.team.conftest import PASSWORD, login_form_token, serving, sign_in, team_config

WRONG = "not the password at all"


@pytest.fixture(scope="module")
def plain(team, tmp_path_factory):
    """A server that trusts no proxy: X-Forwarded-For from anyone is ignored."""
    with serving(team_config(tmp_path_factory.mktemp("plain") / "team.toml", team.root)) as url:
        yield url


@pytest.fixture(scope="module")
def proxied(team, tmp_path_factory):
    """A server behind a proxy on 127.0.0.1: the proxy's X-Forwarded-For names the client."""
    config = team_config(tmp_path_factory.mktemp("proxied") / "team.toml", team.root,
                         'trusted_proxies = ["127.0.0.1"]\n')
    with serving(config) as url:
        yield url


def add_account(team, username: str, role: str = "analyst") -> None:
    study = open_study(team.root)
    try:
        accounts.add_user(study, username, PASSWORD, role=role)
    finally:
        study.close()


def attempt(url: str, username: str, password: str, forwarded_for: str | None = None) -> httpx.Response:
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    with httpx.Client(base_url=url, follow_redirects=False, timeout=120, headers=headers) as client:
        token = login_form_token(client)
        return client.post("/login", data={"username": username, "password": password, "csrf_token": token})


def audit(team, **where) -> list[AuditEvent]:
    study = open_study(team.root)
    try:
        with study.read() as s:
            query = select(AuditEvent).where(*(getattr(AuditEvent, k) == v for k, v in where.items()))
            return list(s.execute(query.order_by(AuditEvent.seq)).scalars())
    finally:
        study.close()


def test_forty_concurrent_wrong_passwords_are_checked_only_as_far_as_the_budget(team, plain):
    add_account(team, "racer")
    start = threading.Barrier(40)

    def guess(_):
        with httpx.Client(base_url=plain, follow_redirects=False, timeout=120) as client:
            token = login_form_token(client)
            start.wait()
            return client.post("/login", data={"username": "racer", "password": WRONG, "csrf_token": token})

    with ThreadPoolExecutor(40) as pool:
        answers = [r.status_code for r in pool.map(guess, range(40))]
    assert answers.count(401) == 5 and answers.count(429) == 35, answers
    # The budget of this name from this address is spent: even the right password is refused now.
    right = attempt(plain, "racer", PASSWORD)
    assert right.status_code == 429 and "try again in" in right.text
    failed = audit(team, action="login.failed", target="user:racer")
    assert len(failed) == 41 and {e.actor for e in failed} == {"anonymous"}
    assert all(json.loads(e.payload)["username"] == "racer" for e in failed)
    assert sum(json.loads(e.payload).get("locked", False) for e in failed) == 1


def test_x_forwarded_for_from_a_client_that_is_no_proxy_buys_no_guesses(team, plain):
    add_account(team, "spoofed")
    for n in range(5):
        assert attempt(plain, "spoofed", WRONG, forwarded_for=f"198.51.100.{n + 1}").status_code == 401
    answer = attempt(plain, "spoofed", PASSWORD, forwarded_for="198.51.100.77")
    assert answer.status_code == 429, answer.status_code
    addresses = {json.loads(e.payload)["address"] for e in audit(team, action="login.failed", target="user:spoofed")}
    assert addresses == {"127.0.0.1"}


def test_a_trusted_proxy_names_the_client_and_an_attacker_cannot_lock_out_the_real_user(team, proxied):
    add_account(team, "victim")
    attacker, owner = "203.0.113.7", "192.0.2.20"
    for _ in range(5):
        assert attempt(proxied, "victim", WRONG, forwarded_for=attacker).status_code == 401
    assert attempt(proxied, "victim", PASSWORD, forwarded_for=attacker).status_code == 429
    # The owner, from their own address, is only made to wait: the right password gets in.
    answer = attempt(proxied, "victim", PASSWORD, forwarded_for=owner)
    assert answer.status_code == 303 and answer.headers["location"] == "/"
    failed = audit(team, action="login.failed", target="user:victim")
    assert {json.loads(e.payload)["address"] for e in failed} == {attacker}
    assert {e.actor for e in failed} == {"anonymous"}
    assert [e.actor for e in audit(team, action="login", target="user:victim")] == ["victim"]


def test_one_address_has_a_budget_across_every_username(team, proxied):
    address = "192.0.2.99"
    for n in range(20):
        assert attempt(proxied, f"nobody-{n}", WRONG, forwarded_for=address).status_code == 401
    refused = attempt(proxied, "nobody-new", WRONG, forwarded_for=address)
    assert refused.status_code == 429 and "from this address" in refused.text
    assert attempt(proxied, "nobody-new", WRONG, forwarded_for="192.0.2.100").status_code == 401
    failed = audit(team, action="login.failed", target="user:nobody-new")
    assert [json.loads(e.payload)["address"] for e in failed] == [address, "192.0.2.100"]


def test_a_password_set_from_the_cli_ends_the_accounts_sessions_at_once(team, plain):
    add_account(team, "rekeyed")
    client = sign_in(replace(team, url=plain), "rekeyed")
    assert client.get("/extracts").status_code == 200
    new = "a completely different passphrase"
    done = subprocess.run([sys.executable, "-m", "reverie.cli", "users", "password", str(team.root),
                           "--username", "rekeyed"], capture_output=True, text=True,
                          env={**os.environ, "REVERIE_PASSWORD": new})
    assert done.returncode == 0, done.stderr
    response = client.get("/extracts")
    assert response.status_code == 303 and response.headers["location"] == "/login"
    client.close()
    assert attempt(plain, "rekeyed", PASSWORD).status_code == 401
    assert attempt(plain, "rekeyed", new).status_code == 303


def test_changing_ones_own_password_in_the_web(team, plain):
    add_account(team, "changer", role="transcriber")
    here, elsewhere = sign_in(replace(team, url=plain), "changer"), sign_in(replace(team, url=plain), "changer")
    page = here.get("/account/password")
    assert page.status_code == 200 and 'name="current"' in page.text
    new = "my own new passphrase"
    wrong = here.post("/account/password", data={"current": WRONG, "new": new, "repeat": new,
                                                 "csrf_token": here.csrf})
    assert wrong.status_code == 403 and "current password is not right" in wrong.text
    assert [json.loads(e.payload)["reason"] for e in audit(team, action="login.failed", target="user:changer")] \
        == ["wrong current password (password change)"]
    short = here.post("/account/password", data={"current": PASSWORD, "new": "short", "repeat": "short",
                                                 "csrf_token": here.csrf})
    assert short.status_code == 422 and "at least 12 characters" in short.text
    forged = here.post("/account/password", data={"current": PASSWORD, "new": new, "repeat": new})
    assert forged.status_code == 403
    assert attempt(plain, "changer", PASSWORD).status_code == 303  # nothing has changed so far
    done = here.post("/account/password", data={"current": PASSWORD, "new": new, "repeat": new,
                                                "csrf_token": here.csrf})
    assert done.status_code == 303
    assert here.get(done.headers["location"]).status_code == 200  # this browser stays signed in
    assert elsewhere.get("/").status_code == 303                # every other session has ended
    assert attempt(plain, "changer", PASSWORD).status_code == 401
    assert attempt(plain, "changer", new).status_code == 303
    assert [e.actor for e in audit(team, action="user.password", target="user:changer")] == ["changer"]
    here.close()
    elsewhere.close()
