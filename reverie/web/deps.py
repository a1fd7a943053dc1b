"""What every route needs: the open study as a typed dependency, and one way to render a page.

The app serves exactly one study (the folder given to ``reverie serve``), opened once at start-up;
routes receive it as :data:`CurrentStudy` rather than reaching for globals, so tests can build an
app around any study folder.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.templating import Jinja2Templates
from starlette.responses import HTMLResponse, RedirectResponse, Response

from reverie.services.study.context import OpenStudy
from reverie.services.study.studies import get_study

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")


def current_study(request: Request) -> OpenStudy:
    return request.app.state.study


CurrentStudy = Annotated[OpenStudy, Depends(current_study)]


def is_htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true"


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """A template rendered with the request and, for a whole page, the study's title (for the header).

    Fragments (templates named ``_*.html``) have no header, so they skip reading the title.
    """
    title = "" if template.startswith("_") else get_study(current_study(request)).title
    return templates.TemplateResponse(request, template, {"study_title": title, **context}, status_code=status_code)


def redirect(request: Request, url: object) -> Response:
    """After a successful form: HTMX follows ``HX-Redirect``; a plain form post follows a 303."""
    if is_htmx(request):
        return Response(status_code=200, headers={"HX-Redirect": str(url)})
    return RedirectResponse(str(url), status_code=303)


def export_path(study: OpenStudy, name: str) -> Path:
    """Where a download is written: ``exports/`` inside the study folder, under a name the server chose."""
    folder = study.root / "exports"
    folder.mkdir(exist_ok=True)
    return folder / name
