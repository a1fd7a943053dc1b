"""A report states only what was recorded: MISSING for facts nobody gave, A4 and the author from the study,
a notation key from the quotes, an appendix of E-numbers, and the publication checks kept out of the body."""

from __future__ import annotations

import io

import docx
import pytest
from docx.shared import Mm

from reverie.core.reportmodel import notation_key_for
from reverie.services.involvement.consultations import add_consultation
from reverie.services.output.reports import checklist, collect_report, reports, write_report
from reverie.services.study import participants
from reverie.services.study.interviews import add_interview, save_researcher
from reverie.services.study.studies import Identity, init_study, study_fact_values, update_study
from reverie.services.transcripts.versions import import_transcript
from tests.services.test_reports import EXPECTED_CITATIONS, _with_quotes


@pytest.fixture
def fresh(study_copy):
    return study_copy("reference-with-quotes", _with_quotes)


@pytest.fixture
def bare(tmp_path):
    """A study where nobody recorded any study fact: two participants, one transcribed interview, a
    member reflection kept in notes."""
    study = init_study(tmp_path / "bare", title="Bare study", identity=Identity("Ada Lovelace", "AL"))
    for code in ("P1", "P2"):
        participants.add_participant(study, code, gender="F", profession="Nurse", setting="Community")
    add_interview(study, "P1", 1, held_on="2020-01-10", duration_min=50)
    source = tmp_path / "p1.txt"
    source.write_text("I: Tell me about it.\nP1: It was fine, really.\n", encoding="utf-8")
    import_transcript(study, "P1", 1, source, layout="per_turn")
    add_consultation(study, "member_reflection", participant="P1", held_on="2020-05-01", duration_min=30,
                     recording="notes_only")
    yield study
    study.close()


def _coreq(study):
    return {fill.item_no: fill for fill in checklist(study, "coreq")}


def test_a_fact_nobody_recorded_is_missing_in_the_checklists_never_a_default(bare):
    coreq = _coreq(bare)

    assert coreq[6].status == "MISSING" and "none" not in coreq[6].text
    assert coreq[23].status == "MISSING" and coreq[23].text != "no"
    srqr = {fill.item_no: fill for fill in checklist(bare, "srqr")}
    assert srqr[9].status == "MISSING"  # no ethics approval recorded

    update_study(bare, why="from the protocol", prior_relationship="none with any participant",
                 transcripts_returned="no", transcribed_by="AL", themes_derivation="derived from the data")
    coreq = _coreq(bare)
    assert (coreq[6].value, coreq[6].status) == ("none with any participant", "filled")
    assert (coreq[23].value, coreq[23].status) == ("no", "filled")
    assert coreq[26].value == "derived from the data"
    assert study_fact_values(bare)["transcripts_returned"] == "no"


def test_a_participant_added_without_a_relationship_has_none_recorded(bare):
    assert participants.get_participant(bare, "P1").prior_relationship == ""
    participants.update_participant(bare, "P1", prior_relationship="former colleague")

    coreq = _coreq(bare)
    # One participant recorded, one not: the value says so and asks to be confirmed.
    assert coreq[6].text == "former colleague (1), not recorded (1)" and coreq[6].status == "needs confirming"


def test_theme_derivation_from_the_default_origin_is_missing(fresh):
    assert _coreq(fresh)[26].status == "MISSING"
    update_study(fresh, themes_derivation="derived from the data")
    assert (_coreq(fresh)[26].value, _coreq(fresh)[26].status) == ("derived from the data", "needs confirming")


def test_the_method_says_missing_and_how_interviews_were_really_kept(bare):
    methods = " ".join(collect_report(bare).methods)

    assert "Design: MISSING." in methods and "Ethics approval: MISSING." in methods
    assert "Relationship with participants before the study: MISSING." in methods
    assert "Transcripts returned to participants: MISSING." in methods
    assert "Data saturation: MISSING." in methods
    assert "2 participants took part in 2 interviews over 2 rounds." in methods
    assert "Round 2: 1 interview lasting 30 minutes, held 3 months after round 1; recorded in notes, not " \
           "transcribed." in methods
    assert "audio recorded" not in methods and "round(s)" not in methods and "(s)" not in methods


def test_the_reference_method_keeps_audio_for_its_recorded_member_reflections(fresh):
    methods = " ".join(collect_report(fresh).methods)

    assert "audio recorded, not transcribed." in methods
    assert "Transcripts returned to participants: no." in methods
    assert "Relationship with participants before the study: none." in methods


