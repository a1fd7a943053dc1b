"""The codebook: codes, their kinds, colours, nesting, merges and deletions.

The page is a tree of codes. Each code's editing forms (rename, describe/recolour/nest, merge,
delete) are fetched when its "Edit" disclosure opens, so a codebook of hundreds of codes does not
carry hundreds of code lists. Every change answers the whole tree (counts and nesting move); a
refused change answers the form it came from, with the message beside the control that caused
it and what was typed kept (HTMX retargets the answer to that form). Deleting a code that has
codings first asks "Delete 'X' and its 12 codings?" and deletes only when that number comes back.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Form, Request
from starlette.responses import Response

from reverie.core.errors import InvalidInput, ReverieError
from reverie.services.analysis.codebook import (
    KIND_CHOICES,
    UNCHANGED,
    CodingsWouldBeLost,
    codebook_tree,
    delete_code,
    flatten,
    get_code,
    update_code,
)
from reverie.services.analysis.coding import PALETTE, add_code, merge_code, rename_code
from reverie.services.output.segments import SEGMENT_FORMATS
from reverie.web.deps import CurrentStudy, is_htmx, redirect, render
from reverie.web.errors import STATUS

router = APIRouter(tags=["codebook"])


def _status(error: ReverieError) -> int:
    return next((code for kind, code in STATUS.items() if isinstance(error, kind)), 400)


def _blame(message: str, rules: dict[str, tuple[str, ...]], default: str) -> str:
    """Which control a refusal is about, from the words of its message."""
    lowered = message.lower()
    return next((name for name, words in rules.items() if any(w in lowered for w in words)), default)


def _next_colour(rows) -> str:
    """The colour offered for a new code: the first of the palette no code is drawn in yet."""
    drawn = {node.color.lower() for _, node in rows}
    return next((c for c in PALETTE if c not in drawn), PALETTE[len(rows) % len(PALETTE)])


def _page(request: Request, study: CurrentStudy, *, status_code: int = 200, **context: Any) -> Response:
    tree = codebook_tree(study)
    template = "_codebook.html" if is_htmx(request) else "codebook.html"
    rows = flatten(tree)
    return render(request, template, status_code=status_code, tree=tree, rows=rows, kinds=KIND_CHOICES,
                  formats=SEGMENT_FORMATS, next_colour=_next_colour(rows),
                  **{"new": {}, "new_errors": {}, "edit": None, "notice": "", **context})


def _answer_tree(request: Request, study: CurrentStudy, notice: str) -> Response:
    if not is_htmx(request):
        return redirect(request, request.url_for("codebook"))
    return _page(request, study, notice=notice)


def _edit_context(study: CurrentStudy, code_id: int, **state: Any) -> dict[str, Any]:
    node = get_code(study, code_id)
    rows = flatten(codebook_tree(study))
    inside = _descendants(rows, node.id)
    return {"node": node, "parents": [(d, n) for d, n in rows if n.id not in inside],
            "targets": [(d, n) for d, n in rows if n.id != node.id], "kinds": KIND_CHOICES,
            "errors": {}, "values": {}, "ask_delete": None, **state}


def _descendants(rows, code_id: int) -> set[int]:
    """The code and every code nested under it (none of them can be its parent)."""
    found, grew = {code_id}, True
    while grew:
        grew = False
        for _, n in rows:
            if n.parent_id in found and n.id not in found:
                found.add(n.id)
                grew = True
    return found


def _edit_refused(request: Request, study: CurrentStudy, code_id: int, *, status_code: int,
                  **state: Any) -> Response:
    """The code's forms again, with the message beside the control and what was typed kept."""
    context = _edit_context(study, code_id, **state)
    if not is_htmx(request):
        return _page(request, study, status_code=status_code, edit=context)
    response = render(request, "_code_edit.html", status_code=status_code, **context)
    response.headers["HX-Retarget"] = f"#edit-{code_id}"
    response.headers["HX-Reswap"] = "innerHTML"
    return response


@router.get("/codebook", name="codebook")
def codebook_page(request: Request, study: CurrentStudy):
    return _page(request, study)


@router.post("/codebook/codes", name="codebook_add")
def add(request: Request, study: CurrentStudy, label: str = Form(""), kind: str = Form("free"),
        definition: str = Form(""), color: str = Form(""), parent: str = Form("")):
    """A new code, at the top level or under a parent (the form offers the next palette colour)."""
    values = {"label": label, "kind": kind, "definition": definition, "color": color, "parent": parent}
    try:
        if parent.strip() and not parent.strip().isdigit():
            raise InvalidInput(f"parent {parent!r} is not a code of this codebook")
        parent_ref = get_code(study, int(parent)).guid if parent.strip() else None
        add_code(study, label.strip(), kind=kind, definition=definition.strip(),
                 color=color.strip().lower(), parent=parent_ref)
    except ReverieError as error:
        field = _blame(str(error), {"kind": ("kind",), "color": ("colour",), "parent": ("parent", "no code")}, "label")
        status = _status(error)
        if not is_htmx(request):
            return _page(request, study, status_code=status, new=values, new_errors={field: str(error)})
        rows = flatten(codebook_tree(study))
        response = render(request, "_code_new.html", status_code=status, kinds=KIND_CHOICES, rows=rows,
                          next_colour=_next_colour(rows), new=values, new_errors={field: str(error)})
        response.headers["HX-Retarget"] = "#new-code"
        response.headers["HX-Reswap"] = "outerHTML"
        return response
    return _answer_tree(request, study, f"Added the code {label.strip()!r}.")


