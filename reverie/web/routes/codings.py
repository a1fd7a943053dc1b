"""Marking a selection of a locked transcript: a code (created on the fly when it is new), a
non-verbal annotation or reported speech. All three are analysis made on fixed line numbers, so
they share this router (and, in team mode, its rule: analysts and the lead may add them).
"""

from __future__ import annotations

from fastapi import APIRouter

from reverie.services.analysis.coding import add_code, apply_code
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


@router.post("/codings", name="apply_code")
def code_selection(study: CurrentStudy, code: str, round_no: int, body: CodingIn) -> dict:
    span = resolve(study, code, round_no, body)
    if body.kind:
        add_code(study, body.label, kind=body.kind)
    coding = apply_code(study, body.label, code, round_no=round_no, span=(span.start, span.end), note=body.note)
    return {"message": f"coded {code} lines {coding.start_line}-{coding.end_line} as {body.label!r}",
            "lines": [coding.start_line, coding.end_line]}


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
