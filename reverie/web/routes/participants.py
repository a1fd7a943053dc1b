"""Participants: their attributes, consent and withdrawal."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Form, Request
from starlette.responses import Response

from reverie.core.errors import InvalidInput, ReverieError
from reverie.core.vocab import PARTICIPANT_STATUSES
from reverie.services.study.interviews import list_interviews
from reverie.services.study.participants import (
    add_participant,
    consent_status,
    get_participant,
    list_participants,
    record_consent,
    update_participant,
    withdraw,
)
from reverie.services.study.setup import consent_records
from reverie.web.deps import CurrentStudy, redirect, render
from reverie.web.forms import FormSpec, failed

router = APIRouter(tags=["study"])

# Which words of a service's message point at which control.
_PARTICIPANT_RULES = (("participant code", "code"), ("already exists", "code"), ("status", "status"),
                      ("custom attribute", "attributes"))
ADD = FormSpec("add-participant", ("code", "gender", "profession", "setting", "years_band", "recruitment_channel",
                                   "reason_for_participating", "prior_relationship", "status", "attributes", "why"),
               _PARTICIPANT_RULES)
EDIT = FormSpec("edit-participant", ADD.fields[1:], _PARTICIPANT_RULES)
# "how" rather than "method": a control named "method" would hide the form's own method from scripts.
CONSENT = FormSpec("consent", ("consented_on", "pis_version", "form_version", "how", "witness", "why"),
                   (("consent date", "consented_on"),))
WITHDRAW = FormSpec("withdrawal", ("withdrawn_on", "scope", "data_cutoff", "why"),
                    (("withdrawal date", "withdrawn_on"), ("cut-off", "data_cutoff")))

CONSENT_ITEMS = (("take_part", "Taking part", True), ("audio_recording", "Audio recording", True),
                 ("anonymised_quotes", "Anonymised quotations in reports", True),
                 ("second_interview", "A second interview", True), ("archiving", "Archiving the data", False),
                 ("contact", "Being contacted about the findings", True))
# "withdrawn" is not chosen from a list: a withdrawal is recorded with its date and what may be kept.
STATUSES = [(status, status) for status in PARTICIPANT_STATUSES if status != "withdrawn"]
WITHDRAW_INSTEAD = "a withdrawal is recorded with its date in the Withdrawal form, not by choosing a status"
_TEXT_FIELDS = ("gender", "profession", "setting", "years_band", "recruitment_channel", "reason_for_participating",
                "prior_relationship")


def attributes_from(keys: list[str], values: list[str]) -> dict[str, str]:
    """Custom attributes from the form's name/value rows; blank rows are skipped, a value needs a name."""
    attributes: dict[str, str] = {}
    for key, value in zip(keys, values, strict=False):
        key, value = key.strip(), value.strip()
        if not key and not value:
            continue
        if not key:
            raise InvalidInput(f"the custom attribute with the value {value!r} needs a name")
        if key in attributes:
            raise InvalidInput(f"the custom attribute {key!r} is given twice; give each name once")
        attributes[key] = value
    return attributes


async def _posted(request: Request) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """The form's single fields, and its custom attribute rows as typed."""
    form = await request.form()
    single = {key: value for key, value in form.items()
              if isinstance(value, str) and key not in ("attr_key", "attr_value")}
    rows = list(zip([str(v) for v in form.getlist("attr_key")], [str(v) for v in form.getlist("attr_value")],
                    strict=False))
    return single, rows


def _list_context(study) -> dict[str, Any]:
    return {"participants": list_participants(study), "statuses": STATUSES}


@router.get("/participants", name="participants")
def participants_page(request: Request, study: CurrentStudy):
    return render(request, "participants.html", **_list_context(study))


