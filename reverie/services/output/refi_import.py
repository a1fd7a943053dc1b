"""Import a REFI-QDA project (``.qdpx``) or codebook (``.qdc``) as a new study.

An import always makes a new study folder and never merges into an existing study: merging two
codebooks or two sets of codings is an analytic decision, not a file operation. A refused or
failed import leaves nothing behind. The import adds nothing of its own (no user, no note): it is
recorded as one audit event holding the reader's repairs and warnings.

An archive Reverie wrote also holds the study's own records (``reverie/``, see
:mod:`reverie.services.output.refi_reverie`); when they describe the project beside them, the
study is restored from them whole and the mapping below is not used.

How the file's objects become Reverie's (the import report says the same):

- a case becomes a participant whose code is the case name (made a valid code when it is not);
  variables named gender, profession, setting or years_band with text values fill those
  fields, every other variable becomes an attribute;
- a text source becomes an interview (rounds 1, 2 … in the order its case lists them) whose
  transcript has one locked version (origin ``refi``). The text is kept exactly as the file has
  it, not NFC-normalised, so offsets stay where the other tool put them; each line is a turn
  without a speaker. A source Reverie exported (it carries ``Reverie line layout``) gets its
  speakers back from the labels and its line layout, so its line numbers are the exporter's;
- a source that no case links to becomes a *document*: a participant ``DOC1``, ``DOC2`` … with
  status ``completed`` and attributes ``{"document": true}``, exported again without a case;
- codes keep GUIDs, hierarchy, colours and descriptions; each coding keeps its GUID, its coder's
  name (``Coding.coder``) and, in its selector, the selection it belonged to;
- a note becomes a reflexive-log entry (free template) by its author, anchored to the interview
  and lines it was attached to: Reverie's analysis memos belong to extracts, which files lack.
  The note Reverie writes for a coding's own note comes back as that coding's note;
- modification times and users, ``basePath`` and rich-text documents (kept in the media store)
  are kept to be exported again; a Reverie project's users keep their labels (the user's id);
- a set becomes a theme.

What a file can hold that a study cannot is named in the report: selections that carry no
coding, empty selections, and codings of a source without text.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import unicodedata
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from reverie.core.anchoring import make_selector
from reverie.core.errors import Conflict, InvalidInput
from reverie.core.layout import Line, LineLayout, layout_lines, line_range_for_span
from reverie.core.transcript import TurnSpan
from reverie.formats.archives import ArchiveLimits, SafeZip, open_zip
from reverie.formats.refi import (
    ImportReport,
    QdaProject,
    TextSource,
    VariableType,
    read_qdc,
    read_qdpx,
)
from reverie.formats.refi.model import Code as QdaCode
from reverie.formats.refi.model import Value
from reverie.services.output.refi_export import (
    CODING_NOTE,
    COLUMNS,
    DOCUMENT,
    LAYOUT_VARIABLE,
    REFI,
    hex_colour,
    parse_layout_value,
    stored_value,
)
from reverie.services.output.refi_reverie import CarriedPart, read_part, restore_records
from reverie.services.study.context import MANIFEST, OpenStudy
from reverie.services.study.studies import Identity, init_study
from reverie.services.transcripts.versions import write_version_rows
from reverie.store.files import private_workdir
from reverie.store.models import (
    Code,
    Coding,
    Interview,
    LogAnchor,
    Participant,
    ReflexiveEntry,
    Study,
    Theme,
    Transcript,
    TranscriptVersion,
    utcnow,
)

_INITIALS = re.compile(r"^[A-Za-z][A-Za-z0-9.\-]{0,19}$")  # as a researcher's label must be
_LABEL = re.compile(r"^([^:\n]{1,40}): ")
_NOT_IN_CODE = re.compile(r"[^A-Za-z0-9_\-]+")
_COLUMN_NAMES = {column: column for column in COLUMNS} | {"years band": "years_band"}


@dataclass(frozen=True)
class ImportOutcome:
    """The new study, what the reader repaired and warned about, and ``lines`` to show the researcher."""

    study: OpenStudy
    report: ImportReport
    lines: tuple[str, ...]


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _stored_time(moment: datetime | None) -> datetime:
    """A file's time as the store keeps times (naive UTC); now when the file gave none."""
    if moment is None:
        return utcnow()
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def _participant_code(name: str | None, taken: set[str], fallback: str) -> str:
    """A valid, unused participant code as close to ``name`` as the code rules allow."""
    ascii_name = unicodedata.normalize("NFKD", name or "").encode("ascii", "ignore").decode()
    base = _NOT_IN_CODE.sub("_", ascii_name).strip("_")[:36] or fallback
    if not base[0].isalpha():
        base = f"C{base}"[:36]
    code, number = base, 1
    while code in taken:
        number += 1
        code = f"{base}-{number}"
    taken.add(code)
    return code


