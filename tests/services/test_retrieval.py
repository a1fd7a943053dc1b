"""Retrieval: a code's passages in context with the study's citations, filtered, paged, fast on many codings."""

from __future__ import annotations

import csv
import io
import time

import pytest
from sqlalchemy import text

from reverie.core.errors import InvalidInput, NotFound
from reverie.services.analysis import coding, retrieval
from reverie.services.analysis.retrieval import PassageFilter
from reverie.services.study.interviews import add_interview
from reverie.services.study.participants import update_participant
from reverie.services.transcripts.versions import import_transcript, lock_transcript

P2_TEXT = "I: Tell me about your team.\nP2: We have milk in the fridge and a peer worker on the ward.\n" * 4


@pytest.fixture
def coded(populated, tmp_path):
    source = tmp_path / "p2.txt"
    source.write_text(P2_TEXT, encoding="utf-8")
    add_interview(populated, "P2", 2)
    import_transcript(populated, "P2", 2, source, layout="fixed-width", width=60)
    lock_transcript(populated, "P2", 2)
    update_participant(populated, "P2", attributes={"site": "North"})
    coding.add_code(populated, "milk", kind="discursive_object")
    coding.add_code(populated, "team")
    coding.apply_code(populated, "milk", "P1", lines=(3, 4), note="the first mention")
    coding.apply_code(populated, "milk", "P1", lines=(6, 6))
    coding.apply_code(populated, "milk", "P2", round_no=2, lines=(2, 2))
    coding.apply_code(populated, "team", "P2", round_no=2, lines=(2, 3))
    return populated


def _code_id(study, label: str) -> int:
    with study.read() as s:
        return s.execute(text("SELECT id FROM codes WHERE label = :l"), {"l": label}).scalar()


@pytest.mark.both_backends
def test_passages_come_in_context_with_citation_coder_and_date(coded):
    page = retrieval.passages(coded, _code_id(coded, "milk"), context=1)
    assert page.count == 3 and [p.participant for p in page.items] == ["P1", "P1", "P2"]
    first = page.items[0]
    assert first.citation == "(P1, Occupational Therapist. Lines 3-4)"
    assert first.coder == "TM" and first.coded_on == first.coded_at.strftime("%Y-%m-%d") and first.note
    assert [line.number for line in first.lines] == [2, 3, 4, 5]
    assert [line.in_passage for line in first.lines] == [False, True, True, False]
    assert first.text.startswith("I remember once") or "remember" in first.text
    assert first.more_before and first.more_after
    wider = retrieval.passage(coded, first.coding_id, context=3)
    assert [line.number for line in wider.lines] == [1, 2, 3, 4, 5, 6, 7] and not wider.more_before
    assert page.items[2].citation == "(P2, Psychologist. Line 2)" and page.items[2].round == 2


@pytest.mark.both_backends
def test_filters_by_attribute_round_and_co_occurring_code(coded):
    milk, team = _code_id(coded, "milk"), _code_id(coded, "team")
    by_profession = retrieval.passages(coded, milk, PassageFilter(attribute="profession", value="Psychologist"))
    assert [p.participant for p in by_profession.items] == ["P2"]
    by_custom = retrieval.passages(coded, milk, PassageFilter(attribute="site", value="North"))
    assert [p.participant for p in by_custom.items] == ["P2"]
    assert retrieval.passages(coded, milk, PassageFilter(round_no=1)).count == 2
    together = retrieval.passages(coded, milk, PassageFilter(with_code=team))
    assert [(p.participant, p.start_line) for p in together.items] == [("P2", 2)]
    assert "site" in retrieval.attribute_choices(coded) and "profession" in retrieval.attribute_choices(coded)
    assert retrieval.attribute_values(coded, "site") == ["North"]
    with pytest.raises(InvalidInput, match="cannot filter by"):
        retrieval.passages(coded, milk, PassageFilter(attribute="x; DROP TABLE codes", value="1"))
    with pytest.raises(NotFound):
        retrieval.passages(coded, 99999)


