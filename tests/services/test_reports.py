"""Reports over the reference-like study: the seven citations, COREQ values, consent, key terms."""

from __future__ import annotations

import re

import docx
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from reverie.core.errors import InvalidInput, NotFound
from reverie.services.output.reports import (
    checklist,
    collect_report,
    reports,
    set_inline_quotes,
    write_report,
)
from reverie.services.study import participants
from reverie.services.study.studies import verify_audit
from reverie.services.system.auditing import recent_events
from reverie.store.models import Extract
from tests.conftest import open_copy
from tests.fixtures.reference_study import EXPECTED_CITATIONS, build_reference_study

# The paper's two short quotations in running text (METHOD.md §11 inline_citations).
INLINE = [{"participant": "P1", "line": 987, "quote": "really important"},
          {"participant": "P4", "line": 527, "quote": "psychology or tablets"}]

EXPECTED_COREQ_AUTO = {12: 5, 18: "2 per participant (10)", 21: {"R1": "45–80 min", "R2": "25–45 min"},
                       14: "workplace", 19: "audio", 23: "no", 28: "yes", 10: "purposive", 11: "email", 6: "none"}


def reference_with_quotes(root):
    study = build_reference_study(root)
    set_inline_quotes(study, INLINE, why="the paper quotes P1 and P4 in running text")
    return study


def _with_quotes(place, _database):
    return reference_with_quotes(place)


@pytest.fixture(scope="module")
def reference(tmp_path_factory, study_templates):
    """One copy for the module: the tests using it only read, or write report files and Report rows."""
    target = tmp_path_factory.mktemp("reference") / "study"
    study = open_copy(study_templates, "reference-with-quotes", _with_quotes, target)
    yield study
    study.close()


@pytest.fixture
def fresh(study_copy):
    """A copy of its own, for a test that changes the study."""
    return study_copy("reference-with-quotes", _with_quotes)


def test_the_report_holds_exactly_the_seven_reference_citations(reference):
    data = collect_report(reference)

    assert data.citations == EXPECTED_CITATIONS
    assert [t.label for t in data.themes] == ["The 'Little' Things", "Embodied affect", "Challenge"]
    assert data.omissions == ()


@pytest.mark.parametrize("fmt", ["md", "html", "docx"])
def test_every_format_prints_every_citation(reference, tmp_path, fmt):
    path = tmp_path / f"report.{fmt}"
    write_report(reference, path, fmt)

    if fmt == "docx":
        document = docx.Document(str(path))
        text = "\n".join(p.text for p in document.paragraphs)
    else:
        text = path.read_text(encoding="utf-8")
    for citation in EXPECTED_CITATIONS:
        assert citation in text


def test_coreq_auto_values_match_the_records(reference):
    coreq = {fill.item_no: fill for fill in checklist(reference, "coreq")}

    assert {n: coreq[n].value for n in EXPECTED_COREQ_AUTO} == EXPECTED_COREQ_AUTO
    assert all(coreq[n].status == "filled" for n in EXPECTED_COREQ_AUTO)
    assert coreq[22].status == "needs text" and coreq[15].status == "MISSING"


def test_gripp2_items_2_to_4_list_both_groups_and_their_consultations(reference):
    gripp = {fill.item_no: fill.text for fill in checklist(reference, "gripp2")}

    for number in (2, 3, 4):
        assert "PPI-A" in gripp[number] and "PPI-B" in gripp[number]
        assert "design" in gripp[number] and "analysis" in gripp[number]
    assert "PPI-A (service users; members of a forum informing MH service developments): design 2018-06-01 " \
           "(1 item shown), analysis 2019-04-02 (5 items shown)" in gripp[2]
    assert "PPI-A: design: no responses recorded; analysis: 1 incorporated" in gripp[3]
    assert re.search(r"PPI-B: [1-9]\d* decisions? evidenced by its responses", gripp[4])


def test_the_identifiability_warning_fires_for_unique_professions(reference):
    warnings = collect_report(reference).warnings

    assert any("P5 is the only participant whose profession is 'Psychiatrist'" in w for w in warnings)
    assert any("P1 is the only participant whose profession is 'Occupational Therapist' and is quoted" in w
               for w in warnings)


def test_methods_paragraph_is_computed_from_the_records(reference):
    methods = " ".join(collect_report(reference).methods)

    assert "5 participants took part in 10 interviews over 2 rounds." in methods
    assert "Round 1: 5 interviews lasting 45–80 minutes." in methods
    assert ("Round 2: 5 interviews lasting 25–45 minutes, held 4 months after round 1; "
            "audio recorded, not transcribed.") in methods
    assert "transcribed by TM" in methods
    assert "PPI-A" in methods and "PPI-B" in methods and "design, analysis" in methods


