"""The codebook as a tree: each code with its kind in words, its colour, its counts and its children.

Renames and merges are :mod:`~reverie.services.analysis.coding`'s; this module describes,
recolours and re-nests codes (:func:`update_code`) and deletes them (:func:`delete_code`).

Deleting a code is an analytic decision, like a rename or a merge, so it needs a reason and is
recorded as a :class:`Decision` (of type ``other``: the decision vocabulary, a CHECK constraint in
every study's database, has no ``delete_code``; the decision's ``after`` says ``{"deleted": true}``).
A code's codings go with it, so a code that has codings is deleted only when the caller confirms
how many (:class:`CodingsWouldBeLost` says the number to confirm). Its children are not deleted:
they move up to the deleted code's parent, so a branch of the codebook is never lost by accident.
A code that an extract or a memo names as its discursive object is refused: those analyses would
lose their object silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, func, select, text, update

from reverie.core import vocab
from reverie.core.errors import Conflict, InvalidInput, NotFound
from reverie.services.analysis.coding import code_colour, find_code
from reverie.services.analysis.decisions import record_decision
from reverie.services.study.context import OpenStudy
from reverie.store.models import Code, Coding, Extract, ExtractObject, Memo

_COLOUR = re.compile(r"^(#[0-9A-Fa-f]{6}([0-9A-Fa-f]{2})?)?$")


class _Unchanged:
    def __repr__(self) -> str:
        return "UNCHANGED"


UNCHANGED: Any = _Unchanged()
"""Leave this field as it is (``parent=None`` means "at the top level", so it cannot mean "unchanged")."""


class CodingsWouldBeLost(Conflict):
    """Deleting this code would delete its codings: confirm with their number."""

    def __init__(self, label: str, codings: int):
        self.label, self.codings = label, codings
        super().__init__(f"deleting {label!r} also deletes its {codings} coding{'' if codings == 1 else 's'}; "
                         f"confirm with the number {codings} (`--confirm-codings {codings}`)")


@dataclass(frozen=True)
class CodeNode:
    """A codebook entry as the codebook page shows it, with its children in label order."""

    id: int
    guid: str
    label: str
    kind: str
    definition: str
    color: str  # the colour drawn: its own when set, else one from the palette
    own_color: str
    parent_id: int | None
    status: str
    codings: int
    participants: int
    children: tuple[CodeNode, ...] = field(default=())

    @property
    def kind_words(self) -> str:
        return kind_words(self.kind)


@dataclass(frozen=True)
class Deletion:
    """What deleting a code did: the decision that records it, the codings deleted, the children moved up."""

    decision_id: int
    label: str
    codings: int
    children_moved: tuple[str, ...]
    new_parent: str | None


def kind_words(kind: str) -> str:
    """A code kind as a researcher says it: "discursive object", not discursive_object."""
    return kind.replace("_", " ")


KIND_CHOICES = tuple((kind, kind_words(kind)) for kind in vocab.CODE_KINDS)

COUNTS_SQL = """
SELECT g.code_id, COUNT(g.id) AS codings, COUNT(DISTINCT i.participant_id) AS participants
FROM codings g
JOIN codes c ON c.id = g.code_id
JOIN transcript_versions v ON v.id = g.version_id
JOIN transcripts t ON t.id = v.transcript_id
JOIN interviews i ON i.id = t.interview_id
WHERE c.study_id = :study
GROUP BY g.code_id
"""


def code_counts(study: OpenStudy) -> dict[int, tuple[int, int]]:
    """Codings and participants per code id (codes with no codings are absent)."""
    with study.read() as s:
        return {code_id: (codings, people) for code_id, codings, people
                in s.execute(text(COUNTS_SQL), {"study": study.study_id}).all()}


def _node(code: Code, counts: dict[int, tuple[int, int]], children: tuple[CodeNode, ...] = ()) -> CodeNode:
    codings, people = counts.get(code.id, (0, 0))
    return CodeNode(code.id, code.guid, code.label, code.kind, code.definition or "", code_colour(code.id, code.color),
                    code.color or "", code.parent_id, code.status, codings, people, children)


def codebook_tree(study: OpenStudy) -> list[CodeNode]:
    """The live codes (not those merged away) as a tree: top-level codes, each with its children, by label."""
    counts = code_counts(study)
    with study.read() as s:
        codes = s.execute(select(Code).where(Code.study_id == study.study_id, Code.status != "merged")).scalars().all()
    live = {c.id for c in codes}
    by_parent: dict[int | None, list[Code]] = {}
    for code in codes:
        # A parent merged away leaves its children at the top rather than out of sight.
        by_parent.setdefault(code.parent_id if code.parent_id in live else None, []).append(code)

    def build(parent: int | None, seen: frozenset[int]) -> tuple[CodeNode, ...]:
        siblings = sorted(by_parent.get(parent, ()), key=lambda c: (c.label.casefold(), c.id))
        return tuple(_node(c, counts, build(c.id, seen | {c.id})) for c in siblings if c.id not in seen)

    return list(build(None, frozenset()))


def flatten(nodes: list[CodeNode] | tuple[CodeNode, ...], depth: int = 0) -> list[tuple[int, CodeNode]]:
    """The tree in reading order with each code's depth (for a select that shows the nesting)."""
    rows: list[tuple[int, CodeNode]] = []
    for node in nodes:
        rows.append((depth, node))
        rows += flatten(node.children, depth + 1)
    return rows


