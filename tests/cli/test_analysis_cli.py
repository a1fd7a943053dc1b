"""The analysis commands end to end: codes, log, extracts, memos, consultations, history."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from reverie.cli import app
from reverie.services.study import interviews, participants
from reverie.services.study.studies import init_study
from reverie.services.transcripts import versions as transcripts
from tests.conftest import INTERVIEW_TEXT, TM

runner = CliRunner()


def reverie(*args, ok=True):
    result = runner.invoke(app, [str(a) for a in args])
    if ok:
        assert result.exit_code == 0, result.output
    return result


def squashed(text: str) -> str:
    """Output with runs of spaces and tabs as one space (columns are aligned for reading, not parsing)."""
    return "\n".join(" ".join(line.split()) for line in text.splitlines())


@pytest.fixture
def folder(study_copy):
    """A study with P1's round-1 transcript locked (fixed width 60) and P2 with none."""
    return study_copy("analysis-cli-folder", _folder, folder_only=True)


def _folder(place, _database):
    study = init_study(place / "study", title="Peer support", identity=TM)
    participants.add_participant(study, "P1", profession="Occupational Therapist")
    participants.add_participant(study, "P2", profession="Psychologist")
    interviews.add_interview(study, "P1", 1)
    source = place / "p1.txt"
    source.write_text(INTERVIEW_TEXT.replace("(laughs)", "[laughs]"), encoding="utf-8")
    transcripts.import_transcript(study, "P1", 1, source, layout="fixed-width", width=60)
    transcripts.lock_transcript(study, "P1", 1)
    return study


def test_codes_add_apply_rename_merge_stats(folder):
    reverie("codes", "add", folder, "milk", "--kind", "discursive_object", "--color", "#aabbcc")
    reverie("codes", "add", folder, "little things", "--parent", "milk")
    reverie("codes", "add", folder, "care")
    assert "coded P1 lines 3-5" in reverie("codes", "apply", folder, "milk", "P1", "--lines", "3-5").output
    reverie("codes", "apply", folder, "little things", "P1", "--lines", "4")
    reverie("codes", "apply", folder, "care", "P1", "--span", "0:10")
    assert "decision" in reverie("codes", "rename", folder, "care", "caring", "--rationale", "Wording").output
    assert "merged" in reverie("codes", "merge", folder, "caring", "milk", "--rationale", "Same object").output
    listed = squashed(reverie("codes", "list", folder).output)
    assert "little things milk free 1" in listed and "caring" not in listed
    stats = squashed(reverie("codes", "stats", folder, "--by", "profession").output)
    assert "milk little things 1" in stats and "milk discursive_object 2 1 1" in stats
    assert "code Occupational Therapist" in stats
    failed = reverie("codes", "apply", folder, "milk", "P2", "--lines", "1-2", ok=False)
    assert failed.exit_code == 1 and "P2 has no round 1 interview" in failed.output


def test_log_flags_an_extract_and_affect_lists_it(folder):
    out = reverie("log", "add", folder, "--observation", "She slowed down", "--emotional-response", "Moved",
                  "--affect", "3", "--participant", "P1", "--lines", "3-5", "--time", "300", "--flag-extract").output
    assert "flagged E1" in out
    reverie("log", "add", folder, "--template", "free", "--part", "text=Thinking about [the] ward", "--tag", "ppi")
    listed = reverie("log", "list", folder).output
    assert "P1 R1 at 300s lines 3-5" in listed and "text: Thinking about [the] ward" in listed
    assert "3 P1 1 3 5 E1 Moved" in squashed(reverie("log", "affect", folder).output)


def test_extract_move_needs_a_reason_and_history_shows_decisions(folder):
    out = reverie("extracts", "add", folder, "P1", "7-8", "--why", "Humbling", "--source", "discursive_object",
                  "--display", "As a professional it was kind of […] humbling.").output
    assert out.startswith("E1 (P1. Lines 7-8) candidate")
    assert "[…]" in reverie("extracts", "list", folder, "--text").output
    missing = reverie("extracts", "move", folder, "E1", "shortlisted", ok=False)
    assert missing.exit_code != 0 and "--reason" in missing.output
    moved = reverie("extracts", "move", folder, "E1", "shortlisted", "--reason", "Resonant").output
    assert "candidate -> shortlisted (decision" in moved
    illegal = reverie("extracts", "move", folder, "E1", "final", "--reason", "x", ok=False)
    assert "cannot move from shortlisted to final" in illegal.output
    history = reverie("extracts", "history", folder, "E1").output
    assert "selected as candidate: Humbling" in history and "candidate → shortlisted: Resonant" in history


def test_memo_edit_show_and_json(folder, tmp_path):
    reverie("extracts", "add", folder, "P1", "3-5", "--why", "Milk")
    out = reverie("memo", "edit", folder, "E1", "--field", "willig.action_orientation=Elevates the peer [sic]").output
    assert "version 1" in out
    shown = reverie("memo", "show", folder, "E1").output
    assert "willig.action_orientation: Elevates the peer [sic]" in shown
    assert "willig.subjectivity: (empty) prompt: What can be felt" in shown
    refused = reverie("memo", "edit", folder, "E1", "--field", "willig.subjectivity=Fear", ok=False)
    assert "needs a reason" in refused.output
    record = tmp_path / "memo.json"
    record.write_text(json.dumps({"positioning": [{"positioner": "the peer", "mode": "interactive"}]}))
    out = reverie("memo", "edit", folder, "E1", "--json", record, "--why", "Added positioning").output
    assert "version 2 (decision" in out
    assert '"positioner": "the peer"' in reverie("memo", "show", folder, "E1").output


def test_consult_add_respond_show(folder):
    reverie("extracts", "add", folder, "P1", "3-5", "--why", "Milk")
    reverie("memo", "edit", folder, "E1", "--field", "summary=Milk as the little thing")
    reverie("consult", "group", folder, "PPI-A", "--composition", "service users", "--stage", "analysis")
    out = reverie("consult", "add", folder, "ppi_analysis", "--group", "PPI-A", "--date", "2019-04-02",
                  "--show", "E1").output
    assert out.startswith("consultation 1 (ppi_analysis); showed 1 extract(s)")
    refused = reverie("consult", "respond", folder, "1", "--summary", "No", "--type", "challenge", "--extract", "E1",
                      "--disposition", "declined", ok=False)
    assert "needs a rationale" in refused.output
    out = reverie("consult", "respond", folder, "1", "--summary", "Care carried over", "--type", "extend",
                  "--target", "construction", "--detail", "milk", "--extract", "E1",
                  "--disposition", "incorporated").output
    assert out.startswith("response 1 (incorporated)")
    assert "response 1: noted_not_incorporated" in reverie("consult", "dispose", folder, "1", "noted_not_incorporated",
                                                           "--rationale", "Later").output
    shown = reverie("consult", "show", folder, "1").output
    assert "shown: E1 (P1. Lines 3-5) (candidate) with memo version 1" in shown
    assert "PPI-A on construction 'milk' in E1: extend: Care carried over [noted_not_incorporated]" in shown
    listed = squashed(reverie("consult", "show", folder).output)
    assert "1 ppi_analysis PPI-A 2019-04-02 1 1" in listed
    reverie("consult", "add", folder, "member_reflection", "--participant", "P1", "--recording", "audio")
    history = reverie("extracts", "history", folder, "E1").output
    assert "shown in ppi analysis PPI-A with memo version 1" in history
    assert "response 1 incorporated → noted not incorporated: Later" in history
