"""The reflexive log: templates, anchors, append-only versions, and affect-guided selection."""

from __future__ import annotations

import pytest

from reverie.core.errors import Conflict, InvalidInput
from reverie.services.analysis.decisions import list_decisions
from reverie.services.analysis.extracts import add_extract, get_extract
from reverie.services.analysis.reflexivity import (
    Anchor,
    add_entry,
    affect_lines,
    list_entries,
    revise_entry,
    set_study_template,
    study_template,
)

FEELING = {"observation": "She lowered her voice.", "interpretation": "Milk stands for care.",
           "emotional_response": "I felt moved."}


def test_three_part_is_the_default_and_other_templates_are_configurable(populated):
    assert study_template(populated) == "three_part"
    added = add_entry(populated, FEELING, affect_intensity=2, tags=["methodological_decision"])
    assert list_entries(populated)[0].parts == FEELING
    with pytest.raises(InvalidInput, match="has no part"):
        add_entry(populated, {"schedule_logistics": "Booked rooms"})
    set_study_template(populated, "lincoln_guba")
    add_entry(populated, {"schedule_logistics": "Booked rooms"})
    assert [e.template for e in list_entries(populated)] == ["three_part", "lincoln_guba"]
    assert list_entries(populated, tag="methodological_decision")[0].id == added.entry_id
    with pytest.raises(InvalidInput, match="0-3"):
        add_entry(populated, FEELING, template="three_part", affect_intensity=4)
    with pytest.raises(InvalidInput, match="stage"):
        add_entry(populated, FEELING, template="three_part", stage="lunch")


def test_anchors_name_interviews_times_lines_extracts(populated):
    add_extract(populated, "P1", 7, 8, why="Humbling")
    add_entry(populated, FEELING, anchors=[Anchor(participant="P1", time_s=312.5, lines=(3, 5)),
                                           Anchor(extract="E1")])
    assert list_entries(populated)[0].anchors == ("P1 R1 at 312.5s lines 3-5", "E1")
    with pytest.raises(InvalidInput, match="outside"):
        add_entry(populated, FEELING, anchors=[Anchor(participant="P1", lines=(3, 50))])
    with pytest.raises(InvalidInput, match="participant"):
        add_entry(populated, FEELING, anchors=[Anchor(lines=(3, 5))])


def test_edits_make_a_new_version_and_keep_the_first_impression(populated):
    first = add_entry(populated, FEELING, affect_intensity=3)
    second = revise_entry(populated, first.entry_id, parts={"interpretation": "Milk as being held in mind."})
    assert second.version == 2
    with pytest.raises(Conflict, match="already been revised"):
        revise_entry(populated, first.entry_id, parts={"interpretation": "again"})
    latest = list_entries(populated)
    assert [(e.id, e.version) for e in latest] == [(second.entry_id, 2)]
    assert latest[0].parts["observation"] == FEELING["observation"] and latest[0].affect_intensity == 3
    everything = list_entries(populated, include_superseded=True)
    assert everything[0].parts["interpretation"] == "Milk stands for care." and everything[0].superseded


def test_flagging_lines_creates_a_candidate_extract_with_the_entry_as_rationale(populated):
    with pytest.raises(InvalidInput, match="line anchor"):
        add_entry(populated, FEELING, flags_extract_candidate=True)
    added = add_entry(populated, FEELING, affect_intensity=3, flags_extract_candidate=True,
                      anchors=[Anchor(participant="P1", lines=(3, 5))])
    extract = get_extract(populated, added.extract)
    assert extract.status == "candidate" and extract.selection_sources == ("researcher_affect",)
    decision = next(d for d in list_decisions(populated) if d.id == added.decision_id)
    assert decision.type == "select_extract"
    assert decision.evidence_refs == [{"kind": "log_entry", "id": added.entry_id}]


def test_flagging_lines_already_selected_links_to_that_extract(populated):
    add_extract(populated, "P1", 7, 8, why="Exemplifies expertise", selection_sources=["discursive_object"])
    added = add_entry(populated, FEELING, affect_intensity=2, flags_extract_candidate=True,
                      anchors=[Anchor(participant="P1", lines=(7, 8))])
    assert added.extract == "E1"
    assert get_extract(populated, "E1").selection_sources == ("discursive_object", "researcher_affect")
    assert [d.type for d in list_decisions(populated)] == ["select_extract", "select_extract"]


def test_affect_lines_strongest_first(populated):
    add_entry(populated, {"emotional_response": "Mild unease"}, affect_intensity=1,
              anchors=[Anchor(participant="P1", lines=(10, 11))])
    add_entry(populated, FEELING, affect_intensity=3, flags_extract_candidate=True,
              anchors=[Anchor(participant="P1", lines=(3, 5))])
    add_entry(populated, {"observation": "No lines here"}, affect_intensity=3)
    found = affect_lines(populated)
    assert [(a.first, a.last, a.intensity, a.extract) for a in found] == [(3, 5, 3, "E1"), (10, 11, 1, None)]
    assert found[0].feeling == "I felt moved."
