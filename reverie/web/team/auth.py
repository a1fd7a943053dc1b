"""Signing in and out of a team server.

The login form is the one page served without a session, so it guards itself against
cross-site posts with a double-submit token: ``GET /login`` sets a random value in an HttpOnly,
SameSite=Strict cookie and the same value in the form, and ``POST /login`` needs both to match.
A successful login starts a fresh server-side session (a new random id, so a session id planted
before login is worthless) and sends staff to the overview, reviewers to their portal.
"""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from reverie.services.system.members import LockedOut, LoginRefused, login
from reverie.web.deps import templates
from reverie.web.team.guard import SESSION_COOKIE, cookies_secure, set_cookie

router = APIRouter(tags=["account"])
LOGIN_COOKIE = "reverie_login"


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
def sign_in(request: Request, username: str = Form(""), password: str = Form(""), csrf_token: str = Form("")):
    expected = request.cookies.get(LOGIN_COOKIE, "")
    if not expected or not secrets.compare_digest(csrf_token.encode(), expected.encode()):
        return _form(request, "The sign-in form had expired; please try again.", 403)
    state = request.app.state
    address = request.client.host if request.client else "-"
    try:
        member = login(state.study, username, password, address=address, throttle=state.throttle)
    except LockedOut as exc:
        return _form(request, str(exc).capitalize() + ".", 429)
    except LoginRefused:
        return _form(request, "Wrong username or password.", 401)
    session = state.sessions.start(member)
    response = RedirectResponse("/review" if member.is_reviewer else "/", status_code=303)
    set_cookie(request, response, SESSION_COOKIE, session.id)
    response.delete_cookie(LOGIN_COOKIE, path="/login")
    return response


@router.post("/logout", name="sign_out")
def sign_out(request: Request):
    """End this session (the guard has checked its CSRF token) and go back to the sign-in page."""
    request.app.state.sessions.end(request.state.session.id)
    request.state.study.record("logout", target=f"user:{request.state.member.username}")
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/", secure=cookies_secure(request), httponly=True,
                           samesite="strict")
    return response
