"""Domain errors become readable messages in the page, never a stack trace.

Three kinds of caller get the same message in the shape they can show: an HTMX request gets a
fragment swapped into the page's message area, the workbench's own ``fetch`` calls (which ask for
JSON) get ``{"error": …}``, and a plain page load gets an error page with a way back. In team mode
a reviewer gets the bare reviewer page instead (``app.state.bare_error_page``), whatever went wrong.

Inputs that pass a route's types but that no store can hold (an id past 64 bits, which SQLite
refuses with OverflowError and PostgreSQL with a data error) and input nested deeper than
Python's recursion are the client's mistake: they get a 4xx, never a 500.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse, Response

from reverie.core.errors import (
    Conflict,
    InvalidInput,
    NotFound,
    PermissionDenied,
    ReverieError,
)
from reverie.web.deps import is_htmx, templates

log = logging.getLogger("reverie.web")

STATUS = {NotFound: 404, InvalidInput: 422, Conflict: 409, PermissionDenied: 403}


def message_response(request: Request, message: str, status_code: int) -> Response:
    bare = getattr(request.app.state, "bare_error_page", None)
    page = bare(request, status_code) if bare is not None else None
    if page is not None:
        return page
    if is_htmx(request):
        response = templates.TemplateResponse(request, "_message.html", {"message": message, "kind": "error"},
                                              status_code=status_code)
        # Errors go to the message area whatever the form meant to replace.
        response.headers["HX-Retarget"] = "#messages"
        response.headers["HX-Reswap"] = "innerHTML"
        return response
    if "application/json" in request.headers.get("accept", ""):
        return JSONResponse({"error": message}, status_code=status_code)
    return templates.TemplateResponse(request, "error.html", {"message": message, "study_title": ""},
                                      status_code=status_code)


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for error in exc.errors():
        where = ".".join(str(p) for p in error.get("loc", ()) if p not in ("query", "path", "body"))
        parts.append(f"{where}: {error.get('msg', 'invalid')}" if where else error.get("msg", "invalid"))
    return "the request was not understood (" + "; ".join(parts) + ")"


def install_error_handlers(app: FastAPI) -> None:
    async def domain_error(request: Request, exc: ReverieError) -> Response:
        status = next((code for kind, code in STATUS.items() if isinstance(exc, kind)), 400)
        return message_response(request, str(exc), status)

    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        return message_response(request, _validation_message(exc), 422)

    async def http_error(request: Request, exc: HTTPException) -> Response:
        message = "no such page in this workbench" if exc.status_code == 404 else str(exc.detail)
        return message_response(request, message, exc.status_code)

    async def out_of_range(request: Request, exc: Exception) -> Response:
        return message_response(request, "no such record: a number in the request is out of range", 404)

    async def too_deep(request: Request, exc: RecursionError) -> Response:
        return message_response(request, "the request is nested too deeply to be understood", 422)

    async def unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error serving %s", request.url.path)
        return message_response(request, f"something went wrong ({type(exc).__name__}); "
                                         "the details are in the terminal running `reverie serve`", 500)

    app.add_exception_handler(ReverieError, domain_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(OverflowError, out_of_range)
    app.add_exception_handler(DataError, out_of_range)
    app.add_exception_handler(RecursionError, too_deep)
    app.add_exception_handler(Exception, unexpected)
