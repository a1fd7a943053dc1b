"""Long work as jobs: a row with state and progress, cut into chunks that run and retry on their own.

Why chunks: a recording is transcribed a few minutes at a time, so progress is real and a lost
worker or a failed chunk costs one chunk. Every step here is idempotent, because a queue may hand
the same chunk out twice (a worker that looked dead was only slow, a retry raced a redelivery):
a chunk that is done is skipped, and its result is written by whichever run finishes first and
never overwritten (``job_chunks`` is unique on ``(job_id, seq)``).

Services never import a runner. They hand job ids to a :class:`JobQueue`; the default is
:class:`InProcessQueue` (a thread pool, so a laptop needs no broker) and a team server configures
the Dramatiq queue from ``reverie.jobs`` at start-up with :func:`configure_queue`.

Creating a job, retrying it, cancelling it and its end (done or failed) are audited; starting chunks, storing
chunk results and progress ticks go through the study's one writer (same lock, ``BEGIN
IMMEDIATE``) without an audit event each, so a 90-chunk transcription does not add 500 events.

A job names its owner (host and process id) and beats while a chunk runs. A killed worker or CLI
cannot say it stopped, so :func:`sweep_interrupted_jobs` (at study open and when the workbench
lists jobs) marks failed ("interrupted") only the jobs whose owner process on this host is gone
or whose heartbeat is older than :data:`INTERRUPTED_AFTER_S`; they can then be retried.

:func:`cancel_job` stops a queued or running job: chunks not started never start, and a running
chunk stops at its next progress tick (the tick raises :class:`JobCancelled`, which the chunk's
function lets pass), so nothing it recognised is stored and the worker is free again.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from reverie.core.errors import Conflict, InvalidInput, NotFound
from reverie.services.study.context import OpenStudy
from reverie.services.system.job_reading import (  # noqa: F401  (read in plain SQL, named here too)
    HEARTBEAT_S,
    INTERRUPTED_AFTER_S,
    JobStatus,
    interruption,
    list_jobs,
    sweep_interrupted_jobs,
)
from reverie.store.leftovers import this_host
from reverie.store.models import Job, JobChunk, utcnow

# Progress ticks from inside a chunk are written at most this often per job.
PROGRESS_INTERVAL_S = 0.5
ERROR_CHARS = 2000

Progress = Callable[[float], None]
# States after which a job never runs again.
FINISHED = ("done", "failed", "cancelled")


class JobCancelled(Exception):
    """Raised by a progress tick when the job was cancelled: a job function lets it pass, storing nothing."""


@dataclass(frozen=True)
class ChunkSpan:
    """What one chunk covers: seconds of a recording, or any range a job function plans."""

    start: float = 0.0
    end: float = 0.0


class JobFunction(Protocol):
    """A kind of job: plain, idempotent Python living with the service it serves.

    ``plan`` cuts the work into chunks; ``run_chunk`` does one (it may run twice, so it must not
    write, and a :class:`JobCancelled` raised by its ``progress`` must pass through); ``assemble``
    joins the chunk results (heavy work allowed, no writes, runs outside the write lock and perhaps
    twice); ``finish`` stores the assembled result inside the transaction that marks the job done,
    so it happens exactly once.
    """

    def plan(self, study: OpenStudy, params: dict) -> list[ChunkSpan]: ...
    def run_chunk(self, study: OpenStudy, params: dict, seq: int, span: ChunkSpan, progress: Progress) -> dict: ...
    def assemble(self, study: OpenStudy, params: dict, results: list[dict]) -> Any: ...
    def finish(self, study: OpenStudy, params: dict, assembled: Any) -> dict: ...


def job_function(kind: str) -> Callable[[type], type]:
    """Offer a class as the job function for ``kind`` in this process (a script, a test).

    It becomes a small plugin answering the ``register_job_functions`` hook, as an installed
    package's would; a package offers its kinds through that hook from its entry point.
    """

    def register(cls: type) -> type:
        from reverie import plugins
        from reverie.services.system.job_kinds import OneKind

        name = f"job-function:{kind}"
        known = plugins.registered(name)
        if known is None:
            plugins.register(OneKind(kind, cls), name=name)
        elif known.cls is not cls:
            raise Conflict(f"a job function for {kind!r} is already registered")
        return cls

    return register


def job_functions() -> dict[str, type]:
    """Every job kind the plugins offer, with its class; a plugin's wins over a built-in of the same kind."""
    from reverie import plugins  # on first use: pluggy is no part of listing jobs (see job_kinds)

    kinds: dict[str, type] = {}
    for offered in plugins.call("register_job_functions"):
        for kind, cls in (offered or {}).items():
            kinds.setdefault(kind, cls)
    return kinds