def _unlabel(text: str) -> tuple[list[tuple[str, str]], Callable[[int, bool], tuple[int, bool]]] | None:
    """Turns read back from "SPEAKER: text" lines, and a map from file offsets to offsets in the
    joined turn texts (with whether the offset had to move out of a label); None if a line has
    no label."""
    turns, starts, labels, cursor = [], [], [], 0
    for line in text.split("\n"):
        match = _LABEL.match(line)
        if match is None:
            return None
        turns.append((match[1], line[match.end():]))
        starts.append(cursor)
        labels.append(match.end())
        cursor += len(line) + 1
    removed_before = [0]
    for length in labels:
        removed_before.append(removed_before[-1] + length)

    def ours(offset: int, end: bool) -> tuple[int, bool]:
        index = max(bisect_right(starts, offset) - 1, 0)
        inside = offset - starts[index]
        moved = 0 < inside < labels[index] if end else inside < labels[index]
        return offset - removed_before[index] - min(inside, labels[index]), moved

    return turns, ours


class _Importer:
    """Writes one project into a fresh study inside the import's single write transaction."""

    def __init__(self, session, study: OpenStudy, project: QdaProject, report: ImportReport, file: Path,
                 file_sha256: str) -> None:
        self.s = session
        self.study = study
        self.project = project
        self.report = report
        self.file = file
        self.file_sha256 = file_sha256
        self.taken: set[str] = set()
        self.documents = 0
        self.record = session.get(Study, study.study_id)
        self.mapped: list[str] = []
        self.labels: dict[str, str] = {}
        self.code_ids: dict[str, int] = {}
        self.source_names: dict[str, str] = {}
        # Where each source, selection and coding landed: (interview, version, first line, last line).
        self.places: dict[str, tuple[int, int, int | None, int | None]] = {}
        self.refi: dict[str, Any] = {"users": [], "variables": [], "cases": {}, "sources": {}, "notes": {},
                                     "sets": {}, "not_codable": []}
        self.from_reverie = (project.origin or "").startswith("Reverie")
        self.coding_notes = self._coding_notes()

    def label(self, user_guid: str | None) -> str | None:
        return self.labels.get(user_guid) if user_guid else None

    def run(self) -> dict[str, int]:
        project = self.project
        self.users()
        self.refi["project"] = {"creating_user": self.label(project.creating_user),
                                "created": _iso(project.created), "description": project.description,
                                "modifying_user": self.label(project.modifying_user),
                                "modified": _iso(project.modified), "base_path": project.base_path}
        for code in project.codes:
            self.code(code, None)
        owners = self.cases()
        codings = sum(self.source(source, owners) for source in project.sources)
        self.notes()
        for position, item in enumerate(project.sets, 1):
            self.s.add(Theme(study_id=self.study.study_id, guid=item.guid, label=item.name,
                             description=item.description or "", position=position, created_by=self.study.actor))
            self.refi["sets"][item.guid] = {"codes": list(item.member_codes), "sources": list(item.member_sources),
                                            "notes": list(item.member_notes)}
        shared = [label for label, count in Counter(c.name for _, c in project.walk_codes()).items() if count > 1]
        if shared:
            self.mapped.append(f"{len(shared)} code label(s) are used by more than one code (under different "
                               "parents), e.g. " + ", ".join(repr(label) for label in shared[:3])
                               + "; refer to those codes by GUID.")
        self.record.settings = {**(self.record.settings or {}), REFI: self.refi}
        return {"users": len(project.users), "codes": len(self.code_ids), "participants": len(self.refi["cases"]),
                "sources": len(project.sources), "codings": codings, "notes": len(project.notes),
                "themes": len(project.sets)}

    def users(self) -> None:
        taken: Counter[str] = Counter()
        for user in self.project.users:
            # Reverie writes a researcher's label (TM) as the user's id and their name as its name.
            label = (self.from_reverie and user.id) or user.name or user.id or user.guid
            taken[label] += 1
            if taken[label] > 1:  # two users of one name stay two coders
                label = f"{label} ({taken[label]})"
            self.labels[user.guid] = label
            self.refi["users"].append({"guid": user.guid, "name": user.name, "id": user.id, "label": label})

    def code(self, code: QdaCode, parent_id: int | None) -> None:
        colour = hex_colour(code.color)
        if code.color and colour != code.color:
            self.mapped.append(f"Code {code.name!r}: colour {code.color} written as {colour}.")
        row = Code(study_id=self.study.study_id, guid=code.guid, kind="free", label=code.name,
                   definition=code.description or "", color=colour, parent_id=parent_id,
                   created_by=self.study.actor)
        self.s.add(row)
        self.s.flush()
        self.code_ids[code.guid] = row.id
        if not code.is_codable:
            self.refi["not_codable"].append(code.guid)
        for child in code.children:
            self.code(child, row.id)

    # cases -------------------------------------------------------------------------------

    def _variable_fields(self) -> dict[str, str]:
        """Where each variable's case values go: a participant column, an attribute, or nowhere
        (a variable only sources carry, or Reverie's own layout variable)."""
        given: dict[str, list[Value | None]] = {}
        for case in self.project.cases:
            for value in case.variable_values:
                given.setdefault(value.variable_guid, []).append(value.value)
        fields: dict[str, str] = {}
        for variable in self.project.variables:
            values = given.get(variable.guid)
            column = _COLUMN_NAMES.get(variable.name.casefold())
            if values is None:
                field = "layout" if variable.name == LAYOUT_VARIABLE else "source"
            elif (column and f"column:{column}" not in fields.values()
                  and variable.type_of_variable is VariableType.TEXT
                  and all(isinstance(value, str) and value for value in values)):
                field = f"column:{column}"
            else:
                key, number = variable.name, 1
                while key == DOCUMENT or f"attribute:{key}" in fields.values():
                    number += 1
                    key = f"{variable.name} ({number})"
                field = f"attribute:{key}"
            fields[variable.guid] = field
            self.refi["variables"].append({"guid": variable.guid, "name": variable.name,
                                           "type": str(variable.type_of_variable),
                                           "description": variable.description, "field": field})
        return fields

    def cases(self) -> dict[str, int]:
        """Add a participant per case; return which participant owns each linked source."""
        fields = self._variable_fields()
        owners: dict[str, int] = {}
        for number, case in enumerate(self.project.cases, 1):
            code = _participant_code(case.name, self.taken, f"CASE{number}")
            if code != case.name:
                self.mapped.append(f"Case {case.name!r} became participant {code}.")
            columns: dict[str, Any] = {}
            attributes: dict[str, Any] = {}
            for value in case.variable_values:
                kind, _, name = fields[value.variable_guid].partition(":")
                if kind == "column":
                    columns[name] = value.value
                else:
                    attributes[name] = stored_value(value.value)
            person = Participant(study_id=self.study.study_id, code=code, status="completed", attributes=attributes,
                                 created_by=self.study.actor, **columns)
            self.s.add(person)
            self.s.flush()
            self.refi["cases"][str(person.id)] = {"guid": case.guid, "name": case.name,
                                                  "description": case.description,
                                                  "sources": list(case.source_refs)}
            for source_guid in case.source_refs:
                if source_guid in owners:
                    self.mapped.append(f"Source {source_guid} is linked to more than one case; its interview "
                                       f"belongs to the first, and exports link it to {code} too.")
                owners.setdefault(source_guid, person.id)
        return owners

    # sources -----------------------------------------------------------------------------

    def _turns(self, source: TextSource) -> tuple[list[tuple[str, str]], Callable[[int, bool], tuple[int, bool]],
                                                  LineLayout]:
        """The source's turns, how its offsets map onto them, and the layout to number lines with."""
        layout = LineLayout(**(self.record.line_layout or {}))
        plain = ([("", line) for line in source.text.split("\n")], lambda offset, end: (offset, False))
        kinds = {v["guid"]: v["field"] for v in self.refi["variables"]}
        marked = next((parse_layout_value(value.value) for value in source.variable_values
                       if kinds.get(value.variable_guid) == "layout"), None)
        if marked is None:
            return *plain, layout
        layout, labelled = marked
        if layout.mode == "imported":
            self.mapped.append(f"Source {source.name!r}: its line numbers came from a numbered file, which the "
                               "text does not carry; numbered it fixed-width instead.")
            layout = LineLayout(mode="fixed_width", width=layout.width, numbering_start=layout.numbering_start)
        if not labelled:
            return *plain, layout
        unlabelled = _unlabel(source.text)
        if unlabelled is None:
            self.report.warnings.append(f"Source {source.name!r}: says it has speaker labels, but not every line "
                                        "starts with one; kept its text exactly, without speakers.")
            return *plain, layout
        return *unlabelled, layout

    def source(self, source: TextSource, owners: dict[str, int]) -> int:
        """Store one source as a locked transcript with its codings; returns how many were stored."""
        actor = self.study.actor
        person_id = owners.get(source.guid)
        if person_id is None:
            self.documents += 1
            code = _participant_code(None, self.taken, f"DOC{self.documents}")
            document = Participant(study_id=self.study.study_id, code=code, status="completed",
                                   attributes={DOCUMENT: True}, created_by=actor)
            self.s.add(document)
            self.s.flush()
            person_id = document.id
            self.mapped.append(f"Source {source.name!r} is linked to no case: stored as document {code} "
                               f'(a participant with attributes {{"{DOCUMENT}": true}}; exports give it no case).')
        round_no = sum(1 for guid, owner in owners.items() if owner == person_id and guid in self.source_names) + 1
        self.source_names[source.guid] = source.name
        turns, ours, layout = self._turns(source)
        text = "\n".join(turn for _, turn in turns)
        spans, cursor = [], 0
        for index, (speaker, turn) in enumerate(turns):
            spans.append(TurnSpan(index, speaker, cursor, cursor + len(turn)))
            cursor += len(turn) + 1
        lines = layout_lines(text, spans, layout)
        interview = Interview(participant_id=person_id, round=round_no, purpose="narrative", created_by=actor)
        self.s.add(interview)
        self.s.flush()
        transcript = Transcript(interview_id=interview.id, notation_profile=self.record.notation_profile,
                                line_layout=asdict(layout), created_by=actor)
        self.s.add(transcript)
        self.s.flush()
        now = utcnow()
        version = TranscriptVersion(
            transcript_id=transcript.id, number=1, status="locked", origin="refi", text=text,
            line_layout=asdict(layout), source_name=self.file.name, source_sha256=self.file_sha256,
            transcriber=self.label(source.creating_user) or "", locked_at=now, verified_at=now, created_by=actor)
        self.s.add(version)
        self.s.flush()
        transcript.current_version_id = version.id
        write_version_rows(self.s, version.id, text, spans, lines, None)
        kinds = {v["guid"]: v["field"] for v in self.refi["variables"]}
        self.refi["sources"][str(transcript.id)] = {
            "guid": source.guid, "name": source.name, "description": source.description,
            "created": _iso(source.created), "creating_user": self.label(source.creating_user),
            "modified": _iso(source.modified), "modifying_user": self.label(source.modifying_user),
            "rich_text": self._rich_text(source),
            "values": [[value.variable_guid, stored_value(value.value)] for value in source.variable_values
                       if kinds.get(value.variable_guid) != "layout"]}
        self.places[source.guid] = (interview.id, version.id, None, None)
        rows = self._codings(source, text, lines, ours, interview.id, version.id)
        if rows:
            self.s.execute(insert(Coding), rows)
        return len(rows)

    def _codings(self, source: TextSource, text: str, lines: list[Line],
                 ours: Callable[[int, bool], tuple[int, bool]], interview_id: int, version_id: int) -> list[dict]:
        where = f"Source {source.name!r}"
        rows: list[dict] = []

        def add(coding, start: int, end: int, provenance: dict) -> None:
            first, last = line_range_for_span(lines, start, end)
            self.places[coding.guid] = (interview_id, version_id, first, last)
            rows.append({
                "guid": coding.guid, "code_id": self.code_ids[coding.code_guid], "version_id": version_id,
                "start_offset": start, "end_offset": end, "start_line": first, "end_line": last,
                "selector": {**asdict(make_selector(text, start, end)),
                             REFI: {**provenance, "created": _iso(coding.created)}},
                "coder": self.label(coding.creating_user) or "", "note": self.coding_notes.get(coding.guid, ""),
                "created_at": _stored_time(coding.created), "created_by": self.study.actor})

        if source.codings and not text:
            self.report.warnings.append(f"{where}: left out {len(source.codings)} coding(s) of the whole source, "
                                        "which has no text.")
        for coding in source.codings if text else ():
            add(coding, 0, len(text), {"whole_source": True})
        empty = uncoded = moved = 0
        for selection in source.selections:
            (start, start_moved), (end, end_moved) = ours(selection.start, False), ours(selection.end, True)
            if not selection.codings:
                uncoded += 1
                continue
            if start >= end:
                empty += 1
                continue
            moved += start_moved or end_moved
            self.places[selection.guid] = (interview_id, version_id, *line_range_for_span(lines, start, end))
            provenance = {"selection": selection.guid, "name": selection.name,
                          "description": selection.description, "selection_created": _iso(selection.created),
                          "selection_user": self.label(selection.creating_user),
                          "selection_modified": _iso(selection.modified),
                          "selection_modifying_user": self.label(selection.modifying_user)}
            for coding in selection.codings:
                add(coding, start, end, provenance)
        if uncoded:
            self.report.warnings.append(f"{where}: left out {uncoded} selection(s) that carry no coding "
                                        "(a Reverie coding needs a code).")
        if empty:
            self.report.warnings.append(f"{where}: left out {empty} empty selection(s) and their codings.")
        if moved:
            self.report.repairs.append(f"{where}: {moved} selection(s) began or ended inside a speaker label; "
                                       "moved them to the turn's text.")
        return rows

    # notes -------------------------------------------------------------------------------

    def notes(self) -> None:
        refs: dict[str, list[list[str]]] = {}

        def attach(kind: str, guid: str, note_refs: tuple[str, ...]) -> None:
            for note_guid in note_refs:
                refs.setdefault(note_guid, []).append([kind, guid])

        attach("project", "", self.project.note_refs)
        for _, code in self.project.walk_codes():
            attach("code", code.guid, code.note_refs)
        for source in self.project.sources:
            attach("source", source.guid, source.note_refs)
            for coding in source.codings:
                attach("coding", coding.guid, coding.note_refs)
            for selection in source.selections:
                attach("selection", selection.guid, selection.note_refs)
                for coding in selection.codings:
                    attach("coding", coding.guid, coding.note_refs)
        for note in self.project.notes:
            if note.guid in self.coding_note_guids:
                continue
            entry = ReflexiveEntry(study_id=self.study.study_id, guid=note.guid,
                                   author=self.label(note.creating_user) or "", stage="analysis", template="free",
                                   parts={"text": note.text}, created_at=_stored_time(note.created),
                                   created_by=self.study.actor)
            places = dict.fromkeys(self.places[guid] for _, guid in refs.get(note.guid, []) if guid in self.places)
            entry.anchors = [LogAnchor(interview_id=interview_id, version_id=version_id, start_line=first,
                                       end_line=last) for interview_id, version_id, first, last in places]
            self.s.add(entry)
            self.refi["notes"][note.guid] = {"name": note.name, "description": note.description,
                                             "created": _iso(note.created), "refs": refs.get(note.guid, []),
                                             "modified": _iso(note.modified),
                                             "modifying_user": self.label(note.modifying_user)}

    def _coding_notes(self) -> dict[str, str]:
        """coding GUID → the text of the note Reverie wrote for that coding's own note, which comes
        back as the coding's note, not as a log entry."""
        self.coding_note_guids: set[str] = set()
        if not self.from_reverie:
            return {}
        texts = {note.guid: note.text for note in self.project.notes if note.name == CODING_NOTE}
        found: dict[str, str] = {}
        for source in self.project.sources:
            codings = [*source.codings, *(c for selection in source.selections for c in selection.codings)]
            for coding in codings:
                own = [guid for guid in coding.note_refs if guid in texts]
                if own:
                    found[coding.guid] = texts[own[-1]]
                    self.coding_note_guids.add(own[-1])
        return found

    def _rich_text(self, source: TextSource) -> dict[str, str] | None:
        """Keep a source's rich-text document in the media store, to be exported again."""
        if source.rich_text is None:
            return None
        if not source.rich_text:
            self.report.warnings.append(f"Source {source.name!r}: left out its empty rich-text document "
                                        f"({source.rich_text_path}).")
            return None
        with private_workdir("refi-rich") as work:
            plain = work / "document"
            plain.write_bytes(source.rich_text)
            with self.study.media.stage(plain) as staged:
                staged.commit_with(self.s)
        self.mapped.append(f"Source {source.name!r}: kept its rich-text document ({source.rich_text_path}) "
                           "to export it again; Reverie works on the plain text.")
        return {"path": source.rich_text_path, "sha256": staged.sha256}


