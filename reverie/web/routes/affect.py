"""An interview's affect timeline: pauses, pace, pitch and loudness with the researcher's feelings.

Drawn along the transcript's lines as inline SVG: measured prosody (``reverie prosody``), the
affect the reflexive log recorded on lines, the non-verbal impressions annotated on them, the
discursive objects coded there and the passages chosen as extracts, so the moments that moved the
researcher can be read against how the words were spoken and what was being talked about.
"""

from __future__ import annotations

from fastapi import APIRouter, Request

from reverie.core.errors import NotFound
from reverie.services.analysis.coding import list_codings
from reverie.services.analysis.extracts import list_extracts
from reverie.services.analysis.reflexivity import affect_lines
from reverie.services.transcripts.annotations import list_annotations
from reverie.services.transcripts.prosody import stored_prosody
from reverie.services.transcripts.versions import version_info
from reverie.web.deps import CurrentStudy, render

router = APIRouter(prefix="/interviews/{code}/{round_no}", tags=["affect"])

# The measured tracks drawn, as (label, key in the stored per-line measures).
MEASURES = (("Pause before", "pause_before"), ("Speech rate", "speech_rate"), ("Pitch", "pitch_median_hz"),
            ("Intensity", "intensity_mean_db"))


def scaled(rows: list[dict], key: str) -> list[tuple[int, float]]:
    """(line, measure scaled to 0–1 within this interview) for the lines that have the measure."""
    points = [(row["line"], row[key]) for row in rows if row.get(key) is not None]
    if not points:
        return []
    low, high = min(v for _, v in points), max(v for _, v in points)
    return [(line, (value - low) / (high - low) if high > low else 0.5) for line, value in points]


@router.get("/affect", name="affect")
def timeline(request: Request, study: CurrentStudy, code: str, round_no: int):
    info = version_info(study, code, round_no)
    try:
        prosody = stored_prosody(study, code, round_no)
    except NotFound:
        prosody = []
    tracks = [(label, scaled(prosody, key)) for label, key in MEASURES]
    marks = [a for a in affect_lines(study) if (a.participant, a.round) == (code, round_no)]
    chosen = [e for e in list_extracts(study) if (e.participant, e.round) == (code, round_no)]
    return render(request, "affect.html", info=info, tracks=tracks, measured=bool(prosody), marks=marks,
                  extracts=chosen, nonverbal=list_annotations(study, code, round_no, kinds=("nonverbal",)),
                  objects=list_codings(study, code, round_no, kinds=("discursive_object",)))