def function_for(kind: str) -> JobFunction:
    kinds = job_functions()
    if kind not in kinds:
        raise InvalidInput(f"no job function for {kind!r} (known: {', '.join(sorted(kinds))})")
    made = kinds[kind]
    return made() if isinstance(made, type) else made


# --- queues ----------------------------------------------------------------------------------

class JobQueue(Protocol):
    """Where a committed job goes to run; bound to one study when it is made."""

    def enqueue(self, job_id: int) -> None: ...


class InProcessQueue:
    """Runs a study's jobs on a few threads of this process: the default, no broker needed."""

    def __init__(self, study: OpenStudy, threads: int = 2):
        if threads < 1:
            raise InvalidInput("an in-process queue needs at least one thread")
        self.study = study
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="reverie-job")
        self._futures: set[Future] = set()
        self._lock = threading.Lock()

    def enqueue(self, job_id: int) -> None:
        self._submit(self._start, job_id)

    def _start(self, job_id: int) -> None:
        for seq in plan_chunks(self.study, job_id):
            self._submit(self._run, job_id, seq)

    def _run(self, job_id: int, seq: int) -> None:
        # A failed chunk is already recorded on its row; retry_failed_chunks runs it again.
        try:
            run_chunk(self.study, job_id, seq)
        except Exception:
            pass

    def _submit(self, fn, *args) -> None:
        future = self._pool.submit(fn, *args)
        with self._lock:
            self._futures.add(future)
        future.add_done_callback(self._forget)

    def _forget(self, future: Future) -> None:
        with self._lock:
            self._futures.discard(future)

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Wait until nothing handed to this queue is left to run, or ``timeout`` passes; True if idle.

        Why: a caller following its own job in this process (``reverie transcribe``) wakes the
        moment the last chunk ends instead of at its next poll, and still gets a chance to
        report progress every ``timeout`` seconds. A job's chunks are submitted before its
        start task ends, so the queue is never briefly empty in between.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            with self._lock:
                pending = set(self._futures)
            if not pending:
                return True
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                return False
            wait(pending, timeout=left)

    def join(self, timeout: float | None = None) -> None:
        """Wait until every job handed to this queue has run (for scripts and tests)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            with self._lock:
                pending = set(self._futures)
            if not pending:
                return
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                raise TimeoutError("jobs still running")
            wait(pending, timeout=left)
            for future in pending:
                if future.done() and future.exception() is not None:
                    raise future.exception()

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True)


_queues: dict[str, JobQueue] = {}
_queues_lock = threading.Lock()


def configure_queue(study: OpenStudy, queue: JobQueue) -> None:
    """Choose at start-up where this study's jobs run (``reverie serve --config`` picks Dramatiq)."""
    with _queues_lock:
        _queues[study.url] = queue


def queue_for(study: OpenStudy) -> JobQueue:
    """The study's configured queue, or a small in-process one made on first use."""
    with _queues_lock:
        queue = _queues.get(study.url)
        if queue is None:
            queue = _queues[study.url] = InProcessQueue(study)
        return queue


# --- the writer path for ticks ---------------------------------------------------------------

# --- job rows --------------------------------------------------------------------------------

