"""WebVTT and SRT captions: voices mapped to study codes, cues merged into timed turns."""

from __future__ import annotations

from pathlib import Path

import pytest

from reverie.core.errors import InvalidInput
from reverie.formats.transcripts import UnmappedVoices, read_transcript

TEAMS_VTT = """WEBVTT

NOTE made up for the test

a1b2/10-0
00:00:01.000 --> 00:00:04.500
<v Alex Morgan>Thanks for joining. Can you tell me</v>

a1b2/11-0
00:00:04.500 --> 00:00:06.000
<v Alex Morgan>about a time at work?</v>

a1b2/12-0
00:00:07.250 --> 00:00:09.000
<v.loud Sam  Rivers>Yes &amp; <i>no</i>.</v>

a1b2/13-0
00:01:10.000 --> 00:01:12.000
<v Alex Morgan>Go on.</v>
"""

VOICES = {"Alex Morgan": "Interviewer", "Sam Rivers": "P1"}


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def timed_turns(parsed):
    return [(turn.speaker, turn.start, turn.end, turn.text) for turn in parsed.turns]


def test_voice_tags_are_mapped_and_consecutive_cues_merged(tmp_path):
    path = write(tmp_path, "meeting.vtt", TEAMS_VTT)

    absent = {"Someone Else": "P9"}  # mapped but silent: no warning about P9

    parsed = read_transcript(path, participant_code="P1", voice_map={**VOICES, **absent})

    assert timed_turns(parsed) == [
        ("I", 1.0, 6.0, "Thanks for joining. Can you tell me about a time at work?"),
        ("P1", 7.25, 9.0, "Yes & no."),
        ("I", 70.0, 72.0, "Go on."),
    ]
    assert parsed.warnings == []
    assert "Alex" not in repr(parsed) and "Rivers" not in repr(parsed)


def test_unmapped_voices_are_listed_and_never_kept(tmp_path):
    path = write(tmp_path, "meeting.vtt", TEAMS_VTT)

    with pytest.raises(UnmappedVoices) as raised:
        read_transcript(path, voice_map={"Alex Morgan": "I"})

    assert isinstance(raised.value, InvalidInput)
    assert raised.value.voices == ("Sam Rivers",)
    assert str(raised.value).startswith("meeting.vtt: these voices have no study code: Sam Rivers.")


def test_zoom_name_prefixes_are_mapped_like_voice_tags(tmp_path):
    path = write(
        tmp_path,
        "zoom.vtt",
        "WEBVTT\n\n1\n00:00:00.000 --> 00:00:02.000\nAlex Morgan: Hello there.\n\n"
        "2\n00:00:02.000 --> 00:00:03.000\nSam Rivers: Hi.\n\n"
        "3\n00:00:03.000 --> 00:00:05.000\nand then: what?\n",
    )

    parsed = read_transcript(path, voice_map=VOICES)

    assert timed_turns(parsed) == [
        ("I", 0.0, 2.0, "Hello there."),
        ("P1", 2.0, 5.0, "Hi. and then: what?"),
    ]


def test_srt_cues_with_name_prefixes(tmp_path):
    path = write(
        tmp_path,
        "interview.srt",
        "1\n00:00:01,000 --> 00:00:02,500\nInterviewer: How are you?\n\n"
        "2\n00:00:03,000 --> 00:00:04,000\nP1: Fine,\n<i>thanks.</i>\n\n"
        "3\n00:00:04,000 --> 00:00:05,000\nP1: Really.\n",
    )

    parsed = read_transcript(path, participant_code="P1")

    assert timed_turns(parsed) == [
        ("I", 1.0, 2.5, "How are you?"),
        ("P1", 3.0, 5.0, "Fine, thanks. Really."),
    ]


def test_captions_are_recognised_by_content_whatever_the_suffix(tmp_path):
    srt = write(tmp_path, "export.txt", "1\n00:00:01,000 --> 00:00:02,000\nI: Hello.\n")
    vtt = write(tmp_path, "captions.txt", "WEBVTT\n\n00:01.000 --> 00:02.000\n<v P1>Hi.\n")

    assert timed_turns(read_transcript(srt)) == [("I", 1.0, 2.0, "Hello.")]
    assert timed_turns(read_transcript(vtt, participant_code="P1")) == [("P1", 1.0, 2.0, "Hi.")]


def test_diarisation_labels_are_kept_with_a_request_to_map_them(tmp_path):
    path = write(
        tmp_path,
        "noscribe.vtt",
        "WEBVTT\n\n00:00:00.000 --> 00:00:01.000\n<v S00>Hello.\n\n"
        "00:00:01.000 --> 00:00:02.000\n<v S01>Hi.\n",
    )

    parsed = read_transcript(path)

    assert [turn.speaker for turn in parsed.turns] == ["S00", "S01"]
    assert parsed.warnings == [
        "noscribe.vtt: speakers S00, S01 are only diarisation labels; map each one to a study "
        "code such as I or P1."
    ]


def test_a_mapped_participant_code_that_differs_is_warned_about(tmp_path):
    path = write(tmp_path, "meeting.vtt", TEAMS_VTT)

    parsed = read_transcript(path, participant_code="P1", voice_map={**VOICES, "Sam Rivers": "P2"})

    assert [turn.speaker for turn in parsed.turns] == ["I", "P2", "I"]
    assert parsed.warnings == [
        "meeting.vtt: the file labels a participant P2, but this interview's participant is P1; "
        "kept P2 as written."
    ]


def test_cues_before_the_first_speaker_are_skipped_and_later_ones_continue(tmp_path):
    path = write(
        tmp_path,
        "meeting.vtt",
        "WEBVTT\n\n00:00.000 --> 00:01.000\n(music)\n\n"
        "00:01.000 --> 00:02.000\n<v Alex Morgan>Hello.\n\n"
        "00:02.000 --> 00:03.500\nStill me.\n",
    )

    parsed = read_transcript(path, voice_map=VOICES)

    assert timed_turns(parsed) == [("I", 1.0, 3.5, "Hello. Still me.")]
    assert parsed.warnings == [
        "meeting.vtt: skipped 1 cue(s) before the first one that says who is speaking."
    ]


def test_captions_without_speakers_are_refused(tmp_path):
    path = write(tmp_path, "plain.srt", "1\n00:00:01,000 --> 00:00:02,000\njust words\n")

    with pytest.raises(InvalidInput, match=r"^plain\.srt: no cue says who is speaking"):
        read_transcript(path)


def test_unreadable_cue_times_name_the_line(tmp_path):
    path = write(tmp_path, "broken.vtt", "WEBVTT\n\n00:00:01.000 --> soon\n<v P1>Hi.\n")

    with pytest.raises(InvalidInput, match=r"^broken\.vtt, line 3: cannot read the cue times$"):
        read_transcript(path)