def test_the_word_report_is_a4_by_default_and_names_the_author(fresh, tmp_path):
    save_researcher(fresh, "TM", credentials="MSc")
    result = write_report(fresh, tmp_path / "report.docx", "docx")
    document = docx.Document(io.BytesIO(result.content))

    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert document.core_properties.author == "Tom Moore"
    recorded = reports(fresh)[-1].settings
    assert (recorded["author"], recorded["page_size"]) == ("Tom Moore", "A4")
    assert document.core_properties.title == "What NHS mental health professionals value about peer support workers"
    text = "\n".join(p.text for p in document.paragraphs)
    assert all(citation in text for citation in EXPECTED_CITATIONS)

    update_study(fresh, page_size="Letter")
    letter = docx.Document(io.BytesIO(write_report(fresh, None, "docx").content)).sections[0]
    assert (letter.page_width, letter.page_height) == (Mm(215.9), Mm(279.4))
    html = write_report(fresh, None, "html").content.decode()
    assert "@page{size:letter}" in html and '<meta name="author" content="Tom Moore">' in html


def test_the_author_follows_the_researcher_profile(fresh):
    assert collect_report(fresh).author == "Tom Moore"
    save_researcher(fresh, "TM", name="Thomas Moore")
    assert collect_report(fresh).author == "Thomas Moore"
    assert write_report(fresh, None, "md").content.decode().startswith(
        "# What NHS mental health professionals value about peer support workers\n\n*Thomas Moore*\n")


def test_the_notation_key_lists_only_the_marks_the_quotes_use(fresh):
    # E1's display text has a pause (…) and an elision ([…]); no other extract uses any mark.
    assert collect_report(fresh).notation_key == (("[…]", "words left out of the extract"),
                                                  ("…", "pause (not timed)"))
    assert notation_key_for([("verbatim_health", "and um [the ward] was (laughs) busy")]) == (
        ("um, umm", "filler, kept as spoken"), ("[word]", "words added to clarify, or replacing identifying details"),
        ("(laughs)", "non-verbal sound or action"))
    assert notation_key_for([("jefferson_lite", "it was (0.5) RE:ALLY °hard°")]) == (
        ("(0.5)", "timed silence in seconds"), ("wo:rd", "stretched sound"),
        ("WORD", "louder than the surrounding talk"), ("°word°", "quieter than the surrounding talk"))
    assert notation_key_for([("verbatim_health", "nothing marked here")]) == ()


def test_extract_numbers_map_back_to_e_numbers_in_an_appendix(fresh):
    data = collect_report(fresh)

    assert data.extract_handles == ((1, "E1", "P1, lines 978-81"), (2, "E2", "P1, lines 982-5"),
                                    (3, "E4", "P2, lines 601-4"), (4, "E3", "P2, lines 216-22"),
                                    (5, "E5", "P3, lines 415-9"))
    text = write_report(fresh, None, "md").content.decode()
    appendix = text.split("## Appendix: extract numbers and their records", 1)[1]
    assert "| 3 | E4 | P2, lines 601-4 |" in appendix


@pytest.mark.parametrize("fmt", ["md", "html", "docx"])
def test_publication_checks_stay_out_of_the_body(fresh, fmt):
    participants.record_consent(fresh, "P3", consented_on="2018-09-02", anonymised_quotes=False)
    from reverie.formats.report_writers import rendered_text

    text = rendered_text(write_report(fresh, None, fmt).content, fmt)
    body, appendix = text.split("Appendix: checks before publication", 1)
    assert "identifiability" not in body and "is left out" not in body
    assert "identifiability: P5 is the only participant whose profession is 'Psychiatrist'" in appendix
    assert "An extract from P3 (lines 415-9) is left out here: P3 did not agree to be quoted." in appendix
    assert body.index("Findings") < body.index("Appendix: extract numbers")


def test_identifiability_is_checked_against_every_table_1_descriptor(fresh):
    warnings = collect_report(fresh).warnings

    assert any("P1 is the only participant whose mental health work setting is 'Acute Care' and is described by "
               "it in Table 1 and quoted in the report" in w for w in warnings)
    assert any("P4 is the only participant whose mental health work setting is 'Specialist Services'" in w
               for w in warnings)
    # Shared values are no risk: three work in Community, all five have >15 years, two of each gender.
    assert not any("'Community'" in w or "'>15'" in w or "gender is" in w for w in warnings)
    assert any("P5 is the only participant whose profession is 'Psychiatrist'" in w for w in warnings)


def test_the_seven_reference_citations_are_unchanged(fresh):
    assert collect_report(fresh).citations == EXPECTED_CITATIONS
