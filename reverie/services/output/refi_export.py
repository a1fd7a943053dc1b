"""REFI-QDA export of a whole study (``.qdpx``, ``.qdc``), and the mapping that import reads back.

A study becomes a QDA project like this:

- every participant is a case (code → name; gender, profession, setting, years_band and each
  attribute → a variable), except participants marked ``{"document": true}``, which stand for
  documents that no case linked to when they were imported;
- the current version of every transcript is a text source named "P1 round 1". Each turn is
  written as "SPEAKER: text" so other tools show who speaks, and offsets are moved to match; the
  source variable ``Reverie line layout`` records the layout and whether labels were added, so
  an import gives back the same text, turns and line numbers (a study made from another tool's
  file gets it only for texts that need it, so its project gains no variable);
- codes keep their GUIDs, hierarchy, colours and definitions; codings on the same span share a
  selection; each coding keeps its GUID and its coder (a user per coder or author);
- the latest version of each analysis memo, each current reflexive-log entry and each coding's
  note become notes, attached to the sources, codes or codings they concern;
- themes become sets of the codes, sources and notes their extracts involve.

Beside the project, the archive carries the study's own records (``reverie/``, written by
:mod:`reverie.services.output.refi_reverie`), from which an import makes the same study again.

Why a ``refi`` block in ``Study.settings``: a file holds things Reverie's tables have no column
for (the file's GUIDs of users, sources, cases and variables; names and attachments of notes;
members of sets; codes that cannot be coded; source variables). Import keeps them there, and each
coding keeps the selection it came from in its selector under ``refi``, so a study made from a
file exports the same content again. Objects the block does not name get GUIDs derived from the
study (uuid5), so repeated exports agree.
"""

from __future__ import annotations

import json
import re
import uuid
from bisect import bisect_left, bisect_right
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from sqlalchemy import select

import reverie
from reverie.core import vocab
from reverie.core.layout import LineLayout
from reverie.formats.refi import (
    Case,
    Note,
    PlainTextSelection,
    QdaProject,
    Set,
    TextSource,
    User,
    Variable,
    VariableType,
    VariableValue,
    render_qdc,
    render_qdpx,
)
from reverie.formats.refi import (
    Code as QdaCode,
)
from reverie.formats.refi import (
    Coding as QdaCoding,
)
from reverie.formats.refi.model import Value
from reverie.services.study.context import OpenStudy
from reverie.store.files import stage_file
from reverie.store.models import (
    Code,
    Coding,
    ConsentRecord,
    Extract,
    ExtractObject,
    Interview,
    Memo,
    MemoVersion,
    Participant,
    ReflexiveEntry,
    ResearcherProfile,
    SpeakerTurn,
    Study,
    Theme,
    Transcript,
    TranscriptVersion,
)

REFI = "refi"
LAYOUT_VARIABLE = "Reverie line layout"
#: Participant columns that travel as case variables, under these names.
COLUMNS = ("gender", "profession", "setting", "years_band")
DOCUMENT = "document"
#: The name of the note that carries a coding's own note (``Coding.note``).
CODING_NOTE = "Note on a coding"
_LAYOUT = re.compile(
    r"^mode=(?P<mode>\w+); width=(?P<width>\d+); start=(?P<start>\d+); speakers=(?P<speakers>labels|none)$"
)
_SHORT_RGB = re.compile(r"^#([0-9A-Fa-f])([0-9A-Fa-f])([0-9A-Fa-f])$")
_RGB = re.compile(r"^#[0-9A-Fa-f]{6}")
_SPEAKER = re.compile(r"^[^:\n]{1,40}$")


# --- what export and import share -----------------------------------------------------------

def study_namespace(record: Study) -> uuid.UUID:
    """The namespace of the GUIDs derived for one study; its creation time tells studies apart."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"reverie-study:{record.id}:{record.created_at.isoformat()}")


def derived_guid(namespace: uuid.UUID, *parts: object) -> str:
    return str(uuid.uuid5(namespace, "\x1f".join(str(part) for part in parts)))


def hex_colour(colour: str | None) -> str:
    """A colour as ``#rrggbb`` ("" for none): REFI allows ``#rgb``; Reverie allows an alpha byte."""
    if not colour:
        return ""
    short = _SHORT_RGB.match(colour)
    if short:
        return "#" + "".join(2 * digit for digit in short.groups())
    return colour[:7] if _RGB.match(colour) else ""


