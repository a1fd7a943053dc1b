"""The demo study shows every capability that has landed, built offline on the core install."""

from __future__ import annotations

import subprocess
import sys

import pytest

from reverie.services.demo import build_demo
from reverie.services.study import interviews, participants, studies
from reverie.services.transcripts import versions as transcripts


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    study = build_demo(tmp_path_factory.mktemp("demo") / "reverie-demo")
    yield study
    study.close()


def test_shaped_like_the_reference_study(demo):
    assert len(participants.participant_table(demo).rows) == 5
    rows = interviews.list_interviews(demo)
    assert len(rows) == 10 and {r.round for r in rows} == {1, 2}
    assert all(r.status in ("locked", "analysed") for r in rows if r.round == 1)
    assert studies.verify_audit(demo).ok


def test_milk_extract_tells_the_whole_story(demo):
    from reverie.services.analysis.provenance import extract_history
    from reverie.services.analysis.reflexivity import affect_lines

    history = extract_history(demo, "E1")
    kinds = [event.kind for event in history.events]
    assert history.status == "final" and kinds[0] == "flagged"
    shown = " ".join(str(e) for e in history.of_kind("shown"))
    assert "member reflection" in shown and "ppi" in shown.lower()
    assert len(history.of_kind("response")) >= 2
    assert len(affect_lines(demo)) >= 3


def test_recorded_interview_keeps_pauses_and_prosody(demo):
    from reverie.services.transcripts.prosody import stored_prosody

    info = transcripts.version_info(demo, "P4", 1)
    assert info.status == "locked" and info.number == 2  # the speech draft, then a correction
    shown = transcripts.show_lines(demo, "P4", 1, notation="jefferson_lite")
    assert any("(" in line.text and line.time_start is not None for line in shown)
    assert stored_prosody(demo, "P4", 1)
    assert interviews.recording_for(demo, "P4", 1).original_name.endswith(".ogg")


def test_report_cites_extracts(demo, tmp_path):
    from reverie.services.output.reports import write_report

    result = write_report(demo, tmp_path / "report.md", "md")
    text = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert "(Extract 1. P1, Occupational Therapist. Lines" in text
    assert "(P4. Line" in text and len(result.citations) == 7


def test_demo_command_builds_offline(tmp_path):
    result = subprocess.run([sys.executable, "-m", "reverie.cli", "demo", str(tmp_path / "d"), "--no-serve"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "demo study ready" in result.stdout
