"""The interview schedule and its question check."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from reverie.core.errors import InvalidInput, ReverieError
from reverie.core.vocab import SCHEDULE_ITEM_KINDS
from reverie.services.study.interviews import add_schedule, check_schedule, schedules
from reverie.web.deps import CurrentStudy, redirect, render
from reverie.web.forms import FormSpec, failed

router = APIRouter(tags=["study"])

ADD = FormSpec("add-schedule", ("questions", "note", "why"),
               (("question", "questions"), ("schedule item", "questions")))
KINDS = [(kind, kind) for kind in SCHEDULE_ITEM_KINDS]


def _context(study, version: int | None) -> dict[str, Any]:
    versions = schedules(study)
    if version is None:
        chosen = versions[-1] if versions else None
    else:
        chosen = next((v for v in versions if v.version == version), None)
    if version is not None and chosen is None:
        raise InvalidInput(f"no interview schedule version {version}")
    advice = check_schedule(study, chosen.version) if chosen else []
    return {"versions": versions, "chosen": chosen, "advice": advice, "kinds": KINDS,
            "latest": [(item.kind, item.text) for item in versions[-1].items] if versions else []}


@router.get("/schedule", name="schedule")
def schedule_page(request: Request, study: CurrentStudy, version: int | None = None):
    return render(request, "schedule.html", **_context(study, version))


@router.post("/schedule", name="add_schedule")
async def new_schedule(request: Request, study: CurrentStudy) -> Response:
    form = await request.form()
    kinds = [str(v) for v in form.getlist("kind")]
    texts = [str(v) for v in form.getlist("question")]
    note, why = str(form.get("note", "")), str(form.get("why", ""))
    rows = list(zip(kinds, texts, strict=False))
    values = {"question_rows": rows, "note": note, "why": why,
              **({"pilot_tested": "1"} if form.get("pilot_tested") else {})}
    try:
        # Blank rows are the form's spare rows, not questions.
        saved = add_schedule(study, [(kind, text) for kind, text in rows if text.strip()],
                             pilot_tested=bool(form.get("pilot_tested")), note=note.strip(), why=why.strip())
    except ReverieError as exc:
        return failed(request, ADD, exc, values=values, page="schedule.html",
                      page_context=lambda: _context(study, None), render=render)
    return redirect(request, f"{request.url_for('schedule')}?version={saved.version}")
