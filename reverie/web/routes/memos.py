"""The memo editor: Willig's stages, positioning acts and the psychosocial reading, as plain text
and rows, never JSON.

What a researcher types is kept on the server as their draft while they type (no audit event);
Save, or leaving the page, makes a version, and a revision carries its reason. A refused save
keeps the draft and says what is wrong beside the field; the page shows the history and what
changed between versions, field by field, in words.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import JSONResponse

from reverie.core.errors import NotFound
from reverie.services.analysis.evidence import evidence_choices
from reverie.services.analysis.extracts import get_extract
from reverie.services.analysis.memo_drafts import find_draft, keep_draft, save_from_form
from reverie.services.analysis.memo_form import (
    ENTRIES,
    LABELS,
    MAIN_POSITIONING_COLUMNS,
    POSITIONING,
    ROW_NOUNS,
    Form,
    columns_of,
    entry_numbers,
    form_of,
    kind_of,
    memo_changes,
    rows_for,
    text_for,
)
from reverie.services.analysis.memos import FIELD_ERRORS, POSITIONING_CHOICES, memo_history, memo_paths, show_memo
from reverie.web.deps import CurrentStudy, render
from reverie.web.team.policy import POLICY

router = APIRouter(prefix="/extracts/{handle}/memo", tags=["memos"])

FACETS = (("willig", "Willig's six stages"), ("positioning", "Positioning (Davies & Harré)"),
          ("psychosocial", "Psychosocial reading (Hollway & Jefferson)"), ("summary", "Summary"))


async def posted_form(request: Request) -> Form:
    """The posted form as lists of strings per name (a field of rows repeats its names)."""
    form = await request.form()
    posted: Form = {}
    for key, value in form.multi_items():
        if isinstance(value, str):
            posted.setdefault(key, []).append(value)
    return posted


@dataclass(frozen=True)
class FieldView:
    """One memo field as the page shows it."""

    path: str
    label: str
    prompt: str
    kind: str
    slug: str
    text: str
    rows: list
    noun: str
    columns: tuple
    more_columns: tuple


def _fields(form: Form) -> dict[str, list[FieldView]]:
    prompts = dict(memo_paths()) | {"summary": "A short summary of the reading."}
    by_facet: dict[str, list[FieldView]] = {facet: [] for facet, _ in FACETS}
    for path, prompt in prompts.items():
        columns = columns_of(path)
        main = columns[:MAIN_POSITIONING_COLUMNS] if kind_of(path) == POSITIONING else columns
        rows = entry_numbers(form, path) if kind_of(path) == ENTRIES else rows_for(form, path)
        view = FieldView(path, LABELS[path], prompt, kind_of(path), "memo-" + path.replace(".", "-").replace("_", "-"),
                         text_for(form, path), rows, ROW_NOUNS.get(path, ""), main, columns[len(main):])
        by_facet[path.split(".")[0]].append(view)
    return by_facet


def may_edit(request: Request) -> bool:
    """Locally always; in team mode the roles the policy lets change memos (analysts and the lead)."""
    member = request.scope.get("state", {}).get("member")
    return member is None or POLICY["memos"].allows(member.role, "POST")


def _stored(study, handle: str, object_code: str | None, version: int | None) -> tuple[dict[str, Any], int | None]:
    try:
        view = show_memo(study, handle, object_code=object_code, version=version)
    except NotFound:
        if version is not None:
            raise
        return {}, None
    return {f.path: f.value for f in view.fields}, view.version


def _history(study, handle: str, object_code: str | None):
    try:
        return memo_history(study, handle, object_code=object_code)
    except NotFound:
        return []


@router.get("", name="memo")
def editor(request: Request, study: CurrentStudy, handle: str, object: str | None = None, version: int | None = None):
    stored, shown = _stored(study, handle, object, version)
    editable = version is None and may_edit(request)
    draft = find_draft(study, handle, object_code=object) if editable else None
    form = draft.form if draft else form_of(stored)
    history = _history(study, handle, object)
    latest = history[-1].version if history else None
    evidence = evidence_choices(study)
    return render(request, "memo.html", extract=get_extract(study, handle), handle=handle, object=object,
                  facets=FACETS, fields=_fields(form), form=form, draft=draft, history=history, version=version,
                  shown=shown, latest=latest, editable=editable, choices=POSITIONING_CHOICES,
                  evidence=evidence, log_entries=[c for c in evidence if c.kind == "log_entry"],
                  ticked=" ".join(form.get("evidence") or []).replace(",", " ").split())


@router.post("", name="save_memo")
def save(request: Request, study: CurrentStudy, handle: str, form: Annotated[Form, Depends(posted_form)],
         object: str | None = None):
    """Save the page's fields as a new version; a refusal names the field (and row) at fault."""
    try:
        saved = save_from_form(study, handle, form, object_code=object)
    except FIELD_ERRORS as exc:
        return JSONResponse({"error": str(exc), "field": exc.field, "row": exc.row}, status_code=422)
    return render(request, "_memo_saved.html", saved=saved, handle=handle, object=object,
                  history=_history(study, handle, object))


@router.post("/draft", name="memo_draft")
def draft(study: CurrentStudy, handle: str, form: Annotated[Form, Depends(posted_form)], object: str | None = None):
    """Keep what this person typed as their draft (no version, no audit event)."""
    kept = keep_draft(study, handle, form, object_code=object)
    return JSONResponse({"kept_at": kept.updated_at.strftime("%H:%M:%S"), "base_version": kept.base_version})


@router.get("/diff", name="memo_diff")
def diff(request: Request, study: CurrentStudy, handle: str, old: int, new: int, object: str | None = None):
    return render(request, "_memo_diff.html", old=old, new=new,
                  changes=memo_changes(study, handle, old, new, object_code=object))
