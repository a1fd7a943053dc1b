"""Analysis memos on extracts, versioned, with three facets (METHOD.md §1–§3, §10.5).

- ``willig``: Willig's six stages of Foucauldian discourse analysis;
- ``positioning``: Davies & Harré positioning acts (:data:`POSITIONING_FIELDS`);
- ``psychosocial``: the Hollway & Jefferson reading (anxieties, defences, investments …).

The guiding questions are prompts, never requirements: an incomplete memo always saves. Each
version after the first is a revision of an interpretation, so it references a
``revise_interpretation`` decision with its reason and evidence; when the memo had already been
shown in a consultation and the revision cites no response or log entry, the save warns
(§10.8 invariant 3) rather than blocks.
"""

from __future__ import annotations

import copy
import difflib
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from reverie.core.errors import Conflict, InvalidInput, NotFound
from reverie.core.layout import lines_in_range
from reverie.services.analysis.coding import find_code
from reverie.services.analysis.decisions import record_decision
from reverie.services.analysis.extracts import find_extract, handle_of
from reverie.services.study.context import OpenStudy
from reverie.services.transcripts.versions import version_lines
from reverie.store.models import (
    Code,
    ConsultationMaterial,
    Extract,
    Memo,
    MemoVersion,
    ReflexiveEntry,
)

WILLIG_PROMPTS: dict[str, str] = {
    "constructions": "In how many different ways is the object constructed in this text, explicitly and implicitly "
                     "(pronouns, metaphors, contrasts, what is conspicuously absent)? Where, exactly?",
    "discourses": "Which wider discourses do these constructions draw on, and how do they differ or conflict?",
    "action_orientation": "What does constructing the object this way, at this point in the talk, achieve? What is "
                          "it doing relative to the surrounding text (justifying, accounting, blaming, contrasting, "
                          "disclaiming)?",
    "positionings": "What subject positions do these constructions and discourses offer: to the speaker, the peer, "
                    "service users, other professionals, the interviewer?",
    "practice.enables": "What possibilities for action do these constructions and positions open up? What can be "
                        "said or done from within them?",
    "practice.constrains": "What possibilities for action do they close down? What cannot be said or done?",
    "subjectivity": "What can be felt, thought and experienced from within these positions? (The most speculative "
                    "stage: mark it as such.)",
}

PSYCHOSOCIAL_PROMPTS: dict[str, str] = {
    "anxieties": "What might be threatening or anxiety-provoking for the speaker here?",
    "defences": "Any signs of defence (splitting, projection, idealisation, denial, rationalisation, avoidance, "
                "displacement)? Evidence lines.",
    "investments": "What does taking up this position give the speaker emotionally (an acceptable sense of self in "
                   "the work role)?",
    "identifications": "With whom does the speaker identify?",
    "ambivalence_contradictions": "Incongruities, contradictions, changes of emotional tone, avoidances.",
    "association_links": "What came immediately before and after; unexpected jumps (the free-association chain).",
    "embodied_nonverbal": "Tone, posture, pace, silences: the impact that transcription loses.",
    "researcher_affect": "Which reflexive log entries (your emotional responses) bear on this reading?",
    "whole_case_check": "Does this reading fit the pen portrait and the whole account?",
}

POSITIONING_FIELDS: dict[str, str] = {
    "line_range": "Evidence lines, e.g. [415, 419].",
    "positioner": "Who positions: a speaker, or a voiced figure in reported speech (\"one of the doctors\").",
    "positioned": "Who is positioned: self, a named figure or a category (\"service users\").",
    "position_label": "Which subject position?",
    "rights_duties": "What the position entitles or obliges.",
    "storyline": "Which storyline (e.g. \"time-pressed clinic has no room for carers\")?",
    "speech_act": "Speech act and its force (praise, complaint, justification, confession, dismissal…).",
    "mode": "interactive (positioning another) or reflexive (positioning oneself).",
    "order": "first, second (contesting) or third (retelling to a third party).",
    "intentionality": "deliberate, forced, tacit or unclear.",
    "uptake": "offered, taken_up, resisted, refused, negotiated or unknown.",
    "discourse_ids": "Discourses (Willig stage 2) this positioning draws on.",
    "note": "Anything else.",
}

