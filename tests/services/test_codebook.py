"""The codebook tree: kinds in words, counts, describing, recolouring, nesting without cycles, and
deleting as a decision that asks first how many codings go with the code."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from reverie.core.errors import Conflict, InvalidInput, NotFound
from reverie.services.analysis import codebook, coding
from reverie.services.analysis.decisions import list_decisions
from reverie.services.analysis.extracts import add_extract, add_objects


def _rows(study, sql: str, **params):
    with study.read() as s:
        return s.execute(text(sql), params).all()


@pytest.mark.both_backends
def test_the_tree_nests_codes_with_kinds_in_words_and_counts(populated):
    coding.add_code(populated, "peer role", kind="discursive_object", color="#1f77b4")
    coding.add_code(populated, "milk", kind="discursive_object", parent="peer role")
    coding.add_code(populated, "little things", kind="subject_position", parent="milk")
    coding.add_code(populated, "a free one")
    coding.apply_code(populated, "milk", "P1", lines=(3, 4))
    coding.apply_code(populated, "milk", "P1", lines=(6, 6))
    tree = codebook.codebook_tree(populated)
    assert [n.label for n in tree] == ["a free one", "peer role"]
    peer = tree[1]
    assert peer.kind_words == "discursive object" and peer.color == "#1f77b4"
    milk = peer.children[0]
    assert (milk.label, milk.codings, milk.participants) == ("milk", 2, 1)
    assert milk.children[0].kind_words == "subject position"
    assert milk.color.startswith("#") and milk.own_color == ""
    assert [(d, n.label) for d, n in codebook.flatten(tree)] == [
        (0, "a free one"), (0, "peer role"), (1, "milk"), (2, "little things")]


def test_update_describes_recolours_and_nests_refusing_cycles(populated):
    coding.add_code(populated, "peer role")
    coding.add_code(populated, "milk", parent="peer role")
    coding.add_code(populated, "little things", parent="milk")
    node = codebook.update_code(populated, "milk", definition="  Talk of milk at home ", color="#AA3300")
    assert (node.definition, node.own_color, node.color) == ("Talk of milk at home", "#aa3300", "#aa3300")
    with pytest.raises(InvalidInput, match="already inside it"):
        codebook.update_code(populated, "peer role", parent="little things")
    with pytest.raises(InvalidInput, match="under itself"):
        codebook.update_code(populated, "milk", parent="milk")
    with pytest.raises(InvalidInput, match="colour"):
        codebook.update_code(populated, "milk", color="red")
    with pytest.raises(NotFound):
        codebook.update_code(populated, "milk", parent="no such code")
    moved = codebook.update_code(populated, "little things", parent=None)
    assert moved.parent_id is None
    codebook.update_code(populated, "peer role", parent="little things")
    stored = dict(_rows(populated, "SELECT c.label, p.label FROM codes c LEFT JOIN codes p ON p.id = c.parent_id"))
    assert stored == {"little things": None, "peer role": "little things", "milk": "peer role"}
    events = _rows(populated, "SELECT target, payload FROM audit_events WHERE action = 'code.update' ORDER BY id")
    assert [t for t, _ in events] == ["code:milk", "code:little things", "code:peer role"]
    assert "Talk of milk at home" in events[0][1]


def test_a_merged_code_is_changed_through_the_one_it_went_into(populated):
    coding.add_code(populated, "milk")
    coding.add_code(populated, "food")
    coding.merge_code(populated, "milk", "food", rationale="The same object")
    with pytest.raises(NotFound):
        codebook.update_code(populated, "milk", definition="x")


@pytest.mark.both_backends
def test_delete_asks_for_the_number_of_codings_then_records_a_decision(populated):
    coding.add_code(populated, "peer role")
    coding.add_code(populated, "milk", parent="peer role")
    coding.add_code(populated, "home", parent="milk")
    coding.add_code(populated, "fridge", parent="milk")
    for lines in ((1, 2), (3, 4), (6, 6)):
        coding.apply_code(populated, "milk", "P1", lines=lines)
    with pytest.raises(InvalidInput, match="reason"):
        codebook.delete_code(populated, "milk", rationale=" ")
    with pytest.raises(codebook.CodingsWouldBeLost) as asked:
        codebook.delete_code(populated, "milk", rationale="Too broad")
    assert asked.value.codings == 3 and "its 3 codings" in str(asked.value)
    with pytest.raises(codebook.CodingsWouldBeLost):
        codebook.delete_code(populated, "milk", rationale="Too broad", confirm_codings=2)
    assert codebook.codings_of(populated, "milk") == 3
    done = codebook.delete_code(populated, "milk", rationale="Too broad", confirm_codings=3)
    assert (done.codings, done.children_moved, done.new_parent) == (3, ("fridge", "home"), "peer role")
    assert _rows(populated, "SELECT COUNT(*) FROM codes WHERE label = 'milk'") == [(0,)]
    assert _rows(populated, "SELECT COUNT(*) FROM codings") == [(0,)]
    assert dict(_rows(populated, "SELECT c.label, p.label FROM codes c JOIN codes p ON p.id = c.parent_id")) == {
        "home": "peer role", "fridge": "peer role"}
    decision = [d for d in list_decisions(populated) if d.id == done.decision_id][0]
    assert decision.rationale == "Too broad" and decision.type == "other"
    assert decision.before["action"] == "delete_code" and decision.before["codings"] == 3
    assert decision.after == {"deleted": True, "children_moved_to": "peer role"}
    audit = _rows(populated, "SELECT why FROM audit_events WHERE action = 'code.delete'")
    assert audit == [("Too broad",)]
    # A code without codings needs no count; the label is free again afterwards.
    codebook.delete_code(populated, "fridge", rationale="Unused")
    coding.add_code(populated, "milk")


def test_a_code_named_by_an_extract_is_not_deleted(populated):
    coding.add_code(populated, "milk", kind="discursive_object")
    view = add_extract(populated, "P1", 3, 4, why="Struck me")
    add_objects(populated, view.handle, ["milk"])
    with pytest.raises(Conflict, match="discursive object of extract E1"):
        codebook.delete_code(populated, "milk", rationale="Unused")


def test_the_codes_commands_update_delete_and_export_segments(study_copy, tmp_path):
    from typer.testing import CliRunner

    from reverie.cli import app
    from reverie.services.study.studies import open_study
    from tests.conftest import _populate

    folder = study_copy("populated", _populate, folder_only=True)

    def reverie(*args, ok=True):
        result = CliRunner().invoke(app, [str(a) for a in args])
        assert (result.exit_code == 0) == ok, result.output
        return result.output

    reverie("codes", "add", folder, "peer role")
    reverie("codes", "add", folder, "milk", "--kind", "discursive_object", "--parent", "peer role")
    reverie("codes", "apply", folder, "milk", "P1", "--lines", "3-4")
    assert "already inside it" in reverie("codes", "update", folder, "peer role", "--parent", "milk", ok=False)
    reverie("codes", "update", folder, "milk", "--definition", "Milk at home", "--color", "#336699", "--top-level")
    out = tmp_path / "milk.csv"
    assert "wrote 1 coded segment(s)" in reverie("codes", "export-segments", folder, "milk", "--output", out,
                                                 "--round", "1")
    assert "(P1, Occupational Therapist. Lines 3-4)" in out.read_text(encoding="utf-8")
    assert "--confirm-codings 1" in reverie("codes", "delete", folder, "milk", "--rationale", "Too broad", ok=False)
    assert "deleted milk and 1 coding(s)" in reverie("codes", "delete", folder, "milk", "--rationale", "Too broad",
                                                     "--confirm-codings", "1")
    study = open_study(folder)
    try:
        assert _rows(study, "SELECT label, definition FROM codes") == [("peer role", "")]
        assert _rows(study, "SELECT type, rationale FROM decisions") == [("other", "Too broad")]
    finally:
        study.close()


def test_an_update_that_changes_nothing_records_nothing(populated):
    coding.add_code(populated, "milk", definition="Milk at home", color="#336699")
    codebook.update_code(populated, "milk", definition="Milk at home ", color="#336699", parent=None)
    assert _rows(populated, "SELECT COUNT(*) FROM audit_events WHERE action = 'code.update'") == [(0,)]
