"""The audit log cannot be rewritten quietly.

Issue 13, point 6: the chain was an unkeyed SHA-256 chain whose head lived in the same database,
so deleting events and re-hashing them passed ``reverie audit verify``. Now each link is an HMAC
under ``audit.key``; an anchor written outside the study catches a rewrite by someone who holds
the key too; quoted words live apart from the chain, so erasing them keeps it whole. Every attack
here edits the real ``study.db`` with plain SQL and asks the real ``reverie`` command.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

GENESIS = "0" * 64


def reverie(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "reverie.cli", *map(str, args)], capture_output=True, text=True)


def ok(*args) -> str:
    result = reverie(*args)
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("audit") / "study"
    ok("init", root, "--title", "Audit study", "--name", "Tom Moore", "--initials", "TM")
    for code in ("P1", "P2", "P3", "P4"):
        ok("participants", "add", root, "--code", code)
    return root


@pytest.fixture
def study(template: Path, tmp_path: Path) -> Path:
    import shutil

    return Path(shutil.copytree(template, tmp_path / "study"))


def _unkeyed_link(prev: str, row: sqlite3.Row) -> str:
    """The link as the old code made it: SHA-256 over the previous link and the event, no key."""
    body = json.dumps({"seq": row["seq"], "at": row["at"], "actor": row["actor"], "action": row["action"],
                       "target": row["target"], "why": row["why"], "payload": row["payload"]},
                      sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256((prev + "\n" + body).encode("utf-8")).hexdigest()


def _rehash_unkeyed(db: Path, after: int) -> None:
    """What an attacker without the key does after deleting an event: renumber and re-hash the rest."""
    with sqlite3.connect(db) as connection:
        connection.row_factory = sqlite3.Row
        rows = connection.execute("SELECT * FROM audit_events ORDER BY seq").fetchall()
        prev = rows[after - 1]["hash"]
        for seq, row in enumerate(rows[after:], after + 1):
            row = {**dict(row), "seq": seq}
            digest = _unkeyed_link(prev, row)
            connection.execute("UPDATE audit_events SET seq = ?, prev_hash = ?, hash = ? WHERE id = ?",
                               (seq, prev, digest, row["id"]))
            prev = digest
        connection.execute("UPDATE audit_heads SET seq = ?, hash = ?", (len(rows), prev))
        assert len(rows) == 4


def _drop_tail_keeping_head_consistent(db: Path, keep: int) -> None:
    """What someone holding the whole folder can do: cut the last events and point the head at the rest."""
    with sqlite3.connect(db) as connection:
        connection.execute("DELETE FROM audit_words WHERE event_id IN (SELECT id FROM audit_events WHERE seq > ?)",
                           (keep,))
        connection.execute("DELETE FROM audit_events WHERE seq > ?", (keep,))
        last = connection.execute("SELECT hash FROM audit_events WHERE seq = ?", (keep,)).fetchone()[0]
        connection.execute("UPDATE audit_heads SET seq = ?, hash = ?", (keep, last))


def test_deleting_events_and_rehashing_without_the_key_fails_verify(study):
    db = study / "study.db"
    assert "audit chain holds" in ok("audit", "verify", study)
    with sqlite3.connect(db) as connection:
        connection.execute("DELETE FROM audit_events WHERE seq = 3")  # "P2 was added" never happened
    _rehash_unkeyed(db, after=2)
    result = reverie("audit", "verify", study)
    assert result.returncode == 1
    message = result.stderr.strip()
    assert message.startswith("audit chain broken at event 3:") and "audit.key" in message, message


def test_the_key_file_is_private_and_copying_the_folder_copies_the_study(study):
    assert (study / "audit.key").stat().st_mode & 0o777 == 0o600
    assert "audit chain holds" in ok("audit", "verify", study)  # ``study`` is a copy of the template folder


def test_an_anchor_catches_the_tail_removed_by_someone_holding_the_key(study, tmp_path):
    anchor = tmp_path / "anchor.json"
    assert "anchored event 5" in ok("audit", "anchor", study, "-o", anchor)
    written = json.loads(anchor.read_text())
    assert written["seq"] == 5 and len(written["hash"]) == 64 and written["at"]
    ok("participants", "add", study, "--code", "P5")
    assert "extends the anchor" in ok("audit", "verify", study, "--anchor", anchor)

    _drop_tail_keeping_head_consistent(study / "study.db", keep=3)
    assert "audit chain holds: 3 events" in ok("audit", "verify", study)  # the key alone cannot tell
    result = reverie("audit", "verify", study, "--anchor", anchor)
    assert result.returncode == 1
    assert "ends at event 3" in result.stderr and "records event 5" in result.stderr, result.stderr

    # Writing new events to make up the number does not reproduce the anchored link.
    ok("participants", "add", study, "--code", "P6")
    ok("participants", "add", study, "--code", "P7")
    result = reverie("audit", "verify", study, "--anchor", anchor)
    assert result.returncode == 1 and "event 5 is not the one" in result.stderr, result.stderr


def test_anchor_printed_to_the_terminal_and_a_broken_anchor_file_is_named(study, tmp_path):
    printed = json.loads(ok("audit", "anchor", study))
    assert printed["seq"] == 5
    bad = tmp_path / "bad.json"
    bad.write_text("not json")
    result = reverie("audit", "verify", study, "--anchor", bad)
    assert result.returncode == 1 and str(bad) in result.stderr and "Traceback" not in result.stderr


def test_erased_words_keep_the_chain_and_changed_words_break_it(study):
    ok("interviews", "add", study, "--participant", "P1", "--round", "2", "--purpose", "member_reflection")
    from reverie.services.study.interviews import add_response_note
    from reverie.services.study.studies import open_study

    opened = open_study(study)
    add_response_note(opened, "P1", 2, "She said the quetzal image still felt right.")
    opened.close()
    db = study / "study.db"
    with sqlite3.connect(db) as connection:
        seq, payload = connection.execute("SELECT seq, payload FROM audit_events "
                                          "WHERE action = 'interview.response_note'").fetchone()
        assert "quetzal" not in payload  # the chain's own table never held the words
        connection.execute("UPDATE audit_words SET text = replace(text, 'right', 'wrong')")
    result = reverie("audit", "verify", study)
    assert result.returncode == 1 and f"event {seq}" in result.stderr and "words" in result.stderr, result.stderr
    with sqlite3.connect(db) as connection:
        connection.execute("UPDATE audit_words SET text = replace(text, 'wrong', 'right')")

    ok("participants", "withdraw", study, "--code", "P1", "--date", "2026-01-10", "--remove-data")
    with sqlite3.connect(db) as connection:
        assert connection.execute("SELECT text, erased_at FROM audit_words").fetchone()[0] is None
        assert "quetzal" not in "\n".join(connection.iterdump())
    assert "audit chain holds" in ok("audit", "verify", study)


def test_cli_events_name_the_operating_system_user(study):
    ok("participants", "add", study, "--code", "P9")
    with sqlite3.connect(study / "study.db") as connection:
        actor, os_user = connection.execute("SELECT actor, os_user FROM audit_events ORDER BY seq DESC").fetchone()
    assert actor == "TM" and os_user == getpass.getuser()
    assert getpass.getuser() in ok("audit", "log", study, "--last", "1")


@pytest.mark.postgres
def test_cli_reads_of_a_team_study_are_audited(tmp_path, pg_schema_url):
    from sqlalchemy import create_engine, text

    root = tmp_path / "team"
    ok("init", root, "--database", pg_schema_url, "--initials", "TM")
    ok("participants", "add", root, "--code", "P1")
    ok("participants", "table", root)
    assert "audit chain holds" in ok("audit", "verify", root)
    engine = create_engine(pg_schema_url)
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT target, os_user FROM audit_events WHERE action = 'read' "
                                       "ORDER BY seq")).all()
    engine.dispose()
    assert "cli:reverie participants table" in [row.target for row in rows], rows
    assert {row.os_user for row in rows} == {getpass.getuser()}