def stored_value(value: Value | None) -> Any:
    """A variable value as JSON can hold it (decimals and dates as text)."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def file_value(value: Any, kind: VariableType) -> Value | None:
    """A stored value typed for ``kind``; raises TypeError or ValueError when it does not fit."""
    if value is None:
        return None
    match kind:
        case VariableType.BOOLEAN:
            if isinstance(value, bool):
                return value
            raise TypeError(value)
        case VariableType.INTEGER:
            if isinstance(value, bool) or not isinstance(value, int | str):
                raise TypeError(value)
            return int(value)
        case VariableType.FLOAT:
            if isinstance(value, bool):
                raise TypeError(value)
            try:
                return Decimal(str(value))
            except InvalidOperation:
                raise ValueError(value) from None
        case VariableType.DATE:
            return date.fromisoformat(str(value))
        case VariableType.DATETIME:
            return datetime.fromisoformat(str(value))
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _inferred_type(values: list[Any]) -> VariableType:
    given = [value for value in values if value is not None]
    if given and all(isinstance(value, bool) for value in given):
        return VariableType.BOOLEAN
    if given and all(isinstance(value, int) and not isinstance(value, bool) for value in given):
        return VariableType.INTEGER
    if given and all(isinstance(value, int | float) and not isinstance(value, bool) for value in given):
        return VariableType.FLOAT
    return VariableType.TEXT


def layout_value(layout: LineLayout, labelled: bool) -> str:
    """The ``Reverie line layout`` value of a source, e.g. "mode=fixed_width; width=80; start=1; speakers=labels"."""
    speakers = "labels" if labelled else "none"
    return f"mode={layout.mode}; width={layout.width}; start={layout.numbering_start}; speakers={speakers}"


def parse_layout_value(value: object) -> tuple[LineLayout, bool] | None:
    """The layout and labelling a ``Reverie line layout`` value names; None if it names none."""
    match = _LAYOUT.match(value) if isinstance(value, str) else None
    if match is None or match["mode"] not in ("imported", "fixed_width", "per_turn"):
        return None
    layout = LineLayout(mode=match["mode"], width=int(match["width"]), numbering_start=int(match["start"]))
    return layout, match["speakers"] == "labels"


def as_utc(moment: datetime | None) -> datetime | None:
    """A stored time (naive UTC) as the aware time a file carries."""
    return None if moment is None else moment.replace(tzinfo=UTC)


def from_iso(text: str | None) -> datetime | None:
    return None if not text else datetime.fromisoformat(text)


@dataclass(frozen=True)
class SpeakerText:
    """A version's text as exchanged, each turn preceded by "SPEAKER: ", and how offsets move."""

    text: str
    starts: tuple[int, ...]
    shifts: tuple[int, ...]

    def offset(self, position: int, *, end: bool = False) -> int:
        """Where ``position`` of the version text lies in :attr:`text`.

        A span that starts at a turn's start starts after its label; one that ends there (it
        took the line end before) stops before the label.
        """
        index = (bisect_left if end else bisect_right)(self.starts, position) - 1
        return position + (self.shifts[index] if index >= 0 else 0)


def speaker_text(text: str, turns: list[tuple[str, int, int]]) -> SpeakerText | None:
    """``text`` with speaker labels, or None when a label could not be read back unambiguously
    (a turn without a speaker, or a speaker holding a colon): the text is then exchanged as it is."""
    if not turns or not all(_SPEAKER.match(speaker) for speaker, _, _ in turns):
        return None
    pieces, starts, shifts, cursor, added = [], [], [], 0, 0
    for speaker, start, end in turns:
        label = f"{speaker}: "
        pieces += [text[cursor:start], label, text[start:end]]
        added += len(label)
        starts.append(start)
        shifts.append(added)
        cursor = end
    pieces.append(text[cursor:])
    return SpeakerText("".join(pieces), tuple(starts), tuple(shifts))


