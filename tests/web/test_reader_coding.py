"""Coding in the reader: highlighted words, removing and undoing a coding, duplicates refused,
coding from the reading view across hidden notation, drafts offering Lock, extracts and notes marked."""

from __future__ import annotations

import json

from sqlalchemy import text

from reverie.core.shown import reading, with_pauses
from reverie.services.analysis import coding, extracts, reflexivity
from reverie.services.study import interviews, participants
from reverie.services.transcripts import versions as transcripts
from tests.web.test_reader_marks import selection, window

HEADERS = {"Accept": "application/json"}
# A line with a non-verbal mark and pause notation, both hidden by the reading view.
P4_TEXT = "I: And then?\nP4: Well I was [laughs] so tired… you know (.) really tired of it all.\n"


def rows(study, sql: str, **params) -> list:
    with study.engine.connect() as connection:
        return connection.execute(text(sql), params).all()


def line_html(html: str, n: int) -> str:
    start = html.index(f'id="L{n}"')
    return html[start:html.index("</div>", start)]


def add_p4(study, tmp_path) -> None:
    participants.add_participant(study, "P4", status="consented")
    interviews.add_interview(study, "P4", 1)
    path = tmp_path / "p4.txt"
    path.write_text(P4_TEXT, encoding="utf-8")
    transcripts.import_transcript(study, "P4", 1, path, layout="per-turn")
    transcripts.lock_transcript(study, "P4", 1, why="checked")


def test_applied_codes_highlight_the_exact_words_and_overlaps_list_every_code(client):
    study = client.app.state.study
    coding.add_code(study, "milk as emblem", kind="discursive_object", color="#aa3300")
    coding.add_code(study, "care", kind="discourse", color="#0055aa")
    made = client.post("/interviews/P1/1/codings", json={**selection(study, "milk at home"), "label": "milk as emblem"})
    assert made.status_code == 200, made.text
    assert made.json()["undo"] == {"action": "apply", "id": made.json()["id"]}
    client.post("/interviews/P1/1/codings", json={**selection(study, "had milk"), "label": "care"})
    html = window(client, first=1)
    number = made.json()["lines"][0]
    line = line_html(html, number)
    # "had " is only care, "milk" both codes, " at home" only milk as emblem.
    assert '<span class="hl l1"' in line and "--c1: #0055aa;" in line
    assert 'class="hl l2"' in line and 'title="Coded: care, milk as emblem"' in line
    both = line[line.index('class="hl l2"'):]
    assert both[both.index(">") + 1:].startswith("milk</span>")
    assert ">had </span>" in line and "> at home</span>" in line
    ids = both[both.index('data-ids="') + 10:both.index('"', both.index('data-ids="') + 10)].split()
    # each id the highlight's menu lists has its label and remove control in the window's margin
    assert sorted(ids) == sorted(str(i) for (i,) in rows(study, "SELECT id FROM codings"))
    assert all(f'data-coding="{i}"' in html for i in ids)
    # the stripes: each code's bar is labelled on the line where its coding begins
    assert '<b class="stripe-label">milk as emblem</b>' in line and '<b class="stripe-label">care</b>' in line


def test_a_coding_is_removed_from_the_margin_audited_and_undone_with_its_span(client):
    study = client.app.state.study
    coding.add_code(study, "busyness", kind="discourse")
    made = client.post("/interviews/P1/1/codings", json={**selection(study, "We were all busy"),
                                                         "label": "busyness", "note": "a first reading"})
    coding_id = made.json()["id"]
    [(guid, start, end)] = rows(study, "SELECT guid, start_offset, end_offset FROM codings")
    html = window(client, first=1)
    assert f'aria-label="Remove code busyness from lines {made.json()["lines"][0]}–{made.json()["lines"][1]}"' in html

    elsewhere = client.post(f"/interviews/P2/1/codings/{coding_id}/remove", headers=HEADERS, json={})
    assert elsewhere.status_code == 404 and f"no coding {coding_id} on this transcript" in elsewhere.json()["error"]
    assert rows(study, "SELECT COUNT(*) FROM codings") == [(1,)]  # a page removes only its own transcript's codings
    removed = client.post(f"/interviews/P1/1/codings/{coding_id}/remove", json={})
    assert removed.status_code == 200, removed.text
    assert removed.json()["message"].startswith("removed 'busyness' from P1 lines")
    assert rows(study, "SELECT id FROM codings") == []
    [(payload, why)] = rows(study, "SELECT payload, why FROM audit_events WHERE action = 'coding.remove'")
    assert json.loads(payload)["guid"] == guid and json.loads(payload)["span"] == [start, end]
    assert "hl" not in line_html(window(client, first=1), made.json()["lines"][0])

    undo = client.post("/interviews/P1/1/codings/undo", json=removed.json()["undo"])
    assert undo.status_code == 200, undo.text
    assert "is back on P1" in undo.json()["message"]
    assert rows(study, "SELECT guid, start_offset, end_offset, note FROM codings") == [
        (guid, start, end, "a first reading")]
    assert rows(study, "SELECT why FROM audit_events WHERE action = 'coding.undo_remove'") == [("undo",)]

    # and the undo of an apply takes the coding off again, as its own event
    again = client.post("/interviews/P1/1/codings", json={**selection(study, "nobody else had asked"),
                                                          "label": "busyness"})
    off = client.post("/interviews/P1/1/codings/undo", json=again.json()["undo"])
    assert off.status_code == 200 and "is off P1" in off.json()["message"]
    assert rows(study, "SELECT COUNT(*) FROM codings") == [(1,)]
    assert rows(study, "SELECT COUNT(*) FROM audit_events WHERE action = 'coding.undo_add'") == [(1,)]
    gone = client.post(f"/interviews/P1/1/codings/{again.json()['id']}/remove", headers=HEADERS, json={})
    assert gone.status_code == 404 and "no coding" in gone.json()["error"]


