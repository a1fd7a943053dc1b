"""The reflexive log: notes on selected lines (three-part by default) and the log page."""

from __future__ import annotations

from fastapi import APIRouter, Request

from reverie.services.analysis.reflexivity import Anchor, add_entry, list_entries
from reverie.web.deps import CurrentStudy, render
from reverie.web.selection import Selection, resolve

router = APIRouter(tags=["reflexivity"])


class NoteIn(Selection):
    parts: dict[str, str]
    affect_intensity: int | None = None
    flags_extract_candidate: bool = False


@router.post("/interviews/{code}/{round_no}/log", name="add_note")
def note_on_selection(study: CurrentStudy, code: str, round_no: int, body: NoteIn) -> dict:
    """A reflexive note anchored on the selected lines; flagging it makes a candidate extract."""
    span = resolve(study, code, round_no, body)
    added = add_entry(study, {k: v for k, v in body.parts.items() if v.strip()},
                      affect_intensity=body.affect_intensity, flags_extract_candidate=body.flags_extract_candidate,
                      anchors=[Anchor(participant=code, round=round_no, lines=(span.first_line, span.last_line))])
    flagged = f"; flagged {added.extract} as a candidate extract" if added.extract else ""
    return {"message": f"log entry {added.entry_id} on {code} lines {span.first_line}-{span.last_line}{flagged}",
            "lines": [span.first_line, span.last_line]}


@router.get("/log", name="log")
def log_page(request: Request, study: CurrentStudy):
    return render(request, "log.html", entries=list_entries(study))
