"""Team-mode access control: who is asking, is the change really theirs, may they see this, and the audit.

Three layers, each failing closed:

1. :class:`TeamGuard`, a pure ASGI middleware in front of everything (pages, fragments, audio,
   static files): no live session → a redirect to ``/login`` (GET) or 401; a change (any method
   but GET/HEAD) from another site, or without the session's CSRF token in the ``X-CSRF-Token``
   header or a ``csrf_token`` form field → 403 (the check local mode uses too:
   :func:`reverie.web.security.change_refusal`); reviewers never get the workbench's static
   files. It also hands routes a copy of the study whose audit actor is the signed-in user.
2. :func:`guard`, a dependency on every included router, applies :mod:`.policy` to the route's
   section: reviewers are told a refused page does not exist (404), staff are told no (403).
3. The same dependency writes an audit event for every read it allows (action ``read``, target
   the path) through the study's one write path, so reads join the hash chain with the changes.

The workbench's pages carry no CSRF field of their own: for staff the guard puts the session's
token in the request state, ``base.html`` writes it into a meta tag, and the workbench's
``static/http.js`` puts it on its own requests, HTMX requests and plain form posts.
"""

from __future__ import annotations

import dataclasses

from fastapi import Depends, FastAPI, Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.requests import cookie_parser
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from reverie.core.errors import InvalidInput, NotFound
from reverie.services.study.context import OpenStudy
from reverie.services.system.members import Member, active_member
from reverie.services.transcripts.versions import version_info
from reverie.web.deps import templates
from reverie.web.errors import message_response
from reverie.web.security import FOREIGN, change_refusal, cross_origin
from reverie.web.team.policy import POLICY, SAFE_METHODS, may_change_locked, sees_analysis
from reverie.web.team.sessions import Sessions

SESSION_COOKIE = "reverie_session"
PUBLIC_PATHS = frozenset({"/login"})
STATIC_PREFIXES = ("/static/",)
LOCKABLE = frozenset({"transcripts", "corrections"})  # sections whose changes rewrite or restatus a transcript


class Refused(Exception):
    """A signed-in user asked for something their role does not allow."""

    def __init__(self, status_code: int):
        self.status_code = status_code


def cookies_secure(request: Request) -> bool:
    """Secure cookies when the request came over HTTPS (directly or via the proxy) or the settings demand it."""
    return request.app.state.secure_cookies or request.url.scheme == "https"


def set_cookie(request: Request, response: Response, name: str, value: str, *, path: str = "/") -> None:
    response.set_cookie(name, value, httponly=True, samesite="strict", secure=cookies_secure(request), path=path)


class TeamGuard:
    """Sessions, CSRF and static-file rules in front of every request (see the module docstring)."""

    def __init__(self, app: ASGIApp, *, study: OpenStudy, sessions: Sessions, secure: bool) -> None:
        self.app, self.study, self.sessions, self.secure = app, study, sessions, secure

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["method"] not in SAFE_METHODS and cross_origin(scope, same_origin_only=False):
            await PlainTextResponse(FOREIGN, status_code=403)(scope, receive, send)  # sign-in forms included
            return
        if scope["path"] in PUBLIC_PATHS:
            await self.app(scope, receive, send)
            return
        held = cookie_parser(Headers(scope=scope).get("cookie", "")).get(SESSION_COOKIE)
        session = self.sessions.get(held)
        member = await run_in_threadpool(active_member, self.study, session.user_id) if session else None
        if member is not None and not session.still_fits(member):
            member = None  # role or password changed since sign-in (perhaps from the CLI): sign in again
        if member is None:
            if session is not None:
                self.sessions.end(session.id)
            await self._anonymous(scope)(scope, receive, send)
            return
        if scope["method"] not in SAFE_METHODS:
            refusal, receive = await change_refusal(scope, receive, session.csrf, same_origin_only=False)
            if refusal:
                await PlainTextResponse(refusal, status_code=403)(scope, receive, send)
                return
        if scope["path"].startswith(STATIC_PREFIXES) and not POLICY["static"].allows(member.role, scope["method"]):
            await _not_found(scope, receive, send)
            return
        state = scope.setdefault("state", {})
        state.update(member=member, session=session, study=dataclasses.replace(self.study, actor=member.username),
                     sees_analysis=sees_analysis(member.role))
        if not member.is_reviewer:
            state["csrf_token"] = session.csrf  # base.html adds it and team.js to staff pages
        await self.app(scope, receive, send)

    def _anonymous(self, scope: Scope) -> Response:
        if scope["method"] in SAFE_METHODS:
            response: Response = RedirectResponse("/login", status_code=303)
        else:
            response = PlainTextResponse("401: sign in first", status_code=401)
        if SESSION_COOKIE in Headers(scope=scope).get("cookie", ""):
            response.delete_cookie(SESSION_COOKIE, path="/", secure=self.secure, httponly=True, samesite="strict")
        return response


