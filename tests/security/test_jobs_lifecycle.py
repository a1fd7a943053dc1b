"""Killed processes leave nothing running for ever and nothing readable behind; reading writes nothing.

Issue 13, point 10: a killed transcription left its job "running" for ever (and the overview
polling), and a killed ``refi export`` left a hidden ``.part`` copy of every transcript. Here real
processes are killed with SIGKILL: their jobs become failed ("interrupted") and can be retried
from the workbench's Retry button or ``reverie jobs retry``; their ``.part`` files are removed
once (and only once) the writer is gone. Commands that only read leave every file as it was.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from reverie.services.study.studies import open_study
from reverie.services.system import jobs
from reverie.store.models import Job, utcnow
from tests.security import servers
from tests.security.servers import start_workbench, stop

RUNNER = """
import sys, time
from reverie.services.study.studies import open_study
from reverie.services.system import jobs
study = open_study(sys.argv[1])
job = jobs.start_job(study, "count", {"numbers": list(range(16)), "per_chunk": 1, "sleep_s": 0.5})
print(job.id, flush=True)
time.sleep(3600)
"""

local_study = servers.local_study  # the fixture: a small study made once

WRITER = """
import sys, time
from pathlib import Path
from reverie.store.files import atomic_write
with atomic_write(Path(sys.argv[1])) as handle:
    handle.write(b"P1: every word of every transcript")
    handle.flush()
    print("writing", flush=True)
    time.sleep(3600)