def create_job(study: OpenStudy, kind: str, params: dict | None = None, *, why: str = "") -> Job:
    """Record a queued job; the row is committed when this returns, so a worker can always find it."""
    function_for(kind)
    params = dict(params or {})
    payload: dict[str, Any] = {"kind": kind, "params": params}
    with study.write("job.create", target=f"job:{kind}", why=why, payload=payload) as s:
        # The process that queues a job owns it until a runner takes it (run_chunk).
        job = Job(study_id=study.study_id, kind=kind, params=params, created_by=study.actor,
                  owner_host=this_host(), owner_pid=os.getpid(), heartbeat_at=utcnow())
        s.add(job)
        s.flush()
        payload["id"] = job.id
    return job


def start_job(study: OpenStudy, kind: str, params: dict | None = None, *, queue: JobQueue | None = None,
              why: str = "") -> Job:
    """Create a job and hand it to the queue (after its row is committed)."""
    job = create_job(study, kind, params, why=why)
    (queue or queue_for(study)).enqueue(job.id)
    return job


def job_status(study: OpenStudy, job_id: int) -> JobStatus:
    with study.read() as s:
        job = _job(s, study, job_id)
        counts = dict(s.execute(select(JobChunk.state, func.count()).where(JobChunk.job_id == job_id)
                                .group_by(JobChunk.state)).all())
        return JobStatus(job.id, job.kind, job.state, job.progress, job.message, job.error, dict(job.result or {}),
                         sum(counts.values()), counts.get("done", 0), counts.get("failed", 0), dict(job.params or {}))



def chunk_results(study: OpenStudy, job_id: int) -> list[dict]:
    """The stored result of every finished chunk, in chunk order."""
    with study.read() as s:
        return [dict(r) for r in s.execute(select(JobChunk.result).where(
            JobChunk.job_id == job_id, JobChunk.state == "done").order_by(JobChunk.seq)).scalars()]


def _job(session: Session, study: OpenStudy, job_id: int, *, lock: bool = False) -> Job:
    job = session.get(Job, job_id, with_for_update=lock or None)
    if job is None or job.study_id != study.study_id:
        raise NotFound(f"no job {job_id} in this study")
    return job


def plan_chunks(study: OpenStudy, job_id: int) -> list[int]:
    """Cut a job into chunk rows (once) and return the seqs still to run.

    Planning twice (a redelivered start message) finds the rows already there and plans nothing.
    """
    with study.read() as s:
        job = _job(s, study, job_id)
        kind, params, state = job.kind, dict(job.params or {}), job.state
        planned = s.execute(select(func.count()).where(JobChunk.job_id == job_id)).scalar()
    if state in ("done", "cancelled"):
        return []
    if not planned:
        try:
            spans = function_for(kind).plan(study, params)
        except Exception as exc:
            _fail_job(study, job_id, f"planning failed: {exc}")
            raise
        if not spans:
            _fail_job(study, job_id, "nothing to do: the job planned no chunks")
            return []
        with study.quiet_write() as s:
            job = _job(s, study, job_id, lock=True)
            if job.state == "cancelled":  # cancelled while it was being planned
                return []
            if not s.execute(select(func.count()).where(JobChunk.job_id == job_id)).scalar():
                s.add_all(JobChunk(job_id=job_id, seq=i, start_s=span.start, end_s=span.end)
                          for i, span in enumerate(spans))
            job.state, job.started_at, job.updated_at = "running", job.started_at or utcnow(), utcnow()
            job.message = f"{len(spans)} chunks"
    with study.read() as s:
        return list(s.execute(select(JobChunk.seq).where(JobChunk.job_id == job_id, JobChunk.state != "done")
                              .order_by(JobChunk.seq)).scalars())


