"""Codes: the codebook, codings on locked text only, rename/merge as decisions, and the statistics."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

from reverie.core.errors import Conflict, InvalidInput, NotFound
from reverie.services.analysis import coding
from reverie.services.analysis.decisions import list_decisions
from reverie.services.study.interviews import add_interview
from reverie.services.study.participants import update_participant
from reverie.services.transcripts.versions import import_transcript, lock_transcript
from reverie.store.models import Coding


def test_codes_nest_and_carry_a_guid(populated):
    parent = coding.add_code(populated, "peer support worker role", kind="discursive_object", color="#1f77b4")
    child = coding.add_code(populated, "voicing little things", kind="discursive_object",
                            parent="peer support worker role", definition="Saying what others do not")
    assert len(parent.guid) == 36 and parent.guid != child.guid
    codes = {c.label: c for c in coding.list_codes(populated)}
    assert codes["voicing little things"].parent == "peer support worker role"
    with pytest.raises(Conflict, match="already exists"):
        coding.add_code(populated, "peer support worker role")
    with pytest.raises(InvalidInput, match="kind"):
        coding.add_code(populated, "x", kind="category")


def test_apply_to_lines_and_spans_stores_offsets_lines_selector_and_coder(populated):
    coding.add_code(populated, "milk", kind="discursive_object")
    by_lines = coding.apply_code(populated, "milk", "P1", lines=(3, 5))
    assert (by_lines.start_line, by_lines.end_line) == (3, 5)
    assert by_lines.selector["exact"].startswith("I remember once a")
    assert by_lines.coder == "TM"
    by_span = coding.apply_code(populated, "milk", "P1", span=(by_lines.start_offset + 2, by_lines.start_offset + 10))
    assert (by_span.start_line, by_span.end_line) == (3, 3)
    assert by_span.selector["exact"] == "remember"
    with pytest.raises(InvalidInput, match="outside"):
        coding.apply_code(populated, "milk", "P1", lines=(3, 99))


def test_a_draft_transcript_cannot_be_coded(populated, transcript_file):
    coding.add_code(populated, "milk")
    add_interview(populated, "P2", 1)
    import_transcript(populated, "P2", 1, transcript_file, layout="fixed-width")
    with pytest.raises(Conflict, match="draft, not locked"):
        coding.apply_code(populated, "milk", "P2", lines=(1, 2))
    lock_transcript(populated, "P2", 1)
    assert coding.apply_code(populated, "milk", "P2", lines=(1, 2)).start_line == 1


def test_rename_and_merge_are_decisions_with_reasons(populated):
    coding.add_code(populated, "expertise", kind="discursive_object")
    coding.add_code(populated, "professional knowledge", kind="discursive_object")
    coding.add_code(populated, "clinical knowhow", parent="professional knowledge")
    coding.apply_code(populated, "professional knowledge", "P1", lines=(7, 8))
    with pytest.raises(InvalidInput, match="reason"):
        coding.rename_code(populated, "expertise", "Expertise", rationale=" ")
    renamed = coding.rename_code(populated, "expertise", "expert knowledge", rationale="Closer to the talk")
    merged = coding.merge_code(populated, "professional knowledge", "expert knowledge", rationale="Same object")
    decisions = {d.id: d for d in list_decisions(populated)}
    assert decisions[renamed].type == "rename_code" and decisions[renamed].before == {"label": "expertise"}
    assert decisions[merged].type == "merge_code" and decisions[merged].rationale == "Same object"
    codes = {c.label: c for c in coding.list_codes(populated, include_merged=True)}
    assert codes["professional knowledge"].status == "merged"
    assert codes["professional knowledge"].merged_into == "expert knowledge"
    assert codes["expert knowledge"].codings == 1
    assert codes["clinical knowhow"].parent == "expert knowledge"
    with pytest.raises(NotFound):
        coding.apply_code(populated, "professional knowledge", "P1", lines=(7, 7))


def _coded_study(study, transcript_file):
    """P1 (Occupational Therapist) and P2 (Psychologist), both coded with overlapping codes."""
    add_interview(study, "P2", 1)
    import_transcript(study, "P2", 1, transcript_file, layout="fixed-width", width=60)
    lock_transcript(study, "P2", 1)
    update_participant(study, "P1", attributes={"site": "north"})
    update_participant(study, "P2", attributes={"site": "south"})
    for label in ("milk", "little things", "humbling"):
        coding.add_code(study, label)
    for participant in ("P1", "P2"):
        coding.apply_code(study, "milk", participant, lines=(3, 5))
        coding.apply_code(study, "little things", participant, lines=(4, 4))
    coding.apply_code(study, "humbling", "P1", lines=(7, 8))
    return study


@pytest.mark.both_backends  # crosstab SQL per JSON dialect
def test_frequencies_cooccurrence_and_crosstab(populated, transcript_file):
    study = _coded_study(populated, transcript_file)
    frequencies = {f.label: f for f in coding.code_frequencies(study)}
    assert (frequencies["milk"].codings, frequencies["milk"].participants) == (2, 2)
    assert frequencies["humbling"].interviews == 1
    pairs = coding.cooccurrence(study)
    assert [(p.code_a, p.code_b, p.count) for p in pairs] == [("milk", "little things", 2)]
    table = coding.crosstab(study, "profession")
    assert table.columns == ("Occupational Therapist", "Psychologist")
    assert dict(table.rows)["milk"] == (1, 1) and dict(table.rows)["humbling"] == (1, 0)
    by_site = coding.crosstab(study, "site")
    assert by_site.columns == ("north", "south") and dict(by_site.rows)["humbling"] == (1, 0)
    with pytest.raises(InvalidInput):
        coding.crosstab(study, "site; DROP TABLE codes")


@pytest.mark.both_backends  # the statistics' SQL runs as written
def test_counts_equal_records(populated, transcript_file):
    """§10.8 (6): the statistics count exactly the stored codings, and the SQL runs as it is."""
    study = _coded_study(populated, transcript_file)
    with study.read() as s:
        stored = s.execute(select(func.count(Coding.id))).scalar()
        direct = s.execute(text(coding.FREQUENCY_SQL), {"study": study.study_id}).all()
    assert sum(f.codings for f in coding.code_frequencies(study)) == stored == sum(row[2] for row in direct)
    assert sum(sum(counts) for _, counts in coding.crosstab(study).rows) == stored
