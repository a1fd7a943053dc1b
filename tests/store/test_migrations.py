"""Opening a study made by the previous migration head backs it up, then migrates it."""

from __future__ import annotations

import sqlite3

from reverie.services.study.context import Manifest
from reverie.services.study.studies import open_study
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
