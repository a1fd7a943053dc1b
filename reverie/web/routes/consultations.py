"""Consultations: member reflections and PPI sessions, what was shown, what people said, what became of it."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from reverie.core.vocab import (
    CONSULTATION_KINDS,
    DISPOSITIONS,
    RESPONSE_TARGETS,
    RESPONSE_TYPES,
)
from reverie.services.analysis.extracts import list_extracts
from reverie.services.involvement.consultations import (
    add_consultation,
    add_ppi_group,
    add_response,
    get_consultation,
    list_consultations,
    list_groups,
    set_disposition,
    show_extract,
)
from reverie.services.involvement.packets import packet_bytes
from reverie.services.study.participants import list_participants
from reverie.web.deps import CurrentStudy, redirect, render

router = APIRouter(tags=["consultations"])


@router.get("/consultations", name="consultations")
def consultations_page(request: Request, study: CurrentStudy):
    return render(request, "consultations.html", consultations=list_consultations(study), groups=list_groups(study),
                  participants=list_participants(study), kinds=CONSULTATION_KINDS)


@router.post("/consultations", name="add_consultation")
def new_consultation(request: Request, study: CurrentStudy, kind: str = Form(...), participant: str = Form(""),
                     group: str = Form(""), held_on: str = Form(""), title: str = Form("")):
    made = add_consultation(study, kind, participant=participant or None, group=group or None, held_on=held_on or None,
                            title=title)
    return redirect(request, request.url_for("consultation", consultation_id=made.id))


@router.post("/ppi-groups", name="add_ppi_group")
def new_group(request: Request, study: CurrentStudy, label: str = Form(...), composition: str = Form("")):
    add_ppi_group(study, label, composition_summary=composition)
    return redirect(request, request.url_for("consultations"))


@router.get("/consultations/{consultation_id}", name="consultation")
def consultation_page(request: Request, study: CurrentStudy, consultation_id: int):
    return render(request, "consultation.html", consultation=get_consultation(study, consultation_id),
                  extracts=list_extracts(study), types=RESPONSE_TYPES, targets=RESPONSE_TARGETS,
                  dispositions=DISPOSITIONS)


@router.post("/consultations/{consultation_id}/materials", name="show_extracts")
def show(request: Request, study: CurrentStudy, consultation_id: int, extracts: list[str] = Form(...),
         with_memo: bool = Form(False)):
    """Put the chosen extracts (and their memos as they stand now) in the packet; the snapshot is frozen."""
    for handle in extracts:
        show_extract(study, consultation_id, handle, with_memo=with_memo)
    return redirect(request, request.url_for("consultation", consultation_id=consultation_id))


@router.post("/consultations/{consultation_id}/responses", name="add_response")
def respond(request: Request, study: CurrentStudy, consultation_id: int, summary: str = Form(...),
            types: list[str] = Form(...), target: str = Form("extract"), extract: str = Form(""),
            detail: str = Form(""), resonance: str = Form("")):
    add_response(study, consultation_id, summary=summary, types=types, target=target, extract=extract or None,
                 detail=detail, resonance=int(resonance) if resonance.isdigit() else None)
    return redirect(request, request.url_for("consultation", consultation_id=consultation_id))


@router.post("/consultations/{consultation_id}/responses/{response_id}/disposition", name="set_disposition")
def dispose(request: Request, study: CurrentStudy, consultation_id: int, response_id: int,
            disposition: str = Form(...), rationale: str = Form("")):
    set_disposition(study, response_id, disposition, rationale=rationale)
    return redirect(request, request.url_for("consultation", consultation_id=consultation_id))


@router.get("/consultations/{consultation_id}/packet.{fmt}", name="packet")
def packet(study: CurrentStudy, consultation_id: int, fmt: Literal["docx", "html"]):
    """The review packet for this consultation, made in memory and downloaded (no file left in the study)."""
    kinds = {"docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
             "html": "text/html; charset=utf-8"}
    return Response(packet_bytes(study, consultation_id, fmt), media_type=kinds[fmt],
                    headers={"Content-Disposition": f'attachment; filename="packet-{consultation_id}.{fmt}"'})