def entry_text(entry: ReflexiveEntry) -> str:
    """A reflexive-log entry as one text: the free template's text as written, else each part
    under its name."""
    parts = entry.parts or {}
    if entry.template == "free":
        return parts.get("text", "")
    names = [name for name, _ in vocab.LOG_TEMPLATES.get(entry.template, ())] or list(parts)
    return "\n\n".join(f"{name.replace('_', ' ').capitalize()}: {parts[name]}"
                       for name in names if parts.get(name))


def memo_text(version: MemoVersion) -> str:
    """A memo version as one text: the summary, then each filled field as "path: value"."""
    lines = [version.summary] if version.summary else []

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(f"{prefix}.{key}", inner)
        elif value not in (None, "", [], {}):
            shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
            lines.append(f"{prefix}: {shown}")

    walk("willig", version.willig or {})
    if version.positioning:
        lines.append("positioning: " + json.dumps(version.positioning, ensure_ascii=False))
    walk("psychosocial", version.psychosocial or {})
    return "\n".join(lines)


# --- export ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class ExportSummary:
    """What an export wrote."""

    path: Path
    users: int
    codes: int
    sources: int
    codings: int
    notes: int
    cases: int
    sets: int
    withheld: tuple[str, ...] = ()


def _withheld(session, study_id: int) -> set[int]:
    """Participants who withdrew without letting the data already collected be kept: exports
    leave them, their transcripts and codings out."""
    latest: dict[int, ConsentRecord] = {}
    for record in session.execute(select(ConsentRecord).join(Participant)
                                  .where(Participant.study_id == study_id).order_by(ConsentRecord.id)).scalars():
        latest[record.participant_id] = record
    return {pid for pid, record in latest.items() if record.withdrawn_on is not None and not record.keep_data_collected}


class _Users:
    """One user per coder or author label, reusing the users a file brought in."""

    def __init__(self, stored: list[dict], profiles: dict[str, str], namespace: uuid.UUID) -> None:
        self.stored = {entry["label"]: entry for entry in stored}
        self.profiles = profiles
        self.namespace = namespace
        self.order = [entry["label"] for entry in stored]

    def guid(self, label: str | None) -> str | None:
        if not label:
            return None
        if label not in self.stored:
            name = self.profiles.get(label) or label
            self.stored[label] = {"guid": derived_guid(self.namespace, "user", label), "name": name,
                                  "id": label if label in self.profiles else None, "label": label}
            self.order.append(label)
        return self.stored[label]["guid"]

    def users(self) -> tuple[User, ...]:
        return tuple(User(self.stored[label]["guid"], self.stored[label]["name"], self.stored[label]["id"])
                     for label in self.order)