async def _not_found(scope: Scope, receive: Receive, send: Send) -> None:
    await PlainTextResponse("404: no such page", status_code=404)(scope, receive, send)


# --- in the routes ---------------------------------------------------------------------------

def signed_in(request: Request) -> Member:
    return request.state.member


def acting_study(request: Request) -> OpenStudy:
    """The study as the signed-in user: their username is the actor of every audit event they cause."""
    return request.state.study


def audit_access(request: Request, action: str) -> None:
    path = request.url.path[:300]
    payload = {"method": request.method, **({"query": request.url.query} if request.url.query else {})}
    acting_study(request).record(action, target=path, payload=payload)


def _locked_against(request: Request, member: Member, section: str) -> bool:
    """A change to a locked transcript by a role that may edit drafts only (a transcriber).

    A locked transcript's words are what the analysts' codes and extracts quote; a correction
    to it is the lead's decision.
    """
    if section not in LOCKABLE or request.method in SAFE_METHODS or may_change_locked(member.role):
        return False
    params = request.path_params
    round_no = str(params.get("round_no", ""))
    if "code" not in params or not (round_no.isdigit() and len(round_no) <= 9):
        return False
    try:
        info = version_info(acting_study(request), params["code"], int(round_no))
    except (NotFound, InvalidInput):
        return False  # the route answers for an interview that is not there
    return info.status == "locked"


def guard(section: str):
    """The dependency that applies the policy for ``section`` and audits what it lets through."""
    rule = POLICY[section]

    def check(request: Request) -> None:
        member = signed_in(request)
        if not rule.allows(member.role, request.method) or _locked_against(request, member, section):
            audit_access(request, "refused")
            raise Refused(404 if member.is_reviewer else 403)
        if request.method in SAFE_METHODS:
            audit_access(request, "read")

    return Depends(check)


def install_team_handlers(app: FastAPI) -> None:
    """Refusals and unknown pages: reviewers get a bare page that reveals nothing of the workbench."""

    def bare(request: Request, status_code: int) -> Response:
        message = "There is no such page." if status_code == 404 else "You may not do this here."
        return templates.TemplateResponse(request, "team/refused.html", {"message": message},
                                          status_code=status_code)

    def is_reviewer(request: Request) -> bool:
        member = request.scope.get("state", {}).get("member")
        return member is None or member.is_reviewer

    async def refused(request: Request, exc: Refused) -> Response:
        if is_reviewer(request):
            return bare(request, exc.status_code)
        return message_response(request, "your role in this study does not allow this", exc.status_code)

    async def http_error(request: Request, exc: HTTPException) -> Response:
        if is_reviewer(request):
            return bare(request, exc.status_code)
        message = "no such page in this workbench" if exc.status_code == 404 else str(exc.detail)
        return message_response(request, message, exc.status_code)

    app.add_exception_handler(Refused, refused)
    app.add_exception_handler(HTTPException, http_error)
    # Every other error page too (domain errors, bad input, a crash): a reviewer never sees the workbench's.
    app.state.bare_error_page = lambda request, status: bare(request, status) if is_reviewer(request) else None
