"""Opening a study made by the previous migration head backs it up, then migrates it; a chain made
before audit keys is checked the old way and signed under a new key."""

from __future__ import annotations

import hashlib
import json
import sqlite3

import pytest

from reverie.core.errors import InvalidInput
from reverie.services.study.context import Manifest
from reverie.services.study.studies import open_study, verify_audit
from reverie.services.system.auditing import recent_events
from reverie.store import migrate
from reverie.store.database import make_engine


def _previous_head() -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(migrate._config()).get_revision(migrate.head_revision()).down_revision


def _study_at_previous_head(root):
    root.mkdir()
    (root / "media").mkdir()
    (root / "backups").mkdir()
    (root / "study.toml").write_text(Manifest().dump(), encoding="utf-8")
    engine = make_engine(f"sqlite:///{root / 'study.db'}")
    migrate.upgrade(engine, _previous_head())
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO studies (title, research_question, objectives, approaches, paradigm, setting, sites, "
            "sampling_strategy, inclusion_criteria, rounds_planned, saturation_statement, citation_style, "
            "line_layout, notation_profile, ppi_plan, retention, settings, created_at, created_by) VALUES "
            "('Old study', '', '[]', '[]', '', '', '[]', '', '[]', 2, '', '{}', '{}', 'verbatim_health', '{}', "
            "'{}', '{\"identity\": {\"initials\": \"TM\", \"name\": \"T\"}}', '2019-01-01 00:00:00', 'TM')"
        )
    engine.dispose()


def test_older_study_is_backed_up_then_migrated(tmp_path):
    root = tmp_path / "old"
    _study_at_previous_head(root)
    study = open_study(root)
    assert migrate.current_revision(study.engine) == migrate.head_revision()
    previous = _previous_head()
    backups = list((root / "backups").glob(f"study-before-migration-from-{previous}-*.db"))
    assert len(backups) == 1
    with sqlite3.connect(backups[0]) as connection:
        assert connection.execute("SELECT version_num FROM alembic_version").fetchone()[0] == previous
        assert connection.execute("SELECT title FROM studies").fetchone()[0] == "Old study"
    study.close()


def test_current_study_is_not_backed_up_again(sqlite_study):
    reopened = open_study(sqlite_study.root)
    assert not list((sqlite_study.root / "backups").iterdir())
    reopened.close()


def test_migrations_run_on_postgresql(pg_schema_url):
    engine = make_engine(pg_schema_url)
    migrate.upgrade(engine)
    assert migrate.current_revision(engine) == migrate.head_revision()
    engine.dispose()


def _legacy_chain(root, events: int, *, break_at: int | None = None) -> list[str]:
    """Events signed as before audit keys (unkeyed SHA-256 links); returns their links."""
    engine = make_engine(f"sqlite:///{root / 'study.db'}")
    prev, links = "0" * 64, []
    with engine.begin() as connection:
        for seq in range(1, events + 1):
            at, payload = f"2019-01-0{seq}T00:00:00.000000+00:00", json.dumps({"n": seq}, separators=(",", ":"))
            body = json.dumps({"seq": seq, "at": at, "actor": "TM", "action": "old.event", "target": f"t:{seq}",
                               "why": "", "payload": payload}, sort_keys=True, separators=(",", ":"))
            link = hashlib.sha256((prev + "\n" + body).encode()).hexdigest()
            stored = payload.replace('"n"', '"m"') if seq == break_at else payload
            connection.exec_driver_sql(
                "INSERT INTO audit_events (study_id, seq, at, actor, action, target, why, payload, prev_hash, hash) "
                "VALUES (1, ?, ?, 'TM', 'old.event', ?, '', ?, ?, ?)", (seq, at, f"t:{seq}", stored, prev, link))
            prev = link
            links.append(link)
        connection.exec_driver_sql("INSERT INTO audit_heads (study_id, seq, hash) VALUES (1, ?, ?)", (events, prev))
    engine.dispose()
    return links


def test_an_older_chain_is_checked_the_old_way_then_signed_under_a_new_key(tmp_path):
    root = tmp_path / "old"
    _study_at_previous_head(root)
    links = _legacy_chain(root, 3)
    study = open_study(root)
    assert (root / "audit.key").stat().st_mode & 0o777 == 0o600
    check = verify_audit(study)
    assert check.ok and check.events == 4
    rekey = recent_events(study, 1)[0]
    assert rekey.action == "audit.rekey" and json.loads(rekey.payload) == {"events": 3, "unkeyed_head": links[-1]}
    study.close()
    reopened = open_study(root)  # signed once: opening again changes nothing
    assert verify_audit(reopened).events == 4
    reopened.close()


def test_an_older_chain_that_does_not_verify_is_not_signed(tmp_path):
    root = tmp_path / "old"
    _study_at_previous_head(root)
    _legacy_chain(root, 3, break_at=2)
    with pytest.raises(InvalidInput, match="breaks at event 2"):
        open_study(root)
    assert not (root / "audit.key").exists()


def test_the_cheap_schema_check_knows_the_newest_migration():
    """Opening a study compares its revision with ``HEAD`` without loading Alembic: they must agree."""
    assert migrate.HEAD == migrate.alembic_head()
