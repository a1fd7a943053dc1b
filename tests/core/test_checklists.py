"""Checklists are complete, levelled as METHOD.md §6–7 says, and never silently blank."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest

from reverie.core.checklists import (
    ASSIST,
    AUTO,
    CHECKLISTS,
    MANUAL,
    MISSING,
    ConsultationFacts,
    PPIGroupFacts,
    RoundFacts,
    StudyFacts,
    fill_checklist,
    fill_checklists,
    parse_checklist_name,
)
from reverie.core.errors import InvalidInput
from reverie.core.reportmodel import (
    forbidden_hits,
    identifiability_warnings,
    methods_paragraph,
    plain_analysis,
)

REFERENCE = StudyFacts(
    sampling_strategy="purposive", participants=5, interviewers=("TM",) * 10,
    prior_relationships=("none",) * 5, recruitment_channels=("email",) * 5,
    interviews_per_participant=(2,) * 5, location_types=("workplace",) * 10, recording_kinds=("audio",),
    rounds=(RoundFacts(1, 5, ("narrative",), (45, 60, 80, 55, 70), 5),
            RoundFacts(2, 5, ("member_reflection",), (25, 30, 45, 35, 40), 0, (3, 5), ("audio",) * 5)),
    transcripts=5, transcripts_returned_statement="no", member_reflections=5,
    ppi_groups=(PPIGroupFacts("PPI-A", "service users", ("design", "analysis"),
                              (ConsultationFacts("ppi_design", date(2018, 4, 1), 1),
                               ConsultationFacts("ppi_analysis", date(2019, 4, 1), 3, ("incorporated",), 1))),
                PPIGroupFacts("PPI-B", "professionals", ("design", "analysis"),
                              (ConsultationFacts("ppi_design", date(2018, 5, 1), 1),
                               ConsultationFacts("ppi_analysis", date(2019, 5, 1), 3)))),
)


def _by_number(fills):
    return {fill.item_no: fill for fill in fills}


def test_each_checklist_has_its_published_number_of_items_and_levels():
    assert [len(CHECKLISTS[name]) for name in ("coreq", "srqr", "gripp2")] == [32, 21, 5]
    assert Counter(item.level for item in CHECKLISTS["coreq"]) == {AUTO: 18, ASSIST: 10, MANUAL: 4}
    assert [item.level for item in CHECKLISTS["gripp2"]] == [MANUAL, ASSIST, ASSIST, ASSIST, MANUAL]


def test_reference_facts_give_the_expected_auto_values():
    coreq = _by_number(fill_checklist("coreq", REFERENCE))
    assert {n: coreq[n].value for n in (12, 18, 21, 14, 19, 23, 28, 10, 11, 6)} == {
        12: 5, 18: "2 per participant (10)", 21: {"R1": "45–80 min", "R2": "25–45 min"}, 14: "workplace",
        19: "audio", 23: "no", 28: "yes", 10: "purposive", 11: "email", 6: "none",
    }
    assert coreq[21].text == "R1: 45–80 min; R2: 25–45 min"


def test_an_empty_study_leaves_no_item_blank():
    fills = fill_checklists(StudyFacts())
    assert len(fills) == 58
    for fill in fills:
        assert fill.text.strip(), fill
        if fill.level == AUTO and fill.item_no not in (27,):
            assert fill.status in (MISSING, "filled"), fill
    coreq = _by_number(fills[:32])
    assert coreq[12].status == MISSING and coreq[12].text.startswith("MISSING: ")
    assert coreq[22].status == "needs text"
    assert coreq[2].status == MISSING


def test_gripp2_methods_results_and_influence_name_both_groups_and_their_sessions():
    gripp = _by_number(fill_checklist("gripp2", REFERENCE))
    for number in (2, 3, 4):
        assert "PPI-A" in gripp[number].text and "PPI-B" in gripp[number].text
        assert "design" in gripp[number].text and "analysis" in gripp[number].text
    assert "2019-04-01" in gripp[2].text
    assert "1 incorporated" in gripp[3].text
    assert "PPI-A: 1 decision evidenced" in gripp[4].text


def test_uneven_counts_and_partly_returned_transcripts_are_said_plainly():
    facts = StudyFacts(interviews_per_participant=(2, 1, 2), transcripts=3, transcripts_returned=1,
                       location_types=("workplace", "workplace", ""))
    coreq = _by_number(fill_checklist("coreq", facts))
    assert coreq[18].value == "1–2 per participant (5)"
    assert coreq[23].value == "1 of 3"
    assert coreq[14].value == "workplace (2), not recorded (1)"


def test_checklist_names_are_forgiving_and_unknown_ones_refused():
    assert parse_checklist_name("GRIPP2-SF") == "gripp2"
    assert parse_checklist_name("COREQ") == "coreq"
    with pytest.raises(InvalidInput, match="choose one of coreq, srqr, gripp2"):
        parse_checklist_name("consort")


def test_methods_paragraph_states_rounds_gap_and_groups():
    text = " ".join(methods_paragraph(REFERENCE))
    assert "5 participants took part in 10 interviews over 2 rounds." in text
    assert ("Round 2: 5 interviews lasting 25–45 minutes, held 3–5 months after round 1; "
            "audio recorded, not transcribed.") in text
    assert "PPI-A (service users) was consulted at: design, analysis (2 sessions)" in text


def test_forbidden_terms_match_whole_words_in_any_case_and_report_positions_only():
    assert forbidden_hits("Said to jane SMITH at St Anne's.", ["Smith", "Ann", "", "st anne's"]) == [1, 4]


def test_a_unique_descriptor_is_flagged_whether_or_not_quoted():
    warnings = identifiability_warnings("profession", {"P1": "Nurse", "P2": "Nurse", "P5": "Psychiatrist"}, {"P1"})
    assert warnings == ("identifiability: P5 is the only participant whose profession is 'Psychiatrist' "
                        "and is described by it in Table 1; consider a coarser descriptor",)


def test_plain_analysis_reads_as_prose_and_keeps_the_researchers_affect_out():
    sentences = plain_analysis("A first reading.", {"constructions": ["milk as care", "comfort"],
                                                    "practice": {"enables": ["noticing"], "constrains": []}},
                               {"defences": ["humour"], "researcher_affect": ["I felt moved"]})
    assert sentences == ("A first reading.", "How the topic is talked about: milk as care; comfort.",
                         "What this way of talking makes possible: noticing.",
                         "Ways of protecting against them: humour.")
