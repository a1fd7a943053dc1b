"""Transcripts through the services: import, layouts, locking, reading, citing, corrections, search, export."""

from __future__ import annotations

import pytest
from docx import Document

from reverie.core.errors import Conflict, InvalidInput, NotFound
from reverie.core.transcript import Turn
from reverie.services.study import interviews, participants
from reverie.services.transcripts import corrections, search
from reverie.services.transcripts import versions as transcripts

NUMBERED = "\n".join([
    "976  I: And what did the peer do?",
    "977  P1: Well it was the discharge meeting and we'd done the",
    "978  plans. I remember once a… peer said, \"does she have milk",
    "979  at home?\" such a little thing, such a silly little thing,",
    "980  and none of us had thought of it, not one of us, and it",
    "981  was (laughs) really important.",
    "982  I: Mm.",
]) + "\n"


@pytest.fixture
def p1(study):
    participants.add_participant(study, "P1", profession="Occupational Therapist")
    interviews.add_interview(study, "P1", 1)
    return study


@pytest.mark.both_backends  # version rows are bulk-inserted with driver SQL
def test_imported_layout_keeps_published_numbers(p1, tmp_path):
    path = tmp_path / "p1.txt"
    path.write_text(NUMBERED, encoding="utf-8")
    result = transcripts.import_transcript(p1, "P1", 1, path)
    assert result.layout == "imported" and result.lines == 7
    shown = transcripts.show_lines(p1, "P1", 1, first=978, last=981)
    assert [line.number for line in shown] == [978, 979, 980, 981]
    assert shown[0].text.startswith("plans. I remember once a… peer")
    assert transcripts.cite(p1, "P1", 978, 981) == "(P1. Lines 978-81)"
    assert transcripts.cite(p1, "P1", 981, 981) == "(P1. Line 981)"


def test_reading_view_hides_notation(p1, tmp_path):
    path = tmp_path / "p1.txt"
    path.write_text(NUMBERED, encoding="utf-8")
    transcripts.import_transcript(p1, "P1", 1, path)
    analysis = transcripts.show_lines(p1, "P1", 1, first=981, last=981)[0].text
    reading = transcripts.show_lines(p1, "P1", 1, first=981, last=981, view="reading")[0].text
    assert "(laughs)" in analysis and "(laughs)" not in reading and "important" in reading


def test_fixed_width_numbers_every_turn(populated):
    shown = transcripts.show_lines(populated, "P1", 1)
    assert shown[0].number == 1 and shown[0].speaker == "I"
    assert all(len((line.speaker + ": " if line.speaker else "") + line.text) <= 60 for line in shown)
    assert [line.number for line in shown] == list(range(1, len(shown) + 1))


def test_lock_is_final_and_import_refuses_a_locked_transcript(populated, transcript_file):
    with pytest.raises(Conflict, match="locked"):
        transcripts.lock_transcript(populated, "P1", 1)
    with pytest.raises(Conflict, match="locked"):
        transcripts.import_transcript(populated, "P1", 1, transcript_file, replace=True)


@pytest.mark.both_backends  # a new version's rows and search index
def test_draft_is_not_silently_replaced(p1, transcript_file):
    transcripts.import_transcript(p1, "P1", 1, transcript_file)
    with pytest.raises(Conflict, match="--replace"):
        transcripts.import_transcript(p1, "P1", 1, transcript_file)
    again = transcripts.import_transcript(p1, "P1", 1, transcript_file, replace=True)
    assert again.version_number == 2


def test_bad_files_store_nothing(p1, tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    binary = tmp_path / "noise.txt"
    binary.write_bytes(bytes(range(256)) * 8)
    fake_docx = tmp_path / "fake.docx"
    fake_docx.write_text("not a zip")
    unlabelled = tmp_path / "prose.txt"
    unlabelled.write_text("Just some prose with no speakers at all.\nAnd another line.\n")
    for path in (empty, binary, fake_docx, unlabelled):
        with pytest.raises(InvalidInput, match=path.name):
            transcripts.import_transcript(p1, "P1", 1, path)
    with pytest.raises(NotFound):
        transcripts.version_info(p1, "P1", 1)


def test_ranges_outside_the_transcript_are_refused(populated):
    with pytest.raises(InvalidInput, match="outside the transcript"):
        transcripts.cite(populated, "P1", 1, 5000)
    with pytest.raises(InvalidInput, match="ends before it starts"):
        transcripts.cite(populated, "P1", 5, 3)
    with pytest.raises(InvalidInput, match="outside the transcript"):
        transcripts.show_lines(populated, "P1", 1, first=900, last=910)


@pytest.mark.both_backends  # FTS5 on SQLite, tsvector on PostgreSQL
def test_search_finds_lines_with_citations(populated):
    hits = search.search(populated, "milk")
    assert hits and all(h.participant == "P1" for h in hits)
    assert hits[0].match.lower() == "milk" and hits[0].citation == f"(P1. Line {hits[0].line})"
    assert search.search(populated, "cafe")[0].match == "café"  # accents matched without
    assert search.search(populated, "café")
    assert search.search(populated, '"little thing"')
    assert search.search(populated, "hum*")[0].match == "humbling"
    assert not search.search(populated, "milk", speaker="I")
    assert search.search(populated, "milk AND NOT zebra")
    assert not search.search(populated, "milk", round_no=2)
    with pytest.raises(InvalidInput):
        search.search(populated, '"unbalanced')


def test_export_docx_carries_numbers_as_text(populated, tmp_path):
    out = transcripts.export_transcript(populated, "P1", 1, "docx", tmp_path / "p1.docx")
    paragraphs = [p.text for p in Document(out).paragraphs if p.text.strip()]
    assert any(p.lstrip().startswith("1 ") and "I:" in p for p in paragraphs)
    text = transcripts.export_transcript(populated, "P1", 1, "txt", tmp_path / "p1.txt").read_text()
    assert "milk" in text


@pytest.mark.both_backends  # a new version's rows and search index
def test_correction_makes_a_new_version_and_reanchors(populated):
    from reverie.store.models import Annotation

    info = transcripts.version_info(populated, "P1", 1)
    text = transcripts.version_text(populated, info.id)
    start = text.index("none of us had thought")
    with populated.write("test.annotate") as s:
        s.add(Annotation(version_id=info.id, kind="nonverbal", start_offset=start, end_offset=start + 22,
                         data={"kind": "tone"}, note="quiet, slow"))
    turns = corrections.current_turns(populated, "P1", 1)
    edited = [Turn(t.speaker, t.text.replace("Can you tell me", "Could you tell me")) for t in turns]
    result = corrections.correct_transcript(populated, "P1", 1, edited, why="mis-heard opening words")
    assert result.version_number == 2
    new = transcripts.version_info(populated, "P1", 1)
    new_text = transcripts.version_text(populated, new.id)
    with populated.read() as s:
        note = s.query(Annotation).one()
    assert note.version_id == new.id and new_text[note.start_offset:note.end_offset] == "none of us had thought"
    assert result.line_map and all(isinstance(v, tuple) for v in result.line_map.values())
    with pytest.raises(InvalidInput, match="reason"):
        corrections.correct_transcript(populated, "P1", 1, edited, why="")
