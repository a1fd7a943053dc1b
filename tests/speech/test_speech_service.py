"""`reverie transcribe` end to end: a recording becomes a draft with timed words, pauses and prosody."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
from conftest import need_speech_stack


@pytest.fixture(scope="module")
def transcribed(interview, tmp_path_factory):
    need_speech_stack()
    from reverie.services.study import interviews, participants, studies
    from reverie.services.transcripts.transcription import transcribe_interview

    root = tmp_path_factory.mktemp("speech-study") / "study"
    study = studies.init_study(root, title="speech", identity=studies.Identity("T", "TM"))
    participants.add_participant(study, "P4")
    interviews.add_interview(study, "P4", 1, recording=interview[1])
    seen = []
    status = transcribe_interview(study, "P4", 1, progress=seen.append)
    return study, status, seen, interview[0]


def test_draft_has_turns_words_and_times(transcribed):
    from reverie.services.transcripts.versions import show_lines, version_info

    study, status, seen, _ = transcribed
    assert status.state == "done" and status.chunks_done == status.chunks >= 1
    assert seen and seen[-1] == pytest.approx(1.0)
    info = version_info(study, "P4", 1)
    assert info.status == "draft" and info.origin == "speech"
    shown = show_lines(study, "P4", 1, view="reading")
    assert {line.speaker for line in shown if line.speaker} == {"I", "P4"}
    assert all(line.time_start is not None for line in shown)
    assert "feedback" in " ".join(line.text for line in shown).lower()


def test_pauses_render_per_notation(transcribed):
    from reverie.services.transcripts.versions import show_lines

    study, _, _, recording = transcribed
    jefferson = " ".join(line.text for line in show_lines(study, "P4", 1, notation="jefferson_lite"))
    marks = [float(m) for m in re.findall(r"\((\d+\.\d)\)", jefferson)]
    long_inside_turns = [p for p in recording.pauses if p[1] - p[0] >= 1.0]
    assert len(marks) >= len(long_inside_turns) - 2  # turn-final silences before the next speaker may fall at line ends
    assert any(abs(mark - 3.0) <= 0.15 for mark in marks)
    health = " ".join(line.text for line in show_lines(study, "P4", 1, notation="verbatim_health"))
    assert "…" in health


def test_prosody_per_line(transcribed):
    from reverie.services.transcripts.prosody import stored_prosody

    study, *_ = transcribed
    rows = stored_prosody(study, "P4", 1)
    assert rows and all(r["speech_rate"] is None or r["speech_rate"] > 0 for r in rows)
    assert any(r["pitch_median_hz"] for r in rows)
    result = subprocess.run([sys.executable, "-m", "reverie.cli", "prosody", str(study.root), "P4", "--format", "json"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert len(json.loads(result.stdout)) == len(rows)


def test_a_second_transcription_asks_first(transcribed):
    from reverie.core.errors import Conflict
    from reverie.services.transcripts.transcription import start_transcription

    study, *_ = transcribed
    with pytest.raises(Conflict, match="--replace"):
        start_transcription(study, "P4", 1)


def test_bad_options_are_refused_before_any_work(transcribed):
    from reverie.core.errors import InvalidInput
    from reverie.services.transcripts.transcription import start_transcription

    study, *_ = transcribed
    with pytest.raises(InvalidInput, match="device"):
        start_transcription(study, "P4", 1, device="tpu", replace=True)
    with pytest.raises(InvalidInput, match="batch-size"):
        start_transcription(study, "P4", 1, batch_size=0, replace=True)
