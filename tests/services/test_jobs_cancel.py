"""Cancelling a job: queued chunks never start, a running chunk stops at its next tick, nothing is stored."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import select

from reverie.core.errors import Conflict
from reverie.services.system import jobs
from reverie.store.models import AuditEvent, JobChunk


class _Slow:
    """Each chunk ticks ``ticks`` times, ``tick_s`` apart, counting the ticks it got through."""

    ticks_run: dict[tuple[str, int], int] = {}
    started = threading.Event()
    finished: list[str] = []

    def plan(self, study, params):
        return [jobs.ChunkSpan(i, i + 1) for i in range(params["chunks"])]

    def run_chunk(self, study, params, seq, span, progress):
        key = (params["tag"], seq)
        self.ticks_run[key] = 0
        self.started.set()
        for n in range(params["ticks"]):
            time.sleep(params["tick_s"])
            self.ticks_run[key] = n + 1
            progress((n + 1) / params["ticks"])
        return {"seq": seq}

    def assemble(self, study, params, results):
        return {"seqs": [r["seq"] for r in results]}

    def finish(self, study, params, assembled):
        self.finished.append(params["tag"])
        return assembled


jobs.job_function("slow-test")(_Slow)


def _wait_for(predicate, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.02)


def test_cancelling_a_running_job_stops_its_chunk_and_skips_the_rest(sqlite_study):
    study = sqlite_study
    _Slow.started.clear()
    queue = jobs.InProcessQueue(study, threads=1)
    params = {"tag": "running", "chunks": 4, "ticks": 60, "tick_s": 0.05}
    job = jobs.start_job(study, "slow-test", params, queue=queue)
    assert _Slow.started.wait(20)
    _wait_for(lambda: _Slow.ticks_run.get(("running", 0), 0) >= 3)

    status = jobs.cancel_job(study, job.id, why="wrong recording")
    assert status.state == "cancelled" and not status.cancellable and not status.retryable
    queue.join(timeout=30)
    queue.shutdown()

    # The running chunk stopped at a tick well before its 60th; the other chunks never began.
    assert _Slow.ticks_run[("running", 0)] < 40
    assert ("running", 1) not in _Slow.ticks_run
    assert "running" not in _Slow.finished
    status = jobs.job_status(study, job.id)
    assert status.state == "cancelled" and status.error == "" and status.result == {}
    assert status.message.startswith("cancelled by ")
    with study.read() as s:
        chunks = s.execute(select(JobChunk.seq, JobChunk.state, JobChunk.result).where(JobChunk.job_id == job.id)
                           .order_by(JobChunk.seq)).all()
        events = s.execute(select(AuditEvent.action, AuditEvent.why).where(
            AuditEvent.target == f"job:{job.id}").order_by(AuditEvent.id)).all()
    assert [(seq, state) for seq, state, _ in chunks] == [(0, "cancelled"), (1, "cancelled"), (2, "cancelled"),
                                                           (3, "cancelled")]
    assert all(not result for _, _, result in chunks)
    assert [(action, why) for action, why in events] == [("job.cancel", "wrong recording")]


def test_a_queued_job_cancelled_before_it_is_planned_never_runs(sqlite_study):
    study = sqlite_study

    class Held:
        """A queue that keeps the job until the test lets it go."""

        def __init__(self):
            self.ids: list[int] = []

        def enqueue(self, job_id: int) -> None:
            self.ids.append(job_id)

    held = Held()
    job = jobs.start_job(study, "slow-test", {"tag": "queued", "chunks": 2, "ticks": 1, "tick_s": 0}, queue=held)
    jobs.cancel_job(study, job.id)
    assert jobs.plan_chunks(study, job.id) == []
    assert jobs.job_status(study, job.id).state == "cancelled"
    assert ("queued", 0) not in _Slow.ticks_run


def test_a_finished_job_cannot_be_cancelled_or_a_cancelled_one_retried(sqlite_study):
    study = sqlite_study
    queue = jobs.InProcessQueue(study, threads=1)
    done = jobs.start_job(study, "count", {"numbers": [1, 2], "per_chunk": 1}, queue=queue)
    queue.join(timeout=30)
    queue.shutdown()
    with pytest.raises(Conflict, match="is done; only a queued or running job can be cancelled"):
        jobs.cancel_job(study, done.id)

    held = jobs.create_job(study, "count", {"numbers": [1], "per_chunk": 1})
    jobs.cancel_job(study, held.id)
    with pytest.raises(Conflict, match="is cancelled"):
        jobs.cancel_job(study, held.id)
    with pytest.raises(Conflict, match="was cancelled; start it again as a new job"):
        jobs.retry_failed_chunks(study, held.id)
    with study.read() as s:
        cancels = s.execute(select(AuditEvent.target).where(AuditEvent.action == "job.cancel")).scalars().all()
    assert cancels == [f"job:{held.id}"]  # refusals record nothing
