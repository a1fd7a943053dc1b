"""Operations commands: run job workers, back up and restore a study, apply the retention schedule."""

from __future__ import annotations

from pathlib import Path

import typer

from reverie.cli.app import app
from reverie.cli.common import StudyDir, open_dir
from reverie.cli.output import err, out


@app.command("worker")
def worker_command(
    config: Path = typer.Option(..., "--config", help="The team.toml naming the study, its media folder and Redis."),
    processes: int = typer.Option(None, "--processes",
                                  help="Worker processes to start (default: worker.processes in team.toml)."),
):
    """Run job workers for a team server: they take transcription chunks from Redis until stopped."""
    from reverie.jobs.worker import run
    from reverie.services.system.config import load_settings

    raise typer.Exit(run(load_settings(config), processes))


@app.command("backup")
def backup_command(
    directory: StudyDir,
    output: Path = typer.Option(None, "-o", "--output",
                                help="The archive to write (default: backups/study-<time>.tar in the study)."),
):
    """Write one consistent archive of a study: database, study.toml and media."""
    from reverie.services.study.backup import backup_study

    study = open_dir(directory)
    try:
        summary = backup_study(study, output)
    finally:
        study.close()
    out.print(f"wrote {summary.path} ({summary.database}, {summary.media_files} media files, "
              f"{summary.bytes / 1e6:.1f} MB, {summary.audit_events} audit events)")


@app.command("restore")
def restore_command(
    archive: Path = typer.Argument(..., help="The archive made by `reverie backup`."),
    directory: Path = typer.Argument(..., help="The new study folder (must not exist, or be empty)."),
    database: str = typer.Option(None, "--database",
                                 help="Restore into this empty PostgreSQL database instead of study.db "
                                      "(PostgreSQL backups only)."),
):
    """Restore a study from an archive into a new folder, checking every file and the audit chain."""
    from reverie.services.study.backup import restore_study

    summary = restore_study(archive, directory, database=database)
    out.print(f"restored {summary.root} ({summary.database}, {summary.rows} rows, {summary.media_files} media files); "
              f"audit chain verified ({summary.audit_events} events)")


@app.command("retention")
def retention_command(
    directory: StudyDir,
    apply: bool = typer.Option(False, "--apply", help="Delete the recordings that are due (default: only list them)."),
):
    """List recordings due for deletion under the study's retention settings, and delete them with --apply."""
    from reverie.services.study import retention

    study = open_dir(directory)
    try:
        report = retention.apply_retention(study) if apply else retention.retention_plan(study)
    finally:
        study.close()
    if report.keep_days is None:
        err.print("no retention period set (study retention: delete_recordings_after_verified_days)")
    out.print(f"review date: {report.review_date or 'not set'}")
    for entry in report.due:
        verb = "deleted" if apply else "due"
        out.print(f"{verb}: {entry.participant} round {entry.round} recording "
                  f"(verified {entry.verified_on}, due {entry.due_on})")
    for entry in report.not_yet_due:
        out.print(f"kept until {entry.due_on}: {entry.participant} round {entry.round} recording")
    for path in report.archives_purged:
        out.print(f"purged from {path}")
    if report.due and not apply:
        out.print("run again with --apply to delete them")

