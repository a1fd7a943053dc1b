"""A memo's unsaved text, kept on the server per person as they type, and the save that turns it
into a version.

A draft is bookkeeping, not a research decision: it is written through the study's one writer
without an audit event (versions are audited, each with its reason). It keeps the form exactly as
typed (:data:`reverie.services.analysis.memo_form.Form`), so text that cannot be saved yet, such
as a positioning act on lines the transcript does not have, survives a reload or a refused save.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from reverie.core.errors import Conflict, InvalidInput, NotFound, ReverieError
from reverie.services.analysis.coding import find_code
from reverie.services.analysis.decisions import parse_evidence_ref
from reverie.services.analysis.extracts import find_extract, handle_of
from reverie.services.analysis.memo_form import Form, clean_form, facets_from_form, text_for
from reverie.services.analysis.memos import FIELD_ERRORS, MemoFieldError, MemoSaved, save_memo, show_memo
from reverie.services.study.context import OpenStudy
from reverie.store.models.analysis import MemoDraft
from reverie.store.models.base import utcnow


@dataclass(frozen=True)
class Draft:
    """What one person typed in a memo since its last version."""

    extract: str
    author: str
    form: Form
    base_version: int | None
    updated_at: datetime


def _find(session, study: OpenStudy, extract: str, object_code: str | None, author: str):
    record = find_extract(session, study, extract)
    code_id = find_code(session, study, object_code).id if object_code else None
    query = select(MemoDraft).where(MemoDraft.extract_id == record.id, MemoDraft.author == author)
    query = query.where(MemoDraft.object_code_id == code_id) if code_id else query.where(
        MemoDraft.object_code_id.is_(None))
    return record, code_id, session.execute(query).scalars().first()


def _view(record, draft: MemoDraft) -> Draft:
    return Draft(handle_of(record), draft.author, dict(draft.fields or {}), draft.base_version, draft.updated_at)


def _latest_version(study: OpenStudy, extract: str, object_code: str | None) -> int | None:
    try:
        return show_memo(study, extract, object_code=object_code).version
    except NotFound:
        return None


def keep_draft(study: OpenStudy, extract: str, form: Form, *, object_code: str | None = None,
               base_version: int | None = None) -> Draft:
    """Keep what this person typed in the memo (replacing their previous draft); no audit event.

    ``base_version`` is the version the text was typed over (None: the latest now).
    """
    form = clean_form(form)
    if base_version is None:
        base_version = _latest_version(study, extract, object_code)
    with study.quiet_write() as s:
        record, code_id, draft = _find(s, study, extract, object_code, study.actor)
        if draft is None:
            draft = MemoDraft(study_id=study.study_id, extract_id=record.id, object_code_id=code_id,
                              author=study.actor)
            s.add(draft)
        draft.fields, draft.base_version, draft.updated_at = form, base_version, utcnow()
        s.flush()
        return _view(record, draft)


def find_draft(study: OpenStudy, extract: str, *, object_code: str | None = None) -> Draft | None:
    """This person's draft of the memo, if they typed anything since its last version."""
    with study.read() as s:
        record, _, draft = _find(s, study, extract, object_code, study.actor)
        return _view(record, draft) if draft is not None else None


def drop_draft(study: OpenStudy, extract: str, *, object_code: str | None = None) -> None:
    """Forget this person's draft of the memo (once it is a version)."""
    with study.quiet_write() as s:
        _, _, draft = _find(s, study, extract, object_code, study.actor)
        if draft is not None:
            s.delete(draft)


def _evidence(form: Form) -> list[dict]:
    try:
        refs = " ".join(form.get("evidence") or []).replace(",", " ").split()
        return [parse_evidence_ref(ref) for ref in dict.fromkeys(refs)]
    except InvalidInput as exc:
        raise MemoFieldError("evidence", str(exc)) from None


def save_from_form(study: OpenStudy, extract: str, form: Form, *, object_code: str | None = None) -> MemoSaved:
    """Save the memo page's form as a new version (its ``why`` and ``evidence`` make a revision's decision).

    Fields left as they were keep their stored value whole. A refused save keeps the form as this
    person's draft, so nothing typed is lost; a saved one removes the draft.
    """
    form = clean_form(form)
    try:
        view = show_memo(study, extract, object_code=object_code)
        stored, latest = {f.path: f.value for f in view.fields}, view.version
    except NotFound:
        with study.read() as s:
            find_extract(s, study, extract)  # an unknown extract is refused as such
        stored, latest = {}, None
    try:
        facets = facets_from_form(form, stored)
        if latest is None and not _has_words(facets):
            raise Conflict("the memo is empty: write in any field, then save")
        evidence = _evidence(form)
        try:
            saved = save_memo(study, extract, object_code=object_code, why=text_for(form, "why"),
                              evidence_refs=evidence, **facets)
        except FIELD_ERRORS:
            raise
        except (InvalidInput, NotFound) as exc:
            if "evidence" in str(exc):
                raise MemoFieldError("evidence", str(exc)) from None
            raise
    except ReverieError:
        keep_draft(study, extract, form, object_code=object_code, base_version=latest)
        raise
    drop_draft(study, extract, object_code=object_code)
    return saved


def _has_words(value) -> bool:
    if isinstance(value, dict):
        return any(_has_words(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_words(v) for v in value)
    if isinstance(value, str):
        return bool(value.strip())
    return value not in (None, False)


__all__ = ["Draft", "drop_draft", "find_draft", "keep_draft", "save_from_form"]