def test_several_codes_page_through_fifty_thousand_codings_quickly(coded):
    milk = _code_id(coded, "milk")
    with coded.write("test.bulk") as s:
        row = s.execute(text("SELECT version_id, start_offset, end_offset, selector FROM codings "
                             "WHERE code_id = :c ORDER BY id LIMIT 1"), {"c": milk}).one()
        s.execute(text("INSERT INTO codings (guid, code_id, version_id, start_offset, end_offset, start_line, "
                       "end_line, selector, coder, note, created_at, created_by) VALUES (:g, :c, :v, :s, :e, 3, 4, "
                       ":sel, 'TM', '', CURRENT_TIMESTAMP, 'TM')"),
                  [{"g": f"bulk-{n}", "c": milk, "v": row[0], "s": row[1], "e": row[2], "sel": row[3]}
                   for n in range(50_000)])
    started = time.perf_counter()
    page = retrieval.passages(coded, [milk, _code_id(coded, "team")], offset=25_000, context=2)
    elapsed = time.perf_counter() - started
    assert page.count == 50_004 and len(page.items) == retrieval.PAGE and page.next_offset == 25_050
    assert elapsed < 2.0, f"a page of passages took {elapsed:.2f}s"


@pytest.mark.both_backends
def test_coded_segments_export_as_csv_html_and_docx_with_their_citations(coded):
    from reverie.formats.report_writers import rendered_text
    from reverie.services.output import segments

    milk, team = _code_id(coded, "milk"), _code_id(coded, "team")
    table = segments.export_segments(coded, [team, milk], "csv")
    assert table.segments == 4 and table.filename.startswith("coded-segments-2-codes-")
    assert table.filename.endswith(".csv")
    rows = list(csv.reader(io.StringIO(table.content.decode("utf-8"))))
    assert rows[0] == list(segments.COLUMNS)
    assert [r[0] for r in rows[1:]] == ["team", "milk", "milk", "milk"]
    assert rows[2][1:6] == ["P1", "1", "3", "4", "(P1, Occupational Therapist. Lines 3-4)"]
    assert rows[2][6] == "TM" and rows[2][8] == "the first mention" and "remember" in rows[2][9]
    for fmt in ("html", "docx"):
        made = segments.export_segments(coded, [milk], fmt, PassageFilter(round_no=1))
        shown = rendered_text(made.content, fmt)
        assert made.segments == 2 and "(P1, Occupational Therapist. Lines 3-4)" in shown
        assert "coded by TM" in shown and "milk (2)" in shown and "P2" not in shown
    assert segments._cell("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    with pytest.raises(InvalidInput, match="docx, csv, html"):
        segments.export_segments(coded, [milk], "pdf")
    with coded.read() as s:
        events = s.execute(text("SELECT payload FROM audit_events WHERE action = 'segments.export'")).scalars().all()
    assert len(events) == 3 and '"segments":4' in events[0]


@pytest.mark.both_backends
def test_search_with_a_code_and_no_words_lists_the_lines_coded_with_it(coded):
    from reverie.services.transcripts.search import search

    hits = search(coded, "", code="milk")
    assert [(h.participant, h.round, h.line) for h in hits] == [("P1", 1, 3), ("P1", 1, 4), ("P1", 1, 6),
                                                                  ("P2", 2, 2)]
    assert hits[0].citation == "(P1. Line 3)" and hits[0].snippet == (hits[0].text, "", "")
    assert [h.line for h in search(coded, "", code="milk", participant="P2", speaker="P2")] == [2]
    assert [h.line for h in search(coded, "milk", code="team")] == [2]


def test_passages_filter_by_participant_code_and_never_by_internal_columns(coded):
    milk = _code_id(coded, "milk")
    assert retrieval.attribute_choices(coded)[0] == "code"
    assert retrieval.passages(coded, milk, PassageFilter(attribute="code", value="P2")).count == 1
    # "study_id" is no participant column to filter by: it is read as a custom attribute, which no one has.
    assert retrieval.passages(coded, milk, PassageFilter(attribute="study_id", value="1")).count == 0