class _Collector:
    """Reads one study in a session and builds its QDA project."""

    def __init__(self, session, study: OpenStudy) -> None:
        self.s = session
        self.study_id = study.study_id
        self.record = session.get(Study, study.study_id)
        self.refi = dict((self.record.settings or {}).get(REFI) or {})
        self.namespace = study_namespace(self.record)
        profiles = dict(session.execute(select(ResearcherProfile.label, ResearcherProfile.name)
                                        .where(ResearcherProfile.study_id == study.study_id)).all())
        self.users = _Users(self.refi.get("users", []), profiles, self.namespace)
        self.notes_on: dict[tuple[str, str], list[str]] = defaultdict(list)
        self.withheld = _withheld(session, study.study_id)
        self.media = study.media
        # A study made from another tool's file, which carried no variable of Reverie's.
        self.foreign = bool(self.refi) and not any(v.get("field") == "layout" for v in self.refi.get("variables", []))
        self.default_layout = LineLayout(**(self.record.line_layout or {}))
        self.layout_used = False

    def guid(self, *parts: object) -> str:
        return derived_guid(self.namespace, *parts)

    # codes -------------------------------------------------------------------------------

    def codes(self) -> tuple[tuple[QdaCode, ...], dict[int, str]]:
        rows = self.s.execute(select(Code).where(Code.study_id == self.study_id, Code.status != "merged")
                              .order_by(Code.id)).scalars().all()
        live = {row.id for row in rows}
        children: dict[int | None, list[Code]] = defaultdict(list)
        for row in rows:
            children[row.parent_id if row.parent_id in live else None].append(row)
        not_codable = set(self.refi.get("not_codable", []))

        def build(row: Code) -> QdaCode:
            return QdaCode(row.guid, row.label, hex_colour(row.color) or None, row.definition or None,
                           row.guid not in not_codable, tuple(build(child) for child in children[row.id]),
                           tuple(self.notes_on[("code", row.guid)]))

        return tuple(build(row) for row in children[None]), {row.id: row.guid for row in rows}

    # notes -------------------------------------------------------------------------------

    def notes(self, source_of_interview: dict[int, str], source_of_version: dict[int, str],
              code_guids: dict[int, str]) -> list[Note]:
        """Every note, registering what each is attached to before the owners are built."""
        stored = self.refi.get("notes", {})
        notes: list[Note] = []

        def attach(note_guid: str, refs: list[tuple[str, str]]) -> None:
            for ref in refs or [("project", "")]:
                self.notes_on[tuple(ref)].append(note_guid)

        entries = self.s.execute(select(ReflexiveEntry).where(ReflexiveEntry.study_id == self.study_id,
                                                              ReflexiveEntry.superseded.is_(False))
                                 .order_by(ReflexiveEntry.id)).scalars().all()
        for entry in entries:
            kept = stored.get(entry.guid)
            if kept is not None:
                attach(entry.guid, [tuple(ref) for ref in kept["refs"]])
                created = from_iso(kept.get("created"))
                name, description = kept.get("name"), kept.get("description")
                modified = (self.users.guid(kept.get("modifying_user")), from_iso(kept.get("modified")))
            else:
                sources = dict.fromkeys(source_of_interview[a.interview_id] for a in entry.anchors
                                        if a.interview_id in source_of_interview)
                attach(entry.guid, [("source", guid) for guid in sources])
                created = as_utc(entry.created_at)
                name, description = f"Reflexive log entry {entry.id} ({entry.stage})", None
                modified = (None, None)
            notes.append(Note(entry.guid, name, entry_text(entry), self.users.guid(entry.author), created,
                              description, *modified))

        memos = self.s.execute(select(Memo, Extract).join(Extract, Extract.id == Memo.extract_id)
                               .where(Memo.study_id == self.study_id).order_by(Memo.id)).all()
        for memo, extract in memos:
            latest = memo.versions[-1] if memo.versions else None
            if latest is None or extract.participant_id in self.withheld:
                continue
            refs = ([("source", source_of_version[extract.version_id])]
                    if extract.version_id in source_of_version else [])
            name = f"Memo on E{extract.handle_no}"
            if memo.object_code_id in code_guids:
                refs.append(("code", code_guids[memo.object_code_id]))
                name += f" ({self.s.get(Code, memo.object_code_id).label})"
            attach(memo.guid, refs)
            notes.append(Note(memo.guid, name, memo_text(latest), self.users.guid(latest.created_by),
                              as_utc(latest.created_at)))
        return notes

    # sources -----------------------------------------------------------------------------

    def sources(self, code_guids: dict[int, str], layout_guid: str) -> tuple[list[TextSource], list[Note]]:
        """The current version of every transcript, with its codings (and the notes of codings)."""
        stored = self.refi.get("sources", {})
        coding_notes: list[Note] = []
        result = []
        # Every current version's turns and codings in one query each, not two per transcript.
        turns_of: dict[int, list[tuple[str, int, int]]] = defaultdict(list)
        for version_id, speaker, start, end in self.s.execute(self._on_current_versions(
                select(SpeakerTurn.version_id, SpeakerTurn.speaker, SpeakerTurn.start_offset, SpeakerTurn.end_offset),
                SpeakerTurn.version_id).order_by(SpeakerTurn.version_id, SpeakerTurn.seq)):
            turns_of[version_id].append((speaker, start, end))
        codings_of: dict[int, list[Coding]] = defaultdict(list)
        # In the order they were made, which for an import is the file's order.
        for coding in self.s.execute(self._on_current_versions(select(Coding), Coding.version_id)
                                     .order_by(Coding.id)).scalars():
            codings_of[coding.version_id].append(coding)
        for transcript, version, code in self._transcripts():
            kept = stored.get(str(transcript.id), {})
            source_guid = kept.get("guid") or self.guid("source", transcript.id)
            labelled = speaker_text(version.text, turns_of[version.id])
            text = labelled.text if labelled else version.text
            codings = codings_of[version.id]
            groups: dict[tuple[str, int, int], list[Coding]] = {}
            whole: list[QdaCoding] = []
            for coding in codings:
                if coding.code_id not in code_guids:
                    continue
                provenance = (coding.selector or {}).get(REFI) or {}
                spans_whole_text = (coding.start_offset, coding.end_offset) == (0, len(version.text))
                if provenance.get("whole_source") and spans_whole_text:
                    whole.append(self._coding(coding, code_guids, provenance, coding_notes))
                    continue
                selection = provenance.get("selection") or self.guid("selection", source_guid, coding.start_offset,
                                                                       coding.end_offset)
                groups.setdefault((selection, coding.start_offset, coding.end_offset), []).append(coding)
            selections, seen = [], set()
            for (selection, start, end), members in groups.items():
                first = (members[0].selector or {}).get(REFI) or {}
                if selection in seen:  # one file selection on two spans: GUIDs must stay unique
                    selection, first = self.guid("selection", source_guid, start, end), {}
                seen.add(selection)
                created = from_iso(first["selection_created"]) if "selection_created" in first else as_utc(
                    min(member.created_at for member in members))
                user = first.get("selection_user", members[0].coder)
                if labelled:
                    start, end = labelled.offset(start), labelled.offset(end, end=True)
                selections.append(PlainTextSelection(
                    selection, start, end, first.get("name"), first.get("description"),
                    self.users.guid(user), created,
                    tuple(self._coding(member, code_guids, (member.selector or {}).get(REFI) or {}, coding_notes)
                          for member in members),
                    tuple(self.notes_on[("selection", selection)]),
                    self.users.guid(first.get("selection_modifying_user")),
                    from_iso(first.get("selection_modified"))))
            layout = LineLayout(**(version.line_layout or {}))
            values = [VariableValue(guid, value) for guid, value in self._source_values(kept)]
            # A foreign project gets no variable of Reverie's unless a text needs it to come back
            # with the same lines (speaker labels added, or a layout other than an import's).
            if not (self.foreign and labelled is None and layout == self.default_layout):
                values.append(VariableValue(layout_guid, layout_value(layout, labelled is not None)))
                self.layout_used = True
            rich = kept.get("rich_text") or {}
            result.append(TextSource(
                source_guid, kept.get("name") or code, text,
                rich_text_path=rich.get("path"),
                creating_user=self.users.guid(kept.get("creating_user", version.created_by)),
                created=from_iso(kept["created"]) if "created" in kept else as_utc(version.created_at),
                description=kept.get("description"), selections=tuple(selections), codings=tuple(whole),
                variable_values=tuple(values), note_refs=tuple(self.notes_on[("source", source_guid)]),
                modifying_user=self.users.guid(kept.get("modifying_user")), modified=from_iso(kept.get("modified")),
                rich_text=b"".join(self.media.read(rich["sha256"])) if rich.get("sha256") else None))
        return result, coding_notes

    def _on_current_versions(self, query, version_id):
        """``query`` narrowed to rows whose ``version_id`` is the current version of a transcript of the study."""
        return (query.join(Transcript, Transcript.current_version_id == version_id)
                .join(Interview, Interview.id == Transcript.interview_id)
                .join(Participant, Participant.id == Interview.participant_id)
                .where(Participant.study_id == self.study_id))

    def _transcripts(self):
        """(transcript, current version, source name) in participant and round order."""
        rows = self.s.execute(
            select(Transcript, TranscriptVersion, Participant.code, Participant.attributes, Interview.round)
            .join(TranscriptVersion, TranscriptVersion.id == Transcript.current_version_id)
            .join(Interview, Interview.id == Transcript.interview_id)
            .join(Participant, Participant.id == Interview.participant_id)
            .where(Participant.study_id == self.study_id, Participant.id.not_in(self.withheld))
            .order_by(Participant.id, Interview.round)).all()
        for transcript, version, code, attributes, round_no in rows:
            document = (attributes or {}).get(DOCUMENT) is True
            yield transcript, version, code if document else f"{code} round {round_no}"

    def _coding(self, coding: Coding, code_guids: dict[int, str], provenance: dict,
                coding_notes: list[Note]) -> QdaCoding:
        refs = list(self.notes_on[("coding", coding.guid)])
        if coding.note:
            note = Note(self.guid("coding-note", coding.guid), CODING_NOTE, coding.note,
                        self.users.guid(coding.coder), as_utc(coding.created_at))
            coding_notes.append(note)
            refs.append(note.guid)
        created = from_iso(provenance["created"]) if "created" in provenance else as_utc(coding.created_at)
        return QdaCoding(coding.guid, code_guids[coding.code_id], self.users.guid(coding.coder), created,
                         tuple(refs))

    def _source_values(self, kept: dict) -> list[tuple[str, Value | None]]:
        kinds = {variable["guid"]: VariableType(variable["type"]) for variable in self.refi.get("variables", [])}
        return [(guid, file_value(value, kinds.get(guid, VariableType.TEXT))) for guid, value in kept.get("values", [])]

    # cases and variables -----------------------------------------------------------------

    def cases(self, source_of_transcript_owner: dict[int, list[str]],
              all_sources: set[str]) -> tuple[list[Case], list[Variable]]:
        participants = self.s.execute(select(Participant).where(Participant.study_id == self.study_id)
                                      .order_by(Participant.id)).scalars().all()
        people = [p for p in participants
                  if (p.attributes or {}).get(DOCUMENT) is not True and p.id not in self.withheld]
        columns = self._variable_columns(people)
        stored_cases = self.refi.get("cases", {})
        cases = []
        for person in people:
            kept = stored_cases.get(str(person.id), {})
            values = []
            for variable, read, _ in columns:
                present, value = read(person)
                if present:
                    values.append(VariableValue(variable.guid, value))
            own = source_of_transcript_owner.get(person.id, [])
            # A file may link one source to several cases; the first owns it, the others keep the link.
            refs = [guid for guid in kept.get("sources", []) if guid in all_sources]
            refs += [guid for guid in own if guid not in refs]
            cases.append(Case(kept.get("guid") or self.guid("case", person.id), kept.get("name", person.code),
                              kept.get("description"), tuple(values), tuple(refs)))
        return cases, [variable for variable, _, _ in columns]

    def _variable_columns(self, people: list[Participant]):
        """(variable, reader, field) per case variable; a reader gives (present, value) per person."""
        stored = [v for v in self.refi.get("variables", []) if v["field"].startswith(("column:", "attribute:"))]
        taken = {v["field"] for v in stored}
        wanted = list(stored)
        for column in COLUMNS:
            if f"column:{column}" not in taken and any(getattr(p, column) for p in people):
                wanted.append({"guid": self.guid("variable", column), "name": column, "field": f"column:{column}"})
        keys = dict.fromkeys(key for p in people for key in (p.attributes or {}) if key != DOCUMENT)
        for key in keys:
            if f"attribute:{key}" not in taken:
                wanted.append({"guid": self.guid("variable", "attribute", key), "name": key,
                               "field": f"attribute:{key}"})
        columns = []
        for spec in wanted:
            kind, _, name = spec["field"].partition(":")

            def raw(person: Participant, kind=kind, name=name) -> tuple[bool, Any]:
                if kind == "column":
                    value = getattr(person, name)
                    return bool(value), value or None
                attributes = person.attributes or {}
                return name in attributes, attributes.get(name)

            given = [raw(p)[1] for p in people if raw(p)[0]]
            declared = VariableType(spec["type"]) if "type" in spec else _inferred_type(given)
            try:
                for value in given:
                    file_value(value, declared)
            except (TypeError, ValueError):  # edited since import into something the declared type cannot carry
                declared = VariableType.TEXT

            def read(person: Participant, raw=raw, declared=declared) -> tuple[bool, Value | None]:
                present, value = raw(person)
                return present, file_value(value, declared) if present else None

            columns.append((Variable(spec["guid"], spec["name"], declared, spec.get("description")), read,
                            spec["field"]))
        return columns

    # sets and the project ----------------------------------------------------------------

    def sets(self, emitted: set[str], code_guids: dict[int, str], source_of_version: dict[int, str],
             memo_of_extract: dict[int, list[str]]) -> list[Set]:
        stored = self.refi.get("sets", {})
        result = []
        themes = self.s.execute(select(Theme).where(Theme.study_id == self.study_id)
                                .order_by(Theme.position, Theme.id)).scalars().all()
        for theme in themes:
            kept = stored.get(theme.guid, {})
            codes, sources, notes = (list(kept.get(k, [])) for k in ("codes", "sources", "notes"))
            extracts = self.s.execute(select(Extract).where(Extract.theme_id == theme.id)
                                      .order_by(Extract.theme_position, Extract.handle_no)).scalars().all()
            for extract in extracts:
                sources.append(source_of_version.get(extract.version_id, ""))
                notes += memo_of_extract.get(extract.id, [])
                codes += [code_guids.get(code_id, "") for code_id in self.s.execute(
                    select(ExtractObject.code_id).where(ExtractObject.extract_id == extract.id)).scalars()]

            def members(guids: list[str]) -> tuple[str, ...]:
                return tuple(guid for guid in dict.fromkeys(guids) if guid in emitted)

            result.append(Set(theme.guid, theme.label, theme.description or None, members(codes),
                              members(sources), members(notes)))
        return result

    def project(self, *, codebook_only: bool = False) -> QdaProject:
        if codebook_only:
            codes, code_guids = self.codes()
            emitted = set(code_guids.values())
            return QdaProject(name=self.record.title, origin=f"Reverie {reverie.__version__}", codes=codes,
                              sets=tuple(self.sets(emitted, code_guids, {}, {})))
        owners = self.s.execute(
            select(Transcript.id, Transcript.interview_id, Interview.participant_id, Transcript.current_version_id)
            .join(Interview, Interview.id == Transcript.interview_id)
            .join(Participant, Participant.id == Interview.participant_id)
            .where(Participant.study_id == self.study_id, Participant.id.not_in(self.withheld),
                   Transcript.current_version_id.is_not(None))).all()
        stored_sources = self.refi.get("sources", {})
        guid_of = {tid: stored_sources.get(str(tid), {}).get("guid") or self.guid("source", tid)
                   for tid, _, _, _ in owners}
        source_of_interview = {iid: guid_of[tid] for tid, iid, _, _ in owners}
        source_of_version = {vid: guid_of[tid] for tid, _, _, vid in owners}
        versions = self.s.execute(select(TranscriptVersion.id, TranscriptVersion.transcript_id)
                                  .join(Transcript, Transcript.id == TranscriptVersion.transcript_id)
                                  .where(TranscriptVersion.transcript_id.in_(guid_of))).all()
        source_of_version.update({vid: guid_of[tid] for vid, tid in versions})  # extracts on older versions
        by_owner: dict[int, list[str]] = defaultdict(list)
        for tid, _, pid, _ in owners:
            by_owner[pid].append(guid_of[tid])
        live_codes = dict(self.s.execute(select(Code.id, Code.guid).where(Code.study_id == self.study_id,
                                                                          Code.status != "merged")).all())
        # Notes first: codes, sources and codings list the notes attached to them.
        notes = self.notes(source_of_interview, source_of_version, live_codes)
        codes, code_guids = self.codes()
        layout_guid = next((v["guid"] for v in self.refi.get("variables", []) if v["field"] == "layout"),
                           self.guid("variable", "layout"))
        sources, coding_notes = self.sources(code_guids, layout_guid)
        cases, variables = self.cases(by_owner, set(guid_of.values()))
        kept_variables = [Variable(v["guid"], v["name"], VariableType(v["type"]), v.get("description"))
                          for v in self.refi.get("variables", []) if v["field"] == "source"]
        if self.layout_used:
            variables.append(Variable(layout_guid, LAYOUT_VARIABLE, VariableType.TEXT,
                                      "How Reverie numbers this text's lines and whether it added speaker labels"))
        all_notes = notes + coding_notes
        memo_of_extract: dict[int, list[str]] = defaultdict(list)
        for memo_guid, extract_id in self.s.execute(select(Memo.guid, Memo.extract_id)
                                                    .where(Memo.study_id == self.study_id)).all():
            memo_of_extract[extract_id].append(memo_guid)
        emitted = set(code_guids.values()) | {s.guid for s in sources} | {n.guid for n in all_notes}
        sets = self.sets(emitted, code_guids, source_of_version, memo_of_extract)
        kept = self.refi.get("project", {})
        creator = self.users.guid(kept.get("creating_user", self.record.created_by))
        modifier = self.users.guid(kept.get("modifying_user"))
        return QdaProject(
            name=self.record.title,
            origin=f"Reverie {reverie.__version__}",
            creating_user=creator,
            created=from_iso(kept["created"]) if "created" in kept else as_utc(self.record.created_at),
            description=kept.get("description"),
            users=self.users.users(),  # last: every coder and author has been met by now
            codes=codes,
            sources=tuple(sources),
            notes=tuple(all_notes),
            cases=tuple(cases),
            variables=tuple(variables + kept_variables),
            sets=tuple(sets),
            note_refs=tuple(self.notes_on[("project", "")]),
            modifying_user=modifier,
            modified=from_iso(kept.get("modified")),
            base_path=kept.get("base_path"),
        )


