"""Hostile input gets a clear 4xx (and a one-line CLI error), never a 500, a traceback or the staff page.

Issue 13, point 9: deeply nested search queries (RecursionError), ids of thirty digits
(OverflowError on SQLite, a data error on PostgreSQL), very long queries (PostgreSQL's "stack depth
limit exceeded") and a review id in non-ASCII digits all answered 500; a reviewer then saw the
staff error page. Each request below goes to a real server, and the next request on the same
connection must still be served.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.security import servers

# The fixtures this module uses: a real `reverie serve` and its study.
local_study, workbench = servers.local_study, servers.workbench

NESTED = "(" * 400 + "milk" + ")" * 400
NOTS = "NOT " * 300 + "milk"
LONG = " OR ".join(f"word{n}" for n in range(3000))
HUGE = "9" * 30


def _clear_refusal(response, *, status=(404, 413, 422)) -> None:
    assert response.status_code in status, (response.status_code, response.text[:300])
    assert "Traceback" not in response.text and "something went wrong" not in response.text


@pytest.mark.parametrize("query", [NESTED, NOTS, LONG], ids=["nested", "nots", "long"])
def test_hostile_searches_are_refused_locally(workbench, query):
    response = workbench.client.get(workbench.url("search"), params={"q": query})
    _clear_refusal(response)
    assert "search query" in response.text
    assert workbench.client.get(workbench.url("search"), params={"q": "milk"}).status_code == 200


@pytest.mark.parametrize("path", [f"consultations/{HUGE}", f"search?q=milk&round_no={HUGE}",
                                  "search?q=milk&round_no=%C2%B2", f"interviews/P1/{HUGE}/transcript"])
def test_huge_and_foreign_numbers_are_refused_locally(workbench, path):
    _clear_refusal(workbench.client.get(workbench.url(path)))
    assert workbench.client.get(workbench.url("search"), params={"q": "milk"}).status_code == 200


@pytest.mark.postgres
@pytest.mark.parametrize("query", [NESTED, LONG], ids=["nested", "long"])
def test_hostile_searches_are_refused_on_postgresql(clients, query):
    analyst = clients["ana"]
    _clear_refusal(analyst.get("/search", params={"q": query}))
    assert analyst.get("/search", params={"q": "milk"}).status_code == 200


@pytest.mark.postgres
def test_a_huge_id_is_refused_on_postgresql(clients):
    _clear_refusal(clients["lead"].get(f"/consultations/{HUGE}"))
    assert clients["lead"].get("/consultations").status_code == 200


@pytest.mark.postgres
@pytest.mark.parametrize("path", ["/review/%C2%B2", "/review/%D9%A1", f"/review/{HUGE}"])
def test_reviewers_get_the_reviewer_page_for_odd_ids(clients, team, path):
    reviewer = clients["rev-p1"]
    response = reviewer.get(path)
    assert response.status_code == 404
    assert "There is no such page." in response.text and "workbench" not in response.text.lower()
    assert reviewer.get(f"/review/{team.ids['c_p1']}").status_code == 200


@pytest.mark.postgres
def test_a_reviewers_malformed_answer_gets_the_reviewer_page(clients, team):
    reviewer = clients["rev-p1"]
    response = reviewer.post(f"/review/{team.ids['c_p1']}/responses", data={"csrf_token": reviewer.csrf},
                             headers={"X-CSRF-Token": reviewer.csrf})
    assert 400 <= response.status_code < 500
    assert "the request was not understood" not in response.text and "summary" not in response.text


def reverie(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "reverie.cli", *map(str, args)], capture_output=True, text=True)


@pytest.mark.parametrize("args", [("search", "{root}", NESTED), ("search", "{root}", NOTS),
                                  ("search", "{root}", LONG), ("consult", "show", "{root}", HUGE),
                                  ("consult", "dispose", "{root}", HUGE, "declined", "--rationale", "no")],
                         ids=["nested", "nots", "long", "show-huge", "dispose-huge"])
def test_the_cli_answers_in_one_line(local_study: Path, tmp_path, args):
    import shutil

    root = shutil.copytree(local_study, tmp_path / "study")
    result = reverie(*(str(root) if a == "{root}" else a for a in args))
    assert result.returncode in (1, 2), result
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:"), result.stderr[-500:]


def test_cli_errors_carry_no_terminal_escapes(local_study: Path, tmp_path):
    import shutil

    root = shutil.copytree(local_study, tmp_path / "study")
    result = reverie("transcript", "show", root, "P\x1b]52;c;ZXZpbA==\x07\x1b[2J9", "--round", "1")
    assert result.returncode == 1
    assert "\x1b" not in result.stderr and "\x07" not in result.stderr