def _live_code(session, study: OpenStudy, ref: str | int) -> Code:
    """A code by id, label or GUID; a code merged into another is no longer in the codebook."""
    if isinstance(ref, int):
        code = session.get(Code, ref)
        if code is None or code.study_id != study.study_id:
            raise NotFound(f"no code {ref} in this study")
    else:
        code = find_code(session, study, ref)
    if code.status == "merged":
        into = session.get(Code, code.merged_into_id) if code.merged_into_id else None
        raise Conflict(f"code {code.label!r} was merged" + (f" into {into.label!r}" if into else "")
                       + "; change that code instead")
    return code


def get_code(study: OpenStudy, ref: str | int) -> CodeNode:
    """One live code with its counts (its children are not filled in)."""
    counts = code_counts(study)
    with study.read() as s:
        return _node(_live_code(s, study, ref), counts)


def _check_parent(session, study: OpenStudy, code: Code, parent: str | int | None) -> Code | None:
    if parent is None or parent == "":
        return None
    new_parent = _live_code(session, study, parent)
    cursor: Code | None = new_parent
    seen: set[int] = set()
    while cursor is not None and cursor.id not in seen:
        if cursor.id == code.id:
            if new_parent.id == code.id:
                raise InvalidInput(f"{code.label!r} cannot be nested under itself")
            raise InvalidInput(f"{code.label!r} cannot be nested under {new_parent.label!r}, which is already "
                               f"inside it; move {new_parent.label!r} out first")
        seen.add(cursor.id)
        cursor = session.get(Code, cursor.parent_id) if cursor.parent_id else None
    return new_parent


def _changes(session, study: OpenStudy, record: Code, definition: str | None, color: str | None,
             parent: Any) -> tuple[dict[str, Any], int | None]:
    """What would change (field: {from, to}) and the parent id the code would have."""
    changes: dict[str, Any] = {}
    if definition is not None and definition.strip() != (record.definition or ""):
        changes["definition"] = {"from": record.definition or "", "to": definition.strip()}
    if color is not None and color.strip().lower() != (record.color or "").lower():
        changes["color"] = {"from": record.color or "", "to": color.strip().lower()}
    parent_id = record.parent_id
    if parent is not UNCHANGED:
        new_parent = _check_parent(session, study, record, parent)
        parent_id = new_parent.id if new_parent is not None else None
        if parent_id != record.parent_id:
            old = session.get(Code, record.parent_id) if record.parent_id else None
            changes["parent"] = {"from": old.label if old else None, "to": new_parent.label if new_parent else None}
    return changes, parent_id


