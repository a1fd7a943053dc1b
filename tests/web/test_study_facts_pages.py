"""The study facts page: design, sampling, ethics, the researcher and the paper's choices, recorded in the browser.

Each test drives the real app through a signed-in TestClient and checks both what the page shows
and what the study's SQLite file holds (read with plain SQL).
"""

from __future__ import annotations

import html
import json
import re
import sqlite3
from pathlib import Path

HTMX = {"HX-Request": "true"}

FACTS = {"design": "Qualitative longitudinal interview study", "approaches": "Willig FDA\nDavies & Harré positioning",
         "paradigm": "social constructionist", "sampling_strategy": "purposive",
         "inclusion_criteria": "employed in adult MH setting\nuser-involvement work in the last 6 months",
         "setting": "Adult mental health services, one NHS Trust", "sites": "",
         "prior_relationship": "none with any participant",
         "saturation_statement": "Not claimed; n=5 justified by close reading.", "transcribed_by": "TR",
         "transcripts_returned": "no", "themes_derivation": "derived from the data", "range_style": "full",
         "page_size": "Letter", "why": "from the protocol"}


def rows(study_dir: Path, sql: str, *args) -> list[tuple]:
    with sqlite3.connect(study_dir / "study.db") as db:
        return db.execute(sql, args).fetchall()


def slot(page: str, form: str, name: str = "") -> str:
    slot_id = f"{form}-{name}-error" if name else f"{form}-error"
    found = re.search(rf'<p class="field-error" id="{slot_id}"[^>]*>([^<]*)</p>', page)
    assert found, f"no error slot {slot_id} in the answer"
    return html.unescape(found[1])


def field_value(page: str, form: str, name: str) -> str:
    found = re.search(rf'id="{form}-{name}"[^>]*value="([^"]*)"', page)
    assert found, f"no control {form}-{name}"
    return html.unescape(found[1])


def test_the_page_is_linked_and_says_what_is_not_recorded(client):
    page = client.get("/study").text

    assert '<h1>Study facts</h1>' in page
    assert re.search(r'<a href="[^"]*/study">Study</a>', page)
    assert "None recorded: the report says MISSING." in page
    for label in ("Design", "Sampling strategy", "Relationship with participants before the study",
                  "Data saturation statement", "Who transcribed", "Transcripts returned to participants",
                  "Citation style (line ranges)", "Page size", "Approving body", "Credentials"):
        assert f">{html.escape(label)}</label>" in page, label
    # Nothing recorded yet, so nothing is chosen but "not recorded"; the page size starts at A4.
    assert re.search(r'<option value="A4" selected>', page)
    assert re.search(r'id="study-facts-transcripts_returned"[^>]*>\s*<option value="" selected>not recorded', page)


def test_saving_the_facts_records_them_audited_and_shows_them(client, study_dir):
    answer = client.post("/study", data=FACTS, headers=HTMX)

    assert answer.status_code == 200 and answer.headers["HX-Redirect"].endswith("/study")
    settings, style, approaches, criteria, sampling = rows(
        study_dir, "SELECT settings, citation_style, approaches, inclusion_criteria, sampling_strategy FROM studies")[0]
    facts = json.loads(settings)["facts"]
    assert facts == {"design": FACTS["design"], "prior_relationship": "none with any participant",
                     "transcribed_by": "TR", "transcripts_returned": "no", "themes_derivation": "derived from the data",
                     "page_size": "Letter"}
    assert json.loads(style)["range_style"] == "full"
    assert json.loads(approaches) == ["Willig FDA", "Davies & Harré positioning"]
    assert len(json.loads(criteria)) == 2 and sampling == "purposive"
    action, why = rows(study_dir, "SELECT action, why FROM audit_events ORDER BY seq DESC LIMIT 1")[0]
    assert (action, why) == ("study.update", "from the protocol")

    page = client.get("/study").text
    assert field_value(page, "study-facts", "design") == FACTS["design"]
    assert '<option value="Letter" selected>' in page and '<option value="full" selected>' in page
    assert "Davies &amp; Harré positioning" in page

    # Saving again unchanged writes nothing; clearing a fact makes it unrecorded again.
    events = rows(study_dir, "SELECT count(*) FROM audit_events")[0][0]
    client.post("/study", data=FACTS, headers=HTMX)
    assert rows(study_dir, "SELECT count(*) FROM audit_events")[0][0] == events
    client.post("/study", data={**FACTS, "transcripts_returned": ""}, headers=HTMX)
    assert "transcripts_returned" not in json.loads(rows(study_dir, "SELECT settings FROM studies")[0][0])["facts"]


