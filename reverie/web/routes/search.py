"""Search across the current transcripts, with keyword-in-context hits that open at their line."""

from __future__ import annotations

from fastapi import APIRouter, Request

from reverie.core.errors import InvalidInput, PermissionDenied
from reverie.services.analysis.codebook import codebook_tree, flatten
from reverie.services.transcripts.search import search
from reverie.web.deps import CurrentStudy, render, sees_analysis

router = APIRouter(tags=["search"])


@router.get("/search", name="search")
def search_page(request: Request, study: CurrentStudy, q: str = "", participant: str = "",
                round_no: str = "", speaker: str = "", code: str = ""):
    """Every filter is optional; the form sends empty ones as empty strings. A code alone lists its passages."""
    analysis = sees_analysis(request)
    if code.strip() and not analysis:
        raise PermissionDenied("searching by code is part of the analysis, which your role does not include")
    if round_no.strip() and not (round_no.strip().isascii() and round_no.strip().isdigit()):
        raise InvalidInput(f"round {round_no!r} must be a number such as 1 or 2")
    asked = bool(q.strip() or code.strip())
    hits = search(study, q, participant=participant or None, round_no=int(round_no) if round_no.strip() else None,
                  speaker=speaker or None, code=code.strip() or None) if asked else []
    codes = flatten(codebook_tree(study)) if analysis else []
    chosen = next((node for _, node in codes if node.label == code.strip()), None)
    return render(request, "search.html", q=q, participant=participant, round_no=round_no, speaker=speaker,
                  code=code.strip(), hits=hits, analysis=analysis, asked=asked, codes=codes, chosen=chosen)
