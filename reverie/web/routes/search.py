"""Search across the current transcripts, with keyword-in-context hits that open at their line."""

from __future__ import annotations

from fastapi import APIRouter, Request

from reverie.services.search import search
from reverie.web.deps import CurrentStudy, render

router = APIRouter(tags=["search"])


@router.get("/search", name="search")
def search_page(request: Request, study: CurrentStudy, q: str = "", participant: str = "",
                round_no: int | None = None, speaker: str = "", code: str = ""):
    hits = search(study, q, participant=participant or None, round_no=round_no, speaker=speaker or None,
                  code=code or None) if q.strip() else []
    return render(request, "search.html", q=q, participant=participant, round_no=round_no, speaker=speaker,
                  code=code, hits=hits)
