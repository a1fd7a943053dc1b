"""The reference study fixture (METHOD.md §11) holds together: themes, numbers, responses, provenance."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from reverie.services.analysis.extracts import extract_problems, list_extracts
from reverie.services.analysis.provenance import extract_history
from reverie.services.analysis.themes import list_themes, report_numbering
from reverie.services.involvement.consultations import list_consultations, list_groups
from reverie.services.study.interviews import list_interviews
from reverie.services.study.participants import participant_table
from reverie.services.transcripts.versions import show_lines
from reverie.store.models import Extract, Response
from tests.conftest import open_copy, reference_study
from tests.fixtures.reference_study import EXPECTED_CITATIONS

# The five extracts' citations; the two running-text quotations follow them in the report.
EXTRACT_CITATIONS = EXPECTED_CITATIONS[:5]


@pytest.fixture(scope="module")
def reference(tmp_path_factory, study_templates):
    study = open_copy(study_templates, "reference", reference_study, tmp_path_factory.mktemp("reference") / "study")
    yield study
    study.close()


def test_people_and_interviews(reference):
    assert [row[:3] for row in participant_table(reference).rows][3] == ("P4", "M", "Social Worker")
    interviews = list_interviews(reference)
    assert len(interviews) == 10
    first = [i for i in interviews if i.round == 1]
    second = [i for i in interviews if i.round == 2]
    assert all(i.purpose == "narrative" and 45 <= i.duration_min <= 80 and i.status == "analysed" for i in first)
    assert all(i.purpose == "member_reflection" and 25 <= i.duration_min <= 45 and i.recordings == 1
               and i.transcript_versions == 0 for i in second)
    assert {i.location_type for i in interviews} == {"workplace"}


def test_the_paper_line_numbers_exist(reference):
    lines = {line.number: line.text for line in show_lines(reference, "P1", 1, first=978, last=987)}
    assert lines[978].startswith("I remember once a")
    assert lines[982].startswith("as a professional it was kind of")
    assert "really important" in lines[987]
    assert "psychology or tablets" in show_lines(reference, "P4", 1, first=527, last=527)[0].text


def test_five_final_extracts_in_three_themes(reference):
    finals = list_extracts(reference, status="final")
    assert len(finals) == 5 and all(extract_problems(reference, e.handle) == [] for e in finals)
    assert [(t.label, t.extracts) for t in list_themes(reference)] == [
        ("The 'Little' Things", ("E1", "E2")), ("Embodied affect", ("E4", "E3")), ("Challenge", ("E5",))]
    assert [e.status for e in list_extracts(reference) if e.handle == "E6"] == ["set_aside"]


def test_report_numbering_gives_the_paper_numbers(reference):
    numbered = report_numbering(reference)
    assert [n.citation for n in numbered] == EXTRACT_CITATIONS
    assert [n.handle for n in numbered] == ["E1", "E2", "E4", "E3", "E5"]


def test_consultations_groups_and_the_recorded_responses(reference):
    assert [g["label"] for g in list_groups(reference)] == ["PPI-A", "PPI-B"]
    kinds = [c.kind for c in list_consultations(reference)]
    assert kinds.count("ppi_design") == 2 and kinds.count("ppi_analysis") == 2
    assert kinds.count("member_reflection") == 5
    responses = [r for c in list_consultations(reference) for r in c.responses]
    p2 = next(r for r in responses if r.respondent == "P2")
    assert p2.types == ("affirm", "extend") and p2.target == "memo on E4" and p2.disposition == "incorporated"
    milk = [r for r in responses if r.target == "construction 'milk' in E1"]
    assert {r.respondent for r in milk} == {"P1", "PPI-A", "PPI-B"}
    assert {r.disposition for r in milk} == {"incorporated"}


def test_extract_1_provenance_shows_ppi_and_participant_extension(reference):
    history = extract_history(reference, "E1")
    assert history.events[0].kind == "flagged" and "moved" in history.events[0].summary
    shown = [e.summary for e in history.of_kind("shown")]
    assert shown == ["shown in member reflection P1 with memo version 1",
                     "shown in ppi analysis PPI-A with memo version 1",
                     "shown in ppi analysis PPI-B with memo version 1"]
    responses = history.of_kind("response")
    assert [r.summary.split(" ")[0] for r in responses] == ["P1", "PPI-A", "PPI-B"]
    assert all(len(r.refs["cited_by_decisions"]) == 2 for r in responses)
    refined = next(e for e in history.of_kind("status") if e.refs["to"] == "refined")
    assert {ref["id"] for ref in refined.evidence} == {r.refs["response"] for r in responses}
    assert "held in mind" in history.of_kind("memo")[-1].detail
    assert history.status == "final"


def test_counts_equal_records(reference):
    """§10.8 (6): what the views count is what is stored."""
    with reference.read() as s:
        assert s.execute(select(func.count(Extract.id)).where(Extract.status == "final")).scalar() == \
            len(report_numbering(reference))
        assert s.execute(select(func.count(Response.id))).scalar() == \
            sum(len(c.responses) for c in list_consultations(reference))
