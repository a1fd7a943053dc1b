"""Reading jobs in plain SQL: the job table the overview and the jobs pages show, and which jobs
were interrupted.

The workbench's first page lists the latest jobs and sweeps the interrupted ones, and so does
every writable open; through the ORM that cost the start-up the models and their mapping. The
reads here run ``text()`` SQL (portable to SQLite and PostgreSQL) on the light imports of
:mod:`reverie.services.study.reading`, and :mod:`.jobs` names them too, so there is one copy of
each. Marking a job interrupted is a write and keeps the ORM (:func:`.jobs.mark_interrupted`): it
is loaded only when a plain read found such a job.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import JSON, DateTime, bindparam, text

from reverie.core.errors import InvalidInput
from reverie.services.study.reading import ReadableStudy
from reverie.store.files import process_gone
from reverie.store.leftovers import this_host

# A running chunk beats this often; a job silent for INTERRUPTED_AFTER_S is taken as interrupted.
HEARTBEAT_S = 5.0
INTERRUPTED_AFTER_S = 30.0


@dataclass(frozen=True)
class JobStatus:
    id: int
    kind: str
    state: str
    progress: float
    message: str
    error: str
    result: dict
    chunks: int
    chunks_done: int
    chunks_failed: int
    params: dict = field(default_factory=dict)

    @property
    def cancellable(self) -> bool:
        """A queued or running job can be cancelled."""
        return self.state in ("queued", "running")

    @property
    def retryable(self) -> bool:
        """A failed job (interrupted included) can be queued again; its finished chunks are kept."""
        return self.state == "failed"


JOBS = text("SELECT id, kind, state, progress, message, error, result, params FROM jobs WHERE study_id = :study "
            "ORDER BY id DESC LIMIT :limit").columns(result=JSON, params=JSON)
CHUNK_COUNTS = text("SELECT job_id, state, count(*) FROM job_chunks WHERE job_id IN :ids "
                    "GROUP BY job_id, state").bindparams(bindparam("ids", expanding=True))


def list_jobs(study: ReadableStudy, limit: int = 20) -> list[JobStatus]:
    """The study's latest jobs, newest first, each with its chunk counts."""
    if limit < 1:
        raise InvalidInput("list at least one job")
    with study.read() as db:
        jobs = db.execute(JOBS, {"study": study.study_id, "limit": limit}).all()
        counts: dict[int, dict[str, int]] = {}
        if jobs:
            for job_id, state, n in db.execute(CHUNK_COUNTS, {"ids": [job[0] for job in jobs]}).all():
                counts.setdefault(job_id, {})[state] = n
    return [JobStatus(job_id, kind, state, progress, message, error, dict(result or {}),
                      sum(counts.get(job_id, {}).values()), counts.get(job_id, {}).get("done", 0),
                      counts.get(job_id, {}).get("failed", 0), dict(params or {}))
            for job_id, kind, state, progress, message, error, result, params in jobs]


def utcnow() -> datetime:
    """The current time in UTC, without tzinfo, as the job rows store it."""
    return datetime.now(UTC).replace(tzinfo=None)


def interruption(state: str, owner_host: str, owner_pid: int | None, heartbeat_at: datetime | None,
                 now: datetime) -> str | None:
    """Why a queued or running job was interrupted, or None while its owner may still be at work.

    A queued job waits in a queue, not in a process (a Dramatiq broker holds it for hours if the
    workers are busy), so only a running job is judged by its heartbeat; either kind is
    interrupted when its owner on this host is gone.
    """
    on_this_host = owner_pid is not None and owner_host == this_host()
    if on_this_host and owner_pid == os.getpid():
        return None  # this process: its own threads are at work on it
    if on_this_host and process_gone(owner_pid):
        return f"interrupted: the process running it ({owner_pid} on {owner_host}) is gone"
    if state == "running" and heartbeat_at is not None and now - heartbeat_at > timedelta(seconds=INTERRUPTED_AFTER_S):
        silent = int((now - heartbeat_at).total_seconds())
        return f"interrupted: no heartbeat from {owner_host or 'its worker'} for {silent} s"
    return None


UNFINISHED = text("SELECT id, state, owner_host, owner_pid, heartbeat_at FROM jobs "
                  "WHERE study_id = :study AND state IN ('queued', 'running')").columns(heartbeat_at=DateTime)


def interrupted_jobs(study: ReadableStudy) -> list[tuple[int, str]]:
    """The queued or running jobs whose owner is gone or silent, each with why."""
    with study.read() as db:
        rows = db.execute(UNFINISHED, {"study": study.study_id}).all()
    now = utcnow()
    return [(job_id, why) for job_id, state, host, pid, beat in rows
            if (why := interruption(state, host, pid, beat, now)) is not None]


def sweep_interrupted_jobs(study) -> list[int]:
    """Mark failed ("interrupted") the jobs whose owner is gone or silent; returns their ids.

    Found in plain SQL; only when there are some is the ORM write path loaded to mark them
    (:func:`.jobs.mark_interrupted`).
    """
    found = interrupted_jobs(study)
    if not found:
        return []
    from reverie.services.system.jobs import mark_interrupted

    return mark_interrupted(study, found)
