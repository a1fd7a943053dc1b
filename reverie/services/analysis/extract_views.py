"""What a researcher sees of extracts, read in plain SQL: their handles, citations, status and theme.

:mod:`.extracts` names :class:`ExtractView` and :func:`list_extracts` too; they live here, on the
light imports of :mod:`reverie.services.study.reading`, so that ``reverie extracts list`` runs
without loading the ORM models, and the web lists and shows extracts through the same queries.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text

from reverie.core.citation import cite_inline
from reverie.services.study.reading import ReadableStudy, json_value


@dataclass(frozen=True)
class ExtractView:
    """What a researcher sees of an extract: its handle, citation, text, status and links."""

    handle: str
    id: int
    participant: str
    round: int
    version: int
    start_line: int
    end_line: int
    status: str
    text: str
    display_text: str
    title: str
    selection_sources: tuple[str, ...]
    objects: tuple[str, ...]
    theme: str | None
    citation: str


def handle_for(handle_no: int) -> str:
    """The stable handle of an extract: E1, E2 … in the order they were selected."""
    return f"E{handle_no}"


def list_extracts(study: ReadableStudy, *, status: str | None = None) -> list[ExtractView]:
    """The study's extracts in handle order, optionally only those with one status."""
    with study.read() as db:
        return extract_views(db, study.study_id, status=status)


def extract_views(db, study_id: int, *, status: str | None = None, extract_id: int | None = None) -> list[ExtractView]:
    """The study's extracts (those with ``status``, or the one ``extract_id``) as views, in handle order."""
    where, params = "e.study_id = :study", {"study": study_id}
    if status is not None:
        where += " AND e.status = :status"
        params["status"] = status
    if extract_id is not None:
        where += " AND e.id = :extract"
        params["extract"] = extract_id
    rows = db.execute(text(
        "SELECT e.id, e.handle_no, p.code, i.round, v.number, e.start_line, e.end_line, e.status, e.text_snapshot, "
        "e.display_text, e.title, e.selection_sources, th.label AS theme FROM extracts e "
        "JOIN participants p ON p.id = e.participant_id JOIN transcript_versions v ON v.id = e.version_id "
        "JOIN transcripts t ON t.id = v.transcript_id JOIN interviews i ON i.id = t.interview_id "
        f"LEFT JOIN themes th ON th.id = e.theme_id WHERE {where} ORDER BY e.handle_no"), params).all()
    if not rows:
        return []
    # The discursive objects of all the extracts at once, each extract's in label order.
    objects: dict[int, list[str]] = {}
    for extract, label in db.execute(text(
            "SELECT o.extract_id, c.label FROM extract_objects o JOIN codes c ON c.id = o.code_id "
            f"JOIN extracts e ON e.id = o.extract_id WHERE {where} ORDER BY c.label"), params):
        objects.setdefault(extract, []).append(label)
    return [ExtractView(handle_for(row.handle_no), row.id, row.code, row.round, row.number, row.start_line,
                        row.end_line, row.status, row.text_snapshot, row.display_text or row.text_snapshot, row.title,
                        tuple(json_value(row.selection_sources) or ()), tuple(objects.get(row.id, ())), row.theme,
                        cite_inline(row.code, row.start_line, row.end_line))
            for row in rows]