def test_a_participant_who_refused_quotes_is_never_quoted_and_the_gap_is_noted(fresh, tmp_path):
    participants.record_consent(fresh, "P3", consented_on="2018-09-02", anonymised_quotes=False)
    participants.record_consent(fresh, "P4", consented_on="2018-09-02", anonymised_quotes=False)

    path = tmp_path / "report.md"
    result = write_report(fresh, path, "md")

    text = path.read_text(encoding="utf-8")
    assert "P3, Nurse" not in text and "the peer worker was in the room" not in text and "P3." not in text
    assert "(P4. Line 527)" not in text and "psychology or tablets" not in text
    assert "An extract from P3 (lines 415-9) is left out here: P3 did not agree to be quoted." in text
    assert "A short quotation from P4 is left out: P4 did not agree to be quoted." in result.omissions
    assert list(result.citations) == EXPECTED_CITATIONS[:4] + ["(P1. Line 987)"]


def test_a_withdrawal_without_keeping_data_removes_the_participant(fresh):
    participants.withdraw(fresh, "P2", withdrawn_on="2019-04-01", keep_data_collected=False)

    data = collect_report(fresh)

    assert data.citations == [EXPECTED_CITATIONS[0], EXPECTED_CITATIONS[1],
                              "(Extract 3. P3, Nurse. Lines 415-9)", "(P1. Line 987)", "(P4. Line 527)"]
    assert "P2" not in [row[0] for row in data.table1.rows]
    assert any("P2 withdrew from the study" in note for note in data.themes[1].omissions)
    coreq = {fill.item_no: fill for fill in data.checklists if fill.checklist == "coreq"}
    assert coreq[12].value == 4 and coreq[18].value == "2 per participant (8)"
    assert coreq[13].value == "0 declined, 1 withdrew"


def test_a_withdrawal_that_keeps_data_still_quotes_them(fresh):
    participants.withdraw(fresh, "P2", withdrawn_on="2019-04-01", keep_data_collected=True)

    data = collect_report(fresh)

    assert data.citations == EXPECTED_CITATIONS
    coreq = {fill.item_no: fill for fill in data.checklists if fill.checklist == "coreq"}
    assert coreq[12].value == 5


def test_a_participant_who_withdrew_but_kept_their_data_is_counted_the_same_everywhere(fresh):
    participants.withdraw(fresh, "P2", withdrawn_on="2019-04-01", keep_data_collected=True)

    data = collect_report(fresh)

    table1 = [row[0] for row in data.table1.rows]
    assert table1 == ["P1", "P2", "P3", "P4", "P5"]
    assert [row[0] for row in participants.participant_table(fresh).rows] == table1
    assert "5 participants took part in 10 interviews over 2 rounds." in " ".join(data.methods)
    coreq = {fill.item_no: fill for fill in data.checklists if fill.checklist == "coreq"}
    assert coreq[12].value == 5
    assert coreq[13].value == "0 declined, 1 withdrew"
    assert "(5 participants)" in str(coreq[16].value)
    assert coreq[18].value == "2 per participant (10)"
    # The stored records say the same: P2 withdrew, and their data were kept.
    assert participants.consent_status(fresh, "P2").withdrawn
    assert participants.consent_status(fresh, "P2").keep_data_collected


@pytest.mark.parametrize("fmt", ["md", "html", "docx"])
def test_a_term_from_the_pseudonym_key_stops_the_report(fresh, tmp_path, fmt):
    with fresh.write("test.leak") as s:
        extract = s.execute(select(Extract).where(Extract.handle_no == 5)).scalar_one()
        extract.display_text = "the peer worker, Mrs O'Connor & co, was in the room"
    path = tmp_path / f"report.{fmt}"

    with pytest.raises(InvalidInput, match=r"1 term\(s\) from the pseudonym key \(number 2 in the list\)") as caught:
        write_report(fresh, path, fmt, forbidden_terms=["Jane Doe", "o'connor"])

    assert "connor" not in str(caught.value).lower()
    assert not path.exists() and not list(tmp_path.glob(".*.part"))
    assert reports(fresh) == []
    write_report(fresh, path, fmt, forbidden_terms=["Jane Doe"])
    assert path.exists()