POSITIONING_CHOICES: dict[str, tuple[str, ...]] = {
    "mode": ("interactive", "reflexive"),
    "order": ("first", "second", "third"),
    "intentionality": ("deliberate", "forced", "tacit", "unclear"),
    "uptake": ("offered", "taken_up", "resisted", "refused", "negotiated", "unknown"),
}

# Fields holding lists (a single text given on the command line becomes a one-item list).
_LIST_FIELDS = {"willig.constructions", "willig.discourses", "willig.positionings", "willig.practice.enables",
                "willig.practice.constrains", "psychosocial.defences", "psychosocial.researcher_affect"}
_TRUE = {"yes", "true", "1", "y"}
_FALSE = {"no", "false", "0", "n", ""}


class _AboutField:
    def __init__(self, field: str, message: str, row: int | None = None):
        super().__init__(message)
        self.field = field
        self.row = row


class MemoFieldError(_AboutField, InvalidInput):
    """A memo refused because of one field (and, in a field of rows, one row): the page says so beside it."""


class MemoFieldNotFound(_AboutField, NotFound):
    """A memo field cites a record that does not exist (a log entry)."""


FIELD_ERRORS = (MemoFieldError, MemoFieldNotFound)


@dataclass(frozen=True)
class MemoSaved:
    """The version saved, its revision decision (none for a first version) and any warnings."""

    extract: str
    memo_id: int
    version: int
    decision_id: int | None
    warnings: tuple[str, ...]


@dataclass(frozen=True)
class MemoField:
    """One field of a memo version, with the prompt to show when it is empty."""

    path: str
    value: Any
    prompt: str

    @property
    def empty(self) -> bool:
        return self.value in (None, "", [], {}, False)


@dataclass(frozen=True)
class MemoView:
    """One memo version, every field with its prompt."""

    extract: str
    object_code: str | None
    version: int
    decision_id: int | None
    fields: tuple[MemoField, ...]
    summary: str


def memo_paths() -> list[tuple[str, str]]:
    """Every editable field path with its prompt, in the order a memo is read."""
    paths = [(f"willig.{key}", prompt) for key, prompt in WILLIG_PROMPTS.items()]
    paths.append(("positioning", "Positioning acts (Davies & Harré): who positions whom, in which position and "
                                 "storyline, on which lines; one row per act."))
    paths += [(f"psychosocial.{key}", prompt) for key, prompt in PSYCHOSOCIAL_PROMPTS.items()]
    return paths


def _coerce(path: str, value: str) -> Any:
    if path == "psychosocial.whole_case_check":
        if value.strip().lower() not in _TRUE | _FALSE:
            raise InvalidInput(f"{path} takes yes or no, not {value!r}")
        return value.strip().lower() in _TRUE
    if path == "psychosocial.researcher_affect":
        try:
            return [int(v) for v in value.replace(",", " ").split()]
        except ValueError:
            raise InvalidInput(f"{path} takes log entry ids, e.g. 3,7") from None
    return [value] if path in _LIST_FIELDS else value


def facets_from_assignments(assignments: list[str]) -> dict[str, Any]:
    """Read ``willig.action_orientation=TEXT`` style assignments into memo facets for :func:`save_memo`."""
    known = {path for path, _ in memo_paths()} | {"summary"}
    facets: dict[str, Any] = {}
    for assignment in assignments:
        path, sep, value = assignment.partition("=")
        path = path.strip()
        if not sep or path not in known or path == "positioning":
            raise InvalidInput(f"{assignment!r}: use FIELD=TEXT with FIELD one of "
                               f"{', '.join(sorted(known - {'positioning'}))} (positioning records: use a JSON file)")
        if path == "summary":
            facets["summary"] = value
            continue
        head, *rest = path.split(".")
        target = facets.setdefault(head, {})
        for key in rest[:-1]:
            target = target.setdefault(key, {})
        target[rest[-1]] = _coerce(path, value)
    return facets


