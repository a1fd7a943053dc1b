"""Extracts: made from a selection, shown on a board by status, moved with a reason, edited, traced.

After it is made an extract's title, display text, theme and evidence can change, each change
audited (evidence through a decision that amends the selection's). Evidence is picked from the
study's log entries, responses and memos by name, never typed as ids. A move to final asks for
the extract's theme when it has none, in the same status form.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Form, Request
from pydantic import Field
from starlette.responses import Response

from reverie.core.errors import InvalidInput, ReverieError
from reverie.core.status import EXTRACT_TRANSITIONS
from reverie.core.vocab import EXTRACT_STATUSES
from reverie.services.analysis.decisions import parse_evidence_ref
from reverie.services.analysis.evidence import describe_evidence, evidence_choices, ref_text
from reverie.services.analysis.extracts import (
    ExtractView,
    add_extract,
    display_text_problem,
    extract_evidence,
    get_extract,
    list_extracts,
    move_extract,
    set_display_text,
    set_evidence,
    set_title,
)
from reverie.services.analysis.provenance import extract_history
from reverie.services.analysis.themes import get_theme, list_themes, place_extract, unplace_extract
from reverie.services.study.context import OpenStudy
from reverie.web.deps import CurrentStudy, redirect, render
from reverie.web.forms import FormSpec, failed
from reverie.web.selection import Selection, resolve

router = APIRouter(tags=["extracts"])

# The moves open from each status, in the method's order (so "set aside" comes last, not first).
MOVES = {status: [to for to in EXTRACT_STATUSES if to in EXTRACT_TRANSITIONS[status]] for status in EXTRACT_STATUSES}
_MOVE_RULES = (("theme", "theme"), ("reason", "reason"), ("evidence", "evidence"), ("cannot move", "to_status"),
               ("status", "to_status"))
TITLE = FormSpec("extract-title", ("title", "why"), (("title", "title"),))
DISPLAY = FormSpec("extract-display", ("display_text", "why"), (("display text", "display_text"),))
THEME = FormSpec("extract-theme", ("theme", "why"), (("", "theme"),))
EVIDENCE = FormSpec("extract-evidence", ("evidence", "reason"), (("reason", "reason"), ("", "evidence")))
STATUS = FormSpec("extract-status", ("to_status", "theme", "reason", "evidence"), _MOVE_RULES)


def move_form(handle: str) -> FormSpec:
    """A card's status form on the extracts board."""
    return FormSpec(f"move-{handle}", ("to_status", "theme", "reason"), _MOVE_RULES)


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


def _board_context(study: OpenStudy) -> dict[str, Any]:
    return {"columns": _columns(study), "moves": MOVES, "themes": list_themes(study)}


@router.get("/extracts", name="extracts")
def board(request: Request, study: CurrentStudy):
    return render(request, "extracts.html", **_board_context(study))


def _theme_label(study: OpenStudy, theme: str) -> str | None:
    """The label of the theme chosen in a select (its id), or None when none was chosen."""
    if not theme.strip():
        return None
    if not theme.strip().isdigit():
        raise InvalidInput(f"{theme!r} is not a theme of this study")
    return get_theme(study, int(theme)).label


@router.post("/extracts/{handle}/move", name="move_extract")
def move(request: Request, study: CurrentStudy, handle: str, to_status: str = Form(...), reason: str = Form(""),
         theme: str = Form("")):
    """Move an extract (the reason is required and becomes the decision's rationale); answers the board.

    A move to final of an extract with no theme places it in the theme chosen beside the move.
    """
    try:
        move_extract(study, handle, to_status, reason=reason,
                     theme=_theme_label(study, theme) if to_status == "final" else None)
    except ReverieError as exc:
        response = failed(request, move_form(handle), exc,
                          values={"to_status": to_status, "reason": reason, "theme": theme},
                          page="extracts.html", page_context=lambda: _board_context(study), render=render)
        response.headers["HX-Reswap"] = "none"  # the board stays as it is, with the message beside the control
        return response
    return render(request, "_board.html", **_board_context(study))


