"""noScribe HTML transcripts: speaker paragraphs with timestamp anchors become timed turns."""

from __future__ import annotations

from pathlib import Path

import pytest

from reverie.core.errors import InvalidInput
from reverie.formats.transcripts import UnmappedVoices, read_transcript

STAMP = '<span style="color: #78909C" >[{}]</span>'


def noscribe_file(tmp_path: Path, paragraphs: list[str], name: str = "interview-3.html") -> Path:
    """An HTML file shaped as noScribe saves one: a header, then one <p> per speaker change."""
    body = "\n".join(f"<p>{paragraph}</p>" for paragraph in paragraphs)
    path = tmp_path / name
    path.write_text(
        '<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.0//EN">\n'
        '<html><head><meta charset="UTF-8" />'
        '<meta name="audio_source" content="/recordings/interview-3.mp3"></head>\n'
        '<body><div class="WordSection1">\n'
        '<p style="font-weight: 600">interview-3</p>\n'
        '<p><span style="color: #909090">Transcribed by noScribe<br/>Audio: interview-3.mp3'
        "</span></p>\n<p></p>\n"
        f"{body}\n</div></body></html>\n",
        encoding="utf-8",
    )
    return path


def interview(tmp_path: Path) -> Path:
    return noscribe_file(
        tmp_path,
        [
            f'<a name="ts_1200_4500_S00" >S00 {STAMP.format("00:00:01")}: Thanks for coming.</a>'
            '<a name="ts_4500_6000_S00" > How are you?</a>'
            '<a name="ts_6000_8000_S00" > (..)</a>',
            f'<a name="ts_8000_9500_S01" >S01 {STAMP.format("00:00:08")}: Fine &amp; you?</a>'
            '<a name="ts_9500_10200_//S00" > //S00: good//</a>'
            f'<a name="ts_40000_42000_S01" > {STAMP.format("00:00:40")} Anyway.</a>',
            f'<a name="ts_43000_45500_S00" >S00 {STAMP.format("00:00:43")}: Let\'s start.</a>',
        ],
    )


def timed_turns(parsed):
    return [(turn.speaker, turn.start, turn.end, turn.text) for turn in parsed.turns]


def test_paragraphs_become_timed_turns_with_mapped_speakers(tmp_path):
    parsed = read_transcript(
        interview(tmp_path), participant_code="P1", voice_map={"S00": "I", "S01": "P1"}
    )

    assert timed_turns(parsed) == [
        ("I", 1.2, 8.0, "Thanks for coming. How are you? (..)"),
        ("P1", 8.0, 42.0, "Fine & you? //I: good// Anyway."),
        ("I", 43.0, 45.5, "Let's start."),
    ]
    assert parsed.source_name == "interview-3.html"
    assert parsed.warnings == []
    assert "recordings" not in repr(parsed)


def test_unmapped_diarisation_labels_are_kept_with_a_warning(tmp_path):
    parsed = read_transcript(interview(tmp_path))

    assert [turn.speaker for turn in parsed.turns] == ["S00", "S01", "S00"]
    assert parsed.turns[1].text == "Fine & you? //S00: good// Anyway."
    assert parsed.warnings == [
        "interview-3.html: speakers S00, S01 are only diarisation labels; map each one to a "
        "study code such as I or P1."
    ]


def test_names_typed_over_the_labels_must_be_mapped(tmp_path):
    path = noscribe_file(
        tmp_path,
        [
            '<a name="ts_0_1000_S00" >Alex Morgan: Hello.</a>',
            '<a name="ts_1000_2000_S01" >P1: Hi.</a>',
        ],
    )

    with pytest.raises(UnmappedVoices) as raised:
        read_transcript(path, participant_code="P1")
    assert raised.value.voices == ("Alex Morgan",)

    parsed = read_transcript(path, participant_code="P1", voice_map={"Alex Morgan": "I"})
    assert timed_turns(parsed) == [("I", 0.0, 1.0, "Hello."), ("P1", 1.0, 2.0, "Hi.")]


def test_noscribe_files_are_recognised_by_their_anchors(tmp_path):
    html = interview(tmp_path).read_text(encoding="utf-8")
    path = tmp_path / "saved-by-noscribe.txt"
    path.write_text(html, encoding="utf-8")

    assert [turn.speaker for turn in read_transcript(path).turns] == ["S00", "S01", "S00"]


def test_a_transcript_without_speaker_detection_is_refused(tmp_path):
    path = noscribe_file(tmp_path, ['<a name="ts_0_1000" >Hello there.</a>'], name="flat.html")

    with pytest.raises(InvalidInput, match=r"^flat\.html: no paragraph starts with a speaker"):
        read_transcript(path)


def test_html_that_is_not_from_noscribe_is_refused(tmp_path):
    path = tmp_path / "page.html"
    path.write_text("<html><body><p>I: Hello.</p></body></html>", encoding="utf-8")

    with pytest.raises(InvalidInput, match=r"^page\.html: no noScribe timestamps"):
        read_transcript(path)
