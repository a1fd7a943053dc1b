"""Request bodies are capped while they arrive, before any guard or route reads them.

Every body is refused past :data:`BODY_LIMIT_BYTES` (10 MB: forms and JSON are a few kilobytes),
except on the paths an app names as recording uploads, which may stream up to the media limit
(``media_limit_bytes`` in ``team.toml``, :data:`MEDIA_LIMIT_BYTES` in local mode). A declared
``Content-Length`` past the cap is answered 413 before a byte is read; a chunked body is counted
as it comes and refused the moment it passes the cap, so a 400 MB POST costs at most the cap in
memory, whoever sends it and whatever the route. It wraps the guards, so even the CSRF check
(which reads a form's body to find its token) reads at most the cap.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

BODY_LIMIT_BYTES = 10 * 1000 * 1000
# Local mode's media limit; team.toml's media_limit_bytes has the same default.
MEDIA_LIMIT_BYTES = 4 << 30


def _size(n: int) -> str:
    return f"{n / (1 << 30):g} GiB" if n >= 1 << 30 else f"{n / 1e6:g} MB"


class BodyTooLarge(HTTPException):
    """A request body past its cap: 413, with the cap in the message."""

    def __init__(self, cap: int) -> None:
        super().__init__(413, f"413: the request is larger than {_size(cap)}, the limit for this address; "
                              "nothing was saved")


class BodyLimit:
    """Refuse (413) request bodies past their cap; ``uploads`` pairs path patterns with larger caps."""

    def __init__(self, app: ASGIApp, *, limit: int = BODY_LIMIT_BYTES,
                 uploads: Sequence[tuple[str, int]] = ()) -> None:
        self.app, self.limit = app, limit
        self.uploads = [(re.compile(pattern), cap) for pattern, cap in uploads]

    def cap_for(self, path: str) -> int:
        return next((cap for pattern, cap in self.uploads if pattern.fullmatch(path)), self.limit)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cap = self.cap_for(scope["path"])
        declared = Headers(scope=scope).get("content-length")
        if declared is not None and (not declared.isascii() or not declared.isdigit() or int(declared) > cap):
            refusal = BodyTooLarge(cap) if declared.isascii() and declared.isdigit() else None
            await PlainTextResponse(refusal.detail if refusal else "400: the Content-Length header is not a number",
                                    status_code=413 if refusal else 400)(scope, receive, send)
            return
        received = 0
        started = False

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > cap:
                    raise BodyTooLarge(cap)
            return message

        async def sending(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, sending)
        except BodyTooLarge as refusal:
            if started:
                raise
            await PlainTextResponse(refusal.detail, status_code=413)(scope, receive, send)