def test_each_report_is_recorded_with_its_numbering_and_audited(fresh, tmp_path):
    first = write_report(fresh, tmp_path / "one.md", "md", title="Draft one")
    second = write_report(fresh, tmp_path / "two.html", "html", checklists=True)

    rows = reports(fresh)
    assert [(r.version, r.format, r.title) for r in rows] == [
        (1, "md", "Draft one"), (2, "html", "What NHS mental health professionals value about peer support workers")]
    assert rows[0].id == first.report_id and second.version == 2
    # Handles follow creation; the report numbers by first appearance (P2 601-4 is shown before 216-22).
    assert rows[0].extract_numbering == {"E1": 1, "E2": 2, "E4": 3, "E3": 4, "E5": 5}
    assert rows[0].settings["citations"] == EXPECTED_CITATIONS
    assert rows[0].settings["inline_quotes"][1] == {"participant": "P4", "line": 527, "last_line": 527,
                                                    "quote": "psychology or tablets"}
    assert len(rows[0].checklist_fills) == 58
    assert [e.action for e in recent_events(fresh, 2)] == ["report.write", "report.write"]
    assert verify_audit(fresh).ok
    assert "COREQ checklist" in (tmp_path / "two.html").read_text(encoding="utf-8")
    assert "COREQ checklist" not in (tmp_path / "one.md").read_text(encoding="utf-8")


def test_word_report_has_a_real_table_and_indented_quotes(reference, tmp_path):
    path = tmp_path / "report.docx"
    write_report(reference, path, "docx", checklists=True)

    document = docx.Document(str(path))
    table1 = document.tables[0]
    assert [c.text for c in table1.rows[0].cells][:3] == ["Participant", "Gender", "Profession"]
    assert len(table1.rows) == 6
    assert len(document.tables) == 5  # Table 1, the extract-number appendix and three checklists
    quote = next(p for p in document.paragraphs if p.text.startswith("I remember once a… peer support worker"))
    assert quote.paragraph_format.left_indent.cm == pytest.approx(1.25, abs=0.01)
    assert quote.text.endswith("(Extract 1. P1, Occupational Therapist. Lines 978-81)")


def test_html_escapes_transcript_text(fresh, tmp_path):
    with fresh.write("test.markup") as s:
        extract = s.execute(select(Extract).where(Extract.handle_no == 1)).scalar_one()
        extract.display_text = "she said <b>no</b> [laughs] & left"
    path = tmp_path / "report.html"
    write_report(fresh, path, "html")

    text = path.read_text(encoding="utf-8")
    assert "she said &lt;b&gt;no&lt;/b&gt; [laughs] &amp; left" in text
    assert "<b>no</b>" not in text


def test_an_inline_quote_not_on_its_line_is_flagged(fresh):
    set_inline_quotes(fresh, [{"participant": "P1", "line": 987, "quote": "words never said"}])

    warnings = collect_report(fresh).warnings

    assert "'words never said' is not found in P1 lines 987-987; check the citation" in warnings


def test_inline_quotes_are_validated_when_set(fresh):
    with pytest.raises(InvalidInput, match="inline quote 1 needs participant, line and quote"):
        set_inline_quotes(fresh, [{"participant": "P1", "line": 987}])
    with pytest.raises(InvalidInput, match="last not before first"):
        set_inline_quotes(fresh, [{"participant": "P1", "line": 987, "last_line": 980, "quote": "x"}])
    with pytest.raises(NotFound, match="no participant 'P9'"):
        set_inline_quotes(fresh, [{"participant": "P9", "line": 1, "quote": "x"}])


def test_cli_report_and_checklist_commands(reference, tmp_path):
    from reverie.cli import app

    runner = CliRunner()
    folder = str(reference.root)
    path = tmp_path / "out.md"
    result = runner.invoke(app, ["report", folder, "--format", "md", "-o", str(path), "--checklists"])
    assert result.exit_code == 0, result.output
    assert "(P4. Line 527)" in path.read_text(encoding="utf-8")

    result = runner.invoke(app, ["checklist", folder, "--list", "coreq", "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert "21,Duration,AUTO,R1: 45–80 min; R2: 25–45 min,filled" in result.output

    terms = tmp_path / "key.txt"
    terms.write_text("Occupational Therapist\n", encoding="utf-8")
    result = runner.invoke(app, ["report", folder, "--format", "html", "-o", str(tmp_path / "x.html"),
                                 "--forbidden-terms", str(terms)])
    assert result.exit_code == 1 and "pseudonym key" in result.output
    result = runner.invoke(app, ["checklist", folder, "--list", "consort"])
    assert result.exit_code == 1 and "unknown checklist" in result.output


def test_who_transcribed_is_missing_until_someone_says_and_never_the_importer(populated, transcript_file):
    from reverie.services.study.interviews import add_interview
    from reverie.services.transcripts.versions import import_transcript

    methods = " ".join(collect_report(populated).methods)
    assert "Interviews were transcribed by MISSING" in methods  # imported by TM, but nobody said who typed it

    add_interview(populated, "P2", 1)
    import_transcript(populated, "P2", 1, transcript_file, layout="fixed-width", width=60,
                      transcriber="a transcription service")
    assert "Interviews were transcribed by a transcription service." in " ".join(collect_report(populated).methods)