def study_as_project(study: OpenStudy, *, codebook_only: bool = False) -> QdaProject:
    """The study as a REFI-QDA project (see the module docstring for what goes where)."""
    with study.read() as session:
        return _Collector(session, study).project(codebook_only=codebook_only)


def _count_codings(project: QdaProject) -> int:
    return sum(len(s.codings) + sum(len(sel.codings) for sel in s.selections) for s in project.sources)


def export_qdpx(study: OpenStudy, path: Path | str) -> ExportSummary:
    """Write the whole study as a REFI-QDA project that other QDA tools open, plus Reverie's own
    records (``reverie/`` in the archive, see :mod:`reverie.services.output.refi_reverie`), from which
    an import into Reverie makes the same study again.

    In the REFI-QDA part, participants who withdrew without letting their data be kept are left
    out (``withheld``); their data was removed from the study when they withdrew.
    """
    from reverie.services.output import refi_reverie

    path = Path(path)
    project = study_as_project(study)
    with study.read() as session:
        withheld = tuple(session.execute(select(Participant.code).where(
            Participant.id.in_(_withheld(session, study.study_id))).order_by(Participant.id)).scalars())
        records = refi_reverie.collect_records(session)
        data = refi_reverie.add_records(render_qdpx(project, path.name), session, records, study.media)
    summary = ExportSummary(path, len(project.users), sum(1 for _ in project.walk_codes()), len(project.sources),
                            _count_codings(project), len(project.notes), len(project.cases), len(project.sets),
                            withheld)
    with stage_file(path, data) as staged, study.write(
            "refi.export", target=f"study:{study.study_id}",
            payload={"file": path.name, "format": "qdpx", "users": summary.users, "codes": summary.codes,
                     "sources": summary.sources, "codings": summary.codings, "notes": summary.notes,
                     "cases": summary.cases, "sets": summary.sets, "withheld": list(withheld),
                     "reverie_records": {"version": refi_reverie.FORMAT_VERSION,
                                         "rows": sum(records.counts.values()),
                                         "media": len(records.media)}}) as s:
        staged.commit_with(s)
    return summary


def export_codebook_qdc(study: OpenStudy, path: Path | str) -> ExportSummary:
    """Write the codebook (codes with hierarchy, colours and definitions; themes as sets of codes) as ``.qdc``."""
    path = Path(path)
    project = study_as_project(study, codebook_only=True)
    data = render_qdc(project, path.name)
    summary = ExportSummary(path, 0, sum(1 for _ in project.walk_codes()), 0, 0, 0, 0, len(project.sets))
    with stage_file(path, data) as staged, study.write(
            "refi.export", target=f"study:{study.study_id}",
            payload={"file": path.name, "format": "qdc", "codes": summary.codes, "sets": summary.sets}) as s:
        staged.commit_with(s)
    return summary
