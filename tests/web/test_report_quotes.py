"""Short quotations in running text, kept on the Report page: added, refused beside the field, cited, removed.

The report cites them inline ("psychology or tablets" (P1. Line 7)) rather than as displayed
extracts; the page is the browser's way to keep them, as ``set_inline_quotes`` is the services'.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from tests.web.test_study_facts_pages import slot

HTMX = {"HX-Request": "true"}


def rows(study_dir: Path, sql: str, *args) -> list[tuple]:
    with sqlite3.connect(study_dir / "study.db") as db:
        return db.execute(sql, args).fetchall()


def line_of(study_dir: Path, words: str) -> int:
    [(number,)] = rows(study_dir, "SELECT l.number FROM transcript_lines l JOIN transcript_versions v "
                                  "ON v.id = l.version_id WHERE v.status = 'locked' AND l.text LIKE ?", f"%{words}%")
    return number


def stored(study_dir: Path) -> list[dict]:
    [(settings,)] = rows(study_dir, "SELECT settings FROM studies")
    return json.loads(settings or "{}").get("inline_quotes", [])


def test_a_quotation_added_on_the_page_is_stored_cited_and_printed_in_the_report(client, study_dir):
    line = line_of(study_dir, "psychology or tablets")
    page = client.get("/report").text
    assert "Short quotations in running text" in page and 'aria-label="Short quotations"' in page

    answer = client.post("/report/quotes", data={"participant": "P1", "line": str(line), "last_line": "",
                                                 "quote": "psychology or tablets", "why": "quoted in the discussion"},
                         headers=HTMX)

    assert answer.status_code == 200 and answer.headers["HX-Redirect"].endswith("/report")
    assert stored(study_dir) == [{"participant": "P1", "line": line, "last_line": line,
                                  "quote": "psychology or tablets"}]
    assert rows(study_dir, "SELECT why FROM audit_events WHERE action = 'report.inline_quotes'") == [
        ("quoted in the discussion",)]
    page = client.get("/report").text
    table = page.split('aria-label="Short quotations"', 1)[1].split("</table>", 1)[0]
    assert f"(P1. Line {line})" in table and "psychology or tablets" in table
    download = client.post("/report", data={"fmt": "md"})
    assert f"'psychology or tablets' (P1. Line {line})" in download.text


def test_words_not_on_the_cited_lines_are_kept_and_flagged_in_the_checks(client, study_dir):
    client.post("/report/quotes", data={"participant": "P1", "line": "1", "last_line": "2", "quote": "tablets"},
                headers=HTMX)

    checks = client.get("/report").text.split('aria-labelledby="checks-heading"', 1)[1].split("</section>", 1)[0]
    assert "&#39;tablets&#39; is not found in P1 lines 1-2; check the citation" in checks
    assert stored(study_dir)[0]["last_line"] == 2


def test_refusals_name_the_field_and_keep_what_was_typed(client, study_dir):
    for data, field, words in (
            ({"participant": "", "line": "3", "quote": "milk"}, "participant", "choose the participant"),
            ({"participant": "P1", "line": "three", "quote": "milk"}, "line", "a whole number"),
            ({"participant": "P1", "line": "5", "last_line": "4", "quote": "milk"}, "last_line", "comes before"),
            ({"participant": "P1", "line": "5", "quote": "  "}, "quote", "type the quoted words"),
            ({"participant": "P9", "line": "5", "quote": "milk"}, "participant", "no participant 'P9'"),
            ({"participant": "P1", "line": "99999", "quote": "milk"}, "line", "no transcript with line 99999")):
        answer = client.post("/report/quotes", data=data, headers=HTMX)
        assert answer.status_code in (404, 422), data
        assert words in slot(answer.text, "inline-quote", field), data
    plain = client.post("/report/quotes", data={"participant": "P1", "line": "three", "quote": "milk at home"})
    assert plain.status_code == 422
    assert 'value="milk at home"' in plain.text and "a whole number" in slot(plain.text, "inline-quote", "line")
    assert stored(study_dir) == []


def test_a_quotation_is_removed_only_while_the_list_is_as_the_page_showed_it(client, study_dir):
    for words, line in (("milk at home", 3), ("psychology or tablets", 7)):
        client.post("/report/quotes", data={"participant": "P1", "line": str(line), "quote": words}, headers=HTMX)

    stale = client.post("/report/quotes/1/remove", data={"quote": "psychology or tablets"}, headers=HTMX)
    assert stale.status_code == 409 and len(stored(study_dir)) == 2

    answer = client.post("/report/quotes/1/remove", data={"quote": "milk at home"}, headers=HTMX)
    assert answer.status_code == 200
    assert [q["quote"] for q in stored(study_dir)] == ["psychology or tablets"]