@router.get("/codebook/codes/{code_id}/edit", name="code_edit")
def edit_forms(request: Request, study: CurrentStudy, code_id: int):
    """The code's forms: rename, describe/recolour/nest, merge, delete (fetched when "Edit" opens)."""
    return render(request, "_code_edit.html", **_edit_context(study, code_id))


@router.post("/codebook/codes/{code_id}", name="code_update")
def update(request: Request, study: CurrentStudy, code_id: int, fields: str = Form("definition,color,parent"),
           definition: str | None = Form(None), color: str | None = Form(None), parent: str | None = Form(None)):
    """Describe, recolour or re-nest; only the ``fields`` named change (dragging a code sends ``parent`` alone).

    Forms send an emptied field as nothing, so ``fields`` says which were sent: an empty definition
    clears it, an empty parent puts the code at the top level.
    """
    sent = {f.strip() for f in fields.split(",")}
    definition = (definition or "") if "definition" in sent else None
    color = (color or "") if "color" in sent else None
    values = {"definition": definition, "color": color, "parent": parent or ""}
    try:
        node = get_code(study, code_id)
        if color is not None and (not color or (not node.own_color and color.strip().lower() == node.color.lower())):
            color = None  # the palette colour shown in the picker, not a choice
        new_parent: Any = UNCHANGED
        if "parent" in sent:
            new_parent = int(parent) if (parent or "").strip() else None
        update_code(study, code_id, definition=definition, color=color, parent=new_parent)
    except ReverieError as error:
        field = _blame(str(error), {"color": ("colour",), "parent": ("nested", "parent", "no code")}, "definition")
        return _edit_refused(request, study, code_id, status_code=_status(error), values=values,
                             errors={field: str(error)})
    except ValueError:
        return _edit_refused(request, study, code_id, status_code=422, values=values,
                             errors={"parent": f"{parent!r} is not a code of this codebook"})
    return _answer_tree(request, study, f"Saved {node.label!r}.")


@router.post("/codebook/codes/{code_id}/rename", name="code_rename")
def rename(request: Request, study: CurrentStudy, code_id: int, new_label: str = Form(""), reason: str = Form("")):
    values = {"new_label": new_label, "rename_reason": reason}
    try:
        node = get_code(study, code_id)
        rename_code(study, node.guid, new_label, rationale=reason)
    except ReverieError as error:
        field = "rename_reason" if "reason" in str(error).lower() else "new_label"
        return _edit_refused(request, study, code_id, status_code=_status(error), values=values,
                             errors={field: str(error)})
    return _answer_tree(request, study, f"Renamed {node.label!r} to {new_label.strip()!r}.")


@router.post("/codebook/codes/{code_id}/merge", name="code_merge")
def merge(request: Request, study: CurrentStudy, code_id: int, into: str = Form(""), reason: str = Form("")):
    values = {"into": into, "merge_reason": reason}
    try:
        node = get_code(study, code_id)
        if not into.strip():
            raise InvalidInput("choose the code to merge it into")
        target = get_code(study, int(into))
        merge_code(study, node.guid, target.guid, rationale=reason)
    except (ReverieError, ValueError) as error:
        message = str(error) if isinstance(error, ReverieError) else f"{into!r} is not a code of this codebook"
        field = "merge_reason" if "reason" in message.lower() else "into"
        status = _status(error) if isinstance(error, ReverieError) else 422
        return _edit_refused(request, study, code_id, status_code=status, values=values, errors={field: message})
    return _answer_tree(request, study, f"Merged {node.label!r} into {target.label!r}: its codings are "
                                        f"{target.label!r}'s now.")


@router.post("/codebook/codes/{code_id}/delete", name="code_delete")
def remove(request: Request, study: CurrentStudy, code_id: int, reason: str = Form(""),
           confirm_codings: str = Form("")):
    """Delete a code; one with codings is deleted only when the number asked about comes back."""
    values = {"delete_reason": reason}
    try:
        confirm = int(confirm_codings) if confirm_codings.strip().isdigit() else None
        done = delete_code(study, code_id, rationale=reason, confirm_codings=confirm)
    except CodingsWouldBeLost as asked:
        return _edit_refused(request, study, code_id, status_code=200, values=values,
                             ask_delete=asked.codings)
    except ReverieError as error:
        return _edit_refused(request, study, code_id, status_code=_status(error), values=values,
                             errors={"delete_reason": str(error)})
    moved = f" {', '.join(repr(c) for c in done.children_moved)} moved up to " \
            f"{repr(done.new_parent) if done.new_parent else 'the top level'}." if done.children_moved else ""
    gone = f" and its {done.codings} coding{'' if done.codings == 1 else 's'}" if done.codings else ""
    return _answer_tree(request, study, f"Deleted {done.label!r}{gone}.{moved}")
