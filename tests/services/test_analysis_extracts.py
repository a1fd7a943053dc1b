"""Extracts: handles, display text, status moves as decisions, and the invariants of METHOD.md §10.8."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from reverie.core.errors import Conflict, InvalidInput
from reverie.services.analysis.coding import add_code
from reverie.services.analysis.decisions import decisions_targeting
from reverie.services.analysis.extracts import (
    add_extract,
    add_objects,
    extract_problems,
    get_extract,
    list_extracts,
    move_extract,
    set_display_text,
)
from reverie.services.analysis.memos import save_memo
from reverie.services.analysis.themes import add_theme, place_extract
from reverie.services.study.interviews import add_interview
from reverie.services.transcripts.versions import import_transcript
from reverie.store.models import Extract, ExtractStatusChange, TranscriptVersion


def _to_analysed(study, handle):
    move_extract(study, handle, "shortlisted", reason="Resonant")
    move_extract(study, handle, "analysed", reason="Memo written")


def test_handles_follow_creation_order_and_the_citation_holds(populated):
    add_code(populated, "expertise", kind="discursive_object")
    add_code(populated, "risk", kind="discursive_object")
    first = add_extract(populated, "P1", 7, 8, why="Humbling", objects=["expertise"])
    second = add_extract(populated, "P1", 3, 5, why="The milk")
    assert (first.handle, second.handle) == ("E1", "E2")
    assert second.citation == "(P1. Lines 3-5)"
    assert second.text.startswith("I remember once a… peer") and second.status == "candidate"
    assert [e.handle for e in list_extracts(populated)] == ["E1", "E2"]
    assert [e.handle for e in list_extracts(populated, status="candidate")] == ["E1", "E2"]
    assert add_objects(populated, "E1", ["risk"]).objects == ("expertise", "risk")


def test_display_text_may_elide_and_clarify_but_not_invent(populated):
    add_extract(populated, "P1", 3, 5, why="The milk")
    view = set_display_text(populated, "E1", "I remember once a… peer [support worker] said […] she would need "
                                             "milk at home.")
    assert view.display_text.count("[") == 2 and view.citation == "(P1. Lines 3-5)"
    assert view.text.startswith("I remember once a… peer said")
    with pytest.raises(InvalidInput, match="not in the cited lines"):
        set_display_text(populated, "E1", "I remember once a nurse said she would need milk")


def test_every_move_is_a_decision_with_a_reason_and_checked_against_the_machine(populated):
    add_extract(populated, "P1", 3, 5, why="The milk")
    with pytest.raises(InvalidInput, match="needs a reason"):
        move_extract(populated, "E1", "shortlisted", reason="  ")
    with pytest.raises(Conflict, match="cannot move from candidate to final"):
        move_extract(populated, "E1", "final", reason="Keep")
    moved = move_extract(populated, "E1", "shortlisted", reason="Strong affect")
    with populated.read() as s:
        changes = s.execute(select(ExtractStatusChange).order_by(ExtractStatusChange.id)).scalars().all()
    assert [(c.from_status, c.to_status) for c in changes] == [("", "candidate"), ("candidate", "shortlisted")]
    assert changes[-1].decision_id == moved.decision_id
    decisions = decisions_targeting(populated, "extract", get_extract(populated, "E1").id)
    assert [d.type for d in decisions] == ["select_extract", "shortlist_extract"]
    assert decisions[-1].rationale == "Strong affect"


def test_invariant_1_an_extract_lies_inside_a_locked_version_and_matches_it(populated, transcript_file):
    add_interview(populated, "P2", 1)
    import_transcript(populated, "P2", 1, transcript_file, layout="fixed-width")
    with pytest.raises(Conflict, match="not locked"):
        add_extract(populated, "P2", 1, 2, why="Draft")
    with pytest.raises(InvalidInput, match="outside the transcript"):
        add_extract(populated, "P1", 10, 40, why="Too far")
    add_extract(populated, "P1", 3, 5, why="The milk")
    assert extract_problems(populated, "E1") == []
    with populated.write("test.tamper") as s:
        s.execute(select(Extract)).scalar_one().text_snapshot = "something else"
    assert extract_problems(populated, "E1") == ["its text no longer matches lines 3-5"]
    with populated.write("test.tamper") as s:
        s.execute(select(TranscriptVersion)).scalars().first().status = "draft"
    assert any("not locked" in p for p in extract_problems(populated, "E1"))


def test_invariant_2_a_final_extract_has_a_memo_and_a_theme(populated):
    add_extract(populated, "P1", 3, 5, why="The milk")
    _to_analysed(populated, "E1")
    with pytest.raises(Conflict, match="no analysis memo.*no theme"):
        move_extract(populated, "E1", "final", reason="Keep")
    save_memo(populated, "E1", willig={"action_orientation": "Elevates the peer"})
    with pytest.raises(Conflict, match="belongs to no theme"):
        move_extract(populated, "E1", "final", reason="Keep")
    add_theme(populated, "The 'Little' Things")
    place_extract(populated, "The 'Little' Things", "E1")
    assert move_extract(populated, "E1", "final", reason="Keep").to_status == "final"
    assert extract_problems(populated, "E1") == []
