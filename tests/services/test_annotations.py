"""Non-verbal annotations and reported speech on locked text, listed by kind, and the reader's windows."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from reverie.core.errors import Conflict, InvalidInput
from reverie.services.analysis import coding
from reverie.services.study.interviews import add_interview
from reverie.services.transcripts import annotations, corrections
from reverie.services.transcripts import versions as transcripts
from reverie.store.models import AuditEvent, TranscriptLine


def span_of(study, words: str) -> tuple[int, int]:
    text = transcripts.version_text(study, transcripts.version_info(study, "P1", 1).id)
    start = text.index(words)
    return start, start + len(words)


def test_a_nonverbal_annotation_keeps_kind_description_source_time_and_anchor(populated):
    note = annotations.add_nonverbal(populated, "P1", lines=(3, 4), kind="tone", description="quiet, slowing down",
                                     source="recording", timecode=(65.0, 71.5))
    assert (note.kind, note.start_line, note.end_line) == ("nonverbal", 3, 4)
    assert note.data == {"kind": "tone", "description": "quiet, slowing down", "source": "recording",
                         "timecode": [65.0, 71.5]}
    assert note.exact.startswith("I remember once a") and note.author == "TM"
    assert note.summary == "tone: quiet, slowing down"
    with populated.read() as s:
        payload = json.loads(s.execute(select(AuditEvent.payload)
                                       .where(AuditEvent.action == "annotation.nonverbal")).scalar_one())
    assert payload["lines"] == [3, 4] and payload["description"] == "quiet, slowing down"


def test_reported_speech_is_a_span_with_its_voiced_figure(populated):
    marked = annotations.add_reported_speech(populated, "P1", span=span_of(populated, "she would need milk at home"),
                                             voiced_figure="the peer")
    assert marked.kind == "reported_speech" and marked.data == {"voiced_figure": "the peer"}
    assert marked.exact == "she would need milk at home" and (marked.start_line, marked.end_line) == (3, 4)
    assert marked.summary == "reported speech, voiced by the peer"


@pytest.mark.parametrize("change, message", [
    ({"kind": "mood"}, "non-verbal kind"),
    ({"source": "hearsay"}, "source"),
    ({"description": "  "}, "description"),
    ({"timecode": (9.0, 3.0)}, "timecode"),
    ({"lines": None}, "line range or a character span"),
    ({"lines": (3, 99)}, "outside"),
])
def test_a_nonverbal_annotation_refuses_what_the_method_does_not_allow(populated, change, message):
    given = {"kind": "silence", "description": "a long silence", "source": "interviewer_notes", "lines": (3, 3)}
    given |= change
    with pytest.raises(InvalidInput, match=message):
        annotations.add_nonverbal(populated, "P1", **given)


def test_reported_speech_needs_its_voiced_figure(populated):
    with pytest.raises(InvalidInput, match="voiced figure"):
        annotations.add_reported_speech(populated, "P1", lines=(3, 3), voiced_figure=" ")


def test_only_a_locked_version_is_annotated(populated, transcript_file):
    add_interview(populated, "P2", 1)
    transcripts.import_transcript(populated, "P2", 1, transcript_file, layout="fixed-width")
    with pytest.raises(Conflict, match="not locked"):
        annotations.add_nonverbal(populated, "P2", lines=(1, 1), kind="tone", description="flat", source="recording")
    with pytest.raises(Conflict, match="not locked"):
        annotations.add_reported_speech(populated, "P2", lines=(1, 1), voiced_figure="the peer")


def test_annotations_are_listed_by_kind_and_by_lines(populated):
    annotations.add_nonverbal(populated, "P1", lines=(5, 6), kind="laughter", description="laughs", source="recording")
    annotations.add_reported_speech(populated, "P1", lines=(3, 3), voiced_figure="the peer")
    annotations.add_nonverbal(populated, "P1", lines=(2, 2), kind="posture", description="leans back",
                              source="reflexive_log")
    everything = annotations.list_annotations(populated, "P1")
    assert [a.start_line for a in everything] == [2, 3, 5]
    assert [a.data["kind"] for a in annotations.list_annotations(populated, "P1", kinds=("nonverbal",))] == [
        "posture", "laughter"]
    assert [a.kind for a in annotations.list_annotations(populated, "P1", kinds=("reported_speech",))] == [
        "reported_speech"]
    assert [a.start_line for a in annotations.list_annotations(populated, "P1", lines=(6, 8))] == [5]
    assert annotations.list_annotations(populated, "P1", lines=(7, 8)) == []
    with pytest.raises(InvalidInput, match="unknown annotation kind"):
        annotations.list_annotations(populated, "P1", kinds=("gesture",))


def test_a_correction_carries_annotations_to_the_new_version(populated):
    annotations.add_reported_speech(populated, "P1", span=span_of(populated, "she would need milk at home"),
                                    voiced_figure="the peer")
    turns = corrections.current_turns(populated, "P1", 1)
    edited = [type(t)(t.speaker, t.text.replace("Can you tell me", "Could you tell me")) for t in turns]
    corrections.correct_transcript(populated, "P1", 1, edited, why="mis-heard opening words")
    [moved] = annotations.list_annotations(populated, "P1")
    assert moved.exact == "she would need milk at home"
    text = transcripts.version_text(populated, transcripts.version_info(populated, "P1", 1).id)
    assert text[moved.start_offset:moved.end_offset] == "she would need milk at home"


def test_codings_are_listed_with_label_kind_colour_lines_and_coder(populated):
    coding.add_code(populated, "milk", kind="discursive_object", color="#aa3300")
    coding.add_code(populated, "humility", kind="subject_position")
    coding.apply_code(populated, "milk", "P1", lines=(3, 4))
    coding.apply_code(populated, "humility", "P1", lines=(5, 5), note="humbling")
    listed = coding.list_codings(populated, "P1")
    assert [(c.label, c.kind, c.start_line, c.end_line, c.coder) for c in listed] == [
        ("milk", "discursive_object", 3, 4, "TM"), ("humility", "subject_position", 5, 5, "TM")]
    assert listed[0].color == "#aa3300" and listed[1].color in coding.PALETTE and listed[1].note == "humbling"
    assert [c.label for c in coding.list_codings(populated, "P1", lines=(5, 9))] == ["humility"]
    assert [c.label for c in coding.list_codings(populated, "P1", kinds=("discursive_object",))] == ["milk"]


def test_a_reader_window_carries_each_lines_codes_and_margin_marks(populated):
    coding.add_code(populated, "milk", kind="discursive_object")
    coding.apply_code(populated, "milk", "P1", lines=(3, 5))
    annotations.add_nonverbal(populated, "P1", lines=(4, 5), kind="tone", description="quiet", source="recording")
    window = annotations.reader_window(populated, "P1", first=4, count=2)
    assert [line.number for line in window.lines] == [4, 5]
    assert [c.label for c in window.codes] == ["milk"]
    top, below = window.lines
    milk = window.codes[0].code_id
    assert top.code_ids == below.code_ids == {milk}
    assert [c.label for c in top.tags] == ["milk"] and below.tags == ()  # began above: labelled on the top line
    assert [n.data["kind"] for n in top.notes] == ["tone"] and below.notes == ()
    assert annotations.reader_window(populated, "P1", first=999, count=5).lines == ()
    with pytest.raises(InvalidInput):
        annotations.reader_window(populated, "P1", count=5)


def test_a_reader_window_can_be_found_by_a_time_in_the_recording(populated):
    version_id = transcripts.version_info(populated, "P1", 1).id
    with populated.write("test.times") as s:
        for line in s.execute(select(TranscriptLine).where(TranscriptLine.version_id == version_id)).scalars():
            line.time_start, line.time_end = line.number * 10.0, line.number * 10.0 + 9
    window = annotations.reader_window(populated, "P1", at=52.0, count=3)
    assert [line.number for line in window.lines] == [4, 5, 6]
    assert annotations.reader_window(populated, "P1", at=0.0, count=1).lines[0].number == 1