@router.post("/participants", name="add_participant")
async def new_participant(request: Request, study: CurrentStudy) -> Response:
    single, rows = await _posted(request)
    code = single.get("code", "").strip()
    try:
        if single.get("status") == "withdrawn":
            raise InvalidInput(f"status: {WITHDRAW_INSTEAD}")
        fields = {name: single.get(name, "").strip() for name in _TEXT_FIELDS}
        add_participant(study, code, why=single.get("why", "").strip(), status=single.get("status", "consented"),
                        attributes=attributes_from([k for k, _ in rows], [v for _, v in rows]), **fields)
    except ReverieError as exc:
        return failed(request, ADD, exc, values={**single, "attribute_rows": rows}, page="participants.html",
                      page_context=lambda: _list_context(study), render=render)
    return redirect(request, request.url_for("participant", code=code))


def _participant_context(study, code: str) -> dict[str, Any]:
    participant = get_participant(study, code)
    statuses = STATUSES + ([("withdrawn", "withdrawn")] if participant.status == "withdrawn" else [])
    return {"participant": participant, "consents": consent_records(study, code),
            "consent_status": consent_status(study, code), "consent_items": CONSENT_ITEMS, "statuses": statuses,
            "interviews": [row for row in list_interviews(study) if row.code == code]}


@router.get("/participants/{code}", name="participant")
def participant_page(request: Request, study: CurrentStudy, code: str):
    return render(request, "participant.html", **_participant_context(study, code))


@router.post("/participants/{code}", name="update_participant")
async def edit_participant(request: Request, study: CurrentStudy, code: str) -> Response:
    single, rows = await _posted(request)
    try:
        current = get_participant(study, code)
        wanted: dict[str, Any] = {name: single.get(name, "").strip() for name in _TEXT_FIELDS}
        wanted["status"] = single.get("status", current.status)
        if wanted["status"] == "withdrawn" and current.status != "withdrawn":
            raise InvalidInput(f"status: {WITHDRAW_INSTEAD}")
        wanted["attributes"] = attributes_from([k for k, _ in rows], [v for _, v in rows])
        # Only what changed goes to the audit log.
        changed = {name: value for name, value in wanted.items() if value != (getattr(current, name) or
                                                                             ({} if name == "attributes" else ""))}
        if changed:
            update_participant(study, code, why=single.get("why", "").strip(), **changed)
    except ReverieError as exc:
        return failed(request, EDIT, exc, values={**single, "attribute_rows": rows}, page="participant.html",
                      page_context=lambda: _participant_context(study, code), render=render)
    return redirect(request, request.url_for("participant", code=code))


@router.post("/participants/{code}/consent", name="record_consent")
async def consent(request: Request, study: CurrentStudy, code: str) -> Response:
    single, _ = await _posted(request)
    try:
        items: dict[str, Any] = {name: name in single for name, _, _ in CONSENT_ITEMS}
        for name, item in (("pis_version", "pis_version"), ("form_version", "form_version"), ("how", "method"),
                           ("witness", "witness")):
            if single.get(name, "").strip():
                items[item] = single[name].strip()
        record_consent(study, code, consented_on=single.get("consented_on") or None,
                       why=single.get("why", "").strip(), **items)
    except ReverieError as exc:
        return failed(request, CONSENT, exc, values=single, page="participant.html",
                      page_context=lambda: _participant_context(study, code), render=render)
    return redirect(request, request.url_for("participant", code=code))


@router.post("/participants/{code}/withdrawal", name="withdraw_participant")
def withdrawal(request: Request, study: CurrentStudy, code: str, withdrawn_on: str = Form(""), scope: str = Form(""),
               data: str = Form("keep"), data_cutoff: str = Form(""), why: str = Form("")) -> Response:
    values = {"withdrawn_on": withdrawn_on, "scope": scope, "data": data, "data_cutoff": data_cutoff, "why": why}
    try:
        if not withdrawn_on:
            raise InvalidInput("give the withdrawal date")
        if data not in ("keep", "remove"):
            raise InvalidInput(f"choose whether the data collected so far may be kept, not {data!r}")
        withdraw(study, code, withdrawn_on=withdrawn_on, scope=scope.strip(), keep_data_collected=data == "keep",
                 data_cutoff=data_cutoff or None, why=why.strip())
    except ReverieError as exc:
        return failed(request, WITHDRAW, exc, values=values, page="participant.html",
                      page_context=lambda: _participant_context(study, code), render=render)
    return redirect(request, request.url_for("participant", code=code))
