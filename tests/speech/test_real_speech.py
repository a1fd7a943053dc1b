"""Speaker turns and recognition on real human speech (tests/data/speech, see SOURCES.md there).

Synthetic voices overstate diarisation; these recordings are people: a two-person telephone call
with reference turns, and two single readers with their texts.
"""

from __future__ import annotations

import pytest

from tests.conftest import require

require("numpy")
require("scipy")

import real_speech as rs  # noqa: E402 - tests/speech is on the path (see tests/speech/conftest.py)

from tests.speech.conftest import need_speech_stack  # noqa: E402


@pytest.fixture(scope="module")
def call_result():
    need_speech_stack()
    from reverie.speech.recognise import transcribe

    return transcribe(rs.CALL, participant="P7")


def test_call_words_land_on_the_right_speaker(call_result):
    turns = rs.reference_turns()
    accuracy, scored = rs.speaker_accuracy(turns, rs.word_spans(call_result))
    assert scored >= 40  # most of the call's 81 words are outside the collar
    assert accuracy >= 0.90
    assert {turn.speaker for turn in call_result.turns} == {"I", "P7"}
    assert call_result.turns[0].speaker == "I"  # the speaker heard first is the interviewer
    assert not call_result.warnings


def test_call_diarisation_error_and_stability(call_result):
    from reverie.speech.diarise import Ge2eDiariser
    from reverie.speech.recognise import prepare

    prepared = prepare(rs.CALL)
    runs = [Ge2eDiariser().diarise(prepared.audio.samples, prepared.regions, None) for _ in range(2)]
    assert runs[0] == runs[1]
    assert {segment.speaker for segment in runs[0]} == {0, 1}
    assert rs.diarisation_error(rs.reference_turns(), rs.segment_spans(runs[0])) <= 0.15
    # Told there are two, it finds the same two.
    assert Ge2eDiariser().diarise(prepared.audio.samples, prepared.regions, 2) == runs[0]


def test_call_is_recognised_as_well_as_bare_whisper(call_result):
    assert rs.word_error_rate(rs.reference_text(), " ".join(w.text for w in call_result.words)) <= 0.20


@pytest.mark.parametrize("path,text", [(rs.READING, rs.READING_TEXT), (rs.SHORT_READING, rs.SHORT_READING_TEXT)],
                         ids=["reading-44s", "reading-10s"])
def test_a_single_reader_is_never_split(path, text):
    need_speech_stack()
    from reverie.speech.recognise import transcribe

    result = transcribe(path, participant="P2")
    assert [turn.speaker for turn in result.turns] == ["P2"]
    assert not result.warnings
    assert rs.word_error_rate(text, " ".join(w.text for w in result.words)) <= 0.05


def test_scoring_counts_what_it_should():
    turns = [rs.RefTurn(0.0, 4.0, "a"), rs.RefTurn(4.0, 8.0, "b"), rs.RefTurn(7.0, 8.0, "a")]
    # Labels swapped everywhere are still right under the best mapping; the overlap and collar are skipped.
    words = [(1.0, 1.5, "x"), (2.0, 2.5, "x"), (4.1, 4.2, "x"), (5.0, 5.5, "y"), (7.2, 7.4, "y")]
    accuracy, scored = rs.speaker_accuracy(turns, words)
    assert scored == 3 and accuracy == 1.0
    assert rs.diarisation_error(turns, [(0.0, 4.0, "y"), (4.0, 8.0, "x")]) == pytest.approx(0.5 / 7.0, abs=0.01)
    assert rs.diarisation_error(turns, [(0.0, 8.0, "x")]) > 0.4
    assert rs.word_error_rate("It was the best of times", "it was the best of time") == pytest.approx(1 / 6)


def test_transcribe_command_labels_a_lone_reader_with_the_participant_code(tmp_path):
    need_speech_stack()
    from typer.testing import CliRunner

    from reverie.cli.app import app
    from reverie.core.errors import InvalidInput
    from reverie.services.study import interviews, participants, studies
    from reverie.services.system.jobs import job_status
    from reverie.services.transcripts.transcription import start_transcription
    from reverie.services.transcripts.versions import show_lines

    root = tmp_path / "study"
    study = studies.init_study(root, title="real", identity=studies.Identity("T", "TM"))
    participants.add_participant(study, "P2")
    interviews.add_interview(study, "P2", 1, recording=rs.SHORT_READING)

    refused = CliRunner().invoke(app, ["transcribe", str(root), "P2", "--speakers", "two"])
    assert refused.exit_code != 0
    assert "speakers must be a whole number of 1 or more, or 'auto'; got 'two'" in refused.output
    with pytest.raises(InvalidInput, match="got 0"):
        start_transcription(study, "P2", 1, speakers=0)

    done = CliRunner().invoke(app, ["transcribe", str(root), "P2", "--no-prosody"])  # --speakers auto by default
    assert done.exit_code == 0, done.output
    assert "stored draft version 1" in done.output and "warning" not in done.output
    shown = show_lines(study, "P2", 1, view="reading")
    assert {line.speaker for line in shown if line.speaker} == {"P2"}
    assert "fail better" in " ".join(line.text for line in shown).lower()
    assert job_status(study, 1).params["speakers"] == "auto"
