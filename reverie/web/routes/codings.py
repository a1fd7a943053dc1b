"""Marking a selection of a locked transcript: a code (created on the fly when it is new), a
non-verbal annotation or reported speech. All three are analysis made on fixed line numbers, so
they share this router (and, in team mode, its rule: analysts and the lead may add them).

Applying and removing a code answer with what undoes them, which the reader posts back to
``undo_coding`` when the researcher presses Undo (or Ctrl+Z).
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel

from reverie.core.errors import InvalidInput
from reverie.services.analysis.coding import (
    RemovedCoding,
    add_code,
    apply_code,
    remove_coding,
    restore_coding,
    undo_apply,
)
from reverie.services.transcripts.annotations import add_nonverbal, add_reported_speech
from reverie.web.deps import CurrentStudy
from reverie.web.selection import Selection, resolve

router = APIRouter(prefix="/interviews/{code}/{round_no}", tags=["codings"])


class CodingIn(Selection):
    label: str
    kind: str | None = None  # given only when the label is a new code (discursive_object, discourse, …)
    note: str = ""


class NonverbalIn(Selection):
    kind: str
    description: str
    source: str = "recording"
    timecode: tuple[float, float] | None = None  # seconds into the recording


class ReportedSpeechIn(Selection):
    voiced_figure: str


class RemovalIn(BaseModel):
    why: str = ""


class UndoIn(BaseModel):
    """The undo handed out by the last apply or remove: remove coding ``id`` again, or put ``removed`` back."""

    action: Literal["apply", "remove"]
    id: int | None = None
    removed: dict | None = None


def _lines(first: int, last: int) -> str:
    return f"lines {first}-{last}"  # always a range, as citations are written: "P1 lines 4-4"


def _removed_out(removed: RemovedCoding) -> dict:
    return {"id": removed.id, "guid": removed.guid, "code": removed.code, "participant": removed.participant,
            "round": removed.round, "start_offset": removed.start_offset, "end_offset": removed.end_offset,
            "start_line": removed.start_line, "end_line": removed.end_line, "note": removed.note,
            "coder": removed.coder}


@router.post("/codings", name="apply_code")
def code_selection(study: CurrentStudy, code: str, round_no: int, body: CodingIn) -> dict:
    span = resolve(study, code, round_no, body)
    if body.kind:
        add_code(study, body.label, kind=body.kind)
    coding = apply_code(study, body.label, code, round_no=round_no, span=(span.start, span.end), note=body.note)
    return {"message": f"coded {code} {_lines(coding.start_line, coding.end_line)} as {body.label!r}",
            "lines": [coding.start_line, coding.end_line], "id": coding.id,
            "undo": {"action": "apply", "id": coding.id}}


@router.post("/codings/{coding_id}/remove", name="remove_coding")
def uncode(study: CurrentStudy, code: str, round_no: int, coding_id: int, body: RemovalIn | None = None) -> dict:
    """Take a coding off its words (recorded, with what it was, so Undo can put it back)."""
    removed = remove_coding(study, coding_id, why=body.why if body else "", participant=code, round_no=round_no)
    return {"message": f"removed {removed.code!r} from {removed.participant} "
                       f"{_lines(removed.start_line, removed.end_line)}",
            "lines": [removed.start_line, removed.end_line],
            "undo": {"action": "remove", "removed": _removed_out(removed)}}


@router.post("/codings/undo", name="undo_coding")
def undo(study: CurrentStudy, code: str, round_no: int, body: UndoIn) -> dict:
    """Undo the last apply (the coding is removed) or the last removal (the coding is put back)."""
    if body.action == "apply":
        if body.id is None:
            raise InvalidInput("say which coding to undo (its id)")
        removed = undo_apply(study, body.id, participant=code, round_no=round_no)
        return {"message": f"undone: {removed.code!r} is off {removed.participant} "
                           f"{_lines(removed.start_line, removed.end_line)} again",
                "lines": [removed.start_line, removed.end_line]}
    fields = body.removed or {}
    try:
        removed = RemovedCoding(int(fields["id"]), str(fields["guid"]), str(fields["code"]), code, round_no,
                                int(fields["start_offset"]), int(fields["end_offset"]), int(fields["start_line"]),
                                int(fields["end_line"]), str(fields.get("note", "")), str(fields.get("coder", "")))
    except (KeyError, TypeError, ValueError) as error:
        raise InvalidInput(f"the removal to undo is incomplete ({error}); apply the code again instead") from None
    coding = restore_coding(study, removed)
    return {"message": f"undone: {removed.code!r} is back on {code} {_lines(coding.start_line, coding.end_line)}",
            "lines": [coding.start_line, coding.end_line], "id": coding.id}


@router.post("/nonverbal", name="add_nonverbal")
def nonverbal_on_selection(study: CurrentStudy, code: str, round_no: int, body: NonverbalIn) -> dict:
    """A non-verbal annotation (tone, posture, silence…) on the selected words."""
    span = resolve(study, code, round_no, body)
    note = add_nonverbal(study, code, round_no=round_no, span=(span.start, span.end), kind=body.kind,
                         description=body.description, source=body.source, timecode=body.timecode)
    return {"message": f"noted {note.data['kind']} on {code} lines {note.start_line}-{note.end_line}",
            "lines": [note.start_line, note.end_line]}


@router.post("/reported-speech", name="add_reported_speech")
def reported_speech_on_selection(study: CurrentStudy, code: str, round_no: int, body: ReportedSpeechIn) -> dict:
    """Mark the selected words as reported speech voiced by a figure."""
    span = resolve(study, code, round_no, body)
    note = add_reported_speech(study, code, round_no=round_no, span=(span.start, span.end),
                               voiced_figure=body.voiced_figure)
    return {"message": f"marked {code} lines {note.start_line}-{note.end_line} as reported speech voiced by "
                       f"{note.data['voiced_figure']}", "lines": [note.start_line, note.end_line]}
