"""Request bodies are capped while they arrive, before any guard or route reads them.

Every body is refused past :data:`BODY_LIMIT_BYTES` (10 MB: forms and JSON are a few kilobytes),
except on the workbench's upload addresses (:data:`UPLOADS`): a transcript may be as large as the
importers accept (100 MB) and a recording may stream up to the media limit (``media_limit_bytes``
in ``team.toml``, :data:`MEDIA_LIMIT_BYTES` in local mode). A declared ``Content-Length`` past the
cap is answered 413 before the body is read (only its first piece, for the file's name); a chunked
body is counted as it comes and refused the moment it passes the cap, so a 400 MB POST costs at
most the cap in memory, whoever sends it and whatever the route. It wraps the guards, so even the
CSRF check (which reads a form's body to find its token) reads at most the cap.

A refused upload names the file (taken from the multipart header at the start of the body) and
the limit, as an HTML message when HTMX sent it, so the page shows it beside the file control;
the route never ran, so nothing was stored.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

BODY_LIMIT_BYTES = 10 * 1000 * 1000
# Local mode's media limit; team.toml's media_limit_bytes has the same default.
MEDIA_LIMIT_BYTES = 4 << 30
# The importers refuse a transcript past 100 MB (reverie.formats.transcripts.MAX_TRANSCRIPT_BYTES).
TRANSCRIPT_LIMIT_BYTES = 100 * 1024 * 1024
# Room for the form's other fields and the multipart framing around the file.
FORM_SLACK_BYTES = 1000 * 1000
# Local mode's addresses carry its random prefix; the team server's do not.
_PREFIX = r"(?:/s-[\w-]+)?"
_FILENAME = re.compile(rb'filename="([^"\r\n]{1,400})"')


@dataclass(frozen=True)
class Upload:
    """An address that takes a file: its path pattern, what the file is, and its limit (None: the media limit)."""

    pattern: str
    what: str
    limit: int | None = None


UPLOADS: tuple[Upload, ...] = (
    Upload(_PREFIX + r"/import/transcript", "a transcript", TRANSCRIPT_LIMIT_BYTES),
    Upload(_PREFIX + r"/import/recording", "a recording"),
)


def size_text(n: int) -> str:
    """A limit as people read it: "10 MB", "100 MB", "4 GiB"."""
    if n >= 1 << 30:
        return f"{n / (1 << 30):g} GiB"
    if n >= 1 << 20 and n % (1 << 20) == 0:
        return f"{n >> 20} MB"
    return f"{n / 1e6:g} MB"


class BodyTooLarge(HTTPException):
    """A request body past its cap: 413, with the cap (and, for an upload, the file) in the message."""

    def __init__(self, cap: int, upload: Upload | None = None, limit: int | None = None,
                 filename: str | None = None) -> None:
        if upload is None:
            detail = f"413: the request is larger than {size_text(cap)}, the limit for this address; nothing was saved"
        else:
            detail = (f"{filename or 'the file'} is larger than {size_text(limit or cap)}, "
                      f"the limit for {upload.what}; nothing was saved")
        super().__init__(413, detail)


def uploaded_name(first_piece: bytes) -> str | None:
    """The name of the file in a multipart body, from the part header near its start (for messages only)."""
    found = _FILENAME.search(first_piece[:64 * 1024])
    if found is None:
        return None
    name = found.group(1).decode("utf-8", "replace").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    return name[:200] or None


class BodyLimit:
    """Refuse (413) request bodies past their cap; ``uploads`` name the addresses that take larger files."""

    def __init__(self, app: ASGIApp, *, limit: int = BODY_LIMIT_BYTES, media_limit: int = MEDIA_LIMIT_BYTES,
                 uploads: Sequence[Upload] = UPLOADS) -> None:
        self.app, self.limit, self.media_limit = app, limit, media_limit
        self.uploads = [(re.compile(upload.pattern), upload) for upload in uploads]

    def upload_for(self, path: str) -> Upload | None:
        return next((upload for pattern, upload in self.uploads if pattern.fullmatch(path)), None)

    def file_limit(self, upload: Upload | None) -> int:
        """The largest file an address takes: what users are told."""
        if upload is None:
            return self.limit
        return self.media_limit if upload.limit is None else upload.limit

    def cap_for(self, path: str) -> int:
        """The largest body an address takes: its file's limit and the form around it."""
        upload = self.upload_for(path)
        return self.limit if upload is None else self.file_limit(upload) + FORM_SLACK_BYTES

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # Pages tell users the limit before they send a file (the outermost BodyLimit's, if two are stacked).
        scope.setdefault("state", {}).setdefault("media_limit_bytes", self.media_limit)
        upload = self.upload_for(scope["path"])
        cap = self.cap_for(scope["path"])
        headers = Headers(scope=scope)
        htmx = headers.get("hx-request") == "true"
        declared = headers.get("content-length")
        if declared is not None and (not declared.isascii() or not declared.isdigit()):
            await PlainTextResponse("400: the Content-Length header is not a number", status_code=400)(
                scope, receive, send)
            return
        if declared is not None and int(declared) > cap:
            name = None
            # One piece of the body, for the file's name; not when the client waits to be asked for it.
            if upload is not None and "100-continue" not in headers.get("expect", "").lower():
                first = await receive()
                name = uploaded_name(first.get("body", b"")) if first["type"] == "http.request" else None
            await _refusal(BodyTooLarge(cap, upload, self.file_limit(upload), name), htmx, upload)(
                scope, receive, send)
            return
        received = 0
        started = False
        name: str | None = None

        async def counted() -> Message:
            nonlocal received, name
            message = await receive()
            if message["type"] == "http.request":
                body = message.get("body", b"")
                if upload is not None and received == 0:
                    name = uploaded_name(body)
                received += len(body)
                if received > cap:
                    raise BodyTooLarge(cap, upload, self.file_limit(upload), name)
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
            await _refusal(refusal, htmx, upload)(scope, receive, send)


def _refusal(refusal: BodyTooLarge, htmx: bool, upload: Upload | None) -> Response:
    """The 413: for HTMX a message it puts beside the upload form's file control (or, for any other
    address, in the page's message area); plain text for anyone else."""
    if not htmx:
        return PlainTextResponse(refusal.detail, status_code=413)
    response = HTMLResponse(f'<p class="message error" role="alert">{html.escape(refusal.detail)}</p>',
                            status_code=413)
    if upload is None:
        response.headers["HX-Retarget"] = "#messages"
        response.headers["HX-Reswap"] = "innerHTML"
    return response
