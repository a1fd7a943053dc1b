"""Memo drafts: kept per person as typed, without audit events; a save from the page's form makes one
version, drops the draft, and a refused one keeps the draft and names the field; forms never hold JSON."""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import func, select

from reverie.core.errors import Conflict, NotFound
from reverie.services.analysis.extracts import add_extract
from reverie.services.analysis.memo_drafts import drop_draft, find_draft, keep_draft, save_from_form
from reverie.services.analysis.memo_form import facets_from_form, form_of, word_changes, words
from reverie.services.analysis.memos import FIELD_ERRORS, MemoFieldError, save_memo, show_memo
from reverie.store.models import AuditEvent, MemoVersion
from reverie.store.models.analysis import MemoDraft

ACT = {"line_range": [3, 5], "positioner": "the peer", "positioned": "service users",
       "position_label": "voice of marginalised concerns", "mode": "interactive", "uptake": "taken_up"}


@pytest.fixture
def with_extract(populated):
    add_extract(populated, "P1", 3, 5, why="The milk")
    return populated


def total(study, model) -> int:
    with study.read() as s:
        return s.execute(select(func.count()).select_from(model)).scalar_one()


def stored(study) -> dict:
    return {f.path: f.value for f in show_memo(study, "E1").fields}


def test_a_draft_is_kept_per_person_without_an_audit_event(with_extract):
    events = total(with_extract, AuditEvent)
    kept = keep_draft(with_extract, "E1", {"willig.subjectivity": ["held in mind"], "junk": ["dropped"]})
    assert kept.author == with_extract.actor and kept.base_version is None
    keep_draft(with_extract, "E1", {"willig.subjectivity": ["held in mind, twice"]})
    colleague = dataclasses.replace(with_extract, actor="AB")
    assert find_draft(colleague, "E1") is None
    keep_draft(colleague, "E1", {"summary": ["mine"]})
    assert find_draft(with_extract, "E1").form == {"willig.subjectivity": ["held in mind, twice"]}
    assert find_draft(colleague, "E1").form == {"summary": ["mine"]}
    assert total(with_extract, MemoDraft) == 2 and total(with_extract, AuditEvent) == events
    drop_draft(with_extract, "E1")
    assert find_draft(with_extract, "E1") is None and find_draft(colleague, "E1") is not None
    assert total(with_extract, AuditEvent) == events
    with pytest.raises(NotFound):
        keep_draft(with_extract, "E9", {"summary": ["x"]})


def test_saving_the_form_makes_one_version_and_drops_the_draft(with_extract):
    keep_draft(with_extract, "E1", {"summary": ["draft"]})
    saved = save_from_form(with_extract, "E1", {
        "summary": ["Milk as care"], "willig.discourses": ["relational care", "", "biomedical"],
        "positioning.positioner": ["the peer"], "positioning.positioned": ["service users"],
        "positioning.position_label": ["voice of marginalised concerns"], "positioning.storyline": [""],
        "positioning.lines": ["3–5"], "positioning.mode": ["interactive"], "positioning.uptake": ["taken_up"],
        "psychosocial.whole_case_check": ["no"]})
    assert saved.version == 1 and total(with_extract, MemoVersion) == 1
    assert find_draft(with_extract, "E1") is None
    fields = stored(with_extract)
    assert fields["willig.discourses"] == ["relational care", "biomedical"]
    assert fields["positioning"] == [ACT] and fields["psychosocial.whole_case_check"] is False
    with pytest.raises(Conflict, match="unchanged"):
        save_from_form(with_extract, "E1", {**form_of(fields), "why": ["nothing new"]})
    assert total(with_extract, MemoVersion) == 1


def test_a_refused_save_keeps_the_form_as_a_draft_and_names_the_field(with_extract):
    save_memo(with_extract, "E1", willig={"subjectivity": "fear"})
    form = {**form_of(stored(with_extract)), "willig.subjectivity": ["being held in mind"],
            "positioning.positioner": ["the peer", "P1"], "positioning.lines": ["3", "to the end"]}
    with pytest.raises(MemoFieldError) as refused:
        save_from_form(with_extract, "E1", form)
    assert (refused.value.field, refused.value.row) == ("positioning", 2)
    assert "positioning act 2: lines must be a line number" in str(refused.value)
    assert find_draft(with_extract, "E1").form["positioning.lines"] == ["3", "to the end"]
    assert find_draft(with_extract, "E1").base_version == 1

    form["positioning.lines"] = ["3", "80-90"]  # past the transcript's end: checked by the service
    with pytest.raises(FIELD_ERRORS) as outside:
        save_from_form(with_extract, "E1", form)
    assert outside.value.field == "positioning" and outside.value.row == 2

    form["positioning.lines"] = ["3", "4"]
    with pytest.raises(MemoFieldError) as unreasoned:
        save_from_form(with_extract, "E1", form)
    assert unreasoned.value.field == "why" and "needs a reason" in str(unreasoned.value)
    with pytest.raises(MemoFieldError) as evidence:
        save_from_form(with_extract, "E1", {**form, "why": ["re-read"], "evidence": ["response:99"]})
    assert evidence.value.field == "evidence"
    with pytest.raises(FIELD_ERRORS) as entries:
        save_from_form(with_extract, "E1", {**form, "why": ["re-read"], "psychosocial.researcher_affect": ["99"]})
    assert entries.value.field == "psychosocial.researcher_affect"
    assert total(with_extract, MemoVersion) == 1

    saved = save_from_form(with_extract, "E1", {**form, "why": ["P1 said so"]})
    assert saved.version == 2 and saved.decision_id and find_draft(with_extract, "E1") is None
    assert stored(with_extract)["willig.subjectivity"] == "being held in mind"


def test_an_empty_first_memo_is_not_a_version(with_extract):
    with pytest.raises(Conflict, match="empty"):
        save_from_form(with_extract, "E1", {"summary": [""], "willig.discourses": ["", ""]})
    assert total(with_extract, MemoVersion) == 0


def test_stored_values_read_as_words_and_come_back_unchanged():
    values = {"willig.constructions": [{"label": "milk", "line_range": [6, 7], "note": "kept"}, "little things"],
              "willig.positionings": ["the peer as the one who notices", dict(ACT)],
              "positioning": [ACT], "psychosocial.researcher_affect": [3, 7],
              "psychosocial.whole_case_check": True, "willig.action_orientation": "contrast"}
    form = form_of(values)
    shown = [v for values_ in form.values() for v in values_]
    assert not any(v.lstrip().startswith(("[", "{")) or '{"' in v or "[{" in v for v in shown)
    assert form["willig.constructions.lines"] == ["6–7", ""] and form["positioning.lines"] == ["3–5"]
    assert form["psychosocial.researcher_affect"] == ["3", "7"] and form["psychosocial.whole_case_check"] == ["yes"]
    assert facets_from_form(form, values) == {}
    assert "Uptake: taken up" in words("positioning", [ACT])


def test_a_change_is_words_kept_deleted_and_inserted():
    change = word_changes("willig.action_orientation", "contrast with tablets", "contrast with psychology")
    assert change.label == "Action orientation"
    assert change.parts == (("same", "contrast with "), ("del", "tablets"), ("ins", "psychology"))
    assert (change.inserted, change.deleted) == (1, 1)