def update_code(study: OpenStudy, code: str | int, *, definition: str | None = None, color: str | None = None,
                parent: str | int | None = UNCHANGED, why: str = "") -> CodeNode:
    """Describe, recolour or re-nest a code; ``parent=None`` puts it at the top level.

    Only the fields given change. A code cannot be nested under itself or under one of its own
    descendants. Nothing given, or nothing different, records nothing.
    """
    if color is not None and not _COLOUR.match(color.strip()):
        raise InvalidInput(f"colour {color!r} must look like #1f77b4")
    with study.read() as s:
        record = _live_code(s, study, code)
        code_id, label = record.id, record.label
        changes, _ = _changes(s, study, record, definition, color, parent)
    if not changes:
        return get_code(study, code_id)
    payload: dict[str, Any] = {}
    with study.write("code.update", target=f"code:{label}", why=why, payload=payload) as s:
        record = _live_code(s, study, code_id)
        changes, parent_id = _changes(s, study, record, definition, color, parent)
        if "definition" in changes:
            record.definition = changes["definition"]["to"]
        if "color" in changes:
            record.color = changes["color"]["to"]
        record.parent_id = parent_id
        payload["changes"] = changes
    return get_code(study, code_id)


def _objects_of(session, code: Code) -> list[str]:
    """What names this code as its discursive object: extracts (E3) and memos."""
    handles = session.execute(select(Extract.handle_no).join(ExtractObject, ExtractObject.extract_id == Extract.id)
                              .where(ExtractObject.code_id == code.id).order_by(Extract.handle_no)).scalars().all()
    memos = session.execute(select(func.count(Memo.id)).where(Memo.object_code_id == code.id)).scalar()
    found = [f"extract{'s' if len(handles) > 1 else ''} {', '.join(f'E{h}' for h in handles)}"] if handles else []
    if memos:
        found.append(f"{memos} memo{'' if memos == 1 else 's'}")
    return found


def codings_of(study: OpenStudy, code: str | int) -> int:
    """How many codings deleting this code would delete."""
    with study.read() as s:
        record = _live_code(s, study, code)
        return s.execute(select(func.count(Coding.id)).where(Coding.code_id == record.id)).scalar()


def delete_code(study: OpenStudy, code: str | int, *, rationale: str, confirm_codings: int | None = None) -> Deletion:
    """Delete a code and its codings, recording the decision and its reason.

    A code with codings is deleted only when ``confirm_codings`` is their number (otherwise
    :class:`CodingsWouldBeLost` says it). Its children move up to its parent.
    """
    if not (rationale or "").strip():
        raise InvalidInput("deleting a code needs a reason")
    with study.read() as s:
        label = _live_code(s, study, code).label
    payload: dict[str, Any] = {}
    with study.write("code.delete", target=f"code:{label}", why=rationale, payload=payload) as s:
        record = _live_code(s, study, code)
        codings = s.execute(select(func.count(Coding.id)).where(Coding.code_id == record.id)).scalar()
        if codings and confirm_codings != codings:
            raise CodingsWouldBeLost(record.label, codings)
        named_by = _objects_of(s, record)
        if named_by:
            raise Conflict(f"{record.label!r} is the discursive object of {' and '.join(named_by)}; "
                           "take it off them (or merge it into another code) before deleting it")
        parent = s.get(Code, record.parent_id) if record.parent_id else None
        children = s.execute(select(Code).where(Code.parent_id == record.id)).scalars().all()
        moved = tuple(sorted(c.label for c in children if c.status != "merged"))
        decision = record_decision(
            study, "other", rationale,
            target_refs=[{"kind": "code", "id": record.id, "guid": record.guid}],
            before={"action": "delete_code", "label": record.label, "kind": record.kind,
                    "definition": record.definition or "", "codings": codings,
                    "parent": parent.label if parent else None, "children": list(moved)},
            after={"deleted": True, "children_moved_to": parent.label if parent else None})
        s.execute(update(Code).where(Code.parent_id == record.id).values(parent_id=record.parent_id))
        # Codes merged into this one keep their history (and their decisions) but point at nothing now.
        s.execute(update(Code).where(Code.merged_into_id == record.id).values(merged_into_id=None))
        s.execute(delete(Coding).where(Coding.code_id == record.id))
        s.delete(record)
        payload.update(id=record.id, guid=record.guid, codings=codings, decision=decision.id,
                       children_moved=list(moved))
    return Deletion(decision.id, label, codings, moved, parent.label if parent else None)
