"""What every route needs: the open study as a typed dependency, and one way to render a page.

The app serves exactly one study (the folder given to ``reverie serve``), opened once at start-up;
routes receive it as :data:`CurrentStudy` rather than reaching for globals, so tests can build an
app around any study folder.
"""

from __future__ import annotations

import mimetypes
import sys
from pathlib import Path
from typing import Annotated, Any

import jinja2
from fastapi import Depends, Request
from fastapi.templating import Jinja2Templates
from starlette.datastructures import URL
from starlette.responses import HTMLResponse, RedirectResponse, Response

from reverie.services.study.context import OpenStudy
from reverie.services.study.reading import study_title

HERE = Path(__file__).parent


class CompiledTemplates(jinja2.FileSystemBytecodeCache):
    """Templates compiled once and kept between runs, so a start-up does not compile the page frame anew.

    Jinja's own bytecode cache, in its private per-user folder (mode 0700, refused if anyone else
    owns it); each entry is used only while its template's source and the Python version are the
    ones it was compiled from. As with Python's bytecode, entries are read always and written
    unless ``PYTHONDONTWRITEBYTECODE`` says otherwise, and a cache that cannot be read or written
    is passed over: it never costs a page.
    """

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except Exception:  # an unreadable or damaged entry: compile the template as without a cache
            bucket.reset()

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        if sys.dont_write_bytecode:
            return
        try:
            super().dump_bytecode(bucket)
        except OSError:
            pass


def _compiled_templates() -> CompiledTemplates | None:
    try:
        return CompiledTemplates(pattern="reverie-%s.jinja")
    except (OSError, RuntimeError):  # no safe folder for it: templates are compiled at every start
        return None


templates = Jinja2Templates(directory=HERE / "templates")
templates.env.bytecode_cache = _compiled_templates()


def local_address(url: object) -> URL:
    """``url`` as a path on this server (with its query): never the scheme and host of the Host header.

    Starlette's ``url_for`` builds absolute URLs from the request's Host header, which a client
    chooses; pages and redirects use only the path, which carries the workbench's prefix.
    """
    whole = URL(str(url))
    path = "/" + whole.path.lstrip("/")  # never "//host/…", which a browser reads as another server
    return URL(path + (f"?{whole.query}" if whole.query else ""))


@jinja2.pass_context
def _url_for(context: dict, name: str, /, **path_params: Any) -> URL:
    return local_address(context["request"].url_for(name, **path_params))


templates.env.globals["url_for"] = _url_for


def current_study(request: Request) -> OpenStudy:
    return request.app.state.study


CurrentStudy = Annotated[OpenStudy, Depends(current_study)]


def sees_analysis(request: Request) -> bool:
    """Whether this page may show codes, annotations and the codebook: always locally; by role in team mode."""
    return request.scope.get("state", {}).get("sees_analysis", True)


def is_htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true"


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """A template rendered with the request and, for a whole page, the study's title (for the header).

    Fragments (templates named ``_*.html``) have no header, so they skip reading the title; it is
    read in plain SQL, so a page that needs no ORM model does not load them for its header.
    """
    title = "" if template.startswith("_") else study_title(current_study(request))
    return templates.TemplateResponse(request, template, {"study_title": title, **context}, status_code=status_code)


def redirect(request: Request, url: object) -> Response:
    """After a successful form: HTMX follows ``HX-Redirect``; a plain form post follows a 303 (both relative)."""
    where = str(local_address(url))
    if is_htmx(request):
        return Response(status_code=200, headers={"HX-Redirect": where})
    return RedirectResponse(where, status_code=303)


def export_path(study: OpenStudy, name: str) -> Path | None:
    """Where a download is written: ``exports/`` inside the study folder (0700), under a name the
    server chose; None in an encrypted study, whose downloads are made in memory and never written
    in plaintext inside it."""
    if study.manifest.encrypted:
        return None
    folder = study.root / "exports"
    folder.mkdir(mode=0o700, exist_ok=True)  # an older, looser one is tightened when the study opens
    return folder / name


def download(content: bytes, filename: str) -> Response:
    """Bytes made in memory, sent as a file to save."""
    media_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    return Response(content, media_type=media_type,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
