"""The reviewer portal: a participant reviewer or PPI member reads their own packet and answers it.

Which consultations a reviewer may open is decided by their membership (their participant's
member reflections, their group's PPI sessions) in :func:`reverie.services.involvement.portal.reviews`;
any other id, real or not, is answered exactly like a page that does not exist.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request

from reverie.core.errors import NotFound
from reverie.core.vocab import RESPONSE_TYPES
from reverie.services.involvement.portal import answer_review, review, reviews
from reverie.services.system.members import Member
from reverie.web.deps import CurrentStudy, redirect, templates
from reverie.web.team.guard import Refused, signed_in

router = APIRouter(prefix="/review", tags=["review"])
CurrentMember = Annotated[Member, Depends(signed_in)]

TYPE_LABELS = {
    "affirm": "This rings true", "challenge": "I see it differently", "clarify": "Something needs clarifying",
    "extend": "I would add to this", "correct": "Something is wrong", "new_information": "Something new",
    "alternative_reading": "Another way to read it", "concern_identifiability": "Someone could be recognised",
    "concern_wording": "The wording worries me", "other": "Something else",
}


def _own_id(raw: str) -> int:
    # isascii: str.isdigit() is true of "²" and "١", which int() refuses.
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 12:
        raise Refused(404)
    return int(raw)


def _page(request: Request, template: str, member: Member, **context):
    return templates.TemplateResponse(request, template, {"member": member,
                                                          "csrf": request.state.session.csrf, **context})


@router.get("", name="review_home")
def home(request: Request, study: CurrentStudy, member: CurrentMember):
    return _page(request, "team/portal.html", member, consultations=reviews(study, member))


@router.get("/{consultation_id}", name="review_packet")
def packet(request: Request, study: CurrentStudy, member: CurrentMember, consultation_id: str):
    try:
        current = review(study, member, _own_id(consultation_id))
    except NotFound:
        raise Refused(404) from None
    return _page(request, "team/packet.html", member, review=current,
                 types=[(t, TYPE_LABELS.get(t, t)) for t in RESPONSE_TYPES])


@router.post("/{consultation_id}/responses", name="review_respond")
def respond(request: Request, study: CurrentStudy, member: CurrentMember, consultation_id: str,
            summary: str = Form(...), types: list[str] = Form(...), passage: str = Form(""),
            resonance: str = Form("")):
    """Record the reviewer's answer; the respondent is their participant or group, never chosen by the form."""
    number = _own_id(consultation_id)
    try:
        answer_review(study, member, number, summary=summary, types=types,
                      passage=int(passage) if passage.isdigit() else None,
                      resonance=int(resonance) if resonance.isdigit() else None)
    except NotFound:
        raise Refused(404) from None
    return redirect(request, request.url_for("review_packet", consultation_id=number))
