"""What keeps the workbench to its own page: the local-mode guard, CSRF and origin checks, security headers.

Local mode (``reverie serve``) cannot rely on a cookie alone: browsers send 127.0.0.1 cookies to
every port of 127.0.0.1, and SameSite ignores ports, so a page served from another local port is
"same-site" with the workbench. So, as :class:`LocalAccess` and :class:`LocalGuard` arrange:

- the workbench lives under a random path prefix (``/s-<random>/``) and its session cookie is
  scoped to that path, so a server on another port never receives it;
- the browser is handed a one-time code (``?once=…``) that dies on first use and is traded for
  the session cookie: the code on the browser's command line (visible in ``ps``) opens nothing
  afterwards, and the session itself is never printed or passed to another process;
- every change (any method but GET/HEAD) must carry the session's CSRF token and must not come
  from another origin (``Sec-Fetch-Site``, ``Origin``); a refused change answers 403 and reaches
  no route, so it writes nothing.

The CSRF check (:func:`change_refusal`) is the one team mode uses too, and
:func:`send_security_headers` gives every answer of either app (pages, fragments, static files,
media, refusals, errors) the same Content-Security-Policy and companions.
"""

from __future__ import annotations

import hashlib
import mimetypes
import secrets
import threading
from urllib.parse import parse_qsl, urlencode

from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import Request, cookie_parser
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

COOKIE = "reverie_workbench"
CODE_PARAM = "once"  # not "code": the search form filters by a code under that name
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD"})

# Scripts only from the workbench's own files (no inline script, no eval); styles may be inline
# because the reader colours code bars with style attributes. The report preview may frame the
# workbench's own pages, nothing else may frame them.
CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                           "img-src 'self' data:; media-src 'self'; connect-src 'self'; object-src 'none'; "
                           "base-uri 'none'; form-action 'self'; frame-ancestors 'self'")
SECURITY_HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-frame-options": "SAMEORIGIN",
    "referrer-policy": "no-referrer",
    "x-content-type-options": "nosniff",
}

REFUSAL = ("403: this Reverie workbench needs a sign-in link. Open the link that `reverie serve` printed "
           "(it ends in ?once=…); each link opens the workbench once.")
USED_CODE = ("403: this sign-in link has been used already (each link opens the workbench once). "
             "Use the browser that opened it, or restart `reverie serve` for a new link.")
NOT_HERE = "404: no Reverie workbench at this address; open the link that `reverie serve` printed."
FOREIGN = "403: this change came from another page than the workbench's own, so it was refused"
NO_TOKEN = "403: this change did not carry the page's CSRF token; reload the page and try again"
# A plain form post carries its token in the body, which is read into memory to find it; an upload
# (a recording can be gigabytes) sends the token in the header instead, as the workbench's pages do.
PLAIN_FORM_BYTES = 10 * 1000 * 1000
LARGE_PLAIN_FORM = ("403: a form over 10 MB must carry the page's CSRF token in its X-CSRF-Token header, as the "
                    "workbench's upload page does; reload the page and try again")


def playable_type(suffix: str) -> str:
    """The media type a recording is served with: its real audio or video type, never one a browser renders.

    A file named ``.html`` or ``.svg`` would otherwise be served as a page in the workbench's origin;
    anything that is not audio or video is sent as opaque bytes.
    """
    guessed = mimetypes.guess_type(f"x{suffix}")[0] or ""
    return guessed if guessed.startswith(("audio/", "video/")) else "application/octet-stream"


def _digest(secret: str) -> str:
    # Codes and sessions are looked up by digest, so a lookup's timing says nothing about the secret.
    return hashlib.sha256(secret.encode()).hexdigest()


class LocalAccess:
    """What opens one local workbench: its path prefix, its one-time codes and the sessions they started.

    Kept in the server's memory only: a restart (a new prefix) ends every session.
    """

    def __init__(self, prefix: str | None = None) -> None:
        self.prefix = prefix or f"/s-{secrets.token_urlsafe(18)}"
        if not self.prefix.startswith("/s-") or "/" in self.prefix[1:]:
            raise ValueError(f"the workbench's path prefix must look like /s-<random>, not {self.prefix!r}")
        self._codes: set[str] = set()
        self._sessions: dict[str, str] = {}  # digest of the session id → its CSRF token
        self._lock = threading.Lock()

    def issue_code(self) -> str:
        """A new code that opens the workbench once."""
        code = secrets.token_urlsafe(24)
        with self._lock:
            self._codes.add(_digest(code))
        return code

    def link(self, origin: str) -> str:
        """The address to open, with a fresh one-time code: ``http://127.0.0.1:PORT/s-…/?once=…``."""
        return f"{origin}{self.prefix}/?{CODE_PARAM}={self.issue_code()}"

    def redeem(self, code: str) -> str | None:
        """A new session id for an unused code (the code dies here), or None."""
        with self._lock:
            if _digest(code) not in self._codes:
                return None
            self._codes.discard(_digest(code))
            session = secrets.token_urlsafe(32)
            self._sessions[_digest(session)] = secrets.token_urlsafe(32)
        return session

    def csrf_for(self, session: str | None) -> str | None:
        """The CSRF token of a live session, or None when the cookie opens nothing."""
        if not session:
            return None
        with self._lock:
            return self._sessions.get(_digest(session))


