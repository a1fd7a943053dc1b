"""Runs one Reverie process under strace inside a network namespace with no route out.

Started by ``test_network.py`` as ``unshare -rnm python sandbox.py SPEC.json``, so it is already
inside a user, network and mount namespace of its own. It hides the host's name-service sockets
(nscd, systemd-resolved, avahi: their daemons live outside the namespace and would look names up
for us), brings ``lo`` up, starts a private ``redis-server`` on it when asked, and runs the
command under ``strace -f -e trace=network``. Only that command is traced; this driver, which
may import Reverie to hand a job over, is not. The command gets the environment in the spec,
never this driver's, so nothing set here can turn telemetry off for it.

Modes: ``run`` waits for the command to end; ``serve`` waits for the URL ``reverie serve``
prints, asks for it once and stops the server; ``worker`` waits for ``worker ready``, hands the
worker one transcription job and stops it ``linger_s`` after the job has ended. Prints a JSON
summary.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

NAME_SERVICE_DIRS = ("/run/nscd", "/var/run/nscd", "/run/systemd/resolve", "/run/avahi-daemon",
                     "/var/run/avahi-daemon")


def hide_name_services() -> list[str]:
    """Cover the host's resolver sockets with empty folders, so a lookup cannot go through them."""
    hidden = []
    for folder in NAME_SERVICE_DIRS:
        if os.path.isdir(folder) and not os.path.islink(folder):
            subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k,mode=755", "tmpfs", folder], check=True)
            hidden.append(folder)
    return hidden


def traced(spec: dict, command: list[str], **popen) -> tuple[subprocess.Popen, Path]:
    """Start ``command`` under strace; returns strace's process and the file holding the command's pid."""
    pidfile = Path(spec["work"]) / f"pid-{time.monotonic_ns()}"
    # sh writes its own pid, then execs the command in its place, so that pid is the command's.
    wrapper = ["sh", "-c", 'echo $$ > "$0"; exec "$@"', str(pidfile), *command]
    process = subprocess.Popen(["strace", "-f", "-e", "trace=network", "-o", spec["trace"], *wrapper],
                               env=spec["env"], cwd=spec["work"], **popen)
    return process, pidfile


def wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise TimeoutError(f"timed out after {timeout} s waiting for {what}")


def stop(process: subprocess.Popen, pidfile: Path, timeout: float = 30) -> int:
    """Stop the traced command gracefully (signalling strace would only detach it), then strace."""
    pid = int(wait_for(lambda: pidfile.exists() and pidfile.read_text().strip(), 10, "the command's pid"))
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    try:
        return process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.kill(pid, signal.SIGKILL)
        return process.wait(timeout=10)


def run(spec: dict) -> dict:
    process, _ = traced(spec, spec["command"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out, err = process.communicate(timeout=spec["timeout"])
    return {"returncode": process.returncode, "stdout": out, "stderr": err}


def serve(spec: dict) -> dict:
    process, pidfile = traced(spec, spec["command"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        url = process.stdout.readline().strip()
        if not url.startswith("http://127.0.0.1:"):
            raise RuntimeError(f"serve printed {url!r} first")
        started = time.monotonic()
        # The token URL sets the session cookie and redirects to the workbench under its path prefix.
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        with opener.open(url, timeout=30) as response:
            status, size = response.status, len(response.read())
        answered_s = time.monotonic() - started
    finally:
        code = stop(process, pidfile)
    return {"returncode": code, "status": status, "bytes": size, "answered_s": round(answered_s, 2),
            "stderr": process.stderr.read()}


def worker(spec: dict) -> dict:
    work = Path(spec["work"])
    redis = subprocess.Popen(["redis-server", "--bind", "127.0.0.1", "--port", str(spec["redis_port"]),
                              "--save", "", "--appendonly", "no", "--dir", str(work)],
                             env=spec["env"], cwd=work, stdout=(work / "redis.log").open("w"), stderr=subprocess.STDOUT)
    process = None
    try:
        from redis import Redis

        client = Redis(host="127.0.0.1", port=spec["redis_port"], socket_connect_timeout=1)
        wait_for(lambda: _pings(client), 10, "the private redis-server")
        log = work / "worker.log"
        with log.open("w") as handle:
            process, pidfile = traced(spec, spec["command"], stdout=subprocess.DEVNULL, stderr=handle)
        wait_for(lambda: "worker ready" in log.read_text() or process.poll() is not None, 60, "the worker")
        if process.poll() is not None:
            raise RuntimeError(f"the worker stopped before it was ready:\n{log.read_text()}")
        state, error = hand_over_one_job(spec)
        # A worker stays up between jobs; idle this long, a telemetry uploader would have sent.
        time.sleep(spec.get("linger_s", 0))
        code = stop(process, pidfile)
        return {"returncode": code, "job": state, "error": error, "log": log.read_text()[-4000:]}
    finally:
        if process is not None and process.poll() is None:
            process.kill()
        redis.terminate()
        redis.wait(timeout=10)


def _pings(client) -> bool:
    try:
        return bool(client.ping())
    except Exception:
        return False


def hand_over_one_job(spec: dict) -> tuple[str, str | None]:
    """Queue the transcription of P1's recording for the worker, as the team server would."""
    from reverie.jobs.worker import DramatiqQueue
    from reverie.services.study.studies import open_study
    from reverie.services.system.config import load_settings
    from reverie.services.transcripts.transcription import start_transcription

    queue = DramatiqQueue(load_settings(Path(spec["config"])))
    study = open_study(Path(spec["study"]))
    try:
        job_id = start_transcription(study, "P1", 1, queue=queue)
        status = wait_for(lambda: _ended(study, job_id), spec["timeout"], "the transcription job to end")
        return status.state, status.error
    finally:
        queue.close()
        study.close()


def _ended(study, job_id: int):
    from reverie.services.system import jobs

    status = jobs.job_status(study, job_id)
    return status if status.state in ("done", "failed") else None


def main() -> int:
    spec = json.loads(Path(sys.argv[1]).read_text())
    hidden = hide_name_services()
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    began = time.monotonic()
    result = {"run": run, "serve": serve, "worker": worker}[spec["mode"]](spec)
    result.update(seconds=round(time.monotonic() - began, 2), hidden=hidden)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
