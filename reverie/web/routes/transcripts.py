"""The transcript reader: numbered lines fetched in windows, the interview's audio, verify and lock.

A 20,000-line transcript is never sent whole: the page carries the line bounds and the browser
asks for windows of :data:`WINDOW` lines around where the reader is (or around the moment the
recording is playing), so opening it and jumping to a line stay well under a second. Each window
carries the codes and the non-verbal and reported-speech annotations on its lines.
"""

from __future__ import annotations

from html import escape  # plain str, quotes escaped: cheaper than markupsafe's for thousands of parts
from typing import Literal

from fastapi import APIRouter, Form, Query, Request
from markupsafe import Markup

from reverie.core.vocab import CODE_KINDS, NONVERBAL_KINDS, SELECTION_SOURCES
from reverie.services.analysis.coding import list_codes
from reverie.services.analysis.reflexivity import study_template, template_fields
from reverie.services.study.interviews import find_recording, recording_for
from reverie.services.transcripts.annotations import NONVERBAL_SOURCES, MarkedLine, reader_window
from reverie.services.transcripts.versions import set_status, version_info
from reverie.web.deps import CurrentStudy, redirect, render, sees_analysis
from reverie.web.playback import recording_response
from reverie.web.security import playable_type

router = APIRouter(prefix="/interviews/{code}/{round_no}", tags=["transcripts"])

WINDOW = 400
View = Literal["reading", "analysis"]


@router.get("/transcript", name="transcript")
def reader(request: Request, study: CurrentStudy, code: str, round_no: int, view: View = "analysis"):
    info = version_info(study, code, round_no)
    analysis = sees_analysis(request)  # a transcriber's reader has no codebook and no coding tools
    coding = analysis and info.status == "locked"  # codes go on locked line numbers only
    return render(request, "transcript.html", info=info, view=view, window=WINDOW, analysis=analysis, coding=coding,
                  recording=find_recording(study, code, round_no), codes=list_codes(study) if analysis else [],
                  note_fields=template_fields(study_template(study)), code_kinds=CODE_KINDS, sources=SELECTION_SOURCES,
                  nonverbal_kinds=NONVERBAL_KINDS, nonverbal_sources=NONVERBAL_SOURCES)


@router.get("/lines", name="lines")
def lines_window(request: Request, study: CurrentStudy, code: str, round_no: int,
                 first: int | None = Query(None, description="first line number of the window"),
                 at: float | None = Query(None, ge=0, description="or: seconds into the recording to centre on"),
                 count: int = Query(WINDOW, ge=1, le=2000), view: View = "analysis"):
    """One window of numbered lines with their codes and annotations (for roles that see the analysis), as HTML."""
    marked = reader_window(study, code, round_no, first=first, at=at, count=count, view=view,
                           marks=sees_analysis(request))
    return render(request, "_lines.html", marked=marked, coded_text=coded_text, code_bars=code_bars)


# A window may hold a thousand codings cut into thousands of highlighted segments: these two parts
# of each line are built here, escaped as the template would, rather than in template loops.

def coded_text(line: MarkedLine) -> Markup:
    """The line's text, its coded words in highlight spans (one colour layer per code, up to four)."""
    out = []
    for seg in line.segments:
        if not seg.codings:
            out.append(escape(seg.text))
            continue
        colours = seg.colours
        style = "".join(f"--c{n}: {colour};" for n, colour in enumerate(colours, 1))
        out.append(f'<span class="hl l{len(colours)}" role="button" aria-haspopup="menu" '
                   f'title="Coded: {escape(seg.labels)}" data-ids="{seg.ids}" style="{escape(style)}">'
                   f"{escape(seg.text)}</span>")
    return Markup("".join(out))


def code_bars(line: MarkedLine, codes) -> Markup:
    """One bar per code of the window, coloured where the code covers the line; a stripe label where a coding begins."""
    if not line.code_ids:
        return Markup('<span class="bars"></span>')
    begins = line.begins
    here = ", ".join(c.label for c in codes if c.code_id in line.code_ids)
    out = [f'<span class="bars" role="img" aria-label="Coded: {escape(here)}">']
    for c in codes:
        if c.code_id not in line.code_ids:
            out.append("<i></i>")
            continue
        label = f'<b class="stripe-label">{escape(c.label)}</b>' if c.code_id in begins else ""
        out.append(f'<i class="on" style="--code: {escape(c.color)}">{label}</i>')
    out.append("</span>")
    return Markup("".join(out))


@router.get("/audio", name="audio")
def audio(request: Request, study: CurrentStudy, code: str, round_no: int):
    """The interview's recording, found by interview (never by a path from the request)."""
    recording = recording_for(study, code, round_no)
    media_type = playable_type(recording.suffix)  # never a type a browser would render as a page
    return recording_response(request, study, recording.sha256, media_type)


@router.post("/status", name="transcript_status")
def change_status(request: Request, study: CurrentStudy, code: str, round_no: int,
                  status: Literal["verified", "locked"] = Form(...), why: str = Form("")):
    """Mark the current version verified, or lock it so its line numbers never change."""
    set_status(study, code, round_no, status, why=why)
    return redirect(request, request.url_for("transcript", code=code, round_no=round_no))
