"""A process that performs one kind of operation over and over on a study, to be killed mid-way.

After each operation has committed it reports ``done <key>``, so the parent knows exactly which
changes were reported committed when it sends SIGKILL.

Started by :func:`serve`, the worker also stops at points inside each operation and waits for
the parent: it reports ``point <where>`` and carries on only when the parent answers ``go``, so
the parent can kill it at an exact point without guessing delays. The points are the worker's
``ready`` (the study is open), each write statement, each commit (just before and just after,
at the session and at the connection) and each rename of a file into place (before and after):
the places where a crash could split a change. They are reported through SQLAlchemy events and
a wrapper around ``os.replace`` in this process only; the product is unchanged.

:func:`serve` runs in a process forked from one that has already imported Reverie
(``tests/crash/control.py``), so the many short runs a crash test kills do not each pay for
starting Python and importing; it talks over a pipe. Run as ``python -m tests.crash.worker op
study start workdir [count]`` the worker stops nowhere and reports on stdout, ``ready`` first.
"""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path

from reverie.services.study import interviews, participants, studies
from reverie.services.transcripts import versions as transcripts
from tests.fixtures.audio import pcm_wav

TEXT = ("I: Can you tell me about a time when it mattered?\n"
        + "".join(f"P{{code}}: Line {i} of the answer, with milk and a café and i-i-it (laughs) all in it.\n"
                  for i in range(60)))


def _op_import(study, key: int, workdir: Path) -> str:
    code = f"P{key}"
    participants.add_participant(study, code)
    audio = workdir / f"{code}.wav"
    pcm_wav(audio, code.encode() * 4000)
    interviews.add_interview(study, code, 1, recording=audio)
    path = workdir / f"{code}.txt"
    path.write_text(TEXT.replace("{code}", str(key)), encoding="utf-8")
    transcripts.import_transcript(study, code, 1, path, layout="fixed-width")
    transcripts.lock_transcript(study, code, 1)
    return code


def _op_export(study, key: int, workdir: Path) -> str:
    target = workdir / f"export-{key}.docx"
    transcripts.export_transcript(study, "P0", 1, "docx", target)
    return str(target)


def _op_coding(study, key: int, workdir: Path) -> str:
    from reverie.services.analysis import coding

    if not any(code.label == "milk" for code in coding.list_codes(study)):
        coding.add_code(study, "milk", kind="discursive_object")
    # A different run of lines for each key: the same coder on the same words twice is refused.
    applied = coding.apply_code(study, "milk", "P0", lines=(1 + key % 50, 2 + key % 50 + key // 50))
    return str(applied.id)


def _op_transcribe(study, key: int, workdir: Path) -> str:
    from reverie.services.transcripts.transcription import transcribe_interview
    from reverie.services.transcripts.versions import version_info

    status = transcribe_interview(study, "S1", 1, replace=True, prosody=key % 2 == 0)
    if status.state != "done":
        raise RuntimeError(status.error)
    return str(version_info(study, "S1", 1).number)


OPERATIONS = {"import": _op_import, "export": _op_export, "coding": _op_coding, "transcribe": _op_transcribe}


class _Stdio:
    """Reports on stdout, answers on stdin."""

    def say(self, kind: str, what: str) -> None:
        sys.stdout.write(f"{kind} {what}\n")
        sys.stdout.flush()

    def answer(self) -> str:
        return sys.stdin.readline().strip()


class _Pipe:
    """Reports and answers over a multiprocessing connection."""

    def __init__(self, connection):
        self.connection = connection

    def say(self, kind: str, what: str) -> None:
        self.connection.send((kind, what))

    def answer(self) -> str:
        try:
            return self.connection.recv()
        except EOFError:
            return ""


_channel = _Stdio()
_one_at_a_time = threading.Lock()  # a transcription writes from a job thread as well


def point(where: str) -> None:
    """Tell the parent where we are and wait for its ``go``; it may kill us here instead."""
    with _one_at_a_time:
        _channel.say("point", where)
        if _channel.answer() != "go":
            os._exit(3)  # the parent is gone


def report_points(study) -> None:
    """Stop at every place where a crash could split a change (see the module's docstring)."""
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    event.listen(Session, "before_commit", lambda _session: point("session.before_commit"))
    # Class listeners run before a session's own, so this is after the database commit and before
    # a staged file or recording is moved into place by that session's after_commit hook.
    event.listen(Session, "after_commit", lambda _session: point("session.after_commit"))
    event.listen(study.engine, "commit", lambda _connection: point("connection.commit"))

    @event.listens_for(study.engine, "before_cursor_execute")
    def _write(_connection, _cursor, statement, _parameters, _context, _executemany):
        verb = statement.lstrip().split(None, 1)[0].upper() if statement.strip() else ""
        if verb in {"INSERT", "UPDATE", "DELETE"}:
            point(f"execute.{verb.lower()}")

    replace = os.replace

    def reported_replace(src, dst, *args, **kwargs):
        point("rename.before")
        replace(src, dst, *args, **kwargs)
        point("rename.after")

    os.replace = reported_replace


def work(op: str, root: Path, start: int, workdir: Path, limit: int | None, points: bool) -> None:
    """Open the study and run ``op`` with keys from ``start``, ``limit`` times or until killed."""
    study = studies.open_study(root)
    if points:
        report_points(study)
        point("ready")
    else:
        _channel.say("ready", "")
    key = start
    while limit is None or key < start + limit:
        done = OPERATIONS[op](study, key, workdir)
        _channel.say("done", done)
        key += 1


def serve(connection, op: str, root: Path, start: int, workdir: Path, limit: int | None) -> None:
    """The worker stopping at points, in a process forked by multiprocessing, talking over ``connection``."""
    import traceback

    global _channel
    _channel = _Pipe(connection)
    try:
        work(op, root, start, workdir, limit, points=True)
    except BaseException:
        _channel.say("error", traceback.format_exc())
        raise


def main() -> None:
    args = sys.argv[1:]
    work(args[0], Path(args[1]), int(args[2]), Path(args[3]), int(args[4]) if len(args) > 4 else None, points=False)


if __name__ == "__main__":
    main()
