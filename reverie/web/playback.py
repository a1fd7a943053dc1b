"""Recordings played in the browser: streamed from the media store, byte ranges included.

An encrypted recording is decrypted chunk by chunk into the response and never written out in
plaintext, so a crash or a kill leaves nothing readable behind. The audio element asks for many
byte ranges (to learn the length, to seek); the media store decrypts only the chunks a range
covers, so seeking into a long interview stays cheap.
"""

from __future__ import annotations

import re

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from reverie.services.study.context import OpenStudy

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def recording_response(request: Request, study: OpenStudy, sha256: str, media_type: str) -> Response:
    """The recording as a 200 response, or a 206 for one ``Range`` (416 when it is out of bounds)."""
    media = study.media
    size = media.size(sha256)
    headers = {"Accept-Ranges": "bytes", "Cache-Control": "no-store"}
    wanted = _byte_range(request.headers.get("range"), size)
    if wanted is None:
        headers["Content-Length"] = str(size)
        return StreamingResponse(media.read(sha256), media_type=media_type, headers=headers)
    if wanted == ():
        headers["Content-Range"] = f"bytes */{size}"
        return Response(status_code=416, headers=headers)
    start, end = wanted
    headers |= {"Content-Range": f"bytes {start}-{end - 1}/{size}", "Content-Length": str(end - start)}
    return StreamingResponse(media.read(sha256, start, end), status_code=206, media_type=media_type, headers=headers)


def _byte_range(header: str | None, size: int) -> tuple[int, int] | tuple[()] | None:
    """``(start, end)`` (end exclusive) for one byte range; ``()`` when it cannot be satisfied;
    None for no range or one this server ignores (several ranges: the whole file is sent)."""
    found = _RANGE.match((header or "").strip())
    if not found or found.groups() == ("", ""):
        return None
    first, last = found.groups()
    if first:
        start, end = int(first), min(int(last) + 1, size) if last else size
    else:
        start, end = max(size - int(last), 0), size
    if start >= end:
        return ()
    return start, end