"""


def reverie(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "reverie.cli", *map(str, args)], capture_output=True, text=True)


def killed(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait()


def wait_for(check, what: str, limit_s: float = 120.0):
    """Poll until ``check()`` is true (a bound on waiting, not a timing assertion)."""
    deadline = time.monotonic() + limit_s
    while not (found := check()):
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.1)
    return found


def run_and_kill_a_job(root: Path) -> int:
    """Start a counting job in a process of its own, and SIGKILL that process once a chunk is done."""
    runner = subprocess.Popen([sys.executable, "-c", RUNNER, str(root)], stdout=subprocess.PIPE, text=True)
    try:
        job_id = int(runner.stdout.readline())
        watcher = open_study(root, read_only=True)
        try:
            wait_for(lambda: jobs.job_status(watcher, job_id).chunks_done >= 1, "a chunk to finish")
        finally:
            watcher.close()
    finally:
        killed(runner)
    return job_id


def snapshot(root: Path) -> dict[str, tuple[int, int]]:
    """Every file and folder in the study with its size and modification time (ns)."""
    return {str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in [root, *root.rglob("*")]}


@pytest.fixture
def study_dir(local_study: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(local_study, tmp_path / "study"))


def test_a_killed_job_is_interrupted_and_the_workbench_retries_it(study_dir):
    job_id = run_and_kill_a_job(study_dir)
    listed = json.loads(reverie("jobs", "list", study_dir, "--format", "json").stdout)
    assert [(j["id"], j["state"]) for j in listed] == [(job_id, "running")]  # a read-only look marks nothing

    workbench = start_workbench(study_dir)
    try:
        table = workbench.client.get(workbench.url("jobs"))
        assert table.status_code == 200
        assert "failed" in table.text and "interrupted: the process running it" in table.text
        assert "hx-trigger" not in table.text  # the overview stops polling
        action = re.search(rf'action="([^"]*/jobs/{job_id}/retry)"', table.text)[1]
        retried = workbench.client.post(httpx.URL(workbench.base).join(action), headers={"HX-Request": "true"})
        assert retried.status_code == 200 and "interrupted" not in retried.text, retried.text[:500]
        wait_for(lambda: "status-done" in workbench.client.get(workbench.url("jobs")).text, "the retried job")
    finally:
        stop(workbench)
    study = open_study(study_dir, read_only=True)
    try:
        status = jobs.job_status(study, job_id)
    finally:
        study.close()
    assert status.state == "done" and status.result["total"] == sum(range(16))


def test_reverie_jobs_retry_finishes_an_interrupted_job(study_dir):
    job_id = run_and_kill_a_job(study_dir)
    result = reverie("jobs", "retry", study_dir, job_id)
    assert result.returncode == 0, result.stderr
    assert f"job {job_id} (count): done" in result.stdout
    listed = json.loads(reverie("jobs", "list", study_dir, "--format", "json").stdout)
    assert listed[0]["state"] == "done" and listed[0]["chunks_done"] == 16


def test_reverie_jobs_cancel_stops_a_running_job_and_refuses_a_finished_one(study_dir):
    runner = subprocess.Popen([sys.executable, "-c", RUNNER, str(study_dir)], stdout=subprocess.PIPE, text=True)
    try:
        job_id = int(runner.stdout.readline())
        watcher = open_study(study_dir, read_only=True)
        try:
            wait_for(lambda: jobs.job_status(watcher, job_id).chunks_done >= 1, "a chunk to finish")
        finally:
            watcher.close()
        result = reverie("jobs", "cancel", study_dir, job_id, "--why", "wrong recording")
        assert result.returncode == 0, result.stderr
        assert f"job {job_id} (count): cancelled" in result.stdout
    finally:
        killed(runner)  # the runner sleeps on after its job: it is not waited for
    listed = json.loads(reverie("jobs", "list", study_dir, "--format", "json").stdout)
    assert listed[0]["state"] == "cancelled" and listed[0]["chunks_done"] < 16
    again = reverie("jobs", "cancel", study_dir, job_id)
    assert again.returncode == 1 and "only a queued or running job can be cancelled" in again.stderr


def test_only_a_silent_or_gone_owner_interrupts_a_job(study_dir):
    study = open_study(study_dir)
    try:
        job_ids = [jobs.create_job(study, "count", {"numbers": [1]}).id for _ in range(3)]
        sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(3600)"])
        try:
            owners = {job_ids[0]: ("another-host", 4242, 10), job_ids[1]: ("another-host", 4242, 31),
                      job_ids[2]: (os.uname().nodename, sleeper.pid, 10)}
            with study.write("test.owners") as s:
                for job_id, (host, pid, silent_s) in owners.items():
                    job = s.get(Job, job_id)
                    job.state, job.owner_host, job.owner_pid = "running", host, pid
                    job.heartbeat_at = utcnow() - timedelta(seconds=silent_s)
            assert jobs.sweep_interrupted_jobs(study) == [job_ids[1]]
            killed(sleeper)
            assert jobs.sweep_interrupted_jobs(study) == [job_ids[2]]
        finally:
            if sleeper.poll() is None:
                killed(sleeper)
        states = {j.id: (j.state, j.error) for j in jobs.list_jobs(study)}
    finally:
        study.close()
    assert states[job_ids[0]] == ("running", "")
    assert states[job_ids[1]][0] == "failed" and "no heartbeat" in states[job_ids[1]][1]
    assert states[job_ids[2]][0] == "failed" and "is gone" in states[job_ids[2]][1]


def _writer(target: Path) -> subprocess.Popen:
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(target)], stdout=subprocess.PIPE, text=True)
    assert writer.stdout.readline().strip() == "writing"
    return writer


def test_a_killed_exports_part_file_goes_only_once_its_writer_is_gone(study_dir):
    exports = study_dir / "exports"
    exports.mkdir(mode=0o700, exist_ok=True)
    writer = _writer(exports / "study.qdpx")
    try:
        part = next(exports.glob(".study.qdpx.*.part"))
        assert str(writer.pid) in part.name
        open_study(study_dir).close()
        assert part.exists(), "a live writer's file was removed"
    finally:
        killed(writer)
    assert part.exists()
    open_study(study_dir).close()
    assert not part.exists() and not (exports / "study.qdpx").exists()


def test_a_part_file_outside_the_study_goes_at_the_next_export_there(study_dir, tmp_path):
    outside = tmp_path / "desktop"
    outside.mkdir()
    writer = _writer(outside / "study.qdpx")
    killed(writer)
    leftover = next(outside.glob(".study.qdpx.*.part"))
    result = reverie("refi", "export", study_dir, "-o", outside / "study.qdpx")
    assert result.returncode == 0, result.stderr
    assert not leftover.exists() and sorted(p.name for p in outside.iterdir()) == ["study.qdpx"]


READS = (("jobs", "list"), ("interviews", "list"), ("participants", "table"),
         ("transcript", "show", "{root}", "P1", "--round", "1"), ("search", "{root}", "milk"), ("codes", "list"),
         ("extracts", "list"))


def _read_everything(root: Path) -> None:
    for command in READS:
        args = [str(root) if a == "{root}" else a for a in command] if "{root}" in command else [*command, root]
        result = reverie(*args)
        assert result.returncode == 0, (args, result.stderr)


def test_reading_commands_write_nothing(study_dir):
    before = snapshot(study_dir)
    _read_everything(study_dir)
    assert snapshot(study_dir) == before  # not even SQLite's -wal and -shm files are made


def test_reading_commands_leave_a_killed_processs_leftovers_alone(study_dir):
    job_id = run_and_kill_a_job(study_dir)  # an interrupted job a writable open would mark
    exports = study_dir / "exports"
    exports.mkdir(mode=0o700, exist_ok=True)
    killed(_writer(exports / "study.qdpx"))  # and a leftover it would sweep
    before = snapshot(study_dir)
    _read_everything(study_dir)
    after = snapshot(study_dir)
    # The killed process left a -wal file that holds committed rows, so SQLite must read it, and a
    # reader takes its locks in the -shm index beside it; the database, the log and the rest stay.
    before.pop("study.db-shm"), after.pop("study.db-shm")
    assert after == before
    listed = json.loads(reverie("jobs", "list", study_dir, "--format", "json").stdout)
    assert (listed[0]["id"], listed[0]["state"]) == (job_id, "running")