def test_a_refused_fact_shows_beside_its_field_and_keeps_what_was_typed(client, study_dir):
    too_long = "purposive " * 20
    answer = client.post("/study", data={**FACTS, "sampling_strategy": too_long}, headers=HTMX)

    assert answer.status_code == 422
    assert "keep it to 120 characters" in slot(answer.text, "study-facts", "sampling_strategy")
    assert slot(answer.text, "study-facts", "page_size") == ""

    # A plain post (no script) gets the page back with the message beside the control and the text kept.
    page = client.post("/study", data={**FACTS, "page_size": "Tabloid"}).text
    assert "page size 'Tabloid' is not one of: A4, Letter" in slot(page, "study-facts", "page_size")
    assert field_value(page, "study-facts", "design") == FACTS["design"]
    assert "facts" not in json.loads(rows(study_dir, "SELECT settings FROM studies")[0][0])


def test_an_ethics_approval_is_added_and_listed_and_a_bad_date_is_refused_beside_it(client, study_dir):
    answer = client.post("/study/ethics", data={"body": "University REC", "reference": "REC 18/042",
                                                "approved_on": "2018-05-01"}, headers=HTMX)
    assert answer.status_code == 200
    assert rows(study_dir, "SELECT body, reference, approved_on FROM ethics_approvals") == [
        ("University REC", "REC 18/042", "2018-05-01")]
    assert "University REC · REC 18/042 · approved 2018-05-01" in client.get("/study").text

    page = client.post("/study/ethics", data={"body": "HRA", "reference": "IRAS 237366", "approved_on": "1/6/18"}).text
    assert "invalid approval date '1/6/18': use YYYY-MM-DD" in slot(page, "ethics", "approved_on")
    assert field_value(page, "ethics", "reference") == "IRAS 237366"
    answer = client.post("/study/ethics", data={"body": " ", "reference": "x"}, headers=HTMX)
    assert "approving body" in slot(answer.text, "ethics", "body")
    assert len(rows(study_dir, "SELECT id FROM ethics_approvals")) == 1


def test_the_researcher_profile_is_saved_and_names_the_report_author(client, study_dir):
    answer = client.post("/study/researcher", data={
        "label": "TR", "name": "Tess Researcher", "credentials": "MSc", "occupation": "Trainee clinical psychologist",
        "gender": "female", "experience_training": "Trained in qualitative interviewing",
        "berger_position": "shared_experience", "statement": ""}, headers=HTMX)

    assert answer.status_code == 200
    assert rows(study_dir, "SELECT name, credentials, occupation, berger_position FROM researchers WHERE label='TR'") \
        == [("Tess Researcher", "MSc", "Trainee clinical psychologist", "shared_experience")]
    assert "Trainee clinical psychologist" in client.get("/study").text
    assert '<p class="author">Tess Researcher</p>' in client.get("/report").text

    refused = client.post("/study/researcher", data={"label": "", "name": "Someone"}, headers=HTMX)
    assert "initials are needed" in slot(refused.text, "researcher", "label")


def test_the_report_page_previews_the_report_with_missing_facts_and_checks_apart(client, study_dir):
    page = client.get("/report").text

    preview = page.split('<article class="report-preview"', 1)[1].split("</article>", 1)[0]
    assert "<h2>Method</h2>" in preview and "Design: MISSING." in preview
    assert "Relationship with participants before the study: MISSING." in preview
    assert "Table 1. Participants" in preview
    client.post("/study", data=FACTS, headers=HTMX)
    preview = client.get("/report").text.split('<article class="report-preview"', 1)[1]
    assert f"Design: {FACTS['design']}; approach: Willig FDA; Davies &amp; Harré positioning." in preview
    assert "Relationship with participants before the study: none with any participant." in preview
