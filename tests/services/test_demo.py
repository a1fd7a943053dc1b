"""The demo study shows every capability that has landed, built offline on the core install."""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
import time
import tomllib
from collections import Counter
from pathlib import Path

import pytest

from reverie.services.demo import build_demo, content
from reverie.services.study import interviews, participants, studies
from reverie.services.transcripts import versions as transcripts

ROOT = Path(__file__).resolve().parents[2]
TURN = re.compile(r"^(\d+)  (?:(I|P\d): )?(.*)$")


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    study = build_demo(tmp_path_factory.mktemp("demo") / "reverie-demo")
    yield study
    study.close()


def _rows(study, sql: str, *args):
    with sqlite3.connect(study.root / "study.db") as db:
        return db.execute(sql, args).fetchall()


def _turns(path: Path) -> list[tuple[str, str]]:
    """A numbered transcript file's turns (speaker, text), continuation lines joined; checks the numbering."""
    turns: list[list[str]] = []
    for expected, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        number, speaker, text = TURN.match(line).groups()
        assert int(number) == expected, f"{path.name} line {expected} is numbered {number}"
        if speaker:
            turns.append([speaker, text])
        else:
            turns[-1][1] += " " + text
    return [(speaker, text) for speaker, text in turns]


def test_five_distinct_interviews_of_several_hundred_lines_are_package_data():
    files = [content.transcript_file(code) for code, *_ in content.PARTICIPANTS]
    counts = Counter()
    for path in files:
        lines = path.read_text(encoding="utf-8").splitlines()
        assert 300 <= len(lines) <= 600, f"{path.name} has {len(lines)} lines"
        turns = _turns(path)
        assert {speaker for speaker, _ in turns} == {"I", f"P{path.name[1]}"}
        counts.update(text for _, text in turns)
    repeated = [text for text, n in counts.items() if n > 1]
    assert not repeated, f"turns repeated across the demo's interviews: {repeated[:5]}"
    assert not list(content.DATA.glob("*.py")), "interview text is data, not Python"
    package_data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    assert "services/demo/data/*" in package_data["reverie"]
    assert sum(p.stat().st_size for p in content.DATA.iterdir()) < 5_000_000


def test_shaped_like_the_reference_study(demo):
    assert len(participants.participant_table(demo).rows) == 5
    rows = interviews.list_interviews(demo)
    assert len(rows) == 10 and {r.round for r in rows} == {1, 2}
    assert all(r.status in ("locked", "analysed") for r in rows if r.round == 1)
    for code, *_ in content.PARTICIPANTS:
        info = transcripts.version_info(demo, code, 1)
        assert info.status == "locked" and info.layout["mode"] == "imported" and info.last_line >= 300
    assert studies.verify_audit(demo).ok
    # A nested codebook, and highlights in every interview.
    assert _rows(demo, "SELECT count(*) FROM codes WHERE parent_id IS NOT NULL")[0][0] >= 3
    coded = _rows(demo, "SELECT DISTINCT p.code FROM codings c JOIN transcript_versions v ON v.id = c.version_id "
                        "JOIN transcripts t ON t.id = v.transcript_id JOIN interviews i ON i.id = t.interview_id "
                        "JOIN participants p ON p.id = i.participant_id")
    assert {code for (code,) in coded} == {"P1", "P2", "P3", "P4", "P5"}


def test_every_passage_stands_on_its_lines(demo):
    for name, passage in content.PASSAGES.items():
        shown = transcripts.show_lines(demo, passage.code, 1, first=passage.first, last=passage.last)
        assert passage.opens in shown[0].text, name
        before = transcripts.show_lines(demo, passage.code, 1, first=passage.first - 1, last=passage.first - 1)
        assert passage.opens not in before[0].text, name


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
    # The responses changed the analysis: each disposition is recorded, and the memo was revised citing them.
    dispositions = Counter(d for (d,) in _rows(demo, "SELECT disposition FROM responses"))
    assert dispositions["incorporated"] >= 4 and dispositions["noted_not_incorporated"] >= 1
    assert dispositions["partly_incorporated"] >= 1
    assert _rows(demo, "SELECT count(*) FROM decisions WHERE type = 'revise_interpretation'")[0][0] >= 2


