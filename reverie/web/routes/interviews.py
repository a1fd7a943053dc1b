"""Interviews: rounds, dates, places and the schedule version used."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Form, Request
from starlette.responses import Response

from reverie.core.errors import InvalidInput, ReverieError
from reverie.core.vocab import INTERVIEW_PURPOSES
from reverie.services.study.interviews import (
    add_interview,
    add_narrative_pointer,
    list_interviews,
    researchers,
    schedules,
    update_interview,
)
from reverie.services.study.participants import list_participants
from reverie.services.study.setup import interview_details, set_interview_conduct
from reverie.web.deps import CurrentStudy, redirect, render
from reverie.web.forms import FormSpec, failed

router = APIRouter(tags=["study"])

_RULES = (("participant", "participant"), ("withdrawn", "participant"), ("round", "round_no"),
          ("purpose", "purpose"), ("duration", "duration_min"), ("interview date", "held_on"),
          ("schedule", "schedule_version"), ("researcher", "interviewer"))
ADD = FormSpec("add-interview", ("participant", "round_no", "held_on", "duration_min", "purpose", "location_type",
                                 "others_present", "interviewer", "schedule_version", "why"), _RULES)
EDIT = FormSpec("edit-interview", ("held_on", "start_time", "duration_min", "purpose", "location_type",
                                   "others_present", "interviewer", "schedule_version", "why"), _RULES)
POINTER = FormSpec("narrative-pointer", ("words",), (("words", "words"),))
PURPOSES = [(purpose, purpose.replace("_", " ").replace("fani", "FANI")) for purpose in INTERVIEW_PURPOSES]


def _number(value: str, what: str, kind=float):
    """A number typed in a form, or None when the box was left empty."""
    value = value.strip()
    if not value:
        return None
    try:
        return kind(value)
    except ValueError:
        whole = " whole" if kind is int else ""
        raise InvalidInput(f"the {what} must be a{whole} number, not {value!r}") from None


def _choices(study) -> dict[str, Any]:
    return {"purposes": PURPOSES,
            "researchers_options": [(r.label, f"{r.label} ({r.name})" if r.name else r.label)
                                    for r in researchers(study)],
            "schedule_options": [(str(s.version), f"version {s.version} ({len(s.items)} questions)")
                                 for s in reversed(schedules(study))]}


def _list_context(study) -> dict[str, Any]:
    people = list_participants(study)
    return {"interviews": list_interviews(study), "participants": people, **_choices(study),
            # A withdrawn participant gives nothing new: no interview with them can be added.
            "participant_options": [(p.code, p.code) for p in people if p.status != "withdrawn"]}


@router.get("/interviews", name="interviews")
def interviews_page(request: Request, study: CurrentStudy):
    return render(request, "interviews.html", **_list_context(study))


@router.post("/interviews", name="add_interview")
def new_interview(request: Request, study: CurrentStudy, participant: str = Form(""), round_no: str = Form(""),
                  held_on: str = Form(""), duration_min: str = Form(""), purpose: str = Form("narrative"),
                  location_type: str = Form(""), others_present: str = Form(""), interviewer: str = Form(""),
                  schedule_version: str = Form(""), why: str = Form("")) -> Response:
    values = {"participant": participant, "round_no": round_no, "held_on": held_on, "duration_min": duration_min,
              "purpose": purpose, "location_type": location_type, "others_present": others_present,
              "interviewer": interviewer, "schedule_version": schedule_version, "why": why}
    try:
        if not participant:
            raise InvalidInput("choose the participant interviewed")
        number = _number(round_no, "round", int)
        if number is None:
            raise InvalidInput("give the interview's round (1, 2, …)")
        add_interview(study, participant, number, held_on=held_on or None,
                      duration_min=_number(duration_min, "duration in minutes"), purpose=purpose,
                      location_type=location_type.strip(), others_present=others_present.strip(),
                      interviewer=interviewer or None,
                      schedule_version=_number(schedule_version, "schedule version", int),
                      why=why.strip())
    except ReverieError as exc:
        return failed(request, ADD, exc, values=values, page="interviews.html",
                      page_context=lambda: _list_context(study), render=render)
    return redirect(request, request.url_for("interviews"))


def _interview_context(study, code: str, round_no: int) -> dict[str, Any]:
    return {"interview": interview_details(study, code, round_no), **_choices(study)}


@router.get("/interviews/{code}/{round_no}/details", name="interview")
def interview_page(request: Request, study: CurrentStudy, code: str, round_no: int):
    return render(request, "interview.html", **_interview_context(study, code, round_no))


@router.post("/interviews/{code}/{round_no}/details", name="update_interview")
def edit_interview(request: Request, study: CurrentStudy, code: str, round_no: int, held_on: str = Form(""),
                   start_time: str = Form(""), duration_min: str = Form(""), purpose: str = Form("narrative"),
                   location_type: str = Form(""), others_present: str = Form(""), interviewer: str = Form(""),
                   schedule_version: str = Form(""), why: str = Form("")) -> Response:
    values = {"held_on": held_on, "start_time": start_time, "duration_min": duration_min, "purpose": purpose,
              "location_type": location_type, "others_present": others_present, "interviewer": interviewer,
              "schedule_version": schedule_version, "why": why}
    try:
        if purpose not in INTERVIEW_PURPOSES:
            raise InvalidInput(f"purpose {purpose!r} is not one of {', '.join(INTERVIEW_PURPOSES)}")
        duration = _number(duration_min, "duration in minutes")
        if duration is not None and duration < 0:
            raise InvalidInput(f"the duration must not be negative ({duration})")
        current = interview_details(study, code, round_no)
        wanted = {"held_on": held_on or None, "start_time": start_time.strip(), "duration_min": duration,
                  "purpose": purpose, "location_type": location_type.strip(), "others_present": others_present.strip()}
        # Only what changed goes to the audit log.
        changed = {name: value for name, value in wanted.items()
                   if str(value or "") != str(getattr(current, name) or "")}
        version = _number(schedule_version, "schedule version", int)
        if changed:  # first: a mistyped date, the likeliest slip, then leaves everything as it was
            update_interview(study, code, round_no, why=why.strip(), **changed)
        if (interviewer, version) != (current.interviewer, current.schedule_version):
            set_interview_conduct(study, code, round_no, interviewer=interviewer or None, schedule_version=version,
                                  why=why.strip())
    except ReverieError as exc:
        return failed(request, EDIT, exc, values=values, page="interview.html",
                      page_context=lambda: _interview_context(study, code, round_no), render=render)
    return redirect(request, request.url_for("interview", code=code, round_no=round_no))


@router.post("/interviews/{code}/{round_no}/pointers", name="add_narrative_pointer")
def new_pointer(request: Request, study: CurrentStudy, code: str, round_no: int, words: str = Form("")) -> Response:
    try:
        add_narrative_pointer(study, code, round_no, words.strip())
    except ReverieError as exc:
        return failed(request, POINTER, exc, values={"words": words}, page="interview.html",
                      page_context=lambda: _interview_context(study, code, round_no), render=render)
    return redirect(request, request.url_for("interview", code=code, round_no=round_no))
