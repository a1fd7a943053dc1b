"""The New study page: ``reverie serve`` on a folder without a study offers to make one, then serves it.

:class:`StudySwitch` is the ASGI app ``reverie serve`` runs in that case. It serves a small set-up
app (the New study form) behind the same :class:`~reverie.web.security.LocalGuard` and the same
:class:`~reverie.web.security.LocalAccess` as the workbench; once the form has made the study it
swaps in the workbench for it, so the browser's session (its cookie and CSRF token, which live in
the shared ``LocalAccess``) carries on without a new link.

A folder that already holds other files is never turned into a study: the page names what is
there and asks for a new folder inside it, where the study is made.
"""

from __future__ import annotations

import mimetypes
import threading
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Form, Request
from fastapi.staticfiles import StaticFiles
from starlette.responses import HTMLResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from reverie.core.errors import InvalidInput, ReverieError
from reverie.services.study.context import OpenStudy
from reverie.services.study.setup import (
    LAYOUT_CHOICES,
    NOTATION_CHOICES,
    FolderState,
    StudyDefaults,
    create_study,
    folder_state,
)
from reverie.services.study.studies import Identity, default_identity
from reverie.web.deps import HERE, redirect, templates
from reverie.web.errors import install_error_handlers
from reverie.web.forms import FormSpec, failed
from reverie.web.limits import BodyLimit
from reverie.web.security import LocalAccess, LocalGuard, send_security_headers

NEW_STUDY = FormSpec("new-study", ("folder", "title", "name", "initials", "layout", "width", "notation", "passphrase",
                                   "passphrase_again"),
                     rules=(("passphrases differ", "passphrase_again"), ("passphrase", "passphrase"),
                            ("initials", "initials"), ("line width", "width"), ("whole number", "width"),
                            ("line layout", "layout"), ("notation", "notation"), ("folder", "folder"),
                            ("title", "title")))


class StudySwitch:
    """Serves the New study page until a study is made, then the workbench for that study."""

    def __init__(self, directory: Path | str, access: LocalAccess, *, announce=print) -> None:
        self.directory, self.access, self.announce = Path(directory), access, announce
        self.study: OpenStudy | None = None
        self._making = threading.Lock()
        self.current: ASGIApp = setup_app(self)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        await self.current(scope, receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        # The workbench's own lifespan never runs (it is swapped in later): the study is closed here.
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                self.close()
                await send({"type": "lifespan.shutdown.complete"})
                return

    def close(self) -> None:
        if self.study is not None:
            self.study.close()

    def state(self) -> FolderState:
        return folder_state(self.directory)

    def make(self, folder: str, title: str, identity: Identity, defaults: StudyDefaults,
             passphrase: str | None) -> OpenStudy:
        """Make the study (in ``folder`` inside the served one when that holds other files) and serve it."""
        from reverie.web.app import create_app

        with self._making:
            if self.study is not None:
                raise InvalidInput("a study has just been made from this page; reload it to open the workbench")
            root = self.directory
            if self.state().kind == "occupied":
                name = folder.strip()
                if not name or name in {".", ".."} or "/" in name or "\\" in name:
                    raise InvalidInput("name a new folder for the study (a plain name, such as my-study): "
                                       f"{self.directory} already holds other files")
                root = self.directory / name
            study = create_study(root, title=title, identity=identity, defaults=defaults, passphrase=passphrase)
            self.study = study
            self.current = create_app(root, self.access, study=study)
        self.announce(f"created study {root}; the workbench now serves it", flush=True)
        return study


def _page(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    return templates.TemplateResponse(request, template, {"study_title": "New study", **context},
                                      status_code=status_code)


def _context(switch: StudySwitch) -> dict[str, Any]:
    suggested = default_identity()
    return {"folder": switch.directory, "state": switch.state(), "identity": suggested,
            "layouts": [(mode, mode.replace("_", " ")) for mode in LAYOUT_CHOICES],
            "notations": [(name, name.replace("_", " ")) for name, _ in NOTATION_CHOICES],
            "notation_hint": "; ".join(f"{name.replace('_', ' ')}: {text}" for name, text in NOTATION_CHOICES),
            "defaults": StudyDefaults()}


def setup_app(switch: StudySwitch) -> FastAPI:
    """The New study page behind the local guard; its form makes the study and hands over to the workbench."""
    app = FastAPI(title="Reverie", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.access = switch.access
    app.state.making_study = True  # base.html leaves out the workbench's links, which this app does not have
    app.router.redirect_slashes = False
    app.add_middleware(LocalGuard, access=switch.access)
    app.add_middleware(BodyLimit)
    send_security_headers(app)
    mimetypes.add_type("text/javascript", ".js")
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    # Named "overview" as the workbench's first page is, so the shared page frame links to it.
    @app.get("/", name="overview")
    def new_study(request: Request):
        return _page(request, "new_study.html", **_context(switch))

    @app.post("/", name="create_study")
    def make_study(request: Request, title: str = Form(""), name: str = Form(""), initials: str = Form(""),
                   layout: str = Form("fixed_width"), width: str = Form("80"), notation: str = Form("verbatim_health"),
                   encrypt: bool = Form(False), passphrase: str = Form(""), passphrase_again: str = Form(""),
                   folder: str = Form("")) -> Response:
        values = {"title": title, "name": name, "initials": initials, "layout": layout, "width": width,
                  "notation": notation, "folder": folder, **({"encrypt": "1"} if encrypt else {})}
        try:
            if not width.strip().isdigit():
                raise InvalidInput(f"the line width must be a whole number of characters, not {width!r}")
            if encrypt and passphrase != passphrase_again:
                raise InvalidInput("the two passphrases differ; type the same passphrase in both boxes")
            if encrypt and not passphrase:
                raise InvalidInput("an encrypted study needs a passphrase")
            suggested = default_identity()
            identity = Identity(name=name.strip() or suggested.name, initials=initials.strip() or suggested.initials)
            switch.make(folder, title.strip(), identity, StudyDefaults(layout, int(width), notation),
                        passphrase if encrypt else None)
        except ReverieError as exc:
            return failed(request, NEW_STUDY, exc, values=values, page="new_study.html",
                          page_context=lambda: _context(switch), render=_page)
        return redirect(request, request.url_for("overview"))

    install_error_handlers(app)
    return app
