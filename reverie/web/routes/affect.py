"""An interview's affect timeline: where the researcher's feelings and the chosen extracts fall.

Drawn along the transcript's lines as inline SVG. Measured pauses, speech rate, pitch, intensity
and coded discursive objects join it once the services list them per interview.
"""

from __future__ import annotations

from fastapi import APIRouter, Request

from reverie.services.extracts import list_extracts
from reverie.services.reflexivity import affect_lines
from reverie.services.transcripts import version_info
from reverie.web.deps import CurrentStudy, render

router = APIRouter(prefix="/interviews/{code}/{round_no}", tags=["affect"])


@router.get("/affect", name="affect")
def timeline(request: Request, study: CurrentStudy, code: str, round_no: int):
    info = version_info(study, code, round_no)
    marks = [a for a in affect_lines(study) if (a.participant, a.round) == (code, round_no)]
    chosen = [e for e in list_extracts(study) if (e.participant, e.round) == (code, round_no)]
    return render(request, "affect.html", info=info, marks=marks, extracts=chosen)