def _line_range(session, study: OpenStudy, version_id: int, value: Any, where: str) -> None:
    if isinstance(value, str):
        first, _, last = value.partition("-")
        value = [first, last or first]
    try:
        first, last = (int(v) for v in value)
    except (TypeError, ValueError):
        raise InvalidInput(f"{where}: line_range must be [first, last] or 'first-last'") from None
    try:
        lines_in_range(version_lines(study, version_id), first, last)
    except InvalidInput as exc:
        raise InvalidInput(f"{where}: {exc}") from None


def check_positioning(records: list[dict], *, check_lines=None, words_allowed: bool = False) -> None:
    """Refuse positioning records with unknown fields or values outside the method's choices.

    With ``words_allowed`` (Willig's stage 4), an item may also be a subject position in words.
    """
    if not isinstance(records, list):
        raise InvalidInput("positioning must be a list of records")
    for number, record in enumerate(records, 1):
        if words_allowed and isinstance(record, str):
            continue
        if not isinstance(record, dict):
            raise InvalidInput(f"positioning record {number} must be an object with fields")
        unknown = set(record) - set(POSITIONING_FIELDS)
        if unknown:
            raise InvalidInput(f"positioning record {number} has unknown field(s) {', '.join(sorted(unknown))}")
        for name, choices in POSITIONING_CHOICES.items():
            if record.get(name) not in (None, "") and record[name] not in choices:
                raise InvalidInput(f"positioning record {number}: {name} {record[name]!r} is not one of "
                                   f"{', '.join(choices)}")
        if check_lines and record.get("line_range"):
            check_lines(record["line_range"], f"positioning record {number}")


def _row_of(message: str) -> int | None:
    """The row a refusal names ("positioning record 2: …", "construction 1: …"), counted from 1."""
    head = message.split(":", 1)[0].split()
    return int(head[-1]) if len(head) > 1 and head[-1].isdigit() else None


def _check_facets(session, study: OpenStudy, version_id: int, content: dict) -> None:
    """Refuse what the method cannot hold, naming the field (and row) at fault."""
    for path, check in (("willig.constructions", _check_constructions), ("willig.positionings", _check_positionings),
                        ("positioning", _check_positioning_acts), ("psychosocial", _check_psychosocial),
                        ("willig", _check_willig)):
        try:
            check(session, study, version_id, content)
        except (InvalidInput, NotFound) as exc:
            field = "psychosocial.researcher_affect" if "researcher_affect" in str(exc) else path
            kind = MemoFieldNotFound if isinstance(exc, NotFound) else MemoFieldError
            raise kind(field, str(exc), _row_of(str(exc))) from None


def _check_willig(session, study: OpenStudy, version_id: int, content: dict) -> None:
    willig = content["willig"]
    stages = {key.split(".")[0] for key in WILLIG_PROMPTS}
    unknown = set(willig) - stages
    if unknown:
        raise InvalidInput(f"willig has no stage(s) {', '.join(sorted(unknown))}; stages: {', '.join(sorted(stages))}")
    practice = willig.get("practice", {})
    if not isinstance(practice, dict) or set(practice) - {"enables", "constrains"}:
        raise InvalidInput("willig.practice holds enables and constrains")


def _lines_checker(session, study: OpenStudy, version_id: int):
    def lines(value, where):
        _line_range(session, study, version_id, value, where)
    return lines


def _check_constructions(session, study: OpenStudy, version_id: int, content: dict) -> None:
    lines = _lines_checker(session, study, version_id)
    for number, construction in enumerate(content["willig"].get("constructions") or [], 1):
        if isinstance(construction, dict) and construction.get("line_range"):
            lines(construction["line_range"], f"construction {number}")


def _check_positionings(session, study: OpenStudy, version_id: int, content: dict) -> None:
    check_positioning(content["willig"].get("positionings") or [],
                      check_lines=_lines_checker(session, study, version_id), words_allowed=True)


def _check_positioning_acts(session, study: OpenStudy, version_id: int, content: dict) -> None:
    check_positioning(content["positioning"], check_lines=_lines_checker(session, study, version_id))