def run_chunk(study: OpenStudy, job_id: int, seq: int) -> bool:
    """Run one chunk unless it is done; store its result once; finish the job after its last chunk.

    Returns True when this call ran the chunk, False when it was already done. A failing chunk
    records its error on its row and re-raises, so a queue with retries can try it again.
    """
    with study.quiet_write() as s:
        job = _job(s, study, job_id)
        chunk = s.execute(select(JobChunk).where(JobChunk.job_id == job_id, JobChunk.seq == seq)).scalar_one_or_none()
        if chunk is None:
            raise NotFound(f"job {job_id} has no chunk {seq}")
        if chunk.state == "done" or job.state == "cancelled":
            return False
        chunk.state, chunk.attempts, chunk.error = "running", chunk.attempts + 1, ""
        if job.state != "running":
            job.state, job.error = "running", ""
        job.owner_host, job.owner_pid, job.heartbeat_at = this_host(), os.getpid(), utcnow()
        kind, params, span = job.kind, dict(job.params or {}), ChunkSpan(chunk.start_s, chunk.end_s)
    try:
        with _heartbeat(study, job_id):
            result = function_for(kind).run_chunk(study, params, seq, span, _ticker(study, job_id))
    except JobCancelled:
        # Stopped mid-chunk by cancel_job, which already marked the job and its chunks.
        with study.quiet_write() as s:
            s.execute(update(JobChunk).where(JobChunk.job_id == job_id, JobChunk.seq == seq,
                                             JobChunk.state.notin_(("done", "cancelled")))
                      .values(state="cancelled", error=""))
        return False
    except Exception as exc:
        with study.quiet_write() as s:
            s.execute(update(JobChunk).where(JobChunk.job_id == job_id, JobChunk.seq == seq,
                                             JobChunk.state.notin_(("done", "cancelled")))
                      .values(state="failed", error=f"{type(exc).__name__}: {exc}"[:ERROR_CHARS]))
        _settle(study, job_id)
        raise
    with study.quiet_write() as s:
        # Conditional on not done: a duplicate run that finishes second leaves the first result alone;
        # nor is a chunk of a job cancelled meanwhile given a result.
        s.execute(update(JobChunk).where(JobChunk.job_id == job_id, JobChunk.seq == seq,
                                         JobChunk.state.notin_(("done", "cancelled")))
                  .values(state="done", result=result, error=""))
        total, done = _counts(s, job_id)
        s.execute(update(Job).where(Job.id == job_id, Job.state == "running")
                  .values(progress=done / total if total else 0.0, updated_at=utcnow()))
    _settle(study, job_id)
    return True


def _counts(session: Session, job_id: int) -> tuple[int, int]:
    rows = dict(session.execute(select(JobChunk.state, func.count()).where(JobChunk.job_id == job_id)
                                .group_by(JobChunk.state)).all())
    return sum(rows.values()), rows.get("done", 0)


def _ticker(study: OpenStudy, job_id: int) -> Progress:
    """A progress callback for inside a chunk: fraction of this chunk, written at most twice a second.

    Each write also looks at the job's state and raises :class:`JobCancelled` once it is cancelled,
    so a long chunk stops at its first tick after the cancel.
    """
    last = [0.0]

    def tick(fraction: float) -> None:
        now = time.monotonic()
        if now - last[0] < PROGRESS_INTERVAL_S:
            return
        last[0] = now
        with study.quiet_write() as s:
            if s.execute(select(Job.state).where(Job.id == job_id)).scalar() == "cancelled":
                raise JobCancelled(f"job {job_id} was cancelled")
            total, done = _counts(s, job_id)
            if total:
                value = min(1.0, (done + max(0.0, min(fraction, 1.0))) / total)
                s.execute(update(Job).where(Job.id == job_id, Job.state == "running", Job.progress < value)
                          .values(progress=value, updated_at=utcnow()))

    return tick


@contextmanager
def _heartbeat(study: OpenStudy, job_id: int) -> Iterator[None]:
    """Beat every :data:`HEARTBEAT_S` while the block runs (a chunk may go minutes without a tick)."""
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(HEARTBEAT_S):
            try:
                with study.quiet_write() as s:
                    s.execute(update(Job).where(Job.id == job_id).values(
                        heartbeat_at=utcnow(), owner_host=this_host(), owner_pid=os.getpid()))
            except Exception:  # a busy database: the next beat tries again, well inside the window
                continue

    beating = threading.Thread(target=beat, name=f"reverie-heartbeat-{job_id}", daemon=True)
    beating.start()
    try:
        yield
    finally:
        stop.set()
        beating.join()


