"""Timed exports for other tools: WebVTT with voice spans, numbered SRT cues, and JSON lines and words."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from reverie.cli.app import app
from reverie.core.errors import InvalidInput
from reverie.core.transcript import ParsedTranscript, Turn, Word
from reverie.formats.transcripts.captions import SRT, WEBVTT
from reverie.formats.transcripts.export import TimedLine, render_timed
from reverie.services.study.interviews import add_interview
from reverie.services.system.auditing import recent_events
from reverie.services.transcripts import versions as transcripts


def _words(text: str, start: float, step: float = 0.4) -> tuple[Word, ...]:
    return tuple(Word(token, round(start + i * step, 3), round(start + i * step + 0.3, 3))
                 for i, token in enumerate(text.split()))


@pytest.fixture
def timed(populated):
    """P1 round 2: a recognised interview, two speakers, every word timed."""
    add_interview(populated, "P1", 2)
    turns = [Turn("I", "How was the ward & the café?", 1.0, 3.3, _words("How was the ward & the café?", 1.0)),
             Turn("P1", "It was <fine> really.", 4.0, 5.5, _words("It was <fine> really.", 4.0)),
             Turn("I", "Thank you.", 3725.5, 3726.2, _words("Thank you.", 3725.5))]
    transcripts.store_parsed(populated, "P1", 2, ParsedTranscript(turns, "p1-2.wav"), layout="per-turn",
                             width=None, notation=None, transcriber="whisper:tiny.en", origin="speech")
    return populated


def test_webvtt_cues_carry_the_speaker_as_a_voice_span(timed, tmp_path):
    out = transcripts.export_transcript(timed, "P1", 2, "vtt", tmp_path / "p1.vtt")
    text = out.read_text()
    assert text.startswith("WEBVTT\n\n1\n00:00:01.000 --> 00:00:03.700\n<v I>How was the ward &amp; the café?</v>")
    assert "\n00:00:04.000 --> 00:00:05.500\n<v P1>It was &lt;fine&gt; really.</v>" in text
    assert "01:02:05.500 --> 01:02:06.200\n<v I>Thank you.</v>" in text
    # Reverie's own caption import reads it back, voices and times included.
    parsed = WEBVTT.read(out, _options({"I": "I", "P1": "P1"}))
    assert [(t.speaker, t.text) for t in parsed.turns][:2] == [("I", "How was the ward & the café?"),
                                                               ("P1", "It was <fine> really.")]
    event = recent_events(timed, 1)[-1]
    assert event.action == "transcript.export" and json.loads(event.payload)["format"] == "vtt"


def _options(voices):
    from reverie.formats.transcripts.registry import ImportOptions

    return ImportOptions(voice_map=voices)


def test_srt_cues_are_numbered_with_comma_milliseconds(timed, tmp_path):
    text = transcripts.export_transcript(timed, "P1", 2, "srt", tmp_path / "p1.srt").read_text()
    cues = text.strip().split("\n\n")
    assert cues[0] == "1\n00:00:01,000 --> 00:00:03,700\nI: How was the ward & the café?"
    assert cues[1] == "2\n00:00:04,000 --> 00:00:05,500\nP1: It was <fine> really."
    assert cues[2].startswith("3\n01:02:05,500 --> 01:02:06,200\nI: Thank you.")
    parsed = SRT.read(tmp_path / "p1.srt", _options({"I": "I", "P1": "P1"}))
    assert [t.speaker for t in parsed.turns] == ["I", "P1", "I"] and parsed.turns[1].start == 4.0


def test_json_is_one_object_of_lines_and_words_in_seconds(timed, tmp_path):
    data = json.loads(transcripts.export_transcript(timed, "P1", 2, "json", tmp_path / "p1.json").read_text())
    assert set(data) == {"lines", "words"}
    assert data["lines"][1] == {"number": 2, "speaker": "P1", "start": 4.0, "end": 5.5,
                                "text": "It was <fine> really."}
    assert [set(line) for line in data["lines"]] == [{"number", "speaker", "start", "end", "text"}] * 3
    assert data["words"][0] == {"text": "How", "start": 1.0, "end": 1.3, "speaker": "I"}
    assert [w["speaker"] for w in data["words"]].count("P1") == 4
    assert len(data["words"]) == 7 + 4 + 2


def test_a_transcript_without_times_is_refused_for_captions_with_the_reason(populated, tmp_path):
    with pytest.raises(InvalidInput, match=r"P1 round 1: the transcript has no times .* cannot be written as "
                                           r"WebVTT captions; export it as json"):
        transcripts.export_transcript(populated, "P1", 1, "vtt", tmp_path / "p1.vtt")
    assert not (tmp_path / "p1.vtt").exists()
    data = json.loads(transcripts.export_transcript(populated, "P1", 1, "json", tmp_path / "p1.json").read_text())
    assert data["words"] == [] and all(line["start"] is None for line in data["lines"])
    result = CliRunner().invoke(app, ["transcript", "export", str(populated.root), "P1", "--round", "1",
                                      "--format", "srt", "-o", str(tmp_path / "p1.srt")])
    assert result.exit_code != 0 and "no times" in result.output and "SRT" in result.output


def test_lines_partly_without_times_are_named():
    lines = [TimedLine(1, "I", 0.0, 1.0, "Hello."), TimedLine(2, "P1", None, None, "Typed in.")]
    with pytest.raises(InvalidInput, match=r"1 line\(s\) have no times \(line 2\)"):
        render_timed(lines, [], "srt", name="P1 round 1")


def test_the_cli_writes_each_timed_format_and_keeps_docx(timed, tmp_path):
    runner = CliRunner()
    for fmt in ("vtt", "srt", "json", "docx", "txt"):
        out = tmp_path / f"p1.{fmt}"
        result = runner.invoke(app, ["transcript", "export", str(timed.root), "P1", "--round", "2",
                                     "--format", fmt, "-o", str(out)])
        assert result.exit_code == 0, result.output
        assert out.stat().st_size > 0
    assert (tmp_path / "p1.txt").read_text().splitlines()[2].strip().startswith("1  I: How was the ward")
    result = runner.invoke(app, ["transcript", "export", str(timed.root), "P1", "--round", "2",
                                 "--format", "vtt", "--codings", "-o", str(tmp_path / "x.vtt")])
    assert result.exit_code != 0 and "--codings" in result.output
