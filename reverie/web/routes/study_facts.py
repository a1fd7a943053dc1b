"""Study facts: the design, sampling, setting, ethics, researchers and choices the report and checklists state."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from reverie.core.errors import InvalidInput, ReverieError
from reverie.core.vocab import BERGER_POSITIONS
from reverie.services.study.interviews import add_ethics_approval, ethics_approvals, researchers, save_researcher
from reverie.services.study.studies import (
    PAGE_SIZES,
    THEMES_DERIVATION,
    TRANSCRIPTS_RETURNED,
    citation_style,
    get_study,
    study_fact_values,
    update_study,
)
from reverie.web.deps import CurrentStudy, redirect, render
from reverie.web.forms import FormSpec, failed

router = APIRouter(tags=["study"])

# Controls written one item a line, stored as lists.
LIST_FIELDS = ("approaches", "sites", "inclusion_criteria")
TEXT_FIELDS = ("design", "paradigm", "sampling_strategy", "setting", "saturation_statement", "prior_relationship",
               "transcribed_by", "transcripts_returned", "themes_derivation", "range_style", "page_size")
FACTS = FormSpec("study-facts", (*LIST_FIELDS, *TEXT_FIELDS, "why"),
                 (("page size", "page_size"), ("transcripts returned", "transcripts_returned"),
                  ("themes derivation", "themes_derivation"), ("range style", "range_style"),
                  ("sampling strategy", "sampling_strategy"), ("design", "design")))
ETHICS = FormSpec("ethics", ("body", "reference", "approved_on"),
                  (("approving body", "body"), ("approval date", "approved_on"), ("reference", "reference")))
RESEARCHER_FIELDS = ("name", "credentials", "occupation", "gender", "experience_training", "berger_position",
                     "statement")
RESEARCHER = FormSpec("researcher", ("label", *RESEARCHER_FIELDS),
                      (("initials", "label"), ("berger_position", "berger_position")))

RANGE_STYLES = (("minimal", "the paper's minimal style (978-81)"), ("oxford", "Oxford (978-81, 1298-304)"),
                ("chicago", "Chicago (978-81, 1298-1304)"), ("full", "full (978-981)"))
# Sampling strategy is a short name in the records (COREQ 10), not a paragraph.
SAMPLING_LIMIT = 120


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _choices(values: tuple[str, ...]) -> list[tuple[str, str]]:
    return [("", "not recorded"), *((value, value) for value in values)]


def _current(study) -> dict[str, Any]:
    """Each control's stored value, as the form shows it."""
    record = get_study(study)
    facts = study_fact_values(study)
    shown: dict[str, Any] = {name: "\n".join(getattr(record, name) or []) for name in LIST_FIELDS}
    shown.update({name: getattr(record, name) or "" for name in ("paradigm", "sampling_strategy", "setting",
                                                                    "saturation_statement")})
    shown.update({name: facts.get(name, "") for name in ("design", "prior_relationship", "transcribed_by",
                                                         "transcripts_returned", "themes_derivation")})
    shown["page_size"] = facts.get("page_size", "A4")
    shown["range_style"] = citation_style(study).range_style
    return shown


def _context(study) -> dict[str, Any]:
    profiles = researchers(study)
    own = next((p for p in profiles if p.label == study.actor), None)
    return {"facts": _current(study), "approvals": ethics_approvals(study), "researchers": profiles,
            "own": own, "actor": study.actor,
            "page_sizes": [(size, size) for size in PAGE_SIZES], "returned_choices": _choices(TRANSCRIPTS_RETURNED),
            "derivation_choices": _choices(THEMES_DERIVATION), "range_styles": RANGE_STYLES,
            "berger_positions": [("", "not recorded"), *((p, p.replace("_", " ")) for p in BERGER_POSITIONS)]}


async def _posted(request: Request) -> dict[str, str]:
    form = await request.form()
    return {key: value for key, value in form.items() if isinstance(value, str)}


@router.get("/study", name="study_facts")
def study_facts_page(request: Request, study: CurrentStudy):
    return render(request, "study_facts.html", **_context(study))


@router.post("/study", name="save_study_facts")
async def save_study_facts(request: Request, study: CurrentStudy) -> Response:
    posted = await _posted(request)
    try:
        wanted: dict[str, Any] = {name: _lines(posted.get(name, "")) for name in LIST_FIELDS}
        wanted.update({name: posted.get(name, "").strip() for name in TEXT_FIELDS})
        if len(wanted["sampling_strategy"]) > SAMPLING_LIMIT:
            raise InvalidInput(f"sampling strategy: keep it to {SAMPLING_LIMIT} characters (a name such as "
                               f"purposive); it has {len(wanted['sampling_strategy'])}")
        stored = _current(study)
        stored.update({name: _lines(stored[name]) for name in LIST_FIELDS})
        # Only what changed goes to the audit log.
        changed = {name: value for name, value in wanted.items() if value != stored[name]}
        if changed:
            update_study(study, why=posted.get("why", "").strip(), **changed)
    except ReverieError as exc:
        return failed(request, FACTS, exc, values=posted, page="study_facts.html",
                      page_context=lambda: _context(study), render=render)
    return redirect(request, request.url_for("study_facts"))


@router.post("/study/ethics", name="add_ethics")
async def add_ethics(request: Request, study: CurrentStudy) -> Response:
    posted = await _posted(request)
    try:
        add_ethics_approval(study, posted.get("body", "").strip(), reference=posted.get("reference", "").strip(),
                            approved_on=posted.get("approved_on", "").strip() or None)
    except ReverieError as exc:
        return failed(request, ETHICS, exc, values=posted, page="study_facts.html",
                      page_context=lambda: _context(study), render=render)
    return redirect(request, request.url_for("study_facts"))


@router.post("/study/researcher", name="save_researcher_profile")
async def save_researcher_profile(request: Request, study: CurrentStudy) -> Response:
    posted = await _posted(request)
    try:
        label = posted.get("label", "").strip()
        if not label:
            raise InvalidInput("the researcher's initials are needed, such as TM")
        save_researcher(study, label, **{name: posted.get(name, "").strip() for name in RESEARCHER_FIELDS})
    except ReverieError as exc:
        return failed(request, RESEARCHER, exc, values=posted, page="study_facts.html",
                      page_context=lambda: _context(study), render=render)
    return redirect(request, request.url_for("study_facts"))
