"""The distributed worker: the same job functions, run chunk by chunk on Dramatiq with Redis.

``reverie worker --config team.toml`` (or ``python -m reverie.jobs.worker --config team.toml``)
starts worker processes that take chunks from Redis. The server hands jobs over with
:class:`DramatiqQueue` (a :class:`reverie.services.system.jobs.JobQueue`), only after the job's row is
committed. Messages carry (study folder, job id, chunk seq); the job's parameters and every
result stay in the study database, so a message holds nothing about participants.

The settings are deliberate, because Dramatiq's defaults suit short web tasks:

- ``time_limit``: a chunk (a few minutes of audio) gets ``chunk_time_limit_s``, not 10 minutes
  for everything, and the planning step gets the same.
- retries: ``max_retries`` (3) with a backoff of seconds, not 20 retries over days; a chunk
  that still fails stays failed on its row for ``retry_failed_chunks``.
- prefetch: one message per worker thread, so a killed worker holds only the chunks it runs.
- recovery: Redis keeps a fetched message in the worker's "acks" set until it is acknowledged,
  and only the broker's *maintenance* step, which runs on a random ``maintenance_chance`` in a
  million Redis calls, hands out again the messages of workers whose last heartbeat is older
  than ``heartbeat_timeout``. The defaults (60 s, 0.1 %) leave a killed worker's chunk waiting
  for many minutes; here the timeout is 10 s (a worker heartbeats on every poll, at least once
  a second) and maintenance runs on a fifth of calls, so the chunk runs again within seconds.
"""

from __future__ import annotations

import argparse
import logging
import multiprocessing
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import dramatiq
from dramatiq.brokers.redis import RedisBroker

from reverie.core.errors import NotFound, ReverieError
from reverie.services.study.context import OpenStudy
from reverie.services.system import jobs
from reverie.services.system.config import (
    POLL_MS,
    TeamSettings,
    load_settings,
    open_configured,
)

QUEUE = "reverie-jobs"
MAINTENANCE_SCALE = 1_000_000  # dramatiq's maintenance_chance is out of a million calls

log = logging.getLogger("reverie.worker")


class WrongStudy(ReverieError):
    """A message for a study this worker does not serve; never retried."""


def make_broker(settings: TeamSettings) -> RedisBroker:
    w = settings.worker
    return RedisBroker(
        url=settings.redis,
        namespace=settings.namespace,
        heartbeat_timeout=int(w.heartbeat_timeout_s * 1000),
        maintenance_chance=max(1, int(w.recovery_check_chance * MAINTENANCE_SCALE)),
        dead_message_ttl=int(w.dead_message_ttl_s * 1000),
    )


class Actors:
    """The two actors, declared on one broker: plan a job, and run one chunk of it."""

    def __init__(self, broker: RedisBroker, settings: TeamSettings, study: Callable[[], OpenStudy]):
        w = settings.worker
        self.study_key = str(settings.study)
        self._study = study
        options = dict(
            broker=broker, queue_name=QUEUE, time_limit=int(w.chunk_time_limit_s * 1000),
            max_retries=w.max_retries, min_backoff=int(w.min_backoff_s * 1000),
            max_backoff=int(w.max_backoff_s * 1000),
            # A missing job or chunk, or another study's message, will not get better by retrying.
            throws=(WrongStudy, NotFound),
        )
        self.plan = dramatiq.actor(self._plan, actor_name="reverie.plan", **options)
        self.chunk = dramatiq.actor(self._chunk, actor_name="reverie.chunk", **options)

    def _open(self, study_key: str) -> OpenStudy:
        if study_key != self.study_key:
            raise WrongStudy(f"this worker serves {self.study_key}, not {study_key}")
        return self._study()

    def _plan(self, study_key: str, job_id: int) -> None:
        for seq in jobs.plan_chunks(self._open(study_key), job_id):
            self.chunk.send(study_key, job_id, seq)

    def _chunk(self, study_key: str, job_id: int, seq: int) -> None:
        study = self._open(study_key)
        log.info("job %s chunk %s started", job_id, seq)
        ran = jobs.run_chunk(study, job_id, seq)
        log.info("job %s chunk %s %s", job_id, seq, "done" if ran else "was already done")


class DramatiqQueue:
    """Hands a study's jobs to the Redis workers; configure it at start-up with ``jobs.configure_queue``."""

    def __init__(self, settings: TeamSettings):
        self.broker = make_broker(settings)
        self.actors = Actors(self.broker, settings, study=self._no_study)

    @staticmethod
    def _no_study() -> OpenStudy:
        raise RuntimeError("the enqueuing side never runs chunks")

    def enqueue(self, job_id: int) -> None:
        self.actors.plan.send(self.actors.study_key, job_id)

    def close(self) -> None:
        self.broker.close()


def serve(settings: TeamSettings) -> None:
    """Run one worker process until SIGTERM or SIGINT, then hand back what it has not started."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(process)d %(name)s %(levelname)s %(message)s")
    study = open_configured(settings)
    broker = make_broker(settings)
    Actors(broker, settings, study=lambda: study)
    worker = dramatiq.Worker(broker, queues={QUEUE}, worker_threads=settings.worker.threads, worker_timeout=POLL_MS)
    worker.queue_prefetch = settings.worker.threads
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    worker.start()
    log.info("worker ready: study %s, queue %s:%s", settings.study, settings.namespace, QUEUE)
    try:
        stop.wait()
    finally:
        worker.stop(timeout=int(settings.worker.chunk_time_limit_s * 1000))
        broker.close()
        study.close()


def run(settings: TeamSettings, processes: int | None = None) -> int:
    """Start ``processes`` worker processes (default from the settings) and wait for them."""
    count = processes or settings.worker.processes
    if count < 1:
        raise ReverieError("--processes must be 1 or more")
    open_configured(settings).close()  # fail here, once, with a clear message rather than in every child
    if count == 1:
        serve(settings)
        return 0
    context = multiprocessing.get_context("spawn")
    children = [context.Process(target=serve, args=(settings,), name=f"reverie-worker-{i}") for i in range(count)]
    for child in children:
        child.start()

    def forward(_signum, _frame):
        # Each child stops gracefully on SIGTERM, handing its unstarted messages back to Redis.
        for child in children:
            if child.is_alive():
                child.terminate()

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, forward)
    for child in children:
        child.join()
    return max((child.exitcode or 0 for child in children), default=0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m reverie.jobs.worker", description="Run Reverie job workers.")
    parser.add_argument("--config", type=Path, required=True, help="The team.toml naming the study and Redis.")
    parser.add_argument("--processes", type=int, default=None,
                        help="Worker processes to start (default: from team.toml).")
    args = parser.parse_args(argv)
    try:
        return run(load_settings(args.config), args.processes)
    except ReverieError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
