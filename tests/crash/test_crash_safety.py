"""Kill the process (SIGKILL) inside each operation at seeded points, then prove the study is whole:
it opens, the audit chain holds, FTS5 is intact, media and records agree, and every change that
was reported committed is there.

The worker stops at each point where a crash could split a change (its ``ready``, each write
statement, just before and just after each commit, each file renamed into place) and waits for
a ``go``; see ``worker.py``. So a kill lands exactly where the seed says, however loaded the
machine is: no delays are guessed. One run of each operation, never killed, first counts its
points; each killed run then stops at a different seeded point within its first two operations.
"""

from __future__ import annotations

import random
import sqlite3
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select

from reverie.services.study import studies
from reverie.store.models import Recording, TranscriptVersion
from tests.crash.control import Worker, with_recording

# Kills per operation: a transcription costs seconds of recognition before most of its points.
KILLS = {"import": 20, "export": 20, "coding": 20, "transcribe": 10}


def _check_whole(root: Path, killed: str) -> None:
    study = studies.open_study(root)
    try:
        assert studies.verify_audit(study).ok, killed
        with sqlite3.connect(root / "study.db") as connection:
            connection.execute("INSERT INTO transcript_lines_fts(transcript_lines_fts) VALUES('integrity-check')")
            assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok", killed
        with study.read() as s:
            referenced = set(s.execute(select(Recording.sha256)).scalars())
        stored = study.media.all_hashes()
        assert stored == referenced, f"{killed}: orphaned {stored - referenced}, missing {referenced - stored}"
        assert not study.media.has_staged(), killed
    finally:
        study.close()


@pytest.mark.slow
@pytest.mark.parametrize("op", ["import", "export", "coding", "transcribe"])
def test_killed_operations_leave_the_study_whole(op, base_study, tmp_path):
    if op == "transcribe":
        with_recording(base_study, tmp_path)
    counted = Worker(op, base_study, 1, tmp_path, limit=1)
    assert not counted.run()
    reported = list(counted.done)
    assert len(reported) == 1, "the counting run did not finish its operation"
    per_operation = len(counted.points) - 1  # less its ready
    # Distinct points within the first two operations of a run (0 is its ready).
    rng = random.Random(f"crash-{op}")
    kill_points = rng.sample(range(2 * per_operation + 1), min(KILLS[op], 2 * per_operation + 1))
    key = 2
    for index in kill_points:
        worker = Worker(op, base_study, key, tmp_path)
        assert worker.run(kill_at=index + 1), f"the worker ended before its point {index}: {worker.points}"
        reported += worker.done
        key += len(worker.done) + 1
        _check_whole(base_study, f"killed at point {index} ({worker.points[-1]}) after {len(worker.done)} done")
    assert any(index > per_operation for index in kill_points), "no kill in a run's second operation"
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
