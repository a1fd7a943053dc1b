"""Themes and extract edits: made, renamed as decisions, described, ordered; extracts placed, moved, retitled,
re-quoted and re-evidenced after they were made, each change audited; display text across speakers keeps their
labels, and display text a correction left behind is flagged on the extract and in the report's checks."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from reverie.core.errors import Conflict, InvalidInput, NotFound
from reverie.core.transcript import Turn
from reverie.services.analysis import evidence as picker
from reverie.services.analysis.decisions import parse_evidence_ref
from reverie.services.analysis.extracts import (
    add_extract,
    display_text_problem,
    display_text_problems,
    extract_evidence,
    get_extract,
    move_extract,
    set_display_text,
    set_evidence,
    set_title,
)
from reverie.services.analysis.memos import save_memo
from reverie.services.analysis.reflexivity import add_entry
from reverie.services.analysis.themes import (
    add_theme,
    describe_theme,
    list_themes,
    order_themes,
    place_extract,
    rename_theme,
    shift_extract,
    shift_theme,
    themes_board,
    unplace_extract,
)
from reverie.services.output.reports import collect_report
from reverie.services.transcripts import corrections
from reverie.store.models import AuditEvent, Decision, Extract, Theme


def _events(study, action: str) -> list[AuditEvent]:
    with study.read() as s:
        return list(s.execute(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq))
                    .scalars())


def _positions(study) -> list[tuple[str, int]]:
    with study.read() as s:
        return [(t.label, t.position) for t in s.execute(select(Theme).order_by(Theme.position)).scalars()]


def test_themes_are_made_renamed_with_a_reason_described_and_ordered(populated):
    add_theme(populated, "  Embodied   affect ", dimension="emotional impact")
    add_theme(populated, "Challenge", kind="minor")
    add_theme(populated, "Little things")
    assert [t.label for t in list_themes(populated)] == ["Embodied affect", "Challenge", "Little things"]
    with pytest.raises(Conflict, match="already exists"):
        add_theme(populated, "Challenge")
    with pytest.raises(InvalidInput, match="kind 'huge'"):
        add_theme(populated, "Other", kind="huge")

    with pytest.raises(InvalidInput, match="needs a reason"):
        rename_theme(populated, "Little things", "The 'Little' Things", rationale=" ")
    decision_id = rename_theme(populated, "Little things", "The 'Little' Things", rationale="the participants' word")
    with populated.read() as s:
        decision = s.get(Decision, decision_id)
        assert (decision.type, decision.before, decision.after) == (
            "rename_theme", {"label": "Little things"}, {"label": "The 'Little' Things"})
    with pytest.raises(Conflict, match="already exists"):
        rename_theme(populated, "Challenge", "Embodied affect", rationale="merge?")

    view = describe_theme(populated, "Challenge", description="Where the organisation pushes back",
                          kind="major", origin="a_priori")
    assert (view.description, view.kind, view.origin) == ("Where the organisation pushes back", "major", "a_priori")
    with pytest.raises(Conflict, match="nothing about the theme"):
        describe_theme(populated, "Challenge", kind="major")
    assert _events(populated, "theme.describe")[-1].why == ""

    order_themes(populated, ["The 'Little' Things"], why="the paper opens with them")
    assert _positions(populated) == [("The 'Little' Things", 1), ("Embodied affect", 2), ("Challenge", 3)]
    shift_theme(populated, "Challenge", -1)
    assert [t.label for t in list_themes(populated)] == ["The 'Little' Things", "Challenge", "Embodied affect"]
    shift_theme(populated, "The 'Little' Things", -1)  # already first: stays
    assert _positions(populated)[0] == ("The 'Little' Things", 1)
    with pytest.raises(NotFound, match="no theme 'Nope'"):
        order_themes(populated, ["Nope"])
    assert [e.why for e in _events(populated, "theme.order")][:1] == ["the paper opens with them"]


def test_extracts_are_placed_in_order_moved_between_themes_and_taken_out(populated):
    for lines in ((3, 4), (7, 8), (10, 11)):
        add_extract(populated, "P1", *lines, why="resonant")
    add_theme(populated, "Little things")
    add_theme(populated, "Challenge")
    place_extract(populated, "Little things", "E1")
    place_extract(populated, "Little things", "E2")
    place_extract(populated, "Little things", "E3", position=1)
    assert list_themes(populated)[0].extracts == ("E3", "E1", "E2")
    shift_extract(populated, "E2", -1)
    assert list_themes(populated)[0].extracts == ("E3", "E2", "E1")
    place_extract(populated, "Challenge", "E2")
    themes = list_themes(populated)
    assert (themes[0].extracts, themes[1].extracts) == (("E3", "E1"), ("E2",))
    with populated.read() as s:
        assert [e.theme_position for e in s.execute(select(Extract).where(Extract.theme_id == themes[0].id)
                                                    .order_by(Extract.theme_position)).scalars()] == [1, 2]
    unplace_extract(populated, "E3", why="not about little things after all")
    board = themes_board(populated)
    assert [c.handle for c in board.unplaced] == ["E3"]
    assert [(b.theme.label, [c.handle for c in b.cards]) for b in board.themes] == [
        ("Little things", ["E1"]), ("Challenge", ["E2"])]
    assert board.themes[0].cards[0].citation == "(P1. Lines 3-4)"
    with pytest.raises(Conflict, match="is in no theme"):
        unplace_extract(populated, "E3")


def test_moving_to_final_places_the_extract_in_the_theme_chosen_or_asks_for_one(populated):
    add_extract(populated, "P1", 3, 5, why="milk")
    add_theme(populated, "Little things")
    for status in ("shortlisted", "analysed"):
        move_extract(populated, "E1", status, reason="close reading")
    save_memo(populated, "E1", summary="milk as care carried over")
    with pytest.raises(Conflict, match="belongs to no theme"):
        move_extract(populated, "E1", "final", reason="most resonant")
    assert get_extract(populated, "E1").status == "analysed"
    move_extract(populated, "E1", "final", reason="most resonant", theme="Little things")
    view = get_extract(populated, "E1")
    assert (view.status, view.theme) == ("final", "Little things")
    with pytest.raises(Conflict, match="final extract belongs to a theme"):
        unplace_extract(populated, "E1")


def test_a_refused_final_move_leaves_the_extract_out_of_the_theme(populated):
    add_extract(populated, "P1", 3, 5, why="milk")
    add_theme(populated, "Little things")
    for status in ("shortlisted", "analysed"):
        move_extract(populated, "E1", status, reason="close reading")
    with pytest.raises(Conflict, match="no analysis memo"):
        move_extract(populated, "E1", "final", reason="most resonant", theme="Little things")
    assert get_extract(populated, "E1").theme is None


def test_title_and_display_text_change_after_creation_and_are_audited(populated):
    add_extract(populated, "P1", 3, 5, why="milk")
    set_title(populated, "E1", "  Milk   at home ", why="a working title")
    assert get_extract(populated, "E1").title == "Milk at home"
    assert _events(populated, "extract.title")[-1].why == "a working title"
    with pytest.raises(Conflict, match="already"):
        set_title(populated, "E1", "Milk at home")
    with pytest.raises(InvalidInput, match="keep it to 300"):
        set_title(populated, "E1", "x" * 301)

    shown = set_display_text(populated, "E1", "I remember once a… peer [support worker] said […] she would need "
                                              "milk at home", why="elide the middle")
    assert shown.display_text.startswith("I remember once a… peer [support worker]")
    with pytest.raises(InvalidInput, match="'she would need cake' is not in the cited lines"):
        set_display_text(populated, "E1", "[…] she would need cake")
    assert _events(populated, "extract.display_text")[-1].why == "elide the middle"
    assert display_text_problem(populated, "E1") == ""


def test_an_extract_across_speakers_keeps_their_labels(populated):
    view = add_extract(populated, "P1", 5, 7, why="the pause and the humbling")
    assert view.display_text == ("P1: important though, and none of us had thought of it.\nI: Mm.\n"
                                 "P1: As a professional it was kind of i-i-it (laughs)")
    with pytest.raises(InvalidInput, match="runs several speakers' words together.*\\('P1:', 'I:'\\)"):
        set_display_text(populated, "E1", "P1: […] none of us had thought of it. Mm. As a professional")
    with pytest.raises(InvalidInput, match="without the label 'I:'"):
        set_display_text(populated, "E1", "P1: […] none of us had thought of it. […] Mm. […] P1: As a professional")
    with pytest.raises(InvalidInput, match="without the label 'P1:'"):
        set_display_text(populated, "E1", "P1: […] none of us had thought of it. I: Mm. […] As a professional")
    set_display_text(populated, "E1", "P1: […] none of us had thought of it. I: Mm. P1: As a professional it was")
    assert get_extract(populated, "E1").display_text.endswith("I: Mm. P1: As a professional it was")
    # With the interviewer's words elided, one voice is left and needs no label.
    set_display_text(populated, "E1", "[…] none of us had thought of it. […] As a professional it was kind of")
    # Emptied, the display text is the cited lines again, labelled.
    assert set_display_text(populated, "E1", "").display_text.startswith("P1: important though")
    single = add_extract(populated, "P1", 3, 4, why="one speaker")
    assert single.display_text == single.text and "P1:" not in single.display_text


def test_display_text_left_behind_by_a_correction_is_flagged_here_and_in_the_report(populated):
    add_extract(populated, "P1", 3, 5, why="milk", display_text="she would need milk at home [for her baby]")
    add_theme(populated, "Little things")
    for status in ("shortlisted", "analysed"):
        move_extract(populated, "E1", status, reason="close reading")
    save_memo(populated, "E1", summary="milk")
    move_extract(populated, "E1", "final", reason="resonant", theme="Little things")
    turns = corrections.current_turns(populated, "P1", 1)
    edited = [Turn(t.speaker, t.text.replace("she would need milk", "she would want milk")) for t in turns]
    corrections.correct_transcript(populated, "P1", 1, edited, why="mis-heard word")

    problem = display_text_problem(populated, "E1")
    assert "E1's display text no longer matches lines 3-5" in problem and "'she would need milk at home'" in problem
    assert display_text_problems(populated, status="final") == [problem]
    assert problem in collect_report(populated, checklists=False).warnings
    set_display_text(populated, "E1", "she would want milk at home [for her baby]", why="follow the correction")
    assert display_text_problem(populated, "E1") == ""
    assert not any("display text" in w for w in collect_report(populated, checklists=False).warnings)


def test_evidence_is_picked_by_name_and_changed_as_a_decision(populated):
    entry = add_entry(populated, {"observation": "She went quiet", "interpretation": "shame?",
                                  "emotional_response": "I felt protective"}, affect_intensity=2).entry_id
    add_extract(populated, "P1", 3, 5, why="milk", evidence_refs=[{"kind": "log_entry", "id": entry}])
    save_memo(populated, "E1", summary="milk")
    choices = picker.evidence_choices(populated)
    assert [c.ref for c in choices] == [f"log:{entry}", "memo:1"]
    assert choices[0].label.startswith(f"Log entry {entry} · analysis, affect 2,") and "I felt protective" in \
        choices[0].label
    assert choices[1].label == "Memo 1 · on E1, 1 version"
    assert [parse_evidence_ref(c.ref) for c in choices] == [c.as_ref() for c in choices]
    assert extract_evidence(populated, "E1") == [{"kind": "log_entry", "id": entry}]

    with pytest.raises(InvalidInput, match="needs a reason"):
        set_evidence(populated, "E1", [], reason="")
    first = set_evidence(populated, "E1", [c.as_ref() for c in choices], reason="the memo is why it stays")
    assert extract_evidence(populated, "E1") == [{"kind": "log_entry", "id": entry}, {"kind": "memo", "id": 1}]
    with pytest.raises(Conflict, match="unchanged"):
        set_evidence(populated, "E1", [c.as_ref() for c in choices], reason="again")
    second = set_evidence(populated, "E1", [{"kind": "memo", "id": 1}], reason="the log entry was about E2")
    with pytest.raises(NotFound, match="response 99"):
        set_evidence(populated, "E1", [{"kind": "response", "id": 99}], reason="typo")
    with populated.read() as s:
        select_id = s.execute(select(Decision.id).where(Decision.type == "select_extract")).scalar_one()
        one, two = s.get(Decision, first), s.get(Decision, second)
        assert (one.type, one.corrects_id, one.before["evidence"]) == ("other", select_id, [
            {"kind": "log_entry", "id": entry}])
        assert (two.corrects_id, two.evidence_refs, two.rationale) == (first, [{"kind": "memo", "id": 1}],
                                                                      "the log entry was about E2")
    assert [c.ref for c in picker.describe_evidence(populated, extract_evidence(populated, "E1"))] == ["memo:1"]
