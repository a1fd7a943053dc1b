"""The local-mode guard: nothing is served to a request that does not carry the study's token.

As in Jupyter, ``reverie serve`` prints a URL holding a random token. The first request brings it
as ``?token=…``; the guard answers with an HttpOnly, SameSite=Strict cookie and a redirect to the
same address without the token, so it neither lingers in the address bar nor leaks in a Referer.
Every later request (pages, fragments, audio, static files) must carry that cookie. It is a pure
ASGI middleware so that no route, mounted app or static file can sit outside it.
"""

from __future__ import annotations

import secrets
from urllib.parse import parse_qsl, urlencode

from starlette.datastructures import Headers
from starlette.requests import cookie_parser
from starlette.responses import PlainTextResponse, RedirectResponse
from starlette.types import ASGIApp, Receive, Scope, Send

COOKIE = "reverie_token"

REFUSAL = ("403: this Reverie workbench needs its token. Open the URL that `reverie serve` printed "
           "(it ends in ?token=…).")


def new_token() -> str:
    return secrets.token_urlsafe(32)


class TokenGuard:
    """Refuse (403) every HTTP request without the token; turn a token in the URL into a cookie."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        if not token:
            raise ValueError("the workbench needs a non-empty token")
        self.app = app
        self.token = token

    def _matches(self, candidate: str | None) -> bool:
        return candidate is not None and secrets.compare_digest(candidate.encode(), self.token.encode())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        query = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        given = next((value for key, value in query if key == "token"), None)
        if self._matches(given) and scope["type"] == "http" and scope["method"] in ("GET", "HEAD"):
            rest = urlencode([(key, value) for key, value in query if key != "token"])
            response = RedirectResponse(scope["path"] + (f"?{rest}" if rest else ""), status_code=303)
            response.set_cookie(COOKIE, self.token, httponly=True, samesite="strict", path="/")
            await response(scope, receive, send)
            return
        held = cookie_parser(Headers(scope=scope).get("cookie", "")).get(COOKIE)
        if self._matches(held) or self._matches(given):
            await self.app(scope, receive, send)
            return
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
            return
        await PlainTextResponse(REFUSAL, status_code=403)(scope, receive, send)