def test_memos_are_written_in_the_fields_own_words(demo):
    from reverie.services.analysis.memos import show_memo

    fields = {f.path: f.value for f in show_memo(demo, "E1").fields}
    assert all(not f.empty for f in show_memo(demo, "E1").fields), "E1's memo fills every field"
    assert "held in mind" in fields["willig.subjectivity"]
    assert fields["positioning"][0]["positioner"] == "P1"
    for value in fields.values():
        for text in (value if isinstance(value, list) else [value]):
            assert not (isinstance(text, str) and text.lstrip().startswith(("{", "["))), text


def test_recorded_interview_comes_from_the_speech_pipeline(demo):
    from reverie.services.transcripts.prosody import stored_prosody

    code, round_no = content.RECORDED
    results = json.loads(content.RECORDING_RESULTS.read_text(encoding="utf-8"))
    assert results["duration_s"] >= 150, "a recorded interview of several minutes"
    assert {t["speaker"] for t in results["turns"]} == {"I", code}, "two voices told apart"
    info = transcripts.version_info(demo, code, round_no)
    assert info.status == "locked" and info.number == 2  # the speech draft, then a correction
    (speech_info,) = _rows(demo, "SELECT v.speech_info FROM transcript_versions v JOIN transcripts t "
                                 "ON t.id = v.transcript_id JOIN interviews i ON i.id = t.interview_id "
                                 "JOIN participants p ON p.id = i.participant_id "
                                 "WHERE p.code = ? AND i.round = ? AND v.number = 1", code, round_no)[0]
    assert json.loads(speech_info)["model"] == results["model"] == "tiny.en"
    # The pipeline's pauses and prosody, carried onto the corrected version.
    kinds = Counter(k for (k,) in _rows(demo, "SELECT a.kind FROM annotations a WHERE a.version_id = ?", info.id))
    assert kinds["pause"] >= 10 and kinds["prosody"] >= 10
    shown = transcripts.show_lines(demo, code, round_no, notation="jefferson_lite")
    assert any(re.search(r"\(\d\.\d\)", line.text) and line.time_start is not None for line in shown)
    assert stored_prosody(demo, code, round_no)
    assert interviews.recording_for(demo, code, round_no).original_name.endswith(".ogg")
    # P1's response in her member reflection points at the moment in the recording.
    timecodes = [t for (t,) in _rows(demo, "SELECT recording_timecode FROM responses "
                                           "WHERE recording_timecode IS NOT NULL")]
    assert timecodes and all(0 < t < results["duration_s"] for t in timecodes)


def test_report_citations_are_exact(demo, tmp_path):
    from reverie.services.output.reports import write_report

    result = write_report(demo, tmp_path / "report.md", "md")
    text = (tmp_path / "report.md").read_text(encoding="utf-8")
    for citation in content.EXPECTED_CITATIONS:
        assert citation in text
    assert len(result.citations) == len(content.EXPECTED_CITATIONS)
    assert "does she have milk at home?" in text and "MISSING" not in text.split("## Appendix")[0]


def test_demo_command_builds_offline_in_seconds(tmp_path):
    began = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "reverie.cli", "demo", str(tmp_path / "d"), "--no-serve"],
                            capture_output=True, text=True, timeout=120)
    took = time.monotonic() - began
    assert result.returncode == 0, result.stderr
    assert "demo study ready" in result.stdout
    assert took < 30, f"reverie demo --no-serve took {took:.1f} s"


def test_demo_leaves_another_study_alone(tmp_path):
    studies.init_study(tmp_path / "mine", title="My own study").close()
    result = subprocess.run([sys.executable, "-m", "reverie.cli", "demo", str(tmp_path / "mine"), "--no-serve"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "not the demo" in result.stdout and "demo study ready" not in result.stdout
    study = studies.open_study(tmp_path / "mine")
    try:
        assert studies.get_study(study).title == "My own study"
        assert not participants.participant_table(study).rows
    finally:
        study.close()