class LocalGuard:
    """Local mode's gate in front of everything: prefix, one-time code, session cookie, origin and CSRF.

    A pure ASGI middleware, so no route, static file or recording sits outside it. It sets the
    request's ``root_path`` to the prefix, so routes keep their paths and ``url_for`` builds the
    workbench's addresses under the prefix.
    """

    def __init__(self, app: ASGIApp, access: LocalAccess) -> None:
        self.app, self.access = app, access

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        prefix, path = self.access.prefix, scope["path"]
        query = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        if path == prefix and scope["method"] in SAFE_METHODS:
            rest = urlencode(query)
            await RedirectResponse(f"{prefix}/" + (f"?{rest}" if rest else ""), status_code=303)(scope, receive, send)
            return
        if not path.startswith(prefix + "/"):
            await PlainTextResponse(NOT_HERE, status_code=404)(scope, receive, send)
            return
        scope["root_path"] = prefix
        csrf = self.access.csrf_for(cookie_parser(Headers(scope=scope).get("cookie", "")).get(COOKIE))
        code = next((value for key, value in query if key == CODE_PARAM), None)
        if code is not None and scope["method"] in SAFE_METHODS:
            await self._sign_in(scope, code, query, signed_in=csrf is not None)(scope, receive, send)
            return
        if csrf is None:
            await PlainTextResponse(REFUSAL, status_code=403)(scope, receive, send)
            return
        if scope["method"] not in SAFE_METHODS:
            refusal, receive = await change_refusal(scope, receive, csrf, same_origin_only=True)
            if refusal:
                await PlainTextResponse(refusal, status_code=403)(scope, receive, send)
                return
        scope.setdefault("state", {})["csrf_token"] = csrf  # base.html writes it into <meta name="csrf-token">
        await self.app(scope, receive, send)

    def _sign_in(self, scope: Scope, code: str, query: list[tuple[str, str]], *, signed_in: bool) -> Response:
        """Trade a one-time code for the session cookie, and leave the code out of the address bar.

        A browser already signed in that opens a spent link again is simply let in.
        """
        session = self.access.redeem(code)
        if session is None and not signed_in:
            return PlainTextResponse(USED_CODE, status_code=403)
        rest = urlencode([(key, value) for key, value in query if key != CODE_PARAM])
        response = RedirectResponse(scope["path"] + (f"?{rest}" if rest else ""), status_code=303)
        if session is not None:
            response.set_cookie(COOKIE, session, httponly=True, samesite="strict", path=f"{self.access.prefix}/")
        return response


# --- changes: origin and CSRF, shared with team mode -------------------------------------------

def cross_origin(scope: Scope, *, same_origin_only: bool) -> bool:
    """True when the browser says the request comes from another site or, in local mode, another origin.

    ``Sec-Fetch-Site`` says it whatever proxy sits in front; a page on another port of the same
    host is ``same-site``, which is not good enough. Browsers too old to send it are judged, in
    local mode, by ``Origin`` against the address the browser asked for (no proxy rewrites it
    there); ``Origin`` is not consulted when ``Sec-Fetch-Site`` is present, because with
    ``Referrer-Policy: no-referrer`` a page's own form posts say ``Origin: null``. Clients that
    send neither (scripts, tests) are judged by the CSRF token alone.
    """
    headers = Headers(scope=scope)
    fetch_site = headers.get("sec-fetch-site")
    if fetch_site is not None:
        return fetch_site != "same-origin"
    origin = headers.get("origin")
    if same_origin_only and origin is not None:
        return origin != f"{scope.get('scheme', 'http')}://{headers.get('host', '')}"
    return False


async def change_refusal(scope: Scope, receive: Receive, expected: str, *,
                         same_origin_only: bool) -> tuple[str | None, Receive]:
    """Why a change must be refused (None when it is the page's own), and a ``receive`` for the route.

    The token comes in the ``X-CSRF-Token`` header (the workbench's scripts and HTMX) or, for a
    plain form post, in the ``csrf_token`` field; only then is the body read, and it is handed on.
    """
    if cross_origin(scope, same_origin_only=same_origin_only):
        return FOREIGN, receive
    headers = Headers(scope=scope)
    given = headers.get(CSRF_HEADER)
    if given is None and headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")):
        body = await _read_body(receive, PLAIN_FORM_BYTES)
        if body is None:
            return LARGE_PLAIN_FORM, receive
        receive = _replay(body, receive)
        form = await Request(scope, _replay(body, _nothing_more)).form()
        try:
            value = form.get(CSRF_FIELD)
            given = value if isinstance(value, str) else None
        finally:
            await form.close()
    if given is None or not secrets.compare_digest(given.encode(), expected.encode()):
        return NO_TOKEN, receive
    return None, receive


async def _read_body(receive: Receive, cap: int) -> bytes | None:
    """The whole body, or None once it passes ``cap`` bytes (it is read into memory to find the token)."""
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > cap:
            return None
        chunks.append(chunk)
        if not message.get("more_body"):
            break
    return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that hands the route the body already read, then waits as the real one."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def _nothing_more() -> Message:
    return {"type": "http.disconnect"}


# --- headers on every answer -------------------------------------------------------------------

class SecurityHeaders:
    """Adds :data:`SECURITY_HEADERS` to every HTTP answer that does not set its own."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, with_headers)


def send_security_headers(app) -> None:
    """Wrap the whole app, Starlette's own 500 page included, in :class:`SecurityHeaders`.

    ``add_middleware`` would sit inside Starlette's error middleware, whose answers would then go
    out bare; wrapping the built stack covers them too.
    """
    build = app.build_middleware_stack
    app.build_middleware_stack = lambda: SecurityHeaders(build())
