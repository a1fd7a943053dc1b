"""Memos: three facets, prompts never requirements, versions with decisions, diffs, invariant 3."""

from __future__ import annotations

import pytest

from reverie.core.errors import Conflict, InvalidInput, NotFound
from reverie.services.analysis.decisions import list_decisions
from reverie.services.analysis.extracts import add_extract
from reverie.services.analysis.memos import (
    PSYCHOSOCIAL_PROMPTS,
    WILLIG_PROMPTS,
    facets_from_assignments,
    memo_diff,
    memo_history,
    save_memo,
    show_memo,
)
from reverie.services.analysis.reflexivity import add_entry
from reverie.services.involvement.consultations import (
    add_consultation,
    add_ppi_group,
    add_response,
    show_extract,
)

POSITIONING = {"line_range": [3, 5], "positioner": "the peer", "positioned": "service users",
               "position_label": "voice of marginalised concerns", "speech_act": "advocacy", "mode": "interactive",
               "order": "third", "intentionality": "deliberate", "uptake": "taken_up"}


@pytest.fixture
def with_extract(populated):
    add_extract(populated, "P1", 3, 5, why="The milk")
    return populated


def test_prompts_cover_the_six_stages_and_the_psychosocial_fields():
    assert [key.split(".")[0] for key in WILLIG_PROMPTS] == [
        "constructions", "discourses", "action_orientation", "positionings", "practice", "practice", "subjectivity"]
    assert "speculative" in WILLIG_PROMPTS["subjectivity"]
    assert {"anxieties", "defences", "investments", "whole_case_check"} <= set(PSYCHOSOCIAL_PROMPTS)


def test_an_incomplete_memo_saves_and_shows_prompts_for_empty_fields(with_extract):
    saved = save_memo(with_extract, "E1", willig={"action_orientation": "Elevates the peer's contribution"})
    assert (saved.version, saved.decision_id, saved.warnings) == (1, None, ())
    view = show_memo(with_extract, "E1")
    fields = {f.path: f for f in view.fields}
    assert fields["willig.action_orientation"].value == "Elevates the peer's contribution"
    assert fields["willig.subjectivity"].empty and "speculative" in fields["willig.subjectivity"].prompt
    assert fields["psychosocial.anxieties"].prompt == PSYCHOSOCIAL_PROMPTS["anxieties"]


def test_positioning_records_are_validated(with_extract):
    save_memo(with_extract, "E1", positioning=[POSITIONING])
    assert show_memo(with_extract, "E1").fields[7].value == [POSITIONING]
    with pytest.raises(InvalidInput, match="uptake 'accepted'"):
        save_memo(with_extract, "E1", positioning=[{**POSITIONING, "uptake": "accepted"}], why="x")
    with pytest.raises(InvalidInput, match="unknown field"):
        save_memo(with_extract, "E1", positioning=[{**POSITIONING, "power": "high"}], why="x")
    with pytest.raises(InvalidInput, match="outside the transcript"):
        save_memo(with_extract, "E1", positioning=[{**POSITIONING, "line_range": [3, 90]}], why="x")
    with pytest.raises(InvalidInput, match="construction 1"):
        save_memo(with_extract, "E1", willig={"constructions": [{"label": "milk", "line_range": "80-81"}]}, why="x")


def test_revisions_need_a_reason_and_record_a_decision_and_diff(with_extract):
    entry = add_entry(with_extract, {"emotional_response": "Moved"}, affect_intensity=3)
    save_memo(with_extract, "E1", willig={"subjectivity": "Fear of seeming silly"})
    with pytest.raises(InvalidInput, match="needs a reason"):
        save_memo(with_extract, "E1", willig={"subjectivity": "Being held in mind"})
    with pytest.raises(Conflict, match="unchanged"):
        save_memo(with_extract, "E1", willig={"subjectivity": "Fear of seeming silly"}, why="same")
    saved = save_memo(with_extract, "E1", willig={"subjectivity": "Being held in mind"},
                      psychosocial={"researcher_affect": [entry.entry_id]}, why="Re-read with my log",
                      evidence_refs=[{"kind": "log_entry", "id": entry.entry_id}])
    decision = next(d for d in list_decisions(with_extract) if d.id == saved.decision_id)
    assert decision.type == "revise_interpretation" and decision.rationale == "Re-read with my log"
    assert [v.version for v in memo_history(with_extract, "E1")] == [1, 2]
    diff = memo_diff(with_extract, "E1", 1, 2)
    assert set(diff) == {"willig.subjectivity", "psychosocial.researcher_affect"}
    assert "-Fear of seeming silly" in diff["willig.subjectivity"]
    assert "+Being held in mind" in diff["willig.subjectivity"]
    with pytest.raises(NotFound):
        save_memo(with_extract, "E1", psychosocial={"researcher_affect": [999]}, why="x")


def test_invariant_3_revising_after_a_consultation_warns_without_evidence(with_extract):
    save_memo(with_extract, "E1", willig={"action_orientation": "Contrast"})
    add_ppi_group(with_extract, "PPI-A")
    session = add_consultation(with_extract, "ppi_analysis", group="PPI-A")
    show_extract(with_extract, session.id, "E1")
    unsupported = save_memo(with_extract, "E1", willig={"action_orientation": "Contrast, and more"}, why="Rethought")
    assert unsupported.version == 2 and "cites no response or log entry" in unsupported.warnings[0]
    response = add_response(with_extract, session.id, target="construction", extract="E1", detail="milk",
                            types=["extend"], summary="Milk as care")
    supported = save_memo(with_extract, "E1", willig={"subjectivity": "Held in mind"}, why="PPI-A extended it",
                          evidence_refs=[{"kind": "response", "id": response.id}])
    assert supported.warnings == ()


def test_field_assignments_read_like_the_command_line():
    facets = facets_from_assignments(["willig.action_orientation=Justifying", "willig.practice.enables=Saying milk",
                                      "psychosocial.whole_case_check=yes", "summary=Short"])
    assert facets == {"willig": {"action_orientation": "Justifying", "practice": {"enables": ["Saying milk"]}},
                      "psychosocial": {"whole_case_check": True}, "summary": "Short"}
    with pytest.raises(InvalidInput, match="FIELD=TEXT"):
        facets_from_assignments(["willig.stage7=x"])