def _interruption(job: Job, now) -> str | None:
    """Why the queued or running ``job`` was interrupted, or None (see :func:`.job_reading.interruption`)."""
    return interruption(job.state, job.owner_host, job.owner_pid, job.heartbeat_at, now)


def mark_interrupted(study: OpenStudy, found: list[tuple[int, str]]) -> list[int]:
    """Mark failed the jobs :func:`.job_reading.interrupted_jobs` found, each with why; returns their ids.

    Their running chunks become failed too, so :func:`retry_failed_chunks` runs them again; the
    chunks already done keep their results. Each is audited as ``job.interrupted``; a job that
    beat or ended since it was read is left alone.
    """
    swept = []
    for job_id, why in found:
        try:
            with study.write("job.interrupted", target=f"job:{job_id}", payload={"error": why}) as s:
                job = _job(s, study, job_id, lock=True)
                if job.state not in ("queued", "running") or _interruption(job, utcnow()) is None:
                    raise _AlreadySettled  # it beat, or ended, since it was read
                s.execute(update(JobChunk).where(JobChunk.job_id == job_id, JobChunk.state == "running")
                          .values(state="failed", error=why))
                job.state, job.error = "failed", why
                job.finished_at = job.updated_at = utcnow()
        except _AlreadySettled:
            continue
        swept.append(job_id)
    return swept


def cancel_job(study: OpenStudy, job_id: int, *, why: str = "") -> JobStatus:
    """Stop a queued or running job: its unstarted chunks never run, a running one stops at its next tick.

    The job and its unfinished chunks are marked cancelled (audited as ``job.cancel``); chunks
    already done keep their results but nothing is assembled or stored from them. A finished job
    (done, failed or cancelled) cannot be cancelled.
    """
    payload: dict[str, Any] = {}
    with study.write("job.cancel", target=f"job:{job_id}", why=why, payload=payload) as s:
        job = _job(s, study, job_id, lock=True)
        if job.state in FINISHED:
            raise Conflict(f"job {job_id} is {job.state}; only a queued or running job can be cancelled")
        payload.update(kind=job.kind, was=job.state, progress=round(job.progress, 3))
        s.execute(update(JobChunk).where(JobChunk.job_id == job_id, JobChunk.state.in_(("queued", "running")))
                  .values(state="cancelled", error=""))
        job.state, job.error, job.message = "cancelled", "", f"cancelled by {study.actor}"
        job.finished_at = job.updated_at = utcnow()
    return job_status(study, job_id)


def retry_job(study: OpenStudy, job_id: int, *, queue: JobQueue | None = None, why: str = "") -> list[int]:
    """Queue a failed or interrupted job again: its failed chunks, and any it never reached."""
    sweep_interrupted_jobs(study)
    return retry_failed_chunks(study, job_id, queue=queue, why=why)


class _AlreadySettled(Exception):
    """Another worker ended the job first; roll back without a second audit event."""


def _settle(study: OpenStudy, job_id: int) -> None:
    """After a chunk ends: finish the job when every chunk is done, fail it when none can still run.

    Runs after the chunk's own commit, and re-checks under the job row's lock, so with chunks
    ending at once on several workers exactly one of them finishes the job.
    """
    with study.read() as s:
        job = _job(s, study, job_id)
        states = dict(s.execute(select(JobChunk.state, func.count()).where(JobChunk.job_id == job_id)
                                .group_by(JobChunk.state)).all())
        kind, params = job.kind, dict(job.params or {})
        if job.state in ("done", "cancelled"):
            return
    total = sum(states.values())
    if states.get("done", 0) == total:
        function = function_for(kind)
        try:
            assembled = function.assemble(study, params, chunk_results(study, job_id))
        except Exception as exc:
            _fail_job(study, job_id, f"assembling the result failed: {exc}")
            raise
        try:
            with study.write("job.done", target=f"job:{job_id}", payload={"kind": kind, "chunks": total}) as s:
                job = _job(s, study, job_id, lock=True)
                if job.state == "done":
                    raise _AlreadySettled
                result = function.finish(study, params, assembled)
                job.state, job.progress, job.result, job.error = "done", 1.0, result, ""
                job.finished_at = job.updated_at = utcnow()
        except _AlreadySettled:
            return
    elif states.get("failed", 0) and not states.get("queued", 0) and not states.get("running", 0):
        _fail_job(study, job_id, f"{states['failed']} of {total} chunks failed; retry them with retry_failed_chunks")


