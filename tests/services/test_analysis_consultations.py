"""Themes and report numbering, consultations with frozen materials, responses, and provenance."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from reverie.core.errors import Conflict, InvalidInput
from reverie.services.analysis.decisions import decisions_citing
from reverie.services.analysis.extracts import add_extract, move_extract
from reverie.services.analysis.memos import save_memo
from reverie.services.analysis.provenance import extract_history
from reverie.services.analysis.reflexivity import Anchor, add_entry
from reverie.services.analysis.themes import (
    add_theme,
    list_themes,
    place_extract,
    report_numbering,
    set_theme_position,
)
from reverie.services.involvement.consultations import (
    add_consultation,
    add_ppi_group,
    add_response,
    get_consultation,
    list_consultations,
    set_disposition,
    show_extract,
)
from reverie.services.study.interviews import list_interviews, response_notes
from reverie.store.models import ConsultationMaterial


@pytest.fixture
def analysed(populated):
    """Two analysed extracts of P1, with memos, and PPI group A."""
    add_entry(populated, {"emotional_response": "Moved by the milk"}, affect_intensity=3, flags_extract_candidate=True,
              anchors=[Anchor(participant="P1", lines=(3, 5))])
    add_extract(populated, "P1", 7, 8, why="Humbling")
    for handle in ("E1", "E2"):
        move_extract(populated, handle, "shortlisted", reason="Resonant")
        save_memo(populated, handle, willig={"action_orientation": f"first reading of {handle}"})
        move_extract(populated, handle, "analysed", reason="Memo written")
    add_ppi_group(populated, "PPI-A", composition_summary="service users", stages=["design", "analysis"])
    return populated


def test_report_numbering_follows_themes_then_order_inside_them(analysed):
    add_theme(analysed, "Embodied affect")
    add_theme(analysed, "The 'Little' Things")
    set_theme_position(analysed, "The 'Little' Things", 0)
    place_extract(analysed, "Embodied affect", "E1")
    place_extract(analysed, "The 'Little' Things", "E2")
    for handle in ("E1", "E2"):
        move_extract(analysed, handle, "final", reason="Keep")
    assert [(t.label, t.extracts) for t in list_themes(analysed)] == [
        ("The 'Little' Things", ("E2",)), ("Embodied affect", ("E1",))]
    numbered = report_numbering(analysed)
    assert [(n.number, n.handle) for n in numbered] == [(1, "E2"), (2, "E1")]
    assert numbered[0].citation == "(Extract 1. P1, Occupational Therapist. Lines 7-8)"


def test_member_reflection_is_a_round_2_interview(analysed):
    consultation = add_consultation(analysed, "member_reflection", participant="P1", held_on="2019-07-01",
                                    duration_min=30, location_type="workplace", recording="audio")
    round_2 = next(i for i in list_interviews(analysed) if i.code == "P1" and i.round == 2)
    assert round_2.purpose == "member_reflection" and round_2.duration_min == 30
    assert consultation.interview_id is not None
    with pytest.raises(Conflict, match="already recorded"):
        add_consultation(analysed, "member_reflection", participant="P1")
    with pytest.raises(InvalidInput, match="not participants"):
        add_consultation(analysed, "ppi_analysis", group="PPI-A", participant="P1")
    with pytest.raises(InvalidInput, match="needs the participant"):
        add_consultation(analysed, "member_reflection", group="PPI-A")


def test_invariant_4_materials_are_frozen_snapshots(analysed):
    session = add_consultation(analysed, "ppi_analysis", group="PPI-A")
    material = show_extract(analysed, session.id, "E1")
    save_memo(analysed, "E1", willig={"action_orientation": "a revised reading"}, why="Later thoughts")
    shown = get_consultation(analysed, session.id).materials[0]
    assert shown["memo"]["version"] == 1
    assert shown["memo"]["willig"]["action_orientation"] == "first reading of E1"
    assert shown["extract"]["citation"] == "(P1. Lines 3-5)" and shown["extract"]["status"] == "analysed"
    assert shown["extract"]["text"].startswith("I remember once a")
    with analysed.read() as s:
        assert s.execute(select(ConsultationMaterial)).scalar_one().snapshot == {
            k: v for k, v in shown.items() if k not in ("id", "kind")}
    assert material.memo_version_id is not None


def test_responses_and_audited_dispositions(analysed):
    reflection = add_consultation(analysed, "member_reflection", participant="P1", recording="audio")
    response = add_response(analysed, reflection.id, target="construction", extract="E1", detail="milk",
                            types=["affirm", "extend"], resonance=3, summary="Milk as care and comfort",
                            timecode_s=420.0)
    assert response.respondent == "P1" and response.disposition == "pending"
    assert response_notes(analysed, "P1", 2)[0].response_id == response.id
    with pytest.raises(InvalidInput, match="needs a rationale"):
        set_disposition(analysed, response.id, "declined")
    set_disposition(analysed, response.id, "declined", rationale="Out of the study's scope")
    set_disposition(analysed, response.id, "incorporated")
    assert get_consultation(analysed, reflection.id).responses[0].disposition == "incorporated"
    with pytest.raises(InvalidInput, match="response types"):
        add_response(analysed, reflection.id, extract="E1", types=["agree"], summary="x")
    with pytest.raises(InvalidInput, match="which one"):
        add_response(analysed, reflection.id, target="construction", extract="E1", types=["extend"], summary="x")
    assert [c.kind for c in list_consultations(analysed)] == ["member_reflection"]


def test_provenance_tells_the_whole_life_of_an_extract(analysed):
    add_theme(analysed, "The 'Little' Things")
    place_extract(analysed, "The 'Little' Things", "E1")
    session = add_consultation(analysed, "ppi_analysis", group="PPI-A")
    show_extract(analysed, session.id, "E1")
    move_extract(analysed, "E1", "presented", reason="Shown to PPI-A")
    response = add_response(analysed, session.id, target="construction", extract="E1", detail="milk",
                            types=["extend"], summary="Held in mind", disposition="incorporated")
    evidence = [{"kind": "response", "id": response.id}]
    save_memo(analysed, "E1", willig={"subjectivity": "Held in mind"}, why="PPI-A extended it", evidence_refs=evidence)
    refined = move_extract(analysed, "E1", "refined", reason="Meaning extended", evidence_refs=evidence)
    final = move_extract(analysed, "E1", "final", reason="Keep")

    history = extract_history(analysed, "E1")
    kinds = [e.kind for e in history.events]
    assert kinds[0] == "flagged" and kinds[-1] == "status"
    assert kinds.index("shown") < kinds.index("response") < kinds.index("disposition")
    statuses = [(e.refs["to"], e.decision_id) for e in history.of_kind("status")]
    assert statuses[-2:] == [("refined", refined.decision_id), ("final", final.decision_id)]
    assert history.of_kind("status")[0].evidence[0]["kind"] == "log_entry"
    answered = history.of_kind("response")[0]
    assert answered.refs["disposition"] == "incorporated" and len(answered.refs["cited_by_decisions"]) == 2
    assert [d.id for d in decisions_citing(analysed, "response", response.id)] == answered.refs["cited_by_decisions"]
    memo_v2 = history.of_kind("memo")[-1]
    assert memo_v2.decision_id is not None and "+Held in mind" in memo_v2.detail
    assert "PPI-A" in history.of_kind("shown")[0].summary