def _page_context(study: OpenStudy, handle: str) -> dict[str, Any]:
    extract = get_extract(study, handle)
    evidence = extract_evidence(study, handle)
    return {"extract": extract, "history": extract_history(study, handle), "moves": MOVES.get(extract.status, []),
            "themes": list_themes(study), "choices": evidence_choices(study),
            "evidence": describe_evidence(study, evidence), "chosen": {ref_text(r) for r in evidence},
            "display_problem": display_text_problem(study, handle)}


@router.get("/extracts/{handle}", name="extract")
def extract_page(request: Request, study: CurrentStudy, handle: str):
    """An extract with its provenance, its edit forms and its status form."""
    return render(request, "extract.html", **_page_context(study, handle))


def _refused(request: Request, study: CurrentStudy, handle: str, spec: FormSpec, exc: ReverieError,
             values: dict[str, Any]) -> Response:
    return failed(request, spec, exc, values=values, page="extract.html",
                  page_context=lambda: _page_context(study, handle), render=render)


def _back(request: Request, handle: str) -> Response:
    return redirect(request, request.url_for("extract", handle=handle))


@router.post("/extracts/{handle}/title", name="extract_title")
def edit_title(request: Request, study: CurrentStudy, handle: str, title: str = Form(""), why: str = Form("")):
    try:
        set_title(study, handle, title, why=why)
    except ReverieError as exc:
        return _refused(request, study, handle, TITLE, exc, {"title": title, "why": why})
    return _back(request, handle)


@router.post("/extracts/{handle}/display", name="extract_display")
def edit_display(request: Request, study: CurrentStudy, handle: str, display_text: str = Form(""),
                 why: str = Form("")):
    """Display text: the cited words with [elisions] and [clarifications], checked against the transcript."""
    try:
        set_display_text(study, handle, display_text, why=why)
    except ReverieError as exc:
        return _refused(request, study, handle, DISPLAY, exc, {"display_text": display_text, "why": why})
    return _back(request, handle)


@router.post("/extracts/{handle}/theme", name="extract_theme")
def edit_theme(request: Request, study: CurrentStudy, handle: str, theme: str = Form(""), why: str = Form("")):
    """Place the extract in the chosen theme (at its end), or take it out of its theme."""
    try:
        label = _theme_label(study, theme)
        if label is None:
            unplace_extract(study, handle, why=why)
        else:
            place_extract(study, label, handle, why=why)
    except ReverieError as exc:
        return _refused(request, study, handle, THEME, exc, {"theme": theme, "why": why})
    return _back(request, handle)


def _picked(values: list[str]) -> list[dict]:
    return [parse_evidence_ref(value) for value in values if value.strip()]


@router.post("/extracts/{handle}/evidence", name="extract_evidence")
async def edit_evidence(request: Request, study: CurrentStudy, handle: str) -> Response:
    """The records the extract's selection rests on: a decision, so it asks for the reason."""
    form = await request.form()
    picked, reason = [str(v) for v in form.getlist("evidence")], str(form.get("reason", ""))
    try:
        set_evidence(study, handle, _picked(picked), reason=reason)
    except ReverieError as exc:
        return _refused(request, study, handle, EVIDENCE, exc, {"evidence": picked, "reason": reason})
    return _back(request, handle)


@router.post("/extracts/{handle}/status", name="extract_status")
async def edit_status(request: Request, study: CurrentStudy, handle: str) -> Response:
    """Move the extract from its page: the reason, the evidence picked, and its theme when it becomes final."""
    form = await request.form()
    to_status, reason, theme = (str(form.get(name, "")) for name in ("to_status", "reason", "theme"))
    picked = [str(v) for v in form.getlist("evidence")]
    try:
        move_extract(study, handle, to_status, reason=reason, evidence_refs=_picked(picked),
                     theme=_theme_label(study, theme) if to_status == "final" else None)
    except ReverieError as exc:
        return _refused(request, study, handle, STATUS, exc,
                        {"to_status": to_status, "reason": reason, "theme": theme, "evidence": picked})
    return _back(request, handle)