def _fail_job(study: OpenStudy, job_id: int, error: str) -> None:
    try:
        with study.write("job.failed", target=f"job:{job_id}", payload={"error": error[:ERROR_CHARS]}) as s:
            job = _job(s, study, job_id, lock=True)
            if job.state in ("done", "failed", "cancelled"):
                raise _AlreadySettled
            job.state, job.error = "failed", error[:ERROR_CHARS]
            job.finished_at = job.updated_at = utcnow()
    except _AlreadySettled:
        return


def retry_failed_chunks(study: OpenStudy, job_id: int, *, queue: JobQueue | None = None, why: str = "") -> list[int]:
    """Queue again only the chunks that failed; the chunks already done keep their results."""
    payload: dict[str, Any] = {}
    with study.write("job.retry", target=f"job:{job_id}", why=why, payload=payload) as s:
        job = _job(s, study, job_id, lock=True)
        if job.state == "done":
            raise Conflict(f"job {job_id} is done; there is nothing to retry")
        if job.state == "cancelled":
            raise Conflict(f"job {job_id} was cancelled; start it again as a new job")
        failed = list(s.execute(select(JobChunk.seq).where(JobChunk.job_id == job_id, JobChunk.state == "failed")
                                .order_by(JobChunk.seq)).scalars())
        if not failed and job.state != "failed":
            raise Conflict(f"job {job_id} has no failed chunks")
        s.execute(update(JobChunk).where(JobChunk.job_id == job_id, JobChunk.seq.in_(failed))
                  .values(state="queued", error=""))
        job.state, job.error, job.finished_at, job.updated_at = "queued", "", None, utcnow()
        # Queued again by this process, which owns it until a runner takes it.
        job.owner_host, job.owner_pid, job.heartbeat_at = this_host(), os.getpid(), utcnow()
        payload["chunks"] = failed
    # A job that failed while planning has no chunks yet: queueing it plans it again.
    (queue or queue_for(study)).enqueue(job_id)
    return failed


# --- a generic job: tests and health checks use it to exercise the machinery ------------------

class CountJob:
    """Sum ``numbers`` a slice at a time (``per_chunk`` numbers and ``sleep_s`` seconds per chunk)."""

    def plan(self, study: OpenStudy, params: dict) -> list[ChunkSpan]:
        numbers, per = params.get("numbers", []), int(params.get("per_chunk", 1))
        if per < 1:
            raise InvalidInput("per_chunk must be 1 or more")
        return [ChunkSpan(i, min(i + per, len(numbers))) for i in range(0, len(numbers), per)]

    def run_chunk(self, study: OpenStudy, params: dict, seq: int, span: ChunkSpan, progress: Progress) -> dict:
        time.sleep(float(params.get("sleep_s", 0)))
        progress(1.0)
        numbers = params["numbers"][int(span.start):int(span.end)]
        return {"seq": seq, "sum": sum(numbers), "count": len(numbers)}

    def assemble(self, study: OpenStudy, params: dict, results: list[dict]) -> dict:
        return {"total": sum(r["sum"] for r in results), "count": sum(r["count"] for r in results),
                "chunks": [r["seq"] for r in results]}

    def finish(self, study: OpenStudy, params: dict, assembled: dict) -> dict:
        return assembled
