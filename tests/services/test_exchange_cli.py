"""The ``reverie refi`` commands end to end: export, export-codebook, import, and refusals."""

from __future__ import annotations

import zipfile

import pytest
from typer.testing import CliRunner

from reverie.cli import app
from reverie.formats.refi import read_qdc, read_qdpx
from reverie.services.analysis import coding
from reverie.services.study import interviews, participants
from reverie.services.study.studies import init_study, open_study
from reverie.services.transcripts import versions as transcripts
from tests.conftest import INTERVIEW_TEXT, TM

runner = CliRunner()


def reverie(*args, ok=True):
    result = runner.invoke(app, [str(a) for a in args])
    if ok:
        assert result.exit_code == 0, result.output
    return result


@pytest.fixture
def folder(study_copy):
    """P1's round-1 transcript locked and coded once with Milk: a folder, as the commands take it."""
    return study_copy("exchange-cli-folder", _folder, folder_only=True)


def _folder(place, _database):
    study = init_study(place / "study", title="Peer support", identity=TM)
    participants.add_participant(study, "P1", profession="Occupational Therapist")
    interviews.add_interview(study, "P1", 1)
    source = place / "p1.txt"
    source.write_text(INTERVIEW_TEXT, encoding="utf-8")
    transcripts.import_transcript(study, "P1", 1, source, layout="fixed-width", width=60)
    transcripts.lock_transcript(study, "P1", 1)
    coding.add_code(study, "Milk", color="#1f77b4")
    coding.apply_code(study, "Milk", "P1", lines=(2, 3))
    return study


def test_export_then_import(folder, tmp_path):
    result = reverie("refi", "export", folder, "-o", tmp_path / "study.qdpx")
    assert "1 sources, 1 codings, 1 codes" in result.output
    project, _ = read_qdpx(tmp_path / "study.qdpx")
    assert [source.name for source in project.sources] == ["P1 round 1"]
    result = reverie("refi", "import", tmp_path / "study.qdpx", tmp_path / "copy")
    assert "mapped: Restored the study from Reverie's own records" in result.output
    assert f"made study {tmp_path / 'copy'} from study.qdpx" in result.output
    copy = open_study(tmp_path / "copy")
    try:
        assert participants.get_participant(copy, "P1").profession == "Occupational Therapist"
    finally:
        copy.close()


def test_export_codebook_then_import(folder, tmp_path):
    result = reverie("refi", "export-codebook", folder, "--output", tmp_path / "codes.qdc")
    assert "1 codes, 0 sets" in result.output
    codebook, _ = read_qdc(tmp_path / "codes.qdc")
    assert [(code.name, code.color) for code in codebook.codes] == [("Milk", "#1f77b4")]
    reverie("refi", "import", tmp_path / "codes.qdc", tmp_path / "copy")
    assert (tmp_path / "copy" / "study.toml").is_file()


def test_refusals_exit_non_zero_with_the_reason(folder, tmp_path):
    hostile = tmp_path / "slip.qdpx"
    with zipfile.ZipFile(hostile, "w") as archive:
        archive.writestr("project.qde", "<Project/>")
        archive.writestr("../outside.txt", "x")
    result = reverie("refi", "import", hostile, tmp_path / "new", ok=False)
    assert result.exit_code != 0 and "slip.qdpx" in result.output and not (tmp_path / "new").exists()
    result = reverie("refi", "export", folder, "-o", tmp_path / "study.zip", ok=False)
    assert result.exit_code != 0 and "ends in .qdpx" in result.output
    reverie("refi", "export", folder, "-o", tmp_path / "study.qdpx")
    result = reverie("refi", "import", tmp_path / "study.qdpx", folder, ok=False)
    assert result.exit_code != 0 and "never merges" in result.output