def _refuse_existing(new_dir: Path) -> None:
    if (new_dir / MANIFEST).exists():
        raise Conflict(f"{new_dir}: a study already exists here; an import always makes a new study and never "
                       "merges into one")
    if new_dir.exists() and not new_dir.is_dir():
        raise InvalidInput(f"{new_dir}: exists and is not a folder")
    if new_dir.exists() and any(new_dir.iterdir()):
        raise Conflict(f"{new_dir}: the folder is not empty; choose a new folder for the imported study")


def _outcome_lines(report: ImportReport, names: dict[str, str], mapped: list[str]) -> tuple[str, ...]:
    lines = [f"repaired: {repair}" for repair in report.repairs]
    lines += [f"warning: {warning}" for warning in report.warnings]
    lines += [f"offsets of {names.get(guid, guid)!r}: {convention.describe()}"
              for guid, convention in report.offset_conventions.items()]
    lines += [f"unlinked source: {names.get(guid, guid)!r}" for guid in report.unlinked_sources]
    lines += [f"mapped: {line}" for line in mapped]
    return tuple(lines)


def _import(project: QdaProject, report: ImportReport, file: Path, new_dir: Path,
            identity: Identity | None, carried: tuple[CarriedPart, SafeZip] | None = None) -> ImportOutcome:
    existed = new_dir.exists()
    study = None
    names = {source.guid: source.name for source in project.sources}
    payload: dict[str, Any] = {"file": file.name, "sha256": _sha256(file)}
    try:
        study = init_study(new_dir, title=project.name or file.stem, identity=identity or _researcher(project))
        with study.write("refi.import", target=f"study:{study.study_id}", payload=payload) as session:
            importer = _Importer(session, study, project, report, file, payload["sha256"])
            if carried is None:
                payload["counts"] = importer.run()
            else:
                part, archive = carried
                # How the REFI-QDA part's offsets and cases read does not matter: it is not used.
                report.offset_conventions.clear()
                report.unlinked_sources.clear()
                payload["counts"] = restore_records(session, study, part, archive, file.name)
                payload["reverie_records"] = part.manifest.get("version")
                importer.mapped.append(f"Restored the study from Reverie's own records (format version "
                                       f"{part.manifest.get('version')}, written by Reverie "
                                       f"{part.manifest.get('reverie')}); the REFI-QDA part was checked "
                                       "against them and not read again.")
                importer.mapped += [f"Reverie's records could not resolve {item}; kept as written."
                                    for item in part.manifest.get("unresolved", [])]
            payload.update(
                repairs=report.repairs, warnings=report.warnings, mapped=importer.mapped,
                offset_conventions={names.get(guid, guid): convention.describe()
                                    for guid, convention in report.offset_conventions.items()},
                unlinked_sources=[names.get(guid, guid) for guid in report.unlinked_sources])
        lines = _outcome_lines(report, names, importer.mapped)
    except BaseException:
        if study is not None:
            study.close()
        if existed:
            for child in new_dir.iterdir():
                shutil.rmtree(child) if child.is_dir() else child.unlink()
        else:
            shutil.rmtree(new_dir, ignore_errors=True)
        raise
    return ImportOutcome(study, report, lines)


