"""Memos in team mode: analysts and the lead write them, each with a draft of their own; an auditor
reads a memo and can change nothing, not even a draft."""

from __future__ import annotations

import psycopg

DRAFT = "/extracts/E2/memo/draft"


def drafts(team) -> list[tuple[str, str]]:
    url = team.db_url.replace("+psycopg", "")
    base, _, options = url.partition("?")
    with psycopg.connect(base, options=options.removeprefix("options=").replace("%3D", "=")) as connection:
        return [(author, str(fields)) for author, fields in connection.execute(
            "SELECT author, fields FROM memo_drafts ORDER BY author").fetchall()]


def test_each_writer_keeps_a_draft_of_their_own_and_an_auditor_only_reads(team, clients):
    for username, words in (("ana", "the analyst's reading"), ("lead", "the lead's reading")):
        client = clients[username]
        kept = client.post(DRAFT, data={"willig.subjectivity": words}, headers={"X-CSRF-Token": client.csrf})
        assert kept.status_code == 200, kept.text
    assert [author for author, _ in drafts(team) if author in ("ana", "lead")] == ["ana", "lead"]
    page = clients["ana"].get("/extracts/E2/memo").text
    assert "the analyst&#39;s reading" in page and "the lead" not in page and "data-memo" in page

    auditor = clients["audrey"]
    read = auditor.get("/extracts/E2/memo")
    assert read.status_code == 200 and "data-memo" not in read.text and "Save</button>" not in read.text
    assert "your role does not change memos" in read.text
    refused = auditor.post(DRAFT, data={"willig.subjectivity": "mine"}, headers={"X-CSRF-Token": auditor.csrf})
    assert refused.status_code == 403
    assert not [author for author, _ in drafts(team) if author == "audrey"]
