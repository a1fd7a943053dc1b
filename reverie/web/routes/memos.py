"""The memo editor: Willig's stages, positioning and the psychosocial reading, autosaved as versions.

Each autosave is a new memo version (the service keeps every one, and a revision carries its
reason); the page shows the history and what changed between any two versions.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from reverie.core.errors import InvalidInput, NotFound
from reverie.services.analysis.decisions import parse_evidence_ref
from reverie.services.analysis.extracts import get_extract
from reverie.services.analysis.memos import (
    POSITIONING_FIELDS,
    facets_from_assignments,
    memo_diff,
    memo_history,
    memo_paths,
    save_memo,
    show_memo,
)
from reverie.web.deps import CurrentStudy, render

router = APIRouter(prefix="/extracts/{handle}/memo", tags=["memos"])

FACETS = (("willig", "Willig's six stages"), ("positioning", "Positioning (Davies & Harré)"),
          ("psychosocial", "Psychosocial reading (Hollway & Jefferson)"), ("summary", "Summary"))


async def form_fields(request: Request) -> dict[str, str]:
    """The posted form as plain strings (the memo's field names are paths such as ``willig.discourses``)."""
    return {key: value for key, value in (await request.form()).items() if isinstance(value, str)}


def as_text(value: Any) -> str:
    """How a stored field value reads in a text box."""
    if value in (None, "", [], {}):
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str):
        return value
    if isinstance(value, list) and len(value) == 1 and isinstance(value[0], str):
        return value[0]
    if isinstance(value, list) and all(isinstance(v, int) for v in value):
        return ", ".join(str(v) for v in value)
    return json.dumps(value, indent=2, ensure_ascii=False)


def _current(study, handle: str, object_code: str | None, version: int | None = None) -> dict[str, Any]:
    try:
        return {f.path: f.value for f in show_memo(study, handle, object_code=object_code, version=version).fields}
    except NotFound:
        if version is not None:
            raise
        return {}


@router.get("", name="memo")
def editor(request: Request, study: CurrentStudy, handle: str, object: str | None = None, version: int | None = None):
    values = _current(study, handle, object, version)
    prompts = dict(memo_paths()) | {"summary": "A short summary of the reading."}
    fields = [(path, prompt, as_text(values.get(path))) for path, prompt in prompts.items()]
    try:
        history = memo_history(study, handle, object_code=object)
    except NotFound:
        history = []
    return render(request, "memo.html", extract=get_extract(study, handle), handle=handle, object=object, fields=fields,
                  facets=FACETS, history=history, version=version, positioning_fields=POSITIONING_FIELDS)


def _shown_as_json(path: str, value: Any) -> bool:
    """Whether the editor shows this field as JSON (positioning records, structured constructions)."""
    return path == "positioning" or (value not in (None, "", [], {}) and as_text(value).startswith(("[", "{")))


def _put(facets: dict[str, Any], path: str, value: Any) -> None:
    head, *rest = path.split(".")
    if not rest:
        facets[head] = value
        return
    target = facets.setdefault(head, {})
    for key in rest[:-1]:
        target = target.setdefault(key, {})
    target[rest[-1]] = value


def _facets(form: dict[str, str], previous: dict[str, Any]) -> dict[str, Any]:
    """Memo facets for the fields the researcher changed; every other field keeps its stored value."""
    assignments, direct = [], []
    for path in [path for path, _ in memo_paths()] + ["summary"]:
        before, text = previous.get(path), form.get(path)
        if text is None or text.strip() == as_text(before).strip():
            continue
        if _shown_as_json(path, before):
            try:
                direct.append((path, json.loads(text) if text.strip() else []))
            except json.JSONDecodeError as exc:
                raise InvalidInput(f"{path} must be JSON, as shown ({exc.msg} at line {exc.lineno})") from None
        elif text.strip():
            assignments.append(f"{path}={text}")
        else:
            direct.append((path, [] if isinstance(before, list) else False if isinstance(before, bool) else ""))
    facets = facets_from_assignments(assignments)
    for path, value in direct:
        _put(facets, path, value)
    return facets


@router.post("", name="save_memo")
def autosave(request: Request, study: CurrentStudy, handle: str, form: Annotated[dict, Depends(form_fields)],
             object: str | None = None):
    """Save the editor's fields as a new version; answers a status line and the refreshed history."""
    facets = _facets(form, _current(study, handle, object))
    evidence = [parse_evidence_ref(ref) for ref in form.get("evidence", "").replace(",", " ").split()]
    saved = save_memo(study, handle, object_code=object, why=form.get("why", ""), evidence_refs=evidence, **facets)
    return render(request, "_memo_saved.html", saved=saved, handle=handle, object=object,
                  history=memo_history(study, handle, object_code=object))


@router.get("/diff", name="memo_diff")
def diff(request: Request, study: CurrentStudy, handle: str, old: int, new: int, object: str | None = None):
    return render(request, "_memo_diff.html", old=old, new=new,
                  diffs=memo_diff(study, handle, old, new, object_code=object))
