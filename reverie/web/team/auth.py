"""Signing in and out of a team server, and changing one's own password.

The login form is the one page served without a session, so it guards itself against
cross-site posts with a double-submit token: ``GET /login`` sets a random value in an HttpOnly,
SameSite=Strict cookie and the same value in the form, and ``POST /login`` needs both to match.
A successful login starts a fresh server-side session (a new random id, so a session id planted
before login is worthless) and sends staff to the overview, reviewers to their portal.

The client address the throttle counts is the connection's own, unless the connection comes
from a proxy named in ``trusted_proxies`` (then the server takes the proxy's ``X-Forwarded-For``);
anyone else's ``X-Forwarded-For`` is ignored, so rotating it buys no extra guesses. A username
with recent failures is answered after a wait (asynchronously: a waiting sign-in holds no worker
thread), which slows guessing without ever refusing the right password.

The account pages (``/logout``, ``/account/password``) need a session like every other page,
and are open to every role (section ``account`` of the policy).
"""

from __future__ import annotations

import asyncio
import secrets

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from reverie.core.errors import InvalidInput
from reverie.services.system.members import LockedOut, LoginRefused, change_password, login, normal_username
from reverie.web.deps import templates
from reverie.web.team.guard import SESSION_COOKIE, cookies_secure, set_cookie

router = APIRouter(tags=["sign-in"])
account = APIRouter(tags=["account"])
LOGIN_COOKIE = "reverie_login"


def _address(request: Request) -> str:
    return request.client.host if request.client else "-"


def _form(request: Request, message: str = "", status_code: int = 200) -> Response:
    token = secrets.token_urlsafe(32)
    response = templates.TemplateResponse(request, "team/login.html", {"csrf": token, "message": message},
                                          status_code=status_code)
    set_cookie(request, response, LOGIN_COOKIE, token, path="/login")
    return response


@router.get("/login", name="login")
def login_page(request: Request):
    return _form(request)


@router.post("/login", name="sign_in")
async def sign_in(request: Request, username: str = Form(""), password: str = Form(""),
                  csrf_token: str = Form("")):
    expected = request.cookies.get(LOGIN_COOKIE, "")
    if not expected or not secrets.compare_digest(csrf_token.encode(), expected.encode()):
        return _form(request, "The sign-in form had expired; please try again.", 403)
    state = request.app.state
    wait = state.throttle.delay(normal_username(username))
    if wait:
        await asyncio.sleep(wait)
    try:
        member = await run_in_threadpool(login, state.study, username, password, address=_address(request),
                                         throttle=state.throttle)
    except LockedOut as exc:
        return _form(request, str(exc).capitalize() + ".", 429)
    except LoginRefused:
        return _form(request, "Wrong username or password.", 401)
    session = state.sessions.start(member)
    response = RedirectResponse("/review" if member.is_reviewer else "/", status_code=303)
    set_cookie(request, response, SESSION_COOKIE, session.id)
    response.delete_cookie(LOGIN_COOKIE, path="/login")
    return response


@account.post("/logout", name="sign_out")
def sign_out(request: Request):
    """End this session (the guard has checked its CSRF token) and go back to the sign-in page."""
    request.app.state.sessions.end(request.state.session.id)
    request.state.study.record("logout", target=f"user:{request.state.member.username}")
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/", secure=cookies_secure(request), httponly=True,
                           samesite="strict")
    return response


def _password_page(request: Request, message: str = "", status_code: int = 200, done: bool = False) -> Response:
    context = {"member": request.state.member, "csrf": request.state.session.csrf, "message": message,
               "done": done}
    return templates.TemplateResponse(request, "team/password.html", context, status_code=status_code)


@account.get("/account/password", name="password_form")
def password_form(request: Request, changed: int = 0):
    return _password_page(request, done=bool(changed))


@account.post("/account/password", name="change_password")
async def change_own_password(request: Request, current: str = Form(""), new: str = Form(""),
                              repeat: str = Form("")):
    """Check the current password, store the new one, end every session of the account but this one's successor."""
    if new != repeat:
        return _password_page(request, "The two new passwords differ.", 422)
    state = request.app.state
    member = request.state.member
    wait = state.throttle.delay(member.username)
    if wait:
        await asyncio.sleep(wait)
    try:
        changed = await run_in_threadpool(change_password, request.state.study, member, current, new,
                                          address=_address(request), throttle=state.throttle)
    except LockedOut as exc:
        return _password_page(request, str(exc).capitalize() + ".", 429)
    except LoginRefused:
        return _password_page(request, "The current password is not right.", 403)
    except InvalidInput as exc:
        return _password_page(request, str(exc).capitalize() + ".", 422)
    state.sessions.end(request.state.session.id)
    session = state.sessions.start(changed)  # this browser stays signed in; every other session has ended
    response = RedirectResponse("/account/password?changed=1", status_code=303)
    set_cookie(request, response, SESSION_COOKIE, session.id)
    return response
