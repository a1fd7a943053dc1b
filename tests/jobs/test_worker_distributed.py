"""Two real worker processes on the local Redis; one is SIGKILLed mid-chunk and the job still completes.

Each run uses a Redis namespace of its own and deletes only its own keys. Without a local Redis
the test skips, except in CI where a missing Redis is a failure.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import select

from reverie.services.system import jobs
from reverie.services.system.config import load_settings
from reverie.store.models import AuditEvent, JobChunk

REDIS_URL = os.environ.get("REVERIE_TEST_REDIS", "redis://127.0.0.1:6379/0")
ROOT = Path(__file__).resolve().parents[2]
CHUNKS, SLEEP_S = 40, 0.3


@pytest.fixture
def redis_client():
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url(REDIS_URL, socket_timeout=2, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.exceptions.RedisError:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis is not reachable at {REDIS_URL} in CI")
        pytest.skip(f"no Redis at {REDIS_URL}")
    yield client
    client.close()


@pytest.fixture
def redis_namespace(redis_client):
    client = redis_client
    namespace = f"reverie-test-{uuid.uuid4().hex[:12]}"
    yield namespace
    keys = list(client.scan_iter(match=f"{namespace}:*", count=500))
    if keys:
        client.delete(*keys)


def _worker(config: Path, log: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "reverie.jobs.worker", "--config", str(config)], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=log.open("w"),
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})


def _wait(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def _in_flight(log: Path) -> int | None:
    """The chunk this worker has started and not yet finished, from its log."""
    started = None
    for line in log.read_text().splitlines():
        if " started" in line:
            started = int(line.split(" chunk ")[1].split()[0])
        elif " chunk " in line and started is not None and f" chunk {started} " in line:
            started = None
    return started


def _acks_holding(client, namespace: str, job_id: int, seq: int) -> str | None:
    """The Redis "acks" set of the worker that has fetched this chunk's message."""
    from reverie.jobs.worker import QUEUE

    for key in client.scan_iter(match=f"{namespace}:__acks__.*.{QUEUE}"):
        for message_id in client.smembers(key):
            data = client.hget(f"{namespace}:{QUEUE}.msgs", message_id)
            if data and json.loads(data)["args"][1:] == [job_id, seq]:
                return key.decode()
    return None


@pytest.mark.slow
def test_job_completes_when_a_worker_is_killed_mid_chunk(sqlite_study, redis_client, redis_namespace, tmp_path):
    from reverie.jobs.worker import DramatiqQueue

    study = sqlite_study
    config = tmp_path / "team.toml"
    config.write_text(f'study = "{study.root}"\nredis = "{REDIS_URL}"\nnamespace = "{redis_namespace}"\n'
                      "[worker]\nchunk_time_limit_s = 30\n", encoding="utf-8")
    settings = load_settings(config)
    logs = [tmp_path / "worker-a.log", tmp_path / "worker-b.log"]
    workers = [_worker(config, log) for log in logs]
    queue = None
    try:
        _wait(lambda: all("worker ready" in log.read_text() for log in logs), 20, "both workers to start")
        queue = DramatiqQueue(settings)
        numbers = list(range(CHUNKS * 3))
        job = jobs.start_job(study, "count", {"numbers": numbers, "per_chunk": 3, "sleep_s": SLEEP_S}, queue=queue)

        _wait(lambda: jobs.job_status(study, job.id).chunks_done >= 6, 20, "a few chunks to finish")
        def running_on_a():
            seq = _in_flight(logs[0])
            with study.read() as s:
                state = s.execute(select(JobChunk.state).where(JobChunk.job_id == job.id, JobChunk.seq == seq)).scalar()
            return seq if seq is not None and state == "running" else None

        victim = _wait(running_on_a, 5, "worker A to be inside a chunk")
        held_by = _acks_holding(redis_client, redis_namespace, job.id, victim)
        workers[0].send_signal(signal.SIGKILL)
        killed_at = time.monotonic()
        workers[0].wait(timeout=5)
        assert held_by is not None
        _wait(lambda: not redis_client.exists(held_by), 40, "Redis to hand the dead worker's chunk out again")
        requeued_s = time.monotonic() - killed_at

        def victim_done():
            with study.read() as s:
                state = select(JobChunk.state).where(JobChunk.job_id == job.id, JobChunk.seq == victim)
                return s.execute(state).scalar() == "done"

        _wait(victim_done, 40, f"chunk {victim} of the killed worker to run again")
        recovery_s = time.monotonic() - killed_at
        _wait(lambda: jobs.job_status(study, job.id).state in ("done", "failed"), 15, "the job to end")
        print(f"\nchunk {victim} of the killed worker: back on the queue {requeued_s:.1f} s after the kill, "
              f"done again after {recovery_s:.1f} s (behind the chunks still queued)")

        status = jobs.job_status(study, job.id)
        assert status.state == "done", status.error
        assert status.result["chunks"] == list(range(CHUNKS)), "a chunk result is missing or duplicated"
        assert status.result["total"] == sum(numbers) and status.result["count"] == len(numbers)
        with study.read() as s:
            rows = s.execute(select(JobChunk.seq, JobChunk.attempts).where(JobChunk.job_id == job.id)).all()
            done_events = s.execute(select(AuditEvent.id).where(AuditEvent.action == "job.done",
                                                                AuditEvent.target == f"job:{job.id}")).all()
        assert sorted(seq for seq, _ in rows) == list(range(CHUNKS))
        assert dict(rows)[victim] >= 2, "the killed worker's chunk should have been started again"
        assert len(done_events) == 1
        assert requeued_s < 20, f"recovery took {requeued_s:.1f} s"
    finally:
        if queue is not None:
            queue.close()
        for worker in workers:
            if worker.poll() is None:
                worker.terminate()
        for worker in workers:
            try:
                worker.wait(timeout=15)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