def test_the_same_code_on_the_same_words_twice_is_refused(client):
    study = client.app.state.study
    coding.add_code(study, "humility")
    body = {**selection(study, "I did not know what to"), "label": "humility"}
    assert client.post("/interviews/P1/1/codings", json=body).status_code == 200
    twice = client.post("/interviews/P1/1/codings", headers=HEADERS, json=body)
    assert twice.status_code == 409
    assert "'humility' is already applied to exactly these words by you" in twice.json()["error"]
    assert rows(study, "SELECT COUNT(*) FROM codings") == [(1,)]
    # A second coder on the same words is how agreement between coders is read: allowed.
    study.actor = "AB"
    try:
        assert client.post("/interviews/P1/1/codings", json=body).status_code == 200
    finally:
        study.actor = "TR"
    assert rows(study, "SELECT coder FROM codings ORDER BY id") == [("TR",), ("AB",)]


def test_a_reading_view_selection_across_hidden_notation_codes_the_stored_words(client, tmp_path):
    study = client.app.state.study
    add_p4(study, tmp_path)
    shown = transcripts.show_lines(study, "P4", 1, view="reading")
    line = next(line for line in shown if line.speaker == "P4")
    assert "[laughs]" not in line.text and "…" not in line.text and "(.)" not in line.text
    words = "was so tired you know really"
    start = line.text.index(words)
    body = {"start_line": line.number, "start_offset": start, "end_line": line.number,
            "end_offset": start + len(words), "exact": words, "view": "reading", "label": "fatigue",
            "kind": "discursive_object"}
    made = client.post("/interviews/P4/1/codings", json=body)
    assert made.status_code == 200, made.text
    [(exact,)] = rows(study, "SELECT json_extract(selector, '$.exact') FROM codings")
    assert exact == "was [laughs] so tired… you know (.) really"
    # the reading view highlights exactly the words selected; the analysis view shows them with the notation
    reading_html = client.get("/interviews/P4/1/lines", params={"first": 1, "count": 5, "view": "reading"}).text
    assert f">{words}</span>" in reading_html
    analysis_html = client.get("/interviews/P4/1/lines", params={"first": 1, "count": 5}).text
    assert ">was [laughs] so tired… you know (.) really</span>" in analysis_html


def test_the_shown_text_maps_back_to_stored_offsets():
    stored = "Well I was [laughs] so tired… you know (.) really tired."
    shown = reading(stored, "verbatim-health")
    assert shown.text == "Well I was so tired you know really tired."
    a = shown.text.index("so tired")
    assert stored[shown.stored_offset(a):shown.stored_end(a + len("so tired you"))] == "so tired… you"
    assert shown.shown_offset(stored.index("really")) == shown.text.index("really")
    paused = with_pauses("I went home and slept", [(6, "(1.2)")])
    assert paused.text == "I went (1.2) home and slept"
    b = paused.text.index("home")
    assert "I went home and slept"[paused.stored_offset(b):paused.stored_end(b + 4)] == "home"


def test_a_draft_offers_lock_instead_of_coding_tools(client):
    page = client.get("/interviews/P2/1/transcript").text
    assert "Codes go on a locked version, so line numbers never change" in page
    assert 'aria-label="Lock version 1: its line numbers will never change"' in page
    assert page.count(">Lock</button>") == 1
    assert 'id="selection-menu"' not in page and 'id="dlg-code"' not in page
    locked = client.get("/interviews/P1/1/transcript").text
    assert 'id="dlg-code"' in locked and "Codes go on a locked version" not in locked
    assert 'id="stripes-toggle" aria-pressed="false"' in locked and ">Coding stripes</button>" in locked


def test_extracts_and_reflexive_notes_are_marked_where_they_begin(client):
    study = client.app.state.study
    extract = extracts.add_extract(study, "P1", 4, 5, why="the milk", title="Milk at home")
    entry = reflexivity.add_entry(study, {"observation": "her voice softened", "interpretation": "care"},
                                  anchors=[reflexivity.Anchor(participant="P1", lines=(6, 6))])
    html = window(client, first=1)
    assert extract.handle == "E1"
    line4 = line_html(html, 4)
    assert 'class="extract-mark"' in line4 and ">E1</a>" in line4 and 'href="/s-test-prefix/extracts/E1"' in line4
    assert 'aria-label="Extract E1: Milk at home, lines 4–5"' in line4
    line6 = line_html(html, 6)
    assert 'aria-label="Reflexive note on line 6"' in line6 and "her voice softened · care (TR), line 6" in line6
    assert "extract-mark" not in line_html(html, 5)
    assert rows(study, "SELECT COUNT(*) FROM log_anchors WHERE entry_id = :id AND start_line = 6",
                id=entry.entry_id) == [(1,)]
