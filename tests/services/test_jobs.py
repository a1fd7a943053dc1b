"""Jobs in process: chunks run on a thread pool, progress is visible, a failed chunk is retried alone."""

from __future__ import annotations

import threading
import uuid

import pytest
from sqlalchemy import select

from reverie.core.errors import Conflict, InvalidInput
from reverie.services.system import jobs
from reverie.store.models import AuditEvent, JobChunk


class _Flaky:
    """Chunks listed in ``fail_once`` fail on their first run only; every run is counted."""

    fail_once: set[tuple[int, int]] = set()
    runs: dict[tuple[int, int], int] = {}
    lock = threading.Lock()

    def plan(self, study, params):
        return [jobs.ChunkSpan(i, i + 1) for i in range(params["chunks"])]

    def run_chunk(self, study, params, seq, span, progress):
        key = (params["tag"], seq)
        with self.lock:
            self.runs[key] = self.runs.get(key, 0) + 1
            if key in self.fail_once:
                self.fail_once.discard(key)
                raise RuntimeError(f"chunk {seq} broke")
        return {"seq": seq}

    def assemble(self, study, params, results):
        return {"seqs": [r["seq"] for r in results]}

    def finish(self, study, params, assembled):
        return assembled


jobs.job_function("flaky-test")(_Flaky)


def _run(study, kind, params, threads=4):
    queue = jobs.InProcessQueue(study, threads=threads)
    job = jobs.start_job(study, kind, params, queue=queue)
    queue.join(timeout=60)
    queue.shutdown()
    return job.id, queue


@pytest.mark.both_backends  # jobs lock rows FOR UPDATE from threads
def test_many_chunk_job_runs_to_completion_with_progress(study):
    numbers = list(range(1, 201))
    seen: list[float] = []
    queue = jobs.InProcessQueue(study, threads=3)
    job = jobs.start_job(study, "count", {"numbers": numbers, "per_chunk": 5, "sleep_s": 0.01}, queue=queue)
    while True:
        status = jobs.job_status(study, job.id)
        seen.append(status.progress)
        if status.state in ("done", "failed"):
            break
        threading.Event().wait(0.02)
    queue.join(timeout=60)
    status = jobs.job_status(study, job.id)
    assert status.state == "done", status.error
    assert status.result["total"] == sum(numbers) and status.result["count"] == 200
    assert status.result["chunks"] == list(range(40))
    assert (status.chunks, status.chunks_done, status.progress) == (40, 40, 1.0)
    assert any(0 < p < 1 for p in seen), "progress was never visible between start and end"
    assert seen == sorted(seen), "progress went backwards"


@pytest.mark.both_backends  # jobs lock rows FOR UPDATE from threads
def test_progress_ticks_are_not_audited_but_creation_and_completion_are(study):
    job_id, _ = _run(study, "count", {"numbers": list(range(30)), "per_chunk": 1})
    with study.read() as s:
        actions = list(s.execute(select(AuditEvent.action).where(AuditEvent.target == f"job:{job_id}")).scalars())
        created = s.execute(select(AuditEvent.action).where(AuditEvent.action == "job.create")).scalars().all()
    assert actions == ["job.done"] and len(created) == 1
    from reverie.services.study.studies import verify_audit

    assert verify_audit(study).ok


@pytest.mark.both_backends  # jobs lock rows FOR UPDATE from threads
def test_a_failed_chunk_is_retried_alone(study):
    tag = uuid.uuid4().hex
    _Flaky.fail_once = {(tag, 3)}
    job_id, queue = _run(study, "flaky-test", {"chunks": 8, "tag": tag})
    status = jobs.job_status(study, job_id)
    assert status.state == "failed" and status.chunks_failed == 1 and status.chunks_done == 7
    with study.read() as s:
        failed = s.execute(select(JobChunk).where(JobChunk.job_id == job_id, JobChunk.state == "failed")).scalar_one()
        assert failed.seq == 3 and "chunk 3 broke" in failed.error

    queue = jobs.InProcessQueue(study, threads=2)
    assert jobs.retry_failed_chunks(study, job_id, queue=queue) == [3]
    queue.join(timeout=30)
    status = jobs.job_status(study, job_id)
    assert status.state == "done" and status.result["seqs"] == list(range(8))
    runs = {seq: n for (key_tag, seq), n in _Flaky.runs.items() if key_tag == tag}
    assert runs == {0: 1, 1: 1, 2: 1, 3: 2, 4: 1, 5: 1, 6: 1, 7: 1}
    with pytest.raises(Conflict):
        jobs.retry_failed_chunks(study, job_id, queue=queue)


def test_running_a_chunk_twice_keeps_the_first_result(sqlite_study):
    study = sqlite_study
    job = jobs.create_job(study, "count", {"numbers": [1, 2, 3], "per_chunk": 1})
    assert jobs.plan_chunks(study, job.id) == [0, 1, 2]
    assert jobs.plan_chunks(study, job.id) == [0, 1, 2]  # a redelivered plan adds no rows
    assert jobs.run_chunk(study, job.id, 1) is True
    assert jobs.run_chunk(study, job.id, 1) is False  # done: skipped
    for seq in (0, 2):
        jobs.run_chunk(study, job.id, seq)
    status = jobs.job_status(study, job.id)
    assert status.state == "done" and status.result["total"] == 6 and status.chunks == 3
    with study.read() as s:
        attempts = select(JobChunk.attempts).where(JobChunk.job_id == job.id).order_by(JobChunk.seq)
        assert s.execute(attempts).scalars().all() == [1, 1, 1]
        assert len(s.execute(select(AuditEvent).where(AuditEvent.action == "job.done")).all()) == 1


def test_unknown_kind_is_refused_before_anything_is_stored(sqlite_study):
    with pytest.raises(InvalidInput):
        jobs.create_job(sqlite_study, "no-such-kind", {})


def test_default_queue_is_in_process(sqlite_study):
    queue = jobs.queue_for(sqlite_study)
    assert isinstance(queue, jobs.InProcessQueue) and jobs.queue_for(sqlite_study) is queue
    job = jobs.start_job(sqlite_study, "count", {"numbers": [4, 5], "per_chunk": 1})
    queue.join(timeout=30)
    assert jobs.job_status(sqlite_study, job.id).result["total"] == 9


def test_a_caller_waiting_on_the_queue_wakes_when_the_job_ends(sqlite_study):
    """``reverie transcribe`` waits on its queue: woken by the end, not at its next poll, and told
    when the time it gave passed first."""
    queue = jobs.InProcessQueue(sqlite_study, threads=1)
    gate = threading.Event()

    class _Gated:
        def plan(self, study, params):
            return [jobs.ChunkSpan(0, 1)]

        def run_chunk(self, study, params, seq, span, progress):
            gate.wait(60)
            return {}

        def assemble(self, study, params, results):
            return {}

        def finish(self, study, params, assembled):
            return {"ok": True}

    kind = f"gated-{uuid.uuid4().hex[:8]}"
    jobs.job_function(kind)(_Gated)
    job = jobs.start_job(sqlite_study, kind, {}, queue=queue)
    try:
        assert queue.wait_idle(0.05) is False  # the chunk is held: the time given passes first
        gate.set()
        assert queue.wait_idle(60) is True
        assert jobs.job_status(sqlite_study, job.id).state == "done"
        assert queue.wait_idle(0) is True
    finally:
        gate.set()
        queue.shutdown()
