"""Writers side by side: two processes on one SQLite study, two analysts on one PostgreSQL study."""

from __future__ import annotations

import subprocess
import threading

import pytest
from sqlalchemy import select

from reverie.services.analysis import coding
from reverie.services.study import studies
from reverie.store.models import Coding
from tests.crash.control import ROOT, WORKER, Worker, crash_base, with_recording


@pytest.mark.slow
def test_coding_while_a_transcription_runs_in_another_process(base_study, tmp_path):
    root = base_study
    with_recording(root, tmp_path)
    transcriber = Worker("transcribe", root, 0, tmp_path, limit=2)
    coders: list[subprocess.Popen] = []

    def start_coding_inside_a_write(where: str) -> None:
        # The coder starts while the transcriber holds the write lock in its first transaction
        # and is up before that transaction ends, so its first coding waits for the lock: the
        # two processes write side by side however the machine schedules them.
        if not coders and where.startswith("execute."):
            coders.append(subprocess.Popen([*WORKER, "coding", str(root), "0", str(tmp_path), "150"], cwd=ROOT,
                                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
            assert coders[0].stdout.readline().strip() == "ready", coders[0].communicate()

    transcriber.run(at_point=start_coding_inside_a_write)  # its stderr is checked here too
    [coder] = coders
    coded_out, coded_err = coder.communicate(timeout=300)
    assert "database is locked" not in coded_err and "Traceback" not in coded_err, coded_err
    assert coder.returncode == 0 and transcriber.process.exitcode == 0
    assert coded_out.count("done ") == 150 and len(transcriber.done) == 2
    reopened = studies.open_study(root)
    with reopened.read() as s:
        assert len(s.execute(select(Coding.id)).all()) == 150
    assert studies.verify_audit(reopened).ok
    reopened.close()


@pytest.mark.postgres
def test_two_analysts_coding_at_once_on_postgresql(study_copy):
    first = study_copy("crash-base", crash_base, backend="postgresql")
    coding.add_code(first, "milk", kind="discursive_object")
    second = studies.open_study(first.root)
    second.actor = "LZ"  # a second analyst working on the same study at the same time
    errors: list[BaseException] = []

    def code_lines(study, offset):
        try:
            for i in range(40):
                coding.apply_code(study, "milk", "P0", lines=(1 + (i + offset) % 50, 2 + (i + offset) % 50))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=code_lines, args=(first, 0)),
               threading.Thread(target=code_lines, args=(second, 7))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    with first.read() as s:
        coders = [c for (c,) in s.execute(select(Coding.coder)).all()]
    assert sorted(set(coders)) == ["LZ", "TM"] and len(coders) == 80
    assert studies.verify_audit(first).ok
    second.close()
