"""Writers side by side: two processes on one SQLite study, two analysts on one PostgreSQL study."""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy import select

from reverie.services.analysis import coding
from reverie.services.study import studies
from reverie.store.models import Coding

ROOT = Path(__file__).resolve().parents[2]


def _worker(op: str, root: Path, start: int, workdir: Path, count: int) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "tests.crash.worker", op, str(root), str(start), str(workdir),
                             str(count)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.mark.slow
def test_coding_while_a_transcription_runs_in_another_process(tmp_path):
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed")
    pytest.importorskip("faster_whisper")
    from tests.crash.test_crash_safety import _with_recording
    from tests.crash.worker import _op_import

    root = tmp_path / "study"
    study = studies.init_study(root, title="two writers", identity=studies.Identity("T", "TM"))
    _op_import(study, 0, tmp_path)
    study.close()
    _with_recording(root, tmp_path)
    transcriber = _worker("transcribe", root, 0, tmp_path, 2)
    coder = _worker("coding", root, 0, tmp_path, 150)
    coded_out, coded_err = coder.communicate(timeout=300)
    transcribed_out, transcribed_err = transcriber.communicate(timeout=300)
    for err in (coded_err, transcribed_err):
        assert "database is locked" not in err and "Traceback" not in err, err
    assert coder.returncode == 0 and transcriber.returncode == 0
    assert coded_out.count("done ") == 150 and transcribed_out.count("done ") == 2
    reopened = studies.open_study(root)
    with reopened.read() as s:
        assert len(s.execute(select(Coding.id)).all()) == 150
    assert studies.verify_audit(reopened).ok
    reopened.close()


@pytest.mark.postgres
def test_two_analysts_coding_at_once_on_postgresql(tmp_path, pg_schema_url):
    from tests.crash.worker import _op_import

    first = studies.init_study(tmp_path / "team", title="team", database=pg_schema_url,
                               identity=studies.Identity("Tom Moore", "TM"))
    _op_import(first, 0, tmp_path)
    coding.add_code(first, "milk", kind="discursive_object")
    second = studies.open_study(first.root)
    second.actor = "LZ"  # a second analyst working on the same study at the same time
    errors: list[BaseException] = []

    def code_lines(study, offset):
        try:
            for i in range(40):
                coding.apply_code(study, "milk", "P0", lines=(1 + (i + offset) % 50, 2 + (i + offset) % 50))
        except BaseException as exc:  # noqa: BLE001 - reported below
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
    first.close()