def import_qdpx(path: Path | str, new_dir: Path | str, identity: Identity | None = None,
                limits: ArchiveLimits = ArchiveLimits(), *, own_records: bool = True) -> ImportOutcome:
    """Make a new study in ``new_dir`` from a REFI-QDA project: participants, transcripts, codes,
    codings by coder, notes and themes (see the module docstring for the mapping).

    An archive Reverie wrote carries the study's own records too (:mod:`refi_reverie`); the study
    is then restored from them whole, unless ``own_records`` is False (read the REFI-QDA part as
    any other tool's file) or another tool changed the project since (the report says so).

    Refuses an existing study or a non-empty folder, and an unsafe or unreadable file, before
    creating anything; a failure part-way removes what was made.
    """
    path, new_dir = Path(path), Path(new_dir)
    _refuse_existing(new_dir)
    project, report = read_qdpx(path, limits)
    with open_zip(path, path.name, limits) as archive:
        part, reasons = read_part(archive, path.name) if own_records else (None, [])
        report.warnings.extend(reasons)
        return _import(project, report, path, new_dir, identity, None if part is None else (part, archive))


def _researcher(project: QdaProject) -> Identity | None:
    """The researcher a Reverie export names as the project's creator (its label as the user's
    id), so a study read back from the file is theirs, not the account that imports it."""
    if not (project.origin or "").startswith("Reverie"):
        return None
    creator = next((user for user in project.users if user.guid == project.creating_user), None)
    if creator is None or not creator.id or not _INITIALS.match(creator.id):
        return None
    return Identity(name=creator.name or creator.id, initials=creator.id)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def import_qdc(path: Path | str, new_dir: Path | str, identity: Identity | None = None,
               limits: ArchiveLimits = ArchiveLimits()) -> ImportOutcome:
    """Make a new study in ``new_dir`` holding a REFI-QDA codebook's codes (and its sets as themes)."""
    path, new_dir = Path(path), Path(new_dir)
    _refuse_existing(new_dir)
    project, report = read_qdc(path, limits)
    return _import(project, report, path, new_dir, identity)
