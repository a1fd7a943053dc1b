"""Retrieval: every passage coded with a code, in context, filtered and exported."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request

from reverie.core.errors import InvalidInput
from reverie.services.analysis.codebook import codebook_tree, flatten, get_code
from reverie.services.analysis.retrieval import (
    MAX_CONTEXT,
    PassageFilter,
    attribute_choices,
    attribute_values,
    passage,
    passages,
    rounds,
)
from reverie.services.output.segments import SEGMENT_FORMATS, export_segments
from reverie.web.deps import CurrentStudy, download, render

router = APIRouter(tags=["codebook"])

MORE = 5  # lines added on each side by "more context"


def _number(value: str, what: str) -> int | None:
    value = value.strip()
    if not value:
        return None
    if not (value.isascii() and value.isdigit()):
        raise InvalidInput(f"{what} {value!r} must be a number")
    return int(value)


def _filters(attribute: str, value: str, round_no: str, with_code: str) -> PassageFilter:
    return PassageFilter(attribute=attribute.strip(), value=value.strip(), round_no=_number(round_no, "round"),
                         with_code=_number(with_code, "co-occurring code"))


# Declared before /codes/{code_id}, which would otherwise take "export" for an id.
@router.get("/codes/export", name="export_segments")
def export(study: CurrentStudy, codes: list[int] = Query(default=[]), format: str = "docx",
           attribute: str = "", value: str = "", round_no: str = "", with_code: str = ""):
    """The coded segments of the ticked codes as a .docx, .csv or .html download."""
    if not codes:
        raise InvalidInput("tick at least one code to export its coded segments")
    if format not in SEGMENT_FORMATS:
        raise InvalidInput(f"export format {format!r} is not one of {', '.join(SEGMENT_FORMATS)}")
    made = export_segments(study, codes, format, _filters(attribute, value, round_no, with_code))
    return download(made.content, made.filename)


@router.get("/codes/attribute-values", name="attribute_values")
def values_of(request: Request, study: CurrentStudy, attribute: str = ""):
    """The values a participant attribute takes, as the options of the Value field's list."""
    return render(request, "_attribute_values.html", values=attribute_values(study, attribute.strip()))


@router.get("/codes/{code_id}", name="code_passages")
def code_passages(request: Request, study: CurrentStudy, code_id: int, attribute: str = "", value: str = "",
                  round_no: str = "", with_code: str = "", context: int = 2, offset: int = 0):
    """The code's passages in context, with citations, coder and date, narrowed by the filters."""
    node = get_code(study, code_id)
    filters = _filters(attribute, value, round_no, with_code)
    page = passages(study, code_id, filters, context=context, offset=offset)
    others = [(d, n) for d, n in flatten(codebook_tree(study)) if n.id != code_id]
    return render(request, "code_passages.html", node=node, page=page, filters=filters, context=context,
                  attributes=attribute_choices(study), values=attribute_values(study, filters.attribute),
                  rounds=rounds(study), others=others, formats=SEGMENT_FORMATS, more=MORE, max_context=MAX_CONTEXT,
                  query={"attribute": filters.attribute, "value": filters.value, "round_no": round_no.strip(),
                         "with_code": with_code.strip()})


@router.get("/codings/{coding_id}/passage", name="coding_passage")
def one_passage(request: Request, study: CurrentStudy, coding_id: int, context: int = 2 + MORE):
    """One passage with more lines around it (the "More context" button swaps it in)."""
    found = passage(study, coding_id, context=min(max(context, 0), MAX_CONTEXT))
    return render(request, "_passages.html", items=[found], more=MORE, max_context=MAX_CONTEXT)
