"""The codebook page and a code's passages, through the real app: what the page shows and what is stored."""

from __future__ import annotations

import csv
import io

from sqlalchemy import text

from reverie.services.analysis import coding
from reverie.services.study.participants import update_participant

HX = {"HX-Request": "true"}


def _rows(client, sql: str, **params):
    with client.app.state.study.read() as s:
        return s.execute(text(sql), params).all()


def _id(client, label: str) -> int:
    return _rows(client, "SELECT id FROM codes WHERE label = :l AND status <> 'merged'", l=label)[0][0]


def _codebook(client):
    study = client.app.state.study
    coding.add_code(study, "peer role", kind="discursive_object", definition="What a peer worker is for")
    coding.add_code(study, "milk", kind="discursive_object", parent="peer role")
    coding.add_code(study, "little things", kind="subject_position")
    coding.apply_code(study, "milk", "P1", lines=(3, 4), note="first mention")
    coding.apply_code(study, "milk", "P1", lines=(6, 7))
    coding.apply_code(study, "little things", "P1", lines=(6, 6))
    return study


def test_the_codebook_shows_a_tree_with_kinds_in_words_and_counts(client):
    _codebook(client)
    page = client.get("/codebook").text
    assert '<a href="/s-test-prefix/codebook">Codebook</a>' in page  # the nav link
    assert "discursive object" in page and "discursive_object</span>" not in page
    assert "subject position" in page
    tree = page[page.index('class="code-tree"'):]
    assert tree.index("peer role") < tree.index("<ul>") < tree.index(">milk</a>")  # milk nested under peer role
    assert "2 codings · 1 participant" in page and "What a peer worker is for" in page
    assert 'aria-label="Edit milk"' in page and 'aria-label="Export milk"' in page
    forms = client.get(f"/codebook/codes/{_id(client, 'milk')}/edit").text
    for name in ("New label for milk", "Reason for renaming milk", "Definition of milk", "Colour of milk",
                 "Parent of milk", "Merge milk into", "Reason for deleting milk"):
        assert f'aria-label="{name}"' in forms, name
    assert 'type="color"' in forms and "you will be asked before they are deleted" in forms


def test_create_nest_recolour_and_describe_from_the_page(client):
    _codebook(client)
    added = client.post("/codebook/codes", headers=HX, data={
        "label": "home", "kind": "storyline", "definition": "", "color": "#123456",
        "parent": str(_id(client, "milk"))})
    assert added.status_code == 200 and "Added the code" in added.text and 'id="codebook"' in added.text
    assert _rows(client, "SELECT c.kind, c.color, p.label FROM codes c JOIN codes p ON p.id = c.parent_id "
                         "WHERE c.label = 'home'") == [("storyline", "#123456", "milk")]
    home = _id(client, "home")
    saved = client.post(f"/codebook/codes/{home}", headers=HX,
                        data={"definition": "Home as a place of care", "color": "#abcdef", "parent": ""})
    assert saved.status_code == 200 and "Home as a place of care" in saved.text
    assert _rows(client, "SELECT definition, color, parent_id FROM codes WHERE id = :i", i=home) == [
        ("Home as a place of care", "#abcdef", None)]
    little = str(_id(client, "little things"))
    dragged = client.post(f"/codebook/codes/{home}", headers=HX, data={"fields": "parent", "parent": little})
    assert dragged.status_code == 200
    assert _rows(client, "SELECT c.definition, p.label FROM codes c JOIN codes p ON p.id = c.parent_id "
                         "WHERE c.id = :i", i=home) == [("Home as a place of care", "little things")]