def _check_psychosocial(session, study: OpenStudy, version_id: int, content: dict) -> None:
    psychosocial = content["psychosocial"]
    unknown = set(psychosocial) - set(PSYCHOSOCIAL_PROMPTS)
    if unknown:
        raise InvalidInput(f"psychosocial has no field(s) {', '.join(sorted(unknown))}")
    for entry_id in psychosocial.get("researcher_affect") or []:
        entry = session.get(ReflexiveEntry, entry_id)
        if entry is None or entry.study_id != study.study_id:
            raise NotFound(f"psychosocial.researcher_affect: no log entry {entry_id}")


def _merge(previous: dict, willig, positioning, psychosocial, summary) -> dict:
    content = copy.deepcopy(previous)
    for facet, given in (("willig", willig), ("psychosocial", psychosocial)):
        for key, value in (given or {}).items():
            if key == "practice" and isinstance(value, dict):
                content[facet].setdefault("practice", {}).update(value)
            else:
                content[facet][key] = value
    if positioning is not None:
        content["positioning"] = positioning
    if summary is not None:
        content["summary"] = summary
    return content


def _content(version: MemoVersion | None) -> dict:
    if version is None:
        return {"willig": {}, "positioning": [], "psychosocial": {}, "summary": ""}
    return {"willig": dict(version.willig or {}), "positioning": list(version.positioning or []),
            "psychosocial": dict(version.psychosocial or {}), "summary": version.summary or ""}


def _find_memo(session, study: OpenStudy, extract_id: int, object_code: str | None) -> Memo | None:
    code_id = find_code(session, study, object_code).id if object_code else None
    query = select(Memo).where(Memo.extract_id == extract_id)
    query = query.where(Memo.object_code_id == code_id) if code_id else query.where(Memo.object_code_id.is_(None))
    return session.execute(query).scalar_one_or_none()


def _shown_in_consultation(session, memo: Memo) -> bool:
    ids = [v.id for v in memo.versions]
    return bool(ids) and session.execute(select(ConsultationMaterial.id).where(
        ConsultationMaterial.memo_version_id.in_(ids)).limit(1)).first() is not None


def save_memo(study: OpenStudy, extract: str, *, willig: dict | None = None, positioning: list | None = None,
              psychosocial: dict | None = None, summary: str | None = None, object_code: str | None = None,
              why: str = "", evidence_refs=()) -> MemoSaved:
    """Save a new memo version; fields not given keep their previous value. Incomplete memos are fine.

    A revision (any version after the first) needs ``why``: it becomes a revise_interpretation
    decision citing ``evidence_refs`` (responses, log entries, memos).
    """
    payload: dict[str, Any] = {"extract": extract, "object": object_code}
    warnings: list[str] = []
    with study.write("memo.save", target=f"extract:{extract}", why=why, payload=payload) as s:
        record = find_extract(s, study, extract)
        memo = _find_memo(s, study, record.id, object_code)
        latest = memo.versions[-1] if memo and memo.versions else None
        content = _merge(_content(latest), willig, positioning, psychosocial, summary)
        _check_facets(s, study, record.version_id, content)
        if latest is not None and content == _content(latest):
            raise Conflict(f"the memo on {handle_of(record)} is unchanged")
        decision_id = None
        if latest is not None:
            if not why.strip():
                raise MemoFieldError("why", f"revising the memo on {handle_of(record)} (version {latest.version + 1}) "
                                            "needs a reason: what changed your reading, and on what evidence?")
            if _shown_in_consultation(s, memo) and not any(
                    ref.get("kind") in ("response", "log_entry") for ref in evidence_refs):
                warnings.append(f"the memo on {handle_of(record)} was shown in a consultation, but this revision "
                                "cites no response or log entry")
            decision_id = record_decision(
                study, "revise_interpretation", why, evidence_refs=evidence_refs,
                target_refs=[{"kind": "memo", "id": memo.id}, {"kind": "extract", "id": record.id,
                                                               "handle": handle_of(record)}],
                before={"version": latest.version}, after={"version": latest.version + 1}).id
        if memo is None:
            code_id = find_code(s, study, object_code).id if object_code else None
            memo = Memo(study_id=study.study_id, guid=str(uuid.uuid4()), extract_id=record.id,
                        object_code_id=code_id, created_by=study.actor)
            s.add(memo)
            s.flush()
        version = MemoVersion(memo_id=memo.id, version=(latest.version + 1) if latest else 1,
                              willig=content["willig"], positioning=content["positioning"],
                              psychosocial=content["psychosocial"], summary=content["summary"],
                              decision_id=decision_id, created_by=study.actor)
        s.add(version)
        s.flush()
        payload.update(memo=memo.id, version=version.version, decision=decision_id, warnings=warnings)
    return MemoSaved(handle_of(record), memo.id, version.version, decision_id, tuple(warnings))


