"""Review packets: a participant sees only their own words; a PPI group sees what its session chose."""

from __future__ import annotations

import docx
import pytest
from typer.testing import CliRunner

from reverie.core.errors import Conflict, InvalidInput
from reverie.services.involvement.consultations import list_consultations, show_extract
from reverie.services.involvement.packets import build_packet, write_packet
from reverie.services.study import participants
from reverie.services.system.auditing import recent_events
from reverie.store.models import Consultation
from tests.conftest import open_copy, reference_study


@pytest.fixture(scope="module")
def reference(tmp_path_factory, study_templates):
    study = open_copy(study_templates, "reference", reference_study, tmp_path_factory.mktemp("packets") / "study")
    yield study
    study.close()


@pytest.fixture
def fresh(study_copy):
    """A copy of its own, for a test that changes the study."""
    return study_copy("reference", reference_study)


def consultation_id(study, kind: str, who: str) -> int:
    return next(c.id for c in list_consultations(study) if c.kind == kind and c.who == who)


def test_a_member_reflection_packet_holds_only_the_participants_own_extracts(reference, tmp_path):
    path = tmp_path / "p1.html"
    result = write_packet(reference, consultation_id(reference, "member_reflection", "P1"), path, "html")

    text = path.read_text(encoding="utf-8")
    assert result.items == 2
    assert "(P1. Lines 978-81)" in text and "(P1. Lines 982-5)" in text
    for other in ("P2", "P3", "P4", "P5", "Occupational Therapist"):
        assert other not in text
    assert "I remember once a… peer support worker told us […]" in text


def test_the_draft_analysis_is_plain_prose_as_it_stood_when_shown(reference):
    packet = build_packet(reference, consultation_id(reference, "member_reflection", "P1"))

    first = packet.items[0]
    assert first.heading == "Passage 1 of your interview"
    assert first.analysis == (
        "How the topic is talked about: milk (‘any milk in the fridge’).",
        "What talking this way may do: The contrast accounts for why professionals missed the milk and "
        "elevates the peer's contribution.",
    )
    # The memo was revised after the consultation; the packet shows what was shown, not the revision.
    assert not any("held in mind" in sentence for item in packet.items for sentence in item.analysis)


def test_a_ppi_packet_holds_the_sessions_extracts_and_analyses(reference, tmp_path):
    path = tmp_path / "ppi-a.docx"
    result = write_packet(reference, consultation_id(reference, "ppi_analysis", "PPI-A"), path, "docx")

    document = docx.Document(str(path))
    text = "\n".join(p.text for p in document.paragraphs)
    assert result.items == 5
    assert "For: PPI group PPI-A" in text
    for citation in ("(P1. Lines 978-81)", "(P2. Lines 216-22)", "(P2. Lines 601-4)", "(P3. Lines 415-9)"):
        assert citation in text
    quote = next(p for p in document.paragraphs if p.text.startswith("the peer worker was in the room"))
    assert quote.paragraph_format.left_indent is not None


def test_a_design_packet_shows_the_draft_questions(reference):
    packet = build_packet(reference, consultation_id(reference, "ppi_design", "PPI-B"))

    assert packet.items[0].heading == "Draft interview questions (version 1)"
    assert packet.items[0].analysis[1].startswith("Can you tell me about a time when working with a peer")
    assert packet.introduction.startswith("These are the draft interview questions")


def test_consent_is_honoured_in_ppi_packets(fresh):
    participants.record_consent(fresh, "P3", consented_on="2018-09-02", anonymised_quotes=False)
    participants.withdraw(fresh, "P2", withdrawn_on="2019-03-30", keep_data_collected=False)

    packet = build_packet(fresh, consultation_id(fresh, "ppi_analysis", "PPI-B"))

    assert [item.citation for item in packet.items] == ["(P1. Lines 978-81)", "(P1. Lines 982-5)"]
    assert packet.omissions == (
        "An extract from P2 is left out: P2 withdrew from the study and asked for their data not to be used.",
        "An extract from P2 is left out: P2 withdrew from the study and asked for their data not to be used.",
        "An extract from P3 is left out: P3 did not agree to be quoted.",
    )
    with pytest.raises(Conflict, match="P2 has withdrawn"):
        build_packet(fresh, consultation_id(fresh, "member_reflection", "P2"))


def test_someone_elses_extract_in_a_member_reflection_is_refused(fresh, tmp_path):
    p1 = consultation_id(fresh, "member_reflection", "P1")
    show_extract(fresh, p1, "E5")

    with pytest.raises(Conflict, match="materials include an extract of P3"):
        write_packet(fresh, p1, tmp_path / "p1.html", "html")
    assert not (tmp_path / "p1.html").exists()


def test_packets_need_materials_and_a_reviewing_kind(fresh):
    with pytest.raises(InvalidInput, match="has no materials to put in a packet"):
        build_packet(fresh, consultation_id(fresh, "member_reflection", "P4"))
    with fresh.write("test.supervision") as s:
        supervision = Consultation(study_id=fresh.study_id, kind="supervision")
        s.add(supervision)
    with pytest.raises(InvalidInput, match="packets are made for member reflections and PPI consultations"):
        build_packet(fresh, supervision.id)


def test_a_key_term_stops_the_packet_and_a_written_packet_is_audited(fresh, tmp_path):
    p1 = consultation_id(fresh, "member_reflection", "P1")
    path = tmp_path / "p1.docx"
    with pytest.raises(InvalidInput, match=r"number 1 in the list\) appear in the packet"):
        write_packet(fresh, p1, path, "docx", forbidden_terms=["fridge"])
    assert not path.exists()

    write_packet(fresh, p1, path, "docx", forbidden_terms=["Tom Moore"])
    event = recent_events(fresh, 1)[0]
    assert (event.action, event.target) == ("packet.write", f"consultation:{p1}")


def test_cli_packet_command(reference, tmp_path):
    from reverie.cli import app

    path = tmp_path / "ppi.html"
    result = CliRunner().invoke(app, ["packet", str(reference.root), "--consultation",
                                      str(consultation_id(reference, "ppi_analysis", "PPI-B")),
                                      "--format", "html", "-o", str(path)])
    assert result.exit_code == 0, result.output
    assert "wrote" in result.output and "(P3. Lines 415-9)" in path.read_text(encoding="utf-8")
    result = CliRunner().invoke(app, ["packet", str(reference.root), "--consultation", "999", "--format", "md",
                                      "-o", str(path)])
    assert result.exit_code == 1 and "unknown packet format" in result.output
