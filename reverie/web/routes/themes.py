"""Themes: made, renamed (a decision, with its reason), described and ordered; extracts placed in them.

The themes board shows each theme's extracts in report order, and the extracts no theme holds
yet. An extract is placed by choosing its theme in a select (the keyboard's way) or by dragging
its card (``static/themes.js`` posts the same form). Every change redirects back to the board; a
refused one puts its message beside the control that caused it and keeps what was typed.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Form, Request
from starlette.responses import Response

from reverie.core.errors import InvalidInput, ReverieError
from reverie.core.vocab import THEME_KINDS, THEME_ORIGINS
from reverie.services.analysis.themes import (
    add_theme,
    describe_theme,
    get_theme,
    list_themes,
    place_extract,
    rename_theme,
    shift_extract,
    shift_theme,
    themes_board,
    unplace_extract,
)
from reverie.web.deps import CurrentStudy, redirect, render
from reverie.web.forms import FormSpec, failed

router = APIRouter(tags=["extracts"])

KINDS = [(kind, kind) for kind in THEME_KINDS]
ORIGINS = [(origin, origin.replace("_", " ")) for origin in THEME_ORIGINS]
NEW = FormSpec("new-theme", ("label", "description", "kind", "dimension", "origin", "why"),
               (("label", "label"), ("already exists", "label"), ("kind", "kind"), ("origin", "origin")))


def rename_form(theme_id: int) -> FormSpec:
    return FormSpec(f"rename-theme-{theme_id}", ("new_label", "reason"),
                    (("reason", "reason"), ("label", "new_label"), ("called", "new_label"), ("exists", "new_label")))


def describe_form(theme_id: int) -> FormSpec:
    return FormSpec(f"describe-theme-{theme_id}", ("description", "kind", "dimension", "origin"),
                    (("kind", "kind"), ("origin", "origin")))


def place_form(handle: str) -> FormSpec:
    """The select beside an extract's card that chooses its theme (a drag posts the same form)."""
    return FormSpec(f"place-{handle}", ("theme",), (("", "theme"),))


def _context(study: CurrentStudy) -> dict[str, Any]:
    return {"board": themes_board(study), "themes": list_themes(study), "kinds": KINDS, "origins": ORIGINS}


def _refused(request: Request, study: CurrentStudy, spec: FormSpec, exc: ReverieError,
             values: dict[str, Any]) -> Response:
    response = failed(request, spec, exc, values=values, page="themes.html", page_context=lambda: _context(study),
                      render=render)
    # A drag posts with swap "none" already; a form's own target must not be emptied by the error slots.
    response.headers["HX-Reswap"] = "none"
    return response


def _back(request: Request) -> Response:
    return redirect(request, request.url_for("themes"))


@router.get("/themes", name="themes")
def themes_page(request: Request, study: CurrentStudy):
    """The themes board: themes in report order, each with its extracts; the extracts with no theme yet."""
    return render(request, "themes.html", **_context(study))


@router.post("/themes", name="add_theme")
def new_theme(request: Request, study: CurrentStudy, label: str = Form(""), description: str = Form(""),
              kind: str = Form("major"), dimension: str = Form(""), origin: str = Form("from_data"),
              why: str = Form("")):
    values = {"label": label, "description": description, "kind": kind, "dimension": dimension, "origin": origin,
              "why": why}
    try:
        add_theme(study, label, description=description, kind=kind, dimension=dimension, origin=origin, why=why)
    except ReverieError as exc:
        return _refused(request, study, NEW, exc, values)
    return _back(request)


@router.post("/themes/{theme_id}/rename", name="rename_theme")
def rename(request: Request, study: CurrentStudy, theme_id: int, new_label: str = Form(""),
           reason: str = Form("")):
    """Rename a theme: a decision, so it asks for the reason."""
    spec = rename_form(theme_id)
    try:
        rename_theme(study, get_theme(study, theme_id).label, new_label, rationale=reason)
    except ReverieError as exc:
        return _refused(request, study, spec, exc, {"new_label": new_label, "reason": reason})
    return _back(request)


@router.post("/themes/{theme_id}/describe", name="describe_theme")
def describe(request: Request, study: CurrentStudy, theme_id: int, description: str = Form(""),
             kind: str = Form("major"), dimension: str = Form(""), origin: str = Form("from_data")):
    spec = describe_form(theme_id)
    values = {"description": description, "kind": kind, "dimension": dimension, "origin": origin}
    try:
        describe_theme(study, get_theme(study, theme_id).label, description=description, kind=kind,
                       dimension=dimension, origin=origin)
    except ReverieError as exc:
        return _refused(request, study, spec, exc, values)
    return _back(request)


@router.post("/themes/{theme_id}/shift", name="shift_theme")
def shift(request: Request, study: CurrentStudy, theme_id: int, steps: int = Form(...)):
    """Move a theme one place earlier (-1) or later (1) in the report."""
    shift_theme(study, get_theme(study, theme_id).label, steps)
    return _back(request)


@router.post("/themes/place", name="place_in_theme")
def place(request: Request, study: CurrentStudy, extract: str = Form(""), theme: str = Form(""),
          position: str = Form("")):
    """Put an extract in a theme (``theme`` is its id; empty takes it out of its theme), at a position if given."""
    spec = place_form(extract.strip())
    try:
        if position.strip() and not position.strip().isdigit():
            raise InvalidInput(f"position {position!r} is not a place in a theme")
        if not theme.strip():
            unplace_extract(study, extract.strip())
        elif not theme.strip().isdigit():
            raise InvalidInput(f"{theme!r} is not a theme of this study")
        else:
            place_extract(study, get_theme(study, int(theme)).label, extract.strip(),
                          position=int(position) if position.strip() else None)
    except ReverieError as exc:
        return _refused(request, study, spec, exc, {"theme": theme})
    return _back(request)


@router.post("/themes/extracts/{handle}/shift", name="shift_in_theme")
def shift_within(request: Request, study: CurrentStudy, handle: str, steps: int = Form(...)):
    """Move an extract one place earlier (-1) or later (1) inside its theme."""
    shift_extract(study, handle, steps)
    return _back(request)
