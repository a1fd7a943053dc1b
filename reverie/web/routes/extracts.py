"""Extracts: made from a selection, shown on a board by status, moved with a reason, traced."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from pydantic import Field

from reverie.core.status import EXTRACT_TRANSITIONS
from reverie.core.vocab import EXTRACT_STATUSES
from reverie.services.analysis.extracts import (
    ExtractView,
    add_extract,
    get_extract,
    list_extracts,
    move_extract,
)
from reverie.services.analysis.provenance import extract_history
from reverie.services.study.context import OpenStudy
from reverie.web.deps import CurrentStudy, render
from reverie.web.selection import Selection, resolve

router = APIRouter(tags=["extracts"])

# The moves open from each status, in the method's order (so "set aside" comes last, not first).
MOVES = {status: [to for to in EXTRACT_STATUSES if to in EXTRACT_TRANSITIONS[status]] for status in EXTRACT_STATUSES}


class ExtractIn(Selection):
    why: str
    title: str = ""
    sources: list[str] = Field(default_factory=list)


@router.post("/interviews/{code}/{round_no}/extracts", name="add_extract")
def extract_from_selection(study: CurrentStudy, code: str, round_no: int, body: ExtractIn) -> dict:
    """A candidate extract of the selected lines (extracts are cited by whole lines)."""
    span = resolve(study, code, round_no, body)
    view = add_extract(study, code, span.first_line, span.last_line, why=body.why, round_no=round_no,
                       selection_sources=body.sources, title=body.title)
    return {"message": f"{view.handle} {view.citation} is a candidate extract", "handle": view.handle}


def _columns(study: OpenStudy) -> list[tuple[str, list[ExtractView]]]:
    extracts = list_extracts(study)
    return [(status, [e for e in extracts if e.status == status]) for status in EXTRACT_STATUSES]


@router.get("/extracts", name="extracts")
def board(request: Request, study: CurrentStudy):
    return render(request, "extracts.html", columns=_columns(study), moves=MOVES)


@router.post("/extracts/{handle}/move", name="move_extract")
def move(request: Request, study: CurrentStudy, handle: str, to_status: str = Form(...), reason: str = Form("")):
    """Move an extract (the reason is required and becomes the decision's rationale); answers the board."""
    move_extract(study, handle, to_status, reason=reason)
    return render(request, "_board.html", columns=_columns(study), moves=MOVES)


@router.get("/extracts/{handle}", name="extract")
def extract_page(request: Request, study: CurrentStudy, handle: str):
    """An extract with its provenance: flagged, selected, moved, shown, responded to, revised."""
    return render(request, "extract.html", extract=get_extract(study, handle), history=extract_history(study, handle))
