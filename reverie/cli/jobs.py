"""``reverie jobs``: see a study's jobs, run again one that failed or was interrupted, or cancel one."""

from __future__ import annotations

import typer

from reverie.cli.app import app
from reverie.cli.common import ListFormat, StudyDir, open_dir
from reverie.cli.output import out, print_rows

jobs_app = typer.Typer(help="Long-running work (transcription, exports): its progress, retrying and cancelling it.",
                       no_args_is_help=True)
app.add_typer(jobs_app, name="jobs")

KEYS = ["id", "kind", "state", "progress", "chunks", "chunks_done", "chunks_failed", "message", "error"]


@jobs_app.command("list")
def jobs_list(directory: StudyDir, fmt: ListFormat = "table",
              limit: int = typer.Option(20, "--limit", min=1, max=10_000, help="How many of the latest jobs.")):
    """List the latest jobs, newest first (reads the study without writing to it)."""
    from reverie.services.system.jobs import list_jobs

    study = open_dir(directory, read_only=True)
    try:
        jobs = list_jobs(study, limit=limit)
    finally:
        study.close()
    rows = [{key: getattr(job, key) for key in KEYS} for job in jobs]
    print_rows(rows, fmt, keys=KEYS, view=["id", "kind", "state", ("progress", lambda r: f"{r['progress']:.0%}"),
                                           ("note", lambda r: r["error"] or r["message"])])


@jobs_app.command("retry")
def jobs_retry(directory: StudyDir, job_id: int = typer.Argument(..., help="The job's id (from `reverie jobs list`).",
                                                                  min=1, max=2**63 - 1)):
    """Run a failed or interrupted job again, here, until it ends; chunks already done are kept."""
    from reverie.services.system.jobs import InProcessQueue, job_status, retry_job

    study = open_dir(directory)
    queue = InProcessQueue(study)
    try:
        again = retry_job(study, job_id, queue=queue)
        queue.join()
        status = job_status(study, job_id)
    finally:
        queue.shutdown()
        study.close()
    out.print(f"job {job_id} ({status.kind}): {status.state}"
              + (f" after retrying chunks {', '.join(map(str, again))}" if again else "")
              + (f"; {status.error}" if status.error else ""))
    if status.state != "done":
        raise typer.Exit(1)


@jobs_app.command("cancel")
def jobs_cancel(directory: StudyDir,
                job_id: int = typer.Argument(..., help="The job's id (from `reverie jobs list`).",
                                             min=1, max=2**63 - 1),
                why: str = typer.Option("", "--why", help="Why it is cancelled (recorded in the audit log).")):
    """Cancel a queued or running job: parts not started never run, a running part stops at its next step."""
    from reverie.services.system.jobs import cancel_job

    status = cancel_job(open_dir(directory), job_id, why=why)
    out.print(f"job {job_id} ({status.kind}): {status.state}")
