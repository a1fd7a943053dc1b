"""Coding a selection of a locked transcript, creating the code on the fly when it is new."""

from __future__ import annotations

from fastapi import APIRouter

from reverie.services.coding import add_code, apply_code
from reverie.web.deps import CurrentStudy
from reverie.web.selection import Selection, resolve

router = APIRouter(prefix="/interviews/{code}/{round_no}", tags=["codings"])


class CodingIn(Selection):
    label: str
    kind: str | None = None  # given only when the label is a new code (discursive_object, discourse, …)
    note: str = ""


@router.post("/codings", name="apply_code")
def code_selection(study: CurrentStudy, code: str, round_no: int, body: CodingIn) -> dict:
    span = resolve(study, code, round_no, body)
    if body.kind:
        add_code(study, body.label, kind=body.kind)
    coding = apply_code(study, body.label, code, round_no=round_no, span=(span.start, span.end), note=body.note)
    return {"message": f"coded {code} lines {coding.start_line}-{coding.end_line} as {body.label!r}",
            "lines": [coding.start_line, coding.end_line]}
