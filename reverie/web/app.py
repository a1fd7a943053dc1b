"""The web workbench for one study: a thin front of pages and HTMX fragments over the services.

``create_app`` opens the study once and shares it between requests (its write path serialises
writers); every request passes the local guard first (path prefix, session cookie, origin and CSRF:
see :mod:`reverie.web.security`), static files included, and every answer carries the security headers.
Route modules are imported when a request first reaches them (:mod:`reverie.web.lazy_routes`), so
the first page does not wait for all eighty routes.
"""

from __future__ import annotations

import mimetypes
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from reverie.services.study.context import OpenStudy
from reverie.services.study.studies import open_study
from reverie.web.deps import HERE
from reverie.web.errors import install_error_handlers
from reverie.web.lazy_routes import LazyRoutes
from reverie.web.limits import BodyLimit
from reverie.web.security import LocalAccess, LocalGuard, send_security_headers


def study_lifespan(study: OpenStudy):
    """The app's life: the study stays open while it serves and is closed after."""

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        try:
            yield
        finally:
            study.close()

    return lifespan


def create_app(study_dir: Path | str, access: LocalAccess, *, study: OpenStudy | None = None) -> FastAPI:
    """The workbench for the study in ``study_dir``, opened through ``access``; pass ``study`` if already open."""
    study = study or open_study(Path(study_dir))
    app = FastAPI(title="Reverie", lifespan=study_lifespan(study), docs_url=None, redoc_url=None, openapi_url=None)
    app.state.study = study
    app.state.access = access
    # Starlette would redirect a stray trailing slash to an absolute URL built from the Host header.
    app.router.redirect_slashes = False
    app.add_middleware(LocalGuard, access=access)
    app.add_middleware(BodyLimit)  # outermost: bodies are capped before the guard reads one
    send_security_headers(app)
    # Browsers refuse ES modules served as text/plain, which some systems map .js to.
    mimetypes.add_type("text/javascript", ".js")
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    LazyRoutes(app).install()
    install_error_handlers(app)
    return app