def test_refusals_show_beside_the_control_and_keep_what_was_typed(client):
    _codebook(client)
    taken = client.post("/codebook/codes", headers=HX, data={"label": "milk", "kind": "free", "color": "#000000",
                                                             "definition": "typed words", "parent": ""})
    assert taken.status_code == 409 and taken.headers["HX-Retarget"] == "#new-code"
    assert 'id="new-code-label-error"' in taken.text and "already exists" in taken.text
    assert 'aria-describedby="new-code-label-error"' in taken.text and "typed words" in taken.text
    peer, milk = _id(client, "peer role"), _id(client, "milk")
    cycle = client.post(f"/codebook/codes/{peer}", headers=HX, data={"parent": str(milk),
                                                                     "definition": "kept definition"})
    assert cycle.status_code == 422 and cycle.headers["HX-Retarget"] == f"#edit-{peer}"
    assert f'id="code-{peer}-parent-error"' in cycle.text and "already inside it" in cycle.text
    assert "kept definition" in cycle.text
    no_reason = client.post(f"/codebook/codes/{milk}/rename", headers=HX, data={"new_label": "dairy", "reason": ""})
    assert no_reason.status_code == 422 and f'id="code-{milk}-rename_reason-error"' in no_reason.text
    assert 'value="dairy"' in no_reason.text
    assert _rows(client, "SELECT parent_id FROM codes WHERE id = :i", i=peer) == [(None,)]
    # Without HTMX the whole page answers, the code's forms open with the message.
    plain = client.post(f"/codebook/codes/{milk}/rename", data={"new_label": "little things", "reason": "x"})
    assert plain.status_code == 409 and "<details" in plain.text and "already exists" in plain.text


def test_rename_merge_and_delete_are_decisions_and_delete_asks_for_the_count(client):
    _codebook(client)
    milk = _id(client, "milk")
    renamed = client.post(f"/codebook/codes/{milk}/rename", headers=HX,
                          data={"new_label": "milk at home", "reason": "Closer to the talk"})
    assert "Renamed &#39;milk&#39; to &#39;milk at home&#39;" in renamed.text
    little = _id(client, "little things")
    merged = client.post(f"/codebook/codes/{little}/merge", headers=HX,
                         data={"into": str(milk), "reason": "Same object"})
    assert "Merged" in merged.text
    assert _rows(client, "SELECT COUNT(*) FROM codings WHERE code_id = :i", i=milk) == [(3,)]
    asked = client.post(f"/codebook/codes/{milk}/delete", headers=HX, data={"reason": "Too broad"})
    assert asked.status_code == 200 and asked.headers["HX-Retarget"] == f"#edit-{milk}"
    assert "Delete 'milk at home' and its 3 codings?" in asked.text
    assert 'name="confirm_codings" value="3"' in asked.text and 'value="Too broad"' in asked.text
    assert _rows(client, "SELECT COUNT(*) FROM codings") == [(3,)]
    deleted = client.post(f"/codebook/codes/{milk}/delete", headers=HX,
                          data={"reason": "Too broad", "confirm_codings": "3"})
    assert "Deleted &#39;milk at home&#39; and its 3 codings." in deleted.text
    assert _rows(client, "SELECT COUNT(*) FROM codings") == [(0,)]
    decisions = _rows(client, "SELECT type, rationale FROM decisions ORDER BY id")
    assert decisions == [("rename_code", "Closer to the talk"), ("merge_code", "Same object"), ("other", "Too broad")]


def test_a_codes_passages_in_context_filtered_and_with_more_context(client):
    study = _codebook(client)
    update_participant(study, "P1", attributes={"site": "North"})
    milk = _id(client, "milk")
    page = client.get(f"/codes/{milk}").text
    assert "2 passages." in page and "(P1, Occupational Therapist. Lines 3-4)" in page
    assert "/interviews/P1/1/transcript#L3" in page and "coded by TR on" in page and "first mention" in page
    assert '<li value="1" class="context">' in page and '<li value="3" class="coded">' in page
    assert 'aria-label="More context around (P1, Occupational Therapist. Lines 3-4)"' in page
    with_little = client.get(f"/codes/{milk}", params={"with_code": str(_id(client, "little things"))}).text
    assert "1 passage match the filters" in with_little and "Lines 6-7" in with_little
    by_site = client.get(f"/codes/{milk}", params={"attribute": "site", "value": "South"}).text
    assert "0 passages match the filters" in by_site and 'value="site" selected' in by_site
    assert "2 passages" in client.get(f"/codes/{milk}", params={"attribute": "site", "value": "North",
                                                                 "round_no": "1"}).text
    coding_id = _rows(client, "SELECT id FROM codings WHERE code_id = :c AND start_line = 6", c=milk)[0][0]
    more = client.get(f"/codings/{coding_id}/passage", params={"context": 7}, headers=HX).text
    assert f'id="passage-{coding_id}"' in more and '<li value="1" class="context">' in more and "<html" not in more
    bad = client.get(f"/codes/{milk}", params={"round_no": "one"})
    assert bad.status_code == 422 and "round &#39;one&#39; must be a number" in bad.text