def _flatten(content: dict) -> list[tuple[str, Any]]:
    willig, psychosocial = content["willig"], content["psychosocial"]
    fields = []
    for key in WILLIG_PROMPTS:
        head, _, sub = key.partition(".")
        value = (willig.get(head) or {}).get(sub) if sub else willig.get(head)
        fields.append((f"willig.{key}", value))
    fields.append(("positioning", content["positioning"]))
    fields += [(f"psychosocial.{key}", psychosocial.get(key)) for key in PSYCHOSOCIAL_PROMPTS]
    fields.append(("summary", content["summary"]))
    return fields


def _versions(session, study: OpenStudy, extract: str, object_code: str | None) -> tuple[Extract, list[MemoVersion]]:
    record = find_extract(session, study, extract)
    memo = _find_memo(session, study, record.id, object_code)
    if memo is None or not memo.versions:
        about = f" for {object_code}" if object_code else ""
        raise NotFound(f"{handle_of(record)} has no memo{about} yet; write one with `reverie memo edit`")
    return record, list(memo.versions)


def show_memo(study: OpenStudy, extract: str, *, object_code: str | None = None,
              version: int | None = None) -> MemoView:
    """A memo version (the latest unless asked), every field with its prompt for when it is empty."""
    prompts = dict(memo_paths()) | {"summary": "A short summary of the reading."}
    with study.read() as s:
        record, versions = _versions(s, study, extract, object_code)
        chosen = versions[-1] if version is None else next((v for v in versions if v.version == version), None)
        if chosen is None:
            raise NotFound(f"the memo on {handle_of(record)} has no version {version}")
        content = _content(chosen)
        fields = tuple(MemoField(path, value, prompts[path]) for path, value in _flatten(content))
        return MemoView(handle_of(record), object_code, chosen.version, chosen.decision_id, fields, content["summary"])


def memo_history(study: OpenStudy, extract: str, *, object_code: str | None = None) -> list[MemoVersion]:
    """Every version of a memo, oldest first."""
    with study.read() as s:
        return _versions(s, study, extract, object_code)[1]


def _as_text(path: str, value: Any) -> list[str]:
    """A field's value as lines of words (records as "Positioner: P1 · …", never JSON)."""
    from reverie.services.analysis.memo_form import words  # it builds on this module

    return words(path, value).splitlines()


def diff_contents(old: dict, new: dict, old_name: str = "before", new_name: str = "after") -> dict[str, str]:
    """A unified diff per changed field between two memo contents."""
    diffs = {}
    for (path, before), (_, after) in zip(_flatten(old), _flatten(new)):
        if before != after:
            diffs[path] = "\n".join(difflib.unified_diff(_as_text(path, before), _as_text(path, after),
                                                         f"{old_name}/{path}", f"{new_name}/{path}", lineterm=""))
    return diffs


def memo_diff(study: OpenStudy, extract: str, old: int, new: int, *, object_code: str | None = None) -> dict[str, str]:
    """What changed between two versions of a memo, field by field (unified diffs)."""
    with study.read() as s:
        record, versions = _versions(s, study, extract, object_code)
        by_number = {v.version: v for v in versions}
        for number in (old, new):
            if number not in by_number:
                raise NotFound(f"the memo on {handle_of(record)} has no version {number}")
        return diff_contents(_content(by_number[old]), _content(by_number[new]), f"v{old}", f"v{new}")


def memo_content(version: MemoVersion) -> dict:
    """A memo version's content as plain data (what a consultation snapshot freezes)."""
    return _content(version)


def object_label(session, memo: Memo) -> str | None:
    """The label of the discursive object a memo is about (None for a memo on the whole extract)."""
    return session.get(Code, memo.object_code_id).label if memo.object_code_id else None