def test_coded_segments_download_as_csv_docx_and_html(client):
    _codebook(client)
    milk, little = _id(client, "milk"), _id(client, "little things")
    answer = client.get("/codes/export", params={"codes": [milk, little], "format": "csv"})
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    assert 'filename="coded-segments-2-codes-' in answer.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(answer.text)))
    assert [r[0] for r in rows[1:]] == ["milk", "milk", "little things"]
    assert rows[1][5] == "(P1, Occupational Therapist. Lines 3-4)"
    for fmt in ("docx", "html"):
        made = client.get("/codes/export", params={"codes": milk, "format": fmt, "round_no": "1"})
        assert made.status_code == 200 and made.headers["content-disposition"].endswith(f'.{fmt}"')
    assert client.get("/codes/export", params={"format": "csv"}).status_code == 422
    assert _rows(client, "SELECT COUNT(*) FROM audit_events WHERE action = 'segments.export'") == [(3,)]


def test_search_filters_by_code_lists_a_codes_lines_alone_and_never_cuts_a_word(client):
    _codebook(client)
    page = client.get("/search", params={"q": "", "code": "milk"}).text
    assert 'name="code"' in page and '<option value="milk" selected>' in page
    assert "lines found coded milk" in page and "/interviews/P1/1/transcript#L3" in page
    assert "/interviews/P1/1/transcript#L7" in page and "#L5" not in page
    assert "Read the passages coded milk in context" in page
    both = client.get("/search", params={"q": "milk", "code": "little things"}).text
    assert "1 line found" in both and "<mark>milk</mark>" in both
    assert "0 lines found" in client.get("/search", params={"q": "ward", "code": "little things"}).text
    from reverie.services.transcripts.search import trim_after, trim_before

    line = "She asked him whether he had milk at home and I thought that is such a little thing, such a silly one"
    for limit in range(5, len(line)):
        before, after = trim_before(line, limit), trim_after(line, limit)
        kept_before, kept_after = before.removeprefix("…"), after.removesuffix("…")
        assert line.endswith(kept_before) and line.startswith(kept_after)
        cut = line[: len(line) - len(kept_before)]
        assert not cut or cut[-1] == " ", (limit, before)  # starts at a word
        rest = line[len(kept_after):]
        assert not rest or rest[0] == " ", (limit, after)  # ends at a word's end
    assert trim_before("x" * 50 + " end", 10) == "…end" and trim_after("word " + "y" * 40, 10) == "word…"


def test_a_parent_that_is_no_code_is_refused_beside_the_parent_choice(client):
    answer = client.post("/codebook/codes", headers=HX, data={"label": "home", "kind": "free", "color": "#000000",
                                                              "parent": "nine"})
    assert answer.status_code == 422 and 'id="new-code-parent-error"' in answer.text
    missing = client.post("/codebook/codes", headers=HX, data={"label": "home", "kind": "free", "color": "#000000",
                                                               "parent": "999"})
    assert missing.status_code == 404 and 'id="new-code-parent-error"' in missing.text
    assert _rows(client, "SELECT COUNT(*) FROM codes") == [(0,)]


def test_choosing_an_attribute_offers_its_values(client):
    update_participant(client.app.state.study, "P2", attributes={"site": "North"})
    answer = client.get("/codes/attribute-values", params={"attribute": "profession"}, headers=HX)
    assert answer.status_code == 200 and '<option value="Nurse">' in answer.text and "<html" not in answer.text
    assert '<option value="North">' in client.get("/codes/attribute-values", params={"attribute": "site"}).text
